//! Backpropagation by hand: the gradients of the losses, of a dense layer, of the activations
//! and of a whole two-layer network, checked against finite differences; and a measurement of
//! vanishing gradients in a deep network.
//!
//! Backpropagation is the chain rule applied from the loss backwards. Every operation
//! `y = op(x, θ)` gets a *backward* function: given the gradient of the loss with respect to
//! its output, `dy = ∂L/∂y` (the "upstream" gradient, same shape as `y`), it returns the
//! gradients with respect to its inputs and parameters, `dx = ∂L/∂x` and `dθ = ∂L/∂θ`, each of
//! the same shape as the thing it is the gradient of. Chaining the backward functions in the
//! reverse order of the forward pass gives every parameter's gradient in one sweep, for about
//! the cost of one more forward pass.
//!
//! Notation: `dW` is `∂L/∂W`, a tensor of the same shape as `W`. Batches are rows, as in
//! [`crate::forward`]. Losses are MEANS (over the batch, or over all elements for the mean
//! squared error), so every gradient of a loss carries the matching `1/N`.
//!
//! By hand means from the formulas, with tensor operations: candle's automatic differentiation
//! (`Var`, `backward()`) and candle-nn's losses are what the grader compares your gradients
//! with, not tools for this module.

use crate::forward::{dense_forward, Activation, ForwardError, Layer};
use candle_core::{DType, Device, Tensor};

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum BackpropError {
    /// Shapes that do not fit together (ranks, batch sizes, feature counts, a gradient whose
    /// shape is not the shape of what it is the gradient of).
    ShapeMismatch,
    /// Nothing to average over: a batch without rows, or a tensor without elements.
    Empty,
    /// A class label that is not below the number of classes.
    LabelOutOfRange,
    /// [`gradient_norms`] with an empty list of layers.
    NoLayers,
    /// [`gradient_check`] with a step `h` that is not a positive finite number.
    InvalidStep,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`BackpropError::Candle`].
impl From<candle_core::Error> for BackpropError {
    fn from(e: candle_core::Error) -> Self {
        BackpropError::Candle(e.to_string())
    }
}

/// Lets `?` use the functions of [`crate::forward`]: their refusals keep their meaning.
impl From<ForwardError> for BackpropError {
    fn from(e: ForwardError) -> Self {
        match e {
            ForwardError::ShapeMismatch => BackpropError::ShapeMismatch,
            ForwardError::NoLayers => BackpropError::NoLayers,
            ForwardError::EmptyBatch | ForwardError::EmptyLayer => BackpropError::Empty,
            ForwardError::Candle(m) => BackpropError::Candle(m),
        }
    }
}

/// The mean squared error and its gradient with respect to the predictions.
///
/// `pred` and `target` have the same shape (any rank, usually `(batch, outputs)`), with `N`
/// elements in all. The loss is the mean over ALL elements, as in `candle_nn::loss::mse`:
///
/// ```text
/// L = (1/N) Σ (pred - target)²            ∂L/∂pred = (2/N) (pred - target)
/// ```
///
/// Returns `(loss, dpred)`: the loss as a 0-D tensor (`Tensor::to_scalar` reads it) and the
/// gradient with the shape of `pred`. Refuse different shapes with
/// [`BackpropError::ShapeMismatch`] (no broadcasting here: a `(batch, 1)` prediction against
/// a `(batch,)` target is a classic silent bug), and `N = 0` with [`BackpropError::Empty`].
pub fn mse_loss_grad(pred: &Tensor, target: &Tensor) -> Result<(Tensor, Tensor), BackpropError> {
    if pred.dims() != target.dims() {
        return Err(BackpropError::ShapeMismatch);
    }
    let n = pred.elem_count();
    if n == 0 {
        return Err(BackpropError::Empty);
    }
    let diff = (pred - target)?;
    let loss = diff.sqr()?.mean_all()?;
    // d/dp of (1/N) Σ (p - t)² is (2/N)(p - t), element by element.
    let grad = diff.affine(2.0 / n as f64, 0.0)?;
    Ok((loss, grad))
}

