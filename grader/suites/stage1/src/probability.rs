//! Hidden suites for `stage1::probability`.
//!
//! Bayes and the three distributions' functions are compared with the reference by allclose.
//! The three samplers are judged statistically (`Check::Custom`): the reference's samples from
//! the same seed are never compared with the student's, since any correct sampler is accepted.
//! Each sampled case runs goodness-of-fit tests against the true distribution (from statrs),
//! every one at significance [`ALPHA`], with enough draws that plausible bugs (a wrong variance,
//! an off-by-one, uniform instead of normal) are rejected by a wide margin. A sampler must also be
//! one: the glue runs it three times (the case's seed, the same seed again, another seed), and the
//! draws must repeat with the seed, change with it, show no dependence between neighbours, and
//! not fit the distribution implausibly well (a grid of quantiles fits perfectly).

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::stats::{kolmogorov_cdf, kolmogorov_sf, num};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, Discrete, Normal, Poisson};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage1.probability.bayes", bayes_cases),
        ExerciseSuite::plain("stage1.probability.normal", normal_cases),
        ExerciseSuite::plain("stage1.probability.binomial", binomial_cases),
        ExerciseSuite::plain("stage1.probability.poisson", poisson_cases),
        ExerciseSuite::custom("stage1.probability.sample_normal", sample_normal_cases, check_normal_samples),
        ExerciseSuite::custom("stage1.probability.sample_binomial", sample_binomial_cases, check_binomial_samples),
        ExerciseSuite::custom("stage1.probability.sample_poisson", sample_poisson_cases, check_poisson_samples),
    ]
}

fn pair(a: impl Into<Value>, b: impl Into<Value>) -> Value {
    Value::List(vec![a.into(), b.into()])
}

fn ks(ks: impl IntoIterator<Item = u64>) -> Value {
    Value::Ints(ks.into_iter().map(|k| k as i64).collect())
}

/// `n` probabilities in `(0, 1)` that sum to 1 (up to rounding).
fn distribution(g: &mut Gen, n: usize) -> Vec<f64> {
    let w = g.floats(n, 0.05, 1.0);
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total).collect()
}

// ---------------------------------------------------------------------------------------------
// Bayes

fn bayes_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("medical test: 1% prevalence, positive result", pair(vec![0.01, 0.99], vec![0.99, 0.05])),
        Case::new("medical test: negative result", pair(vec![0.01, 0.99], vec![0.01, 0.95])),
        Case::new("uniform prior over 4", pair(vec![0.25; 4], g.floats(4, 0.0, 1.0))),
    ];
    for n in [5, 50] {
        cases.push(Case::new(
            format!("random prior and likelihood, {n} hypotheses"),
            pair(distribution(g, n), g.floats(n, 0.0, 1.0)),
        ));
    }
    cases.push(Case::new("one hypothesis", pair(vec![1.0], vec![g.float(0.1, 1.0)])));
    let mut prior = distribution(g, 4);
    let moved = prior[1];
    prior[1] = 0.0;
    prior[2] += moved;
    cases.push(Case::new("a zero prior entry", pair(prior, g.floats(4, 0.1, 1.0))));
    let mut likelihood = g.floats(5, 0.1, 1.0);
    likelihood[3] = 0.0;
    cases.push(Case::new("a zero likelihood entry", pair(distribution(g, 5), likelihood)));
    let l = g.float(0.1, 0.9);
    cases.push(Case::new("equal likelihoods (posterior = prior)", pair(distribution(g, 6), vec![l; 6])));
    cases.push(Case::new("likelihoods above 1 (densities)", pair(distribution(g, 3), g.floats(3, 0.5, 8.0))));
    cases.push(Case::new("prior sums to 1 + 5e-10 (within tolerance)", pair(vec![0.3, 0.7 + 5e-10], vec![0.2, 0.6])));
    let tiny: Vec<f64> = g.floats(4, 1.0, 5.0).iter().map(|x| x * 1e-321).collect();
    cases.push(Case::new("likelihoods around 1e-321 (rescale before multiplying)", pair(distribution(g, 4), tiny)));
    let tiny: Vec<f64> = g.floats(3, 1.0, 5.0).iter().map(|x| x * 1e-300).collect();
    cases.push(Case::new("likelihoods around 1e-300", pair(distribution(g, 3), tiny)));
    // Errors, in the order the doc comment checks them.
    cases.push(Case::new("lengths 3 and 2", pair(distribution(g, 3), g.floats(2, 0.0, 1.0))));
    cases.push(Case::new("negative prior entry", pair(vec![0.6, -0.1, 0.5], vec![0.3, 0.3, 0.3])));
    cases.push(Case::new("NaN likelihood", pair(vec![0.5, 0.5], vec![0.3, f64::NAN])));
    cases.push(Case::new("infinite likelihood", pair(vec![0.5, 0.5], vec![f64::INFINITY, 0.3])));
    cases.push(Case::new("prior sums to 0.9", pair(vec![0.2, 0.3, 0.4], vec![0.5, 0.5, 0.5])));
    cases.push(Case::new("prior sums to 1 + 1e-8 (beyond tolerance)", pair(vec![0.5, 0.5 + 1e-8], vec![0.5, 0.5])));
    cases.push(Case::new("empty (prior sums to 0)", pair(Vec::<f64>::new(), Vec::<f64>::new())));
    cases.push(Case::new(
        "zero evidence (likelihood 0 wherever the prior is not)",
        pair(vec![0.0, 0.4, 0.6], vec![0.8, 0.0, 0.0]),
    ));
    cases.push(Case::new("all likelihoods zero", pair(distribution(g, 3), vec![0.0; 3])));
    cases
}

// ---------------------------------------------------------------------------------------------
// Normal distribution: (xs, mu, sigma) -> (erf(xs), pdf(xs), cdf(xs))

fn normal_input(xs: Vec<f64>, mu: f64, sigma: f64) -> Value {
    Value::List(vec![xs.into(), mu.into(), sigma.into()])
}

