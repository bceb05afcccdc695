//! Hidden suites for `stage1::linalg`.

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::suite::{context, Case, Check, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite {
            id: "stage1.linalg.dot",
            cases: dot_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.linalg.matmul",
            cases: matmul_cases,
            check: Check::AllClose,
            speed_input: Some(matmul_speed),
            baseline: None,
        },
        ExerciseSuite::plain("stage1.linalg.norms", norms_cases),
        ExerciseSuite::plain("stage1.linalg.cosine", cosine_cases),
        ExerciseSuite::plain("stage1.linalg.transpose", transpose_cases),
        ExerciseSuite::plain("stage1.linalg.inverse", inverse_cases),
        ExerciseSuite::custom("stage1.linalg.lu", lu_cases, check_lu),
        ExerciseSuite::plain("stage1.linalg.solve", solve_cases),
        ExerciseSuite::custom("stage1.linalg.power_iteration", power_iteration_cases, check_power_iteration),
        ExerciseSuite::custom("stage1.linalg.symmetric_eigen", symmetric_eigen_cases, check_symmetric_eigen),
        ExerciseSuite::custom("stage1.linalg.svd", svd_cases, check_svd),
        ExerciseSuite::plain("stage1.linalg.low_rank", low_rank_cases),
    ]
}

fn pair(a: Value, b: Value) -> Value {
    Value::List(vec![a, b])
}

fn dot_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("empty vectors", pair(Value::Floats(vec![]), Value::Floats(vec![]))),
        Case::new("length 1", pair(g.floats(1, -5.0, 5.0).into(), g.floats(1, -5.0, 5.0).into())),
    ];
    for n in [3, 17, 1000] {
        cases.push(Case::new(
            format!("random length {n}"),
            pair(g.floats(n, -1.0, 1.0).into(), g.floats(n, -1.0, 1.0).into()),
        ));
    }
    let a = g.floats(8, -1.0, 1.0);
    let b: Vec<f64> = a.iter().map(|x| x * 1e6).collect();
    cases.push(Case::new("large magnitudes", pair(a.into(), b.into())));
    cases
}

fn matmul_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, m, p) in [(1, 1, 1), (2, 3, 4), (7, 5, 3), (16, 16, 16), (33, 17, 65)] {
        cases.push(Case::new(format!("random {n}x{m} times {m}x{p}"), pair(g.matrix(n, m), g.matrix(m, p))));
    }
    cases.push(Case::new("identity times random 4x4", pair(Value::matrix(4, 4, identity(4)), g.matrix(4, 4))));
    cases.push(Case::new("0x3 times 3x2 (empty result)", pair(g.matrix(0, 3), g.matrix(3, 2))));
    cases.push(Case::new("2x0 times 0x3 (zeros)", pair(g.matrix(2, 0), g.matrix(0, 3))));
    cases.push(Case::new("shape mismatch 2x3 times 2x3", pair(g.matrix(2, 3), g.matrix(2, 3))));
    cases
}

fn matmul_speed(g: &mut Gen) -> Case {
    Case::new("random 512x512 times 512x512", pair(g.matrix(512, 512), g.matrix(512, 512)))
}

fn identity(n: usize) -> Vec<f64> {
    (0..n * n).map(|i| if i / n == i % n { 1.0 } else { 0.0 }).collect()
}

// ---------------------------------------------------------------------------------------------
// Input generators shared by the exercises below.

/// `Σ_i s_i x_i y_iᵀ` as an `m x n` matrix (each `x_i` of length `m`, each `y_i` of length `n`).
fn sum_of_outer(s: &[f64], x: &[Vec<f64>], y: &[Vec<f64>], m: usize, n: usize) -> Vec<f64> {
    let mut a = vec![0.0; m * n];
    for ((si, xi), yi) in s.iter().zip(x).zip(y) {
        for i in 0..m {
            for j in 0..n {
                a[i * n + j] += si * xi[i] * yi[j];
            }
        }
    }
    a
}

