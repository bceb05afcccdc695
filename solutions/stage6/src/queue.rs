//! Asynchronous processing: a job queue with retries, backoff and a dead-letter queue, on a
//! virtual clock.
//!
//! Batch scoring, re-embedding a catalogue, sending a model's alerts: work that a request
//! should not wait for goes to a queue, and workers take it from there. Workers fail (a timeout,
//! a crashed replica); the queue retries a failed job after a growing delay, and after too many
//! attempts moves it to a dead-letter queue for a human to look at, so that one poisonous job
//! never blocks the others.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// `workers` or `max_attempts` is 0.
    InvalidParameter,
    /// A job has no attempt outcomes left: the script ran out (a bug in the caller).
    ScriptTooShort(usize),
}

/// One job: when it is enqueued, and the outcome of each attempt in order (`Ok(duration)`:
/// succeeds after that many ms; `Err(duration)`: fails after that many ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub enqueued_ms: u64,
    pub attempts: Vec<Result<u64, u64>>,
}

/// The queue's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Jobs run at most this many at a time.
    pub workers: usize,
    /// A job that failed this many times goes to the dead-letter queue.
    pub max_attempts: usize,
    /// The delay before attempt `k + 1` after `k` failures is `backoff_ms · 2^(k-1)`, capped at
    /// `max_backoff_ms`.
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
}

/// What happened to each job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Succeeded: when, after how many attempts.
    Done { at_ms: u64, attempts: usize },
    /// Moved to the dead-letter queue when its last allowed attempt failed.
    DeadLetter { at_ms: u64 },
}

/// Runs the queue until every job is done or dead-lettered, and returns each job's outcome (in
/// the order of `jobs`).
///
/// The rules, on a clock in ms:
///
/// - A job is **ready** from its enqueue time, and after a failure from `failed_at + delay`
///   (the backoff above).
/// - Whenever a worker is free, it takes the ready job that has been ready the longest: the
///   smallest ready time, then the smallest job index. An attempt started at `t` ends at
///   `t + duration`, freeing the worker then.
/// - Events at the same time: first every attempt ending then is finished (a failure schedules
///   the retry, or dead-letters the job), in job index order; then free workers take ready jobs.
///   So a retry with delay 0 is taken at the time its failure ends, and a worker freed at `t`
///   can take a job that became ready at `t`.
///
/// # Errors
/// `InvalidParameter` when `workers` or `max_attempts` is 0; `ScriptTooShort(i)` when job `i`
/// needs an attempt beyond its `attempts` list.
pub fn run_queue(jobs: &[Job], settings: Settings) -> Result<Vec<Outcome>, QueueError> {
    if settings.workers == 0 || settings.max_attempts == 0 {
        return Err(QueueError::InvalidParameter);
    }
    let mut outcome: Vec<Option<Outcome>> = vec![None; jobs.len()];
    let mut tries = vec![0usize; jobs.len()];
    // Waiting jobs by (ready time, index); running attempts by (end time, index).
    let mut ready: BTreeSet<(u64, usize)> = jobs.iter().enumerate().map(|(i, j)| (j.enqueued_ms, i)).collect();
    let mut running: BTreeMap<(u64, usize), bool> = BTreeMap::new();
    let mut now = 0u64;
    loop {
        // 1. Every attempt ending now, in job order.
        while let Some((&(end, i), &ok)) = running.first_key_value() {
            if end != now {
                break;
            }
            running.remove(&(end, i));
            outcome[i] = if ok {
                Some(Outcome::Done { at_ms: now, attempts: tries[i] })
            } else if tries[i] >= settings.max_attempts {
                Some(Outcome::DeadLetter { at_ms: now })
            } else {
                let doubling = 1u64.checked_shl(tries[i] as u32 - 1).unwrap_or(u64::MAX);
                let delay = settings.backoff_ms.saturating_mul(doubling).min(settings.max_backoff_ms);
                ready.insert((now.saturating_add(delay), i));
                None
            };
        }
        // 2. Free workers take the jobs ready the longest.
        while running.len() < settings.workers {
            let Some(&(t, i)) = ready.first() else { break };
            if t > now {
                break;
            }
            ready.pop_first();
            let attempt = *jobs[i].attempts.get(tries[i]).ok_or(QueueError::ScriptTooShort(i))?;
            tries[i] += 1;
            let (Ok(d) | Err(d)) = attempt;
            running.insert((now.saturating_add(d), i), attempt.is_ok());
        }
        // 3. The next event: an attempt ending, or a job becoming ready while a worker is free.
        let next_end = running.first_key_value().map(|(&(t, _), _)| t);
        let next_ready = ready.first().filter(|_| running.len() < settings.workers).map(|&(t, _)| t);
        now = match (next_end, next_ready) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (Some(t), None) | (None, Some(t)) => t,
        };
    }
    Ok(outcome.into_iter().map(|o| o.expect("every job ends done or dead-lettered")).collect())
}
