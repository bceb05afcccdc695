//! Hidden suites for `stage6::serving`: online and batch logits compared with the reference's
//! bit for bit (both paths sum in one specified order, so there is one right answer), on the
//! course's digit classifier and held-out digits, on networks whose sums round differently in
//! any other order, and on the edges (no layers, a layer with no inputs, no rows, wrong shapes).
//! The batch path is timed against the reference on 20,000 rows.

use crate::edge::{digits_mlp, held_out, wire, Layer};
use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.serving.online", online_cases, exact),
        ExerciseSuite::custom("stage6.serving.batch", batch_cases, exact).timed(speed),
    ]
}

/// Networks (with a label) on which the two paths are tried, and a row width for each.
fn networks(g: &mut Gen) -> Vec<(String, Vec<Layer>, usize)> {
    let random = |g: &mut Gen, dims: &[usize]| -> Vec<Layer> {
        dims.windows(2).map(|d| (d[0], d[1], g.floats(d[0] * d[1], -1.0, 1.0), g.floats(d[1], -0.5, 0.5))).collect()
    };
    let r1 = random(g, &[5, 7, 3]);
    let r2 = random(g, &[12, 4, 4, 2]);
    vec![
        ("the course's digit classifier (64 → 32 → 32 → 10)".into(), digits_mlp(), 64),
        ("a random 5 → 7 → 3 network".into(), r1, 5),
        ("a random 12 → 4 → 4 → 2 network".into(), r2, 12),
        (
            "sums that round differently in any other order (1e8 + 1 - 1e8)".into(),
            vec![(4, 2, vec![1e8, 1.0, -1e8, 1.0, 1.0, 1e8, 1.0, -1e8], vec![0.0, 0.5])],
            4,
        ),
        ("a layer with no inputs: the biases".into(), vec![(0, 3, vec![], vec![0.25, -1.0, 2.0])], 0),
        ("a layer with no outputs".into(), vec![(3, 0, vec![], vec![])], 3),
    ]
}

fn rows(g: &mut Gen, n: usize, width: usize) -> Vec<Vec<f64>> {
    (0..n).map(|_| g.floats(width, -2.0, 2.0).into_iter().map(|v| (v as f32) as f64).collect()).collect()
}

fn online_cases(g: &mut Gen) -> Vec<Case> {
    let online = |label: &str, layers: &[Layer], rows: Vec<Vec<f64>>| {
        Case::new(label, Value::List(vec![wire(layers), Value::List(rows.into_iter().map(Value::Floats).collect())]))
    };
    let mut cases = Vec::new();
    for (label, layers, width) in networks(g) {
        let xs = if width == 64 { held_out(g, 25).0 } else { rows(g, 6, width) };
        let xs = if label.contains("1e8") { vec![vec![1.0, 1.0, 1.0, 1.0], vec![2.0, 3.0, -1.0, 0.5]] } else { xs };
        cases.push(online(&format!("{label}, one request at a time"), &layers, xs));
    }
    cases.push(online("no layers: the input itself", &[], vec![vec![1.5, -2.0], vec![]]));
    cases.push(online("a row of the wrong length", &digits_mlp(), vec![vec![0.5; 63]]));
    let chain = vec![(3, 4, vec![0.1; 12], vec![0.0; 4]), (5, 2, vec![0.1; 10], vec![0.0; 2])];
    cases.push(online("layers that do not chain (4 outputs into 5 inputs)", &chain, vec![vec![1.0; 3]]));
    cases.push(online("weights of the wrong length", &[(3, 2, vec![0.1; 5], vec![0.0; 2])], vec![vec![1.0; 3]]));
    cases
}

fn batch(label: &str, layers: &[Layer], n: usize, xs: Vec<f64>) -> Case {
    Case::new(label, Value::List(vec![wire(layers), Value::Int(n as i64), Value::Floats(xs)]))
}

fn batch_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (label, layers, width) in networks(g) {
        let xs = if width == 64 { held_out(g, 300).0 } else { rows(g, 40, width) };
        let xs = if label.contains("1e8") { vec![vec![1.0, 1.0, 1.0, 1.0], vec![2.0, 3.0, -1.0, 0.5]] } else { xs };
        let n = xs.len();
        cases.push(batch(&format!("{label}, {n} rows in one batch"), &layers, n, xs.concat()));
    }
    cases.push(batch("one row", &digits_mlp(), 1, held_out(g, 1).0.concat()));
    cases.push(batch("no rows", &digits_mlp(), 0, vec![]));
    cases.push(batch("no layers: the input itself", &[], 2, vec![1.5, -2.0, 0.25, 4.0]));
    cases.push(batch(
        "rows that do not fill the batch (n × inputs values expected)",
        &digits_mlp(),
        3,
        vec![0.5; 64 * 3 - 1],
    ));
    let chain = vec![(3, 4, vec![0.1; 12], vec![0.0; 4]), (5, 2, vec![0.1; 10], vec![0.0; 2])];
    cases.push(batch("layers that do not chain", &chain, 1, vec![1.0; 3]));
    cases
}

fn speed(g: &mut Gen) -> Case {
    let xs = held_out(g, 20_000).0;
    batch("20,000 held-out digits through the digit classifier in one batch", &digits_mlp(), 20_000, xs.concat())
}
