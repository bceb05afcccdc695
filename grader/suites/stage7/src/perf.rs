//! Hidden suites for `stage7::perf`: multilayer perceptrons in safetensors files, scored on the
//! CPU against the reference (and timed on a GPU where one exists), and a service whose resident
//! memory is read beside the reference's after it loaded a 25 MiB model.

use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::service::{Http, Scenario, Step};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.perf.memory", memory_cases, check_memory),
        ExerciseSuite::custom("stage7.perf.digits", digits_cases, check_digits),
        ExerciseSuite::plain("stage7.perf.gpu", gpu_cases).timed(gpu_speed),
    ]
}

/// An MLP of the given widths (input first, 1 last) with He-scaled normal weights, as
/// safetensors bytes (`F32`) under the names `l{i}.weight` and `l{i}.bias`.
fn mlp(g: &mut Gen, widths: &[usize]) -> Vec<u8> {
    let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, pair) in widths.windows(2).enumerate() {
        let (fan_in, out) = (pair[0], pair[1]);
        let scale = (2.0 / fan_in as f64).sqrt();
        let w: Vec<u8> = g.normals(out * fan_in).iter().flat_map(|v| ((v * scale) as f32).to_le_bytes()).collect();
        let b: Vec<u8> = g.floats(out, -0.1, 0.1).iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
        named.push((format!("l{i}.weight"), vec![out, fan_in], w));
        named.push((format!("l{i}.bias"), vec![out], b));
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = named
        .iter()
        .map(|(n, s, d)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), d).expect("suite: view"),
            )
        })
        .collect();
    safetensors::serialize(views, None).expect("suite: safetensors")
}

fn instances(g: &mut Gen, n: usize, d: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|_| {
            format!(
                "[{}]",
                g.floats(d, -2.0, 2.0).iter().map(|v| format!("{:?}", *v as f32)).collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    format!("{{\"instances\":[{}]}}", rows.join(","))
}

/// The served model's widths: about 6.4 million F32 parameters (25 MiB).
const SERVED: [usize; 5] = [64, 1024, 2048, 2048, 1];

fn memory_cases(g: &mut Gen) -> Vec<Case> {
    let model = mlp(g, &SERVED);
    let d = SERVED[0];
    let s = Scenario::new()
        .request("a first request", Http::post_json("/v1/predict", instances(g, 1, d)))
        .then("resident memory after the model loaded", Step::Memory)
        .request("a batch of 16", Http::post_json("/v1/predict", instances(g, 16, d)))
        .request("a batch of 5", Http::post_json("/v1/predict", instances(g, 5, d)))
        .request("a row of the wrong length", Http::post_json("/v1/predict", instances(g, 1, d - 1)))
        .request("17 instances", Http::post_json("/v1/predict", instances(g, 17, d)))
        .then("resident memory after the requests", Step::Memory);
    vec![Case::service("a 25 MiB model, served", Value::Bytes(model), s)]
}

/// How much more than the reference's resident memory (and its peak) a service may hold.
const MEMORY_RATIO: f64 = 1.15;
const MEMORY_SLACK_MIB: f64 = 6.0;

fn check_memory(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(1e-5)?;
    let mib = |k: u64| k as f64 / 1024.0;
    for step in [1, 6] {
        let (e, g) = (s.reference.memory(step), s.student.memory(step));
        let name = s.scenario.name(step);
        ctx.metric(&format!("{name}: resident (MiB)"), mib(g.rss_kib), Some(mib(e.rss_kib)), None);
        ctx.metric(&format!("{name}: peak (MiB)"), mib(g.peak_kib), Some(mib(e.peak_kib)), None);
        for (what, gv, ev) in [("resident memory", g.rss_kib, e.rss_kib), ("peak memory", g.peak_kib, e.peak_kib)] {
            let bound = MEMORY_RATIO * mib(ev) + MEMORY_SLACK_MIB;
            if mib(gv) > bound {
                return Err(Failure::plain(format!(
                    "{name}: {what} {:.1} MiB, over {MEMORY_RATIO} times the reference's {:.1} MiB plus \
                     {MEMORY_SLACK_MIB} MiB: a second copy of the weights, or weights wider than F32?",
                    mib(gv),
                    mib(ev)
                )));
            }
        }
    }
    Ok(())
}

fn batch(g: &mut Gen, n: usize, d: usize) -> Value {
    Value::matrix(n, d, g.floats(n * d, -2.0, 2.0))
}

fn gpu_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for k in 0..3 {
        let d = g.size(3, 12);
        let hidden: Vec<usize> = (0..g.size(1, 3)).map(|_| g.size(4, 32)).collect();
        let widths = [vec![d], hidden.clone(), vec![1]].concat();
        let n = g.size(2, 20);
        let label = format!("random MLP {} ({widths:?}), a batch of {n}", k + 1);
        cases.push(Case::new(label, Value::List(vec![Value::Bytes(mlp(g, &widths)), batch(g, n, d)])));
    }
    let one = mlp(g, &[5, 1]);
    cases.push(Case::new("one layer (logistic regression)", Value::List(vec![Value::Bytes(one), batch(g, 7, 5)])));
    let m = mlp(g, &[6, 8, 1]);
    cases.push(Case::new("a batch of one", Value::List(vec![Value::Bytes(m), batch(g, 1, 6)])));
    cases.push(Case::new(
        "a file without l0 (an error)",
        Value::List(vec![
            Value::Bytes(
                safetensors::serialize(Vec::<(String, safetensors::tensor::TensorView)>::new(), None)
                    .expect("suite: empty file"),
            ),
            batch(g, 2, 3),
        ]),
    ));
    cases
}

/// 4096 rows through the served model's widths, timed on the GPU.
fn gpu_speed(g: &mut Gen) -> Case {
    let model = mlp(g, &SERVED);
    Case::new(
        "4096 x 64 through 64-1024-2048-2048-1, F32",
        Value::List(vec![Value::Bytes(model), batch(g, 4096, SERVED[0])]),
    )
}

/// The odd rows of `digits` (the course's model was trained on the even ones): pixels and label.
fn held_out() -> Vec<(Vec<u8>, u8)> {
    data::text("digits")
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, l)| {
            let v: Vec<u8> =
                l.split(',').map(|x| x.trim().parse().expect("suite: digits.csv holds integers")).collect();
            (v[..64].to_vec(), v[64])
        })
        .collect()
}

