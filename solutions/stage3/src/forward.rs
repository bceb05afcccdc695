//! The forward pass of a network as matrix operations, on a whole batch at once; weight
//! initialisation (Xavier/Glorot, He); input standardisation.
//!
//! A dense (fully connected) layer with `in` inputs and `out` outputs holds a weight matrix `W`
//! of shape `(out, in)` and a bias `b` of shape `(out,)`, exactly like `candle_nn::Linear`. For
//! ONE sample `x` (a vector of `in` features) the layer computes `y = W·x + b`: output `j` is the
//! dot product of row `j` of `W` with `x`, plus `b_j`. For a BATCH stored as the rows of a matrix
//! `X` of shape `(batch, in)`, the same computation for every row at once is
//!
//! ```text
//! Y = X · Wᵀ + b        (batch, in) · (in, out) = (batch, out), b added to every row
//! ```
//!
//! One matrix product instead of `batch` small ones: this is why frameworks work on batches.
//! A matrix product is one call into an optimised kernel (blocked for the caches, vectorised,
//! multi-threaded, or on a GPU) instead of thousands of tiny calls each paying its own overhead.

use crate::rng::Rng;
use candle_core::{DType, Device, Tensor};

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ForwardError {
    /// Shapes that do not fit together: a tensor of another rank than documented, `x`'s number
    /// of features different from the number of columns of `W`, a bias whose length is not the
    /// number of rows of `W`, a batch with another number of features than the one fitted...
    ShapeMismatch,
    /// [`mlp_forward`] with an empty list of layers.
    NoLayers,
    /// An initialiser asked for a weight matrix with zero rows or zero columns.
    EmptyLayer,
    /// [`Standardizer::fit`] on a batch without rows (there are no statistics to fit).
    EmptyBatch,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`ForwardError::Candle`].
impl From<candle_core::Error> for ForwardError {
    fn from(e: candle_core::Error) -> Self {
        ForwardError::Candle(e.to_string())
    }
}

/// The dense layer applied to a whole batch: `Y = X · Wᵀ + b`.
///
/// - `x`: `(batch, in)`, one sample per row;
/// - `weight`: `(out, in)`, one row per output unit (as in `candle_nn::Linear`);
/// - `bias`: `(out,)`, added to every row of the product;
/// - returns `(batch, out)`: row `i` is the layer applied to sample `i`.
///
/// Refuse with [`ForwardError::ShapeMismatch`] when `x` or `weight` is not 2-D, `bias` is not
/// 1-D, `x` has a different number of columns than `weight`, or `bias` a different length than
/// `weight` has rows. Check the shapes yourself before computing: candle would also complain,
/// but with its own error, which is not the one asked for.
///
/// An empty batch (`batch = 0`) is not an error: the result is `(0, out)`.
///
/// Use candle's operations on the whole batch: `Tensor::matmul` with the transposed weight
/// (`weight.t()`), and `broadcast_add` to add the bias to every row. A loop over the samples
/// (one small product per row) gives the right numbers but misses the speed target: it is timed
/// on a batch of 2048 samples with 128 inputs and 128 outputs.
///
/// ```text
/// x = [[1, 2]],  W = [[1, 0], [0, 1], [1, 1]],  b = [0, 0, 10]   →   [[1, 2, 13]]
/// ```
pub fn dense_forward(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor, ForwardError> {
    // Check every shape up front: a wrong shape is a bug in the caller, reported by name.
    let (Ok((_, n_in)), Ok((n_out, w_in)), Ok(b_len)) = (x.dims2(), weight.dims2(), bias.dims1()) else {
        return Err(ForwardError::ShapeMismatch);
    };
    if n_in != w_in || b_len != n_out {
        return Err(ForwardError::ShapeMismatch);
    }
    // One product for the whole batch: row i of X·Wᵀ is W·x_i. `t()` is a view (no copy); the
    // matmul kernel reads the transposed strides directly.
    let y = x.matmul(&weight.t()?)?;
    // `b` has shape (out,): broadcasting adds it to each of the `batch` rows.
    Ok(y.broadcast_add(bias)?)
}

/// The activation applied after a layer's affine map. Given complete: the activation functions
/// themselves are the subject of the `activations` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `f(z) = z` (no activation: typically the last layer, whose outputs are logits).
    Identity,
    /// `f(z) = max(0, z)`.
    Relu,
    /// `f(z) = 1 / (1 + e^(-z))`.
    Sigmoid,
    /// `f(z) = tanh(z)`.
    Tanh,
}

impl Activation {
    /// The activation applied elementwise to `z`, with candle's own operations.
    pub fn apply(self, z: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Identity => Ok(z.clone()),
            Activation::Relu => z.relu(),
            Activation::Sigmoid => candle_nn::ops::sigmoid(z),
            Activation::Tanh => z.tanh(),
        }
    }
}

