//! Hidden suites for `stage4::reg`.
//!
//! Dropout is random: any correct mask is accepted, so the check never compares the student's
//! mask with the reference's. The glue runs dropout three times (the case's seed, the same seed
//! again, another seed), and the check asks that every output entry is either 0 or `x / (1 - p)`,
//! that the same seed gives the same output and another seed another one, that the share of
//! kept entries fits `1 - p`, and that the kept entries show no pattern (neighbours along a row,
//! or down a column, independent), each test at significance [`ALPHA`].

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::suite::{context, Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage4.reg.dropout", dropout_cases, check_dropout),
        ExerciseSuite::custom("stage4.reg.drop_connect", drop_connect_cases, check_drop_connect),
        ExerciseSuite::custom("stage4.reg.adamw", adamw_cases, check_adamw).with_baseline("stage4.reg.adamw.candle"),
        ExerciseSuite::named("stage4.reg.penalty", penalty_cases),
        ExerciseSuite::custom("stage4.reg.early_stopping", early_stopping_cases, check_early_stopping),
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

/// The validation curve with the epoch where training stopped and the best epoch, the student's
/// and the reference's, drawn; then the named parts.
fn check_early_stopping(ctx: &CheckCtx) -> Result<(), Failure> {
    let losses = ctx.input.at(0).floats();
    if let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) {
        let curve: Vec<[f64; 2]> =
            losses.iter().enumerate().filter(|(_, l)| l.is_finite()).map(|(i, l)| [i as f64, *l]).collect();
        let marks = |v: &[Value], who: &str| -> Vec<Series> {
            let mut out = Vec::new();
            if let (Some(Value::Int(epochs)), Some(Value::Int(best))) = (v.first(), v.get(2)) {
                let at =
                    |k: i64| losses.get(usize::try_from(k).ok()?).filter(|l| l.is_finite()).map(|l| [k as f64, *l]);
                if let Some(p) = at(*best) {
                    out.push(Series { name: format!("{who} best epoch"), points: vec![p] });
                }
                if let Some(p) = at(epochs - 1) {
                    out.push(Series { name: format!("{who} last epoch trained"), points: vec![p] });
                }
            }
            out
        };
        if curve.len() > 5 {
            let mut series = vec![Series { name: "validation loss".into(), points: curve }];
            series.extend(marks(g, "your"));
            series.extend(marks(e, "the reference's"));
            ctx.figure(Figure {
                title: "validation loss per epoch, where training stopped and which weights were kept".into(),
                kind: "lines".into(),
                x_label: "epoch".into(),
                y_label: "validation loss".into(),
                series,
                matrix: vec![],
                labels: vec![],
            });
        }
    }
    ctx.named_parts()
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
    check_masked(ctx, &Masked { x, cols, p, train, noun: "entry", what: "x" }, &expected[0], &got[..3])
}

/// What a random mask was applied to, for [`check_masked`]: the unmasked entries `x` (row-major,
/// rows of `cols`), the drop probability, the mode, and how messages name an entry and `x`.
struct Masked<'a> {
    x: &'a [f64],
    cols: usize,
    p: f64,
    train: bool,
    noun: &'a str,
    what: &'a str,
}

