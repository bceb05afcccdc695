//! `final.<task>.recovery`: a rollback (so the active version is v1, a choice that must survive),
//! then SIGKILL while 4 clients write feedback records, and a restart on the same data directory:
//! every write the service acknowledged (2xx) must read back, the same version must be served,
//! and readiness must never say 200 while a prediction fails. `final.<task>.rollback`: v2 to v1
//! while 8 clients predict: not one request may fail.

use super::{wait_ready, Start, Task};
use grader_report::{Figure, Series};
use grader_suite_api::service::{Crash, Crashed, Http, Load, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

/// Writes sent (most are cut off by the kill), and clients sending them.
const WRITES: usize = 3000;
const CLIENTS: usize = 4;
/// The kill comes this long after the first write.
const KILL_AFTER_MS: u64 = 300;
/// The restarted service must be ready within this long after the kill.
const READY_WITHIN_MS: u64 = 10_000;
/// Fewer acknowledged writes than this before the kill proves nothing.
const MIN_ACKED: usize = 20;

fn feedback(id: &str, label: usize) -> String {
    serde_json::json!({ "id": id, "label": label }).to_string()
}

pub(crate) fn crash_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, 2);
    let tag: String = (0..8).map(|_| char::from_digit(g.size(0, 35) as u32, 36).unwrap()).collect();
    let labels: Vec<usize> = (0..WRITES).map(|_| g.size(0, task.classes() - 1)).collect();
    let id = |i: usize| format!("k{tag}-{i}");
    let crash = Crash {
        writes: (0..WRITES)
            .map(|i| st.auth(Http::post_json("/v1/feedback", feedback(&id(i), labels[i])).timeout_ms(3000)))
            .collect(),
        concurrency: CLIENTS,
        kill_after_ms: KILL_AFTER_MS,
        ready: Http::get("/health/ready").timeout_ms(1000),
        probe: st.predict(&st.held_out[0]).timeout_ms(1000),
        poll_ms: 20,
        ready_within_ms: READY_WITHIN_MS,
        reads: (0..WRITES).map(|i| st.auth(Http::get(&format!("/v1/feedback/{}", id(i))))).collect(),
    };
    let s = wait_ready(Scenario::new())
        .request("a rollback to v1", st.auth(Http::new("POST", "/v1/model/rollback")))
        .request("the model before the kill", Http::get("/v1/model"))
        .then("SIGKILL while 4 clients write feedback, then a restart", Step::Crash(crash))
        .request("the model after the restart", Http::get("/v1/model"))
        .request("a prediction after the restart", st.predict(&st.held_out[1]));
    let secret = grader_protocol::Value::Ints(labels.iter().map(|&l| l as i64).collect());
    vec![Case::service(format!("SIGKILL under write load, task {}", task.name()), st.input, s).with_secret(secret)]
}

/// Readiness and a prediction after the kill, as lines of 1 (200) and 0 (anything else).
fn timeline(whose: &str, c: &Crashed) -> Vec<Series> {
    let line = |what: &str, f: fn(&(f64, u16, u16)) -> u16| Series {
        name: format!("{whose}: {what}"),
        points: c.polls.iter().map(|p| [p.0, if f(p) == 200 { 1.0 } else { 0.0 }]).collect(),
    };
    vec![line("readiness 200", |p| p.1), line("prediction 200", |p| p.2)]
}

