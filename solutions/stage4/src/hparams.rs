//! Hyper-parameter search: grid and random search, successive halving and Hyperband, Bayesian
//! optimisation with a Gaussian-process surrogate.
//!
//! A hyper-parameter (a learning rate, a weight decay, a width) is not learned by gradient
//! descent: each choice costs a whole training run. Search strategies differ in how they spend
//! that budget. Grid search tries every combination of a few values per dimension; random search
//! draws every trial independently, so with the same budget it tries many more distinct values of
//! each dimension (Bergstra & Bengio, 2012), which wins when only a few dimensions matter.
//! Successive halving and Hyperband stop bad runs early. Bayesian optimisation models the loss
//! as a function of the hyper-parameters and spends each trial where the model expects most.
//!
//! Randomness comes only from the [`Rng`] you are given, in the order each doc states, so that a
//! seed decides the whole search.

use crate::rng::Rng;

/// Why a search refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchError {
    /// A range with `low > high`, a bound that is not finite, or a log range with `low <= 0`.
    InvalidRange,
    /// Another argument out of its domain (named in the function's doc).
    InvalidArgument,
    /// Lengths or dimensions that do not fit together.
    ShapeMismatch,
    /// The kernel matrix `K + noise · I` is not positive definite (repeated points with no noise).
    NotPositiveDefinite,
    /// The grid would have more than [`MAX_TRIALS`] points.
    TooLarge,
}

/// The most trials a grid may have.
pub const MAX_TRIALS: usize = 1_000_000;

/// One hyper-parameter's range, `[low, high]`; on a log scale when `log` is true (learning rates,
/// weight decays: values spread evenly over orders of magnitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: f64,
    pub log: bool,
}

impl Range {
    fn check(&self) -> Result<(), SearchError> {
        let finite = self.low.is_finite() && self.high.is_finite();
        if !finite || self.low > self.high || (self.log && self.low <= 0.0) {
            return Err(SearchError::InvalidRange);
        }
        Ok(())
    }

    /// The point at fraction `t` of the way from `low` to `high` (on the log scale if `log`).
    fn at(&self, t: f64) -> f64 {
        if self.log {
            (self.low.ln() + t * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + t * (self.high - self.low)
        }
    }
}

/// Grid search's trials: every combination of `per_dim` values of each hyper-parameter.
///
/// Values of one range: `per_dim` evenly spaced points from `low` to `high`, both included
/// (`numpy.linspace`), or evenly spaced in `ln` when `log` (`numpy.geomspace`): value `k` of
/// `per_dim` is `low + k/(per_dim − 1) · (high − low)`, or `exp(ln low + k/(per_dim − 1) ·
/// (ln high − ln low))`; with `per_dim = 1`, just `low`.
///
/// Order: the first hyper-parameter varies slowest, the last fastest (like nested loops, or
/// `itertools::iproduct!`): for two ranges `[(a0, b0), (a0, b1), ..., (a1, b0), ...]`. The result
/// has `per_dim^d` trials of `d` values each; no ranges give one empty trial.
///
/// Errors: an invalid range is `Err(InvalidRange)` (checked first); `per_dim = 0` is
/// `Err(InvalidArgument)`; more than [`MAX_TRIALS`] trials is `Err(TooLarge)` (check before you
/// allocate: `per_dim^d` overflows quickly).
pub fn grid_search(space: &[Range], per_dim: usize) -> Result<Vec<Vec<f64>>, SearchError> {
    for r in space {
        r.check()?;
    }
    if per_dim == 0 {
        return Err(SearchError::InvalidArgument);
    }
    let mut total = 1usize;
    for _ in space {
        total = total.checked_mul(per_dim).filter(|&t| t <= MAX_TRIALS).ok_or(SearchError::TooLarge)?;
    }
    let values: Vec<Vec<f64>> = space
        .iter()
        .map(|r| {
            (0..per_dim).map(|k| if per_dim == 1 { r.low } else { r.at(k as f64 / (per_dim - 1) as f64) }).collect()
        })
        .collect();
    let mut trials = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut trial = vec![0.0; space.len()];
        for d in (0..space.len()).rev() {
            trial[d] = values[d][i % per_dim];
            i /= per_dim;
        }
        trials.push(trial);
    }
    Ok(trials)
}

