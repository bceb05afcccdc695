//! Stability of deep networks: exploding gradients and gradient clipping.
//!
//! In a deep network (or an RNN unrolled over many steps) the gradient of an early layer is a
//! product of many per-layer factors: factors below 1 make it vanish, factors above 1 make it
//! explode. An exploding gradient turns one step of gradient descent into a jump that throws the
//! weights far away (the loss becomes `inf` or `NaN` and training is lost). Clipping bounds the
//! step without changing the method: either each entry of the gradient (*by value*), or the whole
//! gradient of every parameter together, rescaled so that its norm is at most a limit (*by
//! global norm*, which keeps its direction).
//!
//! Gradients are given as a list of tensors, one per parameter (weights, biases), of any shapes.

use candle_core::Tensor;

/// Why a clipping function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipError {
    /// The limit is not a finite number above zero.
    InvalidLimit,
    /// A gradient holds a NaN or an infinity (or the global norm is not finite): clipping cannot
    /// repair it, and the step must be skipped.
    NonFinite,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`ClipError::Candle`].
impl From<candle_core::Error> for ClipError {
    fn from(e: candle_core::Error) -> Self {
        ClipError::Candle(e.to_string())
    }
}

/// Clipping by value: every entry of every gradient clamped to `[-limit, limit]`.
///
/// Simple, but it changes the gradient's direction (entries beyond the limit are cut, the others
/// are not). Shapes are kept. Errors: `limit` not finite or `<= 0` is
/// `Err(ClipError::InvalidLimit)`; a NaN or infinite entry is `Err(ClipError::NonFinite)`.
pub fn clip_grad_value(grads: &[Tensor], limit: f64) -> Result<Vec<Tensor>, ClipError> {
    check_limit(limit)?;
    largest_entry(grads)?;
    Ok(grads.iter().map(|g| g.clamp(-limit, limit)).collect::<candle_core::Result<Vec<Tensor>>>()?)
}

/// `Err(InvalidLimit)` unless `limit` is finite and above zero.
fn check_limit(limit: f64) -> Result<(), ClipError> {
    if limit.is_finite() && limit > 0.0 {
        Ok(())
    } else {
        Err(ClipError::InvalidLimit)
    }
}

/// The largest `|entry|` of all gradients (0 for none); `Err(NonFinite)` on a NaN or infinity.
fn largest_entry(grads: &[Tensor]) -> Result<f64, ClipError> {
    let mut largest = 0.0f64;
    for g in grads {
        if g.elem_count() == 0 {
            continue;
        }
        let m = g.abs()?.flatten_all()?.max(0)?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
        // `max` of a tensor holding a NaN is NaN (or the NaN is skipped on some backends): check
        // the largest entry and, for NaN, the sum, which a NaN always poisons.
        let nan = g.sum_all()?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?.is_nan();
        if !m.is_finite() || nan {
            return Err(ClipError::NonFinite);
        }
        largest = largest.max(m);
    }
    Ok(largest)
}

/// Clipping by global norm (PyTorch's `clip_grad_norm_`): returns the clipped gradients and the
/// global norm *before* clipping.
///
/// - The global norm is the L2 norm of all gradients together, as if concatenated into one
///   vector: `total = √(Σ_tensors Σ_entries g²)`. Not one norm per tensor: clipping each tensor by
///   its own norm changes the direction of the whole step, which is what this method avoids.
/// - `scale = min(1, max_norm / (total + 1e-6))`, and every gradient is multiplied by `scale`.
///   The `1e-6` is PyTorch's (it keeps the division finite when `total = 0`); keep it, so that a
///   gradient whose norm is exactly `max_norm` is scaled by `max_norm / (max_norm + 1e-6)` as
///   PyTorch does.
///
/// Edge cases: an empty list gives `(vec![], 0.0)`. Entries as large as `1e200` have an ordinary
/// norm although their squares overflow to infinity: compute the norm as Stage 1's `norms` did,
/// scaling by the largest entry first. Errors: `max_norm` not finite or `<= 0` is
/// `Err(ClipError::InvalidLimit)`; a NaN or infinite entry is `Err(ClipError::NonFinite)`.
/// Work on the tensors (`sqr`, `sum_all`, `affine` or `*`), not on copies in `Vec`s.
pub fn clip_grad_norm(grads: &[Tensor], max_norm: f64) -> Result<(Vec<Tensor>, f64), ClipError> {
    check_limit(max_norm)?;
    let largest = largest_entry(grads)?;
    if largest == 0.0 {
        return Ok((grads.to_vec(), 0.0));
    }
    // Σ (g / largest)² has no term above 1: no overflow at 1e200, no underflow at 1e-200.
    let mut sum = 0.0;
    for g in grads {
        if g.elem_count() > 0 {
            sum += (g / largest)?.sqr()?.sum_all()?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
        }
    }
    let total = largest * sum.sqrt();
    let scale = (max_norm / (total + 1e-6)).min(1.0);
    let clipped = grads.iter().map(|g| g * scale).collect::<candle_core::Result<Vec<Tensor>>>()?;
    Ok((clipped, total))
}
