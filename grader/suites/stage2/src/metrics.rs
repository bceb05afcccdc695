//! Hidden suites for `stage2::metrics`.
//!
//! Real data: breast_cancer, scored by a fixed linear function of three standardized features
//! (the kind of score a logistic regression outputs before its sigmoid), thresholded for the
//! classification metrics; diabetes, with a fixed line in BMI as the regression model.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage2.metrics.confusion_matrix", label_cases, check_confusion),
        ExerciseSuite::plain("stage2.metrics.classification_report", report_cases),
        ExerciseSuite::plain("stage2.metrics.mse", regression_cases),
        ExerciseSuite::plain("stage2.metrics.mae", regression_cases),
        ExerciseSuite::plain("stage2.metrics.r2", r2_cases),
        ExerciseSuite::custom("stage2.metrics.roc_curve", roc_cases, check_roc),
        ExerciseSuite::plain("stage2.metrics.auc", auc_cases),
        ExerciseSuite::plain("stage2.metrics.roc_auc", roc_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// Real data

/// All rows of a numeric CSV file (header skipped).
fn rows(csv_text: &str, name: &str) -> Vec<Vec<f64>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    reader
        .deserialize::<Vec<f64>>()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("datasets/{name} row {}: {e}", i + 2)))
        .collect()
}

/// Breast cancer: a linear score per tumour (higher = more likely malignant) and whether it is
/// malignant. The score is `z(worst_radius) + 0.5 z(mean_texture) + z(mean_concave_points)`,
/// `z` standardizing a column over the whole data set.
fn breast_cancer_scores() -> (Vec<f64>, Vec<i64>) {
    let data = rows(data::text("breast_cancer"), "breast_cancer/breast_cancer.csv");
    let z = |col: usize| -> Vec<f64> {
        let v: Vec<f64> = data.iter().map(|r| r[col]).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64).sqrt();
        v.iter().map(|x| (x - mean) / sd).collect()
    };
    let (radius, texture, concave) = (z(20), z(1), z(7));
    let score = (0..data.len()).map(|i| radius[i] + 0.5 * texture[i] + concave[i]).collect();
    let label = data.iter().map(|r| r[30] as i64).collect();
    (score, label)
}

/// Diabetes: the disease progression after one year, and a fixed straight-line prediction from
/// the body-mass index (`152 + 10.2 (bmi - 26.4)`, roughly the least-squares line).
fn diabetes_predictions() -> (Vec<f64>, Vec<f64>) {
    let data = rows(data::text("diabetes"), "diabetes/diabetes.csv");
    let y = data.iter().map(|r| r[10]).collect();
    let pred = data.iter().map(|r| 152.0 + 10.2 * (r[2] - 26.4)).collect();
    (y, pred)
}

/// `n` labels uniform in `0..k`.
fn random_labels(g: &mut Gen, n: usize, k: usize) -> Vec<i64> {
    (0..n).map(|_| g.int(0, k as i64 - 1)).collect()
}

/// Predictions that copy the truth with probability `p_right`, else a random class.
fn noisy_copy(g: &mut Gen, truth: &[i64], k: usize, p_right: f64) -> Vec<i64> {
    truth.iter().map(|&t| if g.float(0.0, 1.0) < p_right { t } else { g.int(0, k as i64 - 1) }).collect()
}

fn labels_input(t: Vec<i64>, p: Vec<i64>, k: usize) -> Value {
    Value::List(vec![Value::Ints(t), Value::Ints(p), k.into()])
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix and classification report

fn label_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let t = random_labels(g, 60, 3);
    let p = noisy_copy(g, &t, 3, 0.7);
    cases.push(Case::new("3 classes, 60 samples, 70% copied", labels_input(t, p, 3)));
    let t = random_labels(g, 40, 2);
    cases.push(Case::new("perfect predictions, 2 classes", labels_input(t.clone(), t, 2)));
    let t = random_labels(g, 30, 4);
    let p = random_labels(g, 30, 4);
    cases.push(Case::new("random guesses, 4 classes", labels_input(t, p, 4)));
    // Class 3 never predicted, class 4 absent from both: zero denominators.
    let t = [0, 1, 2, 3, 3, 0, 1, 2, 2, 1].to_vec();
    let p = [0, 1, 2, 0, 1, 0, 2, 2, 2, 1].to_vec();
    cases.push(Case::new("5 classes, class 3 never predicted, class 4 absent", labels_input(t, p, 5)));
    let t = vec![1; 8];
    let p = vec![1, 1, 0, 1, 1, 1, 0, 1];
    cases.push(Case::new("only class 1 in the truth", labels_input(t, p, 2)));
    cases.push(Case::new("one sample", labels_input(vec![2], vec![0], 3)));
    let (score, label) = breast_cancer_scores();
    let pred = score.iter().map(|&s| i64::from(s > 0.0)).collect();
    cases.push(Case::new(
        "breast_cancer (569 tumours), linear score > 0 predicts malignant",
        labels_input(label, pred, 2),
    ));
    cases.push(Case::new("lengths 3 and 2", labels_input(vec![0, 1, 1], vec![0, 1], 2)));
    cases.push(Case::new("no samples", labels_input(vec![], vec![], 2)));
    cases.push(Case::new("label 3 with n_classes = 3", labels_input(vec![0, 1, 2], vec![0, 3, 2], 3)));
    cases
}

