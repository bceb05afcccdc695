//! Activation functions, their derivatives, and the output layer: softmax, log-softmax and the
//! softmax + cross-entropy gradient.
//!
//! Every function here works elementwise (or along the last dimension, for softmax) on a
//! tensor of any shape, empty ones included, and keeps its dtype and device. Derivatives are
//! with respect to the input, evaluated at the input: `sigmoid_grad(x)` is `σ'(x)` for every
//! element of `x`, ready to be multiplied by the upstream gradient in backpropagation.
//!
//! Write them from scratch with candle's elementwise operations: `exp`, `abs`, `neg`, `recip`,
//! `sqr`, `affine(mul, add)`, `maximum(0.0)` / `minimum(0.0)`, arithmetic with numbers
//! (`(&t + 1.0)?`, `(&a / &b)?`), masks (`t.gt(0.0)?`, `t.ge(0.0)?`: `U8` tensors) and
//! `mask.where_cond(&on_true, &on_false)` to choose between two tensors element by element,
//! `max_keepdim(D::Minus1)` / `sum_keepdim(D::Minus1)` with `broadcast_sub` / `broadcast_div`
//! along the last dimension. candle-nn's `ops::sigmoid`, `ops::softmax*` and `ops::log_softmax`
//! are what you are writing: do not call them here (the grader compares your softmax with
//! candle-nn's).
//!
//! Numbers to keep in mind: `e^x` overflows an `f64` above `x ≈ 709.78` (an `f32` above 88.7),
//! and `∞ / ∞`, `∞ - ∞` and `0 · ∞` are all NaN. Every function here must give finite answers
//! for inputs such as ±1000.

use candle_core::Tensor;

/// Why a function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ActivationsError {
    /// No samples (zero rows), or no classes (zero columns).
    Empty,
    /// Logits that are not 2-D, or a number of targets that is not the number of rows.
    ShapeMismatch,
    /// A target class index that is not a column of the logits.
    InvalidTarget,
    /// A tensor operation failed (the message of candle's error). `?` on a candle result
    /// converts into this variant; the grader never expects it.
    Candle(String),
}

