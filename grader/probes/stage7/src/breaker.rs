//! Glue for `stage7::breaker`.
//!
//! A breaker's configuration travels as `[failure_threshold, open_ms, half_open_max_calls,
//! success_threshold]`, its events as `[at, call, code]` (0 an attempt; 1, 2, 3 a finish with
//! success, failure, timeout). A retry policy travels as `[base_ms, factor, cap_ms,
//! max_attempts, deadline_ms]`, its attempts as `[duration_ms, code]` (0 ok, 1 retryable, 2
//! fatal). States and outcomes come back as their variants' names.

use crate::convert::Stage7;
use grader_protocol::Value;
use stage7::breaker::{
    self, AttemptPlan, AttemptResult, BreakerConfig, BreakerTrace, Event, Outcome, RetryPolicy, RetryReport,
};

probe_runtime::glue! { Stage7;
    "stage7.breaker.transitions" => |config: Vec<u64>, events: &Value| {
        trace(breaker::run_breaker(&breaker_config(&config), &breaker_events(events)))
    } => (allowed, transitions);
    "stage7.breaker.retry" => |policy: Vec<u64>, attempts: &Value, jitter: Vec<f64>| {
        report(breaker::run_retries(&retry_policy(&policy), &plans(attempts), &jitter))
    } => (starts, outcome, finished_at, fallback);
}

fn breaker_config(c: &[u64]) -> BreakerConfig {
    let n = |i: usize| u32::try_from(c[i]).expect("glue: a count out of the range of u32");
    BreakerConfig { failure_threshold: n(0), open_ms: c[1], half_open_max_calls: n(2), success_threshold: n(3) }
}

fn breaker_events(v: &Value) -> Vec<Event> {
    v.list()
        .iter()
        .map(|e| {
            let (at, call) = (e.ints()[0] as u64, e.ints()[1] as u64);
            let outcome = match e.ints()[2] {
                0 => return Event::Attempt { at, call },
                1 => Outcome::Success,
                2 => Outcome::Failure,
                3 => Outcome::Timeout,
                other => panic!("glue: unknown breaker event code {other}"),
            };
            Event::Finish { at, call, outcome }
        })
        .collect()
}

fn trace(t: BreakerTrace) -> Value {
    let allowed = t.allowed.into_iter().map(Value::Bool).collect::<Vec<Value>>();
    let transitions = t
        .transitions
        .iter()
        .map(|t| {
            Value::List(vec![Value::Int(t.at as i64), format!("{:?}", t.from).into(), format!("{:?}", t.to).into()])
        })
        .collect::<Vec<Value>>();
    Value::List(vec![Value::List(allowed), Value::List(transitions)])
}

fn retry_policy(p: &[u64]) -> RetryPolicy {
    let max_attempts = u32::try_from(p[3]).expect("glue: max_attempts out of the range of u32");
    RetryPolicy { base_ms: p[0], factor: p[1], cap_ms: p[2], max_attempts, deadline_ms: p[4] }
}

fn plans(v: &Value) -> Vec<AttemptPlan> {
    v.list()
        .iter()
        .map(|a| {
            let result = match a.ints()[1] {
                0 => AttemptResult::Ok,
                1 => AttemptResult::Retryable,
                2 => AttemptResult::Fatal,
                other => panic!("glue: unknown attempt code {other}"),
            };
            AttemptPlan { duration_ms: a.ints()[0] as u64, result }
        })
        .collect()
}

fn report(r: RetryReport) -> Value {
    Value::List(vec![
        Value::Ints(r.starts.iter().map(|&s| s as i64).collect()),
        format!("{:?}", r.outcome).into(),
        Value::Int(r.finished_at as i64),
        Value::Bool(r.fallback),
    ])
}