fn report_cases(g: &mut Gen) -> Vec<Case> {
    label_cases(g)
}

/// Allclose with the reference, plus the student's matrix as a heatmap.
fn check_confusion(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::Matrix { rows, cols, data } = ctx.got {
        if *rows == *cols && *rows > 0 && *rows <= 10 {
            ctx.figure(Figure {
                title: "Your confusion matrix (rows: true class, columns: predicted)".into(),
                kind: "heatmap".into(),
                x_label: "predicted class".into(),
                y_label: "true class".into(),
                series: vec![],
                matrix: data.chunks(*cols).map(|r| r.to_vec()).collect(),
                labels: (0..*rows).map(|c| c.to_string()).collect(),
            });
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// Regression metrics

fn pair(a: Vec<f64>, b: Vec<f64>) -> Value {
    Value::List(vec![a.into(), b.into()])
}

fn regression_cases(g: &mut Gen) -> Vec<Case> {
    let y = g.floats(25, -3.0, 3.0);
    let noise = g.normals(25);
    let pred: Vec<f64> = y.iter().zip(&noise).map(|(a, e)| a + 0.5 * e).collect();
    let (dy, dpred) = diabetes_predictions();
    vec![
        Case::new("25 targets, noisy predictions", pair(y.clone(), pred)),
        Case::new("perfect predictions", pair(y.clone(), y)),
        Case::new("one sample", pair(vec![2.5], vec![-1.0])),
        Case::new("diabetes (442 patients), a line in BMI", pair(dy, dpred)),
        Case::new("lengths 3 and 2", pair(vec![1.0, 2.0, 3.0], vec![1.0, 2.0])),
        Case::new("no samples", pair(vec![], vec![])),
    ]
}

fn r2_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = regression_cases(g);
    let y = g.floats(10, 0.0, 1.0);
    let mean = y.iter().sum::<f64>() / 10.0;
    cases.push(Case::new("predicting the mean (R² = 0)", pair(y.clone(), vec![mean; 10])));
    let worse: Vec<f64> = y.iter().map(|v| 1.0 - v).collect();
    cases.push(Case::new("worse than the mean (R² < 0)", pair(y, worse)));
    // Σ(y - ȳ)² computed as Σy² - n·ȳ² cancels every digit here.
    let far: Vec<f64> = g.normals(20).iter().map(|v| 1e8 + v).collect();
    let close: Vec<f64> = far.iter().map(|v| v + 0.3 * g.normals(1)[0]).collect();
    cases.push(Case::new("targets near 1e8 with spread 1 (centre before squaring)", pair(far, close)));
    cases.push(Case::new("constant targets, exact predictions", pair(vec![4.0; 5], vec![4.0; 5])));
    cases.push(Case::new("constant targets, wrong predictions", pair(vec![4.0; 5], vec![4.0, 4.0, 3.0, 4.0, 5.0])));
    cases
}

// ---------------------------------------------------------------------------------------------
// ROC curve and AUC

fn roc_input(scores: Vec<f64>, labels: Vec<i64>) -> Value {
    Value::List(vec![scores.into(), Value::Ints(labels)])
}

fn roc_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![Case::new(
        "6 samples, distinct scores",
        roc_input(vec![0.9, 0.8, 0.7, 0.6, 0.55, 0.1], vec![1, 1, 0, 1, 0, 0]),
    )];
    cases.push(Case::new(
        "ties across classes",
        roc_input(vec![0.5, 0.5, 0.9, 0.1, 0.5, 0.9, 0.1], vec![1, 0, 1, 0, 0, 0, 1]),
    ));
    // Scores rounded to one decimal: many ties, some mixed.
    let labels: Vec<i64> = (0..40).map(|_| g.int(0, 1)).collect();
    let scores = labels.iter().map(|&l| ((g.float(0.0, 1.0) + 0.3 * l as f64) * 10.0).round() / 10.0).collect();
    cases.push(Case::new("40 samples, scores rounded to 0.1 (many ties)", roc_input(scores, labels)));
    let labels: Vec<i64> = (0..30).map(|i| i64::from(i % 3 == 0)).collect();
    let scores: Vec<f64> = labels.iter().map(|&l| l as f64 + g.float(0.0, 0.9)).collect();
    cases.push(Case::new("perfect classifier", roc_input(scores.clone(), labels.clone())));
    let inverted = scores.iter().map(|s| -s).collect();
    cases.push(Case::new("inverted classifier (AUC 0)", roc_input(inverted, labels)));
    cases.push(Case::new("all scores equal", roc_input(vec![0.3; 6], vec![1, 0, 0, 1, 0, 1])));
    let (score, label) = breast_cancer_scores();
    cases.push(Case::new("breast_cancer (569 tumours), linear score", roc_input(score.clone(), label.clone())));
    let idx: Vec<usize> = (0..120).map(|_| g.size(0, score.len() - 1)).collect();
    cases.push(Case::new(
        "breast_cancer, 120 random tumours, score rounded to 0.5",
        roc_input(
            idx.iter().map(|&i| (score[i] * 2.0).round() / 2.0).collect(),
            idx.iter().map(|&i| label[i]).collect(),
        ),
    ));
    cases.push(Case::new("all positive", roc_input(vec![0.1, 0.4, 0.35], vec![1, 1, 1])));
    cases.push(Case::new("all negative", roc_input(vec![0.1, 0.4, 0.35], vec![0, 0, 0])));
    cases.push(Case::new("a NaN score", roc_input(vec![0.1, f64::NAN, 0.35], vec![0, 1, 0])));
    cases.push(Case::new("no samples", roc_input(vec![], vec![])));
    cases.push(Case::new("lengths 3 and 2", roc_input(vec![0.1, 0.4, 0.35], vec![0, 1])));
    cases
}

/// Trapezoid area of a curve (for the report; no checks here).
fn area(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2).zip(y.windows(2)).map(|(a, b)| (a[1] - a[0]) * (b[0] + b[1]) / 2.0).sum()
}

