//! Hidden suites for `stage7::resilient`: the service and its feature store (played by the
//! grader), switched between healthy, silent and failing while the client sends requests. Every
//! answer is compared with the reference service's, and so is the number of calls each service
//! made to the store between the switches.

use grader_protocol::Value;
use grader_suite_api::service::{Dependency, Http, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};
use std::collections::BTreeMap;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage7.resilient.serve", cases, check)]
}

fn predict(user: u64) -> Http {
    Http::post_json("/v1/predict", format!("{{\"user\":{user}}}")).timeout_ms(3000)
}

fn store(plan: Dependency) -> Step {
    Step::Dependency(plan)
}

fn healthy() -> Dependency {
    Dependency { latency_ms: 1, ..Default::default() }
}

fn failing() -> Dependency {
    Dependency { latency_ms: 1, fail_every: 1, ..Default::default() }
}

fn silent() -> Dependency {
    Dependency { hang: true, ..Default::default() }
}

fn cases(g: &mut Gen) -> Vec<Case> {
    // One of the course's trained models; the store holds held-out rows of its data set.
    let k = g.size(1, crate::trained::VERSIONS);
    let crate::trained::Trained { weights, bias } = crate::trained::version(k);
    let d = weights.len();
    let version = format!("breast-cancer-v{k}");
    let defaults = crate::trained::row(g);
    let users: Vec<u64> = (0..6).map(|_| g.int(1, 1_000_000) as u64).collect();
    let mut table = BTreeMap::new();
    for u in &users {
        let x: Vec<String> = crate::trained::row(g).iter().map(|v| format!("{v:?}")).collect();
        table.insert(u.to_string(), format!("[{}]", x.join(",")).into_bytes());
    }
    let unknown = 1_000_001 + g.int(0, 1000) as u64;
    // A user whose stored features have one value too few: the store answered, the service
    // falls back (and the breaker counts an answer, not a failure).
    let malformed = 2_000_001 + g.int(0, 1000) as u64;
    let short: Vec<String> = crate::trained::row(g)[..d - 1].iter().map(|v| format!("{v:?}")).collect();
    table.insert(malformed.to_string(), format!("[{}]", short.join(",")).into_bytes());
    let u = |k: usize| users[k % users.len()];
    let s = Scenario::new()
        .then("the store healthy", store(Dependency { table: Some(table), ..healthy() }))
        .request("a known user", predict(u(0)))
        .request("another known user", predict(u(1)))
        .request("another known user", predict(u(2)))
        .request("an unknown user (the store answers: not found)", predict(unknown))
        .request("a user whose stored features have the wrong length (fallback)", predict(malformed))
        .request("a body without a user", Http::post_json("/v1/predict", "{}"))
        .then("the store silent", store(silent()))
        .request("a known user while the store is silent (timeouts, retries, fallback)", predict(u(3)))
        .then("the store failing", store(failing()))
        .request("a known user while the store fails (the breaker opens)", predict(u(4)))
        .request("a known user with the breaker open", predict(u(5)))
        .request("a known user with the breaker open", predict(u(0)))
        .then("the store healthy again", store(healthy()))
        .request("a known user, the breaker still open", predict(u(1)))
        .then("a second later", Step::Pause(1100))
        .request("a known user: the half-open trial answers, the breaker closes", predict(u(2)))
        .request("a known user, the breaker closed", predict(u(3)))
        .then("the store failing again", store(failing()))
        .request("a known user while the store fails", predict(u(4)))
        .request("a known user while the store fails (the breaker opens)", predict(u(5)))
        .then("a second later", Step::Pause(1100))
        .request("a known user: the half-open trial fails, the breaker opens again", predict(u(0)))
        .request("a known user with the breaker open again", predict(u(1)))
        .then("the store healthy", store(healthy()))
        .request("the counters", Http::get("/metrics"));
    let input = Value::List(vec![Value::Floats(weights), bias.into(), version.into(), Value::Floats(defaults)]);
    vec![Case::service(format!("a store that goes silent, fails and recovers ({d} features)"), input, s)]
}

/// Every answer as the reference's, and the store calls between switches exactly as many.
fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    // The calls first: they say which mechanism is missing more plainly than an answer does.
    for (i, step) in s.scenario.steps.iter().enumerate() {
        if !matches!(step, Step::Dependency(_)) || i == 0 {
            continue;
        }
        let (e, g) = (s.reference.calls(i), s.student.calls(i));
        if e != g {
            let before = s.scenario.labels[..i]
                .iter()
                .rev()
                .find(|l| l.starts_with("the store") || l.starts_with("a second"))
                .cloned()
                .unwrap_or_default();
            return Err(Failure::plain(format!(
                "{}: your service called the store {g} times since \"{before}\", the reference {e} times",
                s.scenario.name(i)
            )));
        }
    }
    s.same_answers(1e-9)
}
