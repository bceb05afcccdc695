//! Hidden suites for `stage4::hparams`.
//!
//! Searches are deterministic given their seed, so every trial, rung and bracket is compared
//! with the reference's exactly (to rounding). Successive halving and Hyperband run on learning
//! curves the glue simulates, and the glue also counts the evaluations and the resource they
//! cost: a search that trains a configuration it should have stopped is caught even when it
//! ends with the right winner. Bayesian optimisation is compared candidate by candidate, with
//! the best value found so far drawn against the reference's.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage4.hparams.grid_search", grid_search_cases),
        ExerciseSuite::plain("stage4.hparams.random_search", random_search_cases),
        ExerciseSuite::named("stage4.hparams.successive_halving", successive_halving_cases),
        ExerciseSuite::named("stage4.hparams.hyperband", hyperband_cases),
        ExerciseSuite::named("stage4.hparams.gp_posterior", gp_posterior_cases),
        ExerciseSuite::plain("stage4.hparams.expected_improvement", expected_improvement_cases),
        ExerciseSuite::custom("stage4.hparams.bayes_opt", bayes_opt_cases, check_bayes_opt),
    ]
}

// ---------------------------------------------------------------------------------------------
// Grid and random search: (space, per_dim) and (space, n, seed)

fn range(low: f64, high: f64, log: bool) -> Value {
    Value::List(vec![low.into(), high.into(), log.into()])
}

fn space(ranges: Vec<Value>) -> Value {
    Value::List(ranges)
}

/// A learning rate (log scale), a dropout rate and a width: a typical small search space.
fn typical() -> Vec<Value> {
    vec![range(1e-4, 1e-1, true), range(0.0, 0.5, false), range(16.0, 256.0, false)]
}

fn grid_search_cases(g: &mut Gen) -> Vec<Case> {
    let lo = g.float(1e-5, 1e-3);
    let grid = |ranges: Vec<Value>, k: usize| Value::List(vec![space(ranges), k.into()]);
    vec![
        Case::new("learning rate (log) × dropout, 4 values each", grid(typical()[..2].to_vec(), 4)),
        Case::new("three hyper-parameters, 3 values each (27 trials)", grid(typical(), 3)),
        Case::new(format!("one log range [{lo:.2e}, 1], 6 values"), grid(vec![range(lo, 1.0, true)], 6)),
        Case::new("per_dim = 1: the lower bounds only", grid(typical(), 1)),
        Case::new("a range with low = high", grid(vec![range(2.0, 2.0, false), range(-1.0, 1.0, false)], 3)),
        Case::new("no hyper-parameters: one empty trial", grid(vec![], 5)),
        Case::new("per_dim = 0 (InvalidArgument)", grid(typical(), 0)),
        Case::new("low > high (InvalidRange)", grid(vec![range(1.0, 0.5, false)], 3)),
        Case::new("a log range starting at 0 (InvalidRange)", grid(vec![range(0.0, 1.0, true)], 3)),
        Case::new("a NaN bound (InvalidRange)", grid(vec![range(0.0, f64::NAN, false)], 3)),
        Case::new(
            "10 hyper-parameters × 10 values: 10^10 trials (TooLarge)",
            grid(vec![range(0.0, 1.0, false); 10], 10),
        ),
        Case::new(
            "64 hyper-parameters × 2 values: 2^64 overflows (TooLarge)",
            grid(vec![range(0.0, 1.0, false); 64], 2),
        ),
    ]
}

