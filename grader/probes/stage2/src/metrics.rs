//! Glue for `stage2::metrics`.
//!
//! Wire formats: labels are integer vectors; ROC labels are integer vectors of 0/1 (1 =
//! positive); a `Report` is a tuple of its fields in declaration order.

use crate::convert::Stage2;
use grader_protocol::Value;
use ndarray::ArrayView1;
use probe_runtime::glue::Ret;
use stage2::metrics::{self, Report};

probe_runtime::glue! { Stage2;
    "stage2.metrics.confusion_matrix" => |y_true: Vec<usize>, y_pred: Vec<usize>, n_classes: usize| {
        metrics::confusion_matrix(&y_true, &y_pred, n_classes)
    };
    "stage2.metrics.classification_report" => |y_true: Vec<usize>, y_pred: Vec<usize>, n_classes: usize| {
        metrics::classification_report(&y_true, &y_pred, n_classes)
    };
    "stage2.metrics.mse" => |y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>| metrics::mse(y_true, y_pred);
    "stage2.metrics.mae" => |y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>| metrics::mae(y_true, y_pred);
    "stage2.metrics.r2" => |y_true: ArrayView1<f64>, y_pred: ArrayView1<f64>| metrics::r2(y_true, y_pred);
    "stage2.metrics.roc_curve" => |scores: &[f64], labels: &[i64]| metrics::roc_curve(scores, &positives(labels));
    "stage2.metrics.auc" => |x: &[f64], y: &[f64]| metrics::auc(x, y);
    "stage2.metrics.roc_auc" => |scores: &[f64], labels: &[i64]| metrics::roc_auc(scores, &positives(labels));
}

/// Wire 0/1 integers as booleans (anything non-zero is positive).
fn positives(labels: &[i64]) -> Vec<bool> {
    labels.iter().map(|&i| i != 0).collect()
}

/// A `Report` as a tuple of its fields, in declaration order.
impl Ret<Stage2> for Report {
    fn ret(self) -> Value {
        Value::List(vec![
            self.accuracy.into(),
            self.precision.into(),
            self.recall.into(),
            self.f1.into(),
            Ret::<Stage2>::ret(self.support),
            self.macro_precision.into(),
            self.macro_recall.into(),
            self.macro_f1.into(),
            self.micro_precision.into(),
            self.micro_recall.into(),
            self.micro_f1.into(),
        ])
    }
}
