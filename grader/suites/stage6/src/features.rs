//! Hidden suites for `stage6::features`: point-in-time training rows, compared with the
//! reference's frame exactly (columns, their order, every value and every null).
//!
//! Every feature table carries a column `<table>_at` whose value is the row's own timestamp, so
//! that a wrong answer is explained by what went wrong: a feature recorded *after* the event (the
//! leak a point-in-time join exists to prevent), one older than `max_age`, or another entity's.
//! The leakage probe places, for every event, one row a second after it and one exactly at it.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};
use std::fmt::Write;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.features.point_in_time", cases, check)]
}

/// One table: its name and rows `(entity, ts, values)`, with `columns` the feature columns
/// after `<name>_at`.
struct Table {
    name: String,
    columns: Vec<String>,
    rows: Vec<(String, i64, Vec<f64>)>,
}

impl Table {
    fn csv(&self) -> String {
        let mut s = format!("entity,ts,{}_at", self.name);
        for c in &self.columns {
            write!(s, ",{c}").unwrap();
        }
        s.push('\n');
        for (e, ts, vs) in &self.rows {
            write!(s, "{e},{ts},{ts}").unwrap();
            for v in vs {
                write!(s, ",{v}").unwrap();
            }
            s.push('\n');
        }
        s
    }
}

fn events_csv(events: &[(String, i64, i64)]) -> String {
    let mut s = "ts,entity,label\n".to_string();
    for (e, ts, l) in events {
        writeln!(s, "{ts},{e},{l}").unwrap();
    }
    s
}

fn case(label: &str, events: &str, tables: &[(&str, String)], max_age: i64) -> Case {
    let tables =
        tables.iter().map(|(n, c)| Value::List(vec![Value::Text(n.to_string()), Value::Text(c.clone())])).collect();
    Case::new(label, Value::List(vec![Value::Text(events.into()), Value::List(tables), Value::Int(max_age)]))
}

/// A random table over `entities`: each entity's rows at distinct timestamps in `[0, span)`.
fn table(g: &mut Gen, name: &str, columns: &[&str], entities: usize, per_entity: usize, span: i64) -> Table {
    let mut rows = Vec::new();
    for e in 0..entities {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..g.size(0, per_entity) {
            let ts = g.int(0, span - 1);
            if seen.insert(ts) {
                let values = columns.iter().map(|_| (g.float(-100.0, 100.0) * 100.0).round() / 100.0).collect();
                rows.push((format!("u{e}"), ts, values));
            }
        }
    }
    shuffle(g, &mut rows);
    Table { name: name.into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// Rows in an order that is not time's (Fisher–Yates with the case's generator).
fn shuffle<T>(g: &mut Gen, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, g.size(0, i));
    }
}

