//! Hidden suites for `stage6::edge`.
//!
//! The blob is compared byte for byte with the reference's (the format is fully specified), on
//! the course's own digit classifier (Stage 4's `64 → 32 → 32 → 10` network, `digits_mlp`), on
//! layers with ties at half a step, zeros and extremes. The logits read from the blob are
//! compared to a relative 1e-4 (f32 sums in another order round differently), and every damaged
//! blob must be refused as corrupt. The report shows the blob's size against the `f32` model's
//! and the held-out accuracy of the quantised classifier against the full one's.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.edge.quantize", quantize_cases, check_quantize),
        ExerciseSuite::custom("stage6.edge.predict", predict_cases, check_predict),
    ]
}

/// `[inputs, outputs, weights, biases]`.
pub(crate) type Layer = (usize, usize, Vec<f64>, Vec<f64>);

pub(crate) fn wire(layers: &[Layer]) -> Value {
    Value::List(
        layers
            .iter()
            .map(|(i, o, w, b)| {
                Value::List(vec![(*i).into(), (*o).into(), Value::Floats(w.clone()), Value::Floats(b.clone())])
            })
            .collect(),
    )
}

/// The course's digit classifier.
pub(crate) fn digits_mlp() -> Vec<Layer> {
    ["layer0", "layer1", "head"]
        .iter()
        .map(|n| {
            let (shape, w) = data::tensor("digits_mlp", &format!("{n}.weight"));
            let (_, b) = data::tensor("digits_mlp", &format!("{n}.bias"));
            (shape[1], shape[0], w, b)
        })
        .collect()
}

/// Held-out digits (the odd rows of `digits`, which the classifier was not trained on): pixels
/// scaled to [0, 1], and their labels.
pub(crate) fn held_out(g: &mut Gen, n: usize) -> (Vec<Vec<f64>>, Vec<i64>) {
    let (_, rows) = data::numeric_csv("digits");
    let odd: Vec<&Vec<f64>> = rows.iter().skip(1).step_by(2).collect();
    (0..n)
        .map(|_| {
            let r = odd[g.size(0, odd.len() - 1)];
            (r[..64].iter().map(|p| p / 16.0).collect(), r[64] as i64)
        })
        .unzip()
}

fn random_layer(g: &mut Gen, inputs: usize, outputs: usize) -> Layer {
    (inputs, outputs, g.floats(inputs * outputs, -1.0, 1.0), g.floats(outputs, -0.5, 0.5))
}

fn quantize_cases(g: &mut Gen) -> Vec<Case> {
    // 127 / 127 = 1 step; 0.5 and -0.5 steps are ties, rounded away from zero.
    let ties = vec![(4, 1, vec![127.0, 0.5, -0.5, 1.5], vec![0.25])];
    let mut cases = vec![
        Case::new("the course's digit classifier", wire(&digits_mlp())),
        Case::new("halves of a step round away from zero", wire(&ties)),
        Case::new("a layer of zero weights (scale 1)", wire(&[(3, 2, vec![0.0; 6], vec![1.0, -1.0])])),
        Case::new("weights near the f32 extremes", wire(&[(2, 2, vec![3e38, -3e38, 1e-30, 0.0], vec![0.0, 0.0])])),
        Case::new("no layers", wire(&[])),
        Case::new("a weight vector of the wrong length", wire(&[(3, 2, vec![1.0; 5], vec![0.0; 2])])),
        Case::new("layers that do not chain", wire(&[random_layer(g, 4, 3), random_layer(g, 5, 2)])),
    ];
    for k in 0..3 {
        let sizes: Vec<usize> = (0..g.size(2, 4)).map(|_| g.size(1, 40)).collect();
        let layers: Vec<Layer> = sizes.windows(2).map(|w| random_layer(g, w[0], w[1])).collect();
        cases.push(Case::new(format!("a random network {} ({sizes:?})", k + 1), wire(&layers)));
    }
    cases
}

/// The blob exactly as the reference's; its size against the f32 model's in the report.
fn check_quantize(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Value::Bytes(e), Value::Bytes(g)) = (ctx.expected, ctx.got) {
        let f32_bytes: usize =
            ctx.input.list().iter().map(|l| 4 * (l.at(2).floats().len() + l.at(3).floats().len())).sum();
        ctx.metric("blob bytes", g.len() as f64, Some(e.len() as f64), Some(("f32 weights", f32_bytes as f64)));
        if let Some(i) = e.iter().zip(g).position(|(a, b)| a != b) {
            return Err(Failure::plain(format!(
                "the blob differs from byte {i} on ({} bytes, {} expected)",
                g.len(),
                e.len()
            )));
        }
    }
    exact(ctx)
}

fn predict_cases(g: &mut Gen) -> Vec<Case> {
    let (x, labels) = held_out(g, 300);
    let rows = |x: &[Vec<f64>]| Value::List(x.iter().map(|r| Value::Floats(r.clone())).collect());
    let small = vec![random_layer(g, 3, 4), random_layer(g, 4, 2)];
    vec![
        Case::new("the digit classifier on 300 held-out digits", Value::List(vec![wire(&digits_mlp()), rows(&x)]))
            .with_secret(Value::Ints(labels)),
        Case::new(
            "a small network, and an input of the wrong length",
            Value::List(vec![wire(&small), rows(&[vec![0.5, -1.0, 2.0], vec![1.0, 2.0]])]),
        ),
        Case::new("no layers: the output is the input", Value::List(vec![wire(&[]), rows(&[vec![1.0, 2.0]])])),
    ]
}

/// Logits to a relative 1e-4 (errors as the reference's), every damaged blob refused as corrupt;
/// on the digits, the quantised model's held-out accuracy in the report.
fn check_predict(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) {
        if let (Some(Value::List(g_damaged)), Some(Value::List(g_logits))) = (g.get(1), g.first()) {
            for (k, (what, v)) in
                ["truncated", "with another magic", "with a byte appended", "announcing one layer too many"]
                    .iter()
                    .zip(g_damaged)
                    .enumerate()
            {
                if !matches!(v, Value::Error(s) if s == "Corrupt") {
                    return Err(Failure::plain(format!("damaged blob {} ({what}) was not refused as Corrupt", k + 1)));
                }
            }
            if let (Value::Ints(labels), Some(Value::List(e_logits))) = (ctx.secret, e.first()) {
                let accuracy = |logits: &[Value]| {
                    let right = logits
                        .iter()
                        .zip(labels)
                        .filter(|(l, &y)| match l {
                            Value::Floats(v) => {
                                v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i as i64) == Some(y)
                            }
                            _ => false,
                        })
                        .count();
                    right as f64 / labels.len().max(1) as f64
                };
                ctx.metric("held-out accuracy, quantised", accuracy(g_logits), Some(accuracy(e_logits)), None);
            }
        }
    }
    exact(ctx)
}
