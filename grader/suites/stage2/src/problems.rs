//! Hidden suites for `stage2::problems`.
//!
//! Data: noisy samples of a known function on `[-1, 1]` (`sin(πx)`, noise sd 0.2), and the
//! diabetes data set's body-mass index (scaled to `[-1, 1]`) against disease progression
//! (divided by 100). Degrees stay <= 8 so that any exact least-squares method agrees with the
//! reference within the tolerance.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage2.problems.polynomial_features", features_cases),
        ExerciseSuite::plain("stage2.problems.fit_polynomial", fit_cases),
        ExerciseSuite::custom("stage2.problems.degree_sweep", sweep_cases, check_sweep),
        ExerciseSuite::custom("stage2.problems.learning_curve", learning_cases, check_learning),
    ]
}

/// Diabetes BMI scaled to `[-1, 1]` and progression / 100, in file order.
fn diabetes_bmi() -> (Vec<f64>, Vec<f64>) {
    let mut reader = csv::Reader::from_reader(data::text("diabetes").as_bytes());
    let rows: Vec<Vec<f64>> = reader
        .deserialize::<Vec<f64>>()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("datasets/diabetes/diabetes.csv row {}: {e}", i + 2)))
        .collect();
    let bmi: Vec<f64> = rows.iter().map(|r| r[2]).collect();
    let (lo, hi) = bmi.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let x = bmi.iter().map(|v| 2.0 * (v - lo) / (hi - lo) - 1.0).collect();
    let y = rows.iter().map(|r| r[10] / 100.0).collect();
    (x, y)
}

/// `n` points `x ~ U[-1, 1)`, `y = sin(πx) + 0.2 ε`.
fn noisy_sine(g: &mut Gen, n: usize) -> (Vec<f64>, Vec<f64>) {
    let x = g.floats(n, -1.0, 1.0);
    let e = g.normals(n);
    let y = x.iter().zip(&e).map(|(x, e)| (std::f64::consts::PI * x).sin() + 0.2 * e).collect();
    (x, y)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn features_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("degree 0 (constant column)", list(vec![g.floats(4, -1.0, 1.0).into(), 0usize.into()])),
        Case::new("degree 1", list(vec![g.floats(5, -1.0, 1.0).into(), 1usize.into()])),
        Case::new("degree 3, 6 points", list(vec![g.floats(6, -1.0, 1.0).into(), 3usize.into()])),
        Case::new("degree 8, 20 points", list(vec![g.floats(20, -1.0, 1.0).into(), 8usize.into()])),
        Case::new("x = 0 and negative x, degree 4", list(vec![vec![0.0, -1.0, -0.5, 2.0].into(), 4usize.into()])),
        Case::new("no samples, degree 2", list(vec![Value::Floats(vec![]), 2usize.into()])),
    ]
}

fn fit_input(x: Vec<f64>, y: Vec<f64>, degree: usize) -> Value {
    list(vec![x.into(), y.into(), degree.into()])
}

fn fit_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for degree in [0, 1, 3, 5] {
        let (x, y) = noisy_sine(g, 40);
        cases.push(Case::new(format!("noisy sin(πx), 40 points, degree {degree}"), fit_input(x, y, degree)));
    }
    // An exact cubic is recovered exactly.
    let w = g.floats(4, -2.0, 2.0);
    let x = g.floats(15, -1.0, 1.0);
    let y = x.iter().map(|x| w[0] + w[1] * x + w[2] * x * x + w[3] * x * x * x).collect();
    cases.push(Case::new("exact cubic, no noise, degree 3", fit_input(x, y, 3)));
    // As many points as coefficients: the interpolating polynomial.
    let x: Vec<f64> = (0..4).map(|i| -0.9 + 0.6 * i as f64).collect();
    cases.push(Case::new("4 points, degree 3 (interpolation)", fit_input(x, g.floats(4, -1.0, 1.0), 3)));
    let (x, y) = diabetes_bmi();
    cases.push(Case::new("diabetes: progression vs scaled BMI, degree 2", fit_input(x, y, 2)));
    cases.push(Case::new("3 points, degree 3", fit_input(vec![0.1, 0.2, 0.3], vec![1.0, 2.0, 3.0], 3)));
    cases.push(Case::new("all x equal, degree 1", fit_input(vec![0.5; 5], vec![1.0, 2.0, 3.0, 4.0, 5.0], 1)));
    // Nearly the same at a large scale: XᵀX has entries up to 5e12, and the spread of x (1e-4)
    // leaves a pivot around 1e-7, 20 orders of magnitude below them: singular beyond doubt for a
    // threshold relative to XᵀX, not for an absolute one.
    cases.push(Case::new(
        "x within 4e-4 of 1000, degree 2 (numerically singular at a large scale)",
        fit_input(vec![1000.0, 1000.0001, 1000.0002, 1000.0003, 1000.0004], vec![1.0, 2.0, 3.0, 4.0, 5.0], 2),
    ));
    cases.push(Case::new("lengths 3 and 2", fit_input(vec![0.1, 0.2, 0.3], vec![1.0, 2.0], 1)));
    cases
}

fn sweep_input(train: (Vec<f64>, Vec<f64>), val: (Vec<f64>, Vec<f64>), max_degree: usize) -> Value {
    list(vec![train.0.into(), train.1.into(), val.0.into(), val.1.into(), max_degree.into()])
}

