//! Public tests for `stage6::serving`: `cargo test -p stage6 --test serving`.
//!
//! `grader check stage6.serving` runs the hidden cases (the digit classifier, sums that round
//! differently in another order, edges) and times the batch path.

use stage6::serving::{predict_batch, predict_one, Layer, ServeError};

fn net() -> Vec<Layer> {
    vec![
        Layer { inputs: 2, outputs: 2, weight: vec![1.0, -1.0, 0.5, 0.5], bias: vec![0.0, 1.0] },
        Layer { inputs: 2, outputs: 1, weight: vec![2.0, 1.0], bias: vec![-1.0] },
    ]
}

#[test]
fn one_row_by_hand() {
    // Layer 1: [1·3 - 1·1, 0.5·3 + 0.5·1 + 1] = [2, 3], ReLU keeps both; layer 2: 2·2 + 3 - 1 = 6.
    assert_eq!(predict_one(&net(), &[3.0, 1.0]), Ok(vec![6.0]));
    // A negative hidden unit is cut by ReLU: [-2, 3] → [0, 3] → 0 + 3 - 1 = 2.
    assert_eq!(predict_one(&net(), &[1.0, 3.0]), Ok(vec![2.0]));
}

#[test]
fn a_batch_gives_each_row_its_online_bits() {
    let rows = [3.0, 1.0, 1.0, 3.0, 0.1, 0.7];
    let batch = predict_batch(&net(), &rows, 3).unwrap();
    for (r, x) in rows.chunks(2).enumerate() {
        assert_eq!(predict_one(&net(), x).unwrap()[0].to_bits(), batch[r].to_bits());
    }
    assert_eq!(predict_batch(&net(), &rows[..5], 3), Err(ServeError::ShapeMismatch));
}
