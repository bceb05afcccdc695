//! Hidden suites for `stage7::stream`.
//!
//! Every output is exact (a window's mean within 1e-12 relative, the robust statistics within
//! the exercise's tolerance). The random cases are seeded streams with disorder and several
//! keys, logs with duplicated events and crash points, histories with stale partitions, batches
//! of records with injected violations and outliers, cron expressions assembled from their
//! parts, and random DAGs whose sources change between two runs; the edge cases sit on the
//! rules' boundaries (a window's end equal to the watermark, a crash between two writes, a
//! value exactly at the threshold, February 29, a tie between names).

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};
use rand::seq::SliceRandom;
use serde_json::json;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.stream.windows", window_cases, exact),
        ExerciseSuite::custom("stage7.stream.exactly_once", exactly_once_cases, exact),
        ExerciseSuite::custom("stage7.stream.backfill", backfill_cases, exact),
        ExerciseSuite::custom("stage7.stream.schema", schema_cases, exact),
        ExerciseSuite::custom("stage7.stream.anomalies", anomaly_cases, exact),
        ExerciseSuite::custom("stage7.stream.schedule", schedule_cases, exact),
        ExerciseSuite::custom("stage7.stream.dag", dag_cases, exact),
    ]
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn texts(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| text(s)).collect())
}

// ---------------------------------------------------------------------------------------------
// Windowed features

fn window_input(size: i64, hop: i64, lateness: i64, events: &[(&str, i64, i64)]) -> Value {
    let events = events.iter().map(|&(k, t, v)| Value::List(vec![text(k), Value::Int(t), Value::Int(v)])).collect();
    Value::List(vec![Value::Ints(vec![size, hop, lateness]), Value::List(events)])
}

/// `n` events about `step` ms apart on `keys` keys, each up to `disorder` ms older than its
/// place in the stream; values in [-50, 100].
fn random_stream(g: &mut Gen, n: usize, step: i64, disorder: i64, keys: usize, t0: i64) -> Vec<(String, i64, i64)> {
    (0..n as i64)
        .map(|i| {
            let key = format!("user-{}", g.size(1, keys));
            let t = t0 + i * step + g.int(0, step) - g.int(0, disorder);
            (key, t, g.int(-50, 100))
        })
        .collect()
}