fn normal_cases(g: &mut Gen) -> Vec<Case> {
    let grid = vec![
        -8.0, -6.0, -4.0, -3.0, -2.0, -1.96, -1.0, -0.5, -1e-10, 0.0, 1e-10, 0.5, 1.0, 1.96, 2.0, 3.0, 4.0, 6.0, 8.0,
    ];
    let (mu, sigma) = (g.float(-5.0, 5.0), g.float(0.5, 3.0));
    let around: Vec<f64> = g.floats(20, -4.0, 4.0).iter().map(|z| mu + sigma * z).collect();
    let mu_small = g.float(-1.0, 1.0);
    let narrow: Vec<f64> = g.floats(10, -3.0, 3.0).iter().map(|z| mu_small + 0.01 * z).collect();
    let wide: Vec<f64> = g.floats(10, -3.0, 3.0).iter().map(|z| 1e4 + 1e3 * z).collect();
    let ints: Vec<f64> = (-12..=12).map(|k| k as f64 * 0.5).collect();
    vec![
        Case::new("standard normal on a grid from -8 to 8", normal_input(grid, 0.0, 1.0)),
        Case::new("random mu and sigma, 20 points within 4 sigma", normal_input(around, mu, sigma)),
        Case::new("erf from -6 to 6 in steps of 0.5", normal_input(ints, 0.0, 1.0)),
        Case::new("sigma = 0.01 (density far above 1)", normal_input(narrow, mu_small, 0.01)),
        Case::new("mu = 1e4, sigma = 1e3", normal_input(wide, 1e4, 1e3)),
        Case::new(
            "far tails: |x| = 10, 27, 30, 1000",
            normal_input(vec![-1e3, -30.0, -27.0, -10.0, 10.0, 27.0, 30.0, 1e3], 0.0, 1.0),
        ),
        Case::new("x = -inf and +inf", normal_input(vec![f64::NEG_INFINITY, f64::INFINITY], 0.0, 1.0)),
        Case::new("sigma = 0", normal_input(vec![0.0, 1.0], 0.0, 0.0)),
        Case::new("negative sigma", normal_input(vec![0.0, 1.0], 0.0, -g.float(0.5, 2.0))),
        Case::new("sigma = NaN", normal_input(vec![0.0, 1.0], 0.0, f64::NAN)),
        Case::new("mu = +inf", normal_input(vec![0.0, 1.0], f64::INFINITY, 1.0)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Binomial: (ks, n, p) -> (pmf(ks), cdf(ks)); Poisson: (ks, lambda) -> (pmf(ks), cdf(ks))

fn binomial_input(k: Value, n: u64, p: f64) -> Value {
    Value::List(vec![k, Value::Int(n as i64), p.into()])
}

fn binomial_cases(g: &mut Gen) -> Vec<Case> {
    let n = g.size(5, 60) as u64;
    let p = g.float(0.05, 0.95);
    vec![
        Case::new("n = 10, p = 0.3, every k from 0 to 12 (k > n included)", binomial_input(ks(0..=12), 10, 0.3)),
        Case::new("n = 1 (Bernoulli), random p", binomial_input(ks(0..=2), 1, g.float(0.0, 1.0))),
        Case::new(format!("random n = {n}, p = {p:.3}, every k"), binomial_input(ks(0..=n), n, p)),
        Case::new("n = 0", binomial_input(ks(0..=2), 0, 0.4)),
        Case::new(
            "n = 1000, p = 0.5 (n! overflows: use logarithms)",
            binomial_input(ks([0, 100, 400, 480, 500, 520, 600, 999, 1000, 1001]), 1000, 0.5),
        ),
        Case::new("n = 1000, p = 0.01, k from 0 to 30", binomial_input(ks(0..=30), 1000, 0.01)),
        Case::new(
            "n = 1000, p = 0.999 ((1-p)^n underflows)",
            binomial_input(ks([900, 950, 990, 995, 998, 999, 1000]), 1000, 0.999),
        ),
        Case::new("p = 0 exactly", binomial_input(ks([0, 1, 5, 20, 21]), 20, 0.0)),
        Case::new("p = 1 exactly", binomial_input(ks([0, 1, 19, 20, 21]), 20, 1.0)),
        Case::new("p = 1.5", binomial_input(ks([0, 1]), 5, 1.5)),
        Case::new("p = -0.2", binomial_input(ks([0, 1]), 5, -0.2)),
        Case::new("p = NaN", binomial_input(ks([0, 1]), 5, f64::NAN)),
    ]
}

fn poisson_cases(g: &mut Gen) -> Vec<Case> {
    let lambda = g.float(0.5, 50.0);
    let around = (0..12).map(|_| g.int(0, (3.0 * lambda) as i64 + 5) as u64);
    vec![
        Case::new("lambda = 3, every k from 0 to 15", pair(ks(0..=15), 3.0)),
        Case::new("lambda = 0.001", pair(ks(0..=4), 0.001)),
        Case::new(format!("random lambda = {lambda:.3}"), pair(ks(around), lambda)),
        Case::new("lambda = 0 (no events ever)", pair(ks([0, 1, 5]), 0.0)),
        Case::new(
            "lambda = 500 (500^k and k! overflow: use logarithms)",
            pair(ks([0, 200, 400, 450, 500, 550, 600, 1000]), 500.0),
        ),
        Case::new("lambda = 3, k = 10^6 (stop summing when the terms vanish)", pair(ks([1_000_000]), 3.0)),
        Case::new("lambda = -1", pair(ks([0, 1]), -1.0)),
        Case::new("lambda = NaN", pair(ks([0, 1]), f64::NAN)),
        Case::new("lambda = +inf", pair(ks([0, 1]), f64::INFINITY)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Samplers: inputs carry a seed (the bits of a u64 in an i64); outputs are judged statistically.

/// Significance level of every statistical test below: a correct sampler fails a given test on
/// about one case in ten million (the chi-square approximation is least exact this far into its
/// tail; at 1e-6 the reference failed once in 10,000 Poisson cases).
const ALPHA: f64 = 1e-7;

/// Large samples: at this size a normal with `sigma * 1.1`, or any shifted or reshaped
/// distribution a plausible bug produces, fails by many standard errors.
const DRAWS: usize = 50_000;

/// Least expected count of a chi-square bin: sparse bins are pooled until they reach it, so that
/// the chi-square approximation holds far enough into its tail for `ALPHA`.
const MIN_EXPECTED: f64 = 20.0;

fn seed(g: &mut Gen) -> Value {
    Value::Int(g.seed() as i64)
}

fn sample_normal_cases(g: &mut Gen) -> Vec<Case> {
    let input =
        |g: &mut Gen, mu: f64, sigma: f64, n: usize| Value::List(vec![seed(g), mu.into(), sigma.into(), n.into()]);
    let (mu, sigma) = (g.float(-10.0, 10.0), g.float(0.2, 5.0));
    vec![
        Case::new("standard normal, 50000 draws", input(g, 0.0, 1.0, DRAWS)),
        Case::new("mu = 3.5, sigma = 2, 50000 draws", input(g, 3.5, 2.0, DRAWS)),
        Case::new(
            format!("random mu = {mu:.3}, sigma = {sigma:.3}, 50001 draws (odd)"),
            input(g, mu, sigma, DRAWS + 1),
        ),
        Case::new("mu = -100, sigma = 0.01, 50000 draws", input(g, -100.0, 0.01, DRAWS)),
        Case::new("7 draws (odd count)", input(g, 1.0, 1.0, 7)),
        Case::new("0 draws", input(g, 0.0, 1.0, 0)),
        Case::new("sigma = 0", input(g, 0.0, 0.0, 10)),
        Case::new("negative sigma", input(g, 0.0, -1.0, 10)),
        Case::new("mu = NaN", input(g, f64::NAN, 1.0, 10)),
    ]
}

fn sample_binomial_cases(g: &mut Gen) -> Vec<Case> {
    let input = |g: &mut Gen, n: u64, p: f64, count: usize| {
        Value::List(vec![seed(g), Value::Int(n as i64), p.into(), count.into()])
    };
    let (n, p) = (g.size(2, 60) as u64, g.float(0.1, 0.9));
    vec![
        Case::new("n = 20, p = 0.3, 50000 draws", input(g, 20, 0.3, DRAWS)),
        Case::new("n = 1 (Bernoulli), p = 0.5, 50000 draws", input(g, 1, 0.5, DRAWS)),
        Case::new("n = 100, p = 0.05 (skewed), 50000 draws", input(g, 100, 0.05, DRAWS)),
        Case::new("n = 100, p = 0.97, 50000 draws", input(g, 100, 0.97, DRAWS)),
        Case::new(format!("random n = {n}, p = {p:.3}, 50000 draws"), input(g, n, p, DRAWS)),
        Case::new("n = 0 (always 0)", input(g, 0, 0.5, 100)),
        Case::new("p = 0 (always 0)", input(g, 10, 0.0, 1000)),
        Case::new("p = 1 (always n)", input(g, 10, 1.0, 1000)),
        Case::new("0 draws", input(g, 10, 0.5, 0)),
        Case::new("p = 1.2", input(g, 10, 1.2, 10)),
        Case::new("p = NaN", input(g, 10, f64::NAN, 10)),
    ]
}

fn sample_poisson_cases(g: &mut Gen) -> Vec<Case> {
    let input = |g: &mut Gen, lambda: f64, count: usize| Value::List(vec![seed(g), lambda.into(), count.into()]);
    let lambda = g.float(0.5, 20.0);
    vec![
        Case::new("lambda = 4.5, 50000 draws", input(g, 4.5, DRAWS)),
        Case::new("lambda = 0.1 (mostly zeros), 50000 draws", input(g, 0.1, DRAWS)),
        Case::new("lambda = 30, 50000 draws", input(g, 30.0, DRAWS)),
        Case::new("lambda = 100, 50000 draws", input(g, 100.0, DRAWS)),
        Case::new(format!("random lambda = {lambda:.3}, 50000 draws"), input(g, lambda, DRAWS)),
        Case::new("lambda = 0 (always 0)", input(g, 0.0, 1000)),
        Case::new("0 draws", input(g, 2.0, 0)),
        Case::new("lambda = -1", input(g, -1.0, 10)),
        Case::new("lambda = NaN", input(g, f64::NAN, 10)),
        Case::new("lambda = +inf", input(g, f64::INFINITY, 10)),
    ]
}

/// Shared by the three checks. The glue runs a sampler three times (`=> (draws, same_seed,
/// other_seed)`): from the case's seed, from it again, and from another seed. An expected error
/// is compared by variant (`Ok(None)` when it matches); otherwise each run must be a vector of
/// exactly `n` draws, and the first run is returned with the other two.
fn expect_draws<'a>(ctx: &'a CheckCtx, n: usize) -> Result<Option<Runs<'a>>, Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        panic!("suite: a sampler's glue returns its three runs as a tuple")
    };
    if let Value::Error(_) = expected[0] {
        return compare::values(&expected[0], &got[0], ctx.tol).map(|()| None);
    }
    for (run, got) in ["", " from the same seed again", " from another seed"].iter().zip(got) {
        let len = match got {
            Value::Floats(x) => x.len(),
            Value::Ints(x) => x.len(),
            Value::Error(e) => return Err(Failure::plain(format!("expected {n} draws{run}, got error `{e}`"))),
            other => return Err(Failure::plain(format!("expected {n} draws{run}, got a {}", other.kind()))),
        };
        if len != n {
            return Err(Failure::plain(format!("expected exactly {n} draws{run}, got {len}")));
        }
    }
    Ok(Some(Runs { draws: &got[0], same_seed: &got[1], other_seed: &got[2] }))
}

/// A sampler's three runs (see [`expect_draws`]).
struct Runs<'a> {
    draws: &'a Value,
    same_seed: &'a Value,
    other_seed: &'a Value,
}

/// A sampler is one: its draws are a function of the generator it is given (the same seed gives
/// the same draws, bit for bit), they change with the seed, and no draw predicts the next. Run
/// on finite draws `x` of the first run; `varies` says whether the distribution has any spread.
fn check_is_sampler(runs: &Runs, x: &[f64], varies: bool) -> Result<(), Failure> {
    if runs.same_seed != runs.draws {
        let differ = |a: &[f64], b: &[f64]| a.iter().zip(b).position(|(a, b)| a.to_bits() != b.to_bits());
        let at = match runs.same_seed {
            Value::Floats(y) => differ(x, y),
            Value::Ints(y) => differ(x, &y.iter().map(|&k| k as f64).collect::<Vec<f64>>()),
            _ => None,
        };
        let at = at.map(|i| format!(" (first at draw {i})")).unwrap_or_default();
        return Err(Failure::plain(format!(
            "two generators made from the same seed gave different draws{at}: a sampler must take all its \
             randomness from the `rng` it is given, so that a seed reproduces a run"
        )));
    }
    let n = x.len();
    if !varies || n < MIN_FOR_TESTS {
        return Ok(());
    }
    if runs.other_seed == runs.draws {
        return Err(Failure::plain(format!(
            "generators made from two different seeds gave the same {n} draws: the draws must come from the `rng` \
             you are given"
        )));
    }
    // Lag-k autocorrelation of independent draws is about normal with mean -1/n, variance 1/n.
    let mean = x.iter().sum::<f64>() / n as f64;
    let spread: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if spread == 0.0 {
        return Err(Failure::plain(format!("all {n} draws are equal to {}", num(x[0]))));
    }
    for lag in 1..=2 {
        let r = x.windows(lag + 1).map(|w| (w[0] - mean) * (w[lag] - mean)).sum::<f64>() / spread;
        let z = (r + 1.0 / n as f64) * (n as f64).sqrt();
        let p = two_sided(z);
        if p < ALPHA {
            let previous = if lag == 1 { "the previous draw".to_string() } else { format!("the draw {lag} before") };
            return Err(Failure::plain(format!(
                "the draws are not independent: each is correlated with {previous} (autocorrelation {r:.3}, {}); \
                 every draw needs fresh uniforms, in the order they come from the generator, and the draws must \
                 not be sorted",
                p_value(p)
            )));
        }
    }
    Ok(())
}

/// A goodness-of-fit statistic far below what chance gives: draws spread like a grid of
/// quantiles rather than a random sample.
fn too_good(name: &str, statistic: &str, p_lower: f64) -> Failure {
    Failure::plain(format!(
        "the draws fit {name} too well to be random: a {statistic} this small happens by chance with probability \
         {p_lower:.1e} < {ALPHA:e}; the draws must be random, not laid out evenly over the distribution"
    ))
}

/// A rejected test's p-value, for messages.
fn p_value(p: f64) -> String {
    if p < 1e-300 {
        format!("p < 1e-300, far below {ALPHA:e}")
    } else {
        format!("p = {p:.1e} < {ALPHA:e}")
    }
}

/// Two-sided p-value of a standard normal statistic.
fn two_sided(z: f64) -> f64 {
    2.0 * Normal::standard().sf(z.abs())
}

fn mean_and_variance(x: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = x.clone().count() as f64;
    let mean = x.clone().sum::<f64>() / n;
    let var = x.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Tests below this many draws are skipped: only the count and the values are checked.
const MIN_FOR_TESTS: usize = 1000;

fn check_normal_samples(ctx: &CheckCtx) -> Result<(), Failure> {
    let n = ctx.input.at(3).usize();
    let Some(runs) = expect_draws(ctx, n)? else {
        return Ok(());
    };
    let Value::Floats(x) = runs.draws else {
        return Err(Failure::plain(format!("expected {n} draws as floats, got an integer vector")));
    };
    let (mu, sigma) = (ctx.input.at(1).float(), ctx.input.at(2).float());
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Failure::plain(format!("draw {i} is {}: every draw must be a finite number", x[i])));
    }
    check_is_sampler(&runs, x, true)?;
    if n < MIN_FOR_TESTS {
        return Ok(());
    }
    let dist = Normal::new(mu, sigma).expect("the case has a valid sigma");
    let name = format!("N({}, {}²)", num(mu), num(sigma));
    let (mean, var) = mean_and_variance(x.iter().copied());
    let moments = format!("your draws have mean {} and standard deviation {}", num(mean), num(var.sqrt()));
    // 1. The mean: (x̄ - mu) / (sigma / √n) is standard normal.
    let z = (mean - mu) / (sigma / (n as f64).sqrt());
    let p = two_sided(z);
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the mean is off: {moments}, where {name} has mean {} (z = {z:.1}, {})",
            num(mu),
            p_value(p)
        )));
    }
    // 2. The variance: (n - 1) s² / sigma² is chi-square with n - 1 degrees of freedom.
    let chi = ChiSquared::new((n - 1) as f64).expect("n > 1");
    let stat = (n - 1) as f64 * var / (sigma * sigma);
    let p = 2.0 * chi.cdf(stat).min(chi.sf(stat));
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the spread is off: {moments}, where {name} has standard deviation {} (chi-square variance test {})",
            num(sigma),
            p_value(p)
        )));
    }
    // 3. The whole shape: Kolmogorov–Smirnov distance between the empirical and the true CDF.
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);
    let nf = n as f64;
    let (mut d, mut at, mut emp, mut cdf_at) = (0.0, 0.0, 0.0, 0.0);
    for (i, &v) in sorted.iter().enumerate() {
        let f = dist.cdf(v);
        for e in [i as f64 / nf, (i + 1) as f64 / nf] {
            if (e - f).abs() > d {
                (d, at, emp, cdf_at) = ((e - f).abs(), v, e, f);
            }
        }
    }
    let t = d * (nf.sqrt() + 0.12 + 0.11 / nf.sqrt());
    let p = kolmogorov_sf(t);
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the draws do not look like {name}: Kolmogorov–Smirnov distance {d:.4} ({}); the largest gap is at \
             x = {}, where {emp:.4} of your draws lie below and {name} puts {cdf_at:.4}; {moments}",
            p_value(p),
            num(at)
        )));
    }
    // 4. Too close a fit: a random sample's distance is rarely this small.
    let p_lower = kolmogorov_cdf(t);
    if p_lower < ALPHA {
        return Err(too_good(&name, &format!("Kolmogorov–Smirnov distance ({d:.2e})"), p_lower));
    }
    Ok(())
}

