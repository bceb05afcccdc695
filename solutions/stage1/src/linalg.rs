//! Week 1 — linear algebra: vectors, matrix products, decompositions and linear systems.
//!
//! Reference solutions. Study-plan topics: `s1.linalg.vectors`, `s1.linalg.matrices`,
//! `s1.linalg.eigen`, `s1.linalg.svd`, `s1.linalg.systems`.

use crate::matrix::Matrix;

/// Why a linear-algebra routine refused its input.
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

/// Dot product `a · b = Σ_i a_i b_i`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "dot: vectors of length {} and {}", a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Matrix product `C = A B`.
///
/// The loops run i-k-j: the innermost loop walks a row of `B` and a row of `C`, both contiguous,
/// so the compiler vectorises it and every cache line fetched is used in full.
pub fn matmul(a: &Matrix, b: &Matrix) -> Result<Matrix, LinalgError> {
    if a.cols() != b.rows() {
        return Err(LinalgError::ShapeMismatch { left: a.shape(), right: b.shape() });
    }
    let (n, m, p) = (a.rows(), a.cols(), b.cols());
    let mut c = Matrix::zeros(n, p);
    for i in 0..n {
        for k in 0..m {
            let aik = a[(i, k)];
            let b_row = b.row(k);
            for (c_ij, b_kj) in c.row_mut(i).iter_mut().zip(b_row) {
                *c_ij += aik * b_kj;
            }
        }
    }
    Ok(c)
}

/// Relative pivot threshold of [`inverse`], [`lu_decompose`] and [`solve`]: a pivot with
/// `|pivot| <= PIVOT_TOLERANCE * max_ij |a_ij|` counts as zero, so the matrix is `Singular`.
///
/// Relative, not absolute: scaling a matrix by `1e-14` does not make it any less invertible.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

