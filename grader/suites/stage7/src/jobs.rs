//! Hidden suites for `stage7::jobs`: jobs submitted, followed through their `Location` and
//! polled until done; their predictions against the reference's (and so against the online
//! prediction of the same instances), and every error status.

use grader_protocol::Value;
use grader_suite_api::service::{Http, Poll, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage7.jobs.async", cases, check)]
}

fn job(xs: &[Vec<f64>]) -> Http {
    let parts: Vec<String> =
        xs.iter().map(|x| format!("[{}]", x.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(","))).collect();
    Http::post_json("/v1/jobs", format!("{{\"instances\":[{}]}}", parts.join(","))).status_only()
}

/// Polls the job whose `202` was step `n` (counted from 1) through its `Location`.
fn poll(n: usize) -> Step {
    Step::Poll(Poll {
        request: Http::get(&format!("{{step{n}.location}}")),
        field: "status".into(),
        equals: "done".into(),
        interval_ms: 10,
        max_ms: 5000,
    })
}

fn cases(g: &mut Gen) -> Vec<Case> {
    // One of the course's trained models, on held-out rows of its data set.
    let k = g.size(1, crate::trained::VERSIONS);
    let crate::trained::Trained { weights, bias } = crate::trained::version(k);
    let d = weights.len();
    let version = format!("breast-cancer-v{k}");
    let mut xs = |n: usize| -> Vec<Vec<f64>> { (0..n).map(|_| crate::trained::row(g)).collect() };
    let (a, b, c, one) = (xs(200), xs(1000), xs(1000), xs(1));
    let s = Scenario::new()
        .then("a job of 200 instances", Step::Request(job(&a)))
        .then("its results", poll(1))
        .then("a job of 1000 instances", Step::Request(job(&b)))
        .then("another job of 1000 instances", Step::Request(job(&c)))
        .then("a job of one instance", Step::Request(job(&one)))
        .then("the second job's results", poll(3))
        .then("the third job's results", poll(4))
        .then("the one-instance job's results", poll(5))
        .then("the first job's results, asked again", poll(1))
        .request("a job id never given", Http::get("/v1/jobs/never-given"))
        .request("an empty job", Http::post_json("/v1/jobs", "{\"instances\": []}"))
        .request("a job over 1000 instances", job(&vec![vec![0.0; d]; 1001]).status_only())
        .request("an instance of the wrong length", Http::post_json("/v1/jobs", "{\"instances\": [[1.0]]}"))
        .request("a body that is not JSON", Http::post_json("/v1/jobs", "{\"instances\": [["));
    let input = Value::List(vec![Value::Floats(weights), bias.into(), version.into()]);
    vec![Case::service(format!("four jobs, polled ({d} features)"), input, s)]
}

/// Each accepted job's `202` names its own `Location` and id; every answer is the reference's
/// (the polls' bodies whole: the predictions of the same instances).
fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    for i in [0, 2, 3, 4] {
        let r = s.student.response(i);
        if r.status != 202 {
            return Err(Failure::plain(format!("{}: expected status 202, got {}", s.scenario.name(i), r.describe())));
        }
        let id = r.json().and_then(|j| j.get("job_id").and_then(|v| v.as_str().map(str::to_string)));
        let Some(id) = id else {
            return Err(Failure::plain(format!("{}: the body has no string job_id", s.scenario.name(i))));
        };
        if r.header("location") != Some(format!("/v1/jobs/{id}").as_str()) {
            return Err(Failure::plain(format!(
                "{}: the Location header must be /v1/jobs/{id} (the job's own address), it is {:?}",
                s.scenario.name(i),
                r.header("location")
            )));
        }
    }
    s.same_answers(1e-9)
}
