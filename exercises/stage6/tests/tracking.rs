//! Public tests for `stage6::tracking`: `cargo test -p stage6 --test tracking`.

use stage6::tracking::{TrackError, Tracker};

#[test]
fn runs_metrics_and_the_best_run() {
    let mut t = Tracker::open().unwrap();
    let a = t.start_run("sweep", &[("lr".into(), "0.1".into())]).unwrap();
    let b = t.start_run("sweep", &[("lr".into(), "0.01".into())]).unwrap();
    assert_eq!((a, b), (1, 2));
    t.log_metric(a, "acc", 1, 0.8).unwrap();
    t.log_metric(a, "acc", 0, 0.5).unwrap();
    t.log_metric(b, "acc", 0, 0.9).unwrap();
    assert_eq!(t.log_metric(a, "acc", 1, 0.7), Err(TrackError::Duplicate));
    assert_eq!(t.history(a, "acc").unwrap(), vec![(0, 0.5), (1, 0.8)]);
    assert_eq!(t.best_run("sweep", "acc", true).unwrap(), None, "no run is finished yet");
    t.finish_run(a).unwrap();
    t.finish_run(b).unwrap();
    assert_eq!(t.best_run("sweep", "acc", true).unwrap(), Some((b, 0.9)));
    assert_eq!(t.runs_with_param("sweep", "lr", "0.1").unwrap(), vec![a]);
    assert_eq!(t.log_metric(a, "acc", 2, 0.9), Err(TrackError::Finished));
    assert_eq!(t.log_metric(9, "acc", 0, 0.9), Err(TrackError::UnknownRun));
}
