//! Hidden suites for `stage7::breaker`.
//!
//! Both exercises are exact: which attempts went through, every transition with its time, the
//! start of every retry, the outcome. The random cases are traffic from a seeded population of
//! callers against a server that has an outage (the breaker must open, probe and close), and
//! retry schedules with seeded outcomes and jitter; the edge cases sit on the rules' boundaries:
//! the end of the open period to the millisecond, trial calls beyond the limit, outcomes of
//! rejected and stale calls, a start exactly at the deadline, a ceiling that would overflow.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.breaker.transitions", breaker_cases, exact),
        ExerciseSuite::custom("stage7.breaker.retry", retry_cases, exact),
    ]
}

// ---------------------------------------------------------------------------------------------
// The circuit breaker

const ATTEMPT: i64 = 0;
const SUCCESS: i64 = 1;
const FAILURE: i64 = 2;
const TIMEOUT: i64 = 3;

/// `[failure_threshold, open_ms, half_open_max_calls, success_threshold]`.
fn config(failures: i64, open_ms: i64, trials: i64, successes: i64) -> Value {
    Value::Ints(vec![failures, open_ms, trials, successes])
}

/// Events `[at, call, code]`, in the order given.
fn events(e: &[[i64; 3]]) -> Value {
    Value::List(e.iter().map(|e| Value::Ints(e.to_vec())).collect())
}

fn breaker_input(config: Value, e: &[[i64; 3]]) -> Value {
    Value::List(vec![config, events(e)])
}

/// Calls made one after another: call `i` attempts at `at`, finishes `took` later with `code`.
fn calls(list: &[(i64, i64, i64, i64)]) -> Vec<[i64; 3]> {
    let mut e: Vec<[i64; 3]> =
        list.iter().flat_map(|&(call, at, took, code)| [[at, call, ATTEMPT], [at + took, call, code]]).collect();
    sort_events(&mut e);
    e
}

/// By time; at the same millisecond a call that finishes frees its place before the next
/// attempt; then by call.
fn sort_events(e: &mut [[i64; 3]]) {
    e.sort_by_key(|&[at, call, code]| (at, code == ATTEMPT, call));
}

/// Traffic against a server with an outage: `n` calls with random gaps (0 included, so that
/// several events share a millisecond) and durations; calls fail mostly during the outage and
/// rarely outside it, a share of the failures as timeouts.
fn traffic(g: &mut Gen, n: usize, gap: i64) -> Vec<[i64; 3]> {
    let span = n as i64 * gap / 2;
    let outage_start = g.int(span / 8, span / 2);
    let outage_end = outage_start + g.int(span / 6, span / 2);
    let mut e = Vec::new();
    let mut at = 0;
    for call in 0..n as i64 {
        at += g.int(0, gap);
        let took = g.int(1, 3 * gap);
        let p_fail = if (outage_start..outage_end).contains(&at) { 0.9 } else { 0.04 };
        let code = if g.float(0.0, 1.0) >= p_fail {
            SUCCESS
        } else if g.float(0.0, 1.0) < 0.3 {
            TIMEOUT
        } else {
            FAILURE
        };
        e.push([at, call, ATTEMPT]);
        e.push([at + took, call, code]);
    }
    sort_events(&mut e);
    e
}

