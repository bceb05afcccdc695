//! Over- and underfitting, seen through polynomial regression.
//!
//! A polynomial of degree `d` in one variable is a linear model on the features
//! `1, x, x², …, x^d`. Raising `d` makes the model more flexible: too low and it cannot follow
//! the data (underfitting: high error on training *and* validation data), too high and it follows
//! the noise (overfitting: training error keeps falling, validation error rises). The
//! [`degree_sweep`] and [`learning_curve`] functions compute the two classic diagnostic curves.
//!
//! Keep `x` scaled to about `[-1, 1]`: the powers of a large `x` differ by orders of magnitude
//! and the least-squares system becomes hopelessly ill-conditioned.

use ndarray::{Array1, Array2, ArrayView1};

/// Why a polynomial cannot be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum ProblemsError {
    /// `x` and `y` (or `x_val` and `y_val`) have different lengths.
    LengthMismatch,
    /// Fewer samples than coefficients (`n < degree + 1`): no unique least-squares solution.
    TooFewSamples,
    /// The normal equations are singular (for example all `x` equal and `degree >= 1`).
    Singular,
    /// A requested training-set size is larger than the training set.
    SizeTooLarge,
}

/// The design matrix of a polynomial: `n x (degree + 1)`, row `i` is
/// `[1, x_i, x_i², …, x_i^degree]` (column `k` holds `x^k`; the constant column comes first).
pub fn polynomial_features(x: ArrayView1<f64>, degree: usize) -> Array2<f64> {
    todo!()
}

/// Least-squares polynomial fit: the coefficients `w` (length `degree + 1`, `w[k]` multiplies
/// `x^k`) minimising `Σ (y_i - Σ_k w_k x_i^k)²`.
///
/// Method (any exact least-squares method agrees to within the grader's tolerance): build
/// `Φ = polynomial_features(x, degree)` and solve the normal equations `(ΦᵀΦ) w = Φᵀ y` by
/// Gaussian elimination with partial pivoting — no ridge term. Report `Singular` when a pivot's
/// absolute value is `<= 1e-12` times the largest absolute entry of `ΦᵀΦ`.
///
/// Errors, in this order: `LengthMismatch`, `TooFewSamples` (`n < degree + 1`), `Singular`.
pub fn fit_polynomial(x: ArrayView1<f64>, y: ArrayView1<f64>, degree: usize) -> Result<Array1<f64>, ProblemsError> {
    todo!()
}

/// The model-complexity curve: for each degree `d = 0, 1, …, max_degree`, fit a polynomial of
/// degree `d` on the training data ([`fit_polynomial`]) and return `(train_mse, val_mse)`, the
/// mean squared errors on the training and on the validation data. Length `max_degree + 1`.
///
/// Errors: `LengthMismatch` (either pair), then the first error of a fit.
pub fn degree_sweep(
    x_train: ArrayView1<f64>,
    y_train: ArrayView1<f64>,
    x_val: ArrayView1<f64>,
    y_val: ArrayView1<f64>,
    max_degree: usize,
) -> Result<Vec<(f64, f64)>, ProblemsError> {
    todo!()
}

/// The learning curve: for each `size` in `sizes`, fit a polynomial of degree `degree` on the
/// *first* `size` training samples and return `(train_mse, val_mse)`: the error on those `size`
/// samples and on the whole validation set. One pair per size, in the order given.
///
/// Errors, in this order: `LengthMismatch` (either pair), `SizeTooLarge` (some `size > n`), then
/// the first error of a fit (a size below `degree + 1` gives `TooFewSamples`).
pub fn learning_curve(
    x: ArrayView1<f64>,
    y: ArrayView1<f64>,
    x_val: ArrayView1<f64>,
    y_val: ArrayView1<f64>,
    degree: usize,
    sizes: &[usize],
) -> Result<Vec<(f64, f64)>, ProblemsError> {
    todo!()
}
