//! Week 2 — probability: Bayes' theorem, the normal, binomial and Poisson distributions, and
//! sampling from them.
//!
//! Study-plan topics: `s1.prob.bayes`, `s1.prob.distributions`. Run
//! `grader check stage1.probability` to grade this file.
//!
//! Two things run through the whole module:
//! - parameters are checked first: a `sigma`, `p` or `lambda` outside its domain is reported as
//!   `Err(ProbabilityError::InvalidParameter { name, value })`, never as NaN or a panic;
//! - probabilities of many events are products of many small numbers, which under- and overflow
//!   an `f64` long before the answer does. Compute them as sums of logarithms, and take `exp`
//!   only at the end.
//!
//! The samplers are graded as samplers, not against the grader's own draws: each is run from a
//! seed, from the same seed again, and from another seed. The draws must repeat with the seed
//! (take every random number from the `rng` you are given, nothing from elsewhere), change with
//! it, follow the distribution, show no dependence between neighbours (never sort them), and not
//! fit the distribution implausibly well (a grid of quantiles is not a sample).

use super::rng::Rng;

/// Why a probability routine refused its input. Return these instead of panicking or producing
/// NaN: the grader compares the variant (the fields are for your own error messages).
#[derive(Debug, Clone, PartialEq)]
pub enum ProbabilityError {
    /// `prior` and `likelihood` have different lengths.
    LengthMismatch { prior: usize, likelihood: usize },
    /// An entry of `prior` or `likelihood` is negative, NaN or infinite.
    InvalidProbability { index: usize, value: f64 },
    /// The prior does not sum to 1 (within [`NORMALIZATION_TOLERANCE`]).
    NotNormalized { sum: f64 },
    /// `Σ_i P(E|H_i) P(H_i) = 0`: the evidence is impossible under every hypothesis.
    ZeroEvidence,
    /// A distribution parameter outside its domain (`sigma <= 0`, `p` outside `[0, 1]`, ...).
    /// `name` is the parameter's name as spelled in the signature: `"mu"`, `"sigma"`, `"p"`,
    /// `"lambda"`.
    InvalidParameter { name: &'static str, value: f64 },
}

/// How far `Σ prior` may be from 1 before [`posterior`] refuses it (given, not an exercise).
/// Exactly 1 is too strict: `0.1 + 0.2 + 0.7` is `0.9999999999999999` in `f64`.
pub const NORMALIZATION_TOLERANCE: f64 = 1e-9;

// ---------------------------------------------------------------------------------------------
// Bayes' theorem

/// Bayes' theorem over a finite set of hypotheses `H_0, ..., H_(n-1)` that are mutually
/// exclusive and cover every possibility. Given the prior `P(H_i)` and the likelihood
/// `P(E | H_i)` of some evidence `E` under each hypothesis, return the posterior
///
/// ```text
/// P(H_i | E) = P(E | H_i) P(H_i) / P(E),   where   P(E) = Σ_j P(E | H_j) P(H_j)
/// ```
///
/// (the law of total probability gives the denominator, the *evidence*). The posterior is the
/// product `likelihood * prior`, rescaled to sum to 1.
///
/// Example — a medical test: 1% of people have the disease (`prior = [0.01, 0.99]` for
/// sick/healthy); the test detects 99% of the sick and wrongly flags 5% of the healthy
/// (`likelihood = [0.99, 0.05]` for a positive result). The posterior probability of being sick
/// after a positive test is `0.0099 / (0.0099 + 0.0495) = 1/6`: most positives are false
/// positives, because healthy people are so much more common.
///
/// Shapes: `prior` and `likelihood` both have length `n`; the result has length `n` and sums
/// to 1. The likelihoods need not sum to 1 (they are probabilities of `E` under *different*
/// hypotheses), and may even be densities larger than 1.
///
/// Errors, checked in this order:
/// 1. lengths differ: `Err(LengthMismatch { prior: prior.len(), likelihood: likelihood.len() })`;
/// 2. an entry of `prior` (checked first) or of `likelihood` is negative, NaN or infinite:
///    `Err(InvalidProbability { index, value })` for the first such entry. Careful:
///    `x < 0.0` is false for NaN;
/// 3. `|Σ prior - 1| > NORMALIZATION_TOLERANCE`: `Err(NotNormalized { sum })`. An empty prior
///    sums to 0, so empty inputs end here;
/// 4. `P(E) = 0` (every hypothesis with a positive prior gives the evidence probability 0):
///    `Err(ZeroEvidence)`.
///
/// Numerical pitfall: likelihoods are often products of many probabilities (one per
/// observation) and can be as small as `1e-320`, where `f64` has only a few significant digits
/// left (subnormal numbers) and `prior * likelihood` may round to 0. Multiplying every
/// likelihood by the same constant does not change the posterior, so divide them all by the
/// largest one before multiplying. Only a truly zero evidence is `ZeroEvidence`.
pub fn posterior(prior: &[f64], likelihood: &[f64]) -> Result<Vec<f64>, ProbabilityError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// The normal distribution

/// The error function `erf(x) = (2/√π) ∫_0^x e^(-t²) dt`, the integral behind the normal CDF.
/// It is odd (`erf(-x) = -erf(x)`), increases from `erf(-∞) = -1` through `erf(0) = 0` to
/// `erf(∞) = 1`, and is within `1e-16` of ±1 once `|x| > 6`. NaN in, NaN out.
///
/// It has no closed form; any method accurate to `2e-7` passes. The classic one is
/// Abramowitz & Stegun formula 7.1.26 (maximum error `1.5e-7`): for `x >= 0`,
///
/// ```text
/// t = 1 / (1 + p x),   erf(x) ≈ 1 - (a1 t + a2 t² + a3 t³ + a4 t⁴ + a5 t⁵) e^(-x²)
/// p  =  0.3275911
/// a1 =  0.254829592    a2 = -0.284496736    a3 = 1.421413741
/// a4 = -1.453152027    a5 =  1.061405429
/// ```
///
/// and `erf(-x) = -erf(x)` for negative `x`. (Libraries get to full double precision with a
/// power series near 0 and a continued fraction for `1 - erf(x)` in the tails.)
pub fn erf(x: f64) -> f64 {
    todo!()
}

/// The density of the normal distribution `N(mu, sigma²)`:
///
/// ```text
/// f(x) = exp(-z² / 2) / (sigma √(2π)),   z = (x - mu) / sigma
/// ```
///
/// Domain: `mu` must be finite, else `Err(InvalidParameter { name: "mu", value: mu })`;
/// `sigma` must be finite and `> 0`, else `Err(InvalidParameter { name: "sigma", value: sigma })`
/// (a normal with `sigma = 0` has no density: all its mass sits on one point).
/// `x = ±∞` gives density `0.0`.
///
/// Pitfall: the density is not a probability; for a small `sigma` it is far above 1
/// (`f(mu) ≈ 39.9` for `sigma = 0.01`).
pub fn normal_pdf(x: f64, mu: f64, sigma: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

/// The cumulative distribution function of `N(mu, sigma²)`, `P(X <= x)`:
///
/// ```text
/// F(x) = Φ(z) = (1 + erf(z / √2)) / 2,   z = (x - mu) / sigma
/// ```
///
/// Same domain and errors as [`normal_pdf`]. `F(-∞) = 0`, `F(mu) = 1/2`, `F(∞) = 1`.
/// Sanity checks: `Φ(1) - Φ(-1) ≈ 0.6827`, `Φ(1.96) ≈ 0.975`.
///
/// Pitfall: far in the left tail, `1 + erf(z/√2)` cancels to exactly 0 (`Φ(-10) ≈ 7.6e-24`
/// comes out as `0.0`). The grader's tolerance forgives that (absolute error `2e-7`); a library
/// uses `Φ(z) = erfc(-z/√2) / 2` with an accurate complementary error function.
pub fn normal_cdf(x: f64, mu: f64, sigma: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Discrete distributions

/// The binomial probability mass function: the probability of exactly `k` successes in `n`
/// independent trials that each succeed with probability `p`:
///
/// ```text
/// P(X = k) = C(n, k) p^k (1 - p)^(n - k),   C(n, k) = n! / (k! (n - k)!)
/// ```
///
/// Domain: `p` in `[0, 1]`, else `Err(InvalidParameter { name: "p", value: p })` (NaN too).
/// Edge cases: `k > n` is impossible, probability `0.0`. For `p = 0` all the mass is at `k = 0`,
/// for `p = 1` at `k = n`: return exactly `1.0` there and `0.0` elsewhere (the formula meets
/// `0^0`, which is 1, but `0 * ln 0` is NaN). `n = 0` is legal: `P(X = 0) = 1`.
///
/// Pitfall: it must work up to `n = 1000`. `n!` overflows `f64` from `n = 171`, and
/// `C(1000, 500) ≈ 2.7e299` times `0.5^1000 ≈ 9.3e-302` is one step from under- or overflow.
/// Work with logarithms: `ln P = ln n! - ln k! - ln (n-k)! + k ln p + (n-k) ln(1-p)`, then
/// `exp`. For `ln m!`, summing `ln 2 + ln 3 + ... + ln m` is exact enough here; `ln Γ(m + 1)`
/// (see `statistics::ln_gamma`) is the fast way. `(-p).ln_1p()` computes `ln(1 - p)` without
/// losing digits when `p` is tiny.
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

/// The binomial cumulative distribution function `P(X <= k) = Σ_{j=0..=k} P(X = j)`.
///
/// Domain and errors as [`binomial_pmf`]. Edge cases: `k >= n` gives exactly `1.0`; `p = 0`
/// gives `1.0` for every `k`; `p = 1` gives `0.0` for `k < n`.
///
/// Pitfall: do not compute the terms by the recurrence `P(j+1) = P(j) (n-j)/(j+1) p/(1-p)`
/// starting from `P(0) = (1-p)^n`: for `n = 1000, p = 0.999` the start underflows to 0 and every
/// term after it stays 0. A sum of many rounded terms can also end a hair above 1: clamp it.
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

/// The Poisson probability mass function: the probability of exactly `k` events when they
/// happen independently at an average of `λ` per interval (requests per second, typos per page):
///
/// ```text
/// P(X = k) = λ^k e^(-λ) / k!
/// ```
///
/// Domain: `λ` finite and `>= 0`, else `Err(InvalidParameter { name: "lambda", value: lambda })`.
/// Edge case: `λ = 0` means no events ever: `P(X = 0) = 1` and `0.0` for `k > 0` (`0^0 = 1`, but
/// `0 * ln 0` is NaN). Mean and variance are both `λ`.
///
/// Pitfall: the grader uses `λ` up to 500: `500^200` overflows `f64`, and so does `200!`. Use
/// logarithms: `ln P = k ln λ - λ - ln k!`, then `exp`. (One case asks for `k = 10^6`: summing
/// `ln 2 + ... + ln k` for it is fine, a few milliseconds.)
pub fn poisson_pmf(k: u64, lambda: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

/// The Poisson cumulative distribution function `P(X <= k) = Σ_{j=0..=k} λ^j e^(-λ) / j!`.
///
/// Domain and errors as [`poisson_pmf`]. `λ = 0` gives `1.0` for every `k`. The result never
/// exceeds 1: clamp the rounding of a long sum.
///
/// Pitfall: `k` may be large (`k = 10^6` for `λ = 3` is simply 1.0), and a million terms that
/// each recompute `ln j!` from scratch take far too long. Past `j = λ` the terms shrink faster
/// and faster, so stop summing once they no longer change the sum.
pub fn poisson_cdf(k: u64, lambda: f64) -> Result<f64, ProbabilityError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Sampling (graded statistically: the grader tests whether your samples could plausibly come
// from the distribution, never whether they equal someone else's)

/// `n` independent draws from `N(mu, sigma²)`, using the Box–Muller transform on uniforms from
/// `rng` (see [`Rng::next_f64`]).
///
/// Box–Muller: from two independent uniforms `u1` in `(0, 1]` and `u2` in `[0, 1)`,
///
/// ```text
/// r = sqrt(-2 ln u1),   z0 = r cos(2π u2),   z1 = r sin(2π u2)
/// ```
///
/// are two *independent* standard normals; `mu + sigma z` is then `N(mu, sigma²)`. (Why: a 2-D
/// standard normal point has a uniformly distributed angle, and its squared radius over 2 is
/// exponentially distributed, which is `-ln u1`.)
///
/// Domain and errors as [`normal_pdf`]. Shapes: exactly `n` values (`n` may be odd, or 0).
/// Pitfalls: `rng.next_f64()` can return `0.0`, and `ln 0 = -∞`; use `1.0 - rng.next_f64()` for
/// `u1`. Remember to multiply by `sigma`, not `sigma²`.
pub fn sample_normal(rng: &mut Rng, mu: f64, sigma: f64, n: usize) -> Result<Vec<f64>, ProbabilityError> {
    todo!()
}

/// `count` independent draws from `Binomial(n, p)`.
///
/// The direct method: a draw is the number of successes in `n` Bernoulli trials, and a trial
/// succeeds when `rng.next_f64() < p` (probability exactly `p`, because `next_f64` is uniform on
/// `[0, 1)`). That costs `n` uniforms per draw, fine for the grader's `n <= 100`. (Faster:
/// inversion — draw one `u` and walk the CDF until it exceeds `u`.)
///
/// Domain and errors as [`binomial_pmf`]. Every value must lie in `0..=n`; `p = 0` gives all
/// zeros, `p = 1` all `n`s. Shapes: exactly `count` values.
pub fn sample_binomial(rng: &mut Rng, n: u64, p: f64, count: usize) -> Result<Vec<u64>, ProbabilityError> {
    todo!()
}

/// `count` independent draws from `Poisson(λ)`, by Knuth's multiplication method:
///
/// ```text
/// L = e^(-λ);  k = 0;  prod = u   (a fresh uniform)
/// while prod > L { k += 1; prod *= u' (another fresh uniform) }
/// return k
/// ```
///
/// Why it works: the waiting times between events of a rate-1 Poisson process are `-ln u`, so
/// the number of events in a window of length `λ` is the largest `k` with
/// `u_1 ··· u_k > e^(-λ)`. Watch the off-by-one: `P(X = 0)` must come out as `e^(-λ)`.
/// It costs about `λ + 1` uniforms per draw and needs `e^(-λ)` to stay well above the smallest
/// `f64` (`λ` below ~700); the grader uses `λ <= 100`. (Libraries switch to rejection methods
/// such as PTRS for large `λ`; a sum of independent Poisson draws with rates adding up to `λ` is
/// also exactly `Poisson(λ)`.)
///
/// Domain and errors as [`poisson_pmf`]. `λ = 0` gives all zeros. Shapes: exactly `count` values.
pub fn sample_poisson(rng: &mut Rng, lambda: f64, count: usize) -> Result<Vec<u64>, ProbabilityError> {
    todo!()
}