/// Three runs of a masking function (the case's seed, the same seed, another seed) against the
/// unmasked entries: every entry 0 or `x / (1 - p)`, the seed decides the mask, the keep rate
/// fits `1 - p`, and neighbours along a row and down a column are independent.
fn check_masked(ctx: &CheckCtx, m: &Masked, expected: &Value, got: &[Value]) -> Result<(), Failure> {
    let (x, cols, p, train, noun, sym) = (m.x, m.cols, m.p, m.train, m.noun, m.what);
    let mut runs = Vec::new();
    for (run, g) in ["", " (same seed, second run)", " (another seed)"].iter().zip(got) {
        match entries(g) {
            Some((d, _)) if d.len() == x.len() => runs.push(d),
            Some((d, _)) => return Err(Failure::plain(format!("expected {} {noun}s{run}, got {}", x.len(), d.len()))),
            None => return compare::values(expected, g, ctx.tol).map_err(|f| f.within(&format!("output{run}"))),
        }
    }
    let out = runs[0];
    if !train || p == 0.0 {
        let what = if train { "with p = 0 nothing is dropped" } else { "in evaluation nothing is dropped" };
        return compare::values(expected, &got[0], ctx.tol)
            .map_err(|f| Failure::plain(format!("{what}: the {noun}s must be {sym} itself; {}", f.message)));
    }
    let at = |i: usize| if cols > 1 { format!("({}, {})", i / cols, i % cols) } else { i.to_string() };
    if p == 1.0 {
        return match out.iter().position(|&v| v != 0.0) {
            None => Ok(()),
            Some(i) => {
                Err(Failure::plain(format!("with p = 1 every {noun} is dropped, but {noun} {} is not 0", at(i))))
            }
        };
    }
    let scale = 1.0 / (1.0 - p);
    for (i, (&o, &xi)) in out.iter().zip(x).enumerate() {
        let kept = xi * scale;
        if o != 0.0 && (o - kept).abs() > 1e-9 * kept.abs() {
            let hint = if (o - xi).abs() <= 1e-12 * xi.abs() {
                format!(": kept {noun}s must be divided by 1 - p")
            } else {
                String::new()
            };
            return Err(Failure::plain(format!(
                "{noun} {} is neither 0 (dropped) nor {sym} / (1 - p) (kept){hint}",
                at(i)
            )));
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

// ---------------------------------------------------------------------------------------------
// DropConnect: (x, w, b, p, train, seed) => (weights, same_seed, other_seed, output)

fn drop_connect_input(g: &mut Gen, batch: usize, n_in: usize, n_out: usize, p: f64, train: bool) -> Value {
    let x = Value::matrix(batch, n_in, g.normals(batch * n_in));
    let w = activations(g, n_out, n_in);
    let b = Value::Floats(g.normals(n_out));
    Value::List(vec![x, w, b, p.into(), train.into(), Value::Int(g.seed() as i64)])
}

fn drop_connect_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, n_in, n_out, p) in [(16, 64, 32, 0.5), (8, 40, 100, 0.2), (5, 50, 50, 0.8)] {
        let what = format!("batch {batch}, {n_in} → {n_out} ({} weights), p = {p}, training", n_in * n_out);
        cases.push(Case::new(what, drop_connect_input(g, batch, n_in, n_out, p, true)));
    }
    cases.push(Case::new("evaluation: the plain linear layer", drop_connect_input(g, 6, 10, 4, 0.5, false)));
    cases.push(Case::new("p = 0 in training: the plain linear layer", drop_connect_input(g, 6, 10, 4, 0.0, true)));
    cases.push(Case::new(
        "p = 1: every weight dropped, the output is the bias",
        drop_connect_input(g, 3, 8, 5, 1.0, true),
    ));
    cases.push(Case::new("one example, 3 → 2, p = 0.5", drop_connect_input(g, 1, 3, 2, 0.5, true)));
    let mut wrong = drop_connect_input(g, 4, 6, 3, 0.5, true);
    if let Value::List(parts) = &mut wrong {
        parts[0] = Value::matrix(4, 5, g.normals(20));
    }
    cases.push(Case::new("x has 5 features, w expects 6 (ShapeMismatch)", wrong));
    cases.push(Case::new("p = -0.5 (InvalidRate)", drop_connect_input(g, 2, 3, 2, -0.5, true)));
    cases
}

/// The weights used (recovered by the glue) are judged like dropout's mask; then the output must
/// be `x · W_usedᵀ + b` for the weights of the same seed.
fn check_drop_connect(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        panic!("suite: DropConnect's glue returns (weights, same_seed, other_seed, output)")
    };
    if let Value::Error(_) = expected[3] {
        return compare::values(&expected[3], &got[3], ctx.tol);
    }
    let (w, cols) = entries(ctx.input.at(1)).expect("suite: w is a matrix");
    let (p, train) = (ctx.input.at(3).float(), ctx.input.at(4).bool());
    let masked = Masked { x: w, cols, p, train, noun: "weight", what: "w" };
    context(
        "the weights used (your output on the identity matrix, with a zero bias)",
        check_masked(ctx, &masked, &expected[0], &got[..3]),
    )?;
    let (Value::Matrix { rows: batch, cols: n_in, data: x }, Value::Floats(b)) = (ctx.input.at(0), ctx.input.at(2))
    else {
        panic!("suite: x is a matrix and b a vector")
    };
    let used = entries(&got[0]).expect("checked above").0;
    let n_out = b.len();
    let mut want = Vec::with_capacity(batch * n_out);
    for r in 0..*batch {
        for o in 0..n_out {
            want.push(b[o] + (0..*n_in).map(|i| x[r * n_in + i] * used[o * n_in + i]).sum::<f64>());
        }
    }
    let want = Value::matrix(*batch, n_out, want);
    compare::values(&want, &got[3], ctx.tol).map_err(|f| {
        f.within("the output on x, which must be x · W_usedᵀ + b with the weights used for the same seed (one mask for the whole batch, drawn before anything depends on x)")
    })
}

