//! Service exercises: what the grader's client does to a running service (a [`Scenario`] of
//! [`Step`]s) and what it saw ([`Observation`]). A suite writes the scenario; the engine runs it
//! against the reference's service and the student's, side by side, and hands both observations
//! to the check ([`crate::suite::CheckCtx::service`]). The student's code never sees a scenario:
//! only the requests.

use crate::suite::Failure;
use std::collections::BTreeMap;

/// One HTTP request of the grader's client.
#[derive(Clone, Debug, PartialEq)]
pub struct Http {
    pub method: String,
    /// Path and query (`/v1/predict?x=1`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client gives up after this long (status 0, "timed out").
    pub timeout_ms: u64,
    /// Whether [`Served::same_answers`] compares the body with the reference's (off for bodies
    /// that differ by design: a job's random id).
    pub compare_body: bool,
}

impl Http {
    pub fn new(method: &str, path: &str) -> Http {
        Http {
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout_ms: 5000,
            compare_body: true,
        }
    }
    pub fn get(path: &str) -> Http {
        Http::new("GET", path)
    }
    /// A POST with a JSON body (sent as given: it may be malformed on purpose).
    pub fn post_json(path: &str, body: impl Into<String>) -> Http {
        Http::new("POST", path).header("content-type", "application/json").body(body.into().into_bytes())
    }
    pub fn header(mut self, name: &str, value: &str) -> Http {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn body(mut self, body: Vec<u8>) -> Http {
        self.body = body;
        self
    }
    pub fn timeout_ms(mut self, ms: u64) -> Http {
        self.timeout_ms = ms;
        self
    }
    /// Compares the status only (see `compare_body`).
    pub fn status_only(mut self) -> Http {
        self.compare_body = false;
        self
    }

    /// The request as HTTP/1.1 bytes (`Connection: close`), for a [`Raw`] step.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n", self.method, self.path);
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", self.body.len()));
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// A closed loop: `concurrency` clients, each sending its next request when the last answered,
/// `count` requests in all (the list cycled), after `warmup` uncounted ones; run in `rounds`
/// alternating with the other service (the other one stopped meanwhile).
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    pub requests: Vec<Http>,
    pub concurrency: usize,
    pub count: usize,
    pub warmup: usize,
    pub rounds: usize,
    /// Requests sent on a connection of their own while the load runs, each this many
    /// milliseconds after the round's counted requests start (an operator's action under load:
    /// a rollback); observed in [`LoadStats::side`] (the last round's).
    pub side: Vec<(u64, Http)>,
    /// A JSON field of the answers whose values are counted ([`LoadStats::tally`]): which model
    /// version answered, for instance.
    pub tally: Option<String>,
}

impl Load {
    /// `count` requests (the list cycled) from `concurrency` clients after `warmup`, `rounds`
    /// times, nothing on the side.
    pub fn new(requests: Vec<Http>, concurrency: usize, count: usize, warmup: usize, rounds: usize) -> Load {
        Load { requests, concurrency, count, warmup, rounds, side: Vec::new(), tally: None }
    }
}

/// An open loop: requests sent at a fixed `rate` per second for `duration_ms`, whatever the
/// answers; each latency counts from when its request was due, not when it left, so that a
/// service that stalls is charged for the requests queued behind the stall.
#[derive(Clone, Debug, PartialEq)]
pub struct Open {
    pub requests: Vec<Http>,
    pub rate: f64,
    pub duration_ms: u64,
    /// Connections the client may hold open at once.
    pub workers: usize,
    pub rounds: usize,
}

/// Bytes written on a fresh connection as they are (malformed requests), `chunk` bytes at a
/// time with `pause_ms` between chunks (a slow client); the status line is read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Raw {
    pub bytes: Vec<u8>,
    pub chunk: usize,
    pub pause_ms: u64,
    pub timeout_ms: u64,
}

/// SIGTERM with a request in flight: `inflight` starts (raw bytes, so that it can be kept in
/// flight by a slow client), the signal follows `signal_after_ms` later, `ready` is asked
/// `ready_after_ms` after the signal, and the service must exit within `exit_within_ms` (then
/// it is killed).
#[derive(Clone, Debug, PartialEq)]
pub struct Terminate {
    pub inflight: Option<Raw>,
    pub signal_after_ms: u64,
    pub ready: Option<Http>,
    pub ready_after_ms: u64,
    pub exit_within_ms: u64,
}

