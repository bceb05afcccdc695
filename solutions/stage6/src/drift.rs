//! Data drift: is the data a model sees in production still the data it was trained on?
//!
//! A model is only as good as the match between its training data and today's requests. Three
//! measures, each comparing a *reference* sample (the training data) with a *current* one (last
//! week's requests), and a report that runs them over every feature of a table and flags the
//! features that moved:
//!
//! - [`psi`], the Population Stability Index of a numeric feature: how far the share of values
//!   in each bin moved (a number; > 0.25 is the usual "significant shift");
//! - [`ks_two_sample`], the two-sample Kolmogorov–Smirnov test of a numeric feature: the largest
//!   gap between the two empirical distribution functions, and how surprising it is (p-value);
//! - [`chi_square`], the chi-square test of homogeneity of a categorical feature's counts;
//! - [`drift_report`], every feature tested, the drifted ones flagged with a Bonferroni-corrected
//!   significance level.

use statrs::distribution::{ChiSquared, ContinuousCDF};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftError {
    /// A sample (or a table) has no values.
    Empty,
    /// A value is NaN or infinite.
    NotFinite,
    /// `bins` is below 2, or fewer than 2 categories are seen in the two samples together.
    TooFewBins,
    /// The two count vectors, or the two tables' features (names, kinds, order), differ.
    ShapeMismatch,
    /// `alpha` is not in (0, 1).
    InvalidAlpha,
}

/// The proportion that stands for an empty bin in [`psi`] (its logarithm would be infinite).
pub const EMPTY_BIN: f64 = 1e-4;

fn check_sample(x: &[f64]) -> Result<(), DriftError> {
    if x.is_empty() {
        return Err(DriftError::Empty);
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(DriftError::NotFinite);
    }
    Ok(())
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// The quantile of a sorted sample at level `q` in [0, 1], interpolating linearly between order
/// statistics (numpy's default): position `(n - 1) q`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * q;
    let h = pos.floor() as usize;
    if h + 1 >= sorted.len() {
        return sorted[sorted.len() - 1];
    }
    sorted[h] + (pos - h as f64) * (sorted[h + 1] - sorted[h])
}

/// The Population Stability Index of `actual` against `expected`, with `bins` bins cut at the
/// quantiles of `expected`.
///
/// - The `bins - 1` cut points are the quantiles of `expected` at levels `k / bins`,
///   `k = 1, ..., bins - 1`, interpolated linearly between order statistics: for a sorted sample
///   `s` of length `n` and level `q`, position `p = (n - 1) q`, `h = floor(p)`,
///   `s[h] + (p - h) (s[h + 1] - s[h])` (numpy's `quantile` default).
/// - A value `x` falls in bin `i` = the number of cut points strictly below `x`: bin 0 is
///   `(-∞, c₁]`, bin `i` is `(cᵢ, cᵢ₊₁]`, the last is `(c_{bins-1}, ∞)`. Equal cut points (a
///   sample with many ties) leave bins empty on both sides.
/// - `eᵢ` and `aᵢ` are the shares of `expected` and `actual` in bin `i`; a share of exactly 0
///   becomes [`EMPTY_BIN`] (only that one).
/// - `PSI = Σᵢ (aᵢ - eᵢ) ln(aᵢ / eᵢ)`: 0 for identical shares, never negative.
///
/// # Errors
/// `TooFewBins` when `bins < 2`; `Empty` when a sample is empty; `NotFinite` for a NaN or an
/// infinity in either sample.
pub fn psi(expected: &[f64], actual: &[f64], bins: usize) -> Result<f64, DriftError> {
    if bins < 2 {
        return Err(DriftError::TooFewBins);
    }
    check_sample(expected)?;
    check_sample(actual)?;
    let s = sorted(expected);
    let cuts: Vec<f64> = (1..bins).map(|k| quantile(&s, k as f64 / bins as f64)).collect();
    let shares = |x: &[f64]| {
        let mut counts = vec![0usize; bins];
        for &v in x {
            counts[cuts.partition_point(|c| *c < v)] += 1;
        }
        counts.into_iter().map(|c| if c == 0 { EMPTY_BIN } else { c as f64 / x.len() as f64 }).collect::<Vec<f64>>()
    };
    let (e, a) = (shares(expected), shares(actual));
    Ok(e.iter().zip(&a).map(|(e, a)| (a - e) * (a / e).ln()).sum())
}