// ---------------------------------------------------------------------------------------------
// AdamW: ([lr, beta1, beta2, eps, weight_decay], params, grads per step)

fn adamw_input(hyper: [f64; 5], params: Vec<Value>, grads: Vec<Vec<Value>>) -> Value {
    let grads = grads.into_iter().map(Value::List).collect();
    Value::List(vec![hyper.to_vec().into(), Value::List(params), Value::List(grads)])
}

/// A weight `(rows, cols)` and a bias, and `steps` gradients for them of spread `scale`.
fn adamw_run(g: &mut Gen, hyper: [f64; 5], rows: usize, cols: usize, steps: usize, scale: f64) -> Value {
    let params = vec![Value::matrix(rows, cols, g.normals(rows * cols)), Value::Floats(g.normals(rows))];
    let grads = (0..steps)
        .map(|_| {
            let w: Vec<f64> = g.normals(rows * cols).iter().map(|v| v * scale).collect();
            let b: Vec<f64> = g.normals(rows).iter().map(|v| v * scale).collect();
            vec![Value::matrix(rows, cols, w), Value::Floats(b)]
        })
        .collect();
    adamw_input(hyper, params, grads)
}

fn adamw_cases(g: &mut Gen) -> Vec<Case> {
    let lr = g.float(0.005, 0.05);
    let mut cases = vec![
        Case::new(format!("W 4x3 and b, 12 steps, lr {lr:.4}, weight decay 0.1"), adamw_run(g, [lr, 0.9, 0.999, 1e-8, 0.1], 4, 3, 12, 1.0)),
        Case::new("W 3x2 and b, 25 steps, betas (0.5, 0.9), lr 0.1, weight decay 0.5", adamw_run(g, [0.1, 0.5, 0.9, 1e-8, 0.5], 3, 2, 25, 1.0)),
        Case::new("weight decay 0: plain Adam", adamw_run(g, [0.02, 0.9, 0.999, 1e-8, 0.0], 2, 5, 8, 1.0)),
        Case::new(
            "tiny gradients (1e-6) and large decay 2.0: an L2 term inside Adam would be rescaled, decoupled decay is not",
            adamw_run(g, [0.01, 0.9, 0.999, 1e-8, 2.0], 3, 3, 10, 1e-6),
        ),
        Case::new(
            "large gradients (1e3) with decay 0.05: the decay does not depend on the gradients' size",
            adamw_run(g, [0.01, 0.9, 0.999, 1e-8, 0.05], 3, 3, 10, 1e3),
        ),
    ];
    // Zero gradients: pure decay, θ_t = θ_0 (1 − lr λ)^t.
    let w = Value::matrix(2, 3, g.normals(6));
    let zeros = vec![vec![Value::matrix(2, 3, vec![0.0; 6])]; 6];
    cases.push(Case::new(
        "zero gradients, lr 0.1, decay 0.3: pure decay by (1 − lr λ) per step",
        adamw_input([0.1, 0.9, 0.999, 1e-8, 0.3], vec![w], zeros),
    ));
    cases.push(Case::new(
        "no steps",
        adamw_input([0.01, 0.9, 0.999, 1e-8, 0.1], vec![Value::Floats(g.normals(3))], vec![]),
    ));
    cases.push(Case::new(
        "no parameters, two steps",
        adamw_input([0.01, 0.9, 0.999, 1e-8, 0.1], vec![], vec![vec![], vec![]]),
    ));
    for (hyper, what) in [
        ([0.01, 0.9, 0.999, 1e-8, -0.1], "negative weight decay (InvalidRate)"),
        ([0.01, 1.0, 0.999, 1e-8, 0.1], "beta1 = 1 (InvalidRate)"),
        ([0.01, 0.9, 0.999, 0.0, 0.1], "eps = 0 (InvalidRate)"),
        ([f64::NAN, 0.9, 0.999, 1e-8, 0.1], "lr = NaN (InvalidRate)"),
    ] {
        cases.push(Case::new(what, adamw_run(g, hyper, 2, 2, 2, 1.0)));
    }
    let mut wrong = adamw_run(g, [0.01, 0.9, 0.999, 1e-8, 0.1], 2, 3, 3, 1.0);
    if let Value::List(parts) = &mut wrong {
        if let Value::List(steps) = &mut parts[2] {
            steps[2] = Value::List(vec![Value::matrix(3, 2, vec![0.1; 6]), Value::Floats(vec![0.1; 2])]);
        }
    }
    cases.push(Case::new(
        "the third step's weight gradient is 3x2 for a 2x3 weight (ShapeMismatch, no step taken)",
        wrong,
    ));
    cases
}

