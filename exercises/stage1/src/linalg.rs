//! Week 1 — linear algebra: vectors, matrix products, decompositions and linear systems.
//!
//! Study-plan topics: `s1.linalg.vectors`, `s1.linalg.matrices`, `s1.linalg.eigen`,
//! `s1.linalg.svd`, `s1.linalg.systems`. Run `grader check stage1.linalg` to grade this file.

use crate::matrix::Matrix;

/// Why a linear-algebra routine refused its input. Return these instead of panicking or
/// producing NaN: the grader compares the variant.
#[derive(Debug, Clone, PartialEq)]
pub enum LinalgError {
    /// The operands' shapes do not fit together, e.g. `(2x3) * (2x3)`.
    ShapeMismatch { left: (usize, usize), right: (usize, usize) },
    /// The operation needs a square matrix.
    NotSquare { rows: usize, cols: usize },
    /// The matrix is singular (or numerically so): no inverse, no unique solution.
    Singular,
    /// An iterative method did not converge within its iteration budget.
    NoConvergence,
    /// A vector of zeros (or an empty vector) where a direction is needed.
    ZeroVector,
    /// A rank `k` larger than `min(rows, cols)`, the most a matrix can have.
    RankTooLarge { k: usize, max: usize },
}

/// Dot product `a · b = Σ_i a_i b_i` of two vectors of the same length.
///
/// Shapes: `a` and `b` both have length `n`; the dot product of two empty vectors is `0.0`.
/// Panics if the lengths differ (a programming error, not a data error).
///
/// Hint: this is one line with iterators — `zip` then `map` then `sum`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    todo!()
}

/// Matrix product `C = A B`, where `C_ij = Σ_k A_ik B_kj`.
///
/// Shapes: `A` is `n x m`, `B` is `m x p`, `C` is `n x p`. If `A.cols() != B.rows()`, return
/// `Err(LinalgError::ShapeMismatch { left: A.shape(), right: B.shape() })`. Zero-sized
/// dimensions are legal: `(0 x 3)(3 x 2)` is `0 x 2`, `(2 x 0)(0 x 3)` is a `2 x 3` of zeros.
///
/// Speed matters here: the grader times your product against the reference on a 512 x 512
/// input and expects at most twice the reference's time. Think about the order in which the
/// three loops walk memory: `Matrix` is row-major, so stepping down a column of `B` jumps a
/// whole row each step, while stepping along a row reads neighbouring numbers.
pub fn matmul(a: &Matrix, b: &Matrix) -> Result<Matrix, LinalgError> {
    todo!()
}

/// Relative pivot threshold for [`inverse`], [`lu_decompose`] and [`solve`] (given, not an
/// exercise): during elimination, a pivot with `|pivot| <= PIVOT_TOLERANCE * max_ij |a_ij|`
/// (the largest entry of the *original* matrix) counts as zero and the matrix is `Singular`.
///
/// Why relative: multiplying a matrix by `1e-14` does not make it any less invertible, but
/// a fixed cut-off such as `1e-12` would call it singular. Why not exactly zero: rounding turns
/// the zero pivot of a singular matrix into something like `1e-17`, and dividing by it gives
/// an "inverse" full of enormous, meaningless numbers.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

/// The L1, L2 and L-infinity norms of `v`, as the tuple `(l1, l2, linf)`:
///
/// - `‖v‖₁ = Σ_i |v_i|` (the "Manhattan" length),
/// - `‖v‖₂ = sqrt(Σ_i v_i²)` (the Euclidean length),
/// - `‖v‖∞ = max_i |v_i|`.
///
/// Edge cases: the empty vector has all three norms `0.0`. Entries can be as large as `1e200`,
/// whose square overflows `f64` to infinity although the norm itself (about `1e201`) is a
/// perfectly ordinary number: compute `‖v‖₂` so that no intermediate result overflows.
pub fn norms(v: &[f64]) -> (f64, f64, f64) {
    todo!()
}

