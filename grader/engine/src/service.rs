//! Running a service exercise's case: both services started the same way, the suite's scenario
//! played against each, side by side, and what the client saw handed to the check.
//!
//! Each case gets fresh processes (a crash costs that case only). While one service is driven,
//! the other is stopped (SIGSTOP to its process group), so that neither runs while the other is
//! measured; load steps alternate rounds between them. Every process is gone when the case ends,
//! and the client's loops are bounded (see [`crate::load`]).

use crate::load;
use crate::probe::Probe;
use grader_suite_api::service::{
    Crash, Crashed, Http, LoadStats, Memory, Observation, Observed, Poll, Response, Round, Scenario, Step, Terminate,
    Terminated,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// Which of the two services.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    Reference,
    Student,
}

/// The two running services of a case.
pub struct Pair<'a> {
    pub reference: &'a mut Probe,
    pub student: &'a mut Probe,
}

impl Pair<'_> {
    fn get(&mut self, side: Side) -> &mut Probe {
        match side {
            Side::Reference => self.reference,
            Side::Student => self.student,
        }
    }

    /// Lets `side` run and stops the other.
    fn only(&mut self, side: Side) {
        let other = if side == Side::Reference { Side::Student } else { Side::Reference };
        self.get(other).pause();
        self.get(side).resume();
    }
}

/// Plays `scenario` against both services (already started by their calls) and returns what
/// the client saw of each: (reference, student). Both processes are gone afterwards.
pub fn play(scenario: &Scenario, pair: &mut Pair) -> (Observation, Observation) {
    let mut obs = [Observation::default(), Observation::default()];
    let sides = [Side::Reference, Side::Student];
    for step in &scenario.steps {
        // Who is still there to be asked.
        let mut alive = [false; 2];
        for (i, side) in sides.iter().enumerate() {
            if obs[i].died.is_none() {
                if let Some(how) = pair.get(*side).ended() {
                    obs[i].died = Some(how);
                }
            }
            alive[i] = obs[i].died.is_none() && pair.get(*side).pid().is_some();
        }
        let seen: [Observed; 2] = match step {
            Step::Load(l) => {
                let mut rounds: [Vec<load::RoundResult>; 2] = [Vec::new(), Vec::new()];
                for _ in 0..l.rounds.clamp(1, 9) {
                    for (i, side) in sides.iter().enumerate() {
                        if alive[i] {
                            pair.only(*side);
                            let ep = pair.get(*side).endpoint().expect("a service has an endpoint");
                            rounds[i].push(load::closed(&ep, l));
                        }
                    }
                }
                let [a, b] = rounds;
                [stats(a, alive[0]), stats(b, alive[1])]
            }
            Step::Open(o) => {
                let mut rounds: [Vec<load::RoundResult>; 2] = [Vec::new(), Vec::new()];
                for _ in 0..o.rounds.clamp(1, 9) {
                    for (i, side) in sides.iter().enumerate() {
                        if alive[i] {
                            pair.only(*side);
                            let ep = pair.get(*side).endpoint().expect("a service has an endpoint");
                            rounds[i].push(load::open(&ep, o));
                        }
                    }
                }
                let [a, b] = rounds;
                [stats(a, alive[0]), stats(b, alive[1])]
            }
            _ => {
                let mut out = [Observed::Skipped, Observed::Skipped];
                for (i, side) in sides.iter().enumerate() {
                    if !alive[i] {
                        continue;
                    }
                    pair.only(*side);
                    out[i] = once(step, pair.get(*side), &obs[i].steps);
                }
                out
            }
        };
        let [a, b] = seen;
        obs[0].steps.push(a);
        obs[1].steps.push(b);
    }
    for (i, side) in sides.iter().enumerate() {
        if obs[i].died.is_none() {
            if let Some(how) = pair.get(*side).ended() {
                obs[i].died = Some(how);
            }
        }
        pair.get(*side).kill();
    }
    let [r, s] = obs;
    (r, s)
}

/// `{stepN.location}` and `{stepN.field}` in a request's path, from this service's earlier
/// answers (steps numbered from 1, as in messages). A missing value leaves `-`.
fn fill(r: &Http, before: &[Observed]) -> Http {
    let mut path = r.path.clone();
    while let Some(start) = path.find("{step") {
        let Some(len) = path[start..].find('}') else { break };
        let inner = &path[start + 5..start + len];
        let value = inner.split_once('.').and_then(|(n, what)| {
            let Observed::Response(resp) = before.get(n.parse::<usize>().ok()?.checked_sub(1)?)? else { return None };
            if what == "location" {
                resp.header("location").map(str::to_string)
            } else {
                match resp.json()?.get(what)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    v => Some(v.to_string()),
                }
            }
        });
        // Only a path's own characters: a service's answer cannot smuggle a host or a scheme.
        let value: String = value
            .unwrap_or_else(|| "-".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(*c))
            .take(200)
            .collect();
        path.replace_range(start..start + len + 1, &value);
    }
    Http { path, ..r.clone() }
}

