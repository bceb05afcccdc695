//! Hidden suites for `stage7::api`: the service started from one of the course's trained models
//! (Stage 2's logistic regression on the breast-cancer data, see [`crate::trained`]), driven by
//! the grader's client side by side with the reference's: its contract on held-out rows and bad
//! input, its graceful shutdown, and its speed under load as ratios to the reference's.

use grader_protocol::Value;
use grader_suite_api::service::{Http, Load, Open, Raw, Scenario, Step, Terminate};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.api.contract", contract_cases, check_contract),
        ExerciseSuite::custom("stage7.api.shutdown", shutdown_cases, check_shutdown),
        ExerciseSuite::custom("stage7.api.load", load_cases, check_load),
    ]
}

/// JSON numbers are compared to this relative error.
const RTOL: f64 = 1e-9;

struct Model {
    weights: Vec<f64>,
    bias: f64,
    version: String,
}

impl Model {
    /// Version `k` of the course's trained model.
    fn of(k: usize) -> Model {
        let t = crate::trained::version(k);
        Model { weights: t.weights, bias: t.bias, version: format!("breast-cancer-v{k}") }
    }
    /// A version drawn at random.
    fn draw(g: &mut Gen) -> Model {
        Model::of(g.size(1, crate::trained::VERSIONS))
    }
    fn input(&self) -> Value {
        Value::List(vec![Value::Floats(self.weights.clone()), self.bias.into(), self.version.clone().into()])
    }
    /// A held-out row of the data set.
    fn features(&self, g: &mut Gen) -> Vec<f64> {
        crate::trained::row(g)
    }
}

fn json_floats(x: &[f64]) -> String {
    let parts: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", parts.join(","))
}

fn v1(x: &[f64]) -> Http {
    Http::post_json("/v1/predict", format!("{{\"features\":{}}}", json_floats(x)))
}

fn v2(xs: &[Vec<f64>]) -> Http {
    let parts: Vec<String> = xs.iter().map(|x| json_floats(x)).collect();
    Http::post_json("/v2/predict", format!("{{\"instances\":[{}]}}", parts.join(",")))
}

/// The contract: liveness and readiness, both API versions on hidden inputs, every error status,
/// the counters; and the service still right after the bad requests.
fn contract_scenario(g: &mut Gen, m: &Model) -> Scenario {
    let d = m.weights.len();
    let mut s = Scenario::new().request("liveness", Http::get("/health")).request("readiness", Http::get("/ready"));
    for k in 0..4 {
        s = s.request(format!("a hidden input ({})", k + 1), v1(&m.features(g)));
    }
    // Inputs far out (a score of exactly 0 or 1 in floating point) and at zero.
    let mut far = m.features(g);
    far.iter_mut().for_each(|x| *x *= 400.0);
    s = s.request("large features (a saturated score)", v1(&far));
    s = s.request("all features zero (the score is σ(b))", v1(&vec![0.0; d]));
    let batch: Vec<Vec<f64>> = (0..g.size(2, 6)).map(|_| m.features(g)).collect();
    s = s.request("a batch of hidden inputs", v2(&batch));
    s = s.request("a batch of one", v2(&[m.features(g)]));
    s = s
        .request("a body that is not JSON", Http::post_json("/v1/predict", "{\"features\": [1.0, 2.0"))
        .request("an empty body", Http::post_json("/v1/predict", ""))
        .request(
            "JSON without the content type",
            Http::new("POST", "/v1/predict")
                .body(format!("{{\"features\":{}}}", json_floats(&m.features(g))).into_bytes()),
        )
        .request("a missing field", Http::post_json("/v1/predict", "{\"values\": [1.0]}"))
        .request("a string where a number is due", Http::post_json("/v1/predict", "{\"features\": [\"1.0\"]}"))
        .request("one feature too few", v1(&m.features(g)[1..]))
        .request("one feature too many", v1(&[m.features(g), vec![1.0]].concat()))
        .request("an instance of the wrong length in a batch", v2(&[m.features(g), vec![1.0; d + 2]]))
        .request("an empty batch", Http::post_json("/v2/predict", "{\"instances\": []}"))
        .request("a batch at the limit (64 instances)", v2(&vec![vec![0.5; d]; 64]))
        .request("a batch over the limit", v2(&vec![vec![0.5; d]; 65]));
    // A body over the limit: 100 KiB of valid JSON.
    let big: Vec<f64> = vec![1.0; 100 * 1024 / 4];
    s = s
        .request("a body over 64 KiB", v1(&big))
        .request("GET on a POST route", Http::get("/v1/predict"))
        .request("a route that does not exist", Http::post_json("/v3/predict", "{}"))
        .request("a hidden input after the bad requests", v1(&m.features(g)))
        .request("the counters", Http::get("/metrics"));
    s
}

fn contract_cases(g: &mut Gen) -> Vec<Case> {
    // Two different versions.
    let first = g.size(1, crate::trained::VERSIONS);
    [first, first % crate::trained::VERSIONS + 1]
        .into_iter()
        .map(|k| {
            let m = Model::of(k);
            let s = contract_scenario(g, &m);
            Case::service(format!("the contract, {} ({} features)", m.version, m.weights.len()), m.input(), s)
        })
        .collect()
}

fn check_contract(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.served().same_answers(RTOL)
}

