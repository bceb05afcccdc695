//! The grader's own HTTP client: single requests, closed and open load loops, raw bytes. Every
//! loop is bounded in count and in time, targets one service's loopback endpoint only, and runs
//! on threads of its own that first enter the service's network namespace.

use crate::loopback::Endpoint;
use grader_suite_api::service::{Http, Load, Open, Raw, Response, Round};
use hdrhistogram::Histogram;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most requests one load round sends, whatever the suite asks.
pub const MAX_REQUESTS: usize = 20_000;
/// The longest one load round lasts, whatever the suite asks.
pub const MAX_ROUND: Duration = Duration::from_secs(10);
/// The most of a body the client keeps.
pub const MAX_BODY: u64 = 64 << 10;
/// The most threads a load round uses.
pub const MAX_CONCURRENCY: usize = 64;

/// The headers a response keeps for the checks.
const KEPT_HEADERS: [&str; 4] = ["content-type", "location", "www-authenticate", "retry-after"];

fn agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    ureq::Agent::new_with_config(config)
}

/// Sends one request with `agent`; the latency is the grader's clock around it.
fn send(agent: &ureq::Agent, ep: &Endpoint, r: &Http) -> Response {
    let start = Instant::now();
    let url = format!("http://{}{}", ep.addr, r.path);
    let mut b = ureq::http::Request::builder().method(r.method.as_str()).uri(&url);
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let req = match b.body(r.body.clone()) {
        Ok(req) => req,
        Err(e) => {
            return Response { error: Some(format!("the suite's request is malformed: {e}")), ..Default::default() }
        }
    };
    match agent.run(req) {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            let headers = KEPT_HEADERS
                .iter()
                .filter_map(|h| {
                    let v = resp.headers().get(*h)?.to_str().ok()?;
                    Some((h.to_string(), v.chars().take(200).collect()))
                })
                .collect();
            let (body, error) = match resp.into_body().with_config().limit(MAX_BODY).read_to_vec() {
                Ok(b) => (b, None),
                Err(e) => (Vec::new(), Some(format!("the body could not be read: {}", short(&e.to_string())))),
            };
            Response { status, content_type, headers, body, ms: start.elapsed().as_secs_f64() * 1e3, error }
        }
        Err(e) => Response {
            status: 0,
            ms: start.elapsed().as_secs_f64() * 1e3,
            error: Some(describe(&e)),
            ..Default::default()
        },
    }
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused: nothing listening".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            std::io::ErrorKind::UnexpectedEof => "the connection closed without an answer".into(),
            _ => short(&io.to_string()),
        },
        other => short(&other.to_string()),
    }
}

/// Runs `f` on a thread of its own inside the endpoint's namespace.
pub fn within<T: Send>(ep: &Endpoint, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            ep.enter().expect("the grader cannot enter its own network namespace");
            f()
        })
        .join()
        .expect("a client thread panicked")
    })
}

/// One request on a fresh connection.
pub fn one(ep: &Endpoint, r: &Http) -> Response {
    within(ep, || send(&agent(Duration::from_millis(r.timeout_ms.clamp(1, 60_000))), ep, r))
}

/// One round's raw numbers.
pub struct RoundResult {
    pub round: Round,
    pub histogram: Histogram<u64>,
    pub statuses: BTreeMap<u16, u64>,
    pub inconsistent: u64,
    pub side: Vec<Response>,
    pub tally: BTreeMap<String, u64>,
}

/// Counts answers by the value of one JSON field.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    fn see(&self, field: Option<&str>, r: &Response) {
        let Some(field) = field else { return };
        let v = r.json().and_then(|j| j.get(field).cloned()).map_or("-".to_string(), |v| match v {
            serde_json::Value::String(s) => s.chars().take(100).collect(),
            v => v.to_string().chars().take(100).collect(),
        });
        let mut m = self.0.lock().unwrap();
        // Bounded: a service that answers a new value every time cannot grow this without end.
        if m.len() < 100 || m.contains_key(&v) {
            *m.entry(v).or_default() += 1;
        }
    }
}

/// The CPU time (user and system) the calling thread has used, in microseconds.
fn thread_cpu_us() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) } != 0 {
        return 0;
    }
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(u.ru_utime) + us(u.ru_stime)
}

