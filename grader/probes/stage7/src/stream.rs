//! Glue for `stage7::stream`.
//!
//! Events travel as `[key, time, value]`, log records as `[id, key, amount]`, crash points as
//! `[offset, commits kept]`, raw events as `[user, time_ms, amount]`, a daily table as `[day,
//! count, sum, users]` rows, a schema as `[name, type, required, nullable, min or unit, max or
//! unit, allowed values or unit]` fields, a DAG's steps as `[name, [inputs...]]` and its
//! digests as `[name, digest]` pairs. Enums come back as their variants' names.
//!
//! Exactly-once: the glue plays the log and the broker around the student's consumer (see
//! [`play`]), crashing where the case says, and runs every scenario twice, the second time on a
//! fresh store, so that nothing remembered outside the store can pass for durability.
//!
//! The DAG: the glue plans the last run from the old sources (no step had run before it), then
//! this run from the current sources with the last run's digests, less those of the steps the
//! case says never ran: the previous digests are the student's own, so `run` is judged on
//! what changed, and `digests` on the digest rule.

use crate::convert::Stage7;
use grader_protocol::Value;
use stage7::stream::{
    self, Consumer, DailyAggregate, DailyTable, Event, FieldSpec, FieldType, Plan, RawEvent, Record, Step, Store,
    WindowSpec, Windowed,
};
use std::collections::BTreeMap;

probe_runtime::glue! { Stage7;
    "stage7.stream.windows" => |spec: Vec<i64>, events: &Value| {
        let spec = WindowSpec { size_ms: spec[0], hop_ms: spec[1], lateness_ms: spec[2] };
        windowed(stream::window_features(&spec, &stream_events(events)))
    } => (windows, late);
    "stage7.stream.exactly_once" => |log: &Value, commit_every: usize, crashes: &Value| {
        let (log, crashes) = (records(log), crash_points(crashes));
        let first = play::<stream::Totals>(&log, commit_every, &crashes);
        let again = play::<stream::Totals>(&log, commit_every, &crashes);
        (totals(&first), totals(&again))
    } => (totals, totals_again);
    "stage7.stream.backfill" => |table: &Value, events: &Value, first_day: i64, last_day: i64| {
        let mut t = daily_table(table);
        let events = raw_events(events);
        let first = stream::backfill(&mut t, &events, first_day, last_day).map(|()| daily_rows(&t));
        let second = stream::backfill(&mut t, &events, first_day, last_day).map(|()| daily_rows(&t));
        (first, second)
    } => (after_first_run, after_second_run);
    "stage7.stream.schema" => |schema: &Value, records: &str| {
        stream::validate(&field_specs(schema), records).map(|v| {
            v.iter()
                .map(|v| Value::List(vec![v.record.into(), v.field.clone().into(), format!("{:?}", v.kind).into()]))
                .collect::<Vec<Value>>()
        })
    };
    "stage7.stream.anomalies" => |schema: &Value, records: &str, threshold: f64| {
        stream::robust_anomalies(&field_specs(schema), records, threshold).map(|fields| {
            fields
                .into_iter()
                .map(|f| {
                    let flagged = f.flagged.iter().map(|&i| i as i64).collect();
                    Value::List(vec![f.field.into(), f.median.into(), f.mad.into(), Value::Ints(flagged)])
                })
                .collect::<Vec<Value>>()
        })
    };
    "stage7.stream.schedule" => |expr: &str, after: i64, n: usize| stream::next_runs(expr, after, n);
    "stage7.stream.dag" => |steps: &Value, old_sources: &Value, sources: &Value, never_ran: Vec<&str>| {
        let steps = dag_steps(steps);
        let last_run = stream::plan(&steps, &digests(old_sources), &BTreeMap::new());
        last_run
            .and_then(|last| {
                let mut previous = last.digests;
                previous.retain(|step, _| !never_ran.contains(&step.as_str()));
                stream::plan(&steps, &digests(sources), &previous)
            })
            .map(plan_parts)
    } => (order, run, digests);
}

fn stream_events(v: &Value) -> Vec<Event> {
    v.list()
        .iter()
        .map(|e| Event { key: e.at(0).text().to_string(), time: e.at(1).int(), value: e.at(2).int() })
        .collect()
}

fn windowed(w: Windowed) -> (Value, i64) {
    let windows = w
        .windows
        .into_iter()
        .map(|w| {
            Value::List(vec![
                w.key.into(),
                w.start.into(),
                w.end.into(),
                Value::Int(w.count as i64),
                w.sum.into(),
                w.max.into(),
                w.mean.into(),
                w.fired_after.into(),
            ])
        })
        .collect();
    (Value::List(windows), w.late as i64)
}

