//! Glue for `stage4::transfer`. Layers travel as a list of `(W, b)` pairs. Linear probes run once
//! per layer's features (one list per side). Fine-tuning runs twice: on the pretrained network
//! with the case's frozen layers, and on a randomly initialised one with nothing frozen (the
//! scratch baseline); the glue, not the student's code, predicts the hidden test rows with each.

use crate::convert::{Layers, Stage4};
use candle_core::{Tensor, D};
use grader_protocol::Value;
use probe_runtime::glue::Ret;
use stage4::transfer::{self, TransferError};

probe_runtime::glue! { Stage4;
    "stage4.transfer.hidden_features" => |layers: Layers, x: Tensor| transfer::hidden_features(&layers.0, &x);
    "stage4.transfer.linear_probe" => |train: Vec<Tensor>, labels: Vec<u32>, test: Vec<Tensor>, classes: usize, l2: f64| {
        let per_layer: Vec<Value> = train
            .iter()
            .zip(&test)
            .map(|(tr, te)| Ret::<Stage4>::ret(transfer::linear_probe(tr, &labels, te, classes, l2)))
            .collect();
        Value::List(per_layer)
    };
    "stage4.transfer.fine_tune" => |pretrained: Layers, frozen: usize, classes: usize, x: Tensor, labels: Vec<u32>, steps: usize, lr: f64, x_test: Tensor, scratch: Layers| {
        let tuned = transfer::fine_tune(&pretrained.0, frozen, classes, &x, &labels, steps, lr);
        let from_scratch = transfer::fine_tune(&scratch.0, 0, classes, &x, &labels, steps, lr);
        let predictions = tuned.as_ref().map_err(Clone::clone).and_then(|l| predict(l, &x_test));
        let scratch_predictions = from_scratch.and_then(|l| predict(&l, &x_test));
        (tuned, predictions, scratch_predictions)
    } => (layers, predictions, scratch_predictions);
}

/// The class of every row: argmax of the last layer, ReLU after every other (the course's own
/// forward pass, so that the student's code never decides its own accuracy).
fn predict(layers: &[(Tensor, Tensor)], x: &Tensor) -> Result<Vec<u32>, TransferError> {
    let mut h = x.clone();
    for (l, (w, b)) in layers.iter().enumerate() {
        h = h.matmul(&w.t()?)?.broadcast_add(b)?;
        if l + 1 < layers.len() {
            h = h.relu()?;
        }
    }
    Ok(h.argmax(D::Minus1)?.to_vec1::<u32>()?)
}