/// Softmax followed by the cross-entropy loss, and its gradient with respect to the logits.
///
/// - `logits`: `(batch, classes)`, raw scores (any real numbers, possibly large);
/// - `labels`: `(batch,)`, dtype `U32`, the correct class of each sample (`0..classes`).
///
/// ```text
/// p_ic = e^{z_ic} / Σ_k e^{z_ik}                        (softmax of row i)
/// L    = -(1/batch) Σ_i log p_{i, y_i}                  (mean negative log-likelihood)
/// ∂L/∂z_ic = (p_ic - [c = y_i]) / batch
/// ```
///
/// The gradient is famously simple: the probabilities minus the one-hot labels, divided by the
/// batch size. Returns `(loss, dlogits)` (0-D loss, gradient of the shape of `logits`).
///
/// Numerical stability: `e^{1000}` overflows. Subtract each row's maximum before taking
/// exponentials (softmax does not change when a constant is subtracted from a row), and
/// compute `log p` as `z - max - log Σ e^{z - max}` (log-sum-exp) rather than as the log of a
/// probability that may have underflowed to 0. The grader sends logits in the hundreds.
///
/// Refuse with [`BackpropError::ShapeMismatch`] logits that are not 2-D or labels that are not
/// 1-D of the same batch size; with [`BackpropError::Empty`] a batch without rows; with
/// [`BackpropError::LabelOutOfRange`] a label `>= classes`. (`labels.to_vec1::<u32>()` reads
/// the labels; `candle_nn::encoding::one_hot` or a vector built by hand gives the one-hot.)
pub fn softmax_cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<(Tensor, Tensor), BackpropError> {
    let (Ok((batch, classes)), Ok(n_labels)) = (logits.dims2(), labels.dims1()) else {
        return Err(BackpropError::ShapeMismatch);
    };
    if n_labels != batch {
        return Err(BackpropError::ShapeMismatch);
    }
    if batch == 0 {
        return Err(BackpropError::Empty);
    }
    let ys = labels.to_vec1::<u32>()?;
    if ys.iter().any(|&y| y as usize >= classes) {
        return Err(BackpropError::LabelOutOfRange);
    }
    // Stable log-softmax: shift each row by its maximum, then subtract log-sum-exp.
    let shifted = logits.broadcast_sub(&logits.max_keepdim(1)?)?;
    let log_sum = shifted.exp()?.sum_keepdim(1)?.log()?;
    let log_p = shifted.broadcast_sub(&log_sum)?;
    // The log-probability of each sample's correct class.
    let picked = log_p.gather(&labels.unsqueeze(1)?, 1)?;
    let loss = picked.mean_all()?.neg()?;
    // (softmax - one-hot) / batch.
    let mut one_hot = vec![0.0f64; batch * classes];
    for (i, &y) in ys.iter().enumerate() {
        one_hot[i * classes + y as usize] = 1.0;
    }
    let one_hot = Tensor::from_vec(one_hot, (batch, classes), &Device::Cpu)?
        .to_dtype(logits.dtype())?
        .to_device(logits.device())?;
    let grad = ((log_p.exp()? - one_hot)? / batch as f64)?;
    Ok((loss, grad))
}

/// The gradients of a dense layer `y = x · Wᵀ + b` (see [`crate::forward::dense_forward`]).
#[derive(Debug, Clone)]
pub struct DenseGrads {
    /// `∂L/∂x`, `(batch, in)`: what flows on to the previous layer.
    pub dx: Tensor,
    /// `∂L/∂W`, `(out, in)`.
    pub dweight: Tensor,
    /// `∂L/∂b`, `(out,)`.
    pub dbias: Tensor,
}

/// The backward pass of a dense layer: given its input `x` `(batch, in)`, its weight `W`
/// `(out, in)` and the upstream gradient `dy = ∂L/∂y` `(batch, out)`,
///
/// ```text
/// dW = dyᵀ · x        (out, batch) · (batch, in) = (out, in)
/// db = Σ_i dy_i       the sum of dy over the batch (rows), (out,)
/// dx = dy · W         (batch, out) · (out, in)   = (batch, in)
/// ```
///
/// Derivation, for one sample: `y_j = Σ_k W_jk x_k + b_j`, so `∂y_j/∂W_jk = x_k`,
/// `∂y_j/∂b_j = 1` and `∂y_j/∂x_k = W_jk`; the chain rule sums over the outputs `j` (for `dx`)
/// and, because the same `W` and `b` serve every sample, over the batch (for `dW` and `db`).
/// The shapes are the best check: each gradient has the shape of its variable, and there is
/// only one way to multiply the available matrices to get it.
///
/// Do not divide by the batch size here: if the loss is a mean, its gradient `dy` already
/// carries the `1/batch`. Refuse inconsistent shapes (ranks, `x`'s columns against `W`'s,
/// `dy`'s batch against `x`'s, `dy`'s columns against `W`'s rows) with
/// [`BackpropError::ShapeMismatch`].
pub fn dense_backward(x: &Tensor, weight: &Tensor, dy: &Tensor) -> Result<DenseGrads, BackpropError> {
    let (Ok((batch, n_in)), Ok((n_out, w_in)), Ok((dy_batch, dy_out))) = (x.dims2(), weight.dims2(), dy.dims2()) else {
        return Err(BackpropError::ShapeMismatch);
    };
    if n_in != w_in || dy_batch != batch || dy_out != n_out {
        return Err(BackpropError::ShapeMismatch);
    }
    let dweight = dy.t()?.matmul(x)?;
    let dbias = dy.sum(0)?;
    let dx = dy.matmul(weight)?;
    Ok(DenseGrads { dx, dweight, dbias })
}