/// Adds one client thread's latencies and statuses to the round's.
fn merge(
    hist: &Mutex<Histogram<u64>>,
    statuses: &Mutex<BTreeMap<u16, u64>>,
    local: &Histogram<u64>,
    local_status: BTreeMap<u16, u64>,
) {
    hist.lock().unwrap().add(local).expect("same bounds");
    let mut st = statuses.lock().unwrap();
    for (k, v) in local_status {
        *st.entry(k).or_default() += v;
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds")
}

/// Keeps the first body each request got, and counts the answers that differ from it.
#[derive(Default)]
struct Consistency(Mutex<HashMap<usize, u64>>, AtomicU64);

impl Consistency {
    fn see(&self, index: usize, r: &Response) {
        if r.status == 0 {
            return;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (r.status, &r.body).hash(&mut h);
        let d = h.finish();
        let mut m = self.0.lock().unwrap();
        if *m.entry(index).or_insert(d) != d {
            self.1.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A closed-loop round: `load.concurrency` clients, `load.warmup` uncounted requests, then
/// `load.count` counted ones (both capped), stopping at [`MAX_ROUND`] whatever is left.
pub fn closed(ep: &Endpoint, load: &Load) -> RoundResult {
    let n = load.requests.len().max(1);
    let conc = load.concurrency.clamp(1, MAX_CONCURRENCY);
    let timeout = Duration::from_millis(load.requests.iter().map(|r| r.timeout_ms).max().unwrap_or(5000).min(60_000));
    let warm = load.warmup.min(MAX_REQUESTS);
    let count = load.count.min(MAX_REQUESTS);
    let next = AtomicUsize::new(0);
    let seen = Consistency::default();
    let hist = Mutex::new(histogram());
    let statuses = Mutex::new(BTreeMap::new());
    let start = Instant::now();
    let deadline = start + MAX_ROUND;
    let counted_start = Mutex::new(None::<Instant>);
    let tally = Tally::default();
    let side = Mutex::new(Vec::new());
    let cpu = AtomicU64::new(0);
    std::thread::scope(|s| {
        if !load.side.is_empty() {
            s.spawn(|| {
                ep.enter().expect("the grader cannot enter its own network namespace");
                // The offsets count from the counted requests' start (or the round's, without warm-up).
                let from = loop {
                    if let Some(t) = *counted_start.lock().unwrap() {
                        break t;
                    }
                    if Instant::now() >= deadline || warm == 0 {
                        break start;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                };
                let agent = agent(timeout);
                for (after, r) in load.side.iter().take(16) {
                    let due = from + Duration::from_millis((*after).min(MAX_ROUND.as_millis() as u64));
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    side.lock().unwrap().push(send(&agent, ep, r));
                }
            });
        }
        for _ in 0..conc {
            s.spawn(|| {
                ep.enter().expect("the grader cannot enter its own network namespace");
                let agent = agent(timeout);
                let mut local = histogram();
                let mut local_status: BTreeMap<u16, u64> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= warm + count || Instant::now() >= deadline {
                        break;
                    }
                    if i == warm {
                        *counted_start.lock().unwrap() = Some(Instant::now());
                    }
                    if load.requests.is_empty() {
                        break;
                    }
                    let r = send(&agent, ep, &load.requests[i % n]);
                    seen.see(i % n, &r);
                    if i >= warm {
                        tally.see(load.tally.as_deref(), &r);
                        let _ = local.record(((r.ms * 1e3) as u64).max(1));
                        *local_status.entry(r.status).or_default() += 1;
                    }
                }
                merge(&hist, &statuses, &local, local_status);
                cpu.fetch_add(thread_cpu_us(), Ordering::Relaxed);
            });
        }
    });
    let from = counted_start.into_inner().unwrap().unwrap_or(start);
    let mut r = finish(hist.into_inner().unwrap(), statuses.into_inner().unwrap(), seen, from.elapsed());
    // Warm-up requests cost the client too: the overhead is per request sent.
    r.round.client_cpu_us = cpu.into_inner() as f64 / (r.round.sent + warm as u64).max(1) as f64;
    r.side = side.into_inner().unwrap();
    r.tally = tally.0.into_inner().unwrap();
    r
}

fn finish(h: Histogram<u64>, statuses: BTreeMap<u16, u64>, seen: Consistency, took: Duration) -> RoundResult {
    let sent = h.len();
    let ms = |q: f64| if sent == 0 { 0.0 } else { h.value_at_quantile(q) as f64 / 1e3 };
    RoundResult {
        round: Round {
            sent,
            throughput: if took.as_secs_f64() > 0.0 { sent as f64 / took.as_secs_f64() } else { 0.0 },
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            client_cpu_us: 0.0,
        },
        histogram: h,
        statuses,
        inconsistent: seen.1.load(Ordering::Relaxed),
        side: Vec::new(),
        tally: BTreeMap::new(),
    }
}

/// An open-loop round: request `k` is due at `k / rate` seconds; a pool of `workers` connections
/// takes them in order, and each latency counts from the request's due time (so a stall is
/// charged to every request that waited behind it: no coordinated omission).
pub fn open(ep: &Endpoint, o: &Open) -> RoundResult {
    let n = o.requests.len().max(1);
    let rate = o.rate.clamp(1.0, 50_000.0);
    let dur = Duration::from_millis(o.duration_ms).min(MAX_ROUND);
    let total = ((dur.as_secs_f64() * rate) as usize).min(MAX_REQUESTS);
    let workers = o.workers.clamp(1, MAX_CONCURRENCY);
    let timeout = Duration::from_millis(o.requests.iter().map(|r| r.timeout_ms).max().unwrap_or(5000).min(60_000));
    let next = AtomicUsize::new(0);
    let seen = Consistency::default();
    let hist = Mutex::new(histogram());
    let statuses = Mutex::new(BTreeMap::new());
    let start = Instant::now();
    let deadline = start + MAX_ROUND + timeout;
    let cpu = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                ep.enter().expect("the grader cannot enter its own network namespace");
                let agent = agent(timeout);
                let mut local = histogram();
                let mut local_status: BTreeMap<u16, u64> = BTreeMap::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= total || o.requests.is_empty() {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(k as f64 / rate);
                    let now = Instant::now();
                    if now >= deadline {
                        // Never sent: charged as unanswered.
                        *local_status.entry(0).or_default() += 1;
                        continue;
                    }
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    let r = send(&agent, ep, &o.requests[k % n]);
                    seen.see(k % n, &r);
                    let from_due = due.elapsed();
                    let _ = local.record((from_due.as_micros() as u64).max(1));
                    *local_status.entry(r.status).or_default() += 1;
                }
                merge(&hist, &statuses, &local, local_status);
                cpu.fetch_add(thread_cpu_us(), Ordering::Relaxed);
            });
        }
    });
    let mut r = finish(hist.into_inner().unwrap(), statuses.into_inner().unwrap(), seen, start.elapsed());
    r.round.client_cpu_us = cpu.into_inner() as f64 / r.round.sent.max(1) as f64;
    r
}

