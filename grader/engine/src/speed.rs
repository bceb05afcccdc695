//! The one timing routine: the student's code and the reference on the same fresh input, side by
//! side in one run — a warm-up, then interleaved rounds (the order alternates), and the median of
//! the per-round ratios. Absolute times mean nothing on a shared machine; ratios measured this
//! way do. Every timed output is checked too, and the clock is the grader's.

use crate::probe::{CallResult, Probe};
use crate::suite::{Case, Gen};
use grader_protocol::Value;
use grader_report::{SpeedResult, SpeedStatus};
use std::time::Duration;

/// One speed measurement's inputs.
pub struct SpeedPlan<'a> {
    pub exercise: &'a str,
    pub max_ratio: f64,
    pub rounds: usize,
    pub device: &'a str,
    pub timeout: Duration,
}

/// Times `student` against `reference`. `input` makes a fresh case each round (so no result can
/// be memoised); `check` judges the student's timed output against the reference's.
pub fn measure(
    plan: &SpeedPlan,
    student: &mut Probe,
    reference: &mut Probe,
    gen: &mut Gen,
    input: fn(&mut Gen) -> Case,
    check: &dyn Fn(&Value, &Value, &Value) -> Result<(), String>,
) -> Result<SpeedResult, String> {
    let mut result = SpeedResult {
        status: SpeedStatus::Failed,
        device: plan.device.to_string(),
        label: String::new(),
        max_ratio: plan.max_ratio,
        median_ratio: None,
        ratios: Vec::new(),
        student_median_ms: None,
        reference_median_ms: None,
        message: None,
    };
    let (mut ts, mut tr) = (Vec::new(), Vec::new());
    // The student's answer may be at most about as large as the reference's (see `reply_limit`);
    // the warm-up round calls the reference first, so that its size is known.
    let mut max_reply = 0usize;
    // Round 0 is the warm-up: caches, page faults and lazy initialisation, not counted. Each
    // probe is stopped whole while the other runs (see `Probe::call`), so neither's threads can
    // slow the other's timed call.
    for round in 0..=plan.rounds {
        let case = input(gen);
        result.label = case.label.clone();
        let student_first = round % 2 == 1;
        let run = |p: &mut Probe, who: &str, limit: Option<usize>| -> Result<Result<(Value, f64), String>, String> {
            let r = match limit {
                Some(l) => p.call_bounded(plan.exercise, &case.input, plan.timeout, l),
                None => p.call(plan.exercise, &case.input, plan.timeout),
            };
            Ok(match r {
                CallResult::Returned { value, elapsed } => Ok((value, elapsed.as_secs_f64() * 1e3)),
                CallResult::Panicked { message, .. } => Err(format!("{who} panicked while timed: {message}")),
                CallResult::Died { message, .. } => Err(format!("{who} failed while timed: {message}")),
                CallResult::NotStarted(e) => return Err(e),
            })
        };
        let (s, r) = if student_first {
            let s = run(student, "your code", Some(max_reply))?;
            (s, run(reference, "the reference", None)?)
        } else {
            let r = run(reference, "the reference", None)?;
            if let Ok((v, _)) = &r {
                max_reply = max_reply.max(reply_limit(v));
            }
            (run(student, "your code", Some(max_reply))?, r)
        };
        if let Ok((v, _)) = &r {
            max_reply = max_reply.max(reply_limit(v));
        }
        let (s, r) = match (s, r) {
            (Ok(s), Ok(r)) => (s, r),
            (Err(e), _) | (_, Err(e)) => {
                result.message = Some(e);
                return Ok(result);
            }
        };
        if let Err(e) = check(&case.input, &r.0, &s.0) {
            result.message = Some(format!("a timed run returned a wrong result: {e}"));
            return Ok(result);
        }
        if round > 0 {
            ts.push(s.1);
            tr.push(r.1);
            result.ratios.push(s.1 / r.1.max(1e-6));
        }
    }
    let ratio = median(&result.ratios);
    result.median_ratio = Some(ratio);
    result.student_median_ms = Some(median(&ts));
    result.reference_median_ms = Some(median(&tr));
    result.status = if ratio <= plan.max_ratio { SpeedStatus::Passed } else { SpeedStatus::Failed };
    if result.status == SpeedStatus::Failed {
        result.message = Some(format!(
            "{ratio:.2}x the reference's time (median of {} rounds), the target is at most {:.2}x",
            plan.rounds, plan.max_ratio
        ));
    }
    Ok(result)
}

/// The largest answer a student's probe may send where the reference's is `expected`: twice its
/// size plus 64 KiB (room for a wrong shape, a longer error name, a panic message), so that a
/// wrong answer is still read and judged, and a huge one is refused unread.
pub fn reply_limit(expected: &Value) -> usize {
    let reply = grader_protocol::Reply::Output(grader_protocol::Outcome::Returned(expected.clone()));
    grader_protocol::encoded_len(&reply).saturating_mul(2).saturating_add(64 << 10)
}

/// Median of a non-empty slice (mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