fn events(g: &mut Gen, n: usize, entities: usize, span: i64) -> Vec<(String, i64, i64)> {
    (0..n).map(|_| (format!("u{}", g.size(0, entities)), g.int(0, span - 1), g.int(0, 1))).collect()
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    // A worked example a student can follow by hand.
    let ev = events_csv(&[("a".into(), 100, 1), ("b".into(), 50, 0), ("a".into(), 30, 0), ("c".into(), 100, 1)]);
    let small = Table {
        name: "spend".into(),
        columns: vec!["total".into()],
        rows: vec![
            ("a".into(), 100, vec![3.0]),
            ("a".into(), 20, vec![1.0]),
            ("a".into(), 101, vec![9.0]),
            ("b".into(), 10, vec![5.0]),
        ],
    };
    cases.push(case(
        "four events by hand: equal timestamps count, later ones never, b's row is too old",
        &ev,
        &[("spend", small.csv())],
        30,
    ));
    cases.push(case("the same events with no age limit", &ev, &[("spend", small.csv())], 1_000_000));
    // The leakage probe: for every event, a row at the event's second and one a second after.
    let evs = events(g, 40, 8, 10_000);
    let mut probe = Table { name: "balance".into(), columns: vec!["amount".into()], rows: Vec::new() };
    let mut keys = std::collections::BTreeSet::new();
    for (i, (e, ts, _)) in evs.iter().enumerate() {
        for (dt, v) in [(1, 1e6), (-5, i as f64)] {
            if keys.insert((e.clone(), ts + dt)) {
                probe.rows.push((e.clone(), ts + dt, vec![v]));
            }
        }
        if i % 3 == 0 && keys.insert((e.clone(), *ts)) {
            probe.rows.push((e.clone(), *ts, vec![-(i as f64)]));
        }
    }
    shuffle(g, &mut probe.rows);
    cases.push(case(
        "leakage probe: every event has a row one second after it (and some a row at it)",
        &events_csv(&evs),
        &[("balance", probe.csv())],
        60,
    ));
    // Two tables, random, unsorted, with entities that have no rows.
    for k in 0..3 {
        let span = 100_000;
        let entities = g.size(3, 12);
        let a = table(g, "activity", &["logins", "sessions"], entities, 12, span);
        let b = table(g, "billing", &["balance"], entities.saturating_sub(2), 6, span);
        let n_events = g.size(20, 120);
        let evs = events(g, n_events, entities, span);
        let max_age = [5_000, 20_000, 100_000][k];
        cases.push(case(
            &format!("two tables, {} events, {entities} entities, max_age {max_age}", evs.len()),
            &events_csv(&evs),
            &[("activity", a.csv()), ("billing", b.csv())],
            max_age,
        ));
    }
    let evs = events(g, 30, 5, 1000);
    let t = table(g, "activity", &["logins"], 5, 10, 1000);
    cases.push(case(
        "max_age 0: only rows recorded at the event's second",
        &events_csv(&evs),
        &[("activity", t.csv())],
        0,
    ));
    cases.push(case(
        "negative timestamps",
        "entity,ts,label\nu1,-50,1\nu1,-5,0\n",
        &[("t", "entity,ts,t_at,x\nu1,-60,-60,1.5\nu1,-10,-10,2.5\n".into())],
        45,
    ));
    cases.push(case(
        "no events: an empty frame with the columns",
        "entity,ts,label\n",
        &[("t", "entity,ts,t_at,x\nu1,1,1,1.5\n".into())],
        10,
    ));
    cases.push(case(
        "an empty feature table: every feature null",
        "entity,ts,label\nu1,5,1\nu2,7,0\n",
        &[("t", "entity,ts,t_at,x\n".into())],
        10,
    ));
    cases.push(case(
        "integer feature values come out as numbers",
        "entity,ts,label\nu1,5,1\n",
        &[("t", "entity,ts,t_at,x\nu1,4,4,3\n".into())],
        10,
    ));
    cases.push(case(
        "extra event columns are ignored",
        "entity,ts,label,note\nu1,5,1,hello\n",
        &[("t", "entity,ts,t_at,x\nu1,4,4,3.5\n".into())],
        10,
    ));
    // Errors.
    let t = "entity,ts,t_at,x\nu1,4,4,3.5\n".to_string();
    cases.push(case(
        "a table with two rows of one (entity, ts)",
        "entity,ts,label\nu1,5,1\n",
        &[("t", "entity,ts,t_at,x\nu1,4,4,3.5\nu1,4,4,9.5\n".into())],
        10,
    ));
    cases.push(case(
        "two tables name one column",
        "entity,ts,label\nu1,5,1\n",
        &[("t", t.clone()), ("u", "entity,ts,u_at,x\nu1,4,4,1\n".into())],
        10,
    ));
    cases.push(case(
        "a table names a key column of the output",
        "entity,ts,label\nu1,5,1\n",
        &[("t", "entity,ts,label\nu1,4,1\n".into())],
        10,
    ));
    cases.push(case("events without a label", "entity,ts\nu1,5\n", &[("t", t.clone())], 10));
    cases.push(case(
        "a table without ts",
        "entity,ts,label\nu1,5,1\n",
        &[("t", "entity,when,x\nu1,4,3.5\n".into())],
        10,
    ));
    cases.push(case(
        "a table with no feature column",
        "entity,ts,label\nu1,5,1\n",
        &[("t", "entity,ts\nu1,4\n".into())],
        10,
    ));
    cases.push(case("timestamps that are not integers", "entity,ts,label\nu1,soon,1\n", &[("t", t.clone())], 10));
    cases.push(case("a negative max_age", "entity,ts,label\nu1,5,1\n", &[("t", t)], -1));
    cases
}

/// Exact; where the frames differ, a feature taken from the wrong row is named for what it is.
fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let result = exact(ctx);
    if result.is_ok() {
        return result;
    }
    let Value::List(cols) = ctx.got else { return result };
    let max_age = ctx.input.at(2).int();
    let find = |name: &str| {
        cols.iter()
            .find(|c| matches!(c, Value::List(p) if p.len() == 2 && matches!(&p[0], Value::Text(n) if n == name)))
    };
    let Some(Value::List(ts)) = find("ts").map(|c| c.at(1)) else { return result };
    for c in cols {
        let Value::List(p) = c else { continue };
        let (Some(Value::Text(name)), Some(Value::List(values))) = (p.first(), p.get(1)) else { continue };
        if !name.ends_with("_at") {
            continue;
        }
        for (i, (at, t)) in values.iter().zip(ts).enumerate() {
            let (Value::Float(at), Value::Int(t)) = (at, t) else { continue };
            if *at > *t as f64 {
                return Err(Failure::plain(format!(
                    "row {i}: the features of `{}` come from a row recorded after the event: the join leaks the future",
                    name.trim_end_matches("_at")
                )));
            }
            if *at < (*t - max_age) as f64 {
                return Err(Failure::plain(format!(
                    "row {i}: the features of `{}` come from a row older than max_age",
                    name.trim_end_matches("_at")
                )));
            }
        }
    }
    result
}
