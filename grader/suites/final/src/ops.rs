//! `final.<task>.ops`: `/metrics` counts the predictions the client made, readiness names the
//! active version, and SIGTERM turns readiness off at once, finishes the request in flight and
//! exits 0. `final.<task>.speed`: a closed loop of predictions, throughput and latency as ratios
//! to the reference's service measured in alternating rounds.

use super::{wait_ready, Start, Task};
use grader_suite_api::service::{prometheus, Http, Load, Raw, Scenario, Step, Terminate};
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

/// Predictions between the two scrapes of `/metrics`.
const PREDICTIONS: usize = 5;

pub(crate) fn ops_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, PREDICTIONS + 1);
    let mut s = wait_ready(Scenario::new()).request("the metrics before", Http::get("/metrics").status_only());
    for (i, x) in st.held_out[..PREDICTIONS].iter().enumerate() {
        s = s.request(format!("prediction {}", i + 1), st.predict(x));
    }
    let req = st.predict(&st.held_out[PREDICTIONS]).to_bytes();
    let half = req.len() / 2;
    s = s
        .request("the metrics after", Http::get("/metrics").status_only())
        .request("readiness", Http::get("/health/ready"))
        .then(
            "SIGTERM while a prediction is half sent",
            Step::Terminate(Terminate {
                inflight: Some(Raw { bytes: req, chunk: half, pause_ms: 450, timeout_ms: 3000 }),
                signal_after_ms: 150,
                ready: Some(Http::get("/health/ready").timeout_ms(1000)),
                ready_after_ms: 60,
                exit_within_ms: 3000,
            }),
        );
    vec![Case::service(format!("metrics, readiness, SIGTERM, task {}", task.name()), st.input, s)]
}

/// The sum of `capstone_requests_total` series whose route is `/v1/predict` and status 200.
fn predictions_counted(body: &[u8]) -> f64 {
    prometheus(&String::from_utf8_lossy(body))
        .iter()
        .filter(|(k, _)| {
            k.starts_with("capstone_requests_total{")
                && k.contains("route=\"/v1/predict\"")
                && k.contains("status=\"200\"")
        })
        .map(|(_, v)| v)
        .sum()
}

pub(crate) fn check_ops(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(0.0)?;
    let (before, after) = (1, PREDICTIONS + 2);
    for o in [s.reference, s.student] {
        let whose = if std::ptr::eq(o, s.reference) { "the reference's" } else { "your" };
        for i in [before, after] {
            let r = o.response(i);
            if !r.content_type.starts_with("text/plain") {
                return Err(Failure::plain(format!(
                    "{}: {whose} metrics must be Prometheus text (`text/plain; version=0.0.4`), got content type {:?}",
                    s.scenario.name(i),
                    r.content_type
                )));
            }
        }
        let delta = predictions_counted(&o.response(after).body) - predictions_counted(&o.response(before).body);
        if delta != PREDICTIONS as f64 {
            return Err(Failure::plain(format!(
                "{whose} `capstone_requests_total{{route=\"/v1/predict\",status=\"200\"}}` grew by {delta} over \
                 {PREDICTIONS} answered predictions"
            )));
        }
    }
    let ready = super::field(s.student.response(after + 1), "version");
    if ready.as_ref().and_then(|v| v.as_str()) != Some("v2") {
        return Err(Failure::plain(format!(
            "{}: readiness must name the active version: {{\"status\": \"ready\", \"version\": \"v2\"}}",
            s.scenario.name(after + 1)
        )));
    }
    let step = after + 2;
    grader_suite_api::service::check_graceful(
        s.reference.terminated(step),
        s.student.terminated(step),
        "prediction",
        "3 s",
    )
}

pub(crate) fn speed_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, 16);
    let requests: Vec<Http> = st.held_out.iter().map(|x| st.predict(x)).collect();
    let s = wait_ready(Scenario::new())
        .request("a first prediction", requests[0].clone())
        .then("closed loop, 8 clients", Step::Load(Load::new(requests, 8, 1500, 200, 3)));
    vec![Case::service(format!("predictions under load, task {}", task.name()), st.input, s)]
}

/// Throughput at least a third of the reference's; p50 and p99 latency at most 3 times the
/// reference's plus 2 and 5 ms; every answer 200 and the same for the same request.
pub(crate) fn check_speed(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let step = 2;
    let (e, g) = (s.reference.load(step), s.student.load(step));
    let name = s.scenario.name(step);
    ctx.metric("requests per second", g.throughput, Some(e.throughput), None);
    ctx.metric("p50 latency (ms)", g.p50_ms, Some(e.p50_ms), None);
    ctx.metric("p99 latency (ms)", g.p99_ms, Some(e.p99_ms), None);
    ctx.figure(grader_suite_api::service::latency_figure(&name, e, g));
    if e.not(200) > 0 {
        return Err(Failure::plain(format!(
            "{name}: the reference failed {} requests (a bug in the grader, or a machine far too busy: grade again)",
            e.not(200)
        )));
    }
    g.all_ok(&name)?;
    if g.inconsistent > 0 {
        return Err(Failure::plain(format!(
            "{name}: {} answers differed from the first answer to the same request (one model, one answer)",
            g.inconsistent
        )));
    }
    if g.throughput < e.throughput / 3.0 {
        return Err(Failure::plain(format!(
            "{name}: {:.0} requests per second, less than a third of the reference's {:.0}",
            g.throughput, e.throughput
        )));
    }
    if g.p50_ms > 3.0 * e.p50_ms + 2.0 {
        return Err(Failure::plain(format!(
            "{name}: p50 latency {:.2} ms, more than 3 times the reference's {:.2} ms plus 2 ms",
            g.p50_ms, e.p50_ms
        )));
    }
    if g.p99_ms > 3.0 * e.p99_ms + 5.0 {
        return Err(Failure::plain(format!(
            "{name}: p99 latency {:.2} ms, more than 3 times the reference's {:.2} ms plus 5 ms",
            g.p99_ms, e.p99_ms
        )));
    }
    Ok(())
}