/// Cosine similarity `cos θ = (a · b) / (‖a‖₂ ‖b‖₂)`, a number in `[-1, 1]`: `1` for vectors
/// pointing the same way, `0` for orthogonal ones, `-1` for opposite ones. It ignores length,
/// which is why embeddings are compared with it.
///
/// Shapes: `a` and `b` have the same length (panic otherwise, as [`dot`] does).
/// Errors: if `a` or `b` is all zeros, the angle is undefined (`0 / 0`): return
/// `Err(LinalgError::ZeroVector)`. Empty vectors have zero length too, so they get the same error.
/// Edge cases: entries can be as large as `1e155` or as small as `1e-170`, where `a · b` and
/// `‖a‖₂²` overflow to infinity or underflow to zero although the cosine is an ordinary number.
/// The cosine does not change when `a` or `b` is multiplied by a positive number: use that.
pub fn cosine_similarity(a: &[f64], b: &[f64]) -> Result<f64, LinalgError> {
    todo!()
}

/// The transpose `Aᵀ`: `(Aᵀ)_ji = A_ij`, so an `r x c` matrix becomes `c x r`.
///
/// Edge cases: a `1 x n` row becomes an `n x 1` column; a `0 x 3` matrix becomes `3 x 0`.
pub fn transpose(a: &Matrix) -> Matrix {
    todo!()
}

/// The inverse `A⁻¹`, the matrix with `A A⁻¹ = A⁻¹ A = I`, by Gauss-Jordan elimination with
/// partial pivoting.
///
/// Method: write `[A | I]` side by side and apply row operations until the left half is `I`;
/// the right half is then `A⁻¹`. For each column `k`:
/// 1. *Partial pivoting*: among rows `k..n`, pick the row whose entry in column `k` has the
///    largest absolute value and swap it into row `k`. A zero on the diagonal (think of
///    `[[0, 1], [1, 0]]`) is then no obstacle, and small pivots, which amplify rounding
///    errors, are avoided.
/// 2. If that largest `|pivot|` is `<= PIVOT_TOLERANCE * max_ij |a_ij|`, return
///    `Err(LinalgError::Singular)` (see [`PIVOT_TOLERANCE`]; an all-zero matrix is singular).
/// 3. Divide row `k` by the pivot, then subtract multiples of row `k` from every *other* row
///    (above and below) to make column `k` zero there.
///
/// Shapes: `A` is `n x n`; otherwise return `Err(LinalgError::NotSquare { rows, cols })`.
/// A `0 x 0` matrix is its own inverse.
pub fn inverse(a: &Matrix) -> Result<Matrix, LinalgError> {
    todo!()
}

/// An LU decomposition with row pivoting, `P A = L U` (provided type; [`lu_decompose`] fills it).
///
/// - `perm[i]` is the row of `A` that becomes row `i` of `P A`: `(P A)_ij = A_(perm[i]) j`.
///   For `A = [[0, 1], [2, 3]]`, pivoting swaps the two rows, so `perm == [1, 0]`.
/// - `l` is `n x n` *unit* lower-triangular: ones on the diagonal, zeros above it.
/// - `u` is `n x n` upper-triangular: zeros below the diagonal.
#[derive(Debug, Clone, PartialEq)]
pub struct Lu {
    pub l: Matrix,
    pub u: Matrix,
    pub perm: Vec<usize>,
}

/// LU decomposition with partial pivoting: `P A = L U` (see [`Lu`] for the fields).
///
/// Method (Gaussian elimination that keeps its multipliers): start with `U = A`, `L = I`,
/// `perm = [0, 1, ..., n-1]`. For each column `k`:
/// 1. Pick the row `p >= k` with the largest `|U_pk|` (the first such row on a tie) and swap rows
///    `k` and `p` of `U`, entries `k` and `p` of `perm`, and the multipliers already stored in
///    columns `0..k` of rows `k` and `p` of `L`. The grader compares your `L`, `U` and `perm` with
///    the reference's, so pick exactly this pivot.
/// 2. If `|U_kk| <= PIVOT_TOLERANCE * max_ij |a_ij|`, return `Err(LinalgError::Singular)`.
/// 3. For each row `i > k`: `L_ik = U_ik / U_kk`, then row `i` of `U` -= `L_ik` * row `k`.
///
/// Shapes: `A` is `n x n`; otherwise `Err(LinalgError::NotSquare { rows, cols })`. A `0 x 0`
/// matrix gives empty `l`, `u` and `perm`.
pub fn lu_decompose(a: &Matrix) -> Result<Lu, LinalgError> {
    todo!()
}