fn sweep_cases(g: &mut Gen) -> Vec<Case> {
    let (x, y) = diabetes_bmi();
    let (split_train, split_val) = ((x[..300].to_vec(), y[..300].to_vec()), (x[300..].to_vec(), y[300..].to_vec()));
    vec![
        Case::new(
            "noisy sin(πx): 25 training, 200 validation points, degrees 0-8",
            sweep_input(noisy_sine(g, 25), noisy_sine(g, 200), 8),
        ),
        Case::new(
            "noisy sin(πx): 100 training, 200 validation points, degrees 0-8",
            sweep_input(noisy_sine(g, 100), noisy_sine(g, 200), 8),
        ),
        Case::new(
            "diabetes BMI: first 300 train, last 142 validate, degrees 0-6",
            sweep_input(split_train, split_val, 6),
        ),
        Case::new("max degree 0", sweep_input(noisy_sine(g, 10), noisy_sine(g, 10), 0)),
        Case::new(
            "6 training points, degrees 0-6 (the last fit has too few)",
            sweep_input(noisy_sine(g, 6), noisy_sine(g, 10), 6),
        ),
        Case::new("validation lengths differ", sweep_input(noisy_sine(g, 10), (vec![0.0, 0.5], vec![1.0]), 2)),
    ]
}

fn learning_input(train: (Vec<f64>, Vec<f64>), val: (Vec<f64>, Vec<f64>), degree: usize, sizes: &[i64]) -> Value {
    list(vec![train.0.into(), train.1.into(), val.0.into(), val.1.into(), degree.into(), Value::Ints(sizes.to_vec())])
}

fn learning_cases(g: &mut Gen) -> Vec<Case> {
    let (x, y) = diabetes_bmi();
    let (split_train, split_val) = ((x[..300].to_vec(), y[..300].to_vec()), (x[300..].to_vec(), y[300..].to_vec()));
    // Sizes stay >= degree + 3: a fit through barely more points than coefficients is so
    // ill-conditioned that correct methods disagree in the validation error.
    let sizes = [6, 10, 15, 20, 30, 50, 80, 120];
    vec![
        Case::new(
            "noisy sin(πx), degree 1 (underfits)",
            learning_input(noisy_sine(g, 120), noisy_sine(g, 200), 1, &sizes),
        ),
        Case::new("noisy sin(πx), degree 3", learning_input(noisy_sine(g, 120), noisy_sine(g, 200), 3, &sizes)),
        Case::new(
            "noisy sin(πx), degree 5 (overfits small sets)",
            learning_input(noisy_sine(g, 120), noisy_sine(g, 200), 5, &sizes[1..]),
        ),
        Case::new(
            "diabetes BMI, degree 2, 10 to 300 patients",
            learning_input(split_train, split_val, 2, &[10, 20, 40, 80, 160, 300]),
        ),
        Case::new("sizes not sorted", learning_input(noisy_sine(g, 30), noisy_sine(g, 30), 2, &[30, 5, 12])),
        Case::new("no sizes", learning_input(noisy_sine(g, 10), noisy_sine(g, 10), 1, &[])),
        Case::new("size 31 of 30 samples", learning_input(noisy_sine(g, 30), noisy_sine(g, 30), 1, &[10, 31])),
        Case::new("size 3 with degree 3", learning_input(noisy_sine(g, 30), noisy_sine(g, 30), 3, &[3, 10])),
        Case::new("training lengths differ", learning_input((vec![0.0, 0.5], vec![1.0]), noisy_sine(g, 5), 1, &[1])),
    ]
}

/// Points `[x, y]` of one line of a figure.
type Points = Vec<[f64; 2]>;

/// The training and validation lines of a `k x 2` curve, against `xs`.
fn curve_points(v: &Value, xs: &[f64]) -> Option<(Points, Points)> {
    match v {
        Value::Matrix { rows, cols: 2, data } if *rows == xs.len() => Some((
            xs.iter().zip(data.chunks(2)).map(|(&x, r)| [x, r[0]]).collect(),
            xs.iter().zip(data.chunks(2)).map(|(&x, r)| [x, r[1]]).collect(),
        )),
        _ => None,
    }
}

/// Allclose with the reference, plus training and validation error of both against `xs`.
fn check_curve(ctx: &CheckCtx, xs: &[f64], title: &str, x_label: &str) -> Result<(), Failure> {
    if let Some((ref_train, ref_val)) = curve_points(ctx.expected, xs) {
        let mut series = vec![];
        if let Some((train, val)) = curve_points(ctx.got, xs) {
            series.push(Series { name: "your training MSE".into(), points: train });
            series.push(Series { name: "your validation MSE".into(), points: val });
        }
        series.push(Series { name: "reference training MSE".into(), points: ref_train });
        series.push(Series { name: "reference validation MSE".into(), points: ref_val });
        ctx.figure(Figure {
            title: title.into(),
            kind: "lines".into(),
            x_label: x_label.into(),
            y_label: "mean squared error".into(),
            series,
            matrix: vec![],
            labels: vec![],
        });
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

fn check_sweep(ctx: &CheckCtx) -> Result<(), Failure> {
    let max_degree = ctx.input.at(4).usize();
    let xs: Vec<f64> = (0..=max_degree).map(|d| d as f64).collect();
    check_curve(ctx, &xs, "Error against polynomial degree", "degree")
}

fn check_learning(ctx: &CheckCtx) -> Result<(), Failure> {
    let xs: Vec<f64> = ctx.input.at(5).ints().iter().map(|&s| s as f64).collect();
    check_curve(ctx, &xs, "Learning curve", "training-set size")
}
