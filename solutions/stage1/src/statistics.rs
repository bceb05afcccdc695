//! Weeks 5-6 — statistics: describing data, testing hypotheses, and a first look at real data.
//!
//! Reference solutions. Study-plan topics: `s1.stats.descriptive`, `s1.stats.tests`,
//! `s1.stats.practice`.

// `super::matrix` is `crate::matrix` here; written this way so the grader's own tests can compile
// this file next to `matrix.rs` and check its numbers against an independent library.
use super::matrix::Matrix;

/// Why a statistics routine refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum StatsError {
    /// There are no values at all.
    Empty,
    /// The statistic needs at least `needed` values and got `got`.
    TooFewValues { needed: usize, got: usize },
    /// An input value is NaN.
    NotANumber,
    /// Two inputs that must have the same length do not.
    LengthMismatch { left: usize, right: usize },
    /// The statistic divides by a spread that is zero (a constant sample or column).
    ZeroVariance,
    /// A parameter is outside the function's domain (`ln_gamma(0)`, `x > 1` in the beta...).
    InvalidParameter,
    /// A contingency table with fewer than 2 rows or 2 columns.
    TableTooSmall { rows: usize, cols: usize },
    /// A contingency table holds a negative count.
    NegativeCount,
    /// A row or column of a contingency table sums to zero.
    ZeroTotal,
    /// A group label is not below the number of groups.
    GroupOutOfRange { index: usize, n_groups: usize },
    /// A group has no members, so it has no mean.
    EmptyGroup { group: usize },
    /// A series or continued fraction did not converge within its iteration budget.
    NoConvergence,
}

/// Mean, median, spread and range of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub median: f64,
    /// Sample variance, divided by `n - 1`; `0.0` for a single value.
    pub variance: f64,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
}

/// Result of Welch's two-sample t-test.
#[derive(Debug, Clone, PartialEq)]
pub struct TTest {
    pub t: f64,
    pub df: f64,
    pub p_value: f64,
}

/// Result of Pearson's chi-square test of independence.
#[derive(Debug, Clone, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub dof: usize,
    pub p_value: f64,
}

/// `Err(NotANumber)` if any value is NaN.
fn reject_nan(x: &[f64]) -> Result<(), StatsError> {
    if x.iter().any(|v| v.is_nan()) {
        return Err(StatsError::NotANumber);
    }
    Ok(())
}

/// Mean and sum of squared deviations, in two passes.
///
/// The textbook shortcut `Σx² - n·mean²` subtracts two huge, nearly equal numbers when the data
/// sit far from zero (1e9 + noise): every significant digit cancels. Subtracting the mean first
/// keeps the numbers small, so their squares keep their digits.
fn mean_and_ss(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let ss = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, ss)
}

/// Descriptive statistics of a sample.
pub fn describe(x: &[f64]) -> Result<Summary, StatsError> {
    if x.is_empty() {
        return Err(StatsError::Empty);
    }
    reject_nan(x)?;
    let n = x.len();
    let (mean, ss) = mean_and_ss(x);
    // One value has no spread to estimate; we report 0 rather than divide by zero.
    let variance = if n > 1 { ss / (n - 1) as f64 } else { 0.0 };

    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp); // no NaN here, so this is the usual order
    let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
    Ok(Summary { mean, median, variance, std_dev: variance.sqrt(), min: sorted[0], max: sorted[n - 1] })
}

/// `ln Γ(x)` for `x > 0`, by the Lanczos approximation (g = 7, 9 coefficients).
///
/// Γ itself overflows an `f64` past x ≈ 171.6; its logarithm does not, and everything downstream
/// (beta functions, binomial coefficients) only ever needs ratios of gammas, i.e. differences of
/// their logarithms.
pub fn ln_gamma(x: f64) -> Result<f64, StatsError> {
    // `is_finite` is false for NaN as well as for the infinities.
    if !x.is_finite() || x <= 0.0 {
        return Err(StatsError::InvalidParameter);
    }
    Ok(lanczos_ln_gamma(x))
}

const LANCZOS_G: f64 = 7.0;
const LANCZOS_COEF: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

fn lanczos_ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection Γ(x) Γ(1-x) = π / sin(πx): the series is most accurate for x >= 1/2.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - lanczos_ln_gamma(1.0 - x);
    }
    let z = x - 1.0;
    let mut sum = LANCZOS_COEF[0];
    for (i, c) in LANCZOS_COEF.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + LANCZOS_G + 0.5;
    // Γ(z+1) = √(2π) t^(z+1/2) e^(-t) · sum, taken in logs.
    0.5 * (2.0 * std::f64::consts::PI).ln() + (z + 0.5) * t.ln() - t + sum.ln()
}

