//! What a failing hidden case shows a student: the exercise's `feedback` setting applied to a
//! judged case, after the comparison (`grader_suite_api::compare`) has said what is wrong.

use crate::manifest::Feedback;
use grader_report::{CaseResult, CaseStatus};

/// Applies the exercise's feedback setting (`feedback` in the manifest) to a judged case. At
/// `errors` a wrong output says where and by how much (error sizes, worst index, shapes, error
/// variants) but no expected value; at `label`, only the case's label and status remain. Both drop
/// reference and baseline metrics and figures, which are drawn from the hidden expected outputs.
pub fn redact(
    result: &mut CaseResult,
    feedback: Feedback,
    expected: &grader_protocol::Value,
    got: &grader_protocol::Value,
    diagnosis: Option<&str>,
) {
    use grader_protocol::Value;
    if feedback == Feedback::Values {
        return;
    }
    for m in &mut result.metrics {
        m.reference = None;
        if feedback == Feedback::Label {
            m.baseline = None;
            m.baseline_name = None;
        }
    }
    if feedback == Feedback::Errors {
        // The student's own curves stay ("your loss", "yours"); the reference's go, and so do
        // heat maps (a confusion matrix counts the hidden labels).
        for f in &mut result.figures {
            f.series.retain(|s| s.name.starts_with("your"));
        }
        result.figures.retain(|f| f.kind == "lines" && !f.series.is_empty());
    } else {
        result.figures.clear();
    }
    if result.status != CaseStatus::Wrong {
        return;
    }
    let shape = |v: &Value| -> String {
        match v {
            Value::Matrix { rows, cols, .. } => format!("a {rows}x{cols} matrix"),
            Value::Tensor { shape, .. } => format!("a tensor of shape {shape:?}"),
            Value::Floats(x) => format!("a vector of length {}", x.len()),
            Value::Ints(x) => format!("an integer vector of length {}", x.len()),
            Value::List(x) => format!("a tuple of {}", x.len()),
            // The variant's name only, none of the values it may carry.
            Value::Error(e) => {
                format!("error `{}`", e.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or(""))
            }
            other => format!("a {}", other.kind()),
        }
    };
    let message = match (feedback, &mut result.mismatch, diagnosis) {
        (Feedback::Errors, Some(mm), _) => {
            mm.samples.clear();
            // One size, coarsely: the relative error to one significant digit. The absolute error
            // beside it (or more digits) would give the expected value away: for an answer of 0
            // the absolute error *is* the expected value.
            mm.max_abs_error = f64::NAN;
            mm.max_rel_error = one_digit(mm.max_rel_error);
            let at = if mm.path.is_empty() { String::new() } else { format!(" in output{}", mm.path) };
            let worst = match mm.worst_index.as_slice() {
                [] => String::new(),
                [i] => format!(", worst at [{i}]"),
                ix => format!(", worst at ({})", ix.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")),
            };
            let why = diagnosis.map(|d| format!("; {d}")).unwrap_or_default();
            format!(
                "{} of {} value(s) outside the tolerance{at}{worst}: relative error up to about {}{why} \
                 (this exercise's feedback shows error sizes only, to one digit)",
                mm.bad_count,
                mm.total_count,
                grader_suite_api::compare::fmt_num(mm.max_rel_error)
            )
        }
        (Feedback::Errors, None, Some(d)) => d.to_string(),
        (Feedback::Errors, None, None) if shape(expected) != shape(got) => {
            format!("expected {}, got {}", shape(expected), shape(got))
        }
        _ => {
            result.mismatch = None;
            "wrong output (this exercise's feedback shows which case failed, not the values)".to_string()
        }
    };
    result.message = Some(message);
}

/// `x` rounded to one significant digit (`0.0347` -> `0.03`, `12.04` -> `10`); zero, infinities
/// and NaN as they are.
pub fn one_digit(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let k = x.abs().log10().floor() as i32;
    // Divide by an exact power of ten, so that 0.03 comes out as the double nearest 0.03.
    if k < 0 {
        let up = 10f64.powi(-k);
        (x * up).round() / up
    } else {
        let down = 10f64.powi(k);
        (x / down).round() * down
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{self, Tolerance};
    use crate::suite::Failure;
    use grader_protocol::Value;

    fn wrong(f: &Failure) -> CaseResult {
        CaseResult {
            index: 0,
            label: "random 3x2".into(),
            status: CaseStatus::Wrong,
            message: Some(f.message.clone()),
            mismatch: f.mismatch.clone(),
            time_ms: None,
            reference_ms: None,
            metrics: vec![grader_report::Metric {
                name: "accuracy".into(),
                student: 0.5,
                reference: Some(0.9),
                baseline: Some(0.8),
                baseline_name: Some("linfa".into()),
            }],
            figures: vec![grader_report::Figure {
                title: "loss".into(),
                kind: "lines".into(),
                x_label: "step".into(),
                y_label: "loss".into(),
                series: vec![
                    grader_report::Series { name: "your loss".into(), points: vec![[0.0, 1.0]] },
                    grader_report::Series { name: "reference".into(), points: vec![[0.0, 0.5]] },
                ],
                matrix: vec![],
                labels: vec![],
            }],
        }
    }

    #[test]
    fn errors_feedback_keeps_sizes_diagnoses_and_the_students_own_numbers() {
        let (e, g) = (Value::Floats(vec![1.25, -3.5]), Value::Floats(vec![1.25, 3.5]));
        let f = compare::values(&e, &g, Tolerance::new(1e-12, 1e-10))
            .unwrap_err()
            .diagnosed(Some("every value has the opposite sign: check the sign of the gradient".into()));
        assert!(f.message.contains("-3.5"), "values level quotes the expected value: {}", f.message);

        let mut r = wrong(&f);
        redact(&mut r, Feedback::Errors, &e, &g, f.diagnosis.as_deref());
        let m = r.message.as_deref().unwrap();
        assert!(m.contains("relative error up to about 2") && m.contains("opposite sign"), "{m}");
        assert!(!m.contains("7.0") && r.mismatch.as_ref().unwrap().max_abs_error.is_nan(), "{m}");
        assert!(!m.contains("-3.5") && r.mismatch.as_ref().unwrap().samples.is_empty(), "{m}");
        assert_eq!((r.metrics[0].reference, r.metrics[0].baseline), (None, Some(0.8)));
        assert_eq!(r.figures.len(), 1);
        assert_eq!(r.figures[0].series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["your loss"]);

        // An answer of 0: the absolute error would be the hidden value itself; the relative error
        // to one digit gives nothing away.
        let (e, g) = (Value::Floats(vec![12.04]), Value::Floats(vec![0.0]));
        let f = compare::values(&e, &g, Tolerance::new(1e-12, 1e-10)).unwrap_err();
        let mut r = wrong(&f);
        redact(&mut r, Feedback::Errors, &e, &g, None);
        let m = r.message.as_deref().unwrap();
        assert!(m.contains("relative error up to about 1 ") && !m.contains("12"), "{m}");
        assert_eq!((one_digit(0.0347), one_digit(12.04), one_digit(-0.96)), (0.03, 10.0, -1.0));

        // A failure in plain words (no hidden value) is shown whole; one that quotes values is not.
        let plain = Failure::plain("expected 3 step results, got 2").within("adam");
        let mut r = wrong(&plain);
        redact(&mut r, Feedback::Errors, &Value::Unit, &Value::Unit, plain.diagnosis.as_deref());
        assert_eq!(r.message.as_deref(), Some("adam: expected 3 step results, got 2"));
        let quoting = Failure::msg("at state 4 expected action 2, got 1");
        let mut r = wrong(&quoting);
        redact(&mut r, Feedback::Errors, &Value::Unit, &Value::Unit, quoting.diagnosis.as_deref());
        assert!(r.message.as_deref().unwrap().starts_with("wrong output"), "{:?}", r.message);

        // `label`: nothing but the label and the status; `values`: everything.
        let mut r = wrong(&plain);
        redact(&mut r, Feedback::Label, &Value::Unit, &Value::Unit, plain.diagnosis.as_deref());
        assert!(r.message.as_deref().unwrap().starts_with("wrong output") && r.figures.is_empty());
        assert_eq!(r.metrics[0].baseline, None);
        let mut r = wrong(&f);
        redact(&mut r, Feedback::Values, &e, &g, f.diagnosis.as_deref());
        assert_eq!(r.message.as_deref(), Some(f.message.as_str()));
        assert_eq!(r.figures[0].series.len(), 2);
    }
}