/// SIGTERM while a slow client is still sending its request: readiness off at once, the request
/// answered, the process gone within two seconds.
fn shutdown_cases(g: &mut Gen) -> Vec<Case> {
    let m = Model::draw(g);
    let req = v1(&m.features(g)).to_bytes();
    let half = req.len() / 2;
    let s = Scenario::new().request("readiness before", Http::get("/ready")).then(
        "SIGTERM while a request is half sent",
        Step::Terminate(Terminate {
            inflight: Some(Raw { bytes: req, chunk: half, pause_ms: 450, timeout_ms: 3000 }),
            signal_after_ms: 150,
            ready: Some(Http::get("/ready").timeout_ms(1000)),
            ready_after_ms: 60,
            exit_within_ms: 2000,
        }),
    );
    vec![Case::service("graceful shutdown", m.input(), s)]
}

fn check_shutdown(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(RTOL)?;
    grader_suite_api::service::check_graceful(s.reference.terminated(1), s.student.terminated(1), "request", "2 s")
}

/// Speed under load, against the reference's measured in alternating rounds: a closed loop at
/// concurrency 8, and an open loop at a rate the reference serves with room to spare.
fn load_cases(g: &mut Gen) -> Vec<Case> {
    let m = Model::draw(g);
    let requests: Vec<Http> = (0..16).map(|_| v1(&m.features(g))).collect();
    let s = Scenario::new()
        .request("a first request", v1(&m.features(g)))
        .then("resident memory after start", Step::Memory)
        .then("closed loop, 8 clients", Step::Load(Load::new(requests.clone(), 8, 1500, 200, 3)))
        .then(
            "open loop, 300 requests per second",
            Step::Open(Open { requests, rate: 300.0, duration_ms: 1500, workers: 16, rounds: 3 }),
        )
        .then("resident memory after the load", Step::Memory);
    vec![Case::service("under load", m.input(), s)]
}

/// How much more memory than the reference's the student's service may take on during the load.
const MEMORY_SLACK_MIB: f64 = 64.0;

/// The student's throughput at least half the reference's, p99 latency at most 3 times the
/// reference's plus 5 ms (the open loop's: the median of its three rounds'), every answer 200
/// and the same for the same request; the memory it takes on during the load at most 4 times the
/// reference's plus 64 MiB (a service that keeps something of every request grows without bound).
fn check_load(ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    s.same_answers(RTOL)?;
    let growth = |o: &grader_suite_api::service::Observation| {
        (o.memory(4).peak_kib as f64 - o.memory(1).rss_kib as f64).max(0.0) / 1024.0
    };
    let (eg, gg) = (growth(s.reference), growth(s.student));
    ctx.metric("memory taken on during the load (MiB)", gg, Some(eg), None);
    ctx.metric(
        "resident memory after start (MiB)",
        s.student.memory(1).rss_kib as f64 / 1024.0,
        Some(s.reference.memory(1).rss_kib as f64 / 1024.0),
        None,
    );
    for step in [2, 3] {
        let (e, g) = (s.reference.load(step), s.student.load(step));
        let name = s.scenario.name(step);
        ctx.metric(&format!("{name}: requests per second"), g.throughput, Some(e.throughput), None);
        ctx.metric(&format!("{name}: p50 latency (ms)"), g.p50_ms, Some(e.p50_ms), None);
        ctx.metric(&format!("{name}: p99 latency (ms)"), g.p99_ms, Some(e.p99_ms), None);
        let cpu = |l: &grader_suite_api::service::LoadStats| {
            let mut v: Vec<f64> = l.rounds.iter().map(|r| r.client_cpu_us).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        ctx.metric(&format!("{name}: the grader's client, CPU per request (µs)"), cpu(g), Some(cpu(e)), None);
        ctx.figure(grader_suite_api::service::latency_figure(&name, e, g));
        if e.not(200) > 0 {
            return Err(Failure::plain(format!(
                "{name}: the reference failed {} requests (a bug in the grader, or a machine far too busy: grade \
                 again)",
                e.not(200)
            )));
        }
        g.all_ok(&name)?;
        if g.inconsistent > 0 {
            return Err(Failure::plain(format!(
                "{name}: {} answers differed from the first answer to the same request",
                g.inconsistent
            )));
        }
    }
    // Memory before speed: a service that keeps something of every request also slows down (page
    // faults, a lock), and the growth is the cause to name.
    if gg > 4.0 * eg + MEMORY_SLACK_MIB {
        return Err(Failure::plain(format!(
            "the service took on {gg:.0} MiB during the load, the reference {eg:.0} MiB: does it keep something of \
             every request?"
        )));
    }
    for step in [2, 3] {
        let (e, g) = (s.reference.load(step), s.student.load(step));
        let name = s.scenario.name(step);
        if step == 2 && g.throughput < 0.5 * e.throughput {
            return Err(Failure::plain(format!(
                "{name}: {:.0} requests per second, less than half the reference's {:.0}",
                g.throughput, e.throughput
            )));
        }
        // The open loop's rounds are 450 requests each: its p99 is the median round's.
        let (which, gp, ep) = if step == 3 {
            ("p99 latency (median of the rounds)", g.median_round_p99_ms(), e.median_round_p99_ms())
        } else {
            ("p99 latency", g.p99_ms, e.p99_ms)
        };
        if gp > 3.0 * ep + 5.0 {
            return Err(Failure::plain(format!(
                "{name}: {which} {gp:.2} ms, more than 3 times the reference's {ep:.2} ms plus 5 ms"
            )));
        }
    }
    Ok(())
}