pub(crate) fn check_crash(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let grader_protocol::Value::Ints(labels) = ctx.secret else { panic!("suite: the written labels are the secret") };
    let step = 3;
    let (e, g) = (s.reference.crashed(step), s.student.crashed(step));
    let acked = |c: &Crashed| c.writes.iter().filter(|w| w.is_some_and(|st| (200..300).contains(&st))).count();
    let (ge, gg) = (acked(e), acked(g));
    ctx.metric("writes acknowledged before the kill", gg as f64, Some(ge as f64), None);
    if let Some(ms) = g.ready_ms {
        ctx.metric("ms from the kill to ready again", ms, e.ready_ms, None);
    }
    let mut series = timeline("yours", g);
    series.extend(timeline("reference", e));
    ctx.figure(Figure {
        title: format!(
            "After SIGKILL (at {:.0} ms into the writes): readiness and a prediction, polled every 20 ms",
            g.killed_at_ms
        ),
        kind: "lines".into(),
        x_label: "ms since the kill".into(),
        y_label: "answered 200 (1) or not (0)".into(),
        series,
        matrix: vec![],
        labels: vec![],
    });
    if e.restart_error.is_some() || e.ready_ms.is_none() || ge < MIN_ACKED {
        return Err(Failure::plain(format!(
            "the reference did not recover as it should ({:?}, ready after {:?} ms, {ge} writes acknowledged): a bug \
             in the grader, not in your code: please report it",
            e.restart_error, e.ready_ms
        )));
    }
    s.same_answers(0.0)?;
    if let Some(why) = &g.restart_error {
        return Err(Failure::plain(format!("after SIGKILL, the service was started again: {why}")));
    }
    if let Some(p) = g.polls.iter().find(|p| p.1 == 200 && p.2 != 200) {
        return Err(Failure::plain(format!(
            "readiness answered 200 {:.0} ms after the restart began while a prediction got status {}: readiness \
             must mean the service can answer",
            p.0, p.2
        )));
    }
    let Some(ready) = g.ready_ms else {
        return Err(Failure::plain(format!(
            "not ready (readiness and a prediction both 200) within {} s of the restart",
            READY_WITHIN_MS / 1000
        )));
    };
    let _ = ready;
    if gg < MIN_ACKED {
        return Err(Failure::plain(format!(
            "only {gg} feedback writes were acknowledged in the {KILL_AFTER_MS} ms before the kill (the reference: \
             {ge}): too slow to tell whether writes survive"
        )));
    }
    let mut lost = Vec::new();
    for (i, r) in &g.reads {
        let label = super::field(r, "label").and_then(|l| l.as_i64());
        if r.status != 200 || label != Some(labels[*i]) {
            lost.push(*i);
        }
    }
    if !lost.is_empty() {
        return Err(Failure::plain(format!(
            "{} of {gg} acknowledged feedback writes were lost or changed by SIGKILL (the first: write {}): answer \
             201 only once the record is on disk (write, then `sync_data`)",
            lost.len(),
            lost[0] + 1
        )));
    }
    Ok(())
}

pub(crate) fn rollback_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, 16);
    let requests: Vec<Http> = st.held_out.iter().map(|x| st.predict(x)).collect();
    let mut load = Load::new(requests, 8, 4000, 0, 1);
    load.side = vec![(100, st.auth(Http::new("POST", "/v1/model/rollback")))];
    load.tally = Some("version".into());
    let s = wait_ready(Scenario::new())
        .request("the model before", Http::get("/v1/model"))
        .then("a rollback while 8 clients predict", Step::Load(load))
        .request("the model after", Http::get("/v1/model"))
        .request("another rollback (there is no version before v1)", st.auth(Http::new("POST", "/v1/model/rollback")))
        .request("a prediction after", st.predict(&st.held_out[0]));
    vec![Case::service(format!("rollback under load, task {}", task.name()), st.input, s)]
}

pub(crate) fn check_rollback(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let step = 2;
    let (e, g) = (s.reference.load(step), s.student.load(step));
    let name = s.scenario.name(step);
    let count = |l: &grader_suite_api::service::LoadStats, v: &str| l.tally.get(v).copied().unwrap_or(0);
    ctx.metric("answers by v2 during the load", count(g, "v2") as f64, Some(count(e, "v2") as f64), None);
    ctx.metric("answers by v1 during the load", count(g, "v1") as f64, Some(count(e, "v1") as f64), None);
    if e.not(200) > 0 || count(e, "v1") == 0 || count(e, "v2") == 0 || e.side.first().is_none_or(|r| r.status != 200) {
        return Err(Failure::plain(
            "the reference's rollback under load went wrong (a failed request, or the switch not seen): a bug in the \
             grader, or a machine far too busy: grade again",
        ));
    }
    g.all_ok(&name)?;
    let side = g.side.first().cloned().unwrap_or_default();
    if side.status != 200 || super::field(&side, "version").as_ref().and_then(|v| v.as_str()) != Some("v1") {
        return Err(Failure::plain(format!(
            "{name}: the rollback answered {}, where 200 with {{\"version\": \"v1\"}} was due",
            side.describe()
        )));
    }
    if count(g, "v1") == 0 {
        return Err(Failure::plain(format!(
            "{name}: no prediction after the rollback was answered by v1 (the answers' \"version\" stayed {:?})",
            g.tally.keys().collect::<Vec<_>>()
        )));
    }
    if g.tally.keys().any(|k| k != "v1" && k != "v2") {
        return Err(Failure::plain(format!(
            "{name}: predictions named versions {:?}: only v1 and v2 exist",
            g.tally.keys().collect::<Vec<_>>()
        )));
    }
    s.same_answers(0.0)
}
