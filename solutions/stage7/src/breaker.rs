//! Failure handling around a model server, on a virtual clock (reference solutions): a circuit
//! breaker as a state machine, and retries with capped exponential backoff, full jitter and a
//! deadline.

use std::collections::HashMap;

/// Milliseconds on a virtual clock: no real time passes, the events carry their times.
pub type Millis = u64;

/// How a circuit breaker trips and recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failed calls (failures and timeouts) that open a closed breaker (at least 1).
    pub failure_threshold: u32,
    /// How long an open breaker rejects every call before it lets trial calls through.
    pub open_ms: Millis,
    /// The most trial calls in flight at once while half-open (at least 1).
    pub half_open_max_calls: u32,
    /// Successful trial calls that close a half-open breaker (at least 1).
    pub success_threshold: u32,
}

/// The three states of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Open,
    HalfOpen,
}

/// How a call that went through ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Timeout,
}

/// What happens at one moment, on the caller's side of the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Call `call` asks to go through at `at`.
    Attempt { at: Millis, call: u64 },
    /// Call `call` would finish at `at` with `outcome`, had it gone through.
    Finish { at: Millis, call: u64, outcome: Outcome },
}

/// The breaker moved from `from` to `to` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub at: Millis,
    pub from: State,
    pub to: State,
}

/// What the breaker did with a sequence of events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BreakerTrace {
    /// One entry per `Attempt`, in order: whether it went through.
    pub allowed: Vec<bool>,
    /// Every change of state, in order.
    pub transitions: Vec<Transition>,
}

/// The breaker's memory between events.
struct Breaker {
    config: BreakerConfig,
    state: State,
    /// Counts the transitions: a call's outcome counts only in the period it was admitted in.
    period: u64,
    /// Consecutive failures while closed.
    failures: u32,
    opened_at: Millis,
    /// Trial calls in flight while half-open.
    in_flight: u32,
    /// Successful trial calls while half-open.
    successes: u32,
    /// Calls that went through and have not finished: the period each was admitted in.
    admitted: HashMap<u64, u64>,
    transitions: Vec<Transition>,
}

impl Breaker {
    fn go(&mut self, to: State, at: Millis) {
        self.transitions.push(Transition { at, from: self.state, to });
        self.state = to;
        self.period += 1;
        self.failures = 0;
        self.in_flight = 0;
        self.successes = 0;
        if to == State::Open {
            self.opened_at = at;
        }
    }

    fn attempt(&mut self, at: Millis, call: u64) -> bool {
        if self.state == State::Open && at >= self.opened_at.saturating_add(self.config.open_ms) {
            self.go(State::HalfOpen, at);
        }
        let allowed = match self.state {
            State::Closed => true,
            State::Open => false,
            State::HalfOpen => self.in_flight < self.config.half_open_max_calls,
        };
        if allowed {
            if self.state == State::HalfOpen {
                self.in_flight += 1;
            }
            self.admitted.insert(call, self.period);
        }
        allowed
    }

    fn finish(&mut self, at: Millis, call: u64, outcome: Outcome) {
        // A rejected call never ran; a call admitted before the last transition is stale.
        if self.admitted.remove(&call) != Some(self.period) {
            return;
        }
        match (self.state, outcome) {
            (State::Closed, Outcome::Success) => self.failures = 0,
            (State::Closed, _) => {
                self.failures += 1;
                if self.failures >= self.config.failure_threshold {
                    self.go(State::Open, at);
                }
            }
            (State::HalfOpen, Outcome::Success) => {
                self.in_flight -= 1;
                self.successes += 1;
                if self.successes >= self.config.success_threshold {
                    self.go(State::Closed, at);
                }
            }
            (State::HalfOpen, _) => self.go(State::Open, at),
            // Nothing is admitted while open.
            (State::Open, _) => {}
        }
    }
}

pub fn run_breaker(config: &BreakerConfig, events: &[Event]) -> BreakerTrace {
    let mut b = Breaker {
        config: *config,
        state: State::Closed,
        period: 0,
        failures: 0,
        opened_at: 0,
        in_flight: 0,
        successes: 0,
        admitted: HashMap::new(),
        transitions: Vec::new(),
    };
    let mut allowed = Vec::new();
    for e in events {
        match *e {
            Event::Attempt { at, call } => allowed.push(b.attempt(at, call)),
            Event::Finish { at, call, outcome } => b.finish(at, call, outcome),
        }
    }
    BreakerTrace { allowed, transitions: b.transitions }
}

/// How a caller retries a call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The backoff ceiling before the first retry.
    pub base_ms: Millis,
    /// The ceiling is multiplied by this before every further retry (at least 1).
    pub factor: u64,
    /// The ceiling never exceeds this.
    pub cap_ms: Millis,
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// The whole call's budget, from the first attempt's start at time 0.
    pub deadline_ms: Millis,
}

/// What an attempt returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// The model answered.
    Ok,
    /// A failure worth retrying: a timeout, 503 Service Unavailable, a reset connection.
    Retryable,
    /// A failure no retry can mend: 400 Bad Request, an input the model refuses.
    Fatal,
}

/// What attempt `k` would do if it were started: how long it takes and what it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPlan {
    pub duration_ms: Millis,
    pub result: AttemptResult,
}

/// How a retried call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// An attempt returned `Ok`.
    Succeeded,
    /// An attempt returned `Fatal`: the error goes back to the caller.
    Failed,
    /// Every allowed attempt failed with `Retryable`.
    GaveUpAttempts,
    /// The deadline came first.
    GaveUpDeadline,
}

/// The schedule a retry policy produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryReport {
    /// When each attempt started, in order.
    pub starts: Vec<Millis>,
    pub outcome: RetryOutcome,
    /// When the caller got its answer.
    pub finished_at: Millis,
    /// Whether the service answers from its fallback (a cached or default prediction).
    pub fallback: bool,
}

/// `min(cap, base · factor^retry)`, without overflowing.
fn ceiling(policy: &RetryPolicy, retry: usize) -> Millis {
    let mut c = policy.base_ms.min(policy.cap_ms);
    for _ in 0..retry {
        if c >= policy.cap_ms {
            break;
        }
        c = c.saturating_mul(policy.factor).min(policy.cap_ms);
    }
    c
}

pub fn run_retries(policy: &RetryPolicy, attempts: &[AttemptPlan], jitter: &[f64]) -> RetryReport {
    let mut starts = Vec::new();
    let (mut start, mut finished_at) = (0, 0);
    let outcome = loop {
        let k = starts.len();
        if k >= policy.max_attempts as usize {
            break RetryOutcome::GaveUpAttempts;
        }
        if start >= policy.deadline_ms {
            break RetryOutcome::GaveUpDeadline;
        }
        starts.push(start);
        let plan = attempts[k];
        let end = start.saturating_add(plan.duration_ms);
        if end > policy.deadline_ms {
            finished_at = policy.deadline_ms;
            break RetryOutcome::GaveUpDeadline;
        }
        finished_at = end;
        match plan.result {
            AttemptResult::Ok => break RetryOutcome::Succeeded,
            AttemptResult::Fatal => break RetryOutcome::Failed,
            AttemptResult::Retryable => {}
        }
        let delay = (jitter[k] * ceiling(policy, k) as f64).floor() as Millis;
        start = end.saturating_add(delay);
    };
    let fallback = matches!(outcome, RetryOutcome::GaveUpAttempts | RetryOutcome::GaveUpDeadline);
    RetryReport { starts, outcome, finished_at, fallback }
}
