//! Week 2 — probability: Bayes' theorem, the normal, binomial and Poisson distributions, and
//! sampling from them.
//!
//! Reference solutions. Study-plan topics: `s1.prob.bayes`, `s1.prob.distributions`.

use super::rng::Rng;
use std::f64::consts::{PI, SQRT_2};

/// Why a probability routine refused its input.
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
    InvalidParameter { name: &'static str, value: f64 },
}

/// How far `Σ prior` may be from 1 before [`posterior`] refuses it.
pub const NORMALIZATION_TOLERANCE: f64 = 1e-9;

// ---------------------------------------------------------------------------------------------
// Bayes' theorem

/// Posterior `P(H_i | E) = P(E | H_i) P(H_i) / Σ_j P(E | H_j) P(H_j)`.
pub fn posterior(prior: &[f64], likelihood: &[f64]) -> Result<Vec<f64>, ProbabilityError> {
    if prior.len() != likelihood.len() {
        return Err(ProbabilityError::LengthMismatch { prior: prior.len(), likelihood: likelihood.len() });
    }
    for values in [prior, likelihood] {
        // `!(v >= 0.0)` is true for NaN too, which `v < 0.0` would let through.
        if let Some((index, &value)) = values.iter().enumerate().find(|(_, &v)| !(v >= 0.0 && v.is_finite())) {
            return Err(ProbabilityError::InvalidProbability { index, value });
        }
    }
    let sum: f64 = prior.iter().sum();
    if (sum - 1.0).abs() > NORMALIZATION_TOLERANCE {
        return Err(ProbabilityError::NotNormalized { sum });
    }
    // Multiplying every likelihood by the same constant changes nothing after normalisation, so
    // divide by the largest first: products of tiny likelihoods (1e-320, say, the probability of
    // many observations) would otherwise underflow to subnormals or zero.
    let max = likelihood.iter().fold(0.0f64, |m, &l| m.max(l));
    if max == 0.0 {
        return Err(ProbabilityError::ZeroEvidence);
    }
    let joint: Vec<f64> = prior.iter().zip(likelihood).map(|(p, l)| p * (l / max)).collect();
    let evidence: f64 = joint.iter().sum();
    if evidence == 0.0 {
        return Err(ProbabilityError::ZeroEvidence);
    }
    Ok(joint.iter().map(|j| j / evidence).collect())
}

// ---------------------------------------------------------------------------------------------
// The normal distribution

/// `2 / sqrt(π)`, the factor in front of both erf series.
const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// Below this `|x|` the series for erf is used, above it the continued fraction for erfc.
const SERIES_LIMIT: f64 = 2.5;

/// The error function `erf(x) = (2/√π) ∫_0^x e^(-t²) dt`, accurate to a few ulps.
///
/// Two methods, each where it converges fast and without cancellation:
/// - `|x| < 2.5`: the series `erf(x) = (2/√π) e^(-x²) Σ_n 2^n x^(2n+1) / (1·3·5···(2n+1))`,
///   whose terms are all positive (the textbook Taylor series alternates in sign and loses
///   digits to cancellation as `|x|` grows);
/// - `|x| >= 2.5`: `erf(x) = 1 - erfc(x)`, with erfc from its continued fraction.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let value = if a < SERIES_LIMIT { erf_series(a) } else { 1.0 - erfc_continued_fraction(a) };
    value.copysign(x) // erf is odd
}

/// The complementary error function `erfc(x) = 1 - erf(x)`, accurate in the right tail where
/// `1 - erf(x)` loses digits (erfc(2) ≈ 0.005) or rounds to 0 (erfc(10) ≈ 2e-45).
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x < 0.0 {
        2.0 - erfc(-x) // erfc(-x) = 1 + erf(x)
    } else if x < 1.0 {
        1.0 - erf_series(x) // erfc(x) > 0.15 here: the subtraction costs at most three bits
    } else {
        erfc_continued_fraction(x)
    }
}

/// `erf(x)` for `0 <= x < 2.5` by the positive-term series. Term `n` is term `n-1` times
/// `2x² / (2n+1)`: they grow while `n < x²`, then shrink geometrically.
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    while term > 1e-17 * sum {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
    }
    TWO_OVER_SQRT_PI * (-x2).exp() * sum
}

