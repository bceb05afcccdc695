//! `final.<task>.contract` and `final.<task>.auth`: requests of every kind, good and bad, sent to
//! the student's service and the reference's; each answer must have the reference's status, and
//! where the reference answers JSON, the same JSON (predictions excepted: a label is the model's)
//! or, for an error, a JSON object with a string `error`.

use super::{body_of, wait_ready, Start, Task};
use grader_protocol::Value;
use grader_suite_api::service::{Http, Scenario};
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

/// A feedback record's JSON body.
fn feedback(id: &str, label: usize) -> String {
    serde_json::json!({ "id": id, "label": label }).to_string()
}

/// A short random id of `[a-z0-9]`.
fn id(g: &mut Gen, prefix: &str) -> String {
    let s: String = (0..10).map(|_| char::from_digit(g.size(0, 35) as u32, 36).unwrap()).collect();
    format!("{prefix}-{s}")
}

/// Requests whose body is wrong for `task` (each answered 422).
fn wrong_shapes(task: Task, example: &Value) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("JSON without the example's field", "{\"input\": 1}".to_string()),
        ("a JSON array, not an object", "[1, 2, 3]".to_string()),
    ];
    match (task, example) {
        (Task::Spam, _) => {
            v.push(("an empty text", "{\"text\": \"\"}".into()));
            v.push(("a number where the text is due", "{\"text\": 42}".into()));
            v.push(("the other task's field (pixels)", format!("{{\"pixels\":[{}]}}", vec!["0.5"; 784].join(","))));
        }
        (Task::Digits, Value::Floats(p)) => {
            let short: Vec<String> = p[..783].iter().map(|x| format!("{x}")).collect();
            v.push(("783 pixels, not 784", format!("{{\"pixels\":[{}]}}", short.join(","))));
            let mut hot: Vec<String> = p.iter().map(|x| format!("{x}")).collect();
            hot[400] = "1.5".into();
            v.push(("a pixel above 1", format!("{{\"pixels\":[{}]}}", hot.join(","))));
            v.push(("text where pixels are due", "{\"pixels\": \"a picture\"}".into()));
            v.push(("the other task's field (text)", "{\"text\": \"win a prize\"}".into()));
        }
        (Task::Digits, _) => unreachable!("an image is pixels"),
    }
    v
}

pub(crate) fn contract_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, 4);
    let mut s = wait_ready(Scenario::new())
        .request("liveness", Http::get("/health/live"))
        .request("a prediction", st.predict(&st.held_out[0]))
        .request("another prediction", st.predict(&st.held_out[1]))
        .request("the model's versions", Http::get("/v1/model"))
        .request("a body that is not JSON", st.auth(Http::post_json("/v1/predict", "{\"text\": \"unfinished")));
    for (what, body) in wrong_shapes(task, &st.held_out[2]) {
        s = s.request(what, st.auth(Http::post_json("/v1/predict", body)));
    }
    let (fid, label) = (id(g, "c"), g.size(0, task.classes() - 1));
    let other = (label + 1) % task.classes();
    s = s
        .request("a path of API version 2", st.auth(Http::post_json("/v2/predict", body_of(&st.held_out[3]))))
        .request("a path that does not exist", Http::get("/nowhere"))
        .request("a feedback record", st.auth(Http::post_json("/v1/feedback", feedback(&fid, label))))
        .request("the record read back", st.auth(Http::get(&format!("/v1/feedback/{fid}"))))
        .request("the same record again (idempotent)", st.auth(Http::post_json("/v1/feedback", feedback(&fid, label))))
        .request("the same id, another label", st.auth(Http::post_json("/v1/feedback", feedback(&fid, other))))
        .request("the record after the conflict", st.auth(Http::get(&format!("/v1/feedback/{fid}"))))
        .request("an id never written", st.auth(Http::get(&format!("/v1/feedback/{}", id(g, "never")))))
        .request("an id with forbidden characters", st.auth(Http::post_json("/v1/feedback", feedback("no spaces!", 0))))
        .request(
            "a label out of range",
            st.auth(Http::post_json("/v1/feedback", feedback(&id(g, "c"), task.classes()))),
        )
        .request("still predicting after all that", st.predict(&st.held_out[3]));
    vec![Case::service(format!("the contract, task {}", task.name()), st.input, s)]
}

/// Every step as the reference answered; every prediction a valid label and the active version.
pub(crate) fn check_contract(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(0.0)?;
    for (i, step) in s.scenario.steps.iter().enumerate() {
        let grader_suite_api::service::Step::Request(r) = step else { continue };
        if r.path != "/v1/predict" || s.reference.response(i).status != 200 {
            continue;
        }
        let g = s.student.response(i);
        let label = super::field(g, "label").and_then(|l| l.as_u64());
        let version = super::field(g, "version");
        if label.is_none() || version.as_ref().and_then(|v| v.as_str()) != Some("v2") {
            return Err(Failure::plain(format!(
                "{}: the body must be JSON {{\"label\": <integer>, \"version\": \"v2\"}} (the active version)",
                s.scenario.name(i)
            )));
        }
    }
    Ok(())
}

pub(crate) fn auth_cases(task: Task, g: &mut Gen) -> Vec<Case> {
    let st = Start::draw(task, g, 2);
    let body = body_of(&st.held_out[0]);
    let fid = id(g, "a");
    let s = wait_ready(Scenario::new())
        .request("a prediction without a token", Http::post_json("/v1/predict", body.clone()))
        .request(
            "a prediction with a wrong token",
            Http::post_json("/v1/predict", body.clone()).header("authorization", "Bearer not-the-token"),
        )
        .request(
            "a prediction with the token as Basic credentials",
            Http::post_json("/v1/predict", body.clone()).header("authorization", &format!("Basic {}", st.token)),
        )
        .request(
            "a malformed body without a token (authentication comes first)",
            Http::post_json("/v1/predict", "{\"text\": "),
        )
        .request("a feedback record without a token", Http::post_json("/v1/feedback", feedback(&fid, 0)))
        .request("that record, with the token", st.auth(Http::post_json("/v1/feedback", feedback(&fid, 1))))
        .request("reading it without a token", Http::get(&format!("/v1/feedback/{fid}")))
        .request("a rollback without a token", Http::new("POST", "/v1/model/rollback"))
        .request(
            "a rollback with a wrong token",
            Http::new("POST", "/v1/model/rollback").header("authorization", "Bearer nope"),
        )
        .request("the model after the refused rollbacks (unchanged)", Http::get("/v1/model"))
        .request("a prediction with the token", st.predict(&st.held_out[1]))
        .request("reading the record with the token", st.auth(Http::get(&format!("/v1/feedback/{fid}"))));
    vec![Case::service(format!("authentication, task {}", task.name()), st.input, s)]
}

/// Every step as the reference answered; every 401 with `WWW-Authenticate: Bearer`.
pub(crate) fn check_auth(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(0.0)?;
    for i in 0..s.scenario.steps.len() {
        let g = s.student.response(i);
        if g.status == 401
            && !g.header("www-authenticate").is_some_and(|h| h.to_ascii_lowercase().starts_with("bearer"))
        {
            return Err(Failure::plain(format!(
                "{}: a 401 must say how to authenticate: header `WWW-Authenticate: Bearer`",
                s.scenario.name(i)
            )));
        }
    }
    Ok(())
}