/// The largest `|a_ij|` of a matrix (`0.0` for an empty one).
fn max_abs(a: &Matrix) -> f64 {
    a.as_slice().iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// The row `p >= k` with the largest `|m[p][k]|`, the first one on ties: the partial-pivoting rule.
fn pivot_row(m: &Matrix, k: usize) -> usize {
    let mut best = k;
    for i in k + 1..m.rows() {
        if m[(i, k)].abs() > m[(best, k)].abs() {
            best = i;
        }
    }
    best
}

/// `row[target] -= factor * row[source]`, for two distinct rows of one matrix.
fn sub_row(m: &mut Matrix, target: usize, source: usize, factor: f64) {
    let source_row = m.row(source).to_vec();
    for (t, s) in m.row_mut(target).iter_mut().zip(&source_row) {
        *t -= factor * s;
    }
}

/// Euclidean norm of a vector.
fn norm2(v: &[f64]) -> f64 {
    norms(v).1
}

/// Matrix-vector product `A v`.
fn mat_vec(a: &Matrix, v: &[f64]) -> Vec<f64> {
    (0..a.rows()).map(|i| dot(a.row(i), v)).collect()
}

/// L1, L2 and L-infinity norms: `Σ|v_i|`, `sqrt(Σ v_i²)`, `max |v_i|`.
pub fn norms(v: &[f64]) -> (f64, f64, f64) {
    let l1 = v.iter().fold(0.0, |s, x| s + x.abs());
    let linf = v.iter().fold(0.0, |m: f64, x| m.max(x.abs()));
    // Squaring 1e200 overflows to infinity; squaring v_i / max|v| cannot (every ratio is <= 1).
    let l2 = if linf == 0.0 { 0.0 } else { linf * v.iter().map(|x| (x / linf).powi(2)).sum::<f64>().sqrt() };
    (l1, l2, linf)
}

/// Cosine of the angle between `a` and `b`: `a · b / (‖a‖ ‖b‖)`.
pub fn cosine_similarity(a: &[f64], b: &[f64]) -> Result<f64, LinalgError> {
    assert_eq!(a.len(), b.len(), "cosine_similarity: vectors of length {} and {}", a.len(), b.len());
    // The cosine does not change when a or b is scaled; a · b of two vectors of 1e155 overflows.
    let (a, b) = (&scaled(a, binary_scale(a)), &scaled(b, binary_scale(b)));
    let (na, nb) = (norm2(a), norm2(b));
    if na == 0.0 || nb == 0.0 {
        // The angle to a zero vector is undefined: 0 / 0.
        return Err(LinalgError::ZeroVector);
    }
    // Rounding can push the ratio a hair past ±1; a cosine never is.
    Ok((dot(a, b) / (na * nb)).clamp(-1.0, 1.0))
}

/// Transpose: `(Aᵀ)_ji = A_ij`.
pub fn transpose(a: &Matrix) -> Matrix {
    let (r, c) = a.shape();
    let mut t = Matrix::zeros(c, r);
    for i in 0..r {
        for j in 0..c {
            t[(j, i)] = a[(i, j)];
        }
    }
    t
}

/// Inverse by Gauss-Jordan elimination with partial pivoting.
///
/// Row operations that turn `A` into `I` turn `I` into `A⁻¹`, so the same operations are applied
/// to both halves of `[A | I]`.
pub fn inverse(a: &Matrix) -> Result<Matrix, LinalgError> {
    let (rows, cols) = a.shape();
    if rows != cols {
        return Err(LinalgError::NotSquare { rows, cols });
    }
    let n = rows;
    let threshold = PIVOT_TOLERANCE * max_abs(a);
    let mut m = a.clone();
    let mut inv = Matrix::identity(n);
    for k in 0..n {
        // The largest pivot keeps the multipliers <= 1 in size, so rounding errors do not grow.
        let p = pivot_row(&m, k);
        if m[(p, k)].abs() <= threshold {
            return Err(LinalgError::Singular);
        }
        m.swap_rows(k, p);
        inv.swap_rows(k, p);
        // Scale the pivot row so the pivot becomes 1...
        let pivot = m[(k, k)];
        m.row_mut(k).iter_mut().for_each(|x| *x /= pivot);
        inv.row_mut(k).iter_mut().for_each(|x| *x /= pivot);
        // ...then clear column k in every other row, above and below (that is the "Jordan" part).
        for i in 0..n {
            let factor = m[(i, k)];
            if i != k && factor != 0.0 {
                sub_row(&mut m, i, k, factor);
                sub_row(&mut inv, i, k, factor);
            }
        }
    }
    Ok(inv)
}

/// An LU decomposition with row pivoting: `P A = L U`.
///
/// `perm[i]` is the row of `A` that becomes row `i` of `P A`; `L` is unit lower-triangular (ones
/// on the diagonal), `U` upper-triangular.
#[derive(Debug, Clone, PartialEq)]
pub struct Lu {
    pub l: Matrix,
    pub u: Matrix,
    pub perm: Vec<usize>,
}

/// LU decomposition with partial pivoting (Doolittle form: `L` has a unit diagonal).
pub fn lu_decompose(a: &Matrix) -> Result<Lu, LinalgError> {
    let (rows, cols) = a.shape();
    if rows != cols {
        return Err(LinalgError::NotSquare { rows, cols });
    }
    let n = rows;
    let threshold = PIVOT_TOLERANCE * max_abs(a);
    let mut u = a.clone();
    let mut l = Matrix::identity(n);
    let mut perm: Vec<usize> = (0..n).collect();
    for k in 0..n {
        let p = pivot_row(&u, k);
        if u[(p, k)].abs() <= threshold {
            return Err(LinalgError::Singular);
        }
        // Swapping rows of U swaps rows of P A, so the bookkeeping follows: the permutation, and
        // the multipliers already stored in L (columns before k; the diagonal stays put).
        u.swap_rows(k, p);
        perm.swap(k, p);
        for j in 0..k {
            let t = l[(k, j)];
            l[(k, j)] = l[(p, j)];
            l[(p, j)] = t;
        }
        // Eliminate below the pivot; each multiplier is exactly the entry of L that undoes it.
        for i in k + 1..n {
            let factor = u[(i, k)] / u[(k, k)];
            l[(i, k)] = factor;
            sub_row(&mut u, i, k, factor);
            u[(i, k)] = 0.0; // exactly zero, not a rounding residue
        }
    }
    Ok(Lu { l, u, perm })
}

/// Solves `A x = b` through `P A = L U`: `L y = P b` forwards, then `U x = y` backwards.
pub fn solve(a: &Matrix, b: &[f64]) -> Result<Vec<f64>, LinalgError> {
    let (rows, cols) = a.shape();
    if rows != cols {
        return Err(LinalgError::NotSquare { rows, cols });
    }
    if b.len() != rows {
        return Err(LinalgError::ShapeMismatch { left: a.shape(), right: (b.len(), 1) });
    }
    // A singular matrix stops here, before any division by a zero pivot could make NaNs.
    let Lu { l, u, perm } = lu_decompose(a)?;
    let n = rows;
    // Forward substitution: row i of L y = P b, where L_ii = 1.
    let mut y: Vec<f64> = Vec::with_capacity(n);
    for (i, &pi) in perm.iter().enumerate() {
        let yi = b[pi] - dot(&l.row(i)[..i], &y);
        y.push(yi);
    }
    // Back substitution, from the last unknown up: x_i = (y_i - Σ_{j>i} U_ij x_j) / U_ii.
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let known = dot(&u.row(i)[i + 1..], &x[i + 1..]);
        x[i] = (y[i] - known) / u[(i, i)];
    }
    Ok(x)
}