/// A symmetric `n x n` matrix `Q diag(λ) Qᵀ`: the given eigenvalues, a random orthogonal `Q`.
fn symmetric_with_eigenvalues(g: &mut Gen, lambda: &[f64]) -> Value {
    let n = lambda.len();
    let q = g.orthonormal(n, n);
    let mut a = sum_of_outer(lambda, &q, &q, n, n);
    // Exactly symmetric, not just up to rounding.
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = mean;
            a[j * n + i] = mean;
        }
    }
    Value::matrix(n, n, a)
}

/// An `m x n` matrix `U diag(s) Vᵀ` with the given singular values (`s.len() <= min(m, n)`).
fn with_singular_values(g: &mut Gen, m: usize, n: usize, s: &[f64]) -> Value {
    let u = g.orthonormal(m, s.len());
    let v = g.orthonormal(n, s.len());
    Value::matrix(m, n, sum_of_outer(s, &u, &v, m, n))
}

/// `k` distinct values in `(lo, hi]`, descending, neighbours at least `(hi - lo) / 2k` apart:
/// clear gaps make eigenvectors, singular vectors and rank-k truncations unique and stable.
fn distinct_descending(g: &mut Gen, k: usize, lo: f64, hi: f64) -> Vec<f64> {
    let step = (hi - lo) / k as f64;
    (0..k).map(|i| hi - step * (i as f64 + g.float(0.0, 0.5))).collect()
}

/// A random `n x n` matrix with entries in `[-1, 1)` plus `n` on the diagonal: strictly
/// diagonally dominant, hence invertible with condition number of a few units.
fn diagonally_dominant(g: &mut Gen, n: usize) -> Value {
    let mut a = g.floats(n * n, -1.0, 1.0);
    for i in 0..n {
        a[i * n + i] += if g.float(0.0, 1.0) < 0.5 { -(n as f64) } else { n as f64 };
    }
    Value::matrix(n, n, a)
}

/// A `n x n` matrix whose row 0 repeats row 1 exactly (after the rest is random).
fn repeated_row(g: &mut Gen, n: usize) -> Value {
    let mut a = g.floats(n * n, -1.0, 1.0);
    let (first, rest) = a.split_at_mut(n);
    first.copy_from_slice(&rest[..n]);
    Value::matrix(n, n, a)
}

/// The product of random `n x r` and `r x n` matrices (`r < n`): rank `r` exactly, but rounding
/// leaves its last pivots around `1e-16` instead of zero.
fn numerically_singular(g: &mut Gen, n: usize, r: usize) -> Value {
    let b = g.floats(n * r, -1.0, 1.0);
    let c = g.floats(r * n, -1.0, 1.0);
    Value::matrix(n, n, mat_mul((n, r, &b), (r, n, &c)))
}

/// A diagonally dominant matrix with a zero in the top-left corner: elimination without row
/// swaps would divide by it.
fn zero_corner(g: &mut Gen, n: usize) -> Value {
    let Value::Matrix { rows, cols, mut data } = diagonally_dominant(g, n) else { unreachable!() };
    data[0] = 0.0;
    Value::matrix(rows, cols, data)
}

fn scaled(v: Value, factor: f64) -> Value {
    let Value::Matrix { rows, cols, data } = v else { unreachable!() };
    Value::matrix(rows, cols, data.iter().map(|x| x * factor).collect())
}

// ---------------------------------------------------------------------------------------------
// Case lists.

fn norms_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("empty vector", Value::Floats(vec![])),
        Case::new("length 1, negative", Value::Floats(vec![-g.float(0.5, 5.0)])),
        Case::new("3-4-5 triangle", Value::Floats(vec![3.0, -4.0])),
        Case::new("zero vector", Value::Floats(vec![0.0; 4])),
    ];
    for n in [5, 64] {
        cases.push(Case::new(format!("random length {n}"), Value::Floats(g.floats(n, -10.0, 10.0))));
    }
    let huge: Vec<f64> = g.floats(6, -1.0, 1.0).iter().map(|x| x * 1e200).collect();
    cases.push(Case::new("huge entries (~1e200: squares overflow)", Value::Floats(huge)));
    cases
}

