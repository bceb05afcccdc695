//! Hidden suites for `stage3::activations`: each activation and its derivative on ordinary,
//! huge (±1000), tiny, zero and empty inputs; softmax and log-softmax next to candle-nn's; the
//! softmax + cross-entropy gradient next to candle's autograd; the output layer for a task.
//!
//! An activation exercise returns `(f(x), f'(x))` (leaky ReLU and ELU: `(leaky, leaky', elu,
//! elu')`), each part compared under the name of the function that computed it.

use grader_protocol::Value;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::named("stage3.activations.sigmoid", activation_cases),
        ExerciseSuite::named("stage3.activations.tanh", activation_cases),
        ExerciseSuite::named("stage3.activations.relu", activation_cases),
        ExerciseSuite::named("stage3.activations.leaky_elu", leaky_elu_cases),
        ExerciseSuite::custom("stage3.activations.softmax", softmax_cases, check_softmax)
            .with_baseline("stage3.activations.softmax.candle"),
        ExerciseSuite::custom("stage3.activations.softmax_cross_entropy", cross_entropy_cases, check_cross_entropy)
            .with_baseline("stage3.activations.softmax_cross_entropy.candle"),
        ExerciseSuite::plain("stage3.activations.output_layer", output_layer_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The numbers of a vector or matrix value.
fn data(v: &Value) -> Option<&[f64]> {
    match v {
        Value::Floats(d) => Some(d),
        Value::Matrix { data, .. } => Some(data),
        _ => None,
    }
}

/// Largest elementwise `|a - b|` (infinite when a NaN or an infinity differs).
fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| if x == y { 0.0 } else { (x - y).abs() })
        .map(|d| if d.is_nan() { f64::INFINITY } else { d })
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------------
// Elementwise activations: input a vector or a matrix

fn activation_inputs(g: &mut Gen) -> Vec<(String, Value)> {
    let tails = g.floats(32, -40.0, 40.0);
    let mut tiny: Vec<f64> = g.floats(6, -1e-8, 1e-8);
    tiny.extend([1e-300, -1e-300]);
    vec![
        ("±1000, ±50, ±1 and 0".into(), vec![-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0].into()),
        ("random 4x6, N(0, 3²)".into(), Value::matrix(4, 6, g.normals(24).iter().map(|v| 3.0 * v).collect())),
        ("32 values uniform in [-40, 40]".into(), tails.into()),
        ("tiny inputs, |x| <= 1e-8".into(), tiny.into()),
        ("exactly 0 and -0".into(), vec![0.0, -0.0].into()),
        ("one value".into(), g.floats(1, -3.0, 3.0).into()),
        ("empty vector".into(), Value::Floats(vec![])),
        ("empty 0x3 matrix".into(), Value::matrix(0, 3, vec![])),
    ]
}

fn activation_cases(g: &mut Gen) -> Vec<Case> {
    activation_inputs(g).into_iter().map(|(label, x)| Case::new(label, x)).collect()
}

/// Input `(x, slope, alpha)`.
fn leaky_elu_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases: Vec<Case> = activation_inputs(g)
        .into_iter()
        .map(|(label, x)| {
            Case::new(format!("{label}, slope 0.01, alpha 1"), Value::List(vec![x, 0.01.into(), 1.0.into()]))
        })
        .collect();
    let x = Value::matrix(3, 5, g.normals(15).iter().map(|v| 2.0 * v).collect());
    cases.push(Case::new("random 3x5, slope 0.2, alpha 0.5", Value::List(vec![x.clone(), 0.2.into(), 0.5.into()])));
    cases.push(Case::new("random 3x5, slope 0 (plain ReLU), alpha 2", Value::List(vec![x, 0.0.into(), 2.0.into()])));
    cases
}

// ---------------------------------------------------------------------------------------------
// Softmax and log-softmax: input a vector or a matrix

