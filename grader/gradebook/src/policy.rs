//! Deadlines and late penalties, from a TOML file:
//!
//! ```toml
//! deadline = "2026-12-01T23:59:00+01:00"   # RFC 3339; a bare date means 23:59:59 UTC that day
//! grace_minutes = 15                       # late by less than this is on time
//! penalty_per_day = 0.10                   # fraction of the score lost per started day late
//! max_penalty = 0.50                       # the most a late submission loses
//! late_after_days = 7                      # optional: later than this many days scores 0
//!
//! [extensions]                             # per student: a new deadline, or extra days
//! alice = "2026-12-04T23:59:00+01:00"
//! bob = 2
//! ```
//!
//! The gradebook stores raw scores; the policy is applied when the exports are written, so a
//! changed policy (a new extension) needs only `grader gradebook export`, not a regrade.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Unix seconds.
    pub deadline: Option<i64>,
    pub grace_s: i64,
    pub penalty_per_day: f64,
    pub max_penalty: f64,
    pub zero_after_days: Option<u32>,
    /// Per student: their own deadline (Unix seconds).
    pub extensions: BTreeMap<String, i64>,
}

/// What the policy does to one submission.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Late {
    /// Started days late (0 when on time or when the time is unknown).
    pub days: u32,
    /// Fraction of the score lost, 0..=1.
    pub penalty: f64,
    /// The deadline that applied (with any extension).
    pub deadline: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    deadline: Option<toml::Value>,
    #[serde(default)]
    grace_minutes: f64,
    #[serde(default)]
    penalty_per_day: f64,
    max_penalty: Option<f64>,
    late_after_days: Option<u32>,
    #[serde(default)]
    extensions: BTreeMap<String, toml::Value>,
}

fn time_value(v: &toml::Value, what: &str) -> Result<i64, String> {
    match v {
        toml::Value::String(s) => parse_time(s).ok_or_else(|| format!("{what}: `{s}` is not an RFC 3339 date-time")),
        toml::Value::Datetime(d) => {
            parse_time(&d.to_string()).ok_or_else(|| format!("{what}: `{d}` needs a date (and a time)"))
        }
        other => Err(format!("{what}: expected a date-time, got {other}")),
    }
}

impl Policy {
    /// Parses a policy file's text.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let f: PolicyFile = toml::from_str(text).map_err(|e| format!("policy: {e}"))?;
        let deadline = f.deadline.as_ref().map(|v| time_value(v, "deadline")).transpose()?;
        if !(0.0..=1.0).contains(&f.penalty_per_day) {
            return Err("policy: penalty_per_day must be between 0 and 1 (a fraction of the score)".into());
        }
        let max_penalty = f.max_penalty.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&max_penalty) {
            return Err("policy: max_penalty must be between 0 and 1".into());
        }
        let mut extensions = BTreeMap::new();
        for (student, v) in &f.extensions {
            let t = match v {
                toml::Value::Integer(days) => {
                    let base = deadline.ok_or("policy: an extension in days needs a deadline")?;
                    base + days * 86_400
                }
                v => time_value(v, &format!("extension of {student}"))?,
            };
            extensions.insert(student.clone(), t);
        }
        Ok(Policy {
            deadline,
            grace_s: (f.grace_minutes * 60.0).round() as i64,
            penalty_per_day: f.penalty_per_day,
            max_penalty,
            zero_after_days: f.late_after_days,
            extensions,
        })
    }

    /// The penalty for `student` handing in at `submitted_at`.
    pub fn late(&self, student: &str, submitted_at: Option<i64>) -> Late {
        let deadline = self.extensions.get(student).copied().or(self.deadline);
        let (Some(d), Some(t)) = (deadline, submitted_at) else {
            return Late { days: 0, penalty: 0.0, deadline };
        };
        let over = t - d - self.grace_s;
        if over <= 0 {
            return Late { days: 0, penalty: 0.0, deadline: Some(d) };
        }
        let days = ((over + 86_399) / 86_400) as u32;
        let penalty = if self.zero_after_days.is_some_and(|z| days > z) {
            1.0
        } else {
            (self.penalty_per_day * f64::from(days)).min(self.max_penalty)
        };
        Late { days, penalty, deadline: Some(d) }
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` (23:59:59 UTC), or `YYYY-MM-DDTHH:MM[:SS[.frac]](Z|±HH:MM)` (a space may stand
/// for the `T`; no zone means UTC). Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let num =
        |t: &str| -> Option<i64> { (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())? };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, m, d) * 86_400;
    let Some(rest) = rest else { return Some(day + 86_399) };
    let (time, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (oh, om) = z[1..].split_once(':').unwrap_or((&z[1..], "0"));
        (t, sign * (num(oh)? * 3600 + num(om)? * 60))
    } else {
        (rest, 0)
    };
    let time = time.split('.').next()?;
    let mut tp = time.split(':');
    let (h, mi) = (num(tp.next()?)?, num(tp.next()?)?);
    let sec = match tp.next() {
        Some(x) => num(x)?,
        None => 0,
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(day + h * 3600 + mi * 60 + sec - offset)
}

/// The civil date `(year, month, day)` of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of `days_from_civil`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn format_time(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-12-01T23:59:00+01:00"), parse_time("2026-12-01T22:59:00Z"));
        assert_eq!(parse_time("2026-12-01"), parse_time("2026-12-01T23:59:59Z"));
        assert_eq!(parse_time("2000-02-29 12:00"), Some(951_825_600));
        assert_eq!(parse_time("2026-13-01"), None);
        assert_eq!(format_time(951_825_600), "2000-02-29 12:00 UTC");
    }

    #[test]
    fn penalties_per_day_with_cap_grace_and_extensions() {
        let p = Policy::parse(
            r#"
            deadline = "2026-12-01T12:00:00Z"
            grace_minutes = 10
            penalty_per_day = 0.2
            max_penalty = 0.5
            [extensions]
            alice = 3
            bob = 2026-12-10T12:00:00Z
            "#,
        )
        .unwrap();
        let d = parse_time("2026-12-01T12:00:00Z").unwrap();
        assert_eq!(p.late("x", Some(d + 300)).penalty, 0.0); // within grace
        let one = p.late("x", Some(d + 3600));
        assert_eq!((one.days, one.penalty), (1, 0.2));
        let two = p.late("x", Some(d + 86_400 + 3600));
        assert_eq!((two.days, two.penalty), (2, 0.4));
        assert_eq!(p.late("x", Some(d + 10 * 86_400)).penalty, 0.5); // capped
        assert_eq!(p.late("alice", Some(d + 2 * 86_400)).penalty, 0.0);
        assert_eq!(p.late("bob", Some(d + 8 * 86_400)).penalty, 0.0);
        assert_eq!(p.late("x", None).penalty, 0.0);
        assert!(Policy::parse("penalty_per_day = 2").is_err());
        assert!(Policy::parse("nonsense = 1").is_err());
    }
}
