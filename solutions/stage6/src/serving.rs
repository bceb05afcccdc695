//! Batch and online inference: one model, two ways to serve it, the same answers.
//!
//! Online serving answers one request at a time (a row in, its logits out); batch serving scores
//! a whole table at once (the nightly job over every customer, or a dynamic batcher's group of
//! requests). Batching is faster (one pass over each layer's weights for many rows, no
//! allocation per row), but it must not change the answers: a model that gives one customer a
//! different score in the nightly batch than in the API is a bug report waiting to happen. In
//! floating point that is not automatic: `(a + b) + c` and `a + (b + c)` round differently, so a
//! batched kernel that sums in another order (blocked, vectorised across inputs) gives other
//! bits. Here both paths sum in one specified order, and their outputs must be identical, bit for
//! bit.
//!
//! The model is a ReLU network of dense layers ([`crate::edge::Layer`]: `outputs × inputs`
//! weights row by row, then `outputs` biases). For each layer, each output `o` of each row is
//!
//! ```text
//! acc = bias[o]; for i in 0..inputs (in order): acc = acc + weight[o * inputs + i] * x[i]
//! ```
//!
//! in `f32` (a product, then a sum: Rust never fuses them), then ReLU (`max(0)`) between layers
//! and none after the last. With no layers the output is the input.
//!
//! [`predict_batch`] is timed against the reference (a speed ratio, on 20,000 rows of the
//! course's digit classifier): allocate each layer's output once for the whole batch.

pub use crate::edge::Layer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServeError {
    /// A layer's weights or biases have the wrong length, its inputs differ from the previous
    /// layer's outputs, or the input's length is not `n × inputs` of the first layer (with no
    /// layers: not a multiple of `n`; with `n = 0`: not empty).
    ShapeMismatch,
}

fn check(layers: &[Layer]) -> Result<(), ServeError> {
    for (k, l) in layers.iter().enumerate() {
        if l.weight.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
            return Err(ServeError::ShapeMismatch);
        }
        if k > 0 && layers[k - 1].outputs != l.inputs {
            return Err(ServeError::ShapeMismatch);
        }
    }
    Ok(())
}

/// One row's logits (online serving).
///
/// # Errors
/// `ShapeMismatch` (see [`ServeError`]).
pub fn predict_one(layers: &[Layer], x: &[f32]) -> Result<Vec<f32>, ServeError> {
    predict_batch(layers, x, 1)
}

/// The logits of `n` rows stored row by row in `xs` (`n × inputs`), row by row (`n × outputs`
/// of the last layer): each row's exactly as [`predict_one`] gives it.
///
/// # Errors
/// `ShapeMismatch` (see [`ServeError`]).
// `%` rather than `is_multiple_of`: the course's rust-version is 1.85.
#[allow(clippy::manual_is_multiple_of)]
pub fn predict_batch(layers: &[Layer], xs: &[f32], n: usize) -> Result<Vec<f32>, ServeError> {
    check(layers)?;
    let fits = match layers.first() {
        Some(l) => xs.len() == n * l.inputs,
        None => {
            if n == 0 {
                xs.is_empty()
            } else {
                xs.len() % n == 0
            }
        }
    };
    if !fits {
        return Err(ServeError::ShapeMismatch);
    }
    let mut h = xs.to_vec();
    for (k, l) in layers.iter().enumerate() {
        let last = k + 1 == layers.len();
        let mut y = vec![0.0f32; n * l.outputs];
        for r in 0..n {
            let row = &h[r * l.inputs..(r + 1) * l.inputs];
            for o in 0..l.outputs {
                let w = &l.weight[o * l.inputs..(o + 1) * l.inputs];
                let mut acc = l.bias[o];
                for (a, b) in w.iter().zip(row) {
                    acc += a * b;
                }
                y[r * l.outputs + o] = if last { acc } else { acc.max(0.0) };
            }
        }
        h = y;
    }
    Ok(h)
}
