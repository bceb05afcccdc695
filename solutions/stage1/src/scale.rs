//! Exact rescaling for scale-invariant computations (reference only: not an exercise).

/// The power of two at or just below `max |x_i|` (1 when the maximum is 0 or not finite).
///
/// Dividing by a power of two is exact, so `x / scale` holds the same digits with entries of
/// magnitude below 2. Squares and products of squares of the scaled entries can then neither
/// overflow (1e80⁴ already does) nor underflow (1e-85⁴ does); anything that does not change
/// when its input is scaled (a cosine, a correlation, a t statistic, the U and V of an SVD) is
/// computed on the scaled input.
pub(crate) fn binary_scale<'a>(x: impl IntoIterator<Item = &'a f64>) -> f64 {
    let max = x.into_iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        return 1.0;
    }
    let exponent = (max.log2().floor() as i64).clamp(-1022, 1023);
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// `x / scale`, element by element.
pub(crate) fn scaled(x: &[f64], scale: f64) -> Vec<f64> {
    x.iter().map(|v| v / scale).collect()
}
