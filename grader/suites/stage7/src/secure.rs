//! Hidden suites for `stage7::secure`: the authenticated service's status codes for every kind of
//! caller, and the adversarial perturbation and robustness radius of linear models.

use grader_protocol::Value;
use grader_suite_api::service::{Http, Scenario};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.secure.auth", auth_cases, check_auth),
        ExerciseSuite::named("stage7.secure.adversarial", adversarial_cases),
    ]
}

fn token(g: &mut Gen) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..g.size(24, 40)).map(|_| ALPHABET[g.size(0, ALPHABET.len() - 1)] as char).collect()
}

fn body(x: &[f64]) -> String {
    let parts: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
    format!("{{\"features\":[{}]}}", parts.join(","))
}

fn auth_cases(g: &mut Gen) -> Vec<Case> {
    // One of the course's trained models, on held-out rows of its data set.
    let k = g.size(1, crate::trained::VERSIONS);
    let crate::trained::Trained { weights, bias } = crate::trained::version(k);
    let d = weights.len();
    let version = format!("breast-cancer-v{k}");
    let readers: Vec<String> = (0..2).map(|_| token(g)).collect();
    let admin = token(g);
    let reader = readers[0].clone();
    // The admin's token with its last character changed: known length, one byte off.
    let mut near = admin.clone();
    let last = near.pop().unwrap();
    near.push(if last == 'A' { 'B' } else { 'A' });
    let x = |g: &mut Gen| crate::trained::row(g);
    let predict = |auth: Option<String>, b: String| {
        let r = Http::post_json("/v1/predict", b);
        match auth {
            Some(a) => r.header("authorization", &a),
            None => r,
        }
    };
    let stats = |auth: &str| Http::get("/admin/stats").header("authorization", auth);
    let bearer = |t: &str| format!("Bearer {t}");
    let s = Scenario::new()
        .request("no credentials needed", Http::get("/health"))
        .request("no Authorization header", predict(None, body(&x(g))))
        .request("another scheme (Basic)", predict(Some(format!("Basic {admin}")), body(&x(g))))
        .request("an unknown token", predict(Some(bearer(&token(g))), body(&x(g))))
        .request("the admin's token with one character changed", predict(Some(bearer(&near)), body(&x(g))))
        .request("an empty token", predict(Some("Bearer ".into()), body(&x(g))))
        .request("the token alone, no scheme", predict(Some(admin.clone()), body(&x(g))))
        .request("a reader's token", predict(Some(bearer(&reader)), body(&x(g))))
        .request("the other reader's token", predict(Some(bearer(&readers[1])), body(&x(g))))
        .request("the admin's token", predict(Some(bearer(&admin)), body(&x(g))))
        .request("the scheme in lower case", predict(Some(format!("bearer {reader}")), body(&x(g))))
        .request("an unknown token and a malformed body", predict(Some(bearer(&near)), "{\"features\": [".into()))
        .request("a reader's token and a malformed body", predict(Some(bearer(&reader)), "{\"features\": [".into()))
        .request("the statistics without credentials", Http::get("/admin/stats"))
        .request("the statistics with a reader's token", stats(&bearer(&reader)))
        .request("the statistics with an unknown token", stats(&bearer(&near)))
        .request("the statistics with the admin's token", stats(&bearer(&admin)));
    let input = Value::List(vec![
        Value::Floats(weights),
        bias.into(),
        version.into(),
        Value::List(readers.into_iter().map(Value::Text).collect()),
        Value::List(vec![Value::Text(admin)]),
    ]);
    vec![Case::service(format!("a reader, an admin and strangers ({d} features)"), input, s)]
}

/// Every status as the reference's, with `WWW-Authenticate: Bearer` on every 401.
fn check_auth(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(1e-9)?;
    for i in 0..s.scenario.steps.len() {
        let g = s.student.response(i);
        if g.status == 401
            && !g.header("www-authenticate").is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer"))
        {
            return Err(Failure::plain(format!(
                "{}: a 401 must say how to authenticate: the header WWW-Authenticate: Bearer is missing",
                s.scenario.name(i)
            )));
        }
    }
    Ok(())
}

fn adversarial_cases(g: &mut Gen) -> Vec<Case> {
    let case = |label: &str, w: Vec<f64>, b: f64, x: Vec<f64>, eps: f64| {
        Case::new(label, Value::List(vec![Value::Floats(w), b.into(), Value::Floats(x), eps.into()]))
    };
    let mut cases = Vec::new();
    for k in 0..4 {
        let d = g.size(2, 20);
        let (w, x) = (g.normals(d), g.normals(d));
        let b = g.float(-1.0, 1.0);
        let eps = g.float(0.01, 0.5);
        cases.push(case(&format!("random linear model {} ({d} features)", k + 1), w, b, x, eps));
    }
    let d = g.size(3, 10);
    let mut w = g.normals(d);
    w[0] = 0.0;
    w[d - 1] = 0.0;
    cases.push(case("weights with zeros (those features do not move)", w.clone(), 0.3, g.normals(d), 0.2));
    // z exactly 0: on the boundary, label 1, moved down.
    let x = vec![0.0; d];
    cases.push(case("an input on the boundary (z = 0)", w.clone(), 0.0, x, 0.1));
    cases.push(case("a negative score (moved up)", vec![1.0, -2.0, 0.5], -10.0, vec![0.5, 0.5, 0.5], 0.25));
    cases.push(case("all weights zero (an infinite radius)", vec![0.0; 4], 0.7, g.normals(4), 0.3));
    cases.push(case("eps = 0", g.normals(5), 0.1, g.normals(5), 0.0));
    cases.push(case("one feature", vec![-3.0], 1.5, vec![2.0], 1.0));
    // The model the services serve, on a held-out row in raw units (areas near 1000, smoothness
    // near 0.1: one eps for features of very different scales).
    let k = g.size(1, crate::trained::VERSIONS);
    let t = crate::trained::version(k);
    let x = crate::trained::row(g);
    cases.push(case(&format!("the course's breast-cancer model v{k} on a held-out row"), t.weights, t.bias, x, 0.05));
    cases
}
