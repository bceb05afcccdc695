//! Hidden suites for `stage4::blocks`: residual and dense blocks on random batches, where the
//! order of the skip connection and the last ReLU shows (inputs of both signs), plus shapes that
//! must be refused.

use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage4.blocks.residual_block", residual_cases),
        ExerciseSuite::plain("stage4.blocks.dense_block", dense_cases),
    ]
}

/// A `(rows, cols)` matrix of normals times `scale`.
fn gauss(g: &mut Gen, rows: usize, cols: usize, scale: f64) -> Value {
    Value::matrix(rows, cols, g.normals(rows * cols).iter().map(|v| v * scale).collect())
}

fn vector(g: &mut Gen, n: usize, scale: f64) -> Value {
    Value::Floats(g.normals(n).iter().map(|v| v * scale).collect())
}

fn residual_input(g: &mut Gen, batch: usize, d: usize, hidden: usize) -> Value {
    let (x, w1, b1) = (gauss(g, batch, d, 1.0), gauss(g, hidden, d, 0.5), vector(g, hidden, 0.1));
    let (w2, b2) = (gauss(g, d, hidden, 0.5), vector(g, d, 0.1));
    Value::List(vec![x, w1, b1, w2, b2])
}

fn residual_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, d, hidden) in [(4, 3, 5), (16, 8, 8), (32, 16, 4)] {
        cases.push(Case::new(format!("batch {batch}, d = {d}, hidden {hidden}"), residual_input(g, batch, d, hidden)));
    }
    // Zero weights: F(x) = b2 only, so y = relu(x + b2): the skip path alone.
    let x = gauss(g, 5, 4, 1.0);
    let b2 = vector(g, 4, 0.5);
    cases.push(Case::new(
        "all weights 0: only the skip connection and b2 remain",
        Value::List(vec![
            x,
            Value::matrix(3, 4, vec![0.0; 12]),
            vector(g, 3, 1.0),
            Value::matrix(4, 3, vec![0.0; 12]),
            b2,
        ]),
    ));
    let Value::List(mut bad) = residual_input(g, 4, 3, 5) else { unreachable!() };
    bad[3] = gauss(g, 2, 5, 0.5);
    cases.push(Case::new(
        "W2 maps to 2 features, x has 3 (ShapeMismatch: the sum needs equal widths)",
        Value::List(bad),
    ));
    let Value::List(mut bad) = residual_input(g, 4, 3, 5) else { unreachable!() };
    bad[2] = vector(g, 4, 0.1);
    cases.push(Case::new("b1 of length 4 for 5 hidden units (ShapeMismatch)", Value::List(bad)));
    cases
}

fn dense_input(g: &mut Gen, batch: usize, d: usize, growth: usize, layers: usize) -> Value {
    let x = gauss(g, batch, d, 1.0);
    let list =
        (0..layers).map(|k| Value::List(vec![gauss(g, growth, d + k * growth, 0.5), vector(g, growth, 0.1)])).collect();
    Value::List(vec![x, Value::List(list)])
}

fn dense_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, d, growth, layers) in [(4, 3, 2, 3), (8, 6, 4, 4), (16, 5, 3, 1)] {
        cases.push(Case::new(
            format!(
                "batch {batch}, {d} features, growth {growth}, {layers} layers ({} features out)",
                d + growth * layers
            ),
            dense_input(g, batch, d, growth, layers),
        ));
    }
    cases.push(Case::new("no layers (x itself)", Value::List(vec![gauss(g, 3, 4, 1.0), Value::List(vec![])])));
    let Value::List(mut v) = dense_input(g, 4, 3, 2, 2) else { unreachable!() };
    if let Value::List(layers) = &mut v[1] {
        layers[1] = Value::List(vec![gauss(g, 2, 3, 0.5), vector(g, 2, 0.1)]);
    }
    cases.push(Case::new(
        "layer 2 expects only the block's input (3 features, not 3 + 2: ShapeMismatch)",
        Value::List(v),
    ));
    cases
}