const MAX_ITER: usize = 10_000;
const EPS: f64 = 1e-15;
/// Stands in for zero in the modified Lentz algorithm, which would otherwise divide by it.
const TINY: f64 = 1e-300;

/// The regularized incomplete beta function `I_x(a, b)`.
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> Result<f64, StatsError> {
    // Every comparison with NaN is false, so NaN fails these checks too.
    let valid = a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() && (0.0..=1.0).contains(&x);
    if !valid {
        return Err(StatsError::InvalidParameter);
    }
    if x == 0.0 || x == 1.0 {
        return Ok(x);
    }
    // The front factor x^a (1-x)^b / (a B(a,b)), in logs; ln_1p keeps ln(1-x) exact for tiny x.
    let ln_front = lanczos_ln_gamma(a + b) - lanczos_ln_gamma(a) - lanczos_ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    let front = ln_front.exp();
    // The continued fraction converges fast only left of the mean (a+1)/(a+b+2); on the right,
    // use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        Ok(front * beta_continued_fraction(a, b, x)? / a)
    } else {
        Ok(1.0 - front * beta_continued_fraction(b, a, 1.0 - x)? / b)
    }
}

/// The continued fraction for `I_x(a, b)` (Numerical Recipes' `betacf`), by modified Lentz.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> Result<f64, StatsError> {
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step of the recurrence.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            return Ok(h);
        }
    }
    Err(StatsError::NoConvergence)
}

/// The regularized upper incomplete gamma function `Q(a, x) = Γ(a, x) / Γ(a)`.
pub fn regularized_gamma_q(a: f64, x: f64) -> Result<f64, StatsError> {
    let valid = a > 0.0 && a.is_finite() && x >= 0.0; // false for any NaN
    if !valid {
        return Err(StatsError::InvalidParameter);
    }
    if x == 0.0 {
        return Ok(1.0);
    }
    if x.is_infinite() {
        return Ok(0.0);
    }
    // e^-x x^a / Γ(a), the factor both expansions share.
    let front = (a * x.ln() - x - lanczos_ln_gamma(a)).exp();
    if x < a + 1.0 {
        // Left of the peak the series for P converges quickly, and Q = 1 - P is not small there,
        // so the subtraction loses nothing.
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                return Ok(1.0 - front * sum);
            }
        }
        Err(StatsError::NoConvergence)
    } else {
        // Right of it Q is small: compute it directly from its continued fraction (modified
        // Lentz), never as 1 - P, which would round a tiny Q to 0.
        let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=MAX_ITER {
            let i = i as f64;
            let an = -i * (i - a);
            b += 2.0;
            d = 1.0 / guard(an * d + b);
            c = guard(b + an / c);
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                return Ok(front * h);
            }
        }
        Err(StatsError::NoConvergence)
    }
}

/// Welch's two-sample t-test, two-sided.
pub fn welch_t_test(a: &[f64], b: &[f64]) -> Result<TTest, StatsError> {
    for s in [a, b] {
        if s.len() < 2 {
            return Err(StatsError::TooFewValues { needed: 2, got: s.len() });
        }
        reject_nan(s)?;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    // t and df do not change when both samples are scaled by the same factor; squared standard
    // errors of data of 1e80 square to 1e320 (infinity) in df below, and of 1e-170 underflow.
    let scale = binary_scale(a.iter().chain(b));
    let (mean_a, ss_a) = mean_and_ss(&scaled(a, scale));
    let (mean_b, ss_b) = mean_and_ss(&scaled(b, scale));
    // Squared standard errors of the two means.
    let se2_a = ss_a / (na - 1.0) / na;
    let se2_b = ss_b / (nb - 1.0) / nb;
    let se2 = se2_a + se2_b;
    if se2 == 0.0 {
        return Err(StatsError::ZeroVariance);
    }
    let t = (mean_a - mean_b) / se2.sqrt();
    // Welch–Satterthwaite: the degrees of freedom of a t that best matches this statistic.
    let df = se2 * se2 / (se2_a * se2_a / (na - 1.0) + se2_b * se2_b / (nb - 1.0));
    // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2): the tail itself, no `1 - cdf` that would round
    // small p-values away.
    let p_value = regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))?;
    Ok(TTest { t, df, p_value })
}

