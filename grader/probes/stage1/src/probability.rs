//! Glue for `stage1::probability`.
//!
//! `normal` and `binomial` evaluate several functions on one input (one exercise id per
//! distribution); every other handler calls exactly one function. A sampler is called three times
//! (`probe_runtime::glue::three_runs`), each time with an `Rng` built here from a seed.

use crate::convert::Stage1;
use grader_protocol::Value;
use probe_runtime::glue::{three_runs, Ret};
use stage1::probability::{self as prob, ProbabilityError};
use stage1::rng::Rng;

probe_runtime::glue! { Stage1;
    "stage1.probability.bayes" => |prior: &[f64], likelihood: &[f64]| prob::posterior(prior, likelihood);
    "stage1.probability.normal" => |xs: &[f64], mu: f64, sigma: f64| (
        xs.iter().map(|&x| prob::erf(x)).collect::<Vec<f64>>(),
        each(xs, |x| prob::normal_pdf(x, mu, sigma)),
        each(xs, |x| prob::normal_cdf(x, mu, sigma)),
    );
    "stage1.probability.binomial" => |ks: Vec<u64>, n: u64, p: f64| {
        (each(&ks, |k| prob::binomial_pmf(k, n, p)), each(&ks, |k| prob::binomial_cdf(k, n, p)))
    };
    "stage1.probability.poisson" => |ks: Vec<u64>, lambda: f64| {
        (each(&ks, |k| prob::poisson_pmf(k, lambda)), each(&ks, |k| prob::poisson_cdf(k, lambda)))
    };
    "stage1.probability.sample_normal" => |seed: u64, mu: f64, sigma: f64, n: usize| {
        three_runs(seed, Rng::new, |rng| prob::sample_normal(rng, mu, sigma, n))
    } => (draws, same_seed, other_seed);
    "stage1.probability.sample_binomial" => |seed: u64, n: u64, p: f64, count: usize| {
        three_runs(seed, Rng::new, |rng| prob::sample_binomial(rng, n, p, count))
    } => (draws, same_seed, other_seed);
    "stage1.probability.sample_poisson" => |seed: u64, lambda: f64, count: usize| {
        three_runs(seed, Rng::new, |rng| prob::sample_poisson(rng, lambda, count))
    } => (draws, same_seed, other_seed);
}

/// `f` at every point: the values, or the first error's variant name.
fn each<T: Copy>(xs: &[T], f: impl Fn(T) -> Result<f64, ProbabilityError>) -> Value {
    Ret::<Stage1>::ret(xs.iter().map(|&x| f(x)).collect::<Result<Vec<f64>, _>>())
}
