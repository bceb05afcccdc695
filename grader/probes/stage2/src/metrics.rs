//! Glue for `stage2::metrics`.
//!
//! Wire formats: labels are integer vectors; ROC labels are integer vectors of 0/1 (1 =
//! positive); a `Report` is a tuple of its fields in declaration order.

use crate::convert::{array1, labels, value2};
use grader_protocol::{error_variant, Value};
use probe_runtime::Handler;
use stage2::metrics::{self, MetricsError, Report};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage2.metrics.confusion_matrix" => {
            |v: &Value| encode(metrics::confusion_matrix(&labels(v.at(0)), &labels(v.at(1)), v.at(2).usize()), value2)
        }
        "stage2.metrics.classification_report" => |v: &Value| {
            encode(metrics::classification_report(&labels(v.at(0)), &labels(v.at(1)), v.at(2).usize()), report)
        },
        "stage2.metrics.mse" => |v: &Value| metrics::mse(array1(v.at(0)).view(), array1(v.at(1)).view()).into(),
        "stage2.metrics.mae" => |v: &Value| metrics::mae(array1(v.at(0)).view(), array1(v.at(1)).view()).into(),
        "stage2.metrics.r2" => |v: &Value| metrics::r2(array1(v.at(0)).view(), array1(v.at(1)).view()).into(),
        "stage2.metrics.roc_curve" => |v: &Value| metrics::roc_curve(v.at(0).floats(), &bools(v.at(1))).into(),
        "stage2.metrics.auc" => |v: &Value| metrics::auc(v.at(0).floats(), v.at(1).floats()).into(),
        "stage2.metrics.roc_auc" => |v: &Value| metrics::roc_auc(v.at(0).floats(), &bools(v.at(1))).into(),
        _ => return None,
    })
}

/// Wire 0/1 integers as booleans (anything non-zero is positive).
fn bools(v: &Value) -> Vec<bool> {
    v.ints().iter().map(|&i| i != 0).collect()
}

/// `Ok(t)` through `f`, `Err(e)` as the error variant's name.
fn encode<T>(r: Result<T, MetricsError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(t) => f(t),
        Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
    }
}

/// A `Report` as a tuple of its fields, in declaration order.
fn report(r: Report) -> Value {
    Value::List(vec![
        r.accuracy.into(),
        r.precision.into(),
        r.recall.into(),
        r.f1.into(),
        Value::Ints(r.support.iter().map(|&s| s as i64).collect()),
        r.macro_precision.into(),
        r.macro_recall.into(),
        r.macro_f1.into(),
        r.micro_precision.into(),
        r.micro_recall.into(),
        r.micro_f1.into(),
    ])
}