fn cosine_cases(g: &mut Gen) -> Vec<Case> {
    let a = g.floats(6, -1.0, 1.0);
    let parallel: Vec<f64> = a.iter().map(|x| 2.5 * x).collect();
    let opposite: Vec<f64> = a.iter().map(|x| -0.3 * x).collect();
    // c minus its projection on a: orthogonal to a.
    let c = g.floats(6, -1.0, 1.0);
    let proj = c.iter().zip(&a).map(|(x, y)| x * y).sum::<f64>() / a.iter().map(|x| x * x).sum::<f64>();
    let orthogonal: Vec<f64> = c.iter().zip(&a).map(|(x, y)| x - proj * y).collect();
    let mut cases = Vec::new();
    for n in [3, 50] {
        cases.push(Case::new(
            format!("random length {n}"),
            pair(g.floats(n, -1.0, 1.0).into(), g.floats(n, -1.0, 1.0).into()),
        ));
    }
    cases.push(Case::new("parallel (same direction, other length)", pair(a.clone().into(), parallel.into())));
    cases.push(Case::new("opposite directions", pair(a.clone().into(), opposite.into())));
    cases.push(Case::new("orthogonal vectors", pair(a.clone().into(), orthogonal.into())));
    cases.push(Case::new("second vector all zeros", pair(a.into(), vec![0.0; 6].into())));
    cases.push(Case::new("empty vectors", pair(Value::Floats(vec![]), Value::Floats(vec![]))));
    // a · b overflows (1e155² > 1e308) or underflows (1e-170² < 5e-324) unless the vectors are
    // scaled first; numpy's answer is the cosine of the unscaled vectors.
    for (scale, what) in [(1e155, "entries of order 1e155"), (1e-170, "entries of order 1e-170")] {
        let (x, y) = (g.floats(8, -1.0, 1.0), g.floats(8, -1.0, 1.0));
        cases.push(Case::new(
            format!("random length 8, {what}"),
            pair(times(&x, scale).into(), times(&y, scale).into()),
        ));
    }
    cases
}

/// `x` times `c`, element by element.
fn times(x: &[f64], c: f64) -> Vec<f64> {
    x.iter().map(|v| v * c).collect()
}

/// A matrix value with every entry times `c`.
fn scaled_matrix(a: Value, c: f64) -> Value {
    let (m, n, data) = matrix_of(&a);
    Value::matrix(m, n, times(data, c))
}

fn transpose_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (r, c) in [(1, 1), (3, 3), (2, 5), (7, 4), (1, 6), (6, 1)] {
        cases.push(Case::new(format!("random {r}x{c}"), g.matrix(r, c)));
    }
    cases.push(Case::new("0x3 (empty)", g.matrix(0, 3)));
    cases
}

fn inverse_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [1, 2, 3, 5, 8] {
        cases.push(Case::new(format!("random well-conditioned {n}x{n}"), diagonally_dominant(g, n)));
    }
    // A permutation matrix with zeros all along the diagonal: pivoting is unavoidable.
    let mut perm = vec![0.0; 16];
    for (i, j) in [(0, 2), (1, 0), (2, 3), (3, 1)] {
        perm[i * 4 + j] = 1.0;
    }
    cases.push(Case::new("4x4 permutation (zero diagonal, needs pivoting)", Value::matrix(4, 4, perm)));
    cases.push(Case::new("5x5 with a zero top-left pivot", zero_corner(g, 5)));
    cases.push(Case::new("well-conditioned 4x4 scaled by 1e-14", scaled(diagonally_dominant(g, 4), 1e-14)));
    cases.push(Case::new("singular 3x3 (repeated row)", repeated_row(g, 3)));
    cases.push(Case::new("numerically singular 5x5 (rank 4, rounding noise)", numerically_singular(g, 5, 4)));
    cases.push(Case::new("all-zero 2x2", Value::matrix(2, 2, vec![0.0; 4])));
    cases.push(Case::new("0x0 (empty)", g.matrix(0, 0)));
    cases.push(Case::new("non-square 2x3", g.matrix(2, 3)));
    cases
}

