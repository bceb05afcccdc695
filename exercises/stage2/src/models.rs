//! Classic algorithms from scratch: linear and logistic regression, a linear SVM, k-means and
//! PCA. The grader trains each of them on a training split of a real data set, evaluates it on
//! a held-out split, and shows your numbers next to the reference's and linfa's.
//!
//! Every algorithm here is specified *exactly* (initial values, update order, tie-breaking), so
//! that a correct implementation reproduces the reference's numbers up to rounding.
//!
//! ndarray in brief: `x.dot(&w)` is a matrix-vector product, `x.t()` a transposed view (no
//! copy), `&a - &b` and `a * 2.0` work elementwise, `a.mapv(f)` applies `f` to every element,
//! `x.mean_axis(Axis(0))` gives column means, `x.row(i)` / `x.column(j)` are views.

use crate::rng::Rng;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Why a model refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelsError {
    /// No samples (zero rows), or too few for the computation (PCA needs two).
    Empty,
    /// Lengths or widths that do not match (targets vs rows, test vs training features).
    ShapeMismatch,
    /// `XᵀX` (with the intercept column) cannot be inverted: a feature is constant or a linear
    /// combination of others, or there are fewer samples than unknowns.
    Singular,
    /// A class label other than 0 or 1 in a binary classifier.
    InvalidLabel,
    /// A parameter out of range: learning rate not positive, negative penalty, `k` of zero or
    /// above the number of rows, `n_components` of zero or above the number of features.
    InvalidParameter,
}

// ---------------------------------------------------------------------------------------------
// Linear regression

/// A fitted linear model `ŷ = x · weights + intercept`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    pub weights: Array1<f64>,
    pub intercept: f64,
}

impl LinearRegression {
    /// Ordinary least squares, solved exactly through the normal equations.
    ///
    /// Prepend a column of ones to `x` (so the first unknown is the intercept):
    /// `A = [1 | X]`, shape `n x (d + 1)`. The parameters `θ = (intercept, w_1..w_d)` solve
    /// `(AᵀA) θ = Aᵀy`. Solve this `(d+1) x (d+1)` system by Gaussian elimination with partial
    /// pivoting; it is singular when, at some column, the largest remaining pivot in absolute
    /// value is `<= 1e-10 * max_i |(AᵀA)_ii|`: return [`ModelsError::Singular`] then.
    ///
    /// Errors: no rows → `Empty`; `y.len() != x.nrows()` → `ShapeMismatch`; singular → `Singular`.
    pub fn fit_normal_equations(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<Self, ModelsError> {
        todo!()
    }

    /// Full-batch gradient descent on the mean squared error `L = (1/n) Σ (x_i·w + b - y_i)²`.
    ///
    /// Start from `w = 0`, `b = 0`. Each of the `epochs` steps computes the residuals
    /// `r_i = x_i·w + b - y_i` with the current parameters, then updates both at once:
    /// `w ← w - lr · (2/n) Xᵀr`, `b ← b - lr · (2/n) Σ r_i`.
    ///
    /// Errors: no rows → `Empty`; length mismatch → `ShapeMismatch`; `lr` not a positive finite
    /// number → `InvalidParameter`. `epochs = 0` returns the zero model.
    pub fn fit_gradient_descent(
        x: ArrayView2<f64>,
        y: ArrayView1<f64>,
        lr: f64,
        epochs: usize,
    ) -> Result<Self, ModelsError> {
        todo!()
    }

    /// Predictions `X w + b`, one per row. `x` must have as many columns as there are weights
    /// (the grader only calls it with matching shapes).
    pub fn predict(&self, x: ArrayView2<f64>) -> Array1<f64> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// Logistic regression

/// The logistic function `σ(z) = 1 / (1 + e^(-z))`, written so that neither branch overflows.
pub fn sigmoid(z: f64) -> f64 {
    todo!()
}

/// A fitted binary logistic model `P(y = 1 | x) = σ(x · weights + intercept)`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression {
    pub weights: Array1<f64>,
    pub intercept: f64,
}

impl LogisticRegression {
    /// Full-batch gradient descent on the mean log-loss plus an L2 penalty on the weights:
    /// `L = -(1/n) Σ [y_i ln p_i + (1 - y_i) ln(1 - p_i)] + (l2/2) ‖w‖²`, `p_i = σ(x_i·w + b)`.
    ///
    /// Start from `w = 0`, `b = 0`. Each of the `epochs` steps computes every `p_i` with the
    /// current parameters, then updates both at once (the intercept is not penalised):
    /// `w ← w - lr · ((1/n) Xᵀ(p - y) + l2 · w)`, `b ← b - lr · (1/n) Σ (p_i - y_i)`.
    ///
    /// Errors: no rows → `Empty`; `y.len() != x.nrows()` → `ShapeMismatch`; a label other than
    /// 0 or 1 → `InvalidLabel`; `lr` not positive and finite, or `l2` negative or not finite →
    /// `InvalidParameter`.
    pub fn fit(x: ArrayView2<f64>, y: &[usize], lr: f64, epochs: usize, l2: f64) -> Result<Self, ModelsError> {
        todo!()
    }

