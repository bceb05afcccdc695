//! Glue for `stage6::queue`: a job travels as its enqueue time and its attempts flattened as
//! `[ok, duration, ok, duration, ...]` (ok 1 or 0); an outcome comes back as `["done", at,
//! attempts]` or `["dead_letter", at]`.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::queue::{self, Job, Outcome, Settings};

probe_runtime::glue! { Stage6;
    "stage6.queue.run" => |enqueued: Vec<u64>, attempts: &Value, workers: usize, max_attempts: usize, backoff_ms: u64, max_backoff_ms: u64| {
        let jobs: Vec<Job> = enqueued
            .into_iter()
            .zip(attempts.list())
            .map(|(enqueued_ms, a)| Job {
                enqueued_ms,
                attempts: a.ints().chunks(2).map(|p| if p[0] != 0 { Ok(p[1] as u64) } else { Err(p[1] as u64) }).collect(),
            })
            .collect();
        let settings = Settings { workers, max_attempts, backoff_ms, max_backoff_ms };
        queue::run_queue(&jobs, settings).map(|outs| {
            outs.into_iter()
                .map(|o| match o {
                    Outcome::Done { at_ms, attempts } => {
                        Value::List(vec!["done".to_string().into(), Value::Int(at_ms as i64), attempts.into()])
                    }
                    Outcome::DeadLetter { at_ms } => Value::List(vec!["dead_letter".to_string().into(), Value::Int(at_ms as i64)]),
                })
                .collect::<Vec<Value>>()
        })
    };
}
