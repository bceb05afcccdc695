//! Hidden suites for `stage2::models`: algorithms from scratch, trained on a training split of a
//! real data set and evaluated on the held-out rest, next to the reference and linfa.
//!
//! Supervised inputs are `(x_train, y_train, x_test, hyper-parameters..., y_test)`: the glue
//! never passes `y_test` to the student's code; the checks use it to score predictions.

use grader_protocol::Value;
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage2.models.linear_regression", linreg_cases, check_linreg)
            .with_baseline("stage2.models.linear_regression.linfa"),
        ExerciseSuite::custom("stage2.models.linear_regression_gd", linreg_gd_cases, check_linreg),
        ExerciseSuite::custom("stage2.models.logistic_regression", logreg_cases, check_logreg)
            .with_baseline("stage2.models.logistic_regression.linfa"),
        ExerciseSuite::custom("stage2.models.svm", svm_cases, check_svm).with_baseline("stage2.models.svm.linfa"),
        ExerciseSuite::custom("stage2.models.kmeans", kmeans_cases, check_kmeans)
            .with_baseline("stage2.models.kmeans.linfa")
            .timed(kmeans_speed),
        ExerciseSuite::custom("stage2.models.pca", pca_cases, check_pca).with_baseline("stage2.models.pca.linfa"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Data

/// Features (all columns but the last, as numbers) and the last column as text.
fn load(text: &str) -> (Vec<Vec<f64>>, Vec<String>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut x = Vec::new();
    let mut y = Vec::new();
    for record in reader.records() {
        let record = record.expect("shipped data set parses");
        let n = record.len();
        x.push(record.iter().take(n - 1).map(|f| f.parse::<f64>().expect("numeric feature")).collect());
        y.push(record[n - 1].to_string());
    }
    (x, y)
}

fn matrix(rows: &[Vec<f64>]) -> Value {
    let cols = rows.first().map_or(0, Vec::len);
    Value::matrix(rows.len(), cols, rows.iter().flatten().copied().collect())
}

/// A random permutation of `0..n` drawn from the case generator (Fisher–Yates).
fn permutation(g: &mut Gen, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        idx.swap(i, g.size(0, i));
    }
    idx
}

/// Training and held-out rows (`test_fraction` of them held out), features standardised with
/// the *training* mean and standard deviation (a constant column is only centred).
struct Split<T> {
    x_train: Vec<Vec<f64>>,
    y_train: Vec<T>,
    x_test: Vec<Vec<f64>>,
    y_test: Vec<T>,
}

fn split<T: Clone>(g: &mut Gen, x: &[Vec<f64>], y: &[T], test_fraction: f64) -> Split<T> {
    let idx = permutation(g, x.len());
    let n_test = (x.len() as f64 * test_fraction).round() as usize;
    let (test, train) = idx.split_at(n_test);
    let mut s = Split {
        x_train: train.iter().map(|&i| x[i].clone()).collect(),
        y_train: train.iter().map(|&i| y[i].clone()).collect(),
        x_test: test.iter().map(|&i| x[i].clone()).collect(),
        y_test: test.iter().map(|&i| y[i].clone()).collect(),
    };
    let (mean, std) = column_stats(&s.x_train);
    for row in s.x_train.iter_mut().chain(s.x_test.iter_mut()) {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (*v - mean[j]) / std[j];
        }
    }
    s
}

/// Column means and standard deviations (population; 1 where a column is constant).
fn column_stats(x: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let d = x[0].len();
    let n = x.len() as f64;
    let mean: Vec<f64> = (0..d).map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n).collect();
    let std = (0..d)
        .map(|j| {
            let s = (x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt();
            if s > 1e-12 {
                s
            } else {
                1.0
            }
        })
        .collect();
    (mean, std)
}

fn standardised(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (mean, std) = column_stats(x);
    x.iter().map(|r| r.iter().enumerate().map(|(j, v)| (v - mean[j]) / std[j]).collect()).collect()
}

