//! Hidden suites for `stage6::repro`.
//!
//! Training runs on the breast-cancer data set (even rows to train on, standardised with their
//! own statistics; odd rows held out). A case passes when the two runs with one seed agree bit
//! for bit, the run with the next seed does not, and the held-out accuracy is at least the
//! reference's minus 0.03. The digest is compared exactly, on edge values (`-0.0`, subnormals and
//! infinities).

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.repro.train", train_cases, check_train),
        ExerciseSuite::custom("stage6.repro.digest", digest_cases, exact),
    ]
}

/// Rows and labels to train on, rows and labels held out.
type Split = (Vec<Vec<f64>>, Vec<f64>, Vec<Vec<f64>>, Vec<f64>);

/// Standardised even rows (features, labels) and odd rows, with `features` columns.
fn split(features: &[usize]) -> Split {
    let (_, rows) = data::numeric_csv("breast_cancer");
    let even: Vec<&Vec<f64>> = rows.iter().step_by(2).collect();
    let n = even.len() as f64;
    let stats: Vec<(f64, f64)> = features
        .iter()
        .map(|&j| {
            let mean = even.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = even.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n;
            (mean, var.sqrt().max(1e-12))
        })
        .collect();
    let project = |r: &Vec<f64>| features.iter().zip(&stats).map(|(&j, (m, s))| (r[j] - m) / s).collect::<Vec<f64>>();
    let (mut x, mut y, mut hx, mut hy) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, r) in rows.iter().enumerate() {
        if i % 2 == 0 {
            x.push(project(r));
            y.push(r[30]);
        } else {
            hx.push(project(r));
            hy.push(r[30]);
        }
    }
    (x, y, hx, hy)
}

fn matrix(rows: &[Vec<f64>]) -> Value {
    Value::List(rows.iter().map(|r| Value::Floats(r.clone())).collect())
}

fn train_case(label: &str, features: &[usize], seed: u64, epochs: usize) -> Case {
    let (x, y, hx, hy) = split(features);
    Case::new(
        label,
        Value::List(vec![
            matrix(&x),
            Value::Floats(y),
            Value::Int(seed as i64),
            epochs.into(),
            matrix(&hx),
            Value::Floats(hy),
        ]),
    )
}

fn train_cases(g: &mut Gen) -> Vec<Case> {
    let all: Vec<usize> = (0..30).collect();
    let mut some: Vec<usize> = (0..30).filter(|_| g.float(0.0, 1.0) < 0.4).collect();
    if some.is_empty() {
        some.push(g.size(0, 29));
    }
    let seed = g.int(0, 1 << 40) as u64;
    vec![
        train_case("30 features, 20 epochs", &all, seed, 20),
        train_case(&format!("{} features, 5 epochs", some.len()), &some, seed ^ 0x5eed, 5),
        train_case("one epoch, seed 0", &all[..10], 0, 1),
    ]
}

fn floats(v: &Value) -> &[f64] {
    v.floats()
}

/// Same seed, same bits; next seed, other bits; held-out accuracy within 0.03 of the reference's.
fn check_train(ctx: &CheckCtx) -> Result<(), Failure> {
    let (e, g) = (ctx.expected.list(), ctx.got.list());
    let (first, again, other) = (floats(&g[0]), floats(&g[1]), floats(&g[2]));
    let want = floats(&e[0]).len();
    if first.len() != want {
        return Err(Failure::plain(format!(
            "{} parameters where {want} are expected (the weights, then the bias)",
            first.len()
        )));
    }
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    if let Some(i) = bits(first).iter().zip(bits(again)).position(|(a, b)| *a != b) {
        return Err(Failure::plain(format!(
            "two runs with the same seed differ at parameter {i}: something random escapes the seed (rand::rng(), the \
             clock, a HashMap's order?)"
        )));
    }
    if bits(first) == bits(other) {
        return Err(Failure::plain("a run with another seed gave the same bits: is the seed used?"));
    }
    let (ea, ga) = (e[3].float(), g[3].float());
    ctx.metric("held-out accuracy", ga, Some(ea), None);
    if ga < ea - 0.03 {
        return Err(Failure::plain(format!("held-out accuracy {ga:.3}, more than 0.03 below the reference's {ea:.3}")));
    }
    Ok(())
}

fn digest_cases(g: &mut Gen) -> Vec<Case> {
    let list = |vs: Vec<Vec<f64>>| Value::List(vs.into_iter().map(Value::Floats).collect());
    vec![
        Case::new("no parameters, and one", list(vec![vec![], vec![1.0]])),
        Case::new("0.0 and -0.0 differ", list(vec![vec![0.0], vec![-0.0]])),
        Case::new(
            "subnormals, infinities, the extremes",
            list(vec![vec![5e-324, f64::MIN_POSITIVE, f64::MAX, f64::INFINITY, f64::NEG_INFINITY, -1e-310]]),
        ),
        Case::new("order matters", list(vec![vec![1.0, 2.0], vec![2.0, 1.0]])),
        Case::new(
            "random models",
            list(
                (0..5)
                    .map(|_| {
                        let n = g.size(1, 200);
                        g.normals(n)
                    })
                    .collect(),
            ),
        ),
    ]
}