/// A discrete distribution on `0, 1, 2, ...` as the checks need it.
struct Counts<'a> {
    name: String,
    mean: f64,
    variance: f64,
    /// `P(X = k)` for `k = 0..=probs.len()-1`; the rest of the mass lies above.
    probs: Vec<f64>,
    /// The largest possible value, if any.
    max: Option<u64>,
    draws: &'a [i64],
}

/// A degenerate distribution (all its mass on `value`): every draw must be `value`.
fn check_point_mass(name: &str, draws: &[i64], value: i64, runs: &Runs) -> Result<(), Failure> {
    match draws.iter().position(|&k| k != value) {
        None => check_is_sampler(runs, &draws.iter().map(|&k| k as f64).collect::<Vec<f64>>(), false),
        Some(i) => Err(Failure::plain(format!("draw {i} is {}, but {name} always gives {value}", draws[i]))),
    }
}

fn check_counts(c: &Counts, runs: &Runs) -> Result<(), Failure> {
    let Counts { name, draws, .. } = c;
    if let Some(i) = draws.iter().position(|&k| k < 0 || c.max.is_some_and(|m| k as u64 > m)) {
        return Err(Failure::plain(format!("draw {i} is {}, impossible for {name}", draws[i])));
    }
    check_is_sampler(runs, &draws.iter().map(|&k| k as f64).collect::<Vec<f64>>(), true)?;
    let n = draws.len();
    if n < MIN_FOR_TESTS {
        return Ok(());
    }
    let (mean, var) = mean_and_variance(draws.iter().map(|&k| k as f64));
    let moments = format!(
        "your draws have mean {} and variance {}, {name} has {} and {}",
        num(mean),
        num(var),
        num(c.mean),
        num(c.variance)
    );
    // 1. The mean, by the central limit theorem.
    let z = (mean - c.mean) / (c.variance / n as f64).sqrt();
    let p = two_sided(z);
    if p < ALPHA {
        return Err(Failure::plain(format!("the mean is off: {moments} (z = {z:.1}, {})", p_value(p))));
    }
    // 2. Chi-square goodness of fit, on bins pooled until each expects MIN_EXPECTED draws.
    let nf = n as f64;
    let mut bins: Vec<(u64, f64)> = Vec::new(); // (first value, expected count); the last bin is open
    let (mut lo, mut acc) = (0u64, 0.0);
    for (k, p) in c.probs.iter().enumerate() {
        acc += nf * p;
        if acc >= MIN_EXPECTED {
            bins.push((lo, acc));
            (lo, acc) = (k as u64 + 1, 0.0);
        }
    }
    acc += nf * (1.0 - c.probs.iter().sum::<f64>()).max(0.0); // the tail above
    match bins.last_mut() {
        Some(last) if acc < MIN_EXPECTED => last.1 += acc,
        _ => bins.push((lo, acc)),
    }
    if bins.len() < 2 {
        return Ok(());
    }
    let mut observed = vec![0usize; bins.len()];
    for &k in *draws {
        observed[bins.partition_point(|b| b.0 <= k as u64) - 1] += 1;
    }
    let stat: f64 = bins.iter().zip(&observed).map(|(b, &o)| (o as f64 - b.1).powi(2) / b.1).sum();
    let dof = bins.len() - 1;
    let p = ChiSquared::new(dof as f64).expect("dof >= 1").sf(stat);
    if p < ALPHA {
        let (worst, _) = bins
            .iter()
            .zip(&observed)
            .enumerate()
            .map(|(i, (b, &o))| (i, (o as f64 - b.1).powi(2) / b.1))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("bins");
        let first = bins[worst].0;
        let range = match bins.get(worst + 1) {
            None => format!("k >= {first}"),
            Some(next) if next.0 == first + 1 => format!("k = {first}"),
            Some(next) => format!("{first} <= k <= {}", next.0 - 1),
        };
        return Err(Failure::plain(format!(
            "the draws do not follow {name}: chi-square goodness of fit {stat:.1} on {dof} degrees of freedom ({}); \
             worst bin {range}: {} draws where {:.1} were expected; {moments}",
            p_value(p),
            observed[worst],
            bins[worst].1
        )));
    }
    // 3. Too close a fit. With few bins the statistic is too coarse (a lattice) for its lower
    // tail to follow the chi-square law, so the test needs several degrees of freedom.
    let p_lower = ChiSquared::new(dof as f64).expect("dof >= 1").cdf(stat);
    if dof >= MIN_DOF_TOO_GOOD && p_lower < ALPHA {
        return Err(too_good(name, &format!("chi-square statistic ({stat:.2e} on {dof} degrees of freedom)"), p_lower));
    }
    Ok(())
}