/// How the dependency the grader plays (a feature store the service must call) behaves from
/// this step on: every call answered after `latency_ms`; every `fail_every`-th call (1: all, 0:
/// none) answered with a failure; with `hang`, calls never answered at all. `table` (when given)
/// replaces what it holds: key → answer; a key it does not hold is answered "not found".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    pub latency_ms: u64,
    pub fail_every: u32,
    pub hang: bool,
    pub table: Option<BTreeMap<String, Vec<u8>>>,
}

/// The same request again and again, `interval_ms` apart, until the JSON field `field` of the
/// answer is `equals` or `max_ms` have passed; observed: the last answer. A path may name an
/// earlier answer of the same service: `{step3.location}` is step 3's `Location` header,
/// `{step3.job_id}` its JSON field `job_id` (so each service is asked about its own jobs).
#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    pub request: Http,
    pub field: String,
    pub equals: String,
    pub interval_ms: u64,
    pub max_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// One request (its path may name an earlier answer, as in [`Poll`]).
    Request(Http),
    Poll(Poll),
    Load(Load),
    Open(Open),
    Raw(Raw),
    Terminate(Terminate),
    /// The service's resident memory now, and its peak.
    Memory,
    Pause(u64),
    /// The dependency's behaviour from now on; observed: the calls the service made to it since
    /// the last such step ([`Observed::Calls`]).
    Dependency(Dependency),
    /// SIGKILL under write load, then the same service started again on the same data.
    Crash(Crash),
}

/// SIGKILL while clients write, then a restart: the service's process group is killed
/// `kill_after_ms` after the first write, and the service is started again the same way, on the
/// same data directory (the only thing that survives). Observed: [`Observed::Crashed`].
#[derive(Clone, Debug, PartialEq)]
pub struct Crash {
    /// Sent by `concurrency` clients, client `k` sending writes `k`, `k + concurrency`, ... in
    /// order, each waiting for its answer, until the kill.
    pub writes: Vec<Http>,
    pub concurrency: usize,
    pub kill_after_ms: u64,
    /// After the restart, both are sent every `poll_ms` until both answer 200 (or
    /// `ready_within_ms` after the kill): readiness, and a request that needs the model.
    pub ready: Http,
    pub probe: Http,
    pub poll_ms: u64,
    pub ready_within_ms: u64,
    /// `reads[i]` reads `writes[i]` back once the service is ready; sent for the acknowledged
    /// writes (a 2xx answer) only.
    pub reads: Vec<Http>,
}

/// What the client saw of a [`Crash`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Crashed {
    /// Each write's status before the kill, by index (0: no answer; `None`: never sent).
    pub writes: Vec<Option<u16>>,
    /// Milliseconds from the first write to the kill.
    pub killed_at_ms: f64,
    /// Why the service did not start again, if it did not.
    pub restart_error: Option<String>,
    /// The polls after the kill: (ms since the kill, readiness's status, the probe's status).
    pub polls: Vec<(f64, u16, u16)>,
    /// Milliseconds from the kill to the first poll where both answered 200.
    pub ready_ms: Option<f64>,
    /// The read-back answers of the acknowledged writes: (write index, answer).
    pub reads: Vec<(usize, Response)>,
}

/// What the client does, in order, each step with a label a student can read ("a body that is
/// not JSON"): failures name the step by it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scenario {
    pub steps: Vec<Step>,
    pub labels: Vec<String>,
}

impl Scenario {
    pub fn new() -> Scenario {
        Scenario::default()
    }
    pub fn then(mut self, label: impl Into<String>, step: Step) -> Scenario {
        self.steps.push(step);
        self.labels.push(label.into());
        self
    }
    pub fn request(self, label: impl Into<String>, r: Http) -> Scenario {
        self.then(label, Step::Request(r))
    }
    /// `step i (label)` for messages.
    pub fn name(&self, i: usize) -> String {
        let what = match &self.steps[i] {
            Step::Request(r) => format!("{} {}", r.method, r.path),
            Step::Poll(p) => format!("{} {} until {} is {}", p.request.method, p.request.path, p.field, p.equals),
            Step::Raw(_) => "raw bytes".into(),
            Step::Load(_) => "closed-loop load".into(),
            Step::Open(_) => "open-loop load".into(),
            Step::Terminate(_) => "SIGTERM".into(),
            Step::Memory => "memory".into(),
            Step::Pause(_) => "pause".into(),
            Step::Dependency(_) => "the dependency".into(),
            Step::Crash(_) => "SIGKILL and restart".into(),
        };
        format!("step {} ({what}: {})", i + 1, self.labels[i])
    }
}

