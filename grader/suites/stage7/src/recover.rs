//! Hidden suites for `stage7::recover`: the registry's views and backup, rollbacks and roll
//! forwards, and both done while 8 clients send predictions, none of which may fail.

use grader_protocol::Value;
use grader_suite_api::service::{Http, Load, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage7.recover.rollback", cases, check)]
}

fn v1(x: &[f64]) -> Http {
    let parts: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
    Http::post_json("/v1/predict", format!("{{\"features\":[{}]}}", parts.join(",")))
}

fn activate(v: &str) -> Http {
    Http::post_json("/admin/activate", format!("{{\"version\":\"{v}\"}}"))
}

/// The load step's index.
const LOAD: usize = 3;

fn cases(g: &mut Gen) -> Vec<Case> {
    // The course's trained model, its last `n` versions in order (v2 to v4, or v1 to v4).
    let n = g.size(3, crate::trained::VERSIONS);
    let first = crate::trained::VERSIONS - n + 1;
    let trained: Vec<crate::trained::Trained> =
        (first..=crate::trained::VERSIONS).map(crate::trained::version).collect();
    let d = crate::trained::FEATURES;
    let versions: Vec<String> =
        (first..=crate::trained::VERSIONS).map(|k| format!("v{k}-{:06x}", g.seed() as u32 & 0xff_ffff)).collect();
    let weights: Vec<Vec<f64>> = trained.iter().map(|t| t.weights.clone()).collect();
    let biases: Vec<f64> = trained.iter().map(|t| t.bias).collect();
    let latest = versions[n - 1].clone();
    let requests: Vec<Http> = (0..16).map(|_| v1(&crate::trained::row(g))).collect();
    let mut load = Load::new(requests, 8, 6000, 200, 1);
    load.side = vec![(100, Http::new("POST", "/admin/rollback")), (300, activate(&latest))];
    load.tally = Some("model_version".into());
    let mut s = Scenario::new()
        .request("the versions", Http::get("/admin/models"))
        .request("a prediction from the latest version", v1(&crate::trained::row(g)))
        .request("the backup", Http::get("/admin/backup"))
        .then("a rollback and a roll forward under load", Step::Load(load))
        .request("the versions after the load", Http::get("/admin/models"));
    for k in 0..n {
        s = s.request(format!("rollback {}", k + 1), Http::new("POST", "/admin/rollback"));
    }
    s = s
        .request("a prediction from the first version", v1(&crate::trained::row(g)))
        .request("a version it does not have", activate("v0-none"))
        .request("the second version back", activate(&versions[1]))
        .request("a prediction from the second version", v1(&crate::trained::row(g)))
        .request("the versions at the end", Http::get("/admin/models"));
    let input = Value::List(vec![
        Value::List(weights.into_iter().map(Value::Floats).collect()),
        Value::Floats(biases),
        Value::List(versions.into_iter().map(Value::Text).collect()),
    ]);
    vec![Case::service(format!("{n} versions, switched under load ({d} features)"), input, s)]
}

/// Under load, every prediction answered 200 by a version the service has, both switches
/// answered 200, and both versions seen answering; then every answer as the reference's.
fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let (e, g) = (s.reference.load(LOAD), s.student.load(LOAD));
    let name = s.scenario.name(LOAD);
    if e.not(200) > 0 || e.side.iter().any(|r| r.status != 200) || e.tally.len() < 2 {
        return Err(Failure::plain(format!(
            "{name}: the reference's run went wrong (statuses {:?}, versions {:?}): a bug in the grader, or a \
             machine far too busy: grade again",
            e.statuses, e.tally
        )));
    }
    if g.not(200) > 0 {
        return Err(Failure::plain(format!(
            "{name}: {} of {} predictions were not answered 200 ({:?}): requests dropped while switching versions",
            g.not(200),
            g.total(),
            g.statuses
        )));
    }
    for (r, what) in g.side.iter().zip(["the rollback", "the roll forward"]) {
        if r.status != 200 {
            return Err(Failure::plain(format!("{name}: {what} was answered {}, not 200", r.describe())));
        }
    }
    let known: Vec<&String> = e.tally.keys().collect();
    if let Some(v) = g.tally.keys().find(|v| !known.contains(v)) {
        return Err(Failure::plain(format!(
            "{name}: a prediction answered by version {v:?}, not one of those switched between"
        )));
    }
    if g.tally.len() < 2 {
        return Err(Failure::plain(format!(
            "{name}: every prediction came from one version ({:?}): the switches did not reach the predictions",
            g.tally
        )));
    }
    s.same_answers(1e-9)
}