/// Least degrees of freedom of a chi-square test whose lower tail is trusted (see above).
const MIN_DOF_TOO_GOOD: usize = 5;

fn int_draws(got: &Value, n: usize) -> Result<&[i64], Failure> {
    match got {
        Value::Ints(k) => Ok(k),
        _ => Err(Failure::plain(format!("expected {n} draws as integers, got a {}", got.kind()))),
    }
}

fn check_binomial_samples(ctx: &CheckCtx) -> Result<(), Failure> {
    let count = ctx.input.at(3).usize();
    let Some(runs) = expect_draws(ctx, count)? else {
        return Ok(());
    };
    let draws = int_draws(runs.draws, count)?;
    let (n, p) = (ctx.input.at(1).int() as u64, ctx.input.at(2).float());
    let name = format!("Binomial({n}, {p})");
    if n == 0 || p == 0.0 {
        return check_point_mass(&name, draws, 0, &runs);
    }
    if p == 1.0 {
        return check_point_mass(&name, draws, n as i64, &runs);
    }
    let dist = Binomial::new(p, n).expect("valid binomial");
    check_counts(
        &Counts {
            mean: n as f64 * p,
            variance: n as f64 * p * (1.0 - p),
            probs: (0..=n).map(|k| dist.pmf(k)).collect(),
            max: Some(n),
            draws,
            name,
        },
        &runs,
    )
}