fn poll(ep: &crate::loopback::Endpoint, p: &Poll, before: &[Observed]) -> Response {
    let r = fill(&p.request, before);
    let start = std::time::Instant::now();
    let max = Duration::from_millis(p.max_ms.min(30_000));
    loop {
        let resp = load::one(ep, &r);
        let done = resp.json().and_then(|j| j.get(&p.field).cloned()).is_some_and(|v| match v {
            serde_json::Value::String(s) => s == p.equals,
            v => serde_json::to_string(&v).is_ok_and(|t| t == p.equals),
        });
        if done || resp.status == 0 || start.elapsed() >= max {
            return resp;
        }
        std::thread::sleep(Duration::from_millis(p.interval_ms.clamp(1, 5000)));
    }
}

/// A step that is not a load, against one service; `before` are its earlier observations.
fn once(step: &Step, probe: &mut Probe, before: &[Observed]) -> Observed {
    let ep = probe.endpoint().expect("a service has an endpoint");
    match step {
        Step::Request(r) => Observed::Response(load::one(&ep, &fill(r, before))),
        Step::Poll(p) => Observed::Response(poll(&ep, p, before)),
        Step::Raw(r) => Observed::Response(load::raw(&ep, r)),
        Step::Memory => {
            let (rss_kib, peak_kib) = probe.memory().unwrap_or((0, 0));
            Observed::Memory(Memory { rss_kib, peak_kib })
        }
        Step::Pause(ms) => {
            std::thread::sleep(Duration::from_millis((*ms).min(10_000)));
            Observed::Paused
        }
        Step::Terminate(t) => Observed::Terminated(terminate(t, probe)),
        Step::Dependency(plan) => Observed::Calls(probe.dependency().map_or(0, |d| d.set(plan))),
        Step::Crash(c) => Observed::Crashed(crash(c, probe)),
        Step::Load(_) | Step::Open(_) => unreachable!("loads alternate between the services"),
    }
}

/// The most writes a crash step sends, and the most clients sending them.
const MAX_CRASH_WRITES: usize = 5_000;
const MAX_CRASH_CLIENTS: usize = 16;

