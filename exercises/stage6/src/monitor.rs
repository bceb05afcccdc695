//! Monitoring a model in production: a change detector on its error stream, alerting rules with
//! a `for` duration, and latency quantiles from a sketch of bounded size.
//!
//! - [`page_hinkley`] watches a stream (a model's per-request loss, 1 for a wrong answer and 0
//!   for a right one) and alarms when its mean has risen: concept drift, seen through the
//!   model's performance.
//! - [`evaluate_rule`] replays a metric series through an alerting rule as Prometheus evaluates
//!   one (`expr` + `for`): pending, firing, resolved.
//! - [`Sketch`] keeps latencies in logarithmic buckets (DDSketch): any quantile within a
//!   relative error `alpha` of the exact one, in memory that grows with the logarithm of the
//!   range, not with the number of requests.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorError {
    /// A parameter is NaN, infinite, or out of its range (stated where it is taken).
    InvalidParameter,
    /// A value of the stream is NaN or infinite.
    NotFinite,
    /// The series' times are not strictly increasing.
    Unordered,
    /// A latency is negative.
    Negative,
}

// ---------------------------------------------------------------------------------------------
// Page-Hinkley

/// The indices of `stream` at which the Page-Hinkley test alarms that the stream's mean went up.
///
/// State: `n` (values seen since the last reset), `mean` (their running mean), `m` (the
/// cumulative deviation) and `m_min` (its minimum so far), all 0 at the start. For each value
/// `x` at index `t`, in order:
///
/// 1. `n += 1`; `mean += (x - mean) / n` (the mean *including* `x`);
/// 2. `m += x - mean - delta`; `m_min = min(m_min, m)`;
/// 3. if `n >= min_samples` and `m - m_min > threshold`: alarm at `t`, and reset all four to 0
///    (the next value starts a new watch).
///
/// `delta` is the size of change ignored (a slack per value), `threshold` the evidence needed:
/// larger values mean fewer false alarms and later alarms.
///
/// # Errors
/// `InvalidParameter` unless `delta >= 0`, `threshold > 0` (both finite) and `min_samples >= 1`;
/// `NotFinite` for a NaN or an infinity in the stream.
pub fn page_hinkley(
    stream: &[f64],
    delta: f64,
    threshold: f64,
    min_samples: usize,
) -> Result<Vec<usize>, MonitorError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Alerting rules

/// Which side of the threshold is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `value > threshold` (latency, error rate).
    Above,
    /// `value < threshold` (throughput, accuracy).
    Below,
}

/// An alerting rule: the condition must hold for `for_s` seconds before the alert fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub threshold: f64,
    pub comparison: Comparison,
    pub for_s: u64,
}

/// One alert: when it fired, and when it resolved (`None`: still firing at the series' end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub fired_at: u64,
    pub resolved_at: Option<u64>,
}

/// Replays `series` (`(time in seconds, value)`, one evaluation per sample) through `rule`, as
/// Prometheus evaluates an alerting rule with a `for` clause.
///
/// - The condition holds at a sample when its value compares strictly (`>` or `<`) with the
///   threshold; a NaN value never holds (every comparison with NaN is false).
/// - Inactive → **pending** at the first sample where the condition holds: remember that time,
///   `active_since`.
/// - Pending → **firing** at the first sample (that one included) whose time is at least
///   `active_since + for_s`, the condition still holding: the alert's `fired_at` is that time.
///   With `for_s = 0` an alert fires at the sample where the condition first holds.
/// - A sample where the condition does not hold ends it all: a pending alert goes back to
///   inactive without a trace; a firing one **resolves** at that sample's time.
/// - The alerts come back in the order they fired; one still firing at the end has
///   `resolved_at: None`.
///
/// # Errors
/// `InvalidParameter` for a threshold that is NaN or infinite; `Unordered` when the times are
/// not strictly increasing.
pub fn evaluate_rule(rule: &Rule, series: &[(u64, f64)]) -> Result<Vec<Alert>, MonitorError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Latency quantiles

/// A DDSketch: latencies counted in logarithmic buckets, quantiles within a relative error
/// `alpha`.
///
/// With `γ = (1 + α) / (1 - α)`, a value `x > 0` goes to the bucket of index `⌈log_γ x⌉`
/// (`ln x / ln γ`, rounded up); bucket `i` holds `(γ^{i-1}, γ^i]` and stands for the value
/// `2 γ^i / (γ + 1)`, which is within a relative `α` of every value in it. Zeros are counted
/// apart (they stand for 0). Memory: one counter per non-empty bucket, about
/// `log_γ (max / min)` of them whatever the number of values.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub struct Sketch {
    // Replace with the fields you need: the accuracy, the counts per bucket index (a BTreeMap
    // keeps them in order), the zeros, the total.
    todo_fields: BTreeMap<i32, u64>,
}

impl Sketch {
    /// An empty sketch with relative accuracy `alpha`.
    ///
    /// # Errors
    /// `InvalidParameter` unless `0 < alpha < 1`.
    pub fn new(alpha: f64) -> Result<Sketch, MonitorError> {
        todo!()
    }

    /// Counts one latency.
    ///
    /// # Errors
    /// `NotFinite` for a NaN or an infinity, `Negative` for a value below 0; the sketch is
    /// unchanged then.
    pub fn add(&mut self, x: f64) -> Result<(), MonitorError> {
        todo!()
    }

    /// Adds every count of `other` to this sketch: the sketch of both streams together, as if
    /// every value had been added here (how a fleet's per-replica sketches are combined).
    ///
    /// # Errors
    /// `InvalidParameter` when the two sketches' `alpha` differ (their buckets do not line up).
    pub fn merge(&mut self, other: &Sketch) -> Result<(), MonitorError> {
        todo!()
    }

    /// The number of values counted.
    pub fn count(&self) -> u64 {
        todo!()
    }

    /// The number of counters held (non-empty buckets, plus one when zeros were counted).
    pub fn size(&self) -> usize {
        todo!()
    }

    /// The quantile at level `q` in `[0, 1]`: the value standing for the bucket of the value of
    /// rank `⌊q (count - 1)⌋` (0-based, ascending). Within a relative `alpha` of that value.
    /// `None` for an empty sketch or a `q` outside `[0, 1]` (or NaN).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        todo!()
    }
}
