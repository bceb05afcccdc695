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

use candle_core::{DType, Tensor, Var};

/// Why a block refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockError {
    /// A tensor of another rank than documented, or shapes that do not fit together.
    ShapeMismatch,
    /// A learning rate that is negative or not finite.
    InvalidRate,
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

// ---------------------------------------------------------------------------------------------
// Deep plain and residual networks: where gradients vanish, and the remedy

/// The activation of a deep network's layers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    Sigmoid,
    Tanh,
    Relu,
}

/// The shapes [`gradient_norms`] and [`train_deep`] require.
fn check_deep(layers: &[(Tensor, Tensor)], x: &Tensor, y: &Tensor) -> Result<(), BlockError> {
    let n = layers.len();
    if n < 2 || x.rank() != 2 || y.rank() != 2 || x.dim(0)? != y.dim(0)? {
        return Err(BlockError::ShapeMismatch);
    }
    let mut width = x.dim(1)?;
    for (l, (w, b)) in layers.iter().enumerate() {
        if w.rank() != 2 || w.dim(1)? != width || b.dims() != [w.dim(0)?] {
            return Err(BlockError::ShapeMismatch);
        }
        if l > 0 && l + 1 < n && w.dim(0)? != width {
            return Err(BlockError::ShapeMismatch);
        }
        width = w.dim(0)?;
    }
    if width != y.dim(1)? {
        return Err(BlockError::ShapeMismatch);
    }
    Ok(())
}

fn deep_loss(
    params: &[Tensor],
    activation: Activation,
    residual: bool,
    x: &Tensor,
    y: &Tensor,
) -> candle_core::Result<Tensor> {
    let n = params.len() / 2;
    let act = |t: Tensor| match activation {
        Activation::Sigmoid => (t.neg()?.exp()? + 1.0)?.recip(),
        Activation::Tanh => t.tanh(),
        Activation::Relu => t.relu(),
    };
    let dense = |h: &Tensor, l: usize| h.matmul(&params[2 * l].t()?)?.broadcast_add(&params[2 * l + 1]);
    let mut h = act(dense(x, 0)?)?;
    for l in 1..n - 1 {
        let z = act(dense(&h, l)?)?;
        h = if residual { (h + z)? } else { z };
    }
    (dense(&h, n - 1)? - y)?.sqr()?.mean_all()
}

/// The loss of the deep network below and the Frobenius norm `‖∂loss/∂W_l‖` of the gradient of
/// every layer's weight matrix, layer 0 first: the standard diagnosis of vanishing and exploding
/// gradients.
///
/// Backpropagation multiplies the gradient by every layer's Jacobian on its way down. With
/// sigmoids (`σ' <= 1/4`) and weights of ordinary size each factor shrinks it, so the first
/// layers of a plain deep network barely learn (*vanishing*); with weights too large it grows
/// layer by layer (*exploding*). A residual connection adds the identity to each block's
/// Jacobian, `∂h_(l+1)/∂h_l = I + ∂z/∂h_l`, so the gradient reaches the first layers undiminished.
///
/// The deep network of [`gradient_norms`] and [`train_deep`], `n` dense layers:
///
/// ```text
/// h = act(x·W_0ᵀ + b_0)                                   input layer   (width, in)
/// for l in 1..n−1:  z = act(h·W_lᵀ + b_l)                 hidden layers (width, width)
///                   h = z          (plain)
///                   h = h + z      (residual: the skip connection)
/// out = h·W_(n−1)ᵀ + b_(n−1)                              output layer  (out, width)
/// loss = mean((out − y)²)                                 over every entry
/// ```
///
/// `layers` are `(W_l, b_l)` pairs, `n >= 2` of them (with `n = 2` there is no hidden layer);
/// `x` is `(batch, in)` and `y` `(batch, out)`. Shapes that do not chain this way, hidden
/// layers that are not square, or fewer than 2 layers: `Err(BlockError::ShapeMismatch)`.
///
/// Use candle's autograd (`Var`, `backward`) or write the backward pass yourself. Returns
/// `(loss, norms)` with `layers.len()` norms. Errors: shapes as in the network's description.
pub fn gradient_norms(
    layers: &[(Tensor, Tensor)],
    activation: Activation,
    residual: bool,
    x: &Tensor,
    y: &Tensor,
) -> Result<(f64, Vec<f64>), BlockError> {
    check_deep(layers, x, y)?;
    let vars: Vec<Var> =
        layers.iter().flat_map(|(w, b)| [w, b]).map(Var::from_tensor).collect::<candle_core::Result<_>>()?;
    let params: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let loss = deep_loss(&params, activation, residual, x, y)?;
    let grads = loss.backward()?;
    let mut norms = Vec::with_capacity(layers.len());
    for w in vars.iter().step_by(2) {
        let g = grads.get(w.as_tensor()).map_or_else(|| w.as_tensor().zeros_like(), |g| Ok(g.clone()))?;
        norms.push(g.sqr()?.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?.sqrt());
    }
    Ok((loss.to_dtype(DType::F64)?.to_scalar::<f64>()?, norms))
}

/// Trains the deep network of [`gradient_norms`] by full-batch gradient descent on every weight and bias,
/// `θ ← θ − lr · ∂loss/∂θ`, for `steps` steps, and returns the loss before every step and after
/// the last (`steps + 1` numbers, the first at the given weights).
///
/// The same weights trained plain and residual show why residual networks exist: at depth 30
/// the plain network's signal and gradient die out and its loss stays near the variance of `y`,
/// while the residual one trains. Errors: shapes as in the network's description; `lr` negative
/// or not finite is `Err(BlockError::InvalidRate)`. A loss that becomes NaN is reported as such,
/// and training continues.
pub fn train_deep(
    layers: &[(Tensor, Tensor)],
    activation: Activation,
    residual: bool,
    x: &Tensor,
    y: &Tensor,
    lr: f64,
    steps: usize,
) -> Result<Vec<f64>, BlockError> {
    check_deep(layers, x, y)?;
    if !(lr.is_finite() && lr >= 0.0) {
        return Err(BlockError::InvalidRate);
    }
    let vars: Vec<Var> =
        layers.iter().flat_map(|(w, b)| [w, b]).map(Var::from_tensor).collect::<candle_core::Result<_>>()?;
    let mut losses = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let params: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
        let loss = deep_loss(&params, activation, residual, x, y)?;
        losses.push(loss.to_dtype(DType::F64)?.to_scalar::<f64>()?);
        if step == steps {
            break;
        }
        let grads = loss.backward()?;
        for v in &vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                v.set(&(v.as_tensor() - (g * lr)?)?)?;
            }
        }
    }
    Ok(losses)
}