fn images(rows: &[&(Vec<u8>, u8)]) -> String {
    let parts: Vec<String> =
        rows.iter().map(|(p, _)| format!("[{}]", p.iter().map(u8::to_string).collect::<Vec<_>>().join(","))).collect();
    format!("{{\"images\":[{}]}}", parts.join(","))
}

/// Three batches of held-out images (32, 32, and 1 to 31), then inputs to refuse; the true labels
/// stay in the grader (the case's secret) for the accuracy shown in the report.
fn digits_cases(g: &mut Gen) -> Vec<Case> {
    let rows = held_out();
    let last = g.size(1, 31);
    let mut pick = |n: usize| -> Vec<&(Vec<u8>, u8)> { (0..n).map(|_| &rows[g.size(0, rows.len() - 1)]).collect() };
    let batches = [pick(32), pick(32), pick(last)];
    let labels: Vec<i64> = batches.iter().flatten().map(|(_, l)| i64::from(*l)).collect();
    let mut s = Scenario::new();
    for (k, b) in batches.iter().enumerate() {
        s = s.request(
            format!("held-out images, batch {} ({} images)", k + 1, b.len()),
            Http::post_json("/v1/digits", images(b)),
        );
    }
    let one = batches[0][0];
    let mut bright = one.0.clone();
    bright[0] = 17;
    s = s
        .request("33 images", Http::post_json("/v1/digits", images(&vec![one; 33])))
        .request("no images", Http::post_json("/v1/digits", "{\"images\": []}"))
        .request(
            "an image of 63 pixels",
            Http::post_json(
                "/v1/digits",
                format!("{{\"images\":[[{}]]}}", one.0[..63].iter().map(u8::to_string).collect::<Vec<_>>().join(",")),
            ),
        )
        .request("a pixel of 17", Http::post_json("/v1/digits", images(&[&(bright, one.1)])))
        .request(
            "a negative pixel",
            Http::post_json("/v1/digits", format!("{{\"images\":[[-1{}]]}}", ",0".repeat(63))),
        );
    let model = Value::Bytes(data::bytes("digits_mlp").to_vec());
    vec![Case::service("the course's digit classifier on held-out images", model, s).with_secret(Value::Ints(labels))]
}

/// The answers as the reference's (to 1e-5); the accuracy on the true labels as a metric.
fn check_digits(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let accuracy = |o: &grader_suite_api::service::Observation| {
        let got: Vec<i64> = (0..3)
            .flat_map(|i| {
                o.response(i)
                    .json()
                    .and_then(|j| j.get("digits").cloned())
                    .and_then(|d| d.as_array().map(|a| a.iter().map(|v| v.as_i64().unwrap_or(-1)).collect::<Vec<_>>()))
                    .unwrap_or_default()
            })
            .collect();
        let truth = ctx.secret.ints();
        got.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len().max(1) as f64
    };
    ctx.metric("accuracy on the held-out images", accuracy(s.student), Some(accuracy(s.reference)), None);
    s.same_answers(1e-5)
}
