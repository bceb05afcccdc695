//! CI/CD for models: the gate a candidate model passes before it replaces the production one.
//!
//! A pipeline retrains on a schedule; nothing it produces goes live unless it is good enough in
//! absolute terms, not worse than what is serving now — overall *and* on every slice of users
//! the team cares about (a model can gain a point overall while losing ten on one country) —
//! not slower beyond a budget, and small enough to ship.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateError {
    /// An accuracy outside [0, 1] or NaN, or a latency that is negative or not finite.
    InvalidMetric,
}

/// A model's evaluation on the held-out set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub accuracy: f64,
    /// Accuracy per slice (a country, a device, a customer tier), by name.
    pub slices: Vec<(String, f64)>,
    pub p99_latency_ms: f64,
    pub size_bytes: u64,
}

/// The gate's rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub min_accuracy: f64,
    /// How much overall accuracy the candidate may lose against production.
    pub max_regression: f64,
    /// How much accuracy it may lose on any one slice.
    pub max_slice_regression: f64,
    /// Its p99 latency at most this many times production's.
    pub max_latency_ratio: f64,
    pub max_size_bytes: u64,
}

/// The gate's decision: promote, or reject with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Promote,
    Reject(Vec<String>),
}

fn check(e: &Evaluation) -> Result<(), GateError> {
    let acc_ok = |a: f64| (0.0..=1.0).contains(&a);
    let ok = acc_ok(e.accuracy)
        && e.slices.iter().all(|(_, a)| acc_ok(*a))
        && e.p99_latency_ms.is_finite()
        && e.p99_latency_ms >= 0.0;
    if ok {
        Ok(())
    } else {
        Err(GateError::InvalidMetric)
    }
}

/// Judges `candidate` against `production` (`None` for the first model of a project).
///
/// Every rule is checked, and each one broken adds its reason, in this order:
///
/// 1. `"accuracy"`: `candidate.accuracy < min_accuracy`.
/// 2. With a production model:
///    - `"regression"`: `candidate.accuracy < production.accuracy - max_regression`;
///    - for each of production's slices, in production's order: `"missing_slice:{name}"` when the
///      candidate has no slice of that name, else `"slice:{name}"` when the candidate's
///      accuracy there is below production's minus `max_slice_regression` (slices only the
///      candidate has are not judged);
///    - `"latency"`: `candidate.p99_latency_ms > production.p99_latency_ms * max_latency_ratio`.
/// 3. `"size"`: `candidate.size_bytes > max_size_bytes`.
///
/// No reason: `Promote`.
///
/// # Errors
/// `InvalidMetric` when either evaluation has an accuracy (overall or of a slice) outside
/// `[0, 1]` or NaN, or a p99 latency that is negative, infinite or NaN.
pub fn gate(candidate: &Evaluation, production: Option<&Evaluation>, rules: &Rules) -> Result<Verdict, GateError> {
    check(candidate)?;
    if let Some(p) = production {
        check(p)?;
    }
    let mut reasons = Vec::new();
    if candidate.accuracy < rules.min_accuracy {
        reasons.push("accuracy".to_string());
    }
    if let Some(p) = production {
        if candidate.accuracy < p.accuracy - rules.max_regression {
            reasons.push("regression".to_string());
        }
        for (name, prod) in &p.slices {
            match candidate.slices.iter().find(|(n, _)| n == name) {
                None => reasons.push(format!("missing_slice:{name}")),
                Some((_, cand)) if *cand < prod - rules.max_slice_regression => reasons.push(format!("slice:{name}")),
                Some(_) => {}
            }
        }
        if candidate.p99_latency_ms > p.p99_latency_ms * rules.max_latency_ratio {
            reasons.push("latency".to_string());
        }
    }
    if candidate.size_bytes > rules.max_size_bytes {
        reasons.push("size".to_string());
    }
    Ok(if reasons.is_empty() { Verdict::Promote } else { Verdict::Reject(reasons) })
}
