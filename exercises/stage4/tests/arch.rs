//! Public tests for `stage4::arch`: run them with `cargo test -p stage4 --test arch`.

use stage4::arch::{mlp_cost, ArchError, Cost};

#[test]
fn a_two_layer_network_by_hand() {
    // 2 -> 3 -> 1: parameters 2·3 + 3 + 3·1 + 1 = 13. Batch 10: FLOPs 2·10·6 + 10·3 + 2·10·3 +
    // 10·1 = 120 + 30 + 60 + 10 = 220. Activations 10·(2 + 3 + 1) = 60; F32: 4·(4·13 + 60) = 448.
    let cost = mlp_cost(&[2, 3, 1], 10, 4).unwrap();
    assert_eq!(cost, Cost { parameters: 13, forward_flops: 220, training_bytes: 448 });
}

#[test]
fn shapes_are_checked() {
    assert_eq!(mlp_cost(&[5], 1, 4).unwrap_err(), ArchError::InvalidShape);
    assert_eq!(mlp_cost(&[5, 0, 2], 1, 4).unwrap_err(), ArchError::InvalidShape);
}

#[test]
fn one_tent_is_two_relus() {
    use stage4::arch::{relu_net, sawtooth_network, tent_power};
    let net = sawtooth_network(1);
    for x in [0.0, 0.25, 0.5, 0.75, 1.0] {
        assert!((relu_net(&net, &[x])[0] - tent_power(x, 1)).abs() < 1e-12, "at {x}");
    }
}

#[test]
fn two_knots_make_a_line() {
    use stage4::arch::{interpolating_network, relu_net};
    let net = interpolating_network(&[0.0, 2.0], &[1.0, 5.0]).unwrap();
    // One unit relu(x - 0) with output weight 2 (the slope), output bias 1.
    assert_eq!(relu_net(&net, &[1.0])[0], 3.0);
    assert_eq!(relu_net(&net, &[-1.0])[0], 1.0, "constant left of the first knot");
}

#[test]
fn two_tents_make_four_regions() {
    use stage4::arch::{linear_regions, sawtooth_network};
    assert_eq!(linear_regions(&sawtooth_network(2), 0.0, 1.0), Ok(4));
    assert_eq!(linear_regions(&sawtooth_network(2), 0.3, 0.3), Ok(1));
}