/// SIGKILL under write load, then the same call again on the same data (see [`Crash`]).
fn crash(c: &Crash, probe: &mut Probe) -> Crashed {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    use std::time::Instant;
    let ep = probe.endpoint().expect("a service has an endpoint");
    let writes = &c.writes[..c.writes.len().min(MAX_CRASH_WRITES)];
    let clients = c.concurrency.clamp(1, MAX_CRASH_CLIENTS);
    let statuses: Mutex<Vec<Option<u16>>> = Mutex::new(vec![None; writes.len()]);
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let mut out = Crashed::default();
    std::thread::scope(|s| {
        for k in 0..clients {
            let (ep, statuses, stop) = (ep.clone(), &statuses, &stop);
            s.spawn(move || {
                for i in (k..writes.len()).step_by(clients) {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let status = load::one(&ep, &writes[i]).status;
                    statuses.lock().unwrap()[i] = Some(status);
                    if status == 0 {
                        break;
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(c.kill_after_ms.min(10_000)));
        out.killed_at_ms = start.elapsed().as_secs_f64() * 1e3;
        probe.kill();
        stop.store(true, Ordering::SeqCst);
    });
    out.writes = statuses.into_inner().unwrap();
    let killed = Instant::now();
    let within = Duration::from_millis(c.ready_within_ms.clamp(100, 30_000));
    let ep = match probe.start() {
        Ok(Some(ep)) => ep,
        Ok(None) => {
            out.restart_error = Some("the restarted process has no listener (course bug)".into());
            return out;
        }
        Err(e) => {
            out.restart_error = Some(e);
            return out;
        }
    };
    let started = AtomicBool::new(false);
    let polls: Mutex<Vec<(f64, u16, u16)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let (ep, polls, started) = (ep.clone(), &polls, &started);
        let poller = s.spawn(move || {
            loop {
                let t = killed.elapsed();
                let ready = load::one(&ep, &c.ready).status;
                let probed = load::one(&ep, &c.probe).status;
                polls.lock().unwrap().push((t.as_secs_f64() * 1e3, ready, probed));
                if (ready == 200 && probed == 200) || killed.elapsed() >= within {
                    return;
                }
                std::thread::sleep(Duration::from_millis(c.poll_ms.clamp(5, 1000)));
                // Once the call has failed there is nothing to wait for.
                if started.load(Ordering::SeqCst) && probed == 0 && ready == 0 && killed.elapsed() >= within / 2 {
                    return;
                }
            }
        });
        match probe.recall() {
            crate::probe::CallResult::Returned { value: grader_protocol::Value::Text(t), .. } if t == "serving" => {
                probe.resume();
            }
            crate::probe::CallResult::Returned { value, .. } => {
                out.restart_error = Some(format!("it answered {} where a router was due", value.kind()));
            }
            crate::probe::CallResult::Panicked { message, .. } => {
                out.restart_error = Some(format!("it panicked while starting again: {message}"))
            }
            crate::probe::CallResult::Died { message, .. } | crate::probe::CallResult::NotStarted(message) => {
                out.restart_error = Some(format!("it did not start again: {message}"))
            }
        }
        started.store(true, Ordering::SeqCst);
        let _ = poller.join();
    });
    out.polls = polls.into_inner().unwrap();
    out.ready_ms = out.polls.iter().find(|p| p.1 == 200 && p.2 == 200).map(|p| p.0);
    if out.restart_error.is_none() && out.ready_ms.is_some() {
        if let Some(ep) = probe.endpoint() {
            for (i, st) in out.writes.iter().enumerate() {
                if let (Some(st), Some(read)) = (st, c.reads.get(i)) {
                    if (200..300).contains(st) {
                        out.reads.push((i, load::one(&ep, read)));
                    }
                }
            }
        }
    }
    out
}

fn terminate(t: &Terminate, probe: &mut Probe) -> Terminated {
    let ep = probe.endpoint().expect("a service has an endpoint");
    let bound = Duration::from_millis(t.exit_within_ms.clamp(1, 30_000));
    std::thread::scope(|s| {
        let inflight = t.inflight.as_ref().map(|r| {
            let ep = ep.clone();
            s.spawn(move || load::raw(&ep, r))
        });
        std::thread::sleep(Duration::from_millis(t.signal_after_ms.min(10_000)));
        let ready = t.ready.as_ref().map(|r| {
            let ep = ep.clone();
            let after = Duration::from_millis(t.ready_after_ms.min(10_000));
            s.spawn(move || {
                std::thread::sleep(after);
                load::one(&ep, r)
            })
        });
        let ended = probe.terminate(bound);
        Terminated {
            inflight: inflight.map(|h| h.join().unwrap_or_default()),
            ready: ready.map(|h| h.join().unwrap_or_default()),
            exit_ms: ended.map(|(d, _)| d.as_secs_f64() * 1e3),
            exit_code: ended.and_then(|(_, c)| c),
        }
    })
}

/// A load step's rounds, summed up (`Skipped` where the service was gone).
fn stats(rounds: Vec<load::RoundResult>, alive: bool) -> Observed {
    if !alive || rounds.is_empty() {
        return Observed::Skipped;
    }
    let mut h = rounds[0].histogram.clone();
    h.reset();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut inconsistent = 0;
    let mut per: Vec<Round> = Vec::new();
    let mut tally: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rounds {
        for (k, v) in &r.tally {
            *tally.entry(k.clone()).or_default() += v;
        }
        h.add(&r.histogram).expect("same bounds");
        for (k, v) in &r.statuses {
            *statuses.entry(*k).or_default() += v;
        }
        inconsistent += r.inconsistent;
        per.push(r.round.clone());
    }
    let mut tp: Vec<f64> = per.iter().map(|r| r.throughput).collect();
    tp.sort_by(f64::total_cmp);
    let ms = |q: f64| if h.is_empty() { 0.0 } else { h.value_at_quantile(q) as f64 / 1e3 };
    // Buckets doubling from 0.1 ms, up to the largest latency seen.
    let mut histogram = Vec::new();
    let mut upper = 0.1;
    let mut below = 0;
    let max_ms = h.max() as f64 / 1e3;
    while !h.is_empty() {
        let n = h.count_between(0, (upper * 1e3) as u64);
        histogram.push((upper, n - below));
        below = n;
        if upper >= max_ms {
            break;
        }
        upper *= 2.0;
    }
    let side = rounds.last().map(|r| r.side.clone()).unwrap_or_default();
    Observed::Load(LoadStats {
        rounds: per,
        statuses,
        inconsistent,
        side,
        tally,
        histogram,
        p50_ms: ms(0.5),
        p90_ms: ms(0.9),
        p99_ms: ms(0.99),
        max_ms,
        throughput: tp[tp.len() / 2],
    })
}