/// `erfc(x)` for `x >= 1` by the continued fraction
/// `erfc(x) = (e^(-x²) / √π) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...)))))`,
/// evaluated front to back with the modified Lentz method. It needs ~190 steps at `x = 1`, ~40
/// at `x = 2.5`, fewer beyond.
fn erfc_continued_fraction(x: f64) -> f64 {
    if x > 27.3 {
        return 0.0; // e^(-x²) underflows: erfc is below the smallest f64
    }
    const TINY: f64 = 1e-300;
    // f = b_0 + a_1 / (b_1 + a_2 / (b_2 + ...)) with b_k = x, a_k = k / 2.
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..500 {
        let a = 0.5 * k as f64;
        d = x + a * d;
        d = if d == 0.0 { TINY } else { d };
        c = x + a / c;
        c = if c == 0.0 { TINY } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / (f * PI.sqrt())
}

/// Checks `mu` finite and `sigma` finite and positive.
fn check_normal(mu: f64, sigma: f64) -> Result<(), ProbabilityError> {
    if !mu.is_finite() {
        return Err(ProbabilityError::InvalidParameter { name: "mu", value: mu });
    }
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(ProbabilityError::InvalidParameter { name: "sigma", value: sigma });
    }
    Ok(())
}

/// Density of `N(mu, sigma²)`: `exp(-z²/2) / (sigma √(2π))` with `z = (x - mu) / sigma`.
pub fn normal_pdf(x: f64, mu: f64, sigma: f64) -> Result<f64, ProbabilityError> {
    check_normal(mu, sigma)?;
    let z = (x - mu) / sigma;
    Ok((-0.5 * z * z).exp() / (sigma * (2.0 * PI).sqrt()))
}

/// CDF of `N(mu, sigma²)`: `Φ(z) = (1 + erf(z/√2)) / 2 = erfc(-z/√2) / 2`.
///
/// The erfc form keeps the left tail: for `z = -10`, `1 + erf(-7.07)` rounds to exactly 0,
/// while `erfc(7.07) / 2 ≈ 7.6e-24` is right.
pub fn normal_cdf(x: f64, mu: f64, sigma: f64) -> Result<f64, ProbabilityError> {
    check_normal(mu, sigma)?;
    let z = (x - mu) / sigma;
    Ok(0.5 * erfc(-z / SQRT_2))
}

// ---------------------------------------------------------------------------------------------
// Discrete distributions, in log space

/// Lanczos approximation (g = 7, 9 terms) of `ln Γ(x)` for `x >= 1`, good to ~1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
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
    let x = x - 1.0;
    let series = COEF[1..].iter().enumerate().fold(COEF[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

/// `ln n! = ln Γ(n + 1)`: `n!` itself overflows an `f64` from `n = 171` on, its logarithm never.
fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        0.0
    } else {
        ln_gamma(n as f64 + 1.0)
    }
}

fn check_p(p: f64) -> Result<(), ProbabilityError> {
    // Written so that NaN fails too.
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(ProbabilityError::InvalidParameter { name: "p", value: p })
    }
}

/// `ln P(X = k)` for `X ~ Binomial(n, p)`, `k <= n`, `0 < p < 1`.
fn binomial_ln_pmf(k: u64, n: u64, p: f64) -> f64 {
    let ln_choose = ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
    // ln(1 - p) via ln_1p keeps its digits when p is tiny (1 - 1e-12 loses four of them).
    ln_choose + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p()
}

/// `P(X = k) = C(n, k) p^k (1-p)^(n-k)` for `X ~ Binomial(n, p)`, computed as the exp of a sum
/// of logarithms.
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> Result<f64, ProbabilityError> {
    check_p(p)?;
    if k > n {
        return Ok(0.0);
    }
    // p = 0 and p = 1 put all the mass on one point; the log formula would meet 0 * ln 0 = NaN.
    if p == 0.0 {
        return Ok(if k == 0 { 1.0 } else { 0.0 });
    }
    if p == 1.0 {
        return Ok(if k == n { 1.0 } else { 0.0 });
    }
    Ok(binomial_ln_pmf(k, n, p).exp())
}

/// `P(X <= k) = Σ_{j<=k} P(X = j)` for `X ~ Binomial(n, p)`.
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> Result<f64, ProbabilityError> {
    check_p(p)?;
    if k >= n || p == 0.0 {
        return Ok(1.0);
    }
    if p == 1.0 {
        return Ok(0.0); // all the mass sits at n > k
    }
    let mean = n as f64 * p;
    let mut sum = 0.0;
    for j in 0..=k {
        let term = binomial_ln_pmf(j, n, p).exp();
        sum += term;
        // Past the mean the terms shrink faster than geometrically: once they no longer move
        // the sum, the rest cannot either (this matters only for huge n).
        if j as f64 > mean && term < 1e-17 * sum {
            break;
        }
    }
    // Rounding in a sum of many terms may overshoot 1 by an ulp or two.
    Ok(sum.min(1.0))
}

