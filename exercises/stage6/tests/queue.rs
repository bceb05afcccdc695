//! Public tests for `stage6::queue`: `cargo test -p stage6 --test queue`.

use stage6::queue::{self, Job, Outcome, QueueError, Settings};

const SETTINGS: Settings = Settings { workers: 1, max_attempts: 3, backoff_ms: 100, max_backoff_ms: 1000 };

#[test]
fn a_failed_job_is_retried_after_its_backoff() {
    let jobs = [Job { enqueued_ms: 0, attempts: vec![Err(10), Ok(10)] }];
    // Fails at 10, ready again at 110, done at 120.
    assert_eq!(queue::run_queue(&jobs, SETTINGS).unwrap(), [Outcome::Done { at_ms: 120, attempts: 2 }]);
}

#[test]
fn a_job_that_keeps_failing_is_dead_lettered() {
    let jobs =
        [Job { enqueued_ms: 0, attempts: vec![Err(1), Err(1), Err(1)] }, Job { enqueued_ms: 0, attempts: vec![Ok(5)] }];
    let out = queue::run_queue(&jobs, SETTINGS).unwrap();
    // Job 0: fails at 1, retried at 101, fails at 102, retried at 302, fails at 303.
    assert_eq!(out[0], Outcome::DeadLetter { at_ms: 303 });
    // Job 1 ran while job 0 waited for its retry: from 1 to 6.
    assert_eq!(out[1], Outcome::Done { at_ms: 6, attempts: 1 });
    assert_eq!(queue::run_queue(&jobs, Settings { workers: 0, ..SETTINGS }), Err(QueueError::InvalidParameter));
}