    /// `P(y = 1 | x_i)` for every row.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Array1<f64> {
        todo!()
    }

    /// Class 1 where the probability is at least 0.5, class 0 elsewhere.
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// Linear SVM

/// A fitted linear support vector machine: class 1 where `x · weights + intercept >= 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSvm {
    pub weights: Array1<f64>,
    pub intercept: f64,
}

impl LinearSvm {
    /// Full-batch subgradient descent on the regularised hinge loss
    /// `L = (lambda/2) ‖w‖² + (1/n) Σ max(0, 1 - t_i (x_i·w + b))`, with `t_i = -1` for label 0
    /// and `t_i = +1` for label 1.
    ///
    /// Start from `w = 0`, `b = 0`. Each of the `epochs` steps finds, with the current
    /// parameters, the samples inside the margin, `t_i (x_i·w + b) < 1` (strictly), then updates
    /// both at once: `w ← w - lr · (lambda · w - (1/n) Σ_margin t_i x_i)`,
    /// `b ← b - lr · (-(1/n) Σ_margin t_i)`.
    ///
    /// Errors: as [`LogisticRegression::fit`] (`lambda` plays the part of `l2`).
    pub fn fit(x: ArrayView2<f64>, y: &[usize], lr: f64, epochs: usize, lambda: f64) -> Result<Self, ModelsError> {
        todo!()
    }

    /// The signed score `x_i · w + b` of every row.
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Array1<f64> {
        todo!()
    }

    /// Class 1 where the score is `>= 0`, class 0 elsewhere.
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// k-means

/// The result of [`kmeans`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansResult {
    /// `k x d`, one centroid per row.
    pub centroids: Array2<f64>,
    /// The cluster of every row of `x`, assigned to the returned centroids.
    pub labels: Vec<usize>,
    /// `Σ_i ‖x_i - centroid[labels[i]]‖²`.
    pub inertia: f64,
    /// How many centroid updates were made.
    pub iterations: usize,
}

/// Lloyd's k-means with a seeded initialisation.
///
/// Initialisation: shuffle the first `k` positions of the index list `0..n` (partial
/// Fisher–Yates, front to back): for `i` in `0..k`, `j = i + (rng.next_u64() % (n - i) as u64)
/// as usize`, swap positions `i` and `j`. Centroid `c` starts as row `idx[c]`.
///
/// Assignment: each row goes to the centroid at the smallest squared Euclidean distance; ties go
/// to the lowest centroid index (compare with `<`, scanning centroids in order).
///
/// Iterations: assign once; then, while fewer than `max_iter` updates have been made: replace
/// each centroid by the mean of its rows (their sum divided by their count; a cluster with no
/// rows keeps its centroid), count the update, reassign; stop early when the new labels equal
/// the previous ones. The returned labels are the last assignment (to the returned centroids)
/// and the inertia is computed from them.
///
/// Errors: no rows → `Empty`; `k == 0` or `k > n` → `InvalidParameter`.
///
/// Speed target: the grader times 20,000 rows of 16 features with `k = 16`. The assignment step
/// (`n · k` distances per iteration) is the hot loop: walk the data as contiguous slices and
/// allocate nothing per point or per distance.
pub fn kmeans(x: ArrayView2<f64>, k: usize, max_iter: usize, rng: &mut Rng) -> Result<KMeansResult, ModelsError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// PCA

/// A fitted principal component analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// `n_components x d`: unit-length principal directions, one per row, by decreasing variance.
    pub components: Array2<f64>,
    /// The variance of the data along each component (an eigenvalue of the covariance matrix).
    pub explained_variance: Array1<f64>,
    /// The per-feature mean subtracted before projecting.
    pub mean: Array1<f64>,
}

impl Pca {
    /// Coordinates of each row in the component basis: `(X - mean) componentsᵀ`, `n x n_components`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        todo!()
    }
}

/// Principal component analysis through the covariance matrix.
///
/// 1. `mean` = column means; `C = (X - mean)ᵀ (X - mean) / (n - 1)`, `d x d`, symmetric.
/// 2. Eigendecompose `C` with the cyclic Jacobi method: sweep over all pairs `p < q`, rotating
///    away `C_pq` whenever it is nonzero, until the off-diagonal sum of squares is below
///    `1e-22 ×` the total sum of squares (or 100 sweeps).
/// 3. Sort eigenpairs by eigenvalue, descending; keep the first `n_components`. The eigenvalues
///    are `explained_variance`; the eigenvectors, as rows, are `components`.
/// 4. Fix each component's sign (an eigenvector is only defined up to sign): make its
///    largest-magnitude coordinate positive (the first such coordinate if several tie).
///
/// Errors: fewer than 2 rows → `Empty`; `n_components == 0` or `> d` → `InvalidParameter`.
pub fn pca(x: ArrayView2<f64>, n_components: usize) -> Result<Pca, ModelsError> {
    todo!()
}
