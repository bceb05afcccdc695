//! A/B testing models: which users see which model, whether the new one converts better, and
//! when a test may stop.
//!
//! - [`assign_arm`]: a user always sees the same arm of an experiment (a deterministic hash, no
//!   table of assignments), arms get the traffic their weights ask for, and two experiments
//!   split users independently.
//! - [`two_proportion_z`]: the classic fixed-sample test of two conversion rates.
//! - [`sprt`]: Wald's sequential probability ratio test, which may stop as soon as the evidence is
//!   enough, with error rates bounded by `alpha` and `beta` however often it looks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbError {
    /// A parameter is out of its range (stated where it is taken).
    InvalidParameter,
    /// A sample of size 0.
    Empty,
    /// Both samples converted never, or always: the pooled rate is 0 or 1 and the test has no
    /// variance to work with.
    Degenerate,
}

/// The first 8 bytes of the SHA-256 digest of `text`, as a big-endian `u64`.
pub fn hash64(text: &str) -> u64 {
    todo!()
}

/// The arm (an index into `weights`) that `user` sees in `experiment`.
///
/// `h = hash64(experiment + "/" + user)`, `bucket = h % total` with `total = Σ weights`; the arm
/// is the first `i` with `bucket < weights[0] + ... + weights[i]`. An arm of weight 0 is never
/// chosen. The experiment's name is part of the hash, so a user's arm in one experiment says
/// nothing about their arm in another.
///
/// # Errors
/// `InvalidParameter` when `weights` is empty or sums to 0.
pub fn assign_arm(experiment: &str, user: &str, weights: &[u32]) -> Result<usize, AbError> {
    todo!()
}

/// A test's statistic and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZTest {
    pub z: f64,
    pub p_value: f64,
}

/// The pooled two-proportion z-test of arm B against arm A.
///
/// `p_a = s_a / n_a`, `p_b = s_b / n_b`, the pooled rate `p = (s_a + s_b) / (n_a + n_b)`,
/// `se = √(p (1 - p) (1/n_a + 1/n_b))`, `z = (p_b - p_a) / se`, and the two-sided
/// `p_value = erfc(|z| / √2)` (`statrs::function::erf::erfc`: `2 (1 - Φ(|z|))` loses every digit
/// when `Φ(|z|)` rounds to 1). The same as statsmodels' `proportions_ztest([s_b, s_a], [n_b, n_a])`.
///
/// # Errors
/// `Empty` when `n_a` or `n_b` is 0; `InvalidParameter` when successes exceed their trials;
/// `Degenerate` when the pooled rate is 0 or 1.
pub fn two_proportion_z(s_a: u64, n_a: u64, s_b: u64, n_b: u64) -> Result<ZTest, AbError> {
    todo!()
}

/// What a sequential test concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The rate is `p0` (the new model does not convert better).
    AcceptH0,
    /// The rate is `p1`.
    AcceptH1,
    /// Not enough evidence yet: keep the test running.
    Continue,
}

/// Where a sequential test stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sprt {
    pub decision: Decision,
    /// How many outcomes it used: the index of the one that decided, plus 1 (all of them for
    /// `Continue`).
    pub used: usize,
    /// The log-likelihood ratio when it stopped.
    pub llr: f64,
}

/// Wald's sequential probability ratio test of a conversion rate, `H0: p = p0` against
/// `H1: p = p1`, on `outcomes` (true = converted) in order.
///
/// Bounds `A = ln((1 - beta) / alpha)` and `B = ln(beta / (1 - alpha))`. The log-likelihood ratio
/// starts at 0 and each outcome adds `ln(p1 / p0)` (converted) or `ln((1 - p1) / (1 - p0))`
/// (not); after each, stop with `AcceptH1` when `llr >= A`, with `AcceptH0` when `llr <= B`.
/// Outcomes after the decision are not used. Error rates: at most about `alpha` (choosing H1
/// when H0 holds) and `beta`, however many outcomes it takes.
///
/// # Errors
/// `InvalidParameter` unless `0 < p0 < p1 < 1`, `0 < alpha`, `0 < beta` and `alpha + beta < 1`.
pub fn sprt(outcomes: &[bool], p0: f64, p1: f64, alpha: f64, beta: f64) -> Result<Sprt, AbError> {
    todo!()
}