fn lu_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    // Plain random matrices (not diagonally dominant) so that pivoting actually reorders rows.
    for n in [1, 2, 4, 7, 10] {
        cases.push(Case::new(format!("random {n}x{n}"), g.matrix(n, n)));
    }
    cases.push(Case::new("diagonally dominant 6x6 (no row swaps)", diagonally_dominant(g, 6)));
    cases.push(Case::new("5x5 with a zero top-left pivot", zero_corner(g, 5)));
    cases.push(Case::new("singular 3x3 (repeated row)", repeated_row(g, 3)));
    cases.push(Case::new("numerically singular 6x6 (rank 5, rounding noise)", numerically_singular(g, 6, 5)));
    cases.push(Case::new("0x0 (empty)", g.matrix(0, 0)));
    cases.push(Case::new("non-square 3x4", g.matrix(3, 4)));
    cases
}

fn solve_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [1, 3, 6, 10] {
        let a = diagonally_dominant(g, n);
        cases.push(Case::new(format!("well-conditioned {n}x{n}"), pair(a, g.floats(n, -5.0, 5.0).into())));
    }
    cases.push(Case::new("random 6x6", pair(g.matrix(6, 6), g.floats(6, -1.0, 1.0).into())));
    cases.push(Case::new("4x4 with a zero top-left pivot", pair(zero_corner(g, 4), g.floats(4, -1.0, 1.0).into())));
    cases.push(Case::new("zero right-hand side", pair(diagonally_dominant(g, 5), vec![0.0; 5].into())));
    cases.push(Case::new("singular 3x3 (repeated row)", pair(repeated_row(g, 3), g.floats(3, -1.0, 1.0).into())));
    cases.push(Case::new(
        "numerically singular 5x5 (rank 4)",
        pair(numerically_singular(g, 5, 4), g.floats(5, -1.0, 1.0).into()),
    ));
    cases.push(Case::new(
        "b of length 3 for a 4x4 matrix",
        pair(diagonally_dominant(g, 4), g.floats(3, -1.0, 1.0).into()),
    ));
    cases.push(Case::new("non-square 3x2", pair(g.matrix(3, 2), g.floats(3, -1.0, 1.0).into())));
    cases
}

fn power_iteration_cases(g: &mut Gen) -> Vec<Case> {
    let input = |a: Value, max_iter: usize, tol: f64| Value::List(vec![a, max_iter.into(), tol.into()]);
    let mut cases = Vec::new();
    for n in [2, 4, 8, 12] {
        // Dominant eigenvalue 4..6, all others in [-2, 2]: |λ₂/λ₁| <= 0.5, a few dozen steps.
        let mut lambda = vec![g.float(4.0, 6.0)];
        lambda.extend(g.floats(n - 1, -2.0, 2.0));
        let a = symmetric_with_eigenvalues(g, &lambda);
        cases.push(Case::new(format!("symmetric {n}x{n}, clear dominant eigenvalue"), input(a, 1000, 1e-10)));
    }
    let mut lambda = vec![-g.float(4.0, 6.0)];
    lambda.extend(g.floats(5, -2.0, 2.0));
    let a = symmetric_with_eigenvalues(g, &lambda);
    cases.push(Case::new("symmetric 6x6, negative dominant eigenvalue", input(a, 1000, 1e-10)));
    cases.push(Case::new("1x1", input(Value::matrix(1, 1, vec![-g.float(1.0, 3.0)]), 10, 1e-10)));
    // |λ₂/λ₁| = 0.97: 5 steps leave a residual around 0.1, nowhere near 1e-12.
    let a = symmetric_with_eigenvalues(g, &[3.0, 2.91, 1.0, 0.5]);
    cases.push(Case::new("budget too small (5 steps, eigenvalue ratio 0.97)", input(a, 5, 1e-12)));
    // All ones is an eigenvector of [[2, -1], [-1, 2]] for λ = 1; the dominant one is 3.
    let laplacian = Value::matrix(2, 2, vec![2.0, -1.0, -1.0, 2.0]);
    cases.push(Case::new(
        "[[2, -1], [-1, 2]]: equal row sums (all ones is an eigenvector, not the dominant one)",
        input(laplacian, 1000, 1e-10),
    ));
    // tol is relative to |λ|: an absolute 1e-10 is out of reach of rounding at norm 1e100.
    for (scale, what) in [(1e100, "entries of order 1e100"), (1e-100, "entries of order 1e-100")] {
        let mut lambda = vec![g.float(4.0, 6.0)];
        lambda.extend(g.floats(4, -2.0, 2.0));
        let a = scaled_matrix(symmetric_with_eigenvalues(g, &lambda), scale);
        cases.push(Case::new(format!("symmetric 5x5, {what}"), input(a, 1000, 1e-10)));
    }
    cases.push(Case::new("non-square 3x4", input(g.matrix(3, 4), 100, 1e-10)));
    cases
}