/// Solves the linear system `A x = b` using [`lu_decompose`].
///
/// From `P A = L U`, `A x = b` becomes `L U x = P b`. Solve it in two triangular steps:
/// 1. forward substitution, `L y = P b`: `y_i = b_(perm[i]) - Σ_{j<i} L_ij y_j` (`L_ii = 1`);
/// 2. back substitution, `U x = y`: `x_i = (y_i - Σ_{j>i} U_ij x_j) / U_ii`, for `i` from
///    `n-1` down to `0`.
///
/// Shapes: `A` is `n x n` (else `Err(NotSquare { rows, cols })`), `b` has length `n` (else
/// `Err(ShapeMismatch { left: A.shape(), right: (b.len(), 1) })`); `x` has length `n`.
/// Errors: a singular `A` must give `Err(LinalgError::Singular)`, never a vector of NaN or
/// infinities.
pub fn solve(a: &Matrix, b: &[f64]) -> Result<Vec<f64>, LinalgError> {
    todo!()
}

/// The dominant eigenpair `(λ, v)` of a square matrix by power iteration: `A v = λ v` with `|λ|`
/// the largest of all eigenvalues, `v` of unit length (`‖v‖₂ = 1`).
///
/// Method: repeatedly multiply a vector by `A` and normalise it. Writing the start vector in the
/// eigenbasis, `A^k v₀ = Σ_i c_i λ_i^k x_i`; the dominant term wins, at the speed of
/// `|λ₂ / λ₁|^k`. Each step, estimate the eigenvalue by the Rayleigh quotient `λ = vᵀ A v`
/// (with `v` of unit length).
///
/// Stopping rule (the grader assumes it): stop and return `(λ, v)` as soon as the residual is
/// small relative to the eigenvalue, `‖A v - λ v‖₂ <= tol · |λ|`. Relative, because rounding
/// alone leaves a residual of about `1e-16 · |λ|`: an absolute `1e-10` is out of reach for a
/// matrix with entries of `1e100`. Do not stop when `λ` stops changing: `λ` settles long before
/// `v`. Also note that the dominant eigenvalue may be negative, and then `v` flips sign each
/// step. If `max_iter` products with `A` are not enough, return `Err(LinalgError::NoConvergence)`.
///
/// Start from a vector that is not orthogonal to the dominant eigenvector. All ones is a poor
/// choice: it is itself an eigenvector of every matrix whose rows have equal sums, such as
/// `[[2, -1], [-1, 2]]` (for `λ = 1`, while the dominant eigenvalue is 3), and power iteration
/// never leaves an eigenvector. Pick a vector with no pattern (a fixed pseudo-random one is
/// reproducible). `-v` is as good an answer as `v`: the sign is not graded.
/// Shapes: `A` is `n x n` with `n >= 1`; otherwise `Err(LinalgError::NotSquare { rows, cols })`.
pub fn power_iteration(a: &Matrix, max_iter: usize, tol: f64) -> Result<(f64, Vec<f64>), LinalgError> {
    todo!()
}

