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