/// Dominant eigenpair `(λ, v)` by power iteration, stopping when `‖A v - λ v‖ <= tol |λ|`.
pub fn power_iteration(a: &Matrix, max_iter: usize, tol: f64) -> Result<(f64, Vec<f64>), LinalgError> {
    let (rows, cols) = a.shape();
    if rows != cols {
        return Err(LinalgError::NotSquare { rows, cols });
    }
    assert!(rows > 0, "power_iteration: an empty matrix has no eigenpair");
    // Any start works unless it is orthogonal to the dominant eigenvector. All ones is not safe: it
    // is an eigenvector of every matrix whose rows have equal sums ([[2, -1], [-1, 2]] has it for
    // λ = 1, not the dominant 3). A reproducible vector with no structure: fractional parts of
    // multiples of the golden ratio, in [1, 2).
    let start: Vec<f64> = (1..=rows).map(|i| 1.0 + (i as f64 * 0.618_033_988_749_895).fract()).collect();
    let start_norm = norm2(&start);
    let mut v: Vec<f64> = start.iter().map(|x| x / start_norm).collect();
    for _ in 0..max_iter {
        let w = mat_vec(a, &v);
        // Rayleigh quotient: the best eigenvalue estimate for a unit vector v (it keeps the sign,
        // so a negative dominant eigenvalue comes out negative).
        let lambda = dot(&v, &w);
        let residual: Vec<f64> = w.iter().zip(&v).map(|(wi, vi)| wi - lambda * vi).collect();
        // The residual, not the change in λ, is the test: λ converges twice as fast as v, and v
        // flips sign every step when λ < 0, so "v stopped changing" would never come. Relative to
        // |λ|: rounding alone leaves a residual of about 1e-16 |λ|, so an absolute tol of 1e-10
        // could never be met by a matrix of norm 1e7.
        if norm2(&residual) <= tol * lambda.abs() {
            return Ok((lambda, v));
        }
        let wn = norm2(&w); // > 0: w = 0 would have made the residual 0 above
        v = w.iter().map(|x| x / wn).collect();
    }
    Err(LinalgError::NoConvergence)
}

/// Largest number of Jacobi sweeps before giving up; convergence is quadratic, ~10 is typical.
const MAX_SWEEPS: usize = 60;