fn symmetric_eigen_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    cases.push(Case::new("1x1", Value::matrix(1, 1, vec![g.float(-3.0, 3.0)])));
    for n in [2, 3, 6, 10, 12] {
        let lambda = distinct_descending(g, n, -4.0, 5.0);
        cases.push(Case::new(
            format!("symmetric {n}x{n}, distinct eigenvalues"),
            symmetric_with_eigenvalues(g, &lambda),
        ));
    }
    let d = g.floats(4, -3.0, 3.0);
    let diag: Vec<f64> = (0..16).map(|i| if i % 5 == 0 { d[i / 5] } else { 0.0 }).collect();
    cases.push(Case::new("already diagonal 4x4 (unsorted)", Value::matrix(4, 4, diag)));
    let a = symmetric_with_eigenvalues(g, &[3.0, 1.0, 1.0, 1.0, -2.0]);
    cases.push(Case::new("5x5 with a triple eigenvalue", a));
    cases.push(Case::new("non-square 2x3", g.matrix(2, 3)));
    cases
}

fn svd_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (m, n) in [(6, 4), (3, 7), (5, 5), (12, 8)] {
        let s = distinct_descending(g, m.min(n), 0.5, 5.0);
        cases.push(Case::new(format!("{m}x{n}, distinct singular values"), with_singular_values(g, m, n, &s)));
    }
    cases.push(Case::new("random 10x6", g.matrix(10, 6)));
    cases.push(Case::new("1x1 negative", Value::matrix(1, 1, vec![-g.float(0.5, 3.0)])));
    cases.push(Case::new("row vector 1x5", g.matrix(1, 5)));
    cases.push(Case::new("column vector 4x1", g.matrix(4, 1)));
    // Rank-deficient: U's columns for the zero singular values must still be completed to an
    // orthonormal set (a Gram-Schmidt that skips them leaves zero columns).
    let s = distinct_descending(g, 2, 0.5, 5.0);
    cases.push(Case::new("6x4 of rank 2 (two zero singular values)", with_singular_values(g, 6, 4, &s)));
    cases.push(Case::new("4x4 zero matrix", Value::matrix(4, 4, vec![0.0; 16])));
    // Products of squared column norms overflow at 1e80 and underflow at 1e-85 unless A is
    // scaled first.
    for (scale, what) in [(1e100, "entries of order 1e100"), (1e-100, "entries of order 1e-100")] {
        let s = distinct_descending(g, 4, 0.5, 5.0);
        cases.push(Case::new(format!("6x4, {what}"), scaled_matrix(with_singular_values(g, 6, 4, &s), scale)));
    }
    cases
}