fn check_poisson_samples(ctx: &CheckCtx) -> Result<(), Failure> {
    let count = ctx.input.at(2).usize();
    let Some(runs) = expect_draws(ctx, count)? else {
        return Ok(());
    };
    let draws = int_draws(runs.draws, count)?;
    let lambda = ctx.input.at(1).float();
    let name = format!("Poisson({lambda})");
    if lambda == 0.0 {
        return check_point_mass(&name, draws, 0, &runs);
    }
    let dist = Poisson::new(lambda).expect("valid lambda");
    // Far enough right that the mass beyond is far below one expected draw.
    let top = (lambda + 15.0 * lambda.sqrt() + 15.0).ceil() as u64;
    check_counts(
        &Counts {
            mean: lambda,
            variance: lambda,
            probs: (0..=top).map(|k| dist.pmf(k)).collect(),
            max: None,
            draws,
            name,
        },
        &runs,
    )
}

// The reference solution, compiled into the unit tests below (never into the grader itself), so
// that its numbers can be checked against statrs and its samples fed to the checks. Its
// `super::rng` import resolves to this `rng` module.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../solutions/stage1/src/probability.rs"]
mod reference;
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../solutions/stage1/src/rng.rs"]
mod rng;

#[cfg(test)]
mod tests {
    //! The reference checked against statrs; the tolerance of `normal` checked against the
    //! formula the doc comment teaches; the statistical checks shown to pass the reference for
    //! many seeds and to reject plausible wrong samplers.

    use super::reference as r;
    use super::rng::Rng;
    use super::*;
    use grader_suite_api::compare::Tolerance;
    use statrs::distribution::{Continuous, DiscreteCDF};

    const SAMPLERS: [&str; 3] =
        ["stage1.probability.sample_normal", "stage1.probability.sample_binomial", "stage1.probability.sample_poisson"];

    fn suite(id: &str) -> ExerciseSuite {
        suites().into_iter().find(|s| s.id == id).expect("suite exists")
    }

    fn cases(id: &str, seed: u64) -> Vec<Case> {
        (suite(id).cases)(&mut Gen::new(seed, id))
    }

    /// The glue's three runs of a sampler (`three_runs` in grader/probes/stage1/src/probability.rs):
    /// `None` where `f` gives `None`.
    fn three(input: &Value, f: impl Fn(&mut Rng) -> Option<Value>) -> Option<Value> {
        const OTHER_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
        let seed = input.at(0).int() as u64;
        let runs = [seed, seed, seed.wrapping_add(OTHER_SEED)].map(|s| f(&mut Rng::new(s)));
        let [Some(a), Some(b), Some(c)] = runs else { return None };
        Some(Value::List(vec![a, b, c]))
    }

    fn ints(r: Result<Vec<u64>, r::ProbabilityError>) -> Value {
        r.map(|v| v.into_iter().map(|k| k as i64).collect::<Vec<i64>>()).into()
    }

    /// What the glue makes of the reference's answer (grader/probes/stage1/src/probability.rs).
    fn reference_output(id: &str, v: &Value) -> Value {
        three(v, |rng| reference_draws(id, v, rng)).expect("three runs")
    }

    fn reference_draws(id: &str, v: &Value, rng: &mut Rng) -> Option<Value> {
        Some(match id {
            "stage1.probability.sample_normal" => {
                r::sample_normal(rng, v.at(1).float(), v.at(2).float(), v.at(3).usize()).into()
            }
            "stage1.probability.sample_binomial" => {
                ints(r::sample_binomial(rng, v.at(1).int() as u64, v.at(2).float(), v.at(3).usize()))
            }
            "stage1.probability.sample_poisson" => ints(r::sample_poisson(rng, v.at(1).float(), v.at(2).usize())),
            _ => unreachable!("{id}"),
        })
    }

    fn judge(id: &str, input: &Value, expected: &Value, got: &Value) -> Result<(), Failure> {
        let ctx = CheckCtx::new(input, expected, got, Tolerance::EXACT);
        suite(id).check.judge(&ctx)
    }

