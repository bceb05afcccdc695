//! Hidden suites for `stage4::reg`.
//!
//! Dropout is random: any correct mask is accepted, so the check never compares the student's
//! mask with the reference's. The glue runs dropout three times (the case's seed, the same seed
//! again, another seed), and the check asks that every output entry is either 0 or `x / (1 - p)`,
//! that the same seed gives the same output and another seed another one, that the share of
//! kept entries fits `1 - p`, and that the kept entries show no pattern (neighbours along a row,
//! or down a column, independent), each test at significance [`ALPHA`].

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage4.reg.dropout", dropout_cases, check_dropout),
        ExerciseSuite::named("stage4.reg.penalty", penalty_cases),
        ExerciseSuite::named("stage4.reg.early_stopping", early_stopping_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// L1/L2 penalties: (params, l1, l2)

fn penalty_input(params: Vec<Value>, l1: f64, l2: f64) -> Value {
    Value::List(vec![Value::List(params), l1.into(), l2.into()])
}

/// A layer's parameters: weight `(out, in)` with some entries exactly 0, bias `(out,)`.
fn layer_params(g: &mut Gen, out: usize, inp: usize) -> Vec<Value> {
    let mut w = g.normals(out * inp);
    for v in w.iter_mut().step_by(3) {
        *v = 0.0;
    }
    vec![Value::matrix(out, inp, w), Value::Floats(g.normals(out))]
}

fn penalty_cases(g: &mut Gen) -> Vec<Case> {
    let mut params = layer_params(g, 4, 3);
    params.extend(layer_params(g, 2, 4));
    vec![
        Case::new(
            "two layers, l1 = 0.01, l2 = 0.001 (some weights exactly 0)",
            penalty_input(params.clone(), 0.01, 0.001),
        ),
        Case::new("l1 only (the gradient is l1 · sign(w), 0 at w = 0)", penalty_input(params.clone(), 0.1, 0.0)),
        Case::new("l2 only (the gradient is l2 · w)", penalty_input(params.clone(), 0.0, 0.5)),
        Case::new("both 0 (no penalty, zero gradients)", penalty_input(params, 0.0, 0.0)),
        Case::new("a scalar parameter", penalty_input(vec![Value::Float(-2.0)], 0.3, 0.2)),
        Case::new("no parameters", penalty_input(vec![], 0.1, 0.1)),
        Case::new("l1 = -0.1 (InvalidRate)", penalty_input(layer_params(g, 2, 2), -0.1, 0.0)),
        Case::new("l2 = NaN (InvalidRate)", penalty_input(layer_params(g, 2, 2), 0.0, f64::NAN)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Early stopping: (validation losses, patience, min_delta)

fn es_input(losses: Vec<f64>, patience: usize, min_delta: f64) -> Value {
    Value::List(vec![losses.into(), patience.into(), min_delta.into()])
}

/// A validation curve that falls to its minimum at `best` and rises after, with noise.
fn u_curve(g: &mut Gen, epochs: usize, best: usize, noise: f64) -> Vec<f64> {
    (0..epochs)
        .map(|e| {
            let d = e as f64 - best as f64;
            0.3 + 0.004 * d * d + noise * g.float(-1.0, 1.0)
        })
        .collect()
}

fn early_stopping_cases(g: &mut Gen) -> Vec<Case> {
    let clean: Vec<f64> = (0..20).map(|e| 0.3 + 0.004 * (e as f64 - 6.0).powi(2)).collect();
    let best = g.size(5, 15);
    let noisy = u_curve(g, 40, best, 0.002);
    let mut cases = vec![
        Case::new("U-shaped validation loss, minimum at epoch 6, patience 3", es_input(clean.clone(), 3, 0.0)),
        Case::new(
            format!("noisy U-shaped loss over 40 epochs, minimum near epoch {best}, patience 5"),
            es_input(noisy, 5, 0.0),
        ),
        Case::new("patience 0: stop at the first epoch that does not improve", es_input(clean.clone(), 0, 0.0)),
        Case::new(
            "still improving at the last epoch (never stops)",
            es_input((0..12).map(|e| 1.0 / (1.0 + e as f64)).collect(), 2, 0.0),
        ),
    ];
    // Improvements of 0.005 per epoch after epoch 2 are below min_delta = 0.01.
    let slow: Vec<f64> =
        (0..15).map(|e| if e < 3 { 1.0 - 0.2 * e as f64 } else { 0.6 - 0.005 * (e - 2) as f64 }).collect();
    cases.push(Case::new("improvements smaller than min_delta 0.01 do not count", es_input(slow.clone(), 4, 0.01)));
    cases.push(Case::new("the same losses with min_delta 0 (every small improvement counts)", es_input(slow, 4, 0.0)));
    let mut flat = vec![0.9, 0.5];
    flat.extend([0.5; 6]);
    cases.push(Case::new("an equal loss is not an improvement (strictly below)", es_input(flat, 3, 0.0)));
    let mut with_nan = clean[..8].to_vec();
    with_nan[4] = f64::NAN;
    cases.push(Case::new("a NaN loss at epoch 4 counts as an epoch without improvement", es_input(with_nan, 2, 0.0)));
    cases.push(Case::new(
        "the first loss is NaN (no best epoch yet)",
        es_input(vec![f64::NAN, 0.8, 0.7, 0.75, 0.76], 2, 0.0),
    ));
    cases
}

/// A correct mask fails a given test on about one case in ten million.
const ALPHA: f64 = 1e-7;

/// Below this many entries only the values and the seed are checked.
const MIN_FOR_TESTS: usize = 1000;

/// Activations away from zero (so that a kept entry is never mistaken for a dropped one).
fn activations(g: &mut Gen, rows: usize, cols: usize) -> Value {
    let sign = g.floats(rows * cols, -1.0, 1.0);
    let size = g.floats(rows * cols, 0.5, 2.0);
    Value::matrix(rows, cols, sign.iter().zip(&size).map(|(s, m)| s.signum() * m).collect())
}

fn input(g: &mut Gen, x: Value, p: f64, train: bool) -> Value {
    Value::List(vec![x, p.into(), train.into(), Value::Int(g.seed() as i64)])
}

fn dropout_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (rows, cols, p) in [(64, 128, 0.5), (100, 100, 0.1), (100, 100, 0.9), (200, 40, 0.3)] {
        let x = activations(g, rows, cols);
        cases.push(Case::new(format!("{rows}x{cols} activations, p = {p}, training"), input(g, x, p, true)));
    }
    let x = activations(g, 50, 20);
    cases.push(Case::new("evaluation (train = false): x unchanged", input(g, x, 0.5, false)));
    let x = activations(g, 30, 30);
    cases.push(Case::new("p = 0 in training: x unchanged", input(g, x, 0.0, true)));
    let x = activations(g, 30, 30);
    cases.push(Case::new("p = 1 in training: everything dropped", input(g, x, 1.0, true)));
    let x = Value::Floats(g.floats(7, 0.5, 2.0));
    cases.push(Case::new("a vector of 7 entries, p = 0.5", input(g, x, 0.5, true)));
    for (p, what) in [(1.5, "p = 1.5"), (-0.1, "p = -0.1"), (f64::NAN, "p = NaN")] {
        let x = activations(g, 3, 3);
        cases.push(Case::new(format!("{what} (InvalidRate)"), input(g, x, p, true)));
    }
    cases
}

/// The numbers of a vector or matrix value, with its row length (1 for a vector).
fn entries(v: &Value) -> Option<(&[f64], usize)> {
    match v {
        Value::Floats(d) => Some((d, 1)),
        Value::Matrix { cols, data, .. } => Some((data, *cols)),
        _ => None,
    }
}

/// Two-sided p-value of a standard normal statistic (Abramowitz–Stegun 7.1.26 for erfc; ample
/// for a threshold of 1e-7, where it is within 1e-3 relative).
fn two_sided(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    (poly * (-x * x).exp()).min(1.0)
}

fn check_dropout(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        panic!("suite: dropout's glue returns its three runs as a tuple")
    };
    if let Value::Error(_) = expected[0] {
        return compare::values(&expected[0], &got[0], ctx.tol);
    }
    let (x, cols) = entries(ctx.input.at(0)).expect("suite: x is a vector or a matrix");
    let (p, train) = (ctx.input.at(1).float(), ctx.input.at(2).bool());
    let mut runs = Vec::new();
    for (run, g) in ["", " (same seed, second run)", " (another seed)"].iter().zip(got) {
        match entries(g) {
            Some((d, _)) if d.len() == x.len() => runs.push(d),
            Some((d, _)) => return Err(Failure::plain(format!("expected {} entries{run}, got {}", x.len(), d.len()))),
            None => return compare::values(&expected[0], g, ctx.tol).map_err(|f| f.within(&format!("output{run}"))),
        }
    }
    let out = runs[0];
    if !train || p == 0.0 {
        let what = if train { "with p = 0 nothing is dropped" } else { "in evaluation dropout does nothing" };
        return compare::values(&expected[0], &got[0], ctx.tol)
            .map_err(|f| Failure::plain(format!("{what}: the output must be x itself; {}", f.message)));
    }
    if p == 1.0 {
        return match out.iter().position(|&v| v != 0.0) {
            None => Ok(()),
            Some(i) => Err(Failure::plain(format!("with p = 1 every entry is dropped, but entry {i} is not 0"))),
        };
    }
    let scale = 1.0 / (1.0 - p);
    for (i, (&o, &xi)) in out.iter().zip(x).enumerate() {
        let kept = xi * scale;
        if o != 0.0 && (o - kept).abs() > 1e-9 * kept.abs() {
            let hint = if (o - xi).abs() <= 1e-12 * xi.abs() { ": kept entries must be divided by 1 - p" } else { "" };
            return Err(Failure::plain(format!("entry {i} is neither 0 (dropped) nor x / (1 - p) (kept){hint}")));
        }
    }
    if runs[1] != out {
        return Err(Failure::plain(
            "two generators made from the same seed gave different masks: all the randomness must come from the \
             `rng` you are given"
                .to_string(),
        ));
    }
    let n = out.len();
    if n < MIN_FOR_TESTS {
        return Ok(());
    }
    if runs[2] == out {
        return Err(Failure::plain(format!(
            "generators made from two different seeds gave the same mask over {n} entries: the mask must come from \
             the `rng` you are given"
        )));
    }
    let keep: Vec<f64> = out.iter().map(|&v| if v != 0.0 { 1.0 } else { 0.0 }).collect();
    let kept = keep.iter().sum::<f64>();
    let q = 1.0 - p;
    let z = (kept - n as f64 * q) / (n as f64 * p * q).sqrt();
    if two_sided(z) < ALPHA {
        return Err(Failure::plain(format!(
            "{} of {n} entries were kept ({:.3}), where a keep probability of 1 - p = {q} gives {:.3} ± {:.3}: keep an \
             entry when the draw is >= p",
            kept as usize,
            kept / n as f64,
            q,
            (p * q / n as f64).sqrt()
        )));
    }
    // Independence: the keep indicators of neighbours along a row, and down a column.
    let mean = kept / n as f64;
    let spread: f64 = keep.iter().map(|k| (k - mean).powi(2)).sum();
    let mut lags = vec![(1, "the next entry in the row")];
    if cols > 1 {
        lags.push((cols, "the entry below it"));
    }
    for (lag, what) in lags {
        if lag >= n {
            continue;
        }
        let r = keep.windows(lag + 1).map(|w| (w[0] - mean) * (w[lag] - mean)).sum::<f64>() / spread;
        let z = (r + 1.0 / n as f64) * (n as f64).sqrt();
        if two_sided(z) < ALPHA {
            return Err(Failure::plain(format!(
                "whether an entry is kept is correlated with whether {what} is (autocorrelation {r:.3}): every entry \
                 needs a draw of its own"
            )));
        }
    }
    Ok(())
}
