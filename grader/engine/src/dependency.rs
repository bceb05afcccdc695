//! The dependency a service must call (a feature store), played by the grader.
//!
//! The service cannot open a socket: its glue is handed one end of a Unix socket pair (fd 4) and
//! sends its calls on it; the grader answers on the other end, as the suite's plan says: after a
//! latency, failing every k-th call, or never (hanging). The student's timeouts, retries,
//! fallbacks and circuit breaker are what the client then observes, and the number of calls
//! the service made is counted here.
//!
//! Frames, both ways little-endian: a call is `[u32 length][u64 id][key bytes]`, an answer
//! `[u32 length][u64 id][u8 code][bytes]` with code 0 (answered), 1 (failed), 2 (not found).

use grader_suite_api::service::Dependency as Plan;
use std::collections::{BTreeMap, BinaryHeap};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The largest call the grader reads.
const MAX_CALL: usize = 64 << 10;
/// The most answers waiting to be sent (calls beyond it are dropped, as a hung store would).
const MAX_WAITING: usize = 10_000;

#[derive(Default)]
struct State {
    plan: Plan,
    table: BTreeMap<String, Vec<u8>>,
    /// Calls seen so far (numbering the `fail_every` pattern).
    seen: u64,
}

/// An answer due at a time.
struct Due(Instant, u64, u8, Vec<u8>);
impl PartialEq for Due {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0 && self.1 == o.1
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // The earliest first in a max-heap.
        o.0.cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

/// The grader's side of one service's dependency.
pub struct Dependency {
    state: Arc<Mutex<State>>,
    calls: Arc<AtomicU64>,
    stop: Arc<(Mutex<BinaryHeap<Due>>, Condvar, AtomicBool)>,
}

impl Dependency {
    /// Serves `ours` on two threads of its own until the service's end closes.
    pub fn start(ours: UnixStream) -> std::io::Result<Dependency> {
        let state: Arc<Mutex<State>> = Arc::default();
        let calls = Arc::new(AtomicU64::new(0));
        let queue: Arc<(Mutex<BinaryHeap<Due>>, Condvar, AtomicBool)> = Arc::default();
        let mut writer = ours.try_clone()?;
        let mut reader = ours;
        {
            let (state, calls, queue) = (Arc::clone(&state), Arc::clone(&calls), Arc::clone(&queue));
            std::thread::Builder::new().name("dependency-in".into()).spawn(move || {
                let mut head = [0u8; 12];
                while reader.read_exact(&mut head).is_ok() {
                    let len = u32::from_le_bytes(head[..4].try_into().unwrap()) as usize;
                    let id = u64::from_le_bytes(head[4..].try_into().unwrap());
                    if !(8..=MAX_CALL).contains(&len) {
                        break;
                    }
                    let mut key = vec![0u8; len - 8];
                    if reader.read_exact(&mut key).is_err() {
                        break;
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                    let (due, code, body) = {
                        let mut s = state.lock().unwrap();
                        s.seen += 1;
                        if s.plan.hang {
                            continue;
                        }
                        let fail = s.plan.fail_every > 0 && s.seen % u64::from(s.plan.fail_every) == 0;
                        let due = Instant::now() + Duration::from_millis(s.plan.latency_ms.min(60_000));
                        match (fail, s.table.get(String::from_utf8_lossy(&key).as_ref())) {
                            (true, _) => (due, 1u8, Vec::new()),
                            (false, Some(v)) => (due, 0, v.clone()),
                            (false, None) => (due, 2, Vec::new()),
                        }
                    };
                    let (q, cv, _) = &*queue;
                    let mut q = q.lock().unwrap();
                    if q.len() < MAX_WAITING {
                        q.push(Due(due, id, code, body));
                        cv.notify_one();
                    }
                }
                let (_, cv, stop) = &*queue;
                stop.store(true, Ordering::SeqCst);
                cv.notify_all();
            })?;
        }
        {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new().name("dependency-out".into()).spawn(move || {
                let (q, cv, stop) = &*queue;
                let mut q = q.lock().unwrap();
                loop {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let now = Instant::now();
                    match q.peek() {
                        Some(d) if d.0 <= now => {
                            let Due(_, id, code, body) = q.pop().expect("peeked");
                            drop(q);
                            let mut frame = Vec::with_capacity(13 + body.len());
                            frame.extend_from_slice(&((9 + body.len()) as u32).to_le_bytes());
                            frame.extend_from_slice(&id.to_le_bytes());
                            frame.push(code);
                            frame.extend_from_slice(&body);
                            if writer.write_all(&frame).is_err() {
                                return;
                            }
                            q = queue.0.lock().unwrap();
                        }
                        Some(d) => {
                            let wait = d.0 - now;
                            q = cv.wait_timeout(q, wait).unwrap().0;
                        }
                        None => {
                            q = cv.wait_timeout(q, Duration::from_millis(200)).unwrap().0;
                        }
                    }
                }
            })?;
        }
        Ok(Dependency { state, calls, stop: queue })
    }

    /// Behaves as `plan` says from now on; returns the calls made since the last plan.
    pub fn set(&self, plan: &Plan) -> u64 {
        let mut s = self.state.lock().unwrap();
        if let Some(t) = &plan.table {
            s.table = t.clone();
        }
        s.plan = Plan { table: None, ..plan.clone() };
        s.seen = 0;
        self.calls.swap(0, Ordering::SeqCst)
    }
}

impl Drop for Dependency {
    fn drop(&mut self) {
        let (_, cv, stop) = &*self.stop;
        stop.store(true, Ordering::SeqCst);
        cv.notify_all();
    }
}
