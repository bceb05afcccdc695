//! Evaluation metrics: how good is a model, in numbers?
//!
//! - classification: the confusion matrix and the report built from it (accuracy, per-class
//!   precision / recall / F1, macro and micro averages);
//! - regression: mean squared error, mean absolute error, the coefficient of determination R²;
//! - ranking: the ROC curve of a scorer and the area under it (AUC).
//!
//! Conventions: class labels are `usize` in `0..n_classes`; a ratio whose denominator is zero
//! (precision of a class that is never predicted...) is defined as `0.0`, like scikit-learn's
//! `zero_division=0`.

use ndarray::{Array2, ArrayView1};

/// Why a metric cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricsError {
    /// The two inputs have different lengths.
    LengthMismatch,
    /// There are no samples (or, for [`auc`], fewer than two points).
    Empty,
    /// A class label is `>= n_classes`.
    LabelOutOfRange,
    /// A score is NaN or infinite.
    NotFinite,
    /// The ROC curve needs at least one positive and one negative sample.
    SingleClass,
    /// The x coordinates given to [`auc`] are not sorted in non-decreasing order.
    NotMonotonic,
}

/// Everything [`classification_report`] measures. Per-class vectors have length `n_classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Fraction of samples whose predicted label equals the true one.
    pub accuracy: f64,
    /// `precision[c] = TP_c / (TP_c + FP_c)`: of the samples predicted `c`, how many are `c`.
    pub precision: Vec<f64>,
    /// `recall[c] = TP_c / (TP_c + FN_c)`: of the samples that are `c`, how many were found.
    pub recall: Vec<f64>,
    /// `f1[c] = 2 P R / (P + R)`, the harmonic mean of precision and recall.
    pub f1: Vec<f64>,
    /// Number of samples whose true label is `c`.
    pub support: Vec<usize>,
    /// Unweighted means of the per-class values, over all `n_classes` classes.
    pub macro_precision: f64,
    pub macro_recall: f64,
    pub macro_f1: f64,
    /// Precision, recall and F1 of the pooled counts `ΣTP`, `ΣFP`, `ΣFN`.
    pub micro_precision: f64,
    pub micro_recall: f64,
    pub micro_f1: f64,
}

/// `num / den`, or `0.0` when `den == 0` (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Checks shared by the classification metrics, in this order: lengths, emptiness, label range.
fn check_labels(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<(), MetricsError> {
    if y_true.len() != y_pred.len() {
        return Err(MetricsError::LengthMismatch);
    }
    if y_true.is_empty() {
        return Err(MetricsError::Empty);
    }
    if y_true.iter().chain(y_pred).any(|&c| c >= n_classes) {
        return Err(MetricsError::LabelOutOfRange);
    }
    Ok(())
}

/// The `n_classes x n_classes` confusion matrix: entry `[i, j]` counts the samples whose true
/// label is `i` and predicted label is `j` (rows = truth, columns = prediction, as in
/// scikit-learn). The diagonal holds the correct predictions.
///
/// Errors, checked in this order: `LengthMismatch`, `Empty`, `LabelOutOfRange`.
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<Array2<f64>, MetricsError> {
    check_labels(y_true, y_pred, n_classes)?;
    let mut m = Array2::zeros((n_classes, n_classes));
    for (&t, &p) in y_true.iter().zip(y_pred) {
        m[[t, p]] += 1.0;
    }
    Ok(m)
}

/// Accuracy, per-class precision / recall / F1 / support, and their macro and micro averages,
/// all read off the confusion matrix. Any `0 / 0` is `0.0`; F1 is `0.0` when `P + R = 0`.
/// Macro F1 is the mean of the per-class F1 values (not the F1 of the macro P and R).
///
/// Errors: as [`confusion_matrix`].
pub fn classification_report(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Result<Report, MetricsError> {
    let m = confusion_matrix(y_true, y_pred, n_classes)?;
    let n = y_true.len() as f64;
    let f1_of = |p: f64, r: f64| ratio(2.0 * p * r, p + r);

    let (mut precision, mut recall, mut f1, mut support) = (vec![], vec![], vec![], vec![]);
    let (mut tp_all, mut fp_all, mut fn_all) = (0.0, 0.0, 0.0);
    for c in 0..n_classes {
        let tp = m[[c, c]];
        let predicted = m.column(c).sum(); // TP + FP
        let actual = m.row(c).sum(); // TP + FN
        let (p, r) = (ratio(tp, predicted), ratio(tp, actual));
        precision.push(p);
        recall.push(r);
        f1.push(f1_of(p, r));
        support.push(actual as usize);
        tp_all += tp;
        fp_all += predicted - tp;
        fn_all += actual - tp;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n_classes as f64;
    // With one label per sample, every wrong prediction is one FP (for the predicted class) and
    // one FN (for the true class), so micro P = micro R = micro F1 = accuracy.
    let micro_precision = ratio(tp_all, tp_all + fp_all);
    let micro_recall = ratio(tp_all, tp_all + fn_all);
    Ok(Report {
        accuracy: tp_all / n,
        macro_precision: mean(&precision),
        macro_recall: mean(&recall),
        macro_f1: mean(&f1),
        precision,
        recall,
        f1,
        support,
        micro_precision,
        micro_recall,
        micro_f1: f1_of(micro_precision, micro_recall),
    })
}

fn check_pair(y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>) -> Result<(), MetricsError> {
    if y_true.len() != y_pred.len() {
        return Err(MetricsError::LengthMismatch);
    }
    if y_true.is_empty() {
        return Err(MetricsError::Empty);
    }
    Ok(())
}

/// Mean squared error `(1/n) Σ (y_i - ŷ_i)²`. Errors: `LengthMismatch`, then `Empty`.
pub fn mse(y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>) -> Result<f64, MetricsError> {
    check_pair(y_true, y_pred)?;
    Ok(y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p)).sum::<f64>() / y_true.len() as f64)
}

/// Mean absolute error `(1/n) Σ |y_i - ŷ_i|`. Errors: `LengthMismatch`, then `Empty`.
pub fn mae(y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>) -> Result<f64, MetricsError> {
    check_pair(y_true, y_pred)?;
    Ok(y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs()).sum::<f64>() / y_true.len() as f64)
}