/// The result of a test: its statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    pub statistic: f64,
    pub p_value: f64,
}

/// The survival function of the Kolmogorov distribution, `Q(λ) = P(K > λ)`: the limit of
/// `P(√n D > λ)` as `n` grows (scipy's `kstwobign.sf`).
///
/// - `Q(λ) = 1` for `λ <= 0`.
/// - `Q(λ) = 2 Σ_{k≥1} (-1)^{k-1} e^{-2 k² λ²}`: fast for `λ >= 1` (stop once a term is below
///   1e-300), but its terms barely shrink for small `λ`, where the partial sums swing.
/// - For `0 < λ < 1`, the same function written another way converges in a few terms:
///   `Q(λ) = 1 - (√(2π) / λ) Σ_{k≥1} e^{-(2k-1)² π² / (8 λ²)}` (20 terms are plenty).
/// - Clamp the result to `[0, 1]`.
///
/// Graded against scipy-accurate values to a relative 1e-9 (1e-12 absolute), from λ = 0.01
/// (`Q = 1`) to λ = 27 (`Q` underflows to 0).
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.0 {
        // The series in e^{-2 k² λ²} converges slowly for small λ: use the other form,
        // 1 - √(2π)/λ Σ_{k≥1} e^{-(2k-1)² π² / (8 λ²)}.
        let c = -std::f64::consts::PI.powi(2) / (8.0 * lambda * lambda);
        let s: f64 = (1..=20).map(|k| (((2 * k - 1) as f64).powi(2) * c).exp()).sum();
        return (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s).clamp(0.0, 1.0);
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-300 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The two-sample Kolmogorov–Smirnov test of `a` against `b`.
///
/// - `statistic` is `D = sup_x |F_a(x) - F_b(x)|`, with `F` the empirical distribution functions
///   (`F_a(x)` = the share of `a` at most `x`). The supremum is reached at a sample value: walk
///   both sorted samples together, and at each distinct value step *past every copy of it in
///   both samples* before comparing (ties between the samples are not gaps).
/// - `p_value` is the asymptotic one: `Q(√(n m / (n + m)) · D)` with [`kolmogorov_sf`] (scipy's
///   `ks_2samp(a, b, method="asymp")` uses the same limit for large samples).
///
/// # Errors
/// `Empty` when a sample is empty; `NotFinite` for a NaN or an infinity.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Result<TestResult, DriftError> {
    check_sample(a)?;
    check_sample(b)?;
    let (sa, sb) = (sorted(a), sorted(b));
    let (n, m) = (sa.len(), sb.len());
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < n && j < m {
        let x = if sa[i] <= sb[j] { sa[i] } else { sb[j] };
        while i < n && sa[i] == x {
            i += 1;
        }
        while j < m && sb[j] == x {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let en = (n as f64 * m as f64 / (n + m) as f64).sqrt();
    Ok(TestResult { statistic: d, p_value: kolmogorov_sf(en * d) })
}

/// The chi-square test of homogeneity of one categorical feature: do `reference` and `current`
/// (counts per category, the same categories in the same order) come from one distribution?
///
/// - Categories with a count of 0 in both samples are left out; `k` categories remain.
/// - The 2 × k table of counts has row totals `R₁, R₂`, column totals `Cⱼ` and total `N`; the
///   expected count of a cell is `Rᵣ Cⱼ / N`, and `statistic = Σ (O - E)² / E` over all cells.
/// - `dof = k - 1`; `p_value = P(χ²_dof > statistic)` (use `statrs`' `ChiSquared::sf`). The same
///   as scipy's `chi2_contingency(table, correction=False)`: no Yates correction.
///
/// # Errors
/// `ShapeMismatch` when the vectors differ in length; `Empty` when a sample counts nothing;
/// `TooFewBins` when fewer than 2 categories remain.
pub fn chi_square(reference: &[u64], current: &[u64]) -> Result<ChiSquareTest, DriftError> {
    if reference.len() != current.len() {
        return Err(DriftError::ShapeMismatch);
    }
    let (r1, r2): (u64, u64) = (reference.iter().sum(), current.iter().sum());
    if r1 == 0 || r2 == 0 {
        return Err(DriftError::Empty);
    }
    let cells: Vec<(u64, u64)> =
        reference.iter().zip(current).map(|(&a, &b)| (a, b)).filter(|&(a, b)| a + b > 0).collect();
    if cells.len() < 2 {
        return Err(DriftError::TooFewBins);
    }
    let total = (r1 + r2) as f64;
    let mut statistic = 0.0;
    for &(a, b) in &cells {
        let col = (a + b) as f64;
        for (o, row) in [(a, r1), (b, r2)] {
            let e = row as f64 * col / total;
            statistic += (o as f64 - e).powi(2) / e;
        }
    }
    let dof = cells.len() - 1;
    let p_value = ChiSquared::new(dof as f64).expect("dof >= 1").sf(statistic);
    Ok(ChiSquareTest { statistic, dof, p_value })
}

/// The result of [`chi_square`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquareTest {
    pub statistic: f64,
    pub dof: usize,
    pub p_value: f64,
}

/// A feature's values: numbers, or categories.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Numeric(Vec<f64>),
    Categorical(Vec<String>),
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub name: String,
    pub values: Values,
}