impl From<candle_core::Error> for ActivationsError {
    fn from(e: candle_core::Error) -> Self {
        ActivationsError::Candle(e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Sigmoid

/// The logistic sigmoid `σ(x) = 1 / (1 + e^(-x))`, elementwise.
///
/// It squashes any real number into `(0, 1)`, with `σ(0) = 1/2` and `σ(-x) = 1 - σ(x)`.
/// Written as `e^x / (1 + e^x)` it gives `∞ / ∞ = NaN` at `x = 1000`; written as
/// `1 / (1 + e^(-x))` it computes an overflowing `e^1000` at `x = -1000` on the way (harmless in
/// `f64`, where `1/∞ = 0`, but wasteful and fragile). The stable way uses `e = e^(-|x|)`, which
/// is always in `(0, 1]`: `σ(x) = 1 / (1 + e)` where `x >= 0` and `e / (1 + e)` where `x < 0`.
pub fn sigmoid(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// The sigmoid's derivative, `σ'(x) = σ(x) (1 - σ(x))`, elementwise.
///
/// Its largest value is `σ'(0) = 1/4`, and it decays like `e^(-|x|)`: a signal that passes
/// back through many sigmoids is multiplied by at most 1/4 each time, which is why deep
/// sigmoid networks suffer from vanishing gradients. At ±1000 it is 0 (never NaN).
pub fn sigmoid_grad(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Tanh

/// The hyperbolic tangent `tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x))`, elementwise.
///
/// It is a rescaled sigmoid, `tanh(x) = 2σ(2x) - 1`, with values in `(-1, 1)` centred on 0:
/// the next layer gets inputs of both signs, and its derivative at 0 is 1 instead of 1/4. The
/// formula above gives `∞ / ∞` at ±1000; candle's `Tensor::tanh` (or `2σ(2x) - 1` with your
/// stable sigmoid) saturates cleanly at ±1.
pub fn tanh(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// The derivative `tanh'(x) = 1 - tanh²(x)`, elementwise: 1 at 0, 0 at ±1000.
pub fn tanh_grad(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// ReLU

/// The rectified linear unit `relu(x) = max(x, 0)`, elementwise.
pub fn relu(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// The derivative of ReLU: `1` where `x > 0`, `0` where `x < 0`.
///
/// ReLU has no derivative at exactly 0 (a corner); like PyTorch and candle, take **0** there:
/// `relu'(0) = 0`. The gradient is 1 on the whole positive side (no vanishing), but a unit whose
/// input is negative for every sample gets no gradient at all and stops learning (a "dead"
/// ReLU).
pub fn relu_grad(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Leaky ReLU and ELU

/// Leaky ReLU: `x` where `x > 0`, `slope · x` elsewhere (`slope` is typically 0.01).
///
/// The small slope on the negative side keeps a gradient flowing into units that would be dead
/// with a plain ReLU. Any finite `slope` is accepted.
pub fn leaky_relu(x: &Tensor, slope: f64) -> candle_core::Result<Tensor> {
    todo!()
}

/// The derivative of leaky ReLU: `1` where `x > 0`, `slope` where `x <= 0` (at exactly 0:
/// `slope`, the same convention as `relu'(0) = 0`).
pub fn leaky_relu_grad(x: &Tensor, slope: f64) -> candle_core::Result<Tensor> {
    todo!()
}

/// ELU (exponential linear unit): `x` where `x > 0`, `alpha · (e^x - 1)` where `x <= 0`.
///
/// Smooth at 0 for `alpha = 1`, and saturating at `-alpha` for very negative inputs, which
/// pushes mean activations towards 0. Mind the branch you do not select: `e^1000` is `∞`, and
/// combining the two branches by multiplying with a 0/1 mask gives `0 · ∞ = NaN`. Choose with
/// `where_cond`, and keep the exponent from overflowing (for example, exponentiate
/// `min(x, 0)`).
pub fn elu(x: &Tensor, alpha: f64) -> candle_core::Result<Tensor> {
    todo!()
}

/// The derivative of ELU: `1` where `x > 0`, `alpha · e^x` where `x <= 0` (at exactly 0:
/// `alpha`).
pub fn elu_grad(x: &Tensor, alpha: f64) -> candle_core::Result<Tensor> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Softmax

/// Softmax along the last dimension: `softmax(x)_i = e^(x_i) / Σ_j e^(x_j)` within each row
/// (each slice along the last dimension). Any rank: a `(k,)` vector is one row, an `(n, k)`
/// matrix is `n` rows. The result has the same shape; each row is positive and sums to 1.
///
/// Stability: softmax does not change when the same number is added to a whole row, so
/// subtract the row maximum first (`max_keepdim(D::Minus1)`, `broadcast_sub`): every exponent
/// is then `<= 0`, nothing overflows, and the largest term is exactly 1, so the sum is never 0.
/// A row `[1000, -1000, 0]` gives `[1, 0, 0]`; a row `[-1000, -1000]` gives `[0.5, 0.5]`.
///
/// An empty tensor (no rows, or rows of length 0) comes back unchanged (candle's reductions
/// refuse empty tensors, so return it before reducing).
pub fn softmax(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// Log-softmax along the last dimension: `log_softmax(x)_i = x_i - log Σ_j e^(x_j)`.
///
/// Use the log-sum-exp trick with the row maximum `m`: `log Σ_j e^(x_j) = m + log Σ_j e^(x_j - m)`.
/// Never take `log(softmax(x))`: a probability that underflows to 0 gives `-∞`, while the true
/// value is finite (`log_softmax([1000, -1000])` is `[0, -2000]`). Same shapes and empty-tensor
/// rule as [`softmax`].
pub fn log_softmax(x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// The mean cross-entropy of softmax probabilities against class targets, and its gradient
/// with respect to the logits: `(loss, dL/dlogits)`.
///
/// `logits` is `(n, k)`: one row of unnormalised scores per sample; `targets[i]` is the class
/// of sample `i`, in `0..k`. With `p_i = softmax(logits_i)`:
///
/// `L = -(1/n) Σ_i log p_i[targets[i]]`, a 0-D tensor (compute it with [`log_softmax`], so that
/// logits like 1000 and -1000 still give a finite loss).
///
/// The gradient is `(n, k)`. The Jacobian of softmax is `∂p_j/∂z_m = p_j (δ_jm - p_m)`; chained
/// with `∂(-log p_y)/∂p_j`, which is `-1/p_y` for `j = y` and 0 otherwise, almost everything
/// cancels and each row's gradient is `p_i - onehot(targets[i])`. Divide by `n`: the loss is a
/// mean. This is why frameworks fuse softmax and cross-entropy into one loss on logits.
///
/// Errors: `logits` not 2-D → `ShapeMismatch`; zero rows or zero columns → `Empty`;
/// `targets.len() != n` → `ShapeMismatch`; a target `>= k` → `InvalidTarget`.
pub fn softmax_cross_entropy(logits: &Tensor, targets: &[u32]) -> Result<(Tensor, Tensor), ActivationsError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Choosing the output layer

/// The kind of prediction a network makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// One yes/no answer per sample (spam or not).
    BinaryClassification,
    /// Exactly one of `k` classes per sample (which digit).
    MultiClass,
    /// Any subset of `k` labels per sample (which objects appear in a photo).
    MultiLabel,
    /// One or more unbounded real numbers per sample (a price, a temperature).
    Regression,
}

/// The activation of the output layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputActivation {
    /// No squashing: outputs anywhere on the real line.
    Identity,
    /// Each output in `(0, 1)` on its own.
    Sigmoid,
    /// Outputs in `(0, 1)` that sum to 1 across the output vector.
    Softmax,
}

/// The loss the network is trained against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// `mean (ŷ - y)²`.
    MeanSquaredError,
    /// `-mean [y log p + (1 - y) log(1 - p)]`, per output.
    BinaryCrossEntropy,
    /// `-mean log p[target]` over a distribution of classes.
    CrossEntropy,
}

/// The output activation and the loss that go together for a task (hidden layers would use
/// ReLU or one of its variants whatever the task; only the output layer depends on it).
///
/// Ask what the outputs must be: unbounded numbers, one probability, several independent
/// probabilities, or one probability distribution over classes; then which loss is the
/// negative log-likelihood of that kind of output (the mean squared error is the one for a
/// Gaussian).
pub fn output_layer(task: Task) -> (OutputActivation, Loss) {
    todo!()
}
