//! Hidden suites for `stage6::queue`: every job's outcome (done when and after how many
//! attempts, or dead-lettered when) compared exactly, on hand-made scripts (each rule alone,
//! simultaneous events) and on drawn ones (flaky workers, a poisonous job, a burst).

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.queue.run", cases, exact)]
}

/// A job: enqueue time and attempts `(ok, duration)`.
type J = (u64, Vec<(bool, u64)>);

fn case(label: &str, jobs: &[J], workers: usize, max_attempts: usize, backoff: u64, cap: u64) -> Case {
    let enqueued = jobs.iter().map(|j| j.0 as i64).collect();
    let attempts =
        jobs.iter().map(|j| Value::Ints(j.1.iter().flat_map(|&(ok, d)| [i64::from(ok), d as i64]).collect())).collect();
    Case::new(
        label,
        Value::List(vec![
            Value::Ints(enqueued),
            Value::List(attempts),
            workers.into(),
            max_attempts.into(),
            Value::Int(backoff as i64),
            Value::Int(cap as i64),
        ]),
    )
}

fn ok(d: u64) -> (bool, u64) {
    (true, d)
}
fn fail(d: u64) -> (bool, u64) {
    (false, d)
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        case("one job, one attempt", &[(5, vec![ok(10)])], 1, 3, 100, 1000),
        case("a failure, then a success after the backoff", &[(0, vec![fail(10), ok(10)])], 1, 3, 100, 1000),
        case(
            "the backoff doubles, up to its cap",
            &[(0, vec![fail(1), fail(1), fail(1), fail(1), ok(1)])],
            1,
            5,
            100,
            250,
        ),
        case("too many failures: the dead-letter queue", &[(0, vec![fail(5), fail(5), fail(5)])], 1, 3, 10, 1000),
        case(
            "one worker: jobs wait in the order they became ready",
            &[(0, vec![ok(10)]), (1, vec![ok(10)]), (2, vec![ok(10)])],
            1,
            1,
            0,
            0,
        ),
        case(
            "a retry ready before a newer job goes first",
            &[(0, vec![fail(10), ok(5)]), (12, vec![ok(5)])],
            1,
            3,
            1,
            1000,
        ),
        case(
            "a worker freed at t takes a job ready at t; a zero backoff retries at once",
            &[(0, vec![fail(10), ok(1)]), (10, vec![ok(1)])],
            1,
            3,
            0,
            0,
        ),
        case(
            "simultaneous ends are finished in job order",
            &[(0, vec![fail(10), ok(1)]), (0, vec![fail(10), ok(1)]), (10, vec![ok(1)])],
            2,
            3,
            0,
            0,
        ),
        case("attempts of zero duration", &[(3, vec![fail(0), fail(0), ok(0)])], 1, 5, 0, 0),
        case(
            "a poisonous job does not block the others",
            &[(0, vec![fail(50); 4]), (1, vec![ok(5)]), (2, vec![ok(5)])],
            1,
            4,
            20,
            1000,
        ),
        case("no jobs", &[], 2, 3, 10, 100),
        case("no workers", &[(0, vec![ok(1)])], 0, 3, 10, 100),
        case("no attempts allowed", &[(0, vec![ok(1)])], 1, 0, 10, 100),
        case("a script too short", &[(0, vec![fail(1)])], 1, 3, 10, 100),
        case("a huge backoff saturates", &[(0, vec![fail(1), fail(1), ok(1)])], 1, 3, u64::MAX / 4, u64::MAX),
    ];
    for k in 0..4 {
        let n = g.size(20, 400);
        let flaky = g.float(0.05, 0.6);
        let max_attempts = g.size(1, 6);
        let mut t = 0u64;
        let jobs: Vec<J> = (0..n)
            .map(|_| {
                t += g.int(0, 20) as u64;
                let poisonous = g.float(0.0, 1.0) < 0.05;
                let attempts = (0..max_attempts)
                    .map(|_| (!poisonous && g.float(0.0, 1.0) >= flaky, g.int(1, 100) as u64))
                    .collect();
                (t, attempts)
            })
            .collect();
        let (workers, backoff) = (g.size(1, 8), g.int(0, 200) as u64);
        let cap = backoff * g.int(1, 16) as u64;
        cases.push(case(
            &format!("a random burst {} ({n} jobs, {workers} workers, up to {max_attempts} attempts)", k + 1),
            &jobs,
            workers,
            max_attempts,
            backoff,
            cap,
        ));
    }
    cases
}
