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
    let mut phi = Array2::zeros((x.len(), degree + 1));
    for (i, &xi) in x.iter().enumerate() {
        // Successive products, not `powi`: cheaper and the same at every power.
        let mut p = 1.0;
        for k in 0..=degree {
            phi[[i, k]] = p;
            p *= xi;
        }
    }
    phi
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
    if x.len() != y.len() {
        return Err(ProblemsError::LengthMismatch);
    }
    if x.len() < degree + 1 {
        return Err(ProblemsError::TooFewSamples);
    }
    let phi = polynomial_features(x, degree);
    let a = phi.t().dot(&phi);
    let b = phi.t().dot(&y);
    solve(a, b).ok_or(ProblemsError::Singular)
}

/// Solves `A w = b` by Gaussian elimination with partial pivoting; `None` if `A` is singular.
fn solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Option<Array1<f64>> {
    let n = b.len();
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for col in 0..n {
        // The largest remaining entry of the column as pivot keeps the multipliers <= 1.
        let pivot = (col..n).max_by(|&i, &j| a[[i, col]].abs().total_cmp(&a[[j, col]].abs()))?;
        if a[[pivot, col]].abs() <= 1e-12 * scale {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap([pivot, k], [col, k]);
            }
            b.swap(pivot, col);
        }
        for row in col + 1..n {
            let f = a[[row, col]] / a[[col, col]];
            for k in col..n {
                a[[row, k]] -= f * a[[col, k]];
            }
            b[row] -= f * b[col];
        }
    }
    let mut w = Array1::zeros(n);
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[[row, k]] * w[k]).sum();
        w[row] = (b[row] - s) / a[[row, row]];
    }
    Some(w)
}

/// Mean squared error of the polynomial `w` on `(x, y)`.
fn poly_mse(w: &Array1<f64>, x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    let pred = polynomial_features(x, w.len() - 1).dot(w);
    pred.iter().zip(y).map(|(p, t)| (p - t) * (p - t)).sum::<f64>() / y.len() as f64
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
    if x_train.len() != y_train.len() || x_val.len() != y_val.len() {
        return Err(ProblemsError::LengthMismatch);
    }
    (0..=max_degree)
        .map(|d| {
            let w = fit_polynomial(x_train, y_train, d)?;
            Ok((poly_mse(&w, x_train, y_train), poly_mse(&w, x_val, y_val)))
        })
        .collect()
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
    if x.len() != y.len() || x_val.len() != y_val.len() {
        return Err(ProblemsError::LengthMismatch);
    }
    if sizes.iter().any(|&s| s > x.len()) {
        return Err(ProblemsError::SizeTooLarge);
    }
    sizes
        .iter()
        .map(|&s| {
            let (xs, ys) = (x.slice(ndarray::s![..s]), y.slice(ndarray::s![..s]));
            let w = fit_polynomial(xs, ys, degree)?;
            Ok((poly_mse(&w, xs, ys), poly_mse(&w, x_val, y_val)))
        })
        .collect()
}
