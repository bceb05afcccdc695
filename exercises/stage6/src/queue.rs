//! Asynchronous processing: a job queue with retries, backoff and a dead-letter queue, on a
//! virtual clock.
//!
//! Batch scoring, re-embedding a catalogue, sending a model's alerts: work that a request
//! should not wait for goes to a queue, and workers take it from there. Workers fail (a timeout,
//! a crashed replica); the queue retries a failed job after a growing delay, and after too many
//! attempts moves it to a dead-letter queue for a human to look at, so that one poisonous job
//! never blocks the others.

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
    todo!()
}