fn softmax_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("random 5x7 logits, N(0, 3²)", Value::matrix(5, 7, g.normals(35).iter().map(|v| 3.0 * v).collect())),
        Case::new(
            "rows [1000, -1000, 0], [-1000, -1000, -1000], [1e4, 1e4 + 1, 1e4 + 2]",
            Value::matrix(3, 3, vec![1000.0, -1000.0, 0.0, -1000.0, -1000.0, -1000.0, 1e4, 1e4 + 1.0, 1e4 + 2.0]),
        ),
        Case::new("a vector of 6 (one row)", Value::Floats(g.normals(6))),
        Case::new("4x1: one class per row", Value::matrix(4, 1, g.normals(4))),
        Case::new("empty batch (0x5)", Value::matrix(0, 5, vec![])),
        Case::new("rows of length 0 (3x0)", Value::matrix(3, 0, vec![])),
    ]
}

/// Allclose with the reference, part by part; the distance to candle-nn's as a metric.
fn check_softmax(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Some(Value::List(b)), Value::List(e), Value::List(g)) = (ctx.baseline, ctx.expected, ctx.got) {
        for (i, name) in ["softmax", "log_softmax"].iter().enumerate() {
            let (Some(b), Some(e)) = (b.get(i).and_then(data), e.get(i).and_then(data)) else { continue };
            let yours = g.get(i).and_then(data).filter(|d| d.len() == b.len()).map(|d| max_abs_diff(d, b));
            if let Some(yours) = yours {
                ctx.metric(&format!("max |{name} − candle-nn's|"), yours, Some(max_abs_diff(e, b)), None);
            }
        }
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// Softmax + cross-entropy: input (logits, targets)

fn cross_entropy_cases(g: &mut Gen) -> Vec<Case> {
    let ce = |logits: Value, targets: Vec<i64>| Value::List(vec![logits, Value::Ints(targets)]);
    let random_targets = |g: &mut Gen, n: usize, k: usize| (0..n).map(|_| g.int(0, k as i64 - 1)).collect::<Vec<_>>();
    let mut cases = Vec::new();
    for (n, k) in [(6, 4), (32, 10)] {
        let logits = Value::matrix(n, k, g.normals(n * k).iter().map(|v| 2.0 * v).collect());
        let targets = random_targets(g, n, k);
        cases.push(Case::new(format!("random {n}x{k} logits"), ce(logits, targets)));
    }
    cases.push(Case::new(
        "logits ±1000 (a confident wrong answer, a confident right one)",
        ce(Value::matrix(2, 3, vec![1000.0, -1000.0, 0.0, -1000.0, 1000.0, 0.0]), vec![1, 1]),
    ));
    cases.push(Case::new("all logits 0 (loss ln 5)", ce(Value::matrix(3, 5, vec![0.0; 15]), vec![0, 4, 2])));
    cases.push(Case::new("one sample", ce(Value::matrix(1, 4, g.normals(4)), vec![3])));
    cases.push(Case::new("one class (loss 0)", ce(Value::matrix(3, 1, g.normals(3)), vec![0, 0, 0])));

    // Refusals.
    cases.push(Case::new("no samples (0x3)", ce(Value::matrix(0, 3, vec![]), vec![])));
    cases.push(Case::new("no classes (2x0)", ce(Value::matrix(2, 0, vec![]), vec![0, 0])));
    cases.push(Case::new("3 samples, 2 targets", ce(Value::matrix(3, 4, g.normals(12)), vec![0, 1])));
    cases.push(Case::new("target 4 with 4 classes", ce(Value::matrix(2, 4, g.normals(8)), vec![1, 4])));
    cases
}

/// Loss and gradient allclose with the reference; the gradient's distance to candle's autograd
/// as a metric.
fn check_cross_entropy(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Some(Value::List(b)), Value::List(e), Value::List(g)) = (ctx.baseline, ctx.expected, ctx.got) {
        if let (Some(b), Some(e), Some(g)) = (b.get(1).and_then(data), e.get(1).and_then(data), g.get(1).and_then(data))
        {
            if g.len() == b.len() {
                ctx.metric("max |dL/dlogits − candle autograd's|", max_abs_diff(g, b), Some(max_abs_diff(e, b)), None);
            }
        }
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// output_layer: input the task's name

fn output_layer_cases(_: &mut Gen) -> Vec<Case> {
    ["BinaryClassification", "MultiClass", "MultiLabel", "Regression"]
        .into_iter()
        .map(|t| Case::new(format!("Task::{t}"), Value::Text(t.to_string())))
        .collect()
}