/// One dense layer of a multilayer perceptron: `a = activation(x · Wᵀ + b)`.
#[derive(Debug, Clone)]
pub struct Layer {
    /// `(out, in)`.
    pub weight: Tensor,
    /// `(out,)`.
    pub bias: Tensor,
    pub activation: Activation,
}

/// The forward pass of a multilayer perceptron on a batch: each layer in order,
/// `h₀ = x`, `h_{l+1} = f_l(h_l · W_lᵀ + b_l)`; returns the last `h`.
///
/// - `x`: `(batch, in)`; layer `l`'s weight is `(out_l, in_l)` with `in_0 = in` and
///   `in_{l+1} = out_l`; the result is `(batch, out_last)`.
/// - Refuse an empty list of layers with [`ForwardError::NoLayers`], and any shape that does not
///   fit (the features of `x` for the first layer, one layer's outputs for the next layer's
///   inputs, a bias's length) with [`ForwardError::ShapeMismatch`].
///
/// Reuse your [`dense_forward`] and [`Activation::apply`]: the whole batch goes through each
/// layer in one step. Timed on a batch of 2048 samples through 128 → 128 → 128 → 10.
pub fn mlp_forward(x: &Tensor, layers: &[Layer]) -> Result<Tensor, ForwardError> {
    if layers.is_empty() {
        return Err(ForwardError::NoLayers);
    }
    let mut h = x.clone();
    for layer in layers {
        // `dense_forward` checks that this layer's inputs match the previous layer's outputs.
        let z = dense_forward(&h, &layer.weight, &layer.bias)?;
        h = layer.activation.apply(&z)?;
    }
    Ok(h)
}

/// `count` numbers from `draw`, as an `(out_features, in_features)` tensor of `dtype` on
/// `device`, filled row by row. Shared by the initialisers below.
fn fill(
    out_features: usize,
    in_features: usize,
    dtype: DType,
    device: &Device,
    mut draw: impl FnMut() -> f64,
) -> Result<Tensor, ForwardError> {
    if out_features == 0 || in_features == 0 {
        return Err(ForwardError::EmptyLayer);
    }
    let values: Vec<f64> = (0..out_features * in_features).map(|_| draw()).collect();
    // Built as F64 on the CPU, then converted: one conversion and one copy for the whole matrix.
    Ok(Tensor::from_vec(values, (out_features, in_features), &Device::Cpu)?.to_dtype(dtype)?.to_device(device)?)
}

/// Xavier/Glorot uniform initialisation of a dense layer's weight: shape `(out_features,
/// in_features)`, each weight independent and uniform on `[-a, a]` with
///
/// ```text
/// a = sqrt(6 / (fan_in + fan_out)),   fan_in = in_features,  fan_out = out_features
/// ```
///
/// so that the variance of each weight is `a² / 3 = 2 / (fan_in + fan_out)`.
///
/// Why: with `Var(w) = 1/fan_in` the variance of the activations stays the same from layer to
/// layer going forward; with `1/fan_out`, the variance of the gradients stays the same going
/// backward. Glorot and Bengio (2010) take the compromise `2 / (fan_in + fan_out)`. It suits
/// activations that are roughly linear around 0 (tanh, sigmoid).
///
/// Randomness: draw from `rng` only. One `rng.next_f64()` per weight, row by row, mapped from
/// `[0, 1)` to `[-a, a)`, is the intended way. The grader checks the numbers statistically
/// (shape, bounds, sample mean and variance, and the shape of the distribution), not
/// against a particular sequence.
///
/// The result has `dtype` and lives on `device`. Refuse a zero `out_features` or
/// `in_features` with [`ForwardError::EmptyLayer`].
pub fn xavier_uniform(
    out_features: usize,
    in_features: usize,
    dtype: DType,
    device: &Device,
    rng: &mut Rng,
) -> Result<Tensor, ForwardError> {
    let a = (6.0 / (in_features + out_features) as f64).sqrt();
    fill(out_features, in_features, dtype, device, || a * (2.0 * rng.next_f64() - 1.0))
}

/// Xavier/Glorot normal initialisation: shape `(out_features, in_features)`, each weight
/// independent and normal with mean 0 and variance
///
/// ```text
/// σ² = 2 / (fan_in + fan_out),   fan_in = in_features,  fan_out = out_features
/// ```
///
/// (the same variance as [`xavier_uniform`], with a bell-shaped distribution instead of a flat
/// one). Multiply a standard normal by the standard deviation `σ`, not by the variance.
///
/// Randomness: one `rng.next_normal()` per weight, row by row, times `σ`. Checked
/// statistically, like [`xavier_uniform`]. The result has `dtype` and lives on `device`;
/// refuse a zero dimension with [`ForwardError::EmptyLayer`].
pub fn xavier_normal(
    out_features: usize,
    in_features: usize,
    dtype: DType,
    device: &Device,
    rng: &mut Rng,
) -> Result<Tensor, ForwardError> {
    let sigma = (2.0 / (in_features + out_features) as f64).sqrt();
    fill(out_features, in_features, dtype, device, || sigma * rng.next_normal())
}