fn int_labels(y: &[String]) -> Vec<i64> {
    y.iter().map(|s| s.parse::<i64>().expect("integer label")).collect()
}

/// Iris restricted to two species (versicolor = 0, virginica = 1: the pair that overlaps).
fn iris_two_class() -> (Vec<Vec<f64>>, Vec<i64>) {
    let (x, y) = load(data::text("iris"));
    let keep: Vec<usize> = (0..x.len()).filter(|&i| y[i] != "setosa").collect();
    (keep.iter().map(|&i| x[i].clone()).collect(), keep.iter().map(|&i| i64::from(y[i] == "virginica")).collect())
}

// ---------------------------------------------------------------------------------------------
// Linear regression

fn regression_input(s: Split<f64>, extra: Vec<Value>) -> Value {
    let mut v = vec![matrix(&s.x_train), Value::Floats(s.y_train), matrix(&s.x_test)];
    v.extend(extra);
    v.push(Value::Floats(s.y_test));
    Value::List(v)
}

/// `y = 3 x_0 - 2 x_1 + 5`, exactly, on random points.
fn exact_line(g: &mut Gen, n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let x: Vec<Vec<f64>> = (0..n).map(|_| g.floats(2, -1.0, 1.0)).collect();
    let y = x.iter().map(|r| 3.0 * r[0] - 2.0 * r[1] + 5.0).collect();
    (x, y)
}

fn linreg_edge_cases(g: &mut Gen, extra: &[Value]) -> Vec<Case> {
    let with = |mut v: Vec<Value>| {
        let y_test = v.pop().expect("y_test");
        v.extend(extra.iter().cloned());
        v.push(y_test);
        Value::List(v)
    };
    let (x, y) = exact_line(g, 12);
    let (xt, yt) = exact_line(g, 5);
    let mut cases = vec![Case::new(
        "exact plane y = 3 x0 - 2 x1 + 5 (12 points)",
        with(vec![matrix(&x), y.into(), matrix(&xt), yt.clone().into()]),
    )];
    cases.push(Case::new(
        "no training rows",
        with(vec![Value::matrix(0, 2, vec![]), Value::Floats(vec![]), matrix(&xt), yt.clone().into()]),
    ));
    let (x, y) = exact_line(g, 6);
    cases.push(Case::new(
        "6 rows but 5 targets",
        with(vec![matrix(&x), y[..5].to_vec().into(), matrix(&xt), yt.into()]),
    ));
    cases
}

fn linreg_cases(g: &mut Gen) -> Vec<Case> {
    let (x, y) = load(data::text("diabetes"));
    let y: Vec<f64> = y.iter().map(|s| s.parse().expect("numeric target")).collect();
    let mut cases = Vec::new();
    for test_fraction in [0.3, 0.2] {
        let s = split(g, &x, &y, test_fraction);
        let label = format!("diabetes, {} train / {} held out", s.x_train.len(), s.x_test.len());
        cases.push(Case::new(label, regression_input(s, vec![])));
    }
    cases.extend(linreg_edge_cases(g, &[]));
    // A duplicated feature column: XᵀX is singular.
    let (x, y) = exact_line(g, 10);
    let dup: Vec<Vec<f64>> = x.iter().map(|r| vec![r[0], r[1], r[0]]).collect();
    let (xt, yt) = exact_line(g, 3);
    let dup_t: Vec<Vec<f64>> = xt.iter().map(|r| vec![r[0], r[1], r[0]]).collect();
    cases.push(Case::new(
        "feature 2 repeats feature 0 (singular XᵀX)",
        Value::List(vec![matrix(&dup), y.into(), matrix(&dup_t), yt.into()]),
    ));
    // The same at a large scale, feature 2 equal to feature 0 to 9 digits: rounding leaves a
    // pivot of order 1e-8 where XᵀX has entries of order 1e8. Only a threshold relative to the
    // matrix's size calls it singular.
    let (x, y) = exact_line(g, 10);
    let wiggle = g.normals(10);
    let near: Vec<Vec<f64>> =
        x.iter().zip(&wiggle).map(|(r, w)| vec![1e4 * r[0], 1e4 * r[1], 1e4 * r[0] + 1e-5 * w]).collect();
    let (xt, yt) = exact_line(g, 3);
    let near_t: Vec<Vec<f64>> = xt.iter().map(|r| vec![1e4 * r[0], 1e4 * r[1], 1e4 * r[0]]).collect();
    cases.push(Case::new(
        "features of order 1e4, feature 2 equal to feature 0 to 9 digits (singular at a large scale)",
        Value::List(vec![matrix(&near), y.into(), matrix(&near_t), yt.into()]),
    ));
    cases
}