/// One answer (or none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// 0 when nothing came back (see `error`).
    pub status: u16,
    pub content_type: String,
    /// The headers the checks read, lower-cased names: `location`, `www-authenticate`,
    /// `retry-after`, `content-type` (the first value of each, as sent).
    pub headers: BTreeMap<String, String>,
    /// At most 64 KiB of it.
    pub body: Vec<u8>,
    pub ms: f64,
    /// Why nothing came back: refused, reset, timed out.
    pub error: Option<String>,
}

impl Response {
    /// A header the client kept (see `headers`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// `status 200` or `no answer (timed out)`, for messages.
    pub fn describe(&self) -> String {
        match &self.error {
            Some(e) if self.status == 0 => format!("no answer ({e})"),
            _ => format!("status {}", self.status),
        }
    }
}

/// One round of a load step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    pub sent: u64,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The CPU time the grader's client threads spent per request, in microseconds: the load
    /// client's own overhead, on the cores it shares with the service.
    pub client_cpu_us: f64,
}

/// What a load step saw, over its rounds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadStats {
    pub rounds: Vec<Round>,
    /// Answers by status, over every round (0: no answer).
    pub statuses: BTreeMap<u16, u64>,
    /// Answers whose body was not what the same request got first in this step.
    pub inconsistent: u64,
    /// The side requests' answers (the last round's).
    pub side: Vec<Response>,
    /// Counted answers by the value of the load's `tally` field (`-` where it is missing).
    pub tally: BTreeMap<String, u64>,
    /// Latency histogram over every round: (upper bound in ms, count).
    pub histogram: Vec<(f64, u64)>,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The median round's requests per second.
    pub throughput: f64,
}

impl LoadStats {
    /// Answers with a status other than `ok`, and requests without an answer.
    pub fn not(&self, ok: u16) -> u64 {
        self.statuses.iter().filter(|(s, _)| **s != ok).map(|(_, n)| n).sum()
    }
    pub fn total(&self) -> u64 {
        self.statuses.values().sum()
    }
    /// The median round's p99 latency: a short load's p99 over every round is a handful of
    /// requests, which one stall of the machine (not of the service) decides; a service that is
    /// slow is slow in most rounds.
    pub fn median_round_p99_ms(&self) -> f64 {
        let mut v: Vec<f64> = self.rounds.iter().map(|r| r.p99_ms).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(self.p99_ms)
    }
    /// Every counted request answered 200; the failure names the load step `name` and the
    /// statuses seen.
    pub fn all_ok(&self, name: &str) -> Result<(), Failure> {
        if self.not(200) == 0 {
            return Ok(());
        }
        Err(Failure::plain(format!(
            "{name}: {} of {} requests were not answered 200 ({:?})",
            self.not(200),
            self.total(),
            self.statuses
        )))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Terminated {
    pub inflight: Option<Response>,
    pub ready: Option<Response>,
    /// Milliseconds from SIGTERM to exit; `None`: still running at the bound, killed.
    pub exit_ms: Option<f64>,
    /// Its exit code when it exited by itself (`None`: killed by a signal, or by the grader).
    pub exit_code: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    Response(Response),
    Load(LoadStats),
    Terminated(Terminated),
    Memory(Memory),
    Paused,
    /// The calls the service made to the dependency since the last dependency step.
    Calls(u64),
    Crashed(Crashed),
    /// Not run: the service had died before this step.
    Skipped,
}

/// Everything the client saw of one service, step by step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observation {
    pub steps: Vec<Observed>,
    /// How the service ended when it ended unasked (a crash, an exit): its post-mortem.
    pub died: Option<String>,
}

impl Observation {
    pub fn response(&self, step: usize) -> &Response {
        match &self.steps[step] {
            Observed::Response(r) => r,
            other => panic!("suite: step {step} is not a request but {other:?}"),
        }
    }
    pub fn load(&self, step: usize) -> &LoadStats {
        match &self.steps[step] {
            Observed::Load(l) => l,
            other => panic!("suite: step {step} is not a load but {other:?}"),
        }
    }
    pub fn terminated(&self, step: usize) -> &Terminated {
        match &self.steps[step] {
            Observed::Terminated(t) => t,
            other => panic!("suite: step {step} is not a termination but {other:?}"),
        }
    }
    pub fn crashed(&self, step: usize) -> &Crashed {
        match &self.steps[step] {
            Observed::Crashed(c) => c,
            other => panic!("suite: step {step} is not a crash but {other:?}"),
        }
    }
    pub fn memory(&self, step: usize) -> &Memory {
        match &self.steps[step] {
            Observed::Memory(m) => m,
            other => panic!("suite: step {step} is not a memory reading but {other:?}"),
        }
    }
    pub fn calls(&self, step: usize) -> u64 {
        match &self.steps[step] {
            Observed::Calls(n) => *n,
            other => panic!("suite: step {step} is not a dependency step but {other:?}"),
        }
    }
    /// Whether step `step` ran (the service was still alive).
    pub fn ran(&self, step: usize) -> bool {
        !matches!(self.steps.get(step), None | Some(Observed::Skipped))
    }
}

/// The two services' observations of one case, and the scenario that made them.
#[derive(Clone, Copy, Debug)]
pub struct Served<'a> {
    pub scenario: &'a Scenario,
    pub reference: &'a Observation,
    pub student: &'a Observation,
}