    #[test]
    fn reference_erf_and_normal_are_accurate() {
        // Correctly rounded values from mpmath (40 digits): statrs is no oracle at this level (see
        // below). On a grid of step 0.01 over [-7, 7], the reference's largest error against
        // mpmath is 1.0e-15.
        for (x, want) in [
            (1e-10, 1.1283791670955126e-10),
            (0.1, 0.1124629160182849),
            (0.5, 0.5204998778130465),
            (1.0, 0.8427007929497149),
            (1.5, 0.9661051464753108),
            (2.0, 0.9953222650189527),
            (2.31, 0.9989124231037001),
            (2.4999, 0.9995928300996666),
            (2.5, 0.999593047982555),
            (2.71, 0.9998731620733717),
            (2.91, 0.9999613426877595),
            (3.07, 0.9999858574071167),
            (3.38, 0.9999982474128332),
            (4.0, 0.9999999845827421),
            (5.0, 0.9999999999984626),
            (6.0, 1.0),
        ] {
            let got = r::erf(x);
            assert!((got - want).abs() <= 2e-15 * want, "erf({x}): {got:e} vs {want:e}");
            assert_eq!(r::erf(-x), -got, "erf is odd");
        }
        for x in [27.0, 30.0, 1e3, f64::INFINITY] {
            assert_eq!(r::erf(x), 1.0, "erf({x})");
        }
        assert!(r::erf(f64::NAN).is_nan());
        for (z, want) in [
            (-37.0, 5.725571222524577e-300),
            (-20.0, 2.7536241186062337e-89),
            (-10.0, 7.619853024160525e-24),
            (-3.5, 0.00023262907903552504),
            (0.7, 0.758036347776927),
        ] {
            // The rounding of z/√2 alone moves Φ(z) by about z² ulps (1e-13 relative at -37).
            let got = r::normal_cdf(z, 0.0, 1.0).unwrap();
            let ulps = 8.0 * f64::max(1.0, z * z);
            assert!((got - want).abs() <= ulps * f64::EPSILON * want, "Φ({z}): {got:e} vs {want:e}");
        }
        // statrs agrees to its own accuracy: its erf (0.18) is off by up to 5e-11 near |x| = 0.5
        // (erf(0.87): statrs 0.7814398454802907, mpmath and the reference 0.7814398454905507).
        let std = Normal::standard();
        let mut x = -7.0;
        while x <= 7.0 {
            let (got, want) = (r::erf(x), statrs::function::erf::erf(x));
            assert!((got - want).abs() <= 1e-10, "erf({x}): {got:e} vs statrs {want:e}");
            let (got, want) = (r::normal_pdf(x, 0.0, 1.0).unwrap(), std.pdf(x));
            assert!((got - want).abs() <= 1e-14 * want, "φ({x}): {got:e} vs statrs {want:e}");
            x += 0.01;
        }
        for z in [-20.0, -10.0, -5.0, -1.0, 0.0, 2.0, 4.0, 9.0] {
            let (got, want) = (r::normal_cdf(z, 0.0, 1.0).unwrap(), std.cdf(z));
            assert!((got - want).abs() <= 1e-8 * want, "Φ({z}): {got:e} vs statrs {want:e}");
        }
        assert_eq!(r::normal_cdf(f64::NEG_INFINITY, 1.0, 2.0), Ok(0.0));
        assert_eq!(r::normal_cdf(f64::INFINITY, 1.0, 2.0), Ok(1.0));
        assert_eq!(r::normal_pdf(f64::INFINITY, 1.0, 2.0), Ok(0.0));
    }

    #[test]
    fn reference_binomial_and_poisson_agree_with_statrs() {
        let close = |what: String, got: f64, want: f64| {
            assert!((got - want).abs() <= 1e-300 + 1e-11 * want, "{what}: {got:e} vs statrs {want:e}");
        };
        for (n, p) in [(10, 0.3), (1, 0.5), (60, 0.77), (1000, 0.5), (1000, 0.01), (1000, 0.999), (500, 1e-9)] {
            let dist = Binomial::new(p, n).unwrap();
            for k in (0..=n).step_by(((n / 40) as usize).max(1)) {
                close(format!("Binomial({n}, {p}) pmf({k})"), r::binomial_pmf(k, n, p).unwrap(), dist.pmf(k));
                close(format!("Binomial({n}, {p}) cdf({k})"), r::binomial_cdf(k, n, p).unwrap(), dist.cdf(k));
            }
        }
        for lambda in [0.001, 0.5, 3.0, 17.3, 100.0, 500.0] {
            let dist = Poisson::new(lambda).unwrap();
            for k in [0, 1, 2, 5, 10, 50, 200, 400, 500, 600, 1000] {
                close(format!("Poisson({lambda}) pmf({k})"), r::poisson_pmf(k, lambda).unwrap(), dist.pmf(k));
                close(format!("Poisson({lambda}) cdf({k})"), r::poisson_cdf(k, lambda).unwrap(), dist.cdf(k));
            }
        }
        assert_eq!(r::poisson_cdf(1_000_000_000_000, 3.0), Ok(1.0));
    }

    /// Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), the formula the doc comment teaches.
    fn erf_as_7_1_26(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
        let poly =
            t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        (1.0 - poly * (-x * x).exp()).copysign(x)
    }