fn window_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("no events", window_input(1000, 1000, 0, &[])),
        Case::new("one event", window_input(1000, 1000, 0, &[("a", 1500, 7)])),
        Case::new(
            "tumbling windows, events in order, two keys",
            window_input(
                1000,
                1000,
                0,
                &[("a", 100, 1), ("b", 200, 5), ("a", 900, 3), ("a", 1100, -2), ("b", 1999, 4), ("a", 2500, 6)],
            ),
        ),
        Case::new(
            "an event exactly at a window's end belongs to the next window",
            window_input(1000, 1000, 500, &[("a", 0, 1), ("a", 999, 2), ("a", 1000, 3), ("a", 2000, 4)]),
        ),
        Case::new(
            "out of order within the allowed lateness: still counted",
            window_input(
                1000,
                1000,
                300,
                &[("a", 500, 1), ("a", 1200, 2), ("a", 900, 3), ("a", 1250, 4), ("a", 2600, 5)],
            ),
        ),
        Case::new(
            "an event older than the watermark allows is dropped and counted late",
            window_input(1000, 1000, 100, &[("a", 500, 1), ("a", 1200, 2), ("a", 700, 3), ("a", 1300, 4)]),
        ),
        Case::new(
            "a window whose end equals the watermark has closed: an event for it is late",
            // After 1300 the watermark is 1000 = the end of [0, 1000): it fires, and 999 is late.
            window_input(1000, 1000, 300, &[("a", 100, 1), ("a", 1300, 2), ("a", 999, 3), ("a", 1001, 4)]),
        ),
        Case::new(
            "the watermark is global: one key's events close another key's windows",
            window_input(
                1000,
                1000,
                200,
                &[("a", 100, 1), ("b", 150, 2), ("b", 3000, 3), ("a", 800, 4), ("a", 2900, 5)],
            ),
        ),
        Case::new(
            "sliding windows: size 1000, hop 250, every event in 4 windows",
            window_input(
                1000,
                250,
                0,
                &[("a", 1100, 1), ("a", 1300, 2), ("b", 1400, 3), ("a", 2000, 4), ("a", 3300, 5)],
            ),
        ),
        Case::new(
            "sliding windows near time 0: windows that start before 0",
            window_input(1000, 400, 100, &[("a", 0, 1), ("a", 150, 2), ("a", 399, 3), ("a", 400, 4), ("a", 1200, 5)]),
        ),
        Case::new(
            "events before 1970 (negative times): windows by floor division",
            window_input(600, 200, 0, &[("a", -1201, 1), ("a", -601, 2), ("a", -1, 3), ("a", 0, 4), ("a", 250, 5)]),
        ),
        Case::new(
            "a sliding event late for its oldest window only: added to the others, late once",
            // Windows of 1000 every 500. After 2100 the watermark is 1600: [0, 1000) and
            // [500, 1500) have fired; 1200 is late for [500, 1500) only, kept in [1000, 2000).
            window_input(
                1000,
                500,
                500,
                &[("a", 100, 1), ("a", 700, 2), ("a", 2100, 3), ("a", 1200, 4), ("a", 2200, 5)],
            ),
        ),
        Case::new(
            "lateness 0: an event for a window that ended before the newest event is late",
            window_input(100, 100, 0, &[("a", 50, 1), ("a", 250, 2), ("a", 120, 3), ("a", 260, 4), ("a", 199, 5)]),
        ),
        Case::new(
            "a hop that does not divide the size: size 10, hop 4",
            window_input(10, 4, 3, &[("k", 0, 1), ("k", 5, 2), ("k", 9, 3), ("k", 13, 4), ("k", 8, 5), ("k", 30, 6)]),
        ),
        Case::new(
            "negative values: the max of a window of negative values",
            window_input(100, 100, 0, &[("a", 10, -5), ("a", 20, -3), ("a", 30, -9), ("a", 150, -1)]),
        ),
    ];
    let t0 = 1_733_300_000_000;
    for (label, size, hop, lateness, n, step, disorder, keys) in [
        ("tumbling 1 min, lateness 5 s, 300 events, 4 keys", 60_000, 60_000, 5_000, 300, 1_000, 20_000, 4),
        ("tumbling 10 s, lateness 0, 200 events, 2 keys", 10_000, 10_000, 0, 200, 500, 3_000, 2),
        ("sliding 1 min every 15 s, lateness 10 s, 400 events, 5 keys", 60_000, 15_000, 10_000, 400, 700, 30_000, 5),
        ("sliding 30 s every 10 s, lateness 2 s, 250 events, 3 keys", 30_000, 10_000, 2_000, 250, 400, 8_000, 3),
    ] {
        let events = random_stream(g, n, step, disorder, keys, t0);
        let events: Vec<(&str, i64, i64)> = events.iter().map(|(k, t, v)| (k.as_str(), *t, *v)).collect();
        cases.push(Case::new(label, window_input(size, hop, lateness, &events)));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Exactly-once processing

/// A log of `[id, key, amount]` records, the commit interval, and crash points `[offset, kept]`.
fn exactly_once_input(log: &[(String, String, i64)], commit_every: usize, crashes: &[(usize, usize)]) -> Value {
    let log = log.iter().map(|(id, k, a)| Value::List(vec![text(id), text(k), Value::Int(*a)])).collect();
    let crashes = crashes.iter().map(|&(o, k)| Value::Ints(vec![o as i64, k as i64])).collect();
    Value::List(vec![Value::List(log), commit_every.into(), Value::List(crashes)])
}

/// `n` records on `keys` keys; a share `dup` of them is a second copy of an earlier record
/// (the producer's retry: same id, key and amount).
fn random_log(g: &mut Gen, n: usize, keys: usize, dup: f64) -> Vec<(String, String, i64)> {
    let mut log: Vec<(String, String, i64)> = Vec::with_capacity(n);
    for i in 0..n {
        if !log.is_empty() && g.float(0.0, 1.0) < dup {
            let j = g.size(log.len().saturating_sub(20), log.len() - 1);
            log.push(log[j].clone());
        } else {
            log.push((format!("evt-{i:04}"), format!("acct-{}", g.size(1, keys)), g.int(1, 500)));
        }
    }
    log
}

/// A log written by hand: `(id, key, amount)`.
fn log_of(records: &[(&str, &str, i64)]) -> Vec<(String, String, i64)> {
    records.iter().map(|&(i, k, a)| (i.to_string(), k.to_string(), a)).collect()
}

fn exactly_once_cases(g: &mut Gen) -> Vec<Case> {
    let small = log_of(&[
        ("e1", "alice", 10),
        ("e2", "bob", 5),
        ("e3", "alice", 7),
        ("e4", "carol", 1),
        ("e5", "bob", 20),
        ("e6", "alice", 3),
    ]);
    let with_dups = log_of(&[
        ("e1", "alice", 10),
        ("e2", "bob", 5),
        ("e2", "bob", 5),
        ("e3", "alice", 7),
        ("e1", "alice", 10),
        ("e4", "bob", 2),
    ]);
    let mut cases = vec![
        Case::new("an empty log", exactly_once_input(&[], 3, &[])),
        Case::new("no crash, no duplicate", exactly_once_input(&small, 2, &[])),
        Case::new("the producer wrote two events twice: each counts once", exactly_once_input(&with_dups, 2, &[])),
        Case::new(
            "a crash after apply, before the broker's commit: the records since the last commit come again",
            exactly_once_input(&small, 4, &[(2, 1000)]),
        ),
        Case::new("a crash inside apply before any of its writes", exactly_once_input(&small, 4, &[(2, 0)])),
        Case::new("a crash inside apply after its first write", exactly_once_input(&small, 4, &[(2, 1), (5, 1)])),
        Case::new(
            "crashes at consecutive records, the broker committing every record",
            exactly_once_input(&small, 1, &[(1, 1), (2, 1), (3, 0), (4, 1)]),
        ),
        Case::new(
            "a crash at the last record, the broker never committing",
            exactly_once_input(&small, 100, &[(5, 1)]),
        ),
        Case::new("duplicates and crashes together", exactly_once_input(&with_dups, 3, &[(2, 1), (4, 1), (5, 0)])),
    ];
    for (n, keys, dup, commit_every, crashes) in [(60, 4, 0.1, 5, 4), (200, 8, 0.05, 16, 10), (400, 12, 0.15, 50, 12)] {
        let log = random_log(g, n, keys, dup);
        let mut points: Vec<(usize, usize)> = (0..crashes).map(|_| (g.size(0, n - 1), g.size(0, 2))).collect();
        points.sort();
        points.dedup_by_key(|p| p.0);
        cases.push(Case::new(
            format!(
                "{n} records on {keys} keys, {:.0}% duplicated, commit every {commit_every}, {} crashes",
                dup * 100.0,
                points.len()
            ),
            exactly_once_input(&log, commit_every, &points),
        ));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Backfill

const DAY_MS: i64 = 86_400_000;
/// 2025-03-01.
const MARCH_2025: i64 = 20_148;

fn backfill_input(table: &[[i64; 4]], events: &[(String, i64, i64)], first: i64, last: i64) -> Value {
    let table = table.iter().map(|r| Value::Ints(r.to_vec())).collect();
    let events = events.iter().map(|(u, t, a)| Value::List(vec![text(u), Value::Int(*t), Value::Int(*a)])).collect();
    Value::List(vec![Value::List(table), Value::List(events), Value::Int(first), Value::Int(last)])
}

/// `n` events spread over `days` days from `day0`, on `users` users.
fn history(g: &mut Gen, n: usize, day0: i64, days: i64, users: usize) -> Vec<(String, i64, i64)> {
    (0..n)
        .map(|_| (format!("u{}", g.size(1, users)), day0 * DAY_MS + g.int(0, days * DAY_MS - 1), g.int(1, 300)))
        .collect()
}

/// Stale partitions for every day of `day0..day0 + days`: plausible numbers that are wrong.
fn stale_table(g: &mut Gen, day0: i64, days: i64) -> Vec<[i64; 4]> {
    (day0..day0 + days).map(|d| [d, g.int(0, 40), g.int(0, 5000), g.int(0, 10)]).collect()
}

fn backfill_cases(g: &mut Gen) -> Vec<Case> {
    let d = MARCH_2025;
    let at = |day: i64, ms: i64| day * DAY_MS + ms;
    let ev = |u: &str, t: i64, a: i64| (u.to_string(), t, a);
    let small_events = vec![
        ev("ann", at(d, 3_600_000), 10),
        ev("bob", at(d, 7_200_000), 20),
        ev("ann", at(d, 80_000_000), 5),
        ev("ann", at(d + 1, 0), 1),
        ev("cat", at(d + 2, DAY_MS - 1), 4),
        ev("bob", at(d + 4, 1000), 8),
    ];
    let stale =
        [[d - 1, 9, 99, 9], [d, 1, 1, 1], [d + 1, 50, 500, 5], [d + 2, 3, 3, 3], [d + 3, 7, 70, 2], [d + 4, 2, 2, 2]];
    let mut cases = vec![
        Case::new(
            "stale partitions are replaced, not added to; outside the range untouched",
            backfill_input(&stale, &small_events, d, d + 2),
        ),
        Case::new(
            "a day of the range without events gets a zero partition",
            backfill_input(&stale, &small_events, d + 3, d + 3),
        ),
        Case::new("an empty table: the range is created", backfill_input(&[], &small_events, d - 1, d + 5)),
        Case::new(
            "first_day > last_day: EmptyRange, nothing changes",
            backfill_input(&stale, &small_events, d + 2, d + 1),
        ),
        Case::new(
            "an event at exactly midnight belongs to the day that starts",
            backfill_input(
                &[],
                &[ev("ann", at(d, 0), 1), ev("ann", at(d, -1), 2), ev("bob", at(d + 1, 0), 3)],
                d - 1,
                d + 1,
            ),
        ),
        Case::new(
            "events before 1970 (negative times): day −1 is [−86,400,000, 0)",
            backfill_input(
                &[[-2, 5, 5, 5], [0, 5, 5, 5]],
                &[ev("ann", -1, 1), ev("bob", -DAY_MS, 2), ev("cat", -DAY_MS - 1, 3), ev("ann", 0, 4)],
                -2,
                0,
            ),
        ),
        Case::new(
            "the same user several times in a day counts once among the users",
            backfill_input(
                &[],
                &[ev("ann", at(d, 1), 1), ev("ann", at(d, 2), 1), ev("ann", at(d, 3), 1), ev("bob", at(d, 4), 1)],
                d,
                d,
            ),
        ),
    ];
    for (days, n, users, from, len) in [(30, 400, 20, 10, 7), (60, 1500, 50, 0, 45)] {
        let events = history(g, n, d, days, users);
        let mut table = stale_table(g, d - 5, days + 10);
        table.retain(|_| g.float(0.0, 1.0) < 0.8);
        cases.push(Case::new(
            format!("{n} events over {days} days, stale partitions, backfill {len} days"),
            backfill_input(&table, &events, d + from, d + from + len - 1),
        ));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Schema validation and anomalies

/// `[name, type, required, nullable, min, max, allowed]`.
fn field(
    name: &str,
    kind: &str,
    required: bool,
    nullable: bool,
    min: Option<f64>,
    max: Option<f64>,
    allowed: Option<&[&str]>,
) -> Value {
    let bound = |b: Option<f64>| b.map_or(Value::Unit, Value::Float);
    Value::List(vec![
        text(name),
        text(kind),
        Value::Bool(required),
        Value::Bool(nullable),
        bound(min),
        bound(max),
        allowed.map_or(Value::Unit, texts),
    ])
}

/// A payments feed's schema.
fn payments_schema() -> Value {
    Value::List(vec![
        field("user_id", "Integer", true, false, Some(1.0), None, None),
        field("amount", "Number", true, false, Some(0.0), Some(10_000.0), None),
        field("currency", "String", true, false, None, None, Some(&["EUR", "USD", "GBP"])),
        field("country", "String", false, true, None, None, None),
        field("is_fraud", "Bool", false, false, None, None, None),
        field("age", "Integer", false, true, Some(0.0), Some(130.0), None),
    ])
}

fn records_input(schema: Value, records: &serde_json::Value) -> Value {
    Value::List(vec![schema, Value::Text(records.to_string())])
}

fn raw_input(schema: Value, json_text: &str) -> Value {
    Value::List(vec![schema, text(json_text)])
}

/// A valid payment record.
fn payment(g: &mut Gen) -> serde_json::Value {
    let currency = ["EUR", "USD", "GBP"][g.size(0, 2)];
    let mut r = json!({
        "user_id": g.int(1, 100_000),
        "amount": (g.float(0.0, 500.0) * 100.0).round() / 100.0,
        "currency": currency,
    });
    if g.float(0.0, 1.0) < 0.7 {
        r["country"] =
            if g.float(0.0, 1.0) < 0.2 { serde_json::Value::Null } else { json!(["FR", "DE", "US"][g.size(0, 2)]) };
    }
    if g.float(0.0, 1.0) < 0.5 {
        r["is_fraud"] = json!(g.float(0.0, 1.0) < 0.1);
    }
    if g.float(0.0, 1.0) < 0.6 {
        r["age"] = json!(g.int(18, 90));
    }
    r
}

/// One violation of some kind in a valid record.
fn break_record(g: &mut Gen, r: &mut serde_json::Value) {
    let o = r.as_object_mut().expect("a payment is an object");
    match g.size(0, 11) {
        0 => *r = json!([1, 2, 3]),
        1 => {
            o.remove("currency");
        }
        2 => {
            o.insert("user_id".into(), serde_json::Value::Null);
        }
        3 => {
            o.insert("user_id".into(), json!("12"));
        }
        4 => {
            o.insert("user_id".into(), json!(12.5));
        }
        5 => {
            o.insert("amount".into(), json!(-0.01));
        }
        6 => {
            o.insert("amount".into(), json!(10_000.5));
        }
        7 => {
            o.insert("currency".into(), json!("eur"));
        }
        8 => {
            o.insert("is_fraud".into(), serde_json::Value::Null);
        }
        9 => {
            o.insert("age".into(), json!(131));
        }
        10 => {
            o.insert("coupon".into(), json!("X1"));
        }
        _ => {
            o.insert("is_fraud".into(), json!("no"));
        }
    }
}

fn payments(g: &mut Gen, n: usize, broken: f64) -> serde_json::Value {
    let rs: Vec<serde_json::Value> = (0..n)
        .map(|_| {
            let mut r = payment(g);
            while g.float(0.0, 1.0) < broken && r.is_object() {
                break_record(g, &mut r);
            }
            r
        })
        .collect();
    serde_json::Value::Array(rs)
}

fn schema_cases(g: &mut Gen) -> Vec<Case> {
    let s = payments_schema;
    let ok = json!({"user_id": 7, "amount": 12.5, "currency": "EUR"});
    let mut cases = vec![
        Case::new("valid records: no violation", records_input(s(), &payments(g, 20, 0.0))),
        Case::new("an empty array", raw_input(s(), "[]")),
        Case::new("not JSON", raw_input(s(), "[{\"user_id\": 1,}")),
        Case::new("JSON but not an array", raw_input(s(), "{\"user_id\": 1}")),
        Case::new(
            "records that are not objects: a number, an array, null, a string",
            records_input(s(), &json!([ok, 3, [ok], null, "user_id"])),
        ),
        Case::new(
            "3.0 and 3e0 in an integer field have the wrong type; 3 is fine",
            raw_input(
                s(),
                r#"[{"user_id": 3, "amount": 1, "currency": "EUR"}, {"user_id": 3.0, "amount": 1, "currency": "EUR"}, {"user_id": 3e0, "amount": 1, "currency": "EUR"}]"#,
            ),
        ),
        Case::new(
            "bounds are inclusive: min and max themselves pass, just beyond fails",
            records_input(
                s(),
                &json!([
                    {"user_id": 1, "amount": 0, "currency": "USD", "age": 0},
                    {"user_id": 1, "amount": 10000, "currency": "USD", "age": 130},
                    {"user_id": 0, "amount": 10000.000001, "currency": "USD", "age": -1},
                ]),
            ),
        ),
        Case::new(
            "null: fine where nullable, a Null violation where not; an absent optional field is fine",
            records_input(
                s(),
                &json!([
                    {"user_id": 5, "amount": 1, "currency": "GBP", "country": null, "age": null},
                    {"user_id": 5, "amount": 1, "currency": "GBP", "is_fraud": null},
                    {"user_id": null, "amount": null, "currency": null},
                ]),
            ),
        ),
        Case::new(
            "missing required fields and unknown fields, sorted by name with the schema's",
            records_input(
                s(),
                &json!([
                    {"zip": "75001", "amount": 3, "Currency": "EUR", "aa": 1},
                    {},
                ]),
            ),
        ),
        Case::new(
            "a string outside the allowed values (case matters); wrong types of every kind",
            records_input(
                s(),
                &json!([
                    {"user_id": 5, "amount": "12", "currency": "eur", "country": 33, "is_fraud": 0, "age": true},
                    {"user_id": [5], "amount": {"v": 1}, "currency": "JPY", "is_fraud": "true"},
                ]),
            ),
        ),
        Case::new(
            "an integer above i64::MAX is still an integer",
            raw_input(s(), r#"[{"user_id": 18446744073709551615, "amount": 1, "currency": "EUR"}]"#),
        ),
        Case::new("an empty schema: every field is unknown", records_input(Value::List(vec![]), &json!([ok, {}]))),
    ];
    for (n, broken) in [(50, 0.3), (200, 0.15), (500, 0.05)] {
        cases.push(Case::new(
            format!("{n} payments, about {:.0}% with violations", broken * 100.0),
            records_input(s(), &payments(g, n, broken)),
        ));
    }
    cases
}

fn anomaly_input(schema: Value, records: &serde_json::Value, threshold: f64) -> Value {
    Value::List(vec![schema, Value::Text(records.to_string()), threshold.into()])
}

/// A feature feed: two numeric fields and a string.
fn sensor_schema() -> Value {
    Value::List(vec![
        field("latency_ms", "Number", true, false, None, None, None),
        field("device", "String", true, false, None, None, None),
        field("requests", "Integer", true, true, Some(0.0), None, None),
    ])
}

fn rows(latency: &[f64], requests: &[i64]) -> serde_json::Value {
    serde_json::Value::Array(
        latency.iter().zip(requests).map(|(l, r)| json!({"latency_ms": l, "device": "d1", "requests": r})).collect(),
    )
}

fn anomaly_cases(g: &mut Gen) -> Vec<Case> {
    let s = sensor_schema;
    // Median 4, deviations 0 0 0 2 2 4 4: MAD 2, and the values 0 and 8 have |z| = 0.6745 · 4 / 2.
    let at_threshold = MAD_SCALE * 4.0 / 2.0;
    let mut cases = vec![
        Case::new(
            "an odd count and one wild value",
            anomaly_input(s(), &rows(&[12.0, 15.0, 11.0, 14.0, 250.0, 13.0, 12.5], &[3, 4, 3, 5, 4, 4, 90]), 3.5),
        ),
        Case::new(
            "an even count: the median is the mean of the two middle values",
            anomaly_input(s(), &rows(&[10.0, 20.0, 30.0, 41.0, 1000.0, 12.0], &[1, 2, 3, 4, 5, 6]), 3.5),
        ),
        Case::new(
            "MAD 0 (most values equal): every value off the median is flagged",
            anomaly_input(s(), &rows(&[5.0, 5.0, 5.0, 5.0, 5.1, 5.0, 4.0], &[7, 7, 7, 8, 7, 7, 7]), 3.5),
        ),
        Case::new(
            "a value exactly at the threshold is not flagged",
            anomaly_input(s(), &rows(&[0.0, 2.0, 4.0, 4.0, 4.0, 6.0, 8.0], &[0, 2, 4, 4, 4, 6, 8]), at_threshold),
        ),
        Case::new(
            "values of the wrong type and nulls are skipped; a field without values is left out",
            anomaly_input(
                s(),
                &json!([
                    {"latency_ms": 10, "device": "d1", "requests": null},
                    {"latency_ms": "11", "device": "d1"},
                    {"latency_ms": 12, "device": 5, "requests": "7"},
                    {"latency_ms": 13.5, "device": "d1", "requests": null},
                    {"latency_ms": 900, "device": "d2"},
                ]),
                3.5,
            ),
        ),
        Case::new(
            "records that are not objects are skipped; integers and fractions alike",
            anomaly_input(s(), &json!([1, {"latency_ms": 3}, [2], {"latency_ms": 4.25, "requests": 2}, null]), 3.5),
        ),
        Case::new("not JSON", Value::List(vec![s(), text("[1, 2"), 3.5.into()])),
        Case::new("no records", anomaly_input(s(), &json!([]), 3.5)),
    ];
    for (n, outliers, threshold) in [(40, 2, 3.5), (200, 6, 3.5), (1000, 15, 3.0)] {
        let mut latency: Vec<f64> = (0..n).map(|_| ((20.0 + 5.0 * g.normals(1)[0]) * 8.0).round() / 8.0).collect();
        let mut requests: Vec<i64> = (0..n).map(|_| g.int(90, 110)).collect();
        for _ in 0..outliers {
            let i = g.size(0, n - 1);
            latency[i] = (g.float(80.0, 400.0) * 4.0).round() / 4.0;
            let j = g.size(0, n - 1);
            requests[j] = g.int(0, 1000);
        }
        cases.push(Case::new(
            format!("{n} readings, {outliers} injected outliers per field, threshold {threshold}"),
            anomaly_input(s(), &rows(&latency, &requests), threshold),
        ));
    }
    cases
}

/// The scale of the modified z-score (as the exercise documents it).
const MAD_SCALE: f64 = 0.6745;

// ---------------------------------------------------------------------------------------------
// Cron schedules

/// 2026-12-04 18:54 UTC, a Friday, in minutes since 1970-01-01 00:00 UTC.
const NOW: i64 = 29_940_174;
/// 2026-12-31 23:59 UTC.
const NEW_YEARS_EVE: i64 = 29_979_359;

fn cron(expr: &str, after: i64, n: usize) -> Value {
    Value::List(vec![text(expr), Value::Int(after), n.into()])
}

/// One random field: `*`, a value, a range, a list, with or without a step.
fn cron_field(g: &mut Gen, lo: i64, hi: i64) -> String {
    let item = |g: &mut Gen| match g.size(0, 4) {
        0 => "*".to_string(),
        1 => g.int(lo, hi).to_string(),
        2 => {
            let a = g.int(lo, hi);
            format!("{a}-{}", g.int(a, hi))
        }
        3 => format!("*/{}", g.int(1, (hi - lo).max(1))),
        _ => {
            let a = g.int(lo, hi);
            format!("{a}-{}/{}", g.int(a, hi), g.int(1, 5))
        }
    };
    let n = if g.float(0.0, 1.0) < 0.25 { 2 } else { 1 };
    (0..n).map(|_| item(g)).collect::<Vec<_>>().join(",")
}

fn schedule_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("every 15 minutes", cron("*/15 * * * *", NOW, 10)),
        Case::new("`after` on a run time: the next runs are strictly after it", cron("*/15 * * * *", NOW - 9, 3)),
        Case::new("weekdays at 9:00", cron("0 9 * * 1-5", NOW, 10)),
        Case::new("a list of hours and a range with a step", cron("5-50/15 8,20 * * *", NOW, 12)),
        Case::new("`a/s` means a to the end by s", cron("10/20 */6 * * *", NOW, 10)),
        Case::new(
            "day of month and day of week both restricted: either matches (noon on the 1st and on Mondays)",
            cron("0 12 1 * 1", NOW, 10),
        ),
        Case::new("`*/2` in day of week starts with `*`: both must match", cron("0 0 13 * */2", NOW, 6)),
        Case::new("February 29: twice in 8 years, fewer than n", cron("30 2 29 2 *", NOW, 5)),
        Case::new("February 31: never", cron("0 0 31 2 *", NOW, 3)),
        Case::new("the year's last minute, then the next year's", cron("59 23 31 12 *", NEW_YEARS_EVE - 1, 3)),
        Case::new("whitespace between fields: tabs and several spaces", cron("0  6\t* *   *", NOW, 3)),
        Case::new("n = 0", cron("* * * * *", NOW, 0)),
        Case::new("every minute across midnight", cron("* * * * *", NOW + 5 * 60 + 2, 5)),
        Case::new("Sundays before 1970 (negative minutes)", cron("0 0 * * 0", -40_000, 4)),
        Case::new("four fields", cron("* * * *", NOW, 3)),
        Case::new("six fields", cron("0 * * * * *", NOW, 3)),
        Case::new("minute 60", cron("60 * * * *", NOW, 3)),
        Case::new("a step of 0", cron("*/0 * * * *", NOW, 3)),
        Case::new("a range that runs backwards", cron("0 5-1 * * *", NOW, 3)),
        Case::new("day of week 7", cron("0 0 * * 7", NOW, 3)),
        Case::new("day of month 0", cron("0 0 0 * *", NOW, 3)),
        Case::new("a letter", cron("0 0 * jan *", NOW, 3)),
        Case::new("an empty item in a list", cron("1,,2 * * * *", NOW, 3)),
        Case::new("a range without its end", cron("0 1- * * *", NOW, 3)),
        Case::new("the first error wins: a syntax error after an out-of-range value", cron("99 x * * *", NOW, 3)),
    ];
    for _ in 0..4 {
        let expr = [
            cron_field(g, 0, 59),
            cron_field(g, 0, 23),
            cron_field(g, 1, 28),
            cron_field(g, 1, 12),
            cron_field(g, 0, 6),
        ]
        .join(" ");
        let after = g.int(26_000_000, 31_000_000);
        let n = g.size(5, 20);
        cases.push(Case::new(format!("random schedule `{expr}`, {n} runs"), cron(&expr, after, n)));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// A feature DAG

/// Steps `[name, [inputs]]`, the sources' digests at the last run and now, and the steps that
/// never ran: the glue plans the last run from the old sources, then this run from the new ones
/// with the last run's digests, less the forgotten steps'.
fn dag_input(steps: &[(&str, &[&str])], old: &[(&str, &str)], new: &[(&str, &str)], forget: &[&str]) -> Value {
    let steps = steps.iter().map(|(n, i)| Value::List(vec![text(n), texts(i)])).collect();
    let digests =
        |d: &[(&str, &str)]| Value::List(d.iter().map(|(n, x)| Value::List(vec![text(n), text(x)])).collect());
    Value::List(vec![Value::List(steps), digests(old), digests(new), texts(forget)])
}

fn random_dag(g: &mut Gen, n: usize, sources: usize, changed: usize) -> Value {
    let source_names: Vec<String> = (0..sources).map(|i| format!("raw_{i}")).collect();
    let mut names: Vec<String> = (0..n).map(|i| format!("f{}", i * 7 % 97)).collect();
    names.dedup();
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let k = g.size(0, 3);
        let inputs: Vec<String> = (0..k)
            .map(|_| {
                if i == 0 || g.float(0.0, 1.0) < 0.3 {
                    source_names[g.size(0, sources - 1)].clone()
                } else {
                    names[g.size(0, i - 1)].clone()
                }
            })
            .collect();
        steps.push((name.clone(), inputs));
    }
    steps.shuffle(g.rng());
    let digest = |g: &mut Gen| format!("{:016x}", g.seed());
    let old: Vec<(String, String)> = source_names.iter().map(|s| (s.clone(), digest(g))).collect();
    let mut new = old.clone();
    for _ in 0..changed {
        let i = g.size(0, sources - 1);
        new[i].1 = digest(g);
    }
    let forget: Vec<&str> = steps.iter().filter(|_| g.float(0.0, 1.0) < 0.05).map(|s| s.0.as_str()).collect();
    let steps_ref: Vec<(&str, Vec<&str>)> =
        steps.iter().map(|(n, i)| (n.as_str(), i.iter().map(String::as_str).collect())).collect();
    let steps_ref: Vec<(&str, &[&str])> = steps_ref.iter().map(|(n, i)| (*n, i.as_slice())).collect();
    dag_input(&steps_ref, &as_pairs(&old), &as_pairs(&new), &forget)
}

fn as_pairs(d: &[(String, String)]) -> Vec<(&str, &str)> {
    d.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn dag_cases(g: &mut Gen) -> Vec<Case> {
    let src = [("clicks", "c1"), ("orders", "o1"), ("users", "u1")];
    let clicks_changed = [("clicks", "c2"), ("orders", "o1"), ("users", "u1")];
    let chain: &[(&str, &[&str])] =
        &[("sessions", &["clicks"]), ("features", &["sessions"]), ("training_set", &["features"])];
    let diamond: &[(&str, &[&str])] = &[
        ("user_profile", &["users"]),
        ("click_rate", &["clicks", "user_profile"]),
        ("basket", &["orders", "user_profile"]),
        ("features", &["click_rate", "basket"]),
    ];
    let mut cases = vec![
        Case::new("no steps", dag_input(&[], &src, &src, &[])),
        Case::new(
            "a chain, a source changed: everything downstream runs",
            dag_input(chain, &src, &clicks_changed, &[]),
        ),
        Case::new("a chain, nothing changed: nothing runs", dag_input(chain, &src, &src, &[])),
        Case::new(
            "a diamond: a change on one side reruns that side and the join only",
            dag_input(diamond, &src, &clicks_changed, &[]),
        ),
        Case::new(
            "a step that never ran runs, and so does everything after it",
            dag_input(diamond, &src, &src, &["basket"]),
        ),
        Case::new(
            "ties by name in byte order: `B` before `a`, `f10` before `f2`",
            dag_input(
                &[("f2", &["users"]), ("f10", &["users"]), ("a", &[]), ("B", &[]), ("f1", &["f2", "f10"])],
                &src,
                &src,
                &[],
            ),
        ),
        Case::new(
            "an input listed twice, and inputs in a chosen order (the digest follows it)",
            dag_input(
                &[("x", &["orders", "clicks", "orders"]), ("y", &["clicks", "orders"])],
                &src,
                &clicks_changed,
                &[],
            ),
        ),
        Case::new(
            "two steps with one name",
            dag_input(&[("a", &["users"]), ("b", &["a"]), ("a", &["orders"])], &src, &src, &[]),
        ),
        Case::new("a step named like a source", dag_input(&[("users", &["orders"])], &src, &src, &[])),
        Case::new("an unknown input", dag_input(&[("a", &["users"]), ("b", &["a", "payments"])], &src, &src, &[])),
        Case::new(
            "a duplicate and an unknown input: DuplicateStep is checked first",
            dag_input(&[("a", &["nowhere"]), ("a", &["users"])], &src, &src, &[]),
        ),
        Case::new(
            "a cycle through three steps",
            dag_input(&[("a", &["c", "users"]), ("b", &["a"]), ("c", &["b"]), ("d", &["users"])], &src, &src, &[]),
        ),
        Case::new("a step that reads itself", dag_input(&[("a", &["a"])], &src, &src, &[])),
    ];
    for (n, sources, changed) in [(10, 3, 1), (25, 5, 2), (60, 8, 2)] {
        cases.push(Case::new(
            format!("a random DAG of {n} steps on {sources} sources, {changed} of them changed"),
            random_dag(g, n, sources, changed),
        ));
    }
    cases
}
