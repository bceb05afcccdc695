//! Public tests for `stage6::edge`: `cargo test -p stage6 --test edge`.

use stage6::edge::{self, EdgeError, Layer};

fn net() -> Vec<Layer> {
    vec![
        Layer { inputs: 2, outputs: 2, weight: vec![1.0, -0.5, 0.25, 2.0], bias: vec![0.0, 0.1] },
        Layer { inputs: 2, outputs: 1, weight: vec![1.0, 1.0], bias: vec![-0.5] },
    ]
}

#[test]
fn the_blob_has_the_documented_size() {
    let blob = edge::quantize(&net()).unwrap();
    // Magic and count (8), then per layer 12 bytes of header, the i8 weights and f32 biases.
    assert_eq!(blob.len(), 8 + (12 + 4 + 8) + (12 + 2 + 4));
    assert_eq!(&blob[..4], b"EDG1");
}

#[test]
fn the_quantised_network_computes_close_to_the_original() {
    let blob = edge::quantize(&net()).unwrap();
    let y = edge::predict_from_bytes(&blob, &[1.0, 1.0]).unwrap();
    // Hidden: relu(1 - 0.5) = 0.5, relu(0.25 + 2 + 0.1) = 2.35; output 0.5 + 2.35 - 0.5 = 2.35.
    assert!((y[0] - 2.35).abs() < 0.05, "{y:?}");
    assert_eq!(edge::predict_from_bytes(&blob[..blob.len() - 1], &[1.0, 1.0]), Err(EdgeError::Corrupt));
    assert_eq!(edge::predict_from_bytes(&blob, &[1.0]), Err(EdgeError::ShapeMismatch));
}
