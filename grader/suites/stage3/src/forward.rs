//! Hidden suites for `stage3::forward`: batched dense and MLP forward passes (with CPU and GPU
//! speed targets), weight initialisers checked statistically, input standardisation.
//!
//! Dense inputs are `(x, W, b)`; layers travel as lists `(W, b, activation name)`. The GPU speed
//! input appends `Text("cuda")`, which tells the glue to run on the GPU in `F32`.

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage3.forward.dense_forward", dense_cases).timed(dense_speed),
        ExerciseSuite::plain("stage3.forward.dense_forward_gpu", dense_cases).timed(dense_speed_gpu),
        ExerciseSuite::plain("stage3.forward.mlp_forward", mlp_cases).timed(mlp_speed),
        ExerciseSuite::custom("stage3.forward.xavier_uniform", init_cases, check_xavier_uniform),
        ExerciseSuite::custom("stage3.forward.xavier_normal", init_cases, check_xavier_normal),
        ExerciseSuite::custom("stage3.forward.he_normal", init_cases, check_he_normal),
        ExerciseSuite::custom("stage3.forward.standardize", standardize_cases, check_standardize),
    ]
}

// ---------------------------------------------------------------------------------------------
// Inputs shared with the backprop suites.

/// A `rows x cols` matrix of independent normals with standard deviation `std`.
pub(crate) fn gauss(g: &mut Gen, rows: usize, cols: usize, std: f64) -> Value {
    Value::matrix(rows, cols, g.normals(rows * cols).iter().map(|z| z * std).collect())
}

/// A vector of `n` independent normals with standard deviation `std`.
pub(crate) fn gauss_vec(g: &mut Gen, n: usize, std: f64) -> Value {
    Value::Floats(g.normals(n).iter().map(|z| z * std).collect())
}

/// One layer `(W, b, activation)`: `W` `(out, in)` with entries N(0, w_std²), `b` N(0, 0.1²).
pub(crate) fn layer(g: &mut Gen, n_in: usize, n_out: usize, w_std: f64, activation: &str) -> Value {
    Value::List(vec![gauss(g, n_out, n_in, w_std), gauss_vec(g, n_out, 0.1), Value::Text(activation.into())])
}