/// `(fpr, tpr)` of a `roc_curve` output, if it has that shape.
fn curve(v: &Value) -> Option<(&[f64], &[f64])> {
    match v {
        Value::List(parts) if parts.len() == 3 => match (&parts[0], &parts[1]) {
            (Value::Floats(f), Value::Floats(t)) if f.len() == t.len() => Some((f, t)),
            _ => None,
        },
        _ => None,
    }
}

/// Allclose with the reference, plus both curves in a figure and both AUCs as metrics.
fn check_roc(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some((ef, et)) = curve(ctx.expected) {
        let points = |f: &[f64], t: &[f64]| f.iter().zip(t).map(|(&a, &b)| [a, b]).collect::<Vec<_>>();
        let mut series = vec![];
        let student = curve(ctx.got);
        if let Some((gf, gt)) = student {
            series.push(Series { name: "your curve".into(), points: points(gf, gt) });
            ctx.metric("AUC", area(gf, gt), Some(area(ef, et)), None);
        }
        series.push(Series { name: "reference".into(), points: points(ef, et) });
        ctx.figure(Figure {
            title: "ROC curve".into(),
            kind: "lines".into(),
            x_label: "false-positive rate".into(),
            y_label: "true-positive rate".into(),
            series,
            matrix: vec![],
            labels: vec![],
        });
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

fn auc_cases(g: &mut Gen) -> Vec<Case> {
    let mut x = g.floats(12, 0.0, 5.0);
    x.sort_by(f64::total_cmp);
    let y = g.floats(12, -1.0, 1.0);
    vec![
        Case::new("unit square diagonal", pair(vec![0.0, 1.0], vec![0.0, 1.0])),
        Case::new("ROC staircase", pair(vec![0.0, 0.0, 0.5, 0.5, 1.0], vec![0.0, 0.5, 0.5, 1.0, 1.0])),
        Case::new("12 sorted random x, random y", pair(x, y)),
        Case::new("repeated x (vertical step)", pair(vec![0.0, 1.0, 1.0, 2.0], vec![1.0, 1.0, 3.0, 3.0])),
        Case::new("x decreasing", pair(vec![1.0, 0.5, 0.0], vec![1.0, 0.5, 0.0])),
        Case::new("a single point", pair(vec![0.3], vec![0.7])),
        Case::new("lengths 3 and 2", pair(vec![0.0, 0.5, 1.0], vec![0.0, 1.0])),
    ]
}