/// Raw bytes on a fresh connection, `chunk` at a time; then the status line read back.
pub fn raw(ep: &Endpoint, r: &Raw) -> Response {
    within(ep, || {
        let start = Instant::now();
        let timeout = Duration::from_millis(r.timeout_ms.clamp(1, 60_000));
        let fail =
            |e: String| Response { error: Some(e), ms: start.elapsed().as_secs_f64() * 1e3, ..Default::default() };
        let mut s = match std::net::TcpStream::connect_timeout(&ep.addr, timeout) {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot connect: {e}")),
        };
        let _ = s.set_read_timeout(Some(timeout));
        let _ = s.set_write_timeout(Some(timeout));
        let deadline = start + timeout;
        for part in r.bytes.chunks(r.chunk.max(1)) {
            if Instant::now() >= deadline {
                break;
            }
            // The service may answer (and close) before the client has written everything.
            if s.write_all(part).is_err() {
                break;
            }
            if r.pause_ms > 0 {
                std::thread::sleep(Duration::from_millis(r.pause_ms));
            }
        }
        let mut buf = Vec::new();
        let _ = (&mut s).take(MAX_BODY).read_to_end(&mut buf);
        let head = String::from_utf8_lossy(&buf[..buf.len().min(4096)]).into_owned();
        let status = head
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("HTTP/1.1 ").or_else(|| l.strip_prefix("HTTP/1.0 ")))
            .and_then(|l| l.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Response {
            status,
            content_type: String::new(),
            headers: Default::default(),
            body: buf.splitn_body(),
            ms: start.elapsed().as_secs_f64() * 1e3,
            error: (status == 0).then(|| {
                if buf.is_empty() {
                    "the connection closed without an answer".to_string()
                } else {
                    "the answer is not HTTP".to_string()
                }
            }),
        }
    })
}

trait BodyAfterHead {
    fn splitn_body(&self) -> Vec<u8>;
}
impl BodyAfterHead for Vec<u8> {
    fn splitn_body(&self) -> Vec<u8> {
        match self.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => self[i + 4..].to_vec(),
            None => Vec::new(),
        }
    }
}