/// Layers of the given widths (`widths[0]` inputs), with `1/sqrt(fan_in)`-scaled weights times
/// `gain`, all with `hidden` activation except the last, which has `last`.
pub(crate) fn network(g: &mut Gen, widths: &[usize], gain: f64, hidden: &str, last: &str) -> Value {
    let n = widths.len() - 1;
    Value::List(
        (0..n)
            .map(|l| {
                let act = if l + 1 == n { last } else { hidden };
                layer(g, widths[l], widths[l + 1], gain / (widths[l] as f64).sqrt(), act)
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Dense layer and MLP forward

fn dense(x: Value, w: Value, b: Value) -> Value {
    Value::List(vec![x, w, b])
}

fn dense_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, n_in, n_out) in [(8, 5, 3), (32, 16, 10), (64, 7, 12)] {
        cases.push(Case::new(
            format!("random batch of {batch}, {n_in} -> {n_out}"),
            dense(g.matrix(batch, n_in), gauss(g, n_out, n_in, 0.5), gauss_vec(g, n_out, 1.0)),
        ));
    }
    cases.push(Case::new(
        "a single sample (1x4 batch), 4 -> 2",
        dense(g.matrix(1, 4), gauss(g, 2, 4, 0.5), gauss_vec(g, 2, 1.0)),
    ));
    let identity: Vec<f64> = (0..9).map(|i| if i / 3 == i % 3 { 1.0 } else { 0.0 }).collect();
    cases.push(Case::new(
        "W = identity, b = 0 (y = x)",
        dense(g.matrix(5, 3), Value::matrix(3, 3, identity), Value::Floats(vec![0.0; 3])),
    ));
    cases.push(Case::new(
        "zero weights: every row is b",
        dense(g.matrix(4, 6), Value::matrix(2, 6, vec![0.0; 12]), gauss_vec(g, 2, 1.0)),
    ));
    cases.push(Case::new(
        "1 input -> 1 output, batch 6 (y = w x + b)",
        dense(g.matrix(6, 1), gauss(g, 1, 1, 1.0), gauss_vec(g, 1, 1.0)),
    ));
    cases.push(Case::new(
        "empty batch (0 rows), 3 -> 2",
        dense(Value::matrix(0, 3, vec![]), gauss(g, 2, 3, 0.5), gauss_vec(g, 2, 1.0)),
    ));
    cases.push(Case::new(
        "x has 4 features, W expects 3",
        dense(g.matrix(5, 4), gauss(g, 2, 3, 0.5), gauss_vec(g, 2, 1.0)),
    ));
    cases.push(Case::new(
        "bias of length 2 for a layer with 3 outputs",
        dense(g.matrix(5, 2), gauss(g, 3, 2, 0.5), gauss_vec(g, 2, 1.0)),
    ));
    cases.push(Case::new(
        "x given as a 1-D vector instead of a (1, in) batch",
        dense(g.floats(3, -1.0, 1.0).into(), gauss(g, 2, 3, 0.5), gauss_vec(g, 2, 1.0)),
    ));
    cases.push(Case::new(
        "bias given as a (1, out) matrix instead of a vector",
        dense(g.matrix(4, 3), gauss(g, 2, 3, 0.5), g.matrix(1, 2)),
    ));
    cases
}

/// Large enough that one matrix product clearly beats a loop over the samples (one small
/// product per row pays candle's per-operation overhead 2048 times) and plain Rust loops over
/// the elements (no SIMD, no cache blocking, one thread), small enough that the reference takes
/// a few milliseconds.
fn dense_speed(g: &mut Gen) -> Case {
    Case::new(
        "batch 2048, 128 -> 128",
        dense(g.matrix(2048, 128), gauss(g, 128, 128, 1.0 / 128f64.sqrt()), gauss_vec(g, 128, 0.1)),
    )
}

/// The same function on the GPU in `F32`: a batch where a loop of small kernel launches loses
/// clearly to one product.
fn dense_speed_gpu(g: &mut Gen) -> Case {
    let Value::List(mut v) = dense(g.matrix(2048, 512), gauss(g, 512, 512, 1.0 / 22.6), gauss_vec(g, 512, 0.1)) else {
        unreachable!()
    };
    v.push(Value::Text("cuda".into()));
    Case::new("batch 2048, 512 -> 512, F32 on the GPU", Value::List(v))
}

fn mlp(x: Value, layers: Value) -> Value {
    Value::List(vec![x, layers])
}

fn mlp_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new(
            "batch 16, 4 -> 8 (relu) -> 3 (identity)",
            mlp(g.matrix(16, 4), network(g, &[4, 8, 3], 1.4, "relu", "identity")),
        ),
        Case::new(
            "batch 20, 6 -> 10 (tanh) -> 10 (sigmoid) -> 2 (identity)",
            mlp(g.matrix(20, 6), network(g, &[6, 10, 10, 2], 1.0, "tanh", "identity")),
        ),
    ];
    // The same network with sigmoid in the middle: one layer of each activation.
    let Value::List(mut layers) = network(g, &[6, 10, 10, 2], 1.0, "tanh", "identity") else { unreachable!() };
    if let Value::List(l) = &mut layers[1] {
        l[2] = Value::Text("sigmoid".into());
    }
    cases.push(Case::new("batch 20, 6 -> 10 (tanh) -> 10 (sigmoid) -> 2", mlp(g.matrix(20, 6), Value::List(layers))));
    cases.push(Case::new(
        "a single layer with sigmoid (logistic regression)",
        mlp(g.matrix(10, 5), network(g, &[5, 1], 2.0, "sigmoid", "sigmoid")),
    ));
    cases.push(Case::new(
        "6 relu layers of width 12, batch 8",
        mlp(g.matrix(8, 12), network(g, &[12, 12, 12, 12, 12, 12, 12], 1.4, "relu", "relu")),
    ));
    cases.push(Case::new(
        "large inputs (sigmoid and tanh saturate)",
        mlp(
            Value::matrix(3, 4, g.floats(12, -1.0, 1.0).iter().map(|x| x * 200.0).collect()),
            network(g, &[4, 5, 3], 1.0, "sigmoid", "tanh"),
        ),
    ));
    cases.push(Case::new(
        "empty batch, 3 -> 4 -> 2",
        mlp(Value::matrix(0, 3, vec![]), network(g, &[3, 4, 2], 1.0, "relu", "identity")),
    ));
    cases.push(Case::new("no layers", mlp(g.matrix(4, 3), Value::List(vec![]))));
    let Value::List(mut layers) = network(g, &[3, 4, 2], 1.0, "relu", "identity") else { unreachable!() };
    layers[1] = layer(g, 5, 2, 0.5, "identity");
    cases.push(Case::new("layer 1 has 4 outputs, layer 2 expects 5 inputs", mlp(g.matrix(4, 3), Value::List(layers))));
    cases.push(Case::new(
        "x has 4 features, the first layer expects 3",
        mlp(g.matrix(4, 4), network(g, &[3, 4, 2], 1.0, "relu", "identity")),
    ));
    cases
}

