//! Public tests for `stage7::breaker`: run them with `cargo test -p stage7 --test breaker`.
//!
//! Small schedules worked by hand; `grader check stage7.breaker` runs the hidden ones (random
//! traffic with outages, random retry policies, and every boundary of the rules).

use stage7::breaker::{
    run_breaker, run_retries, AttemptPlan, AttemptResult, BreakerConfig, Event, Outcome, RetryOutcome, RetryPolicy,
    State, Transition,
};

const CONFIG: BreakerConfig =
    BreakerConfig { failure_threshold: 2, open_ms: 100, half_open_max_calls: 1, success_threshold: 1 };

fn attempt(at: u64, call: u64) -> Event {
    Event::Attempt { at, call }
}

fn finish(at: u64, call: u64, outcome: Outcome) -> Event {
    Event::Finish { at, call, outcome }
}

fn t(at: u64, from: State, to: State) -> Transition {
    Transition { at, from, to }
}

#[test]
fn no_events_no_transitions() {
    let trace = run_breaker(&CONFIG, &[]);
    assert!(trace.allowed.is_empty() && trace.transitions.is_empty());
}

#[test]
fn two_failures_open_the_breaker_and_a_trial_at_the_boundary_closes_it() {
    use Outcome::*;
    let events = [
        attempt(0, 0),
        finish(10, 0, Failure),
        attempt(20, 1),
        finish(30, 1, Timeout),  // the second failure in a row: open at 30, until 130
        attempt(40, 2),          // rejected
        finish(45, 2, Failure),  // a rejected call never ran: ignored
        attempt(129, 3),         // rejected: 1 ms early
        attempt(130, 4),         // exactly open_ms later: half-open, the one trial goes through
        attempt(131, 5),         // rejected: one trial is in flight already
        finish(140, 4, Success), // one success closes it
        attempt(150, 6),
    ];
    let trace = run_breaker(&CONFIG, &events);
    assert_eq!(trace.allowed, [true, true, false, false, true, false, true]);
    assert_eq!(
        trace.transitions,
        [
            t(30, State::Closed, State::Open),
            t(130, State::Open, State::HalfOpen),
            t(140, State::HalfOpen, State::Closed)
        ]
    );
}

#[test]
fn a_failed_trial_reopens_and_a_success_between_failures_resets_the_count() {
    use Outcome::*;
    let events = [
        attempt(0, 0),
        finish(5, 0, Failure),
        attempt(6, 1),
        finish(7, 1, Success), // the count is back to 0
        attempt(8, 2),
        finish(9, 2, Failure),
        attempt(10, 3),
        finish(11, 3, Failure),  // two in a row: open at 11
        attempt(111, 4),         // half-open at 111
        finish(112, 4, Failure), // the trial fails: open again at 112, until 212
        attempt(200, 5),         // rejected
    ];
    let trace = run_breaker(&CONFIG, &events);
    assert_eq!(trace.allowed, [true, true, true, true, true, false]);
    let states: Vec<(u64, State)> = trace.transitions.iter().map(|t| (t.at, t.to)).collect();
    assert_eq!(states, [(11, State::Open), (111, State::HalfOpen), (112, State::Open)]);
}

fn plan(duration_ms: u64, result: AttemptResult) -> AttemptPlan {
    AttemptPlan { duration_ms, result }
}

#[test]
fn retries_back_off_with_full_jitter_until_success() {
    use AttemptResult::*;
    let policy = RetryPolicy { base_ms: 100, factor: 2, cap_ms: 300, max_attempts: 5, deadline_ms: 10_000 };
    let attempts = [plan(10, Retryable), plan(10, Retryable), plan(10, Retryable), plan(10, Ok), plan(10, Ok)];
    // Waits: floor(0.5 · 100) = 50, floor(0.25 · 200) = 50, floor(0.5 · min(300, 400)) = 150.
    let r = run_retries(&policy, &attempts, &[0.5, 0.25, 0.5, 0.5, 0.5]);
    assert_eq!(r.starts, [0, 60, 120, 280]);
    assert_eq!((r.outcome, r.finished_at, r.fallback), (RetryOutcome::Succeeded, 290, false));
}

#[test]
fn a_retry_that_cannot_start_before_the_deadline_is_not_started() {
    use AttemptResult::*;
    let policy = RetryPolicy { base_ms: 100, factor: 2, cap_ms: 1000, max_attempts: 3, deadline_ms: 90 };
    // 0..40 fails, the wait is floor(0.5 · 100) = 50: the retry would start at 90, the deadline.
    let r = run_retries(&policy, &[plan(40, Retryable), plan(10, Ok), plan(10, Ok)], &[0.5, 0.5, 0.5]);
    assert_eq!(r.starts, [0]);
    assert_eq!((r.outcome, r.finished_at, r.fallback), (RetryOutcome::GaveUpDeadline, 40, true));
}

#[test]
fn a_fatal_error_is_not_retried() {
    use AttemptResult::*;
    let policy = RetryPolicy { base_ms: 100, factor: 2, cap_ms: 1000, max_attempts: 3, deadline_ms: 1000 };
    let r = run_retries(&policy, &[plan(40, Fatal), plan(10, Ok), plan(10, Ok)], &[0.5, 0.5, 0.5]);
    assert_eq!((r.starts, r.outcome, r.finished_at, r.fallback), (vec![0], RetryOutcome::Failed, 40, false));
}