/// Pearson's chi-square test of independence on a contingency table of counts.
pub fn chi_square_independence(table: &Matrix) -> Result<ChiSquare, StatsError> {
    let (r, c) = table.shape();
    if r < 2 || c < 2 {
        return Err(StatsError::TableTooSmall { rows: r, cols: c });
    }
    reject_nan(table.as_slice())?;
    if table.as_slice().iter().any(|&v| v < 0.0) {
        return Err(StatsError::NegativeCount);
    }
    let row_totals: Vec<f64> = (0..r).map(|i| table.row(i).iter().sum()).collect();
    let col_totals: Vec<f64> = (0..c).map(|j| (0..r).map(|i| table[(i, j)]).sum()).collect();
    if row_totals.iter().chain(&col_totals).any(|&t| t == 0.0) {
        return Err(StatsError::ZeroTotal);
    }
    let total: f64 = row_totals.iter().sum();
    let mut statistic = 0.0;
    for (i, row_total) in row_totals.iter().enumerate() {
        for (j, col_total) in col_totals.iter().enumerate() {
            // What cell (i, j) would hold on average if rows and columns were independent.
            let expected = row_total * col_total / total;
            let diff = table[(i, j)] - expected;
            statistic += diff * diff / expected;
        }
    }
    let dof = (r - 1) * (c - 1);
    // The chi-square survival function with k degrees of freedom is Q(k/2, x/2).
    let p_value = regularized_gamma_q(dof as f64 / 2.0, statistic / 2.0)?;
    Ok(ChiSquare { statistic, dof, p_value })
}

/// Pearson's correlation coefficient of two paired samples.
pub fn pearson_correlation(x: &[f64], y: &[f64]) -> Result<f64, StatsError> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch { left: x.len(), right: y.len() });
    }
    if x.len() < 2 {
        return Err(StatsError::TooFewValues { needed: 2, got: x.len() });
    }
    reject_nan(x)?;
    reject_nan(y)?;
    // r does not change when x or y is scaled: scale each to entries below 2 (exactly, by a power
    // of two), so that ss_x ss_y neither overflows (data of 1e100) nor underflows (1e-85).
    let (x, y) = (&scaled(x, binary_scale(x)), &scaled(y, binary_scale(y)));
    let (mean_x, ss_x) = mean_and_ss(x);
    let (mean_y, ss_y) = mean_and_ss(y);
    if ss_x == 0.0 || ss_y == 0.0 {
        return Err(StatsError::ZeroVariance);
    }
    let cross: f64 = x.iter().zip(y).map(|(a, b)| (a - mean_x) * (b - mean_y)).sum();
    // Rounding can push |r| a hair past 1 for perfectly linear data; r is a cosine, so clamp.
    Ok((cross / (ss_x * ss_y).sqrt()).clamp(-1.0, 1.0))
}

/// The correlation matrix of several variables observed together.
pub fn correlation_matrix(columns: &[Vec<f64>]) -> Result<Matrix, StatsError> {
    let k = columns.len();
    if k == 0 {
        return Err(StatsError::Empty);
    }
    let n = columns[0].len();
    if let Some(bad) = columns.iter().find(|c| c.len() != n) {
        return Err(StatsError::LengthMismatch { left: n, right: bad.len() });
    }
    if n < 2 {
        return Err(StatsError::TooFewValues { needed: 2, got: n });
    }
    // Validate every column up front, so that a single column (no pairs) is checked too.
    for column in columns {
        reject_nan(column)?;
    }
    if columns.iter().any(|column| mean_and_ss(column).1 == 0.0) {
        return Err(StatsError::ZeroVariance);
    }
    let mut m = Matrix::identity(k);
    for i in 0..k {
        for j in 0..i {
            // Symmetric: compute the lower triangle and mirror it; the diagonal is exactly 1.
            let r = pearson_correlation(&columns[i], &columns[j])?;
            m[(i, j)] = r;
            m[(j, i)] = r;
        }
    }
    Ok(m)
}

/// The mean of `values` within each group.
pub fn group_means(values: &[f64], groups: &[usize], n_groups: usize) -> Result<Vec<f64>, StatsError> {
    if values.len() != groups.len() {
        return Err(StatsError::LengthMismatch { left: values.len(), right: groups.len() });
    }
    reject_nan(values)?;
    let mut sums = vec![0.0; n_groups];
    let mut counts = vec![0usize; n_groups];
    for (&v, &g) in values.iter().zip(groups) {
        if g >= n_groups {
            return Err(StatsError::GroupOutOfRange { index: g, n_groups });
        }
        sums[g] += v;
        counts[g] += 1;
    }
    if let Some(group) = counts.iter().position(|&c| c == 0) {
        return Err(StatsError::EmptyGroup { group });
    }
    Ok(sums.iter().zip(&counts).map(|(s, &c)| s / c as f64).collect())
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