    /// Abramowitz & Stegun 7.1.25 (|error| <= 2.5e-5): too crude for the tolerance.
    fn erf_as_7_1_25(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.470_47 * x.abs());
        let poly = t * (0.348_024_2 + t * (-0.095_879_8 + t * 0.747_855_6));
        (1.0 - poly * (-x * x).exp()).copysign(x)
    }

    /// The `normal` glue's output with the reference's pdf and a cdf built on `erf`.
    fn normal_output(v: &Value, erf: fn(f64) -> f64) -> Value {
        let (xs, mu, sigma) = (v.at(0).floats(), v.at(1).float(), v.at(2).float());
        let each = |f: &dyn Fn(f64) -> Result<f64, r::ProbabilityError>| -> Value {
            xs.iter().map(|&x| f(x)).collect::<Result<Vec<f64>, _>>().into()
        };
        let cdf = |x: f64| r::normal_pdf(x, mu, sigma).map(|_| 0.5 * (1.0 + erf((x - mu) / sigma / 2f64.sqrt())));
        Value::List(vec![
            xs.iter().map(|&x| erf(x)).collect::<Vec<f64>>().into(),
            each(&|x| r::normal_pdf(x, mu, sigma)),
            each(&cdf),
        ])
    }

    #[test]
    fn abramowitz_stegun_passes_normal_and_a_cruder_formula_fails() {
        // The manifest's tolerance for stage1.probability.normal.
        let tol = Tolerance::new(2e-7, 1e-9);
        let id = "stage1.probability.normal";
        for seed in 1..=20 {
            let mut crude_failures = 0;
            for case in cases(id, seed) {
                let want = normal_output(&case.input, r::erf);
                compare::values(&want, &normal_output(&case.input, erf_as_7_1_26), tol)
                    .unwrap_or_else(|f| panic!("seed {seed}, {}: A&S 7.1.26 fails: {}", case.label, f.message));
                crude_failures +=
                    compare::values(&want, &normal_output(&case.input, erf_as_7_1_25), tol).is_err() as usize;
            }
            assert!(crude_failures >= 3, "seed {seed}: A&S 7.1.25 fails only {crude_failures} cases");
        }
    }

    #[test]
    fn sampling_checks_pass_the_reference_for_seeds_1_to_20() {
        for id in SAMPLERS {
            for seed in 1..=20 {
                for case in cases(id, seed) {
                    let out = reference_output(id, &case.input);
                    judge(id, &case.input, &out, &out)
                        .unwrap_or_else(|f| panic!("{id}, seed {seed}, {}: {}", case.label, f.message));
                }
            }
        }
    }

    /// How many of the large-sample cases of `id` the check rejects when `wrong` draws instead of
    /// the reference, for each of the seeds 1..=3 (debug-built statistics are slow); `wrong`
    /// returns `None` where it does not apply (errors, small samples, degenerate cases).
    fn rejections(id: &str, wrong: impl Fn(&Value, &mut Rng) -> Option<Value>) -> Vec<(usize, usize, String)> {
        let mut per_seed = Vec::new();
        for seed in 1..=3 {
            let (mut rejected, mut total, mut message) = (0, 0, String::new());
            for case in cases(id, seed) {
                let Some(got) = three(&case.input, |rng| wrong(&case.input, rng)) else { continue };
                total += 1;
                // The reference's draws matter to the check only when they are an error, which
                // a large-sample case never is: `got` stands in for them.
                if let Err(f) = judge(id, &case.input, &got, &got) {
                    rejected += 1;
                    message = f.message;
                }
            }
            per_seed.push((rejected, total, message));
        }
        per_seed
    }

    /// The large-sample cases only: `DRAWS` draws or more (never an error, never degenerate).
    fn large(v: &Value, count_at: usize) -> bool {
        v.at(count_at).usize() >= DRAWS
    }

    #[test]
    fn normal_check_rejects_wrong_samplers() {
        let id = "stage1.probability.sample_normal";
        let scaled = |mu_shift: f64, sigma_scale: f64| {
            move |v: &Value, rng: &mut Rng| {
                let (mu, sigma, n) = (v.at(1).float(), v.at(2).float(), v.at(3).usize());
                large(v, 3)
                    .then(|| r::sample_normal(rng, mu + mu_shift * sigma, sigma * sigma_scale, n).unwrap().into())
            }
        };
        let uniform = |v: &Value, rng: &mut Rng| {
            // Same mean and variance as the normal: only the shape is wrong.
            let (mu, sigma, n) = (v.at(1).float(), v.at(2).float(), v.at(3).usize());
            large(v, 3).then(|| {
                let x: Vec<f64> = (0..n).map(|_| mu + sigma * 3f64.sqrt() * (2.0 * rng.next_f64() - 1.0)).collect();
                x.into()
            })
        };
        type Sampler = Box<dyn Fn(&Value, &mut Rng) -> Option<Value>>;
        let wrong: [(&str, Sampler); 4] = [
            ("sigma * 1.1", Box::new(scaled(0.0, 1.1))),
            ("sigma * 0.95", Box::new(scaled(0.0, 0.95))),
            ("mu + 0.05 sigma", Box::new(scaled(0.05, 1.0))),
            ("uniform with the right mean and variance", Box::new(uniform)),
        ];
        for (what, f) in wrong {
            for (seed, (rejected, total, message)) in rejections(id, f).into_iter().enumerate() {
                assert!(total >= 4 && rejected == total, "{what}, seed {}: rejected {rejected} of {total}", seed + 1);
                assert!(message.contains("your draws have mean"), "{message}");
            }
        }
    }

    #[test]
    fn discrete_checks_reject_wrong_samplers() {
        let bin = "stage1.probability.sample_binomial";
        let draws = |f: &dyn Fn(u64, f64, &mut Rng) -> u64, v: &Value, rng: &mut Rng| -> Value {
            let (n, p, count) = (v.at(1).int() as u64, v.at(2).float(), v.at(3).usize());
            Value::Ints((0..count).map(|_| f(n, p, rng) as i64).collect())
        };
        let trials = |n: u64, p: f64, rng: &mut Rng| (0..n).filter(|_| rng.next_f64() < p).count() as u64;
        let one_trial_short =
            |v: &Value, rng: &mut Rng| large(v, 3).then(|| draws(&|n, p, rng| trials(n - 1, p, rng), v, rng));
        let one_trial_more =
            |v: &Value, rng: &mut Rng| large(v, 3).then(|| draws(&|n, p, rng| trials(n + 1, p, rng).min(n), v, rng));
        for (what, f) in [
            ("n - 1 trials", &one_trial_short as &dyn Fn(&Value, &mut Rng) -> Option<Value>),
            ("n + 1 trials (clamped to n)", &one_trial_more),
        ] {
            // Binomial(99, 0.05) is hard to tell from Binomial(100, 0.05) (the means differ by 5
            // standard errors): the skewed case may let it through; every other case must not.
            for (seed, (rejected, total, message)) in rejections(bin, f).into_iter().enumerate() {
                assert!(total == 5 && rejected >= 4, "{what}, seed {}: rejected {rejected} of {total}", seed + 1);
                assert!(message.contains("Binomial("), "{message}");
            }
        }

        let poi = "stage1.probability.sample_poisson";
        let knuth_off_by_one = |v: &Value, rng: &mut Rng| {
            let (lambda, count) = (v.at(1).float(), v.at(2).usize());
            large(v, 2).then(|| {
                // Counts the first uniform too: every draw is one too many.
                let draw = |rng: &mut Rng| {
                    let (mut k, mut prod) = (0i64, 1.0);
                    loop {
                        k += 1;
                        prod *= rng.next_f64();
                        if prod <= (-lambda).exp() {
                            return k;
                        }
                    }
                };
                Value::Ints((0..count).map(|_| draw(rng)).collect())
            })
        };
        let rounded_normal = |v: &Value, rng: &mut Rng| {
            // A normal approximation with the right mean and variance, rounded: wrong shape.
            let (lambda, count) = (v.at(1).float(), v.at(2).usize());
            (large(v, 2) && lambda < 50.0).then(|| {
                let z = r::sample_normal(rng, lambda, lambda.sqrt(), count).unwrap();
                Value::Ints(z.iter().map(|x| x.round().max(0.0) as i64).collect())
            })
        };
        for (what, f) in [
            ("Knuth off by one", &knuth_off_by_one as &dyn Fn(&Value, &mut Rng) -> Option<Value>),
            ("rounded normal approximation", &rounded_normal),
        ] {
            for (seed, (rejected, total, message)) in rejections(poi, f).into_iter().enumerate() {
                assert!(total >= 3 && rejected == total, "{what}, seed {}: rejected {rejected} of {total}", seed + 1);
                assert!(message.contains("Poisson("), "{message}");
            }
        }
    }

    /// The same value as all three runs.
    fn thrice(v: Value) -> Value {
        Value::List(vec![v.clone(), v.clone(), v])
    }

    #[test]
    fn checks_reject_malformed_draws() {
        let id = "stage1.probability.sample_normal";
        let input = Value::List(vec![Value::Int(1), 0.0.into(), 1.0.into(), 5usize.into()]);
        let good = reference_output(id, &input);
        let short = thrice(Value::Floats(vec![0.0; 4]));
        let nan = thrice(Value::Floats(vec![0.0, 1.0, f64::NAN, 0.5, -0.5]));
        let error = thrice(Value::Error("InvalidParameter".into()));
        for got in [&short, &nan, &error] {
            assert!(judge(id, &input, &good, got).is_err(), "{got:?}");
        }
        // A short second or third run is caught too.
        let Value::List(runs) = &good else { unreachable!() };
        for i in 1..3 {
            let mut got = runs.clone();
            got[i] = Value::Floats(vec![0.0; 4]);
            assert!(judge(id, &input, &good, &Value::List(got)).is_err(), "short run {i}");
        }
        // An expected error wants the same variant, nothing else.
        let bad_sigma = Value::List(vec![Value::Int(1), 0.0.into(), 0.0.into(), 5usize.into()]);
        assert!(judge(id, &bad_sigma, &error, &error).is_ok());
        assert!(judge(id, &bad_sigma, &error, &short).is_err());

        let id = "stage1.probability.sample_binomial";
        let input = Value::List(vec![Value::Int(1), Value::Int(3), 0.5.into(), 4usize.into()]);
        let good = reference_output(id, &input);
        for got in [Value::Ints(vec![0, 1, 4, 2]), Value::Ints(vec![0, -1, 2, 2]), Value::Floats(vec![0.0; 4])] {
            assert!(judge(id, &input, &good, &thrice(got.clone())).is_err(), "{got:?}");
        }
        let point = Value::List(vec![Value::Int(1), Value::Int(3), 1.0.into(), 4usize.into()]);
        assert!(judge(id, &point, &good, &thrice(Value::Ints(vec![3, 3, 2, 3]))).is_err());
        assert!(judge(id, &point, &good, &thrice(Value::Ints(vec![3; 4]))).is_ok());
    }

    /// Inverse-CDF quantiles at `(i + 0.5) / n` for the distribution of a large case: a sample
    /// with a perfect fit and no randomness.
    fn quantile_grid(id: &str, v: &Value) -> Value {
        let grid = |n: usize| (0..n).map(move |i| (i as f64 + 0.5) / n as f64);
        match id {
            "stage1.probability.sample_normal" => {
                let dist = Normal::new(v.at(1).float(), v.at(2).float()).unwrap();
                Value::Floats(grid(v.at(3).usize()).map(|q| dist.inverse_cdf(q)).collect())
            }
            "stage1.probability.sample_binomial" => {
                let dist = Binomial::new(v.at(2).float(), v.at(1).int() as u64).unwrap();
                Value::Ints(discrete_grid(|k| dist.pmf(k), v.at(3).usize()))
            }
            "stage1.probability.sample_poisson" => {
                let dist = Poisson::new(v.at(1).float()).unwrap();
                Value::Ints(discrete_grid(|k| dist.pmf(k), v.at(2).usize()))
            }
            _ => unreachable!("{id}"),
        }
    }

    /// The quantiles at `(i + 0.5) / n` of a distribution on `0, 1, 2, ...` given by its pmf.
    fn discrete_grid(pmf: impl Fn(u64) -> f64, n: usize) -> Vec<i64> {
        let (mut k, mut cdf) = (0u64, pmf(0));
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let q = (i as f64 + 0.5) / n as f64;
            while cdf < q && k < 100_000 {
                k += 1;
                cdf += pmf(k);
            }
            out.push(k as i64);
        }
        out
    }

    /// Shuffles the draws with the generator (Fisher–Yates).
    fn shuffled(v: Value, rng: &mut Rng) -> Value {
        fn shuffle<T>(x: &mut [T], rng: &mut Rng) {
            for i in (1..x.len()).rev() {
                x.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
        }
        match v {
            Value::Floats(mut x) => {
                shuffle(&mut x, rng);
                Value::Floats(x)
            }
            Value::Ints(mut x) => {
                shuffle(&mut x, rng);
                Value::Ints(x)
            }
            other => other,
        }
    }

    /// Sorts the draws (a correct sample in the wrong order).
    fn sorted(v: Value) -> Value {
        match v {
            Value::Floats(mut x) => {
                x.sort_by(f64::total_cmp);
                Value::Floats(x)
            }
            Value::Ints(mut x) => {
                x.sort();
                Value::Ints(x)
            }
            other => other,
        }
    }

    #[test]
    fn checks_reject_what_is_not_a_sampler() {
        use std::cell::Cell;
        for id in SAMPLERS {
            let count_at = if id.ends_with("poisson") { 2 } else { 3 };
            // The case's distribution has spread (not a point mass, not an error).
            let varied = |v: &Value| {
                large(v, count_at)
                    && !(id.ends_with("binomial") && (v.at(1).int() == 0 || [0.0, 1.0].contains(&v.at(2).float())))
            };
            let calls = Cell::new(0u64);
            type Wrong<'a> = Box<dyn Fn(&Value, &mut Rng) -> Option<Value> + 'a>;
            let wrong: [(&str, &str, Wrong); 5] = [
                (
                    "a sorted grid of quantiles, whatever the seed",
                    "two different seeds",
                    Box::new(|v: &Value, _: &mut Rng| varied(v).then(|| quantile_grid(id, v))),
                ),
                (
                    "a grid of quantiles shuffled with the generator",
                    "too well to be random",
                    Box::new(|v: &Value, rng: &mut Rng| varied(v).then(|| shuffled(quantile_grid(id, v), rng))),
                ),
                (
                    "correct draws, sorted",
                    "not independent",
                    Box::new(|v: &Value, rng: &mut Rng| {
                        varied(v).then(|| sorted(reference_draws(id, v, rng).unwrap()))
                    }),
                ),
                (
                    "correct draws from a generator of its own (a global counter)",
                    "same seed gave different draws",
                    Box::new(|v: &Value, _: &mut Rng| {
                        calls.set(calls.get() + 1);
                        varied(v).then(|| reference_draws(id, v, &mut Rng::new(calls.get())).unwrap())
                    }),
                ),
                (
                    "correct draws from a fixed seed of its own",
                    "two different seeds",
                    Box::new(|v: &Value, _: &mut Rng| {
                        varied(v).then(|| reference_draws(id, v, &mut Rng::new(7)).unwrap())
                    }),
                ),
            ];
            for (what, why, f) in wrong {
                // A shuffled grid of Bernoulli(0.5) draws is exactly half ones, which a random
                // sample is too often (0.4% at 50,000 draws) to call implausible: the chi-square
                // test of too good a fit needs several degrees of freedom, so the one case with
                // two or three values (Bernoulli, Poisson(0.1)) lets a shuffled grid through.
                let bernoulli = (!id.ends_with("normal") && what.contains("shuffled")) as usize;
                for (seed, (rejected, total, message)) in rejections(id, f).into_iter().enumerate() {
                    assert!(
                        total >= 3 && rejected + bernoulli == total,
                        "{id}, {what}, seed {}: rejected {rejected} of {total}",
                        seed + 1
                    );
                    assert!(message.contains(why), "{id}, {what}: {message}");
                }
            }
        }
    }

    /// How often a correct sampler is rejected: run with
    /// `cargo test --release -p grader-engine false_rejection_rate -- --ignored --nocapture`
    /// (2000 seeds: 26,000 large-sample cases, about 3 minutes).
    #[test]
    #[ignore = "slow: thousands of seeds"]
    fn false_rejection_rate() {
        let seeds = 2000;
        for id in SAMPLERS {
            let mut failures = Vec::new();
            for seed in 1..=seeds {
                for case in cases(id, seed) {
                    let out = reference_output(id, &case.input);
                    if let Err(f) = judge(id, &case.input, &out, &out) {
                        failures.push(format!("seed {seed}, {}: {}", case.label, f.message));
                    }
                }
            }
            println!("{id}: {} rejections in {seeds} seeds", failures.len());
            assert!(failures.is_empty(), "{failures:#?}");
        }
    }
}