/// The backward pass of an elementwise activation `a = f(z)`: `dz = dy ⊙ f'(z)` (elementwise
/// product: each output depends on its own input only, so the chain rule has one term).
///
/// `z` is the pre-activation the forward pass saw and `dy = ∂L/∂a`, of the same shape.
///
/// ```text
/// Identity  f'(z) = 1
/// Relu      f'(z) = 1 if z > 0, else 0     (at exactly z = 0 take 0, as PyTorch and candle do)
/// Sigmoid   f'(z) = σ(z) (1 - σ(z))        (at most 1/4: the root of vanishing gradients)
/// Tanh      f'(z) = 1 - tanh²(z)
/// ```
///
/// Refuse `z` and `dy` of different shapes with [`BackpropError::ShapeMismatch`].
pub fn activation_backward(activation: Activation, z: &Tensor, dy: &Tensor) -> Result<Tensor, BackpropError> {
    if z.dims() != dy.dims() {
        return Err(BackpropError::ShapeMismatch);
    }
    let slope = match activation {
        Activation::Identity => return Ok(dy.clone()),
        // 1 where z > 0 (strictly), 0 elsewhere, in z's dtype.
        Activation::Relu => z.gt(0.0)?.to_dtype(z.dtype())?,
        Activation::Sigmoid => {
            let s = candle_nn::ops::sigmoid(z)?;
            (&s * (1.0 - &s)?)?
        }
        Activation::Tanh => (1.0 - z.tanh()?.sqr()?)?,
    };
    Ok((dy * slope)?)
}

/// A two-layer perceptron for classification:
///
/// ```text
/// z1 = x · W1ᵀ + b1      (batch, hidden)
/// h  = f(z1)             f = `activation`
/// z2 = h · W2ᵀ + b2      (batch, classes): the logits
/// L  = softmax cross-entropy of z2 against the labels (mean over the batch)
/// ```
#[derive(Debug, Clone)]
pub struct TwoLayerMlp {
    /// `(hidden, in)`.
    pub w1: Tensor,
    /// `(hidden,)`.
    pub b1: Tensor,
    pub activation: Activation,
    /// `(classes, hidden)`.
    pub w2: Tensor,
    /// `(classes,)`.
    pub b2: Tensor,
}

/// The loss of a [`TwoLayerMlp`] on a batch, and the gradient of every parameter.
#[derive(Debug, Clone)]
pub struct TwoLayerGrads {
    /// The loss, 0-D.
    pub loss: Tensor,
    /// `∂L/∂W1`, shape of `w1`.
    pub dw1: Tensor,
    /// `∂L/∂b1`, shape of `b1`.
    pub db1: Tensor,
    /// `∂L/∂W2`, shape of `w2`.
    pub dw2: Tensor,
    /// `∂L/∂b2`, shape of `b2`.
    pub db2: Tensor,
}