/// What [`drift_report`] found for one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDrift {
    pub name: String,
    /// `"ks"` for a numeric feature, `"chi2"` for a categorical one.
    pub test: &'static str,
    pub statistic: f64,
    pub p_value: f64,
    /// The PSI with [`REPORT_BINS`] bins (numeric features), `None` for categorical ones.
    pub psi: Option<f64>,
    pub drifted: bool,
}

/// The number of bins of the report's PSI.
pub const REPORT_BINS: usize = 10;

/// Tests every feature of `current` against the same feature of `reference`, in order.
///
/// - A numeric feature: [`ks_two_sample`] (reference first), and [`psi`] with [`REPORT_BINS`]
///   bins (reference as `expected`).
/// - A categorical feature: count each category in both samples, over the categories in order of
///   first appearance in `reference`, then those first seen in `current`; then [`chi_square`].
/// - `drifted` when `p_value < alpha / features` (Bonferroni: with 20 features tested at 5%
///   each, one would be flagged by chance most weeks).
///
/// # Errors
/// `InvalidAlpha` unless `0 < alpha < 1`; `Empty` when a table has no features; `ShapeMismatch`
/// when the tables' features differ in number, name, kind or order; the tests' own errors (a
/// categorical feature with a single category in both samples is `TooFewBins`).
pub fn drift_report(reference: &[Feature], current: &[Feature], alpha: f64) -> Result<Vec<FeatureDrift>, DriftError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(DriftError::InvalidAlpha);
    }
    if reference.is_empty() || current.is_empty() {
        return Err(DriftError::Empty);
    }
    if reference.len() != current.len() {
        return Err(DriftError::ShapeMismatch);
    }
    let level = alpha / reference.len() as f64;
    reference
        .iter()
        .zip(current)
        .map(|(r, c)| {
            if r.name != c.name {
                return Err(DriftError::ShapeMismatch);
            }
            let (test, t, psi) = match (&r.values, &c.values) {
                (Values::Numeric(a), Values::Numeric(b)) => {
                    let t = ks_two_sample(a, b)?;
                    ("ks", t, Some(psi(a, b, REPORT_BINS)?))
                }
                (Values::Categorical(a), Values::Categorical(b)) => {
                    // Each category's index, in order of first appearance: one pass per sample.
                    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
                    for v in a.iter().chain(b) {
                        let next = index.len();
                        index.entry(v.as_str()).or_insert(next);
                    }
                    let count = |x: &[String]| -> Vec<u64> {
                        let mut counts = vec![0u64; index.len()];
                        for v in x {
                            counts[index[v.as_str()]] += 1;
                        }
                        counts
                    };
                    let t = chi_square(&count(a), &count(b))?;
                    ("chi2", TestResult { statistic: t.statistic, p_value: t.p_value }, None)
                }
                _ => return Err(DriftError::ShapeMismatch),
            };
            Ok(FeatureDrift {
                name: r.name.clone(),
                test,
                statistic: t.statistic,
                p_value: t.p_value,
                psi,
                drifted: t.p_value < level,
            })
        })
        .collect()
}