/// All eigenvalues and eigenvectors of a symmetric matrix, by the cyclic Jacobi method:
/// returns `(values, V)` with `values` sorted in descending order and column `j` of `V` a unit
/// eigenvector for `values[j]`, so that `A V = V diag(values)` and `Vᵀ V = I`.
///
/// Method: a symmetric `A` can be diagonalised by rotations. A Jacobi rotation `J` in the plane
/// `(p, q)` is the identity except `J_pp = J_qq = c`, `J_pq = s`, `J_qp = -s`, with `c = cos θ`,
/// `s = sin θ`; choosing `θ` so that `(Jᵀ A J)_pq = 0` gives
/// `cot 2θ = (a_qq - a_pp) / (2 a_pq)`, and `t = tan θ` is the smaller root of
/// `t² + 2 t cot 2θ - 1 = 0`. One *sweep* applies such a rotation for every pair `p < q`
/// (`A <- Jᵀ A J`, `V <- V J`, starting from `V = I`). Sweep until the off-diagonal part is
/// negligible (`sqrt(Σ_{i≠j} a_ij²) <= 1e-12 ‖A‖_F` at most; machine precision is better). The
/// diagonal then holds the eigenvalues and `V` the eigenvectors: sort both together.
///
/// You may assume `A` is symmetric. Shapes: `A` is `n x n`, else
/// `Err(LinalgError::NotSquare { rows, cols })`. If a generous number of sweeps (say 60) does not
/// converge, return `Err(LinalgError::NoConvergence)`. Signs of eigenvectors are not graded, and
/// for a repeated eigenvalue any orthonormal basis of its eigenspace is accepted.
pub fn symmetric_eigen(a: &Matrix) -> Result<(Vec<f64>, Matrix), LinalgError> {
    todo!()
}

/// A thin singular value decomposition `A = U diag(s) Vt` (provided type; [`svd`] fills it).
///
/// For an `m x n` matrix and `k = min(m, n)`: `u` is `m x k` with orthonormal columns, `s` holds
/// the `k` singular values `σ_0 >= σ_1 >= ... >= 0` in descending order, and `vt` is `k x n`
/// with orthonormal rows (it is `Vᵀ`).
#[derive(Debug, Clone, PartialEq)]
pub struct Svd {
    pub u: Matrix,
    pub s: Vec<f64>,
    pub vt: Matrix,
}

/// The thin SVD of any `m x n` matrix (see [`Svd`] for the shapes).
///
/// Every matrix maps an orthonormal basis `v_i` to orthogonal vectors `A v_i = σ_i u_i`: that is
/// the SVD. Two ways to compute it:
/// - through [`symmetric_eigen`] of `AᵀA` (its eigenvalues are `σ_i²`, its eigenvectors the
///   `v_i`; then `u_i = A v_i / σ_i`). Short, but forming `AᵀA` squares the condition number, so
///   singular values much smaller than `σ_0` lose digits;
/// - by one-sided Jacobi: rotate pairs of *columns* of `A` (and the same pairs of columns of
///   `V`, starting from `I`) until all columns are mutually orthogonal; their lengths are the
///   `σ_i`, their directions the `u_i`. Accurate to working precision; for a wide matrix
///   (`m < n`) decompose `Aᵀ` and transpose the result back.
///
/// Signs are not graded (`-u_i` with `-v_i` is as good), but `s` must be descending and
/// `U diag(s) Vt` must reproduce `A`.
///
/// Edge cases: rank-deficient inputs (some `σ_i = 0`, the zero matrix among them) leave the
/// matching `u_i` free, but `U` must still have orthonormal columns: complete them (Gram–Schmidt
/// on the standard basis vectors works). Entries can be as large as `1e100` or as small as
/// `1e-100`: Jacobi's `‖a_p‖² ‖a_q‖²` overflows or underflows there. Scaling `A` by a number `c`
/// scales every `σ_i` by `|c|` and leaves `U` and `V` as they are.
pub fn svd(a: &Matrix) -> Result<Svd, LinalgError> {
    todo!()
}

/// The best rank-`k` approximation of `A` (Eckart–Young): keep the `k` largest singular values,
/// `A_k = Σ_{i<k} σ_i u_i v_iᵀ = U_k diag(σ_0..σ_{k-1}) Vt_k`. No matrix of rank `k` is closer to
/// `A`, in the 2-norm or the Frobenius norm. This is what compression, PCA and LoRA rest on.
///
/// Shapes: `A` is `m x n`, the result `m x n`. `k = 0` gives the zero matrix, `k = min(m, n)`
/// gives `A` back. Errors: a rank above `min(m, n)` is impossible; return
/// `Err(LinalgError::RankTooLarge { k, max: min(m, n) })` (silently clamping would hide the
/// caller's mistake).
pub fn low_rank_approx(a: &Matrix, k: usize) -> Result<Matrix, LinalgError> {
    todo!()
}