/// Eigenvalues (descending) and eigenvectors (columns of `V`) of a symmetric matrix, by the
/// cyclic Jacobi method.
pub fn symmetric_eigen(a: &Matrix) -> Result<(Vec<f64>, Matrix), LinalgError> {
    let (rows, cols) = a.shape();
    if rows != cols {
        return Err(LinalgError::NotSquare { rows, cols });
    }
    let n = rows;
    let mut m = a.clone();
    let mut v = Matrix::identity(n);
    let frobenius = norm2(a.as_slice());
    let mut converged = false;
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[(i, j)].powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= f64::EPSILON * frobenius {
            converged = true;
            break;
        }
        // One sweep: a rotation in every (p, q) plane, each zeroing m[p][q]. Later rotations undo
        // some of that, but the off-diagonal mass shrinks every time, quadratically near the end.
        for p in 0..n {
            for q in p + 1..n {
                if m[(p, q)] == 0.0 {
                    continue;
                }
                // Rotation angle from cot(2θ) = (a_qq - a_pp) / (2 a_pq); t = tan θ, the smaller
                // root, so the rotation is by at most 45° (numerically the stable choice).
                let theta = (m[(q, q)] - m[(p, p)]) / (2.0 * m[(p, q)]);
                let t = theta.signum() / (theta.abs() + theta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                let s = t * c;
                // M <- Jᵀ M J, touching only rows and columns p and q; V <- V J collects the J's.
                for k in 0..n {
                    let (mkp, mkq) = (m[(k, p)], m[(k, q)]);
                    m[(k, p)] = c * mkp - s * mkq;
                    m[(k, q)] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[(p, k)], m[(q, k)]);
                    m[(p, k)] = c * mpk - s * mqk;
                    m[(q, k)] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[(k, p)], v[(k, q)]);
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
                m[(p, q)] = 0.0;
                m[(q, p)] = 0.0;
            }
        }
    }
    if !converged {
        return Err(LinalgError::NoConvergence);
    }
    // The diagonal now holds the eigenvalues; sort them (and V's columns with them) descending.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[(j, j)].total_cmp(&m[(i, i)]));
    let values = order.iter().map(|&i| m[(i, i)]).collect();
    let mut vectors = Matrix::zeros(n, n);
    for (new, &old) in order.iter().enumerate() {
        for k in 0..n {
            vectors[(k, new)] = v[(k, old)];
        }
    }
    Ok((values, vectors))
}

/// A thin singular value decomposition `A = U diag(s) Vt`.
///
/// For an `m x n` matrix and `k = min(m, n)`: `U` is `m x k` with orthonormal columns, `s` holds
/// the `k` singular values in descending order, `Vt` is `k x n` with orthonormal rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd {
    pub u: Matrix,
    pub s: Vec<f64>,
    pub vt: Matrix,
}

/// Thin SVD by one-sided (Hestenes) Jacobi.
///
/// The trade-off: the shorter route, eigenvectors of `AᵀA`, squares the condition number
/// (`σ_i² ` are its eigenvalues), so a singular value `1e-8` times the largest drowns in rounding
/// error. One-sided Jacobi rotates the columns of `A` itself until they are mutually orthogonal,
/// never forms `AᵀA`, and keeps small singular values accurate to working precision.
pub fn svd(a: &Matrix) -> Result<Svd, LinalgError> {
    let (m, n) = a.shape();
    if m < n {
        // Work on the tall transpose: Aᵀ = U' S V'ᵀ gives A = V' S U'ᵀ.
        let t = svd(&transpose(a))?;
        return Ok(Svd { u: transpose(&t.vt), s: t.s, vt: transpose(&t.u) });
    }
    // Now m >= n, k = n. w[j] is column j of A (as a vector), v[j] column j of V: A V = W. A is
    // scaled to entries below 2 first (exactly: a power of two), and s scaled back at the end:
    // α β below is a product of two squared column norms, which overflows for entries of 1e80 and
    // underflows for entries of 1e-85.
    let scale = binary_scale(a.as_slice());
    let mut w: Vec<Vec<f64>> = (0..n).map(|j| scaled(&a.col(j), scale)).collect();
    let identity = Matrix::identity(n);
    let mut v: Vec<Vec<f64>> = (0..n).map(|j| identity.col(j)).collect();
    let mut converged = false;
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let alpha = dot(&w[p], &w[p]);
                let beta = dot(&w[q], &w[q]);
                let gamma = dot(&w[p], &w[q]);
                // Orthogonal enough relative to the columns' own lengths: leave the pair alone.
                if gamma.abs() <= f64::EPSILON * alpha.sqrt() * beta.sqrt() {
                    continue;
                }
                rotated = true;
                // The rotation that makes columns p and q orthogonal (the same t as in Jacobi's
                // eigenvalue method applied to the 2x2 block [[α, γ], [γ, β]] of AᵀA).
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + zeta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                let s = c * t;
                for cols in [&mut w, &mut v] {
                    for k in 0..cols[p].len() {
                        let (xp, xq) = (cols[p][k], cols[q][k]);
                        cols[p][k] = c * xp - s * xq;
                        cols[q][k] = s * xp + c * xq;
                    }
                }
            }
        }
        if !rotated {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(LinalgError::NoConvergence);
    }
    // W = U diag(s): the column lengths are the singular values, the directions are U's columns.
    let mut order: Vec<usize> = (0..n).collect();
    let lengths: Vec<f64> = w.iter().map(|c| norm2(c)).collect();
    order.sort_by(|&i, &j| lengths[j].total_cmp(&lengths[i]));
    let mut u = Matrix::zeros(m, n);
    let mut vt = Matrix::zeros(n, n);
    let mut s = Vec::with_capacity(n);
    let mut zero_columns = Vec::new();
    for (new, &old) in order.iter().enumerate() {
        let sigma = lengths[old];
        s.push(sigma * scale);
        vt.row_mut(new).copy_from_slice(&v[old]);
        if sigma == 0.0 {
            zero_columns.push(new); // no direction to normalise: filled in below
            continue;
        }
        for k in 0..m {
            u[(k, new)] = w[old][k] / sigma;
        }
    }
    complete_orthonormal_columns(&mut u, &zero_columns);
    Ok(Svd { u, s, vt })
}