fn low_rank_cases(g: &mut Gen) -> Vec<Case> {
    let input = |a: Value, k: usize| Value::List(vec![a, k.into()]);
    let mut cases = Vec::new();
    for (m, n, k) in [(6, 5, 2), (4, 7, 1), (8, 8, 3), (10, 6, 4)] {
        let s = distinct_descending(g, m.min(n), 0.5, 5.0);
        cases.push(Case::new(format!("{m}x{n}, rank {k}"), input(with_singular_values(g, m, n, &s), k)));
    }
    let s = distinct_descending(g, 4, 0.5, 5.0);
    cases.push(Case::new("5x4, full rank 4 (gives A back)", input(with_singular_values(g, 5, 4, &s), 4)));
    cases.push(Case::new("3x3, rank 0 (the zero matrix)", input(g.matrix(3, 3), 0)));
    let s = distinct_descending(g, 5, 0.5, 5.0);
    cases.push(Case::new(
        "7x5, rank 2, entries of order 1e100",
        input(scaled_matrix(with_singular_values(g, 7, 5, &s), 1e100), 2),
    ));
    cases.push(Case::new("4x3, rank 4 (too large)", input(g.matrix(4, 3), 4)));
    cases
}

// ---------------------------------------------------------------------------------------------
// Custom checks: decompositions are not unique (signs, bases of eigenspaces), so they are judged
// by the properties that define them, and against the reference only where it is unique.

/// Flat row-major product of `(rows, cols, data)` matrices.
fn mat_mul(a: (usize, usize, &[f64]), b: (usize, usize, &[f64])) -> Vec<f64> {
    let ((n, m, a), (_, p, b)) = (a, b);
    let mut c = vec![0.0; n * p];
    for i in 0..n {
        for k in 0..m {
            for j in 0..p {
                c[i * p + j] += a[i * m + k] * b[k * p + j];
            }
        }
    }
    c
}

/// Flat row-major transpose.
fn transposed(r: usize, c: usize, a: &[f64]) -> Vec<f64> {
    (0..c * r).map(|t| a[(t % r) * c + t / r]).collect()
}

/// When either side is an error, the ordinary comparison (error variants by name) decides.
fn either_error(ctx: &CheckCtx) -> Option<Result<(), Failure>> {
    match (ctx.expected, ctx.got) {
        (Value::Error(_), _) | (_, Value::Error(_)) => Some(compare::values(ctx.expected, ctx.got, ctx.tol)),
        _ => None,
    }
}

/// The parts of a tuple output, checked against the kinds the reference returned.
fn parts<'a>(ctx: &CheckCtx<'a>, what: &str) -> Result<&'a [Value], Failure> {
    let shape_of = |v: &Value| -> String {
        match v {
            Value::Matrix { rows, cols, .. } => format!("a {rows}x{cols} matrix"),
            Value::Floats(x) => format!("a vector of length {}", x.len()),
            Value::Ints(x) => format!("an integer vector of length {}", x.len()),
            other => other.kind().to_string(),
        }
    };
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return Err(Failure::plain(format!("expected {what}, got {}", ctx.got.kind())));
    };
    if e.len() != g.len() {
        return Err(Failure::plain(format!("expected {what} ({} parts), got a tuple of {}", e.len(), g.len())));
    }
    for (i, (e, g)) in e.iter().zip(g).enumerate() {
        let same = match (e, g) {
            (Value::Matrix { rows: a, cols: b, .. }, Value::Matrix { rows: c, cols: d, .. }) => (a, b) == (c, d),
            (Value::Floats(a), Value::Floats(b)) => a.len() == b.len(),
            (Value::Ints(a), Value::Ints(b)) => a.len() == b.len(),
            (Value::Float(_), Value::Float(_)) => true,
            _ => false,
        };
        if !same {
            return Err(Failure::plain(format!("{what}: part {i} should be {}, got {}", shape_of(e), shape_of(g))));
        }
    }
    Ok(g)
}