/// Coefficient of determination `R² = 1 - SS_res / SS_tot` with `SS_res = Σ (y_i - ŷ_i)²` and
/// `SS_tot = Σ (y_i - ȳ)²`. Constant targets (`SS_tot = 0`): `1.0` if the predictions are exact
/// (`SS_res = 0`), else `0.0` (scikit-learn's `force_finite=True`).
/// Errors: `LengthMismatch`, then `Empty`.
pub fn r2(y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>) -> Result<f64, MetricsError> {
    check_pair(y_true, y_pred)?;
    let mean = y_true.sum() / y_true.len() as f64;
    let ss_res: f64 = y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p)).sum();
    let ss_tot: f64 = y_true.iter().map(|t| (t - mean) * (t - mean)).sum();
    Ok(if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    })
}

/// The ROC curve of a scorer: `(fpr, tpr, thresholds)`.
///
/// Predicting "positive" when `score >= t` gives, for each threshold `t`, a true-positive rate
/// `TPR = TP / P` and a false-positive rate `FPR = FP / N`. The thresholds are the distinct
/// scores in decreasing order, preceded by `+∞` (nothing predicted positive: the point
/// `(0, 0)`); the last threshold is the smallest score (everything positive: `(1, 1)`). Samples
/// with equal scores cross the threshold together, so ties give one diagonal step, not a
/// staircase. This is scikit-learn's `roc_curve(..., drop_intermediate=False)`: one point per
/// distinct score plus the starting point, all three vectors of length `distinct + 1`.
///
/// Errors, in this order: `LengthMismatch`, `Empty`, `NotFinite` (a NaN or infinite score),
/// `SingleClass` (no positives or no negatives: a rate would divide by zero).
#[allow(clippy::type_complexity)]
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>), MetricsError> {
    if scores.len() != labels.len() {
        return Err(MetricsError::LengthMismatch);
    }
    if scores.is_empty() {
        return Err(MetricsError::Empty);
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(MetricsError::NotFinite);
    }
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return Err(MetricsError::SingleClass);
    }
    // Highest score first; lowering the threshold walks down this list.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));

    let (mut fpr, mut tpr, mut thresholds) = (vec![0.0], vec![0.0], vec![f64::INFINITY]);
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        // Emit a point only once every sample with this score has been counted.
        let last_of_tie = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            fpr.push(fp / negatives);
            tpr.push(tp / positives);
            thresholds.push(scores[i]);
        }
    }
    Ok((fpr, tpr, thresholds))
}

/// Area under a curve by the trapezoid rule: `Σ (x_{i+1} - x_i) (y_i + y_{i+1}) / 2`.
///
/// Errors, in this order: `LengthMismatch`, `Empty` (fewer than 2 points), `NotMonotonic` (some
/// `x_{i+1} < x_i`).
pub fn auc(x: &[f64], y: &[f64]) -> Result<f64, MetricsError> {
    if x.len() != y.len() {
        return Err(MetricsError::LengthMismatch);
    }
    if x.len() < 2 {
        return Err(MetricsError::Empty);
    }
    if x.windows(2).any(|w| w[1] < w[0]) {
        return Err(MetricsError::NotMonotonic);
    }
    Ok(x.windows(2).zip(y.windows(2)).map(|(xs, ys)| (xs[1] - xs[0]) * (ys[0] + ys[1]) / 2.0).sum())
}

/// The area under the ROC curve of `scores`: [`auc`] of [`roc_curve`]. It equals the probability
/// that a random positive scores higher than a random negative (ties counting one half).
///
/// Errors: as [`roc_curve`].
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    let (fpr, tpr, _) = roc_curve(scores, labels)?;
    auc(&fpr, &tpr)
}