fn records(v: &Value) -> Vec<Record> {
    v.list()
        .iter()
        .map(|r| Record { id: r.at(0).text().to_string(), key: r.at(1).text().to_string(), amount: r.at(2).int() })
        .collect()
}

/// `(offset, commits kept)`: the crash strikes while `offset` is first applied, after that many
/// of the consumer's commits in it (as many as it made, or more: after `apply` returned, before
/// the broker's commit).
fn crash_points(v: &Value) -> Vec<(u64, usize)> {
    v.list().iter().map(|c| (c.ints()[0] as u64, c.ints()[1] as usize)).collect()
}

/// Plays the log through a consumer of type `C`, as a broker with at-least-once delivery does:
/// the broker commits the offset every `commit_every` records; a crash drops the consumer, keeps
/// the store as it was after the consumer's first `kept` commits of that `apply`, and replays
/// from the broker's committed offset. Each crash point strikes once.
fn play<C: Consumer>(log: &[Record], commit_every: usize, crashes: &[(u64, usize)]) -> Store {
    let mut store = Store::default();
    let mut committed = 0usize;
    let mut struck = vec![false; crashes.len()];
    'restart: loop {
        let mut consumer = C::open(&store);
        let start = committed;
        for (offset, record) in log.iter().enumerate().skip(start) {
            let before = store.commits();
            consumer.apply(offset as u64, record, &mut store);
            if let Some(k) = (0..crashes.len()).find(|&k| !struck[k] && crashes[k].0 == offset as u64) {
                struck[k] = true;
                store = store.rolled_back(before.saturating_add(crashes[k].1));
                continue 'restart;
            }
            if (offset + 1) % commit_every.max(1) == 0 {
                committed = offset + 1;
            }
        }
        return store;
    }
}

/// The `total:<key>` entries of the store, by key.
fn totals(store: &Store) -> Value {
    Value::List(
        store
            .entries()
            .iter()
            .filter_map(|(k, &v)| Some(Value::List(vec![k.strip_prefix("total:")?.to_string().into(), v.into()])))
            .collect(),
    )
}

fn daily_table(v: &Value) -> DailyTable {
    v.list()
        .iter()
        .map(|r| {
            let r = r.ints();
            (r[0], DailyAggregate { count: r[1] as u64, sum: r[2], users: r[3] as u64 })
        })
        .collect()
}

fn daily_rows(t: &DailyTable) -> Value {
    Value::List(
        t.iter().map(|(&day, a)| Value::Ints(vec![day, a.count as i64, a.sum, a.users as i64])).collect::<Vec<Value>>(),
    )
}

fn raw_events(v: &Value) -> Vec<RawEvent> {
    v.list()
        .iter()
        .map(|e| RawEvent { user: e.at(0).text().to_string(), time_ms: e.at(1).int(), amount: e.at(2).int() })
        .collect()
}

fn field_specs(v: &Value) -> Vec<FieldSpec> {
    let bound = |b: &Value| match b {
        Value::Unit => None,
        b => Some(b.float()),
    };
    v.list()
        .iter()
        .map(|f| FieldSpec {
            name: f.at(0).text().to_string(),
            kind: match f.at(1).text() {
                "Integer" => FieldType::Integer,
                "Number" => FieldType::Number,
                "String" => FieldType::String,
                "Bool" => FieldType::Bool,
                other => panic!("glue: unknown field type {other}"),
            },
            required: f.at(2).bool(),
            nullable: f.at(3).bool(),
            min: bound(f.at(4)),
            max: bound(f.at(5)),
            allowed: match f.at(6) {
                Value::Unit => None,
                a => Some(a.list().iter().map(|s| s.text().to_string()).collect()),
            },
        })
        .collect()
}

fn dag_steps(v: &Value) -> Vec<Step> {
    v.list()
        .iter()
        .map(|s| Step {
            name: s.at(0).text().to_string(),
            inputs: s.at(1).list().iter().map(|i| i.text().to_string()).collect(),
        })
        .collect()
}

fn digests(v: &Value) -> BTreeMap<String, String> {
    v.list().iter().map(|p| (p.at(0).text().to_string(), p.at(1).text().to_string())).collect()
}

fn plan_parts(p: Plan) -> (Value, Value, Value) {
    let names = |v: Vec<String>| Value::List(v.into_iter().map(Value::from).collect());
    let digests = p.digests.into_iter().map(|(k, d)| Value::List(vec![k.into(), d.into()])).collect::<Vec<Value>>();
    (names(p.order), names(p.run), Value::List(digests))
}