fn matrix_of(v: &Value) -> (usize, usize, &[f64]) {
    // Only called on values `parts` or the suite itself has shown to be matrices.
    v.matrix_parts()
}

fn check_lu(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = either_error(ctx) {
        return r;
    }
    let got = parts(ctx, "Lu { l, u, perm }")?;
    let (n, _, a) = matrix_of(ctx.input);
    let (_, _, l) = matrix_of(&got[0]);
    let (_, _, u) = matrix_of(&got[1]);
    let perm = got[2].ints();
    let mut seen = vec![false; n];
    for &p in perm {
        match usize::try_from(p) {
            Ok(p) if p < n && !seen[p] => seen[p] = true,
            _ => return Err(Failure::plain(format!("perm {perm:?} is not a permutation of 0..{n}"))),
        }
    }
    let unit_lower: Vec<f64> = (0..n * n)
        .map(|t| match (t / n).cmp(&(t % n)) {
            std::cmp::Ordering::Greater => l[t],
            std::cmp::Ordering::Equal => 1.0,
            std::cmp::Ordering::Less => 0.0,
        })
        .collect();
    context("L must be unit lower-triangular", compare::floats(".l", &[n, n], &unit_lower, l, ctx.tol))?;
    let upper: Vec<f64> = (0..n * n).map(|t| if t / n > t % n { 0.0 } else { u[t] }).collect();
    context("U must be upper-triangular", compare::floats(".u", &[n, n], &upper, u, ctx.tol))?;
    let pa: Vec<f64> = perm.iter().flat_map(|&p| a[p as usize * n..(p as usize + 1) * n].iter().copied()).collect();
    let lu = mat_mul((n, n, l), (n, n, u));
    context(
        "P A != L U (row i of P A is row perm[i] of A); showing P A as expected, L U as got",
        compare::floats("", &[n, n], &pa, &lu, ctx.tol),
    )?;
    context(
        "a valid P A = L U, but not the one partial pivoting gives (pivot: the largest |u_ik| \
         among rows i >= k, the first on ties)",
        compare::values(ctx.expected, ctx.got, ctx.tol),
    )
}

fn check_power_iteration(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = either_error(ctx) {
        return r;
    }
    let got = parts(ctx, "(eigenvalue, eigenvector)")?;
    let (n, _, a) = matrix_of(ctx.input.at(0));
    let (lambda, v) = (got[0].float(), got[1].floats());
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    context("the eigenvector must have unit length; its norm", compare::floats("", &[], &[1.0], &[norm], ctx.tol))?;
    let av = mat_mul((n, n, a), (n, 1, v));
    let lv: Vec<f64> = v.iter().map(|x| lambda * x).collect();
    context("A v != λ v; showing λ v as expected, A v as got", compare::floats("", &[n], &lv, &av, ctx.tol))?;
    let expected = ctx.expected.list();
    context(
        "not the dominant eigenvalue (largest |λ|)",
        compare::floats(".0", &[], &[expected[0].float()], &[lambda], ctx.tol),
    )?;
    let ve = expected[1].floats();
    let sign = if ve.iter().zip(v).map(|(x, y)| x * y).sum::<f64>() < 0.0 { -1.0 } else { 1.0 };
    let aligned: Vec<f64> = v.iter().map(|x| sign * x).collect();
    context("eigenvector (compared up to sign)", compare::floats(".1", &[n], ve, &aligned, ctx.tol))
}