impl Served<'_> {
    /// Every request step (and raw one) answered as the reference answered: the same status;
    /// for a reference's JSON answer with status 200, the same JSON (numbers within `rtol`
    /// relative, 1e-12 absolute); for an error status that the reference explains in a JSON
    /// object's string `error`, the same shape (the words are free);
    /// for Prometheus text (`/metrics`), the same value for every series the reference shows.
    pub fn same_answers(&self, rtol: f64) -> Result<(), Failure> {
        for (i, step) in self.scenario.steps.iter().enumerate() {
            let compare_body = match step {
                Step::Request(r) => r.compare_body,
                Step::Poll(p) => p.request.compare_body,
                Step::Raw(_) => true,
                _ => continue,
            };
            let (e, g) = (self.reference.response(i), self.student.response(i));
            let at = |m: String| Failure::plain(format!("{}: {m}", self.scenario.name(i)));
            if e.status == 0 {
                return Err(Failure::plain(format!(
                    "{}: the reference got no answer ({}) (a bug in the grader, not in your code: please report it)",
                    self.scenario.name(i),
                    e.error.as_deref().unwrap_or("?")
                )));
            }
            if g.status != e.status {
                return Err(at(format!("expected status {}, got {}", e.status, g.describe())));
            }
            if !compare_body {
                continue;
            }
            if e.content_type.starts_with("text/plain") && e.body.starts_with(b"# ") {
                metrics_equal(e, g).map_err(at)?;
            } else if e.status == 200 {
                if let Some(ej) = e.json() {
                    let Some(gj) = g.json() else {
                        return Err(at("the body is not JSON".into()));
                    };
                    json_close(&ej, &gj, rtol, "").map_err(at)?;
                }
            } else if e.status >= 400 && e.json().is_some_and(|j| j.get("error").is_some_and(|v| v.is_string())) {
                let ok = g.json().is_some_and(|j| j.get("error").is_some_and(|v| v.is_string()));
                if !ok {
                    return Err(at(format!(
                        "status {} is right, but the body must be JSON with a string field \"error\"",
                        g.status
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The samples of Prometheus text: `name{labels}` → value (comments and blank lines skipped).
pub fn prometheus(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (k, v) = l.trim().rsplit_once(' ')?;
            Some((k.replace(' ', ""), v.parse().ok()?))
        })
        .collect()
}

fn metrics_equal(e: &Response, g: &Response) -> Result<(), String> {
    let want = prometheus(&String::from_utf8_lossy(&e.body));
    let got = prometheus(&String::from_utf8_lossy(&g.body));
    for (k, v) in &want {
        match got.get(k) {
            None => return Err(format!("the series {k} is missing")),
            Some(x) if x != v => return Err(format!("{k} is {x}, but the client's requests make it {v}")),
            _ => {}
        }
    }
    Ok(())
}

/// Two JSON values equal, numbers within `rtol`; the error names the path.
pub fn json_close(e: &serde_json::Value, g: &serde_json::Value, rtol: f64, at: &str) -> Result<(), String> {
    use serde_json::Value as J;
    let here = if at.is_empty() { "the body".to_string() } else { format!("`{at}`") };
    match (e, g) {
        (J::Number(a), J::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(f64::NAN));
            if (a - b).abs() <= 1e-12 + rtol * a.abs() {
                Ok(())
            } else {
                Err(format!("{here} differs from the expected number by {:.3e}", (a - b).abs()))
            }
        }
        (J::Object(a), J::Object(b)) => {
            for (k, v) in a {
                let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                match b.get(k) {
                    None => return Err(format!("`{path}` is missing")),
                    Some(w) => json_close(v, w, rtol, &path)?,
                }
            }
            Ok(())
        }
        (J::Array(a), J::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{here} has {} elements, expected {}", b.len(), a.len()));
            }
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                json_close(v, w, rtol, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (a, b) if a == b => Ok(()),
        (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => {
            Err(format!("{here} is {}, expected {}", kind(b), kind(a)))
        }
        _ => Err(format!("{here} is not the expected value")),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A [`Terminate`] step judged as a load balancer needs it: readiness 503 at once after SIGTERM,
/// the request in flight answered 200, an exit with status 0 within the step's bound (`bound`, in
/// words: "2 s"). `what` names the request in flight in messages ("request", "prediction").
pub fn check_graceful(e: &Terminated, g: &Terminated, what: &str, bound: &str) -> Result<(), Failure> {
    let (Some(e_ready), Some(g_ready)) = (&e.ready, &g.ready) else {
        panic!("suite: a graceful-shutdown step asks readiness")
    };
    let (Some(e_in), Some(g_in)) = (&e.inflight, &g.inflight) else {
        panic!("suite: a graceful-shutdown step sends a request")
    };
    if e_ready.status != 503 || e_in.status != 200 || e.exit_code != Some(0) {
        return Err(Failure::plain(format!(
            "the reference's shutdown went wrong (readiness {}, the {what} in flight {}, exit {:?}): a bug in the \
             grader, not in your code: please report it",
            e_ready.describe(),
            e_in.describe(),
            e.exit_code
        )));
    }
    if g_ready.status != 503 {
        return Err(Failure::plain(format!(
            "readiness just after SIGTERM: expected status 503 (draining), got {}: a load balancer would keep \
             sending requests to a service that is going away",
            g_ready.describe()
        )));
    }
    if g_in.status != 200 {
        return Err(Failure::plain(format!(
            "the {what} in flight when SIGTERM came: expected status 200, got {}: requests already accepted must \
             be finished",
            g_in.describe()
        )));
    }
    match (g.exit_ms, g.exit_code) {
        (None, _) => Err(Failure::plain(format!("still running {bound} after SIGTERM: killed"))),
        (Some(_), Some(0)) => Ok(()),
        (Some(_), code) => Err(Failure::plain(format!("exited after SIGTERM with {code:?}, not 0"))),
    }
}

/// Both services' latency histograms of a load step, as curves (share of requests per
/// latency bucket).
pub fn latency_figure(title: &str, reference: &LoadStats, student: &LoadStats) -> grader_report::Figure {
    let curve = |name: &str, l: &LoadStats| {
        let total = l.histogram.iter().map(|(_, n)| n).sum::<u64>().max(1) as f64;
        grader_report::Series {
            name: name.into(),
            points: l.histogram.iter().map(|(ms, n)| [*ms, *n as f64 / total]).collect(),
        }
    };
    grader_report::Figure {
        title: title.into(),
        kind: "lines".into(),
        x_label: "latency (ms, bucket's upper bound)".into(),
        y_label: "share of requests".into(),
        series: vec![curve("yours", student), curve("reference", reference)],
        matrix: Vec::new(),
        labels: Vec::new(),
    }
}
