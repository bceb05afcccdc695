//! Hidden suites for `stage4::stability`: clipping by value and by global norm, on lists of
//! gradients of mixed shapes, at the edges PyTorch's `clip_grad_norm_` defines (a norm exactly at
//! the limit, a zero gradient) and at magnitudes where squares overflow.

use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage4.stability.clip_grad_value", value_cases),
        ExerciseSuite::named("stage4.stability.clip_grad_norm", norm_cases),
    ]
}

/// A layer's gradients: weight `(out, in)`, bias `(out,)`, with entries of size about `scale`.
fn layer(g: &mut Gen, out: usize, inp: usize, scale: f64) -> Vec<Value> {
    let w = g.normals(out * inp).iter().map(|v| v * scale).collect();
    let b: Vec<f64> = g.normals(out).iter().map(|v| v * scale).collect();
    vec![Value::matrix(out, inp, w), b.into()]
}

fn input(grads: Vec<Value>, limit: f64) -> Value {
    Value::List(vec![Value::List(grads), limit.into()])
}

/// `grads` scaled so that their global norm is exactly `norm` (up to rounding).
fn with_norm(grads: Vec<Value>, norm: f64) -> Vec<Value> {
    let data = |v: &Value| -> Vec<f64> {
        match v {
            Value::Matrix { data, .. } | Value::Floats(data) => data.clone(),
            other => vec![other.float()],
        }
    };
    let total = grads.iter().flat_map(data).map(|x| x * x).sum::<f64>().sqrt();
    let c = norm / total;
    grads
        .into_iter()
        .map(|v| match v {
            Value::Matrix { rows, cols, data } => Value::matrix(rows, cols, data.iter().map(|x| x * c).collect()),
            Value::Floats(d) => Value::Floats(d.iter().map(|x| x * c).collect()),
            other => Value::Float(other.float() * c),
        })
        .collect()
}

fn value_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut grads = layer(g, 4, 3, 2.0);
    grads.extend(layer(g, 2, 4, 0.5));
    cases.push(Case::new("two layers, entries around ±2 and ±0.5, limit 1", input(grads, 1.0)));
    cases.push(Case::new("all entries inside the limit (unchanged)", input(layer(g, 3, 3, 0.1), 5.0)));
    cases.push(Case::new("a scalar gradient beyond the limit", input(vec![Value::Float(-7.5)], 2.0)));
    cases.push(Case::new("no gradients", input(vec![], 1.0)));
    cases.push(Case::new("limit 0 (InvalidLimit)", input(layer(g, 2, 2, 1.0), 0.0)));
    cases.push(Case::new("negative limit (InvalidLimit)", input(layer(g, 2, 2, 1.0), -1.0)));
    let mut bad = layer(g, 2, 3, 1.0);
    bad.push(Value::Floats(vec![1.0, f64::INFINITY]));
    cases.push(Case::new("an infinite entry (NonFinite)", input(bad, 1.0)));
    cases
}

fn norm_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut grads = layer(g, 5, 4, 1.0);
    grads.extend(layer(g, 3, 5, 3.0));
    cases.push(Case::new("two layers, global norm about 12, max_norm 1", input(grads, 1.0)));
    // Each tensor's own norm is below the limit, the global norm is not: per-tensor clipping
    // leaves them all unchanged.
    let grads = with_norm(layer(g, 3, 3, 1.0), 1.9);
    let mut more = grads.clone();
    more.extend(with_norm(layer(g, 2, 3, 1.0), 1.9));
    cases.push(Case::new("four tensors, each of norm below 2, together above it (max_norm 2)", input(more, 2.0)));
    cases.push(Case::new("global norm below max_norm (unchanged)", input(with_norm(layer(g, 4, 4, 1.0), 0.5), 1.0)));
    cases.push(Case::new(
        "global norm exactly max_norm (scaled by max_norm / (max_norm + 1e-6), as PyTorch)",
        input(vec![Value::Floats(vec![3.0, 4.0])], 5.0),
    ));
    cases.push(Case::new(
        "all gradients zero (norm 0, unchanged)",
        input(vec![Value::matrix(2, 2, vec![0.0; 4]), Value::Floats(vec![0.0; 3])], 1.0),
    ));
    cases.push(Case::new("no gradients (norm 0)", input(vec![], 1.0)));
    cases.push(Case::new(
        "entries of 1e200 (their squares overflow; the norm does not)",
        input(with_norm(layer(g, 3, 2, 1.0), 4e200), 1.0),
    ));
    cases.push(Case::new(
        "entries of 1e-200 (their squares underflow to 0; the norm does not)",
        input(with_norm(layer(g, 3, 2, 1.0), 3e-200), 1.0),
    ));
    cases.push(Case::new("max_norm 0 (InvalidLimit)", input(layer(g, 2, 2, 1.0), 0.0)));
    cases.push(Case::new("max_norm NaN (InvalidLimit)", input(layer(g, 2, 2, 1.0), f64::NAN)));
    let mut bad = layer(g, 2, 2, 1.0);
    bad.push(Value::Floats(vec![f64::NAN, 1.0]));
    cases.push(Case::new("a NaN entry (NonFinite)", input(bad, 1.0)));
    cases
}