fn breaker_cases(g: &mut Gen) -> Vec<Case> {
    use {FAILURE as F, SUCCESS as S, TIMEOUT as T};
    let c = || config(3, 100, 2, 2);
    // Calls 0, 1, 2 fail at 15, 25, 35: the breaker opens at 35, its open period ends at 135.
    let open_at_35 = [(0, 10, 5, F), (1, 20, 5, F), (2, 30, 5, F)];
    let with = |more: &[(i64, i64, i64, i64)]| calls(&[&open_at_35[..], more].concat());
    let mut cases = vec![
        Case::new("no events", breaker_input(c(), &[])),
        Case::new(
            "every call succeeds: the breaker never opens",
            breaker_input(c(), &calls(&[(0, 0, 10, S), (1, 5, 10, S), (2, 20, 3, S), (3, 21, 50, S), (4, 30, 1, S)])),
        ),
        Case::new(
            "two failures in a row, a success, two more: never three in a row, never opens",
            breaker_input(
                c(),
                &calls(&[(0, 0, 5, F), (1, 10, 5, F), (2, 20, 5, S), (3, 30, 5, F), (4, 40, 5, F), (5, 50, 5, S)]),
            ),
        ),
        Case::new(
            "three failures in a row open it; attempts while open are rejected",
            breaker_input(c(), &with(&[(3, 40, 5, S), (4, 90, 5, S), (5, 134, 1, S)])),
        ),
        Case::new(
            "a failure, a timeout and a failure: timeouts count as failures",
            breaker_input(c(), &calls(&[(0, 0, 5, F), (1, 10, 50, T), (2, 70, 5, F), (3, 80, 5, S)])),
        ),
        Case::new(
            "an attempt exactly open_ms after the breaker opened is a trial and goes through",
            breaker_input(c(), &with(&[(3, 135, 10, S), (4, 150, 10, S), (5, 170, 5, S)])),
        ),
        Case::new(
            "an attempt 1 ms before the open period ends is rejected, 1 ms after it is a trial",
            breaker_input(c(), &with(&[(3, 134, 10, S), (4, 136, 10, S), (5, 150, 10, S)])),
        ),
        Case::new(
            "a failed trial reopens the breaker: a new open period starts at the failure",
            breaker_input(c(), &with(&[(3, 140, 10, F), (4, 200, 5, S), (5, 249, 5, S), (6, 250, 5, S)])),
        ),
        Case::new(
            "half-open with 2 trials in flight: the third attempt is rejected; a finished trial frees its place",
            breaker_input(
                c(),
                &with(&[(3, 135, 5, S), (4, 136, 20, S), (5, 137, 1, S), (6, 141, 30, S), (7, 160, 5, S)]),
            ),
        ),
        Case::new(
            "the outcome of a rejected call is ignored (it never ran)",
            breaker_input(c(), &with(&[(3, 135, 30, S), (4, 136, 30, S), (5, 137, 1, F), (6, 170, 5, S)])),
        ),
        Case::new(
            "a slow call admitted while closed fails after the breaker went half-open: stale, ignored",
            breaker_input(c(), &with(&[(9, 12, 128, F), (3, 135, 10, S), (4, 138, 10, S), (5, 160, 5, S)])),
        ),
        Case::new(
            "a trial still in flight when another trial reopened the breaker is ignored, in the next half-open too",
            breaker_input(c(), &with(&[(3, 135, 140, S), (4, 136, 4, F), (5, 240, 50, S), (6, 280, 5, S)])),
        ),
        Case::new(
            "two successful trials close it; a trial still in flight then is ignored",
            breaker_input(
                c(),
                &with(&[(3, 135, 5, S), (4, 136, 50, F), (5, 141, 5, S), (6, 150, 5, F), (7, 160, 5, F)]),
            ),
        ),
        Case::new(
            "failure_threshold 1, one trial at a time, one success closes it",
            breaker_input(
                config(1, 50, 1, 1),
                &calls(&[(0, 0, 5, F), (1, 10, 5, S), (2, 55, 10, S), (3, 56, 1, S), (4, 70, 5, T), (5, 80, 5, S)]),
            ),
        ),
        Case::new(
            "at the same millisecond a trial finishes and the next attempts: its place is free",
            breaker_input(
                config(2, 100, 1, 2),
                &calls(&[(0, 0, 5, F), (1, 0, 10, F), (2, 110, 10, S), (3, 120, 5, S)]),
            ),
        ),
    ];
    for (n, gap, cfg) in [
        (60, 20, config(3, 200, 2, 2)),
        (120, 15, config(5, 300, 3, 3)),
        (200, 10, config(g.int(1, 6), g.int(50, 400), g.int(1, 4), g.int(1, 4))),
        (400, 8, config(g.int(1, 6), g.int(50, 400), g.int(1, 4), g.int(1, 4))),
    ] {
        let label = format!("{n} calls with an outage, configuration {:?}", cfg.ints());
        cases.push(Case::new(label, breaker_input(cfg, &traffic(g, n, gap))));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Retries

const OK: i64 = 0;
const RETRYABLE: i64 = 1;
const FATAL: i64 = 2;

/// `[base_ms, factor, cap_ms, max_attempts, deadline_ms]`, attempts `[duration_ms, code]`, and
/// the jitter.
fn retry_input(policy: [i64; 5], attempts: &[(i64, i64)], jitter: Vec<f64>) -> Value {
    let attempts = attempts.iter().map(|&(d, code)| Value::Ints(vec![d, code])).collect();
    Value::List(vec![Value::Ints(policy.to_vec()), Value::List(attempts), Value::Floats(jitter)])
}

fn retry_cases(g: &mut Gen) -> Vec<Case> {
    use {FATAL as X, OK as K, RETRYABLE as R};
    let halves = |n: usize| vec![0.5; n];
    let mut cases = vec![
        Case::new("the first attempt succeeds", retry_input([100, 2, 1000, 5, 10_000], &[(30, K)], halves(5))),
        Case::new(
            "retryable, then fatal: a fatal error is not retried and gets no fallback",
            retry_input([100, 2, 1000, 5, 10_000], &[(30, R), (40, X), (10, K), (10, K), (10, K)], halves(5)),
        ),
        Case::new(
            "every attempt fails: give up after max_attempts, with the fallback",
            retry_input([100, 2, 1000, 4, 100_000], &[(20, R); 4], vec![0.9, 0.3, 0.7, 0.1]),
        ),
        Case::new("max_attempts 1: no retry", retry_input([100, 2, 1000, 1, 10_000], &[(20, R)], halves(1))),
        Case::new("max_attempts 0: nothing is tried", retry_input([100, 2, 1000, 0, 10_000], &[], vec![])),
        Case::new("deadline 0: nothing starts", retry_input([100, 2, 1000, 3, 0], &[(20, K); 3], halves(3))),
        Case::new(
            "the retry would start exactly at the deadline: it is not started",
            // Ends at 50, waits floor(0.5 · 100) = 50: the retry would start at 100 = deadline.
            retry_input([100, 2, 1000, 5, 100], &[(50, R), (10, K), (10, K), (10, K), (10, K)], halves(5)),
        ),
        Case::new(
            "an attempt that ends exactly at the deadline completes",
            // 0..50, wait 50, 100..150: deadline 150.
            retry_input([100, 2, 1000, 5, 150], &[(50, R), (50, K), (10, K), (10, K), (10, K)], halves(5)),
        ),
        Case::new(
            "an attempt that would end after the deadline is cancelled at the deadline",
            retry_input([100, 2, 1000, 5, 149], &[(50, R), (50, K), (10, K), (10, K), (10, K)], halves(5)),
        ),
        Case::new(
            "jitter 0 retries at once; jitter just below 1 waits almost the whole ceiling",
            retry_input(
                [100, 2, 1000, 4, 100_000],
                &[(10, R), (10, R), (10, R), (10, K)],
                vec![0.0, 0.999_999, 0.0, 0.5],
            ),
        ),
        Case::new(
            "factor 3 from 100 ms: the ceiling reaches the 2 s cap and stays there",
            retry_input([100, 3, 2000, 8, 1_000_000], &[(5, R); 8], g.floats(8, 0.0, 1.0)),
        ),
        Case::new(
            "factor 1: a constant ceiling",
            retry_input([250, 1, 1000, 6, 1_000_000], &[(5, R); 6], g.floats(6, 0.0, 1.0)),
        ),
        Case::new(
            "base above the cap: the cap is the ceiling from the first retry",
            retry_input([5000, 2, 300, 4, 1_000_000], &[(5, R); 4], g.floats(4, 0.0, 1.0)),
        ),
        Case::new(
            "90 attempts, factor 2: factor^k overflows u64, the ceiling stays at the cap",
            retry_input([100, 2, 1000, 90, 10_000_000], &[(3, R); 90], g.floats(90, 0.0, 1.0)),
        ),
    ];
    for i in 0..6 {
        let max_attempts = g.size(2, 12);
        let policy = [g.int(10, 200), g.int(2, 3), g.int(500, 5000), max_attempts as i64, g.int(200, 6000)];
        let p_fail = if i % 2 == 0 { 0.9 } else { 0.6 };
        let attempts: Vec<(i64, i64)> = (0..max_attempts)
            .map(|_| {
                let u = g.float(0.0, 1.0);
                let code = if u < 0.03 {
                    FATAL
                } else if u < p_fail {
                    RETRYABLE
                } else {
                    OK
                };
                (g.int(1, 400), code)
            })
            .collect();
        let jitter = g.floats(max_attempts, 0.0, 1.0);
        cases.push(Case::new(format!("random policy {policy:?}"), retry_input(policy, &attempts, jitter)));
    }
    cases
}
