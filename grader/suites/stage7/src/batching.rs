//! Hidden suites for `stage7::batching`: single answers against the reference's, then 32 clients
//! against both services in alternating rounds, with a malformed request in the middle.

use grader_protocol::Value;
use grader_suite_api::service::{latency_figure, Http, Load, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage7.batching.serve", cases, check)]
}

fn v1(x: &[f64]) -> Http {
    let parts: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
    Http::post_json("/v1/predict", format!("{{\"features\":[{}]}}", parts.join(",")))
}

/// The load step's index.
const LOAD: usize = 5;

fn cases(g: &mut Gen) -> Vec<Case> {
    // One of the course's trained models, on held-out rows of its data set.
    let v = g.size(1, crate::trained::VERSIONS);
    let crate::trained::Trained { weights, bias } = crate::trained::version(v);
    let d = weights.len();
    let version = format!("breast-cancer-v{v}");
    let mut s = Scenario::new();
    for k in 0..3 {
        s = s.request(format!("a lone request ({})", k + 1), v1(&crate::trained::row(g)));
    }
    let mut long = crate::trained::row(g);
    long.push(1.0);
    s = s
        .request("a row of the wrong length", v1(&long))
        .request("a body that is not JSON", Http::post_json("/v1/predict", "{\"features\": ["));
    let requests: Vec<Http> = (0..64).map(|_| v1(&crate::trained::row(g))).collect();
    let mut load = Load::new(requests, 32, 2000, 200, 3);
    load.side = vec![(50, v1(&crate::trained::row(g)[..d - 1]))];
    s = s.then("32 clients, a malformed request among them", Step::Load(load));
    let input = Value::List(vec![Value::Floats(weights), bias.into(), version.into()]);
    vec![Case::service(format!("lone requests, then 32 clients ({d} features)"), input, s)]
}

/// Single answers as the reference's; under load every answer 200 and the same as the first
/// answer to the same request, the malformed one 422, and the throughput at least half the
/// reference's.
fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(1e-9)?;
    let (e, g) = (s.reference.load(LOAD), s.student.load(LOAD));
    let name = s.scenario.name(LOAD);
    ctx.metric("requests per second, 32 clients", g.throughput, Some(e.throughput), None);
    ctx.metric("p50 latency (ms)", g.p50_ms, Some(e.p50_ms), None);
    ctx.metric("p99 latency (ms)", g.p99_ms, Some(e.p99_ms), None);
    ctx.figure(latency_figure(&name, e, g));
    if e.not(200) > 0 || e.side.first().is_none_or(|r| r.status != 422) {
        return Err(Failure::plain(format!(
            "{name}: the reference's run went wrong ({:?}): a bug in the grader, or a machine far too busy: grade again",
            e.statuses
        )));
    }
    g.all_ok(&name)?;
    if g.inconsistent > 0 {
        return Err(Failure::plain(format!(
            "{name}: {} answers differed from the first answer to the same request: answers sent to the wrong requests?",
            g.inconsistent
        )));
    }
    match g.side.first() {
        Some(r) if r.status == 422 => {}
        Some(r) => {
            return Err(Failure::plain(format!(
                "{name}: the request with a row of the wrong length was answered {}, not 422",
                r.describe()
            )))
        }
        None => {
            return Err(Failure::plain(format!("{name}: the malformed request was not sent (a bug in the grader)")))
        }
    }
    if g.throughput < 0.5 * e.throughput {
        return Err(Failure::plain(format!(
            "{name}: {:.0} requests per second, less than half the reference's {:.0}: are the waiting requests scored \
             together?",
            g.throughput, e.throughput
        )));
    }
    Ok(())
}