fn check_symmetric_eigen(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = either_error(ctx) {
        return r;
    }
    let got = parts(ctx, "(eigenvalues, eigenvectors)")?;
    let (n, _, a) = matrix_of(ctx.input);
    let values = got[0].floats();
    let (_, _, v) = matrix_of(&got[1]);
    context(
        "eigenvalues (sorted in descending order)",
        compare::floats(".0", &[n], ctx.expected.at(0).floats(), values, ctx.tol),
    )?;
    let av = mat_mul((n, n, a), (n, n, v));
    let v_lambda: Vec<f64> = (0..n * n).map(|t| v[t] * values[t % n]).collect();
    context(
        "A V != V diag(eigenvalues): column j of V must be an eigenvector for eigenvalue j; \
         showing V diag(eigenvalues) as expected, A V as got",
        compare::floats(".1", &[n, n], &v_lambda, &av, ctx.tol),
    )?;
    let vtv = mat_mul((n, n, &transposed(n, n, v)), (n, n, v));
    context("the columns of V are not orthonormal: Vᵀ V", compare::floats(".1", &[n, n], &identity(n), &vtv, ctx.tol))
}

fn check_svd(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = either_error(ctx) {
        return r;
    }
    let got = parts(ctx, "Svd { u, s, vt }")?;
    let (m, n, a) = matrix_of(ctx.input);
    let k = m.min(n);
    let (_, _, u) = matrix_of(&got[0]);
    let s = got[1].floats();
    let (_, _, vt) = matrix_of(&got[2]);
    context(
        "singular values (sorted in descending order)",
        compare::floats(".s", &[k], ctx.expected.at(1).floats(), s, ctx.tol),
    )?;
    let us: Vec<f64> = (0..m * k).map(|t| u[t] * s[t % k]).collect();
    let usvt = mat_mul((m, k, &us), (k, n, vt));
    context(
        "U diag(s) Vt does not reproduce A; showing A as expected, U diag(s) Vt as got",
        compare::floats("", &[m, n], a, &usvt, ctx.tol),
    )?;
    let utu = mat_mul((k, m, &transposed(m, k, u)), (m, k, u));
    context("the columns of U are not orthonormal: Uᵀ U", compare::floats(".u", &[k, k], &identity(k), &utu, ctx.tol))?;
    let vvt = mat_mul((k, n, vt), (n, k, &transposed(k, n, vt)));
    context("the rows of Vt are not orthonormal: Vt Vtᵀ", compare::floats(".vt", &[k, k], &identity(k), &vvt, ctx.tol))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cond₂(A) = σ_max / σ_min` (infinite for a singular matrix), by nalgebra.
    fn cond(v: &Value) -> f64 {
        let (m, n, data) = matrix_of(v);
        let s = nalgebra::DMatrix::from_row_slice(m, n, data).singular_values();
        if s.min() == 0.0 {
            f64::INFINITY
        } else {
            s.max() / s.min()
        }
    }

    /// Two correct inverses or solutions (Gauss–Jordan, LU, QR, any pivoting) differ by up to
    /// about `cond(A) · 1e-16` relative. With `rtol = 1e-7`, a case that expects an answer must
    /// keep `cond(A)` far below 1e9, and one that expects `Singular` must be singular beyond
    /// doubt (cond above 1e15, where no method's pivot or residual is meaningful): no case may
    /// sit in between, where one correct method answers and another refuses.
    #[test]
    fn inverse_and_solve_cases_leave_no_doubt_about_the_answer() {
        let mut worst = 0.0f64;
        for id in ["stage1.linalg.inverse", "stage1.linalg.solve"] {
            let suite = suites().into_iter().find(|s| s.id == id).expect("suite");
            for seed in 1..=50 {
                for case in (suite.cases)(&mut Gen::new(seed, id)) {
                    let a = if id.ends_with("solve") { case.input.at(0) } else { &case.input };
                    let (m, n, _) = matrix_of(a);
                    if m != n || n == 0 {
                        continue;
                    }
                    let c = cond(a);
                    if case.label.contains("singular") || case.label.contains("all-zero") {
                        assert!(c > 1e15, "{id}, seed {seed}, {}: cond {c:e} is not beyond doubt", case.label);
                    } else {
                        assert!(c < 1e6, "{id}, seed {seed}, {}: cond {c:e} is too large for rtol 1e-7", case.label);
                        worst = worst.max(c);
                    }
                }
            }
        }
        println!("largest condition number of a case that expects an answer: {worst:.3e}");
    }
}