/// Fills the listed (zero) columns of `u` with unit vectors orthogonal to every other column,
/// by Gram-Schmidt on the standard basis. Only rank-deficient inputs need this: a zero singular
/// value leaves its column of `U` free, as long as `U` stays orthonormal.
fn complete_orthonormal_columns(u: &mut Matrix, zero_columns: &[usize]) {
    let m = u.rows();
    let mut candidate = 0;
    for &j in zero_columns {
        while candidate < m {
            let mut e = vec![0.0; m];
            e[candidate] = 1.0;
            candidate += 1;
            for _ in 0..2 {
                // twice, for orthogonality to working precision
                for c in 0..u.cols() {
                    let col = u.col(c);
                    let proj = dot(&col, &e);
                    e.iter_mut().zip(&col).for_each(|(x, y)| *x -= proj * y);
                }
            }
            let len = norm2(&e);
            if len > 0.5 {
                for (k, x) in e.iter().enumerate() {
                    u[(k, j)] = x / len;
                }
                break;
            }
        }
    }
}

/// Best rank-`k` approximation (Eckart–Young): `A_k = Σ_{i<k} σ_i u_i v_iᵀ`.
pub fn low_rank_approx(a: &Matrix, k: usize) -> Result<Matrix, LinalgError> {
    let (m, n) = a.shape();
    let max = m.min(n);
    if k > max {
        return Err(LinalgError::RankTooLarge { k, max });
    }
    let Svd { u, s, vt } = svd(a)?;
    // Keep the k largest singular values. What is dropped is the error: σ_k in the 2-norm,
    // sqrt(Σ_{i>=k} σ_i²) in the Frobenius norm, and no rank-k matrix does better.
    let mut approx = Matrix::zeros(m, n);
    for (r, &sigma) in s.iter().enumerate().take(k) {
        for i in 0..m {
            let scale = sigma * u[(i, r)];
            for (x, y) in approx.row_mut(i).iter_mut().zip(vt.row(r)) {
                *x += scale * y;
            }
        }
    }
    Ok(approx)
}

// Each reference file is a drop-in replacement for the student's file of the same name, so it
// carries its own copy of this helper rather than a module students do not have.
/// The power of two at or just below `max |x_i|` (1 when the maximum is 0 or not finite).
///
/// Dividing by a power of two is exact, so `x / scale` holds the same digits with entries of
/// magnitude below 2. Squares and products of squares of the scaled entries can then neither
/// overflow (1e80⁴ already does) nor underflow (1e-85⁴ does); anything that does not change
/// when its input is scaled (a cosine, a correlation, a t statistic, the U and V of an SVD) is
/// computed on the scaled input.
fn binary_scale<'a>(x: impl IntoIterator<Item = &'a f64>) -> f64 {
    let max = x.into_iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        return 1.0;
    }
    let exponent = (max.log2().floor() as i64).clamp(-1022, 1023);
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// `x / scale`, element by element.
fn scaled(x: &[f64], scale: f64) -> Vec<f64> {
    x.iter().map(|v| v / scale).collect()
}