fn mlp_speed(g: &mut Gen) -> Case {
    Case::new(
        "batch 2048, 128 -> 128 (relu) -> 128 (relu) -> 10",
        mlp(g.matrix(2048, 128), network(g, &[128, 128, 128, 10], 1.4, "relu", "identity")),
    )
}

// ---------------------------------------------------------------------------------------------
// Initialisation, checked statistically

fn init_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, out: usize, n_in: usize, label: &str| {
        Case::new(label, Value::List(vec![out.into(), n_in.into(), Value::Int((g.seed() >> 1) as i64)]))
    };
    vec![
        case(g, 512, 256, "512 x 256 (131072 weights)"),
        case(g, 128, 1024, "128 outputs x 1024 inputs: fan_in 8 times fan_out"),
        case(g, 1024, 128, "1024 outputs x 128 inputs: fan_out 8 times fan_in"),
        case(g, 300, 300, "300 x 300 (square)"),
        case(g, 3, 5, "3 x 5 (small: shape and range only)"),
        case(g, 1, 1, "1 x 1"),
        case(g, 0, 10, "0 outputs"),
        case(g, 10, 0, "0 inputs"),
    ]
}

#[derive(Clone, Copy, PartialEq)]
enum Init {
    XavierUniform,
    XavierNormal,
    HeNormal,
}

fn check_xavier_uniform(ctx: &CheckCtx) -> Result<(), Failure> {
    check_init(ctx, Init::XavierUniform)
}

fn check_xavier_normal(ctx: &CheckCtx) -> Result<(), Failure> {
    check_init(ctx, Init::XavierNormal)
}

fn check_he_normal(ctx: &CheckCtx) -> Result<(), Failure> {
    check_init(ctx, Init::HeNormal)
}

/// How many standard errors a statistic may stray from its expected value: a normal variable
/// is beyond 6 standard errors with probability 2e-9, so the handful of tests on a case, over
/// every case and initialiser, fail a correct implementation with probability below 1e-7.
const Z: f64 = 6.0;

/// Samples below which only the shape and range are checked.
const MIN_STATS: usize = 10_000;

