//! Building blocks of deep networks: residual connections (ResNet) and dense connections
//! (DenseNet), as forward passes on a batch.
//!
//! A plain deep network must learn every layer's output from scratch, and its gradient reaches
//! the first layers only through a long product of Jacobians. A *residual* block learns a
//! correction `F(x)` and adds it to its input, `y = relu(x + F(x))`: the identity path carries
//! the signal (and the gradient) through any depth, which is what lets networks of 100+ layers
//! train. A *dense* block goes further: every layer sees the concatenation of the block's input
//! and all earlier layers' outputs, so features are reused rather than re-learned.
//!
//! Shapes: a batch `x` is `(batch, d)`; a dense layer's weight is `(out, in)` and its bias
//! `(out,)`, as in `candle_nn::Linear`: `x·Wᵀ + b`.

use candle_core::Tensor;

/// Why a block refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockError {
    /// A tensor of another rank than documented, or shapes that do not fit together.
    ShapeMismatch,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`BlockError::Candle`].
impl From<candle_core::Error> for BlockError {
    fn from(e: candle_core::Error) -> Self {
        BlockError::Candle(e.to_string())
    }
}

/// A basic residual block (ResNet's, with dense layers instead of convolutions):
///
/// ```text
/// h = relu(x·W1ᵀ + b1)          (batch, hidden)
/// y = relu(x + h·W2ᵀ + b2)      (batch, d): the skip connection adds x BEFORE the last relu
/// ```
///
/// Shapes: `x` is `(batch, d)`, `w1` `(hidden, d)`, `b1` `(hidden,)`, `w2` `(d, hidden)`, `b2`
/// `(d,)`; the output has `x`'s shape (the addition needs it). Anything else is
/// `Err(BlockError::ShapeMismatch)`; check before computing.
pub fn residual_block(x: &Tensor, w1: &Tensor, b1: &Tensor, w2: &Tensor, b2: &Tensor) -> Result<Tensor, BlockError> {
    let (_, d) = x.dims2().map_err(|_| BlockError::ShapeMismatch)?;
    let (hidden, d1) = w1.dims2().map_err(|_| BlockError::ShapeMismatch)?;
    let (d2, h2) = w2.dims2().map_err(|_| BlockError::ShapeMismatch)?;
    if d1 != d || d2 != d || h2 != hidden || b1.dims() != [hidden] || b2.dims() != [d] {
        return Err(BlockError::ShapeMismatch);
    }
    let h = dense(x, w1, b1)?.relu()?;
    Ok((x + dense(&h, w2, b2)?)?.relu()?)
}

/// `x·Wᵀ + b`.
fn dense(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    x.matmul(&w.t()?)?.broadcast_add(b)
}

/// A dense block (DenseNet's, with dense layers): layer `k` takes the concatenation of the
/// block's input and every earlier layer's output, and the block returns all of them
/// concatenated:
///
/// ```text
/// h_1 = relu([x] · W_1ᵀ + b_1)
/// h_k = relu([x, h_1, ..., h_(k-1)] · W_kᵀ + b_k)
/// y   = [x, h_1, ..., h_L]                 (concatenated along the features, in this order)
/// ```
///
/// With `d` input features and a *growth rate* `g` (every layer adds `g` features), `W_k` is
/// `(g, d + (k-1)·g)` and the output has `d + L·g` columns. `layers` holds `(W_k, b_k)` in
/// order; no layers returns `x` itself. Shapes that do not fit are
/// `Err(BlockError::ShapeMismatch)`. `Tensor::cat(&[...], 1)` concatenates along the features.
pub fn dense_block(x: &Tensor, layers: &[(Tensor, Tensor)]) -> Result<Tensor, BlockError> {
    let (_, d) = x.dims2().map_err(|_| BlockError::ShapeMismatch)?;
    let mut features = vec![x.clone()];
    let mut width = d;
    for (w, b) in layers {
        let (growth, inputs) = w.dims2().map_err(|_| BlockError::ShapeMismatch)?;
        if inputs != width || b.dims() != [growth] {
            return Err(BlockError::ShapeMismatch);
        }
        let input = Tensor::cat(&features, 1)?;
        features.push(dense(&input, w, b)?.relu()?);
        width += growth;
    }
    Ok(Tensor::cat(&features, 1)?)
}