fn linreg_gd_cases(g: &mut Gen) -> Vec<Case> {
    let (x, y) = load(data::text("diabetes"));
    let y: Vec<f64> = y.iter().map(|s| s.parse().expect("numeric target")).collect();
    let mut cases = Vec::new();
    for (lr, epochs) in [(0.05, 500usize), (0.2, 200)] {
        let s = split(g, &x, &y, 0.3);
        let label =
            format!("diabetes, lr {lr}, {epochs} epochs, {} train / {} held out", s.x_train.len(), s.x_test.len());
        cases.push(Case::new(label, regression_input(s, vec![lr.into(), epochs.into()])));
    }
    cases.extend(linreg_edge_cases(g, &[0.1.into(), 300usize.into()]));
    let (x, y) = exact_line(g, 8);
    let (xt, yt) = exact_line(g, 3);
    cases.push(Case::new(
        "zero epochs (the zero model)",
        Value::List(vec![matrix(&x), y.clone().into(), matrix(&xt), 0.1.into(), 0usize.into(), yt.clone().into()]),
    ));
    cases.push(Case::new(
        "learning rate 0",
        Value::List(vec![matrix(&x), y.into(), matrix(&xt), 0.0.into(), 10usize.into(), yt.into()]),
    ));
    cases
}

/// Coefficient of determination `1 - SS_res / SS_tot`.
fn r2(y: &[f64], pred: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_res: f64 = y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

fn mse(y: &[f64], pred: &[f64]) -> f64 {
    y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / y.len() as f64
}

/// Predictions allclose to the reference's; on held-out data, R² no worse than linfa's - 0.01.
fn check_linreg(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::Floats(expected), Value::Floats(got)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let y_test = ctx.input.list().last().expect("y_test").floats();
    if got.len() == y_test.len() && y_test.len() > 1 {
        let baseline = match ctx.baseline {
            Some(Value::Floats(b)) if b.len() == y_test.len() => Some(b.as_slice()),
            _ => None,
        };
        let (r2_s, r2_r) = (r2(y_test, got), r2(y_test, expected));
        let r2_b = baseline.map(|b| r2(y_test, b));
        ctx.metric("held-out R²", r2_s, Some(r2_r), r2_b.map(|b| ("linfa", b)));
        ctx.metric(
            "held-out MSE",
            mse(y_test, got),
            Some(mse(y_test, expected)),
            baseline.map(|b| ("linfa", mse(y_test, b))),
        );
        if let Some(b) = r2_b {
            // Written so that a NaN R² fails.
            let good_enough = r2_s >= b - 0.01;
            if !good_enough {
                return Err(Failure::msg(format!(
                    "held-out R² {r2_s:.4} is more than 0.01 below linfa's {b:.4} (reference: {r2_r:.4})"
                )));
            }
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// Binary classifiers (logistic regression, linear SVM)

fn classifier_input(s: Split<i64>, lr: f64, epochs: usize, penalty: f64) -> Value {
    Value::List(vec![
        matrix(&s.x_train),
        Value::Ints(s.y_train),
        matrix(&s.x_test),
        lr.into(),
        epochs.into(),
        penalty.into(),
        Value::Ints(s.y_test),
    ])
}

fn classifier_cases(g: &mut Gen, settings: [(f64, usize, f64); 2], iris_setting: (f64, usize, f64)) -> Vec<Case> {
    let (x, y) = load(data::text("breast_cancer"));
    let y = int_labels(&y);
    let mut cases = Vec::new();
    for (lr, epochs, penalty) in settings {
        let s = split(g, &x, &y, 0.3);
        let label = format!(
            "breast_cancer, lr {lr}, {epochs} epochs, penalty {penalty}, {} train / {} held out",
            s.x_train.len(),
            s.x_test.len()
        );
        cases.push(Case::new(label, classifier_input(s, lr, epochs, penalty)));
    }
    let (x, y) = iris_two_class();
    let (lr, epochs, penalty) = iris_setting;
    let s = split(g, &x, &y, 0.3);
    cases.push(Case::new(
        format!("iris versicolor vs virginica, lr {lr}, {epochs} epochs, penalty {penalty}"),
        classifier_input(s, lr, epochs, penalty),
    ));

    // Edge cases on a small slice of the data.
    let s = split(g, &x[..20], &y[..20], 0.25);
    let small = |f: &dyn Fn(&mut Vec<Value>)| {
        let Value::List(mut v) = classifier_input(
            Split {
                x_train: s.x_train.clone(),
                y_train: s.y_train.clone(),
                x_test: s.x_test.clone(),
                y_test: s.y_test.clone(),
            },
            0.1,
            20,
            0.01,
        ) else {
            unreachable!()
        };
        f(&mut v);
        Value::List(v)
    };
    cases.push(Case::new(
        "no training rows",
        small(&|v| {
            v[0] = Value::matrix(0, 4, vec![]);
            v[1] = Value::Ints(vec![]);
        }),
    ));
    cases.push(Case::new(
        "one label missing",
        small(&|v| {
            if let Value::Ints(y) = &mut v[1] {
                y.pop();
            }
        }),
    ));
    cases.push(Case::new(
        "label 2 in a binary problem",
        small(&|v| {
            if let Value::Ints(y) = &mut v[1] {
                y[0] = 2;
            }
        }),
    ));
    cases.push(Case::new("negative learning rate", small(&|v| v[3] = (-0.1).into())));
    cases.push(Case::new("negative penalty", small(&|v| v[5] = (-1.0).into())));
    cases
}

fn logreg_cases(g: &mut Gen) -> Vec<Case> {
    classifier_cases(g, [(0.5, 300, 0.01), (0.1, 200, 0.0)], (0.5, 500, 0.001))
}

fn svm_cases(g: &mut Gen) -> Vec<Case> {
    classifier_cases(g, [(0.1, 300, 0.01), (0.05, 200, 0.001)], (0.1, 500, 0.01))
}

fn accuracy(y: &[i64], pred: &[i64]) -> f64 {
    y.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn check_logreg(ctx: &CheckCtx) -> Result<(), Failure> {
    check_classifier(ctx, 0.03)
}

fn check_svm(ctx: &CheckCtx) -> Result<(), Failure> {
    check_classifier(ctx, 0.05)
}

/// Scores (probabilities or decision values) allclose to the reference's, labels equal; on
/// held-out data, accuracy no worse than linfa's minus `margin` (or two held-out samples' worth,
/// whichever is larger).
fn check_classifier(ctx: &CheckCtx, margin: f64) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let y_test = ctx.input.list().last().expect("y_test").ints();
    let (Some(Value::Ints(pe)), Some(Value::Ints(pg))) = (e.get(1), g.get(1)) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if pg.len() == y_test.len() && !y_test.is_empty() {
        let (acc_s, acc_r) = (accuracy(y_test, pg), accuracy(y_test, pe));
        let acc_b = match ctx.baseline {
            Some(Value::Ints(b)) if b.len() == y_test.len() => Some(accuracy(y_test, b)),
            _ => None,
        };
        ctx.metric("held-out accuracy", acc_s, Some(acc_r), acc_b.map(|b| ("linfa", b)));
        // On a small held-out set one sample is worth a lot: allow at least two of them.
        let margin = margin.max(2.0 / y_test.len() as f64);
        if let Some(b) = acc_b {
            let good_enough = acc_s >= b - margin - 1e-12;
            if !good_enough {
                return Err(Failure::msg(format!(
                    "held-out accuracy {acc_s:.4} is more than {margin:.3} below linfa's {b:.4} (reference: {acc_r:.4})"
                )));
            }
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// k-means

fn kmeans_input(x: &[Vec<f64>], k: usize, max_iter: usize, seed: u64) -> Value {
    Value::List(vec![matrix(x), k.into(), max_iter.into(), Value::Int(seed as i64)])
}

/// `k` Gaussian blobs in `d` dimensions, `n` points in all, centres spread `spread` apart.
fn blobs(g: &mut Gen, n: usize, d: usize, k: usize, spread: f64) -> Vec<Vec<f64>> {
    let centres: Vec<Vec<f64>> = (0..k).map(|_| g.normals(d).iter().map(|c| c * spread).collect()).collect();
    (0..n).map(|i| g.normals(d).iter().zip(&centres[i % k]).map(|(z, c)| z + c).collect()).collect()
}

fn kmeans_cases(g: &mut Gen) -> Vec<Case> {
    let (iris, _) = load(data::text("iris"));
    let (wine, _) = load(data::text("wine"));
    let mut cases = vec![
        Case::new("iris (standardised), k = 3", kmeans_input(&standardised(&iris), 3, 100, g.seed() >> 1)),
        Case::new("wine (standardised), k = 3", kmeans_input(&standardised(&wine), 3, 100, g.seed() >> 1)),
        Case::new("iris (raw), k = 5", kmeans_input(&iris, 5, 100, g.seed() >> 1)),
    ];
    let b = blobs(g, 200, 2, 4, 6.0);
    cases.push(Case::new("4 blobs in 2-D, k = 4", kmeans_input(&b, 4, 100, g.seed() >> 1)));
    cases.push(Case::new("4 blobs, max_iter = 0 (initial assignment only)", kmeans_input(&b, 4, 0, g.seed() >> 1)));
    cases.push(Case::new("4 blobs, max_iter = 2 (stopped early)", kmeans_input(&b, 4, 2, g.seed() >> 1)));
    cases.push(Case::new("k = 1", kmeans_input(&b[..30], 1, 10, g.seed() >> 1)));
    let small = blobs(g, 6, 3, 2, 3.0);
    cases.push(Case::new("k = n (every row its own cluster)", kmeans_input(&small, 6, 10, g.seed() >> 1)));
    // Repeated rows: initial centroids may coincide, so ties and empty clusters happen.
    let dup = vec![vec![0.0, 0.0], vec![0.0, 0.0], vec![0.0, 0.0], vec![1.0, 1.0], vec![1.0, 1.0], vec![4.0, 4.0]];
    for _ in 0..2 {
        cases.push(Case::new("repeated rows (ties, empty clusters), k = 3", kmeans_input(&dup, 3, 10, g.seed() >> 1)));
    }
    cases.push(Case::new("no rows", kmeans_input(&[], 2, 10, 1)));
    cases.push(Case::new("k = 0", kmeans_input(&small, 0, 10, 1)));
    cases.push(Case::new("k greater than the number of rows", kmeans_input(&small, 7, 10, 1)));
    cases
}

fn kmeans_speed(g: &mut Gen) -> Case {
    let x = blobs(g, 20_000, 16, 16, 3.0);
    Case::new("20000 x 16, k = 16, 5 iterations", kmeans_input(&x, 16, 5, g.seed() >> 1))
}

/// Same initialisation, same result: allclose to the reference. Inertia shown next to linfa's
/// (best of 10 k-means++ runs) and within 10% of it, unless the reference's own run (same seed,
/// same local optimum) is not either.
fn check_kmeans(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) {
        if let (Some(Value::Float(ie)), Some(Value::Float(ig))) = (e.get(2), g.get(2)) {
            let base = match ctx.baseline {
                Some(Value::Float(b)) => Some(*b),
                _ => None,
            };
            ctx.metric("inertia", *ig, Some(*ie), base.map(|b| ("linfa", b)));
            if let Some(b) = base {
                let limit = 1.10 * b + 1e-9;
                if !(*ig <= limit || (*ie > limit && *ig <= *ie * (1.0 + 1e-9) + 1e-9)) {
                    return Err(Failure::msg(format!(
                        "inertia {ig:.6} is more than 10% above linfa's {b:.6} (reference: {ie:.6})"
                    )));
                }
            }
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// PCA

fn pca_cases(g: &mut Gen) -> Vec<Case> {
    let (iris, _) = load(data::text("iris"));
    let (wine, _) = load(data::text("wine"));
    let (cancer, _) = load(data::text("breast_cancer"));
    let cancer: Vec<Vec<f64>> = permutation(g, cancer.len())[..400].iter().map(|&i| cancer[i].clone()).collect();
    let mut cases = vec![
        Case::new("iris (raw), 2 components", Value::List(vec![matrix(&iris), 2usize.into()])),
        Case::new("wine (standardised), 3 components", Value::List(vec![matrix(&standardised(&wine)), 3usize.into()])),
        Case::new(
            "400 breast_cancer rows (standardised, 30 features), 4 components",
            Value::List(vec![matrix(&standardised(&cancer)), 4usize.into()]),
        ),
    ];
    // Data with chosen variances along random orthogonal directions: clear gaps.
    let d = 6;
    let q = g.orthonormal(d, d);
    let sd = [5.0, 3.0, 2.0, 1.0, 0.5, 0.2];
    let x: Vec<Vec<f64>> = (0..300)
        .map(|_| {
            let z = g.normals(d);
            (0..d).map(|j| 10.0 + (0..d).map(|c| z[c] * sd[c] * q[c][j]).sum::<f64>()).collect()
        })
        .collect();
    cases.push(Case::new(
        "300 points, 6-D, variances 25, 9, 4, 1, 0.25, 0.04; all 6 components",
        Value::List(vec![matrix(&x), 6usize.into()]),
    ));
    // The same directions at a millionth of the size: the covariance entries are of order 1e-12,
    // so a convergence test on absolute sizes stops before the first rotation.
    let tiny: Vec<Vec<f64>> = x[..100].iter().map(|r| r.iter().map(|v| 1e-6 * (v - 10.0)).collect()).collect();
    cases.push(Case::new(
        "the 6-D points scaled by 1e-6 (a tiny covariance matrix), 3 components",
        Value::List(vec![matrix(&tiny), 3usize.into()]),
    ));
    cases.push(Case::new("two rows (the fewest), 1 component", Value::List(vec![matrix(&x[..2]), 1usize.into()])));
    cases.push(Case::new("one row", Value::List(vec![matrix(&x[..1]), 1usize.into()])));
    cases.push(Case::new("0 components", Value::List(vec![matrix(&x[..20]), 0usize.into()])));
    cases.push(Case::new("7 components of 6 features", Value::List(vec![matrix(&x[..20]), 7usize.into()])));
    cases
}

/// Allclose to the reference (components sign-normalised); explained variance within 1e-6
/// relative of linfa's (σ² / (n - 1) from its truncated SVD).
fn check_pca(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Some(Value::Floats(b)), Value::List(g), Value::List(e)) = (ctx.baseline, ctx.got, ctx.expected) {
        if let (Some(Value::Floats(vg)), Some(Value::Floats(ve))) = (g.get(1), e.get(1)) {
            for (i, (&s, (&r, &l))) in vg.iter().zip(ve.iter().zip(b)).enumerate() {
                ctx.metric(&format!("explained variance {i}"), s, Some(r), Some(("linfa", l)));
            }
            if vg.len() == b.len() {
                compare::floats(".1", &[b.len()], b, vg, Tolerance::new(1e-9, 1e-6))
                    .map_err(|f| Failure { message: format!("explained variance vs linfa: {}", f.message), ..f })?;
            }
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}