fn random_search_cases(g: &mut Gen) -> Vec<Case> {
    let mut random =
        |ranges: Vec<Value>, n: usize| Value::List(vec![space(ranges), n.into(), Value::Int(g.seed() as i64)]);
    vec![
        Case::new("learning rate (log) × dropout, 16 trials", random(typical()[..2].to_vec(), 16)),
        Case::new("three hyper-parameters, 27 trials", random(typical(), 27)),
        Case::new("one log range over 8 orders of magnitude, 20 trials", random(vec![range(1e-9, 0.1, true)], 20)),
        Case::new("no trials", random(typical(), 0)),
        Case::new("no hyper-parameters, 3 trials: three empty trials", random(vec![], 3)),
        Case::new("a range with low = high", random(vec![range(3.0, 3.0, false), range(0.0, 1.0, false)], 4)),
        Case::new("low > high (InvalidRange)", random(vec![range(0.0, 1.0, false), range(1.0, 0.5, false)], 3)),
        Case::new("a log range starting at -1 (InvalidRange)", random(vec![range(-1.0, 1.0, true)], 3)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Successive halving and Hyperband

fn curves(g: &mut Gen, diverge: f64) -> Value {
    Value::List(vec![Value::Int(g.seed() as i64), diverge.into()])
}

fn sh(g: &mut Gen, first: usize, n: usize, r: f64, eta: usize, rounds: usize, diverge: f64) -> Value {
    let c = curves(g, diverge);
    Value::List(vec![first.into(), n.into(), r.into(), eta.into(), rounds.into(), c])
}

fn successive_halving_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("27 configurations, eta 3, 4 rounds (27 → 9 → 3 → 1)", sh(g, 0, 27, 1.0, 3, 4, 0.0)),
        Case::new("81 configurations from index 100, eta 3, 5 rounds, resource 0.5", sh(g, 100, 81, 0.5, 3, 5, 0.0)),
        Case::new("20 configurations, eta 2, 5 rounds (20 → 10 → 5 → 2 → 1)", sh(g, 0, 20, 2.0, 2, 5, 0.0)),
        Case::new("30 configurations, a third of them diverge (NaN ranks last)", sh(g, 0, 30, 1.0, 3, 3, 0.35)),
        Case::new("9 configurations, most diverge: NaNs must be kept by index", sh(g, 0, 9, 1.0, 3, 2, 0.8)),
        Case::new("5 configurations, eta 3, 4 rounds: stops when nobody survives", sh(g, 0, 5, 1.0, 3, 4, 0.0)),
        Case::new("10 configurations, eta 4, 1 round: no pruning at all", sh(g, 7, 10, 3.0, 4, 1, 0.0)),
        Case::new("no rounds", sh(g, 0, 10, 1.0, 3, 0, 0.0)),
        Case::new("no configurations", sh(g, 0, 0, 1.0, 3, 3, 0.0)),
        Case::new("eta = 1 (InvalidArgument)", sh(g, 0, 9, 1.0, 1, 3, 0.0)),
        Case::new("resource 0 (InvalidArgument)", sh(g, 0, 9, 0.0, 3, 3, 0.0)),
    ]
}

fn hb(g: &mut Gen, max_resource: f64, eta: usize, diverge: f64) -> Value {
    let c = curves(g, diverge);
    Value::List(vec![max_resource.into(), eta.into(), c])
}

fn hyperband_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("R = 81, eta = 3 (the paper's example: 5 brackets)", hb(g, 81.0, 3, 0.0)),
        Case::new("R = 27, eta = 3, some configurations diverge", hb(g, 27.0, 3, 0.2)),
        Case::new("R = 243, eta = 3 (ln 243 / ln 3 is 4.999999999999999)", hb(g, 243.0, 3, 0.0)),
        Case::new("R = 1000, eta = 10 (ln 1000 / ln 10 is 2.9999999999999996)", hb(g, 1000.0, 10, 0.0)),
        Case::new("R = 100, eta = 3: fractional starting resources", hb(g, 100.0, 3, 0.0)),
        Case::new("R = 16, eta = 2", hb(g, 16.0, 2, 0.0)),
        Case::new("R = 1: one bracket of one configuration", hb(g, 1.0, 3, 0.0)),
        Case::new("R = 2.9, eta = 3: s_max = 0", hb(g, 2.9, 3, 0.0)),
        Case::new("R = 0.5 (InvalidArgument)", hb(g, 0.5, 3, 0.0)),
        Case::new("eta = 1 (InvalidArgument)", hb(g, 81.0, 1, 0.0)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Gaussian-process posterior: (x_train, y_train, x_test, [length_scale, variance], noise)

fn points(ps: Vec<Vec<f64>>) -> Value {
    Value::List(ps.into_iter().map(Value::Floats).collect())
}

fn gp(x_train: Vec<Vec<f64>>, y: Vec<f64>, x_test: Vec<Vec<f64>>, kernel: [f64; 2], noise: f64) -> Value {
    Value::List(vec![points(x_train), y.into(), points(x_test), kernel.to_vec().into(), noise.into()])
}

/// `n` points of dimension `d`, uniform in `[lo, hi]`.
fn uniform(g: &mut Gen, n: usize, d: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
    (0..n).map(|_| g.floats(d, lo, hi)).collect()
}

fn line(n: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
    (0..n).map(|i| vec![lo + (hi - lo) * i as f64 / (n - 1) as f64]).collect()
}

fn gp_posterior_cases(g: &mut Gen) -> Vec<Case> {
    let x1 = uniform(g, 7, 1, 0.0, 5.0);
    let y1: Vec<f64> = x1.iter().map(|x| x[0].sin() + 0.1 * x[0]).collect();
    let x2 = uniform(g, 12, 2, -2.0, 2.0);
    let y2: Vec<f64> = x2.iter().map(|x| x[0] * x[0] - x[1] + 0.5 * (3.0 * x[1]).cos()).collect();
    let big_y: Vec<f64> = y1.iter().map(|y| 3000.0 * y).collect();
    let mut dup = x1[..3].to_vec();
    dup.insert(1, dup[0].clone());
    let y_dup = vec![1.0, 1.0, 0.5, -0.2];
    vec![
        Case::new(
            "7 points of sin x + 0.1 x, 60 test points on [-1, 6], length scale 0.8, noise 1e-6",
            gp(x1.clone(), y1.clone(), line(60, -1.0, 6.0), [0.8, 1.0], 1e-6),
        ),
        Case::new(
            "12 points in 2-D, 25 test points, noise 0.01",
            gp(x2.clone(), y2.clone(), uniform(g, 25, 2, -2.5, 2.5), [1.0, 2.0], 0.01),
        ),
        Case::new(
            "noise 0: the mean interpolates, the variance vanishes at the training points",
            gp(x1.clone(), y1.clone(), x1.clone(), [1.0, 1.0], 0.0),
        ),
        Case::new(
            "noise 0.5: the mean smooths, the variance stays above 0 at the training points",
            gp(x1.clone(), y1.clone(), x1.clone(), [1.0, 1.0], 0.5),
        ),
        Case::new(
            "values of size 3000 with prior variance 1e7 and noise 1e4",
            gp(x1.clone(), big_y, line(30, 0.0, 5.0), [0.8, 1e7], 1e4),
        ),
        Case::new(
            "length scale 1e-3: test points between training points see only the prior",
            gp(x1.clone(), y1.clone(), line(11, 0.25, 4.75), [1e-3, 1.5], 1e-6),
        ),
        Case::new("no training points: the prior", gp(vec![], vec![], line(5, 0.0, 1.0), [1.0, 2.5], 0.0)),
        Case::new("no test points", gp(x1.clone(), y1.clone(), vec![], [1.0, 1.0], 1e-6)),
        Case::new(
            "a repeated point with noise 0 (NotPositiveDefinite)",
            gp(dup.clone(), y_dup.clone(), line(3, 0.0, 1.0), [1.0, 1.0], 0.0),
        ),
        Case::new("the same repeated point with noise 0.1 (fine)", gp(dup, y_dup, line(3, 0.0, 1.0), [1.0, 1.0], 0.1)),
        Case::new("length scale 0 (InvalidArgument)", gp(x1.clone(), y1.clone(), line(3, 0.0, 1.0), [0.0, 1.0], 0.1)),
        Case::new("negative noise (InvalidArgument)", gp(x1.clone(), y1.clone(), line(3, 0.0, 1.0), [1.0, 1.0], -0.1)),
        Case::new(
            "one value fewer than points (ShapeMismatch)",
            gp(x1.clone(), y1[..6].to_vec(), line(3, 0.0, 1.0), [1.0, 1.0], 0.1),
        ),
        Case::new(
            "2-D training points, 1-D test points (ShapeMismatch)",
            gp(x2, y2, line(3, 0.0, 1.0), [1.0, 1.0], 0.1),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Expected improvement: (mean, std, best, xi)

fn ei(mean: f64, std: f64, best: f64, xi: f64) -> Value {
    Value::List(vec![mean.into(), std.into(), best.into(), xi.into()])
}

fn expected_improvement_cases(g: &mut Gen) -> Vec<Case> {
    let (m, s) = (g.float(-1.0, 1.0), g.float(0.1, 2.0));
    vec![
        Case::new(format!("mean {m:.3}, std {s:.3}, best 0"), ei(m, s, 0.0, 0.0)),
        Case::new("mean at the best: EI = std · φ(0)", ei(1.5, 0.7, 1.5, 0.0)),
        Case::new("mean far below the best (z = 8): EI ≈ the improvement", ei(-6.0, 0.5, -2.0, 0.0)),
        Case::new("mean 10 std above the best: a tiny EI that still ranks points", ei(12.0, 1.0, 2.0, 0.0)),
        Case::new("mean 25 std above the best", ei(25.0, 1.0, 0.0, 0.0)),
        Case::new("xi = 0.1 asks for more improvement", ei(0.2, 0.3, 0.4, 0.1)),
        Case::new("std 0, mean below the best: the improvement itself", ei(-1.0, 0.0, 0.5, 0.0)),
        Case::new("std 0, mean above the best: 0", ei(1.0, 0.0, 0.5, 0.0)),
        Case::new("large values: mean 1e8, std 1e7, best 9.5e7", ei(1e8, 1e7, 9.5e7, 0.0)),
        Case::new("negative std (InvalidArgument)", ei(0.0, -1.0, 0.0, 0.0)),
        Case::new("NaN mean (InvalidArgument)", ei(f64::NAN, 1.0, 0.0, 0.0)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bayesian optimisation: (function, candidates, initial, iterations, kernel, noise, xi)

fn bo(function: &str, candidates: Vec<Vec<f64>>, initial: Vec<i64>, iterations: usize, kernel: [f64; 2]) -> Value {
    Value::List(vec![
        Value::Text(function.into()),
        points(candidates),
        Value::Ints(initial),
        iterations.into(),
        kernel.to_vec().into(),
        1e-6.into(),
        0.01.into(),
    ])
}

fn branin_grid(k: usize) -> Vec<Vec<f64>> {
    let mut ps = Vec::new();
    for i in 0..k {
        for j in 0..k {
            ps.push(vec![-5.0 + 15.0 * i as f64 / (k - 1) as f64, 15.0 * j as f64 / (k - 1) as f64]);
        }
    }
    ps
}

fn bayes_opt_cases(g: &mut Gen) -> Vec<Case> {
    let start = g.int(5, 30);
    let b_init: Vec<i64> =
        (0..5).map(|_| g.int(0, 440)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    vec![
        Case::new(
            "Forrester function on 101 points of [0, 1], 3 initial points, 9 iterations",
            bo("forrester", line(101, 0.0, 1.0), vec![0, 50, 100], 9, [0.1, 20.0]),
        ),
        Case::new(
            format!("Forrester, one initial point (index {start}), 12 iterations"),
            bo("forrester", line(101, 0.0, 1.0), vec![start], 12, [0.15, 20.0]),
        ),
        Case::new(
            "Branin on a 21 × 21 grid, 5 random initial points, 15 iterations",
            bo("branin", branin_grid(21), b_init, 15, [3.0, 2000.0]),
        ),
        Case::new(
            "no iterations: the initial points only",
            bo("forrester", line(11, 0.0, 1.0), vec![3, 7], 0, [0.1, 20.0]),
        ),
        Case::new(
            "6 candidates, 2 initial points, 10 iterations: stops when all are evaluated",
            bo("forrester", line(6, 0.0, 1.0), vec![5, 0], 10, [0.2, 20.0]),
        ),
        Case::new(
            "no initial points and no iterations: nothing to evaluate",
            bo("forrester", line(11, 0.0, 1.0), vec![], 0, [0.1, 20.0]),
        ),
        Case::new("no initial points (InvalidArgument)", bo("forrester", line(11, 0.0, 1.0), vec![], 3, [0.1, 20.0])),
        Case::new(
            "an initial index out of range (InvalidArgument)",
            bo("forrester", line(11, 0.0, 1.0), vec![2, 11], 3, [0.1, 20.0]),
        ),
        Case::new(
            "a repeated initial index (InvalidArgument)",
            bo("forrester", line(11, 0.0, 1.0), vec![4, 4], 3, [0.1, 20.0]),
        ),
    ]
}

/// The best value found after each evaluation.
fn best_so_far(values: &[f64]) -> Vec<[f64; 2]> {
    let mut best = f64::INFINITY;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            best = best.min(v);
            [(i + 1) as f64, best]
        })
        .collect()
}

fn check_bayes_opt(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let (Value::Ints(e), Value::Ints(s)) = (&expected[0], &got[0]) else {
        return compare::values(&expected[0], &got[0], ctx.tol).map_err(|f| f.within("the candidates evaluated"));
    };
    let (Value::Floats(ev), Value::Floats(sv)) = (&expected[1], &got[1]) else {
        return compare::values(&expected[1], &got[1], ctx.tol);
    };
    if ev.len() > 4 {
        ctx.figure(Figure {
            title: "Best value found so far".into(),
            kind: "lines".into(),
            x_label: "evaluations".into(),
            y_label: "best f".into(),
            series: vec![
                Series { name: "yours".into(), points: best_so_far(sv) },
                Series { name: "reference".into(), points: best_so_far(ev) },
            ],
            matrix: vec![],
            labels: vec![],
        });
    }
    let initial = ctx.input.at(2).ints().len();
    for (k, (a, b)) in e.iter().zip(s).enumerate() {
        if a != b {
            let when = if k < initial {
                format!("initial point {k}")
            } else {
                format!("iteration {} (evaluation {})", k - initial + 1, k + 1)
            };
            return Err(Failure::plain(format!(
                "at {when} you evaluated candidate {b}, where the largest expected improvement is at candidate {a}"
            )));
        }
    }
    if e.len() != s.len() {
        return Err(Failure::plain(format!("expected {} evaluations, you made {}", e.len(), s.len())));
    }
    if sv.len() != s.len() {
        return Err(Failure::plain(format!(
            "f was called {} times for {} candidates returned: call it exactly once per candidate",
            sv.len(),
            s.len()
        )));
    }
    Ok(())
}