/// Backpropagation through a whole [`TwoLayerMlp`] on the batch `x` `(batch, in)` with class
/// labels `labels` `(batch,)` (`U32`): the loss and the gradient of every parameter.
///
/// Forward, keeping what the backward pass needs (`x`, `z1`, `h`); then backward, in reverse:
///
/// ```text
/// dz2          = softmax-cross-entropy gradient of the logits
/// dW2, db2, dh = dense backward of layer 2 (input h)
/// dz1          = activation backward (dh, z1)
/// dW1, db1, _  = dense backward of layer 1 (input x)
/// ```
///
/// Every piece is a function you have written: [`crate::forward::dense_forward`],
/// [`Activation::apply`], [`softmax_cross_entropy`], [`dense_backward`],
/// [`activation_backward`]. The grader compares each gradient with the reference's AND with
/// candle's automatic differentiation (`Var`, `backward()`), and names the parameter and the
/// element that differ.
///
/// Refusals are those of the functions used: [`BackpropError::ShapeMismatch`] for shapes that
/// do not fit, [`BackpropError::Empty`] for an empty batch, [`BackpropError::LabelOutOfRange`].
pub fn two_layer_gradients(net: &TwoLayerMlp, x: &Tensor, labels: &Tensor) -> Result<TwoLayerGrads, BackpropError> {
    // Forward, keeping the intermediate values.
    let z1 = dense_forward(x, &net.w1, &net.b1)?;
    let h = net.activation.apply(&z1)?;
    let z2 = dense_forward(&h, &net.w2, &net.b2)?;
    let (loss, dz2) = softmax_cross_entropy(&z2, labels)?;
    // Backward, in reverse order.
    let layer2 = dense_backward(&h, &net.w2, &dz2)?;
    let dz1 = activation_backward(net.activation, &z1, &layer2.dx)?;
    let layer1 = dense_backward(x, &net.w1, &dz1)?;
    Ok(TwoLayerGrads { loss, dw1: layer1.dweight, db1: layer1.dbias, dw2: layer2.dweight, db2: layer2.dbias })
}

/// Below this, the denominator of the relative error is clamped (both gradients are ~0).
pub const TINY: f64 = 1e-12;

/// How far an analytic gradient is from the numerical one, by the maximum relative error, in
/// the bands of Stanford's CS231n notes on gradient checking:
///
/// | band | max relative error | meaning |
/// |---|---|---|
/// | `Excellent` | `< 1e-7` | you should be happy |
/// | `Acceptable` | `1e-7 ..< 1e-4` | fine for objectives with kinks (ReLU, max); for smooth ones (tanh, softmax) 1e-4 is already too high |
/// | `Uncomfortable` | `1e-4 ..< 1e-2` | look again: usually a bug, or a step `h` that is too large, or a kink crossed |
/// | `Wrong` | `>= 1e-2` | the gradient is probably wrong |
///
/// The numbers assume double precision (`F64`): in `F32` the rounding error of the numerical
/// gradient alone is around 1e-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Excellent,
    Acceptable,
    Uncomfortable,
    Wrong,
}

impl Band {
    /// The band of a maximum relative error (given complete). A NaN error is `Wrong`.
    pub fn of(max_rel_error: f64) -> Band {
        if max_rel_error < 1e-7 {
            Band::Excellent
        } else if max_rel_error < 1e-4 {
            Band::Acceptable
        } else if max_rel_error < 1e-2 {
            Band::Uncomfortable
        } else {
            Band::Wrong
        }
    }
}

/// The outcome of a gradient check.
#[derive(Debug, Clone)]
pub struct GradCheck {
    /// The numerical gradient, same shape as `x`.
    pub numeric: Tensor,
    /// The largest elementwise relative error.
    pub max_rel_error: f64,
    /// Where it is, as a flat (row-major) index into `x`; the lowest such index on a tie.
    pub worst_index: usize,
    /// [`Band::of`] the maximum relative error.
    pub band: Band,
}