const ADAMW_LIBRARY: &str = "candle-nn's AdamW";

/// Step by step, parameter by parameter, against the reference (at the exercise's tolerance);
/// the reference against candle-nn's `AdamW` on the same gradients, and the student's distance
/// to it as a metric.
fn check_adamw(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if let Some(Value::List(base)) = ctx.baseline {
        let mut worst = (0.0f64, 0.0f64);
        for (s, b) in base.iter().enumerate() {
            let Value::List(b) = b else { continue };
            let lib = &b[0];
            compare::values(&expected[s], lib, LIBRARY_TOLERANCE).map_err(|f| {
                Failure::plain(format!(
                    "the grader's reference disagrees with {ADAMW_LIBRARY} after step {} (a bug in the grader, not in \
                     your code: please report it): {}",
                    s + 1,
                    f.message
                ))
            })?;
            worst.0 = worst.0.max(max_diff(lib, &expected[s]));
            if let Some(gs) = got.get(s) {
                worst.1 = worst.1.max(max_diff(lib, gs));
            }
        }
        ctx.metric(&format!("max |θ − θ_library| vs {ADAMW_LIBRARY}"), worst.1, Some(worst.0), None);
    }
    if got.len() != expected.len() {
        return Err(Failure::plain(format!(
            "expected the parameters after each of {} steps, got {} lists",
            expected.len(),
            got.len()
        )));
    }
    for (s, (e, g)) in expected.iter().zip(got).enumerate() {
        let (Value::List(e), Value::List(g)) = (e, g) else { return compare::values(e, g, ctx.tol) };
        if e.len() != g.len() {
            return Err(Failure::plain(format!(
                "after step {}: expected {} parameters, got {}",
                s + 1,
                e.len(),
                g.len()
            )));
        }
        for (i, (ep, gp)) in e.iter().zip(g).enumerate() {
            let name = if i == 0 { "W (parameter 0)".to_string() } else { format!("parameter {i}") };
            compare::values(ep, gp, ctx.tol).map_err(|f| f.within(&format!("after step {}, {name}", s + 1)))?;
        }
    }
    Ok(())
}

/// The agreement the reference must have with candle-nn (the same formula, rounded alike).
const LIBRARY_TOLERANCE: compare::Tolerance = compare::Tolerance { atol: 1e-12, rtol: 1e-9 };

/// The largest absolute difference between two lists of tensors (infinite for any NaN or
/// mismatched shape).
fn max_diff(a: &Value, b: &Value) -> f64 {
    let (Value::List(a), Value::List(b)) = (a, b) else { return f64::INFINITY };
    let mut worst = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        match (entries(x), entries(y)) {
            (Some((x, _)), Some((y, _))) if x.len() == y.len() => {
                for (u, v) in x.iter().zip(y) {
                    let d = (u - v).abs();
                    worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
                }
            }
            _ => match (x, y) {
                (Value::Float(u), Value::Float(v)) => worst = worst.max((u - v).abs()),
                _ => return f64::INFINITY,
            },
        }
    }
    worst
}
