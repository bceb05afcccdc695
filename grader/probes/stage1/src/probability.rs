//! Glue for `stage1::probability`.
//!
//! `normal` and `binomial` evaluate several functions on one input (one exercise id per
//! distribution); every other handler calls exactly one function. Samplers get `Rng::new(seed)`
//! built here from the case's seed.

use grader_protocol::Value;
use probe_runtime::Handler;
use stage1::probability::{self as prob, ProbabilityError};
use stage1::rng::Rng;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage1.probability.bayes" => |v: &Value| prob::posterior(v.at(0).floats(), v.at(1).floats()).into(),
        // (xs, mu, sigma) -> (erf(xs), pdf(xs), cdf(xs))
        "stage1.probability.normal" => |v: &Value| {
            let (xs, mu, sigma) = (v.at(0).floats(), v.at(1).float(), v.at(2).float());
            let erf: Vec<f64> = xs.iter().map(|&x| prob::erf(x)).collect();
            let pdf = each(xs, |x| prob::normal_pdf(x, mu, sigma));
            let cdf = each(xs, |x| prob::normal_cdf(x, mu, sigma));
            Value::List(vec![erf.into(), pdf, cdf])
        },
        // (ks, n, p) -> (pmf(ks), cdf(ks))
        "stage1.probability.binomial" => |v: &Value| {
            let (ks, n, p) = (counts(v.at(0)), u64_of(v.at(1)), v.at(2).float());
            let pmf = each(&ks, |k| prob::binomial_pmf(k, n, p));
            let cdf = each(&ks, |k| prob::binomial_cdf(k, n, p));
            Value::List(vec![pmf, cdf])
        },
        // (ks, lambda) -> (pmf(ks), cdf(ks))
        "stage1.probability.poisson" => |v: &Value| {
            let (ks, lambda) = (counts(v.at(0)), v.at(1).float());
            let pmf = each(&ks, |k| prob::poisson_pmf(k, lambda));
            let cdf = each(&ks, |k| prob::poisson_cdf(k, lambda));
            Value::List(vec![pmf, cdf])
        },
        // (seed, mu, sigma, n) -> samples
        "stage1.probability.sample_normal" => |v: &Value| {
            let mut rng = Rng::new(u64_of(v.at(0)));
            prob::sample_normal(&mut rng, v.at(1).float(), v.at(2).float(), v.at(3).usize()).into()
        },
        // (seed, n, p, count) -> samples
        "stage1.probability.sample_binomial" => |v: &Value| {
            let mut rng = Rng::new(u64_of(v.at(0)));
            let n = u64_of(v.at(1));
            ints(prob::sample_binomial(&mut rng, n, v.at(2).float(), v.at(3).usize()))
        },
        // (seed, lambda, count) -> samples
        "stage1.probability.sample_poisson" => |v: &Value| {
            let mut rng = Rng::new(u64_of(v.at(0)));
            ints(prob::sample_poisson(&mut rng, v.at(1).float(), v.at(2).usize()))
        },
        _ => return None,
    })
}

/// A `u64` sent as the bits of an `i64` (seeds use all 64 bits).
fn u64_of(v: &Value) -> u64 {
    v.int() as u64
}

fn counts(v: &Value) -> Vec<u64> {
    v.ints().iter().map(|&k| k as u64).collect()
}

/// `f` at every point: the values, or the first error's variant name.
fn each<T: Copy>(xs: &[T], f: impl Fn(T) -> Result<f64, ProbabilityError>) -> Value {
    xs.iter().map(|&x| f(x)).collect::<Result<Vec<f64>, _>>().into()
}

/// Counts as an integer vector.
fn ints(r: Result<Vec<u64>, ProbabilityError>) -> Value {
    r.map(|v| v.into_iter().map(|k| k as i64).collect::<Vec<i64>>()).into()
}