/// Gradient checking: compares an analytic gradient (from your backward pass) of a scalar
/// function `f` at `x` with a numerical one, by centred differences.
///
/// For each element `x_i`, in row-major (flat) order:
///
/// ```text
/// n_i   = (f(x + h e_i) - f(x - h e_i)) / (2h)              e_i: 1 at i, 0 elsewhere
/// rel_i = |a_i - n_i| / max(|a_i|, |n_i|, TINY)             a: the analytic gradient
/// ```
///
/// The centred difference has an error of order `h²` (the one-sided `(f(x+h) - f(x))/h` only
/// `h`): with `h ≈ 1e-5` in `F64` it is accurate to ~1e-10 on smooth functions. The RELATIVE
/// error makes the test independent of the gradient's scale; the `max` in the denominator keeps
/// it symmetric and finite (both zero → 0, not NaN).
///
/// Returns a [`GradCheck`]: the numerical gradient (same shape and dtype as `x`), the maximum
/// `rel_i`, its flat index (the lowest on a tie), and its [`Band`] (use [`Band::of`]). A NaN
/// `rel_i` (a NaN in either gradient) is the worst error of all: the maximum is then NaN, at the
/// first NaN's index.
///
/// Build each perturbed input as a new tensor (for example from `x.flatten_all()?.to_vec1()`,
/// changing one entry, and `Tensor::from_vec(..., x.shape(), x.device())`); `x` itself is not
/// modified. This costs `2 · x.elem_count()` evaluations of `f`: gradient checking is for
/// debugging on small inputs, never for training.
///
/// Refuse with [`BackpropError::ShapeMismatch`] an `analytic` whose shape is not `x`'s, with
/// [`BackpropError::Empty`] an `x` without elements, and with [`BackpropError::InvalidStep`] an
/// `h` that is not finite and positive. `x` is `F64` (the bands assume double precision).
pub fn gradient_check<F>(f: F, x: &Tensor, analytic: &Tensor, h: f64) -> Result<GradCheck, BackpropError>
where
    F: Fn(&Tensor) -> candle_core::Result<f64>,
{
    if x.dims() != analytic.dims() {
        return Err(BackpropError::ShapeMismatch);
    }
    if x.elem_count() == 0 {
        return Err(BackpropError::Empty);
    }
    if !(h.is_finite() && h > 0.0) {
        return Err(BackpropError::InvalidStep);
    }
    let base = x.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let a = analytic.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let mut numeric = Vec::with_capacity(base.len());
    let mut probe = base.clone();
    for i in 0..base.len() {
        let mut at = |value: f64| -> Result<f64, BackpropError> {
            probe[i] = value;
            let t = Tensor::from_slice(&probe, x.shape(), x.device())?.to_dtype(x.dtype())?;
            Ok(f(&t)?)
        };
        let plus = at(base[i] + h)?;
        let minus = at(base[i] - h)?;
        probe[i] = base[i];
        numeric.push((plus - minus) / (2.0 * h));
    }
    // The worst relative error; `>` keeps the lowest index on a tie, and a NaN is the worst.
    let (mut worst_index, mut max_rel_error) = (0, 0.0f64);
    for (i, (&ai, &ni)) in a.iter().zip(&numeric).enumerate() {
        let rel = (ai - ni).abs() / ai.abs().max(ni.abs()).max(TINY);
        if rel > max_rel_error || (rel.is_nan() && !max_rel_error.is_nan()) {
            max_rel_error = rel;
            worst_index = i;
        }
    }
    let numeric = Tensor::from_vec(numeric, x.shape(), x.device())?.to_dtype(x.dtype())?;
    Ok(GradCheck { numeric, max_rel_error, worst_index, band: Band::of(max_rel_error) })
}

/// Vanishing gradients, measured: the Frobenius norm `‖∂L/∂W_l‖ = sqrt(Σ dW_l²)` of the weight
/// gradient of every layer of a deep MLP, first layer first.
///
/// - `x`: `(batch, in)`; `layers`: the network, as in [`crate::forward::mlp_forward`];
/// - `dout`: `∂L/∂output`, the upstream gradient at the network's output `(batch, out_last)`
///   (given, so that no particular loss is involved).
///
/// Forward through the layers keeping each layer's input `h_l` and pre-activation `z_l`; then
/// backward from `dout`: `dz_l = activation backward(dh, z_l)`, then the dense backward gives
/// `dW_l` and the `dh` for the layer below.
///
/// What it shows: each layer multiplies the gradient flowing down by `W_lᵀ` and by `f'(z_l)`.
/// With sigmoid, `f' ≤ 1/4`, so through 10 layers the gradient of the first layers shrinks by
/// orders of magnitude: they barely learn. ReLU (`f' = 1` on the active units) with He
/// initialisation keeps the norms of the same order from the last layer to the first.
///
/// Refuse an empty list with [`BackpropError::NoLayers`], shapes that do not fit (`dout`'s
/// shape against the output's included) with [`BackpropError::ShapeMismatch`].
pub fn gradient_norms(x: &Tensor, layers: &[Layer], dout: &Tensor) -> Result<Vec<f64>, BackpropError> {
    if layers.is_empty() {
        return Err(BackpropError::NoLayers);
    }
    // Forward, remembering each layer's input and pre-activation.
    let mut saved = Vec::with_capacity(layers.len());
    let mut h = x.clone();
    for layer in layers {
        let z = dense_forward(&h, &layer.weight, &layer.bias)?;
        let next = layer.activation.apply(&z)?;
        saved.push((h, z));
        h = next;
    }
    if h.dims() != dout.dims() {
        return Err(BackpropError::ShapeMismatch);
    }
    // Backward, from the output down to the first layer.
    let mut norms = vec![0.0; layers.len()];
    let mut grad = dout.clone();
    for (l, (layer, (input, z))) in layers.iter().zip(&saved).enumerate().rev() {
        let dz = activation_backward(layer.activation, z, &grad)?;
        let g = dense_backward(input, &layer.weight, &dz)?;
        norms[l] = g.dweight.sqr()?.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?.sqrt();
        grad = g.dx;
    }
    Ok(norms)
}