/// Random search's trials: `n` trials, each hyper-parameter drawn uniformly from its range (on
/// the log scale when `log`).
///
/// Draws: trial by trial, and within a trial range by range in order, one `u = rng.next_f64()`
/// each (so `n · d` draws), giving `low + u · (high − low)`, or `exp(ln low + u · (ln high −
/// ln low))` on a log scale. With the same budget as a grid of `k^d` points, random search tries
/// `k^d` distinct values of every hyper-parameter where the grid tries `k`.
///
/// Errors: an invalid range is `Err(InvalidRange)`, checked before any draw; `n = 0` gives no
/// trials.
pub fn random_search(space: &[Range], n: usize, rng: &mut Rng) -> Result<Vec<Vec<f64>>, SearchError> {
    for r in space {
        r.check()?;
    }
    Ok((0..n).map(|_| space.iter().map(|r| r.at(rng.next_f64())).collect()).collect())
}

/// One round of successive halving: the configurations it trained (in increasing order of their
/// index), at what resource (epochs, say), and the loss each reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    pub resource: f64,
    pub configs: Vec<usize>,
    pub losses: Vec<f64>,
}

/// Successive halving (Jamieson & Talwalkar, 2016): train many configurations briefly, keep the
/// best `1/eta` of them, train those `eta` times longer, and so on.
///
/// Configurations are numbered `first, first + 1, ..., first + n − 1`. Round `i = 0, 1, ...,
/// rounds − 1` trains every surviving configuration at resource `r · eta^i`, calling
/// `evaluate(config, resource)` once per configuration, in increasing order of the index, and
/// records the rung. Then it keeps the `⌊survivors / eta⌋` configurations with the lowest loss
/// (a NaN loss ranks after every number; equal losses rank by the lower index). The last round
/// prunes nothing more. If fewer than one configuration would survive, the rounds stop there.
///
/// Errors: `eta < 2`, or `r` not finite or `<= 0`, is `Err(InvalidArgument)` (before any
/// evaluation). `n = 0` or `rounds = 0` give no rungs.
pub fn successive_halving(
    first: usize,
    n: usize,
    r: f64,
    eta: usize,
    rounds: usize,
    evaluate: &mut dyn FnMut(usize, f64) -> f64,
) -> Result<Vec<Rung>, SearchError> {
    if eta < 2 || !(r.is_finite() && r > 0.0) {
        return Err(SearchError::InvalidArgument);
    }
    let mut survivors: Vec<usize> = (first..first + n).collect();
    let mut rungs = Vec::new();
    let mut resource = r;
    for round in 0..rounds {
        if survivors.is_empty() {
            break;
        }
        let losses: Vec<f64> = survivors.iter().map(|&c| evaluate(c, resource)).collect();
        rungs.push(Rung { resource, configs: survivors.clone(), losses: losses.clone() });
        if round + 1 == rounds {
            break;
        }
        let mut ranked: Vec<usize> = (0..survivors.len()).collect();
        ranked.sort_by(|&a, &b| rank(losses[a]).total_cmp(&rank(losses[b])).then(survivors[a].cmp(&survivors[b])));
        let mut kept: Vec<usize> = ranked[..survivors.len() / eta].iter().map(|&k| survivors[k]).collect();
        kept.sort_unstable();
        survivors = kept;
        resource *= eta as f64;
    }
    Ok(rungs)
}

/// A loss as a sort key: NaN after every number.
fn rank(loss: f64) -> f64 {
    if loss.is_nan() {
        f64::INFINITY
    } else {
        loss
    }
}

/// One bracket of Hyperband: its index `s`, how many configurations it starts with, at what
/// resource, and its rounds of successive halving.
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    pub s: usize,
    pub n: usize,
    pub r: f64,
    pub rungs: Vec<Rung>,
}

/// Hyperband (Li et al., 2018): successive halving is a bet on how early bad configurations can
/// be told apart; Hyperband hedges it by running several brackets, from "many configurations,
/// stopped very early" to "few configurations, trained fully" (plain random search).
///
/// With `R = max_resource` (the most one configuration may get) and `eta`:
///
/// - `s_max` is the largest integer with `eta^s_max <= R` (count it with integers, not a
///   floating-point logarithm: `ln 1000 / ln 10` is not exactly 3);
/// - for `s = s_max, s_max − 1, ..., 0`: `n = ⌈(s_max + 1) · eta^s / (s + 1)⌉` configurations
///   (integer arithmetic) starting at resource `r = R / eta^s`, run by [`successive_halving`]
///   with `s + 1` rounds.
///
/// Configurations are numbered across brackets: the first bracket uses `0..n`, the next one the
/// `n` indices after those, and so on (in a real search each index is a fresh random draw).
/// Returns the brackets in the order they ran.
///
/// Errors: `eta < 2`, or `R` not finite or `< 1`, is `Err(InvalidArgument)`.
pub fn hyperband(
    max_resource: f64,
    eta: usize,
    evaluate: &mut dyn FnMut(usize, f64) -> f64,
) -> Result<Vec<Bracket>, SearchError> {
    if eta < 2 || !(max_resource.is_finite() && max_resource >= 1.0) {
        return Err(SearchError::InvalidArgument);
    }
    let mut s_max = 0u32;
    while (eta as f64).powi(s_max as i32 + 1) <= max_resource {
        s_max += 1;
    }
    let mut brackets = Vec::new();
    let mut first = 0;
    for s in (0..=s_max).rev() {
        let eta_s = (eta as u128).pow(s);
        let numerator = (s_max as u128 + 1) * eta_s;
        let n = numerator.div_ceil(s as u128 + 1) as usize;
        let r = max_resource / eta_s as f64;
        let rungs = successive_halving(first, n, r, eta, s as usize + 1, evaluate)?;
        brackets.push(Bracket { s: s as usize, n, r, rungs });
        first += n;
    }
    Ok(brackets)
}