fn check_lambda(lambda: f64) -> Result<(), ProbabilityError> {
    if lambda >= 0.0 && lambda.is_finite() {
        Ok(())
    } else {
        Err(ProbabilityError::InvalidParameter { name: "lambda", value: lambda })
    }
}

/// `P(X = k) = λ^k e^(-λ) / k!` for `X ~ Poisson(λ)`, computed in log space.
pub fn poisson_pmf(k: u64, lambda: f64) -> Result<f64, ProbabilityError> {
    check_lambda(lambda)?;
    if lambda == 0.0 {
        return Ok(if k == 0 { 1.0 } else { 0.0 }); // 0^0 = 1, where k ln 0 would be NaN
    }
    Ok((k as f64 * lambda.ln() - lambda - ln_factorial(k)).exp())
}

/// `P(X <= k) = Σ_{j<=k} λ^j e^(-λ) / j!` for `X ~ Poisson(λ)`.
pub fn poisson_cdf(k: u64, lambda: f64) -> Result<f64, ProbabilityError> {
    check_lambda(lambda)?;
    if lambda == 0.0 {
        return Ok(1.0);
    }
    let ln_lambda = lambda.ln();
    let mut sum = 0.0;
    for j in 0..=k {
        let term = (j as f64 * ln_lambda - lambda - ln_factorial(j)).exp();
        sum += term;
        // k may be astronomically large; past λ the terms fall off geometrically.
        if j as f64 > lambda && term < 1e-17 * sum {
            break;
        }
    }
    Ok(sum.min(1.0))
}

// ---------------------------------------------------------------------------------------------
// Sampling

/// `n` draws from `N(mu, sigma²)` by the Box–Muller transform.
///
/// Two independent uniforms `u1 ∈ (0, 1]`, `u2 ∈ [0, 1)` give two independent standard normals
/// `r cos(2π u2)` and `r sin(2π u2)` with `r = sqrt(-2 ln u1)`: in polar coordinates a 2-D
/// standard normal has a uniform angle and `r²/2` exponentially distributed.
pub fn sample_normal(rng: &mut Rng, mu: f64, sigma: f64, n: usize) -> Result<Vec<f64>, ProbabilityError> {
    check_normal(mu, sigma)?;
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1 = 1.0 - rng.next_f64(); // (0, 1]: ln(0) would be -inf
        let u2 = rng.next_f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = (2.0 * PI * u2).sin_cos();
        out.push(mu + sigma * r * cos);
        out.push(mu + sigma * r * sin);
    }
    out.truncate(n); // an odd n leaves one draw of the last pair unused
    Ok(out)
}

/// `count` draws from `Binomial(n, p)`: each is the number of successes among `n` Bernoulli
/// trials, a trial succeeding when a uniform number falls below `p`. Costs `n` uniforms per draw,
/// fine for the moderate `n` it is used with (inversion of the CDF is the faster alternative).
pub fn sample_binomial(rng: &mut Rng, n: u64, p: f64, count: usize) -> Result<Vec<u64>, ProbabilityError> {
    check_p(p)?;
    // `next_f64() < p` is never true for p = 0 and always for p = 1 (next_f64 < 1), so the
    // degenerate cases need no special treatment.
    Ok((0..count).map(|_| (0..n).filter(|_| rng.next_f64() < p).count() as u64).collect())
}

/// Knuth's method works while `e^(-λ)` is comfortably above the smallest `f64` (`e^(-745)`);
/// larger λ are split into parts of at most this size.
const KNUTH_MAX_LAMBDA: f64 = 500.0;

/// `count` draws from `Poisson(λ)` by Knuth's multiplication method.
///
/// The gaps between events of a rate-1 Poisson process are `Exp(1)`, i.e. `-ln u` for uniform
/// `u`; the number of events in `[0, λ]` is the largest `k` with `u_1 u_2 ... u_k > e^(-λ)`.
/// Costs about `λ + 1` uniforms per draw. For `λ > 500` the draw is a sum of independent
/// Poisson draws whose rates add up to `λ` (a sum of Poissons is Poisson).
pub fn sample_poisson(rng: &mut Rng, lambda: f64, count: usize) -> Result<Vec<u64>, ProbabilityError> {
    check_lambda(lambda)?;
    let parts = (lambda / KNUTH_MAX_LAMBDA).ceil().max(1.0);
    let limit = (-lambda / parts).exp();
    let draw = |rng: &mut Rng| -> u64 {
        let mut k = 0;
        let mut product = rng.next_f64();
        while product > limit {
            k += 1;
            product *= rng.next_f64();
        }
        k
    };
    Ok((0..count).map(|_| (0..parts as u64).map(|_| draw(rng)).sum()).collect())
}