/// Shape, finiteness, range (uniform), then on large matrices: sample mean, second moment
/// against the target variance, kurtosis (normal 3, uniform 1.8), and the correlation of
/// neighbouring weights, each within `Z` standard errors. Never compared with the reference's
/// samples: any correct use of the Rng passes.
fn check_init(ctx: &CheckCtx, init: Init) -> Result<(), Failure> {
    if matches!(ctx.expected, Value::Error(_)) || matches!(ctx.got, Value::Error(_)) {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    let (out, n_in) = (ctx.input.at(0).usize(), ctx.input.at(1).usize());
    let Value::Matrix { rows, cols, data: w } = ctx.got else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if (*rows, *cols) != (out, n_in) {
        return Err(Failure::plain(format!(
            "shape: expected ({out}, {n_in}) = (out_features, in_features), got ({rows}, {cols})"
        )));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite()) {
        return Err(Failure::plain(format!("weight {} is {}", compare::fmt_index(&[i / n_in, i % n_in]), w[i])));
    }
    let (fan_in, fan_out) = (n_in as f64, out as f64);
    let (target, formula) = match init {
        Init::XavierUniform | Init::XavierNormal => {
            (2.0 / (fan_in + fan_out), format!("2 / (fan_in + fan_out) = 2 / ({n_in} + {out})"))
        }
        Init::HeNormal => (2.0 / fan_in, format!("2 / fan_in = 2 / {n_in}")),
    };
    let n = w.len() as f64;
    if init == Init::XavierUniform {
        let a = (3.0 * target).sqrt();
        if let Some(i) = w.iter().position(|v| v.abs() > a * (1.0 + 1e-12)) {
            return Err(Failure::plain(format!(
                "weight {} = {} is outside [-a, a] with a = sqrt(6 / (fan_in + fan_out)) = {a:.6}",
                compare::fmt_index(&[i / n_in, i % n_in]),
                compare::fmt_num(w[i])
            )));
        }
    }
    if w.len() < MIN_STATS {
        return Ok(());
    }
    let sigma2 = target;
    let mean = w.iter().sum::<f64>() / n;
    let m2 = w.iter().map(|v| v * v).sum::<f64>() / n;
    let m4 = w.iter().map(|v| v.powi(4)).sum::<f64>() / n;
    let kurtosis = m4 / (m2 * m2);
    // Var(w²) = E w⁴ - σ⁴: 2σ⁴ for a normal, 0.8σ⁴ for a uniform.
    let (k4, kurt_target, dist) = match init {
        Init::XavierUniform => (0.8, 1.8, "uniform"),
        _ => (2.0, 3.0, "normal"),
    };
    ctx.metric("sample variance", m2, Some(sigma2), None);
    ctx.metric("sample mean", mean, Some(0.0), None);
    ctx.metric("kurtosis m4 / m2²", kurtosis, Some(kurt_target), None);

    let se_mean = (sigma2 / n).sqrt();
    if mean.abs() > Z * se_mean {
        return Err(Failure::plain(format!(
            "the sample mean of the {} weights is {mean:.3e}; with mean 0 and variance {sigma2:.4e} it should be \
             within ±{:.2e} (6 standard errors)",
            w.len(),
            Z * se_mean
        )));
    }
    let band = Z * sigma2 * (k4 / n).sqrt();
    if (m2 - sigma2).abs() > band {
        let mut message = format!(
            "variance: expected σ² = {formula} = {sigma2:.4e} (within ±{band:.2e}, 6 standard errors over {} \
             weights), measured {m2:.4e} ({:.3} times the target)",
            w.len(),
            m2 / sigma2
        );
        let matches: Vec<&str> = variance_candidates(init, fan_in, fan_out)
            .into_iter()
            .filter(|(_, v)| (m2 - v).abs() <= Z * v * (k4 / n).sqrt())
            .map(|(name, _)| name)
            .collect();
        if !matches.is_empty() {
            message.push_str(&format!(". The measured variance matches {}", matches.join(" or ")));
        }
        if matches.iter().any(|m| m.starts_with("1 /") || m.starts_with("2 /")) {
            message.push_str(
                ": fan_in is the number of INPUTS of a unit (in_features, the columns of the (out, in) \
                 weight), fan_out the number of outputs (its rows)",
            );
        }
        return Err(Failure::msg(message));
    }
    if (kurtosis - kurt_target).abs() > 0.3 {
        return Err(Failure::plain(format!(
            "distribution: the kurtosis m4 / m2² of the weights is {kurtosis:.3}; a {dist} distribution has \
             {kurt_target}: {}",
            if init == Init::XavierUniform {
                "the weights should be uniform on [-a, a]"
            } else {
                "the weights should be normal (rng.next_normal()), not uniform or two-valued"
            }
        )));
    }
    if init == Init::XavierUniform {
        // The largest of n uniform |w| falls below a (1 - 20/n) with probability e^-20.
        let a = (3.0 * target).sqrt();
        let max = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if max < a * (1.0 - 20.0 / n) {
            return Err(Failure::plain(format!(
                "range: the largest |weight| is {max:.6}, but {} weights uniform on [-a, a] with a = {a:.6} \
                 come within {:.2e} of a",
                w.len(),
                20.0 * a / n
            )));
        }
    }
    // Independent draws: neighbours in a row, and the same column in consecutive rows, are
    // uncorrelated (standard error 1/sqrt(n)).
    for (lag, what) in [(1, "neighbouring weights of a row"), (n_in, "the same column of consecutive rows")] {
        if lag >= w.len() {
            continue;
        }
        let r = w.iter().zip(&w[lag..]).map(|(a, b)| a * b).sum::<f64>() / (m2 * n);
        let limit = Z / ((w.len() - lag) as f64).sqrt();
        if r.abs() > limit {
            return Err(Failure::plain(format!(
                "independence: the correlation of {what} is {r:.4} (independent draws give |r| < {limit:.4}): \
                 draw a fresh number for every weight"
            )));
        }
    }
    Ok(())
}

/// Variances that a wrong fan or formula gives, to name the mistake.
fn variance_candidates(init: Init, fan_in: f64, fan_out: f64) -> Vec<(&'static str, f64)> {
    let sum = fan_in + fan_out;
    let mut c = vec![
        ("2 / fan_in (He)", 2.0 / fan_in),
        ("2 / fan_out", 2.0 / fan_out),
        ("1 / fan_in", 1.0 / fan_in),
        ("1 / fan_out", 1.0 / fan_out),
        ("2 / (fan_in + fan_out) (Xavier)", 2.0 / sum),
        ("1 / (fan_in + fan_out)", 1.0 / sum),
    ];
    match init {
        Init::XavierUniform => {
            c.push(("a² = 6 / (fan_in + fan_out) (the variance of a uniform on [-a, a] is a²/3)", 6.0 / sum));
            c.push(("a = 6 / (fan_in + fan_out) without the square root", (6.0 / sum).powi(2) / 3.0));
            c.push(("a uniform on [0, a] shifted wrongly", 6.0 / sum / 12.0));
        }
        Init::XavierNormal => {
            c.push(("σ⁴: the standard normal times the variance, not the standard deviation", (2.0 / sum).powi(2)))
        }
        Init::HeNormal => {
            c.push(("σ⁴: the standard normal times the variance, not the standard deviation", (2.0 / fan_in).powi(2)))
        }
    }
    let target = match init {
        Init::HeNormal => 2.0 / fan_in,
        _ => 2.0 / sum,
    };
    // The right answer is not a mistake (it can coincide with a wrong formula when fans are equal).
    c.retain(|(_, v)| (v - target).abs() > 1e-12 * target);
    c
}

// ---------------------------------------------------------------------------------------------
// Input standardisation

fn standardize_cases(g: &mut Gen) -> Vec<Case> {
    // Features on very different scales: means and spreads per column.
    let scales = [(1000.0, 250.0), (0.5, 0.01), (-20.0, 3.0), (0.0, 1.0), (5e4, 1e4)];
    let batch = |g: &mut Gen, n: usize, shift: f64| {
        let mut data = Vec::with_capacity(n * scales.len());
        for _ in 0..n {
            for &(m, s) in &scales {
                data.push(m + s * (g.normals(1)[0] + shift));
            }
        }
        Value::matrix(n, scales.len(), data)
    };
    let pair = |a: Value, b: Value| Value::List(vec![a, b]);
    let mut cases = vec![
        Case::new(
            "train 200 x 5 (features on scales from 0.01 to 10⁴), test 50 x 5 from a shifted distribution",
            pair(batch(g, 200, 0.0), batch(g, 50, 1.5)),
        ),
        Case::new("train 7 x 5, test 3 x 5", pair(batch(g, 7, 0.0), batch(g, 3, -1.0))),
    ];
    // A constant feature in the training batch that varies in the test batch.
    let with_constant = |v: Value, c: Option<f64>| {
        let Value::Matrix { rows, cols, mut data } = v else { unreachable!() };
        if let Some(c) = c {
            for r in 0..rows {
                data[r * cols + 2] = c;
            }
        }
        Value::matrix(rows, cols, data)
    };
    let train = with_constant(batch(g, 40, 0.0), Some(3.7));
    cases.push(Case::new(
        "feature 2 is constant (3.7) in the training batch, not in the test batch",
        pair(train, batch(g, 10, 0.5)),
    ));
    cases.push(Case::new("a single training row (every feature constant)", pair(batch(g, 1, 0.0), batch(g, 4, 0.0))));
    cases.push(Case::new("test batch identical to the training batch (result: mean 0, std 1 per feature)", {
        let b = batch(g, 30, 0.0);
        pair(b.clone(), b)
    }));
    cases.push(Case::new("empty test batch", pair(batch(g, 10, 0.0), Value::matrix(0, 5, vec![]))));
    cases.push(Case::new("training batch without rows", pair(Value::matrix(0, 5, vec![]), batch(g, 3, 0.0))));
    cases.push(Case::new("test batch with 4 features, training with 5", pair(batch(g, 10, 0.0), g.matrix(3, 4))));
    cases
        .push(Case::new("training batch given as a 1-D vector", pair(g.floats(5, -1.0, 1.0).into(), batch(g, 3, 0.0))));
    cases
}

/// `(mean, std, transformed test batch)`, each named; with a diagnosis of the usual mistakes
/// (sample instead of population std, statistics of the test batch, constant features).
fn check_standardize(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if e.len() != 3 || g.len() != 3 {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    let n_train = match ctx.input.at(0) {
        Value::Matrix { rows, .. } => *rows,
        _ => 0,
    };
    let names = ["mean", "std", "transformed"];
    for (i, name) in names.iter().enumerate() {
        if let Err(f) = compare::named(name, &e[i], &g[i], ctx.tol) {
            let hint = match (i, &e[i], &g[i]) {
                (1, Value::Floats(es), Value::Floats(gs)) if es.len() == gs.len() => std_hint(es, gs, n_train),
                (2, _, Value::Matrix { rows, cols, data }) if *rows > 1 => {
                    let centred = (0..*cols).all(|j| {
                        let m = (0..*rows).map(|r| data[r * cols + j]).sum::<f64>() / *rows as f64;
                        m.abs() < 1e-9
                    });
                    let same_batch = ctx.input.at(0) == ctx.input.at(1);
                    (centred && !same_batch).then(|| {
                        "every column of your transformed test batch has mean 0: were the statistics computed on \
                         the test batch? They must come from the training batch only"
                            .to_string()
                    })
                }
                _ => None,
            };
            return Err(f.diagnosed(hint));
        }
    }
    Ok(())
}

fn std_hint(expected: &[f64], got: &[f64], n: usize) -> Option<String> {
    if let Some(j) = expected.iter().zip(got).position(|(e, g)| *e == 1.0 && (g - e).abs() > 1e-9) {
        if got[j].abs() < 1e-6 || !got[j].is_finite() {
            return Some(format!(
                "feature {j} is constant in the training batch: store its std as 1, so that it is only centred"
            ));
        }
    }
    if n > 1 {
        let k = (n as f64 / (n as f64 - 1.0)).sqrt();
        let sample =
            expected.iter().zip(got).all(|(e, g)| *e == 1.0 || (g - e * k).abs() <= 1e-9 + 1e-7 * (e * k).abs());
        if sample {
            return Some("your std is the sample one, divided by n - 1; use the population std, divided by n".into());
        }
    }
    None
}
