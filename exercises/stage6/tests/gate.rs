//! Public tests for `stage6::gate`: `cargo test -p stage6 --test gate`.

use stage6::gate::{self, Evaluation, GateError, Rules, Verdict};

const RULES: Rules = Rules {
    min_accuracy: 0.8,
    max_regression: 0.01,
    max_slice_regression: 0.05,
    max_latency_ratio: 1.5,
    max_size_bytes: 1000,
};

fn eval(accuracy: f64, eu: f64, p99: f64, size: u64) -> Evaluation {
    Evaluation { accuracy, slices: vec![("eu".into(), eu)], p99_latency_ms: p99, size_bytes: size }
}

#[test]
fn a_better_model_is_promoted() {
    assert_eq!(
        gate::gate(&eval(0.9, 0.9, 10.0, 500), Some(&eval(0.88, 0.88, 10.0, 500)), &RULES),
        Ok(Verdict::Promote)
    );
}

#[test]
fn every_broken_rule_is_a_reason() {
    let v = gate::gate(&eval(0.7, 0.5, 100.0, 5000), Some(&eval(0.88, 0.88, 10.0, 500)), &RULES).unwrap();
    let reasons = ["accuracy", "regression", "slice:eu", "latency", "size"].map(String::from).to_vec();
    assert_eq!(v, Verdict::Reject(reasons));
    assert_eq!(gate::gate(&eval(f64::NAN, 0.5, 1.0, 1), None, &RULES), Err(GateError::InvalidMetric));
}