/// He (Kaiming) normal initialisation, for layers followed by ReLU: shape `(out_features,
/// in_features)`, each weight independent and normal with mean 0 and variance
///
/// ```text
/// σ² = 2 / fan_in,   fan_in = in_features (the number of inputs of each unit)
/// ```
///
/// Why the 2: ReLU zeroes about half of its inputs, which halves the second moment of the
/// activations; doubling the weights' variance compensates, so that the signal neither fades
/// nor explodes through many ReLU layers (He et al., 2015). The fan is the number of INPUTS of
/// a unit: the number of columns of the `(out, in)` weight, not its number of rows.
///
/// Randomness: one `rng.next_normal()` per weight, row by row, times `σ`. Checked
/// statistically. The result has `dtype` and lives on `device`; refuse a zero dimension with
/// [`ForwardError::EmptyLayer`].
pub fn he_normal(
    out_features: usize,
    in_features: usize,
    dtype: DType,
    device: &Device,
    rng: &mut Rng,
) -> Result<Tensor, ForwardError> {
    let sigma = (2.0 / in_features as f64).sqrt();
    fill(out_features, in_features, dtype, device, || sigma * rng.next_normal())
}

/// Below this, a feature's standard deviation counts as zero (the feature is constant).
pub const MIN_STD: f64 = 1e-8;

/// Standardisation of input features: `x' = (x - mean) / std`, per feature (column), with the
/// mean and standard deviation FITTED ON THE TRAINING BATCH ONLY and then applied unchanged to
/// any other batch (validation, test, production requests).
///
/// Why: features on very different scales (a price in the thousands next to a ratio below 1)
/// make the loss surface badly conditioned, and saturate sigmoid/tanh units. Why the training
/// batch only: the held-out data stands for data you have not seen yet; computing its own
/// statistics would leak information from it into the model (and in production a single
/// request has no statistics at all).
#[derive(Debug, Clone)]
pub struct Standardizer {
    /// Per-feature mean of the training batch, `(features,)`.
    pub mean: Tensor,
    /// Per-feature standard deviation of the training batch, `(features,)`: the population one
    /// (divide by `n`, not `n - 1`); `1` where the feature is constant (see [`Standardizer::fit`]).
    pub std: Tensor,
}

impl Standardizer {
    /// Fits the per-feature statistics on `x`, `(n, features)`:
    ///
    /// ```text
    /// mean_j = (1/n) Σ_i x_ij          std_j = sqrt((1/n) Σ_i (x_ij - mean_j)²)
    /// ```
    ///
    /// A feature whose `std_j` is at most [`MIN_STD`] is constant on the training batch:
    /// dividing by (almost) zero would blow its values up, so its `std_j` is stored as `1` and
    /// the feature is only centred.
    ///
    /// Refuse a batch that is not 2-D with [`ForwardError::ShapeMismatch`], and one with no rows
    /// with [`ForwardError::EmptyBatch`]. Work with candle's reductions (`mean_keepdim`,
    /// `sqr`, `sqrt`...) and a comparison plus `where_cond` for the constant features.
    pub fn fit(x: &Tensor) -> Result<Standardizer, ForwardError> {
        let (n, _) = x.dims2().map_err(|_| ForwardError::ShapeMismatch)?;
        if n == 0 {
            return Err(ForwardError::EmptyBatch);
        }
        let mean = x.mean_keepdim(0)?; // (1, features)
        let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(0)?; // population variance
        let std = var.sqrt()?;
        // Constant features: std 1, so that they are only centred.
        let constant = std.le(MIN_STD)?;
        let std = constant.where_cond(&std.ones_like()?, &std)?;
        Ok(Standardizer { mean: mean.squeeze(0)?, std: std.squeeze(0)? })
    }

    /// Applies the fitted statistics to `x`, `(m, features)`: `(x - mean) / std`, per column.
    /// `m` may be 0. Refuse with [`ForwardError::ShapeMismatch`] a batch that is not 2-D or has
    /// a different number of features than the one fitted.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor, ForwardError> {
        let (_, d) = x.dims2().map_err(|_| ForwardError::ShapeMismatch)?;
        if d != self.mean.dims1()? {
            return Err(ForwardError::ShapeMismatch);
        }
        Ok(x.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?)
    }
}