/// The squared-exponential (RBF) kernel `k(a, b) = variance · exp(−‖a − b‖² / (2 ·
/// length_scale²))`: nearby points have strongly correlated values, points many length scales
/// apart are independent; `variance` is the prior variance of every value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rbf {
    pub length_scale: f64,
    pub variance: f64,
}

impl Rbf {
    fn k(&self, a: &[f64], b: &[f64]) -> f64 {
        let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
        self.variance * (-d2 / (2.0 * self.length_scale * self.length_scale)).exp()
    }
}

/// The posterior of a Gaussian process with zero prior mean at the test points: `(mean,
/// variance)`, one of each per test point (scikit-learn's `GaussianProcessRegressor(kernel=
/// ConstantKernel(variance) * RBF(length_scale), alpha=noise, optimizer=None).predict(x_test,
/// return_std=True)`, with the standard deviation squared).
///
/// Maths, with `K = k(X, X) + noise · I` (`n × n`), `K* = k(X, X*)` (`n × m`):
///
/// ```text
/// mean* = K*ᵀ K⁻¹ y          var* = k(x*, x*) − K*ᵀ K⁻¹ K*   (the diagonal only)
/// ```
///
/// Never form `K⁻¹`: factor `K = L Lᵀ` (Cholesky), solve `L z = y` then `Lᵀ α = z` for
/// `α = K⁻¹ y` (so `mean* = K*ᵀ α`), and `L V = K*` for `V`, so `var*_j = k(x*_j, x*_j) − ‖V_j‖²`
/// (column `j`). Rounding can make a variance slightly negative at a training point: clamp it at 0.
///
/// Shapes: `x_train` is `n` points of `d` values, `y_train` has `n` values, `x_test` is `m` points
/// of `d` values. With no training points the posterior is the prior: mean 0, variance
/// `variance`. No test points give two empty vectors.
///
/// Errors: `length_scale` or `variance` not finite or `<= 0`, or `noise` not finite or `< 0`, is
/// `Err(InvalidArgument)`; points of different dimensions, or `y_train` of another length, are
/// `Err(ShapeMismatch)`; a Cholesky pivot `<= 0` (repeated points with `noise = 0`) is
/// `Err(NotPositiveDefinite)`.
pub fn gp_posterior(
    x_train: &[Vec<f64>],
    y_train: &[f64],
    x_test: &[Vec<f64>],
    kernel: &Rbf,
    noise: f64,
) -> Result<(Vec<f64>, Vec<f64>), SearchError> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !positive(kernel.length_scale) || !positive(kernel.variance) || !(noise.is_finite() && noise >= 0.0) {
        return Err(SearchError::InvalidArgument);
    }
    let d = x_train.first().or(x_test.first()).map_or(0, Vec::len);
    if y_train.len() != x_train.len() || x_train.iter().chain(x_test).any(|p| p.len() != d) {
        return Err(SearchError::ShapeMismatch);
    }
    let n = x_train.len();
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = kernel.k(&x_train[i], &x_train[j]) + if i == j { noise } else { 0.0 };
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s > 0.0) {
                    return Err(SearchError::NotPositiveDefinite);
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let forward = |b: &[f64]| {
        let mut z = vec![0.0; n];
        for i in 0..n {
            z[i] = (b[i] - (0..i).map(|k| l[i * n + k] * z[k]).sum::<f64>()) / l[i * n + i];
        }
        z
    };
    let z = forward(y_train);
    let mut alpha = vec![0.0; n];
    for i in (0..n).rev() {
        alpha[i] = (z[i] - (i + 1..n).map(|k| l[k * n + i] * alpha[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut means = Vec::with_capacity(x_test.len());
    let mut vars = Vec::with_capacity(x_test.len());
    for t in x_test {
        let k_star: Vec<f64> = x_train.iter().map(|x| kernel.k(x, t)).collect();
        means.push(k_star.iter().zip(&alpha).map(|(k, a)| k * a).sum());
        let v = forward(&k_star);
        vars.push((kernel.k(t, t) - v.iter().map(|v| v * v).sum::<f64>()).max(0.0));
    }
    Ok((means, vars))
}

/// Expected improvement for *minimisation* at a point whose surrogate predicts a normal loss with
/// mean `mean` and standard deviation `std`, when the best loss seen so far is `best`:
/// `E[max(best − ξ − f, 0)]`, which rewards both a low mean (exploitation) and a large spread
/// (exploration).
///
/// ```text
/// improvement = best − mean − ξ,   z = improvement / std
/// EI = improvement · Φ(z) + std · φ(z)         (std > 0)
/// EI = max(improvement, 0)                      (std = 0: no uncertainty left)
/// ```
///
/// `Φ` and `φ` are the standard normal's CDF and density; `Φ(z) = ½ · erfc(−z / √2)`, and
/// `candle_core::cpu::erf::erfc_f64` is an accurate `erfc` (`1 + erf` loses every digit far in
/// the lower tail, where EI is tiny but its ranking still matters). `ξ >= 0` asks for an
/// improvement of at least that much. The result is never negative.
///
/// Errors: `std` negative or NaN, or any input NaN, is `Err(InvalidArgument)`.
pub fn expected_improvement(mean: f64, std: f64, best: f64, xi: f64) -> Result<f64, SearchError> {
    if [mean, std, best, xi].iter().any(|v| v.is_nan()) || std < 0.0 {
        return Err(SearchError::InvalidArgument);
    }
    let improvement = best - mean - xi;
    if std == 0.0 {
        return Ok(improvement.max(0.0));
    }
    let z = improvement / std;
    let cdf = 0.5 * candle_core::cpu::erf::erfc_f64(-z / std::f64::consts::SQRT_2);
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    Ok((improvement * cdf + std * pdf).max(0.0))
}

/// Bayesian optimisation over a finite set of candidate points, minimising `f`: returns the
/// indices of the candidates evaluated, in order.
///
/// 1. Evaluate `f` at the candidates listed in `initial`, in that order.
/// 2. Then, `iterations` times: fit the Gaussian process ([`gp_posterior`] with `kernel` and
///    `noise`) to every point evaluated so far, compute the [`expected_improvement`] (with
///    `best` the lowest value seen so far, `std = √variance`, and `xi`) at every candidate not
///    yet evaluated, evaluate `f` at the one with the largest EI (the lowest index among equal
///    ones), and add it.
///
/// `f` is called exactly once per returned index. If every candidate has been evaluated, the
/// search stops early.
///
/// Errors: an index in `initial` out of range or repeated, or `initial` empty with `iterations >
/// 0`, is `Err(InvalidArgument)`, before any evaluation; errors of the posterior or the EI are
/// passed on.
pub fn bayes_opt(
    f: &mut dyn FnMut(&[f64]) -> f64,
    candidates: &[Vec<f64>],
    initial: &[usize],
    iterations: usize,
    kernel: &Rbf,
    noise: f64,
    xi: f64,
) -> Result<Vec<usize>, SearchError> {
    let mut seen = vec![false; candidates.len()];
    for &i in initial {
        if i >= candidates.len() || seen[i] {
            return Err(SearchError::InvalidArgument);
        }
        seen[i] = true;
    }
    if initial.is_empty() && iterations > 0 {
        return Err(SearchError::InvalidArgument);
    }
    let mut order = initial.to_vec();
    let mut ys: Vec<f64> = initial.iter().map(|&i| f(&candidates[i])).collect();
    for _ in 0..iterations {
        let open: Vec<usize> = (0..candidates.len()).filter(|&i| !seen[i]).collect();
        if open.is_empty() {
            break;
        }
        let xs: Vec<Vec<f64>> = order.iter().map(|&i| candidates[i].clone()).collect();
        let tests: Vec<Vec<f64>> = open.iter().map(|&i| candidates[i].clone()).collect();
        let (means, vars) = gp_posterior(&xs, &ys, &tests, kernel, noise)?;
        let best = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let mut pick = (open[0], f64::NEG_INFINITY);
        for (k, &i) in open.iter().enumerate() {
            let ei = expected_improvement(means[k], vars[k].sqrt(), best, xi)?;
            if ei > pick.1 {
                pick = (i, ei);
            }
        }
        seen[pick.0] = true;
        order.push(pick.0);
        ys.push(f(&candidates[pick.0]));
    }
    Ok(order)
}
