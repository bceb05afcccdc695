//! Public tests for `stage6::monitor`: `cargo test -p stage6 --test monitor`.

use stage6::monitor::{self, Alert, Comparison, MonitorError, Rule, Sketch};

#[test]
fn page_hinkley_alarms_on_a_rise_and_resets() {
    let mut stream = vec![0.0; 50];
    stream.extend(vec![1.0; 50]);
    let alarms = monitor::page_hinkley(&stream, 0.0, 5.0, 10).unwrap();
    assert!(!alarms.is_empty() && alarms[0] >= 50, "{alarms:?}");
    assert_eq!(monitor::page_hinkley(&[0.0; 100], 0.0, 5.0, 10).unwrap(), Vec::<usize>::new());
    assert_eq!(monitor::page_hinkley(&[1.0], -1.0, 5.0, 10), Err(MonitorError::InvalidParameter));
}

#[test]
fn a_rule_fires_after_its_for_duration_and_resolves() {
    let rule = Rule { threshold: 0.5, comparison: Comparison::Above, for_s: 30 };
    let series: Vec<(u64, f64)> =
        [0.1, 0.9, 0.9, 0.9, 0.9, 0.2].iter().enumerate().map(|(i, &v)| (i as u64 * 15, v)).collect();
    // Bad from t = 15; 30 s later (t = 45) it fires; at t = 75 it resolves.
    assert_eq!(monitor::evaluate_rule(&rule, &series).unwrap(), vec![Alert { fired_at: 45, resolved_at: Some(75) }]);
    assert_eq!(monitor::evaluate_rule(&rule, &[(5, 1.0), (5, 1.0)]), Err(MonitorError::Unordered));
}

#[test]
fn the_sketch_keeps_quantiles_within_alpha() {
    let mut s = Sketch::new(0.01).unwrap();
    for i in 1..=1000 {
        s.add(i as f64).unwrap();
    }
    // The exact median of 1..=1000 at rank floor(0.5 * 999) = 499 is 500.
    let median = s.quantile(0.5).unwrap();
    assert!((median - 500.0).abs() <= 0.01 * 500.0, "{median}");
    assert_eq!(s.count(), 1000);
    assert!(s.size() < 400, "{} counters for 1000 values", s.size());
    assert_eq!(s.add(-1.0), Err(MonitorError::Negative));
    assert_eq!(Sketch::new(0.01).unwrap().quantile(0.5), None);
}
