//! The final project's hidden evaluation (spec: projects/final/README.md), one module of parts
//! per task. Every part is an exercise of its own, so a broken step costs its part only:
//!
//! - `train`: the student's `train` three times in one call (the seed, the same seed, and the
//!   seed plus one) on 1,000 examples of a hidden draw; the glue hashes each model's bytes. Same
//!   seed, same digest; another seed, another digest; within the part's time budget.
//! - the service parts: the glue trains v1 and v2 into the service's data directory once per
//!   part, and serves the student's router; the grader's client drives it and the reference's the
//!   same way, side by side: quality on held-out examples through the API ([`quality`]), the
//!   contract and authentication ([`contract`]), `/metrics`, readiness and SIGTERM ([`ops`]),
//!   speed as ratios ([`speed`]), SIGKILL under write load and a restart ([`recovery`]), a
//!   rollback under load ([`rollback`]).
//! - `deploy`: the Dockerfile read as text ([`deploy`]).
//!
//! Held-out labels never reach the probe: they are the case's secret.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case.
#![allow(clippy::result_large_err)]

mod contract;
mod data;
mod deploy;
mod ops;
mod quality;
mod recovery;
mod train;

use grader_protocol::Value;
use grader_suite_api::service::{Http, Poll, Scenario, Step};
use grader_suite_api::suite::{ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    let mut out = Vec::new();
    for task in [Task::Spam, Task::Digits] {
        out.extend(task.suites());
    }
    out
}

/// The task a module grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Spam,
    Digits,
}

/// Training examples per case.
pub(crate) const N_TRAIN: usize = 1000;

impl Task {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Task::Spam => "spam",
            Task::Digits => "digits",
        }
    }

    pub(crate) fn classes(self) -> usize {
        match self {
            Task::Spam => 2,
            Task::Digits => 10,
        }
    }

    fn suites(self) -> Vec<ExerciseSuite> {
        macro_rules! parts {
            ($task:ident, $t:literal) => {
                vec![
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".train"),
                        |g| train::cases(Task::$task, g),
                        train::check,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".quality"),
                        |g| quality::cases(Task::$task, g),
                        |c| quality::check(Task::$task, c),
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".contract"),
                        |g| contract::contract_cases(Task::$task, g),
                        contract::check_contract,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".auth"),
                        |g| contract::auth_cases(Task::$task, g),
                        contract::check_auth,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".ops"),
                        |g| ops::ops_cases(Task::$task, g),
                        ops::check_ops,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".speed"),
                        |g| ops::speed_cases(Task::$task, g),
                        ops::check_speed,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".recovery"),
                        |g| recovery::crash_cases(Task::$task, g),
                        recovery::check_crash,
                    ),
                    ExerciseSuite::custom(
                        concat!("final.", $t, ".rollback"),
                        |g| recovery::rollback_cases(Task::$task, g),
                        recovery::check_rollback,
                    ),
                    ExerciseSuite::custom(concat!("final.", $t, ".deploy"), deploy::cases, deploy::check),
                ]
            };
        }
        match self {
            Task::Spam => parts!(Spam, "spam"),
            Task::Digits => parts!(Digits, "digits"),
        }
    }
}

/// What starts a service: `[examples, labels, seed, token]`, with the draw's held-out examples
/// (their labels are the case's secret).
pub(crate) struct Start {
    pub input: Value,
    pub held_out: Vec<Value>,
    pub held_out_labels: Vec<i64>,
    pub token: String,
}

impl Start {
    pub(crate) fn draw(task: Task, g: &mut Gen, held_out: usize) -> Start {
        let d = data::draw(task, g, N_TRAIN, held_out);
        let seed = g.size(1, 1 << 30) as i64;
        let token: String = (0..32).map(|_| char::from_digit(g.size(0, 15) as u32, 16).unwrap()).collect();
        Start {
            input: Value::List(vec![
                d.train,
                Value::Ints(d.train_labels),
                Value::Int(seed),
                Value::Text(token.clone()),
            ]),
            held_out: d.held_out,
            held_out_labels: d.held_out_labels,
            token,
        }
    }

    /// `header` with this case's token.
    pub(crate) fn auth(&self, r: Http) -> Http {
        r.header("authorization", &format!("Bearer {}", self.token))
    }

    /// `POST /v1/predict` of one example's JSON body, authenticated.
    pub(crate) fn predict(&self, example: &Value) -> Http {
        self.auth(Http::post_json("/v1/predict", body_of(example)).status_only())
    }
}

/// The JSON body of a prediction request for one example (an e-mail's text or an image's pixels).
pub(crate) fn body_of(example: &Value) -> String {
    match example {
        Value::Text(t) => serde_json::json!({ "text": t }).to_string(),
        Value::Floats(p) => {
            let parts: Vec<String> = p.iter().map(|x| format!("{x}")).collect();
            format!("{{\"pixels\":[{}]}}", parts.join(","))
        }
        other => panic!("suite: an example is text or pixels, not {}", other.kind()),
    }
}

/// Readiness polled until it says "ready" (the service trains nothing itself, but loads its
/// models in the background): 20 s at most.
pub(crate) fn wait_ready(s: Scenario) -> Scenario {
    s.then(
        "readiness, until ready",
        Step::Poll(Poll {
            request: Http::get("/health/ready").timeout_ms(2000).status_only(),
            field: "status".into(),
            equals: "ready".into(),
            interval_ms: 25,
            max_ms: 20_000,
        }),
    )
}

/// A JSON field of a step's answer.
pub(crate) fn field(r: &grader_suite_api::service::Response, name: &str) -> Option<serde_json::Value> {
    r.json().and_then(|j| j.get(name).cloned())
}
