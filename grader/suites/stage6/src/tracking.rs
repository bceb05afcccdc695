//! Hidden suites for `stage6::tracking`: scripts of operations on one store, every answer
//! compared exactly (ids, parameters, histories, the best run, errors). The scripts hold what a
//! store meets: a sweep of runs logging as they train, runs never finished, steps out of order,
//! a second value for one step, parameters whose values are SQL, metrics after the end.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.tracking.store", cases, exact)]
}

fn s(v: &str) -> Value {
    Value::Text(v.to_string())
}

fn start(experiment: &str, params: &[(&str, &str)]) -> Value {
    let p = params.iter().map(|(n, v)| Value::List(vec![s(n), s(v)])).collect();
    Value::List(vec![s("start"), s(experiment), Value::List(p)])
}

fn log(run: i64, key: &str, step: i64, value: f64) -> Value {
    Value::List(vec![s("log"), Value::Int(run), s(key), Value::Int(step), value.into()])
}

fn op(name: &str, run: i64) -> Value {
    Value::List(vec![s(name), Value::Int(run)])
}

fn history(run: i64, key: &str) -> Value {
    Value::List(vec![s("history"), Value::Int(run), s(key)])
}

fn best(experiment: &str, key: &str, maximize: bool) -> Value {
    Value::List(vec![s("best"), s(experiment), s(key), maximize.into()])
}

fn with_param(experiment: &str, name: &str, value: &str) -> Value {
    Value::List(vec![s("with_param"), s(experiment), s(name), s(value)])
}

fn case(label: &str, ops: Vec<Value>) -> Case {
    Case::new(label, Value::List(ops))
}

/// A learning-rate sweep: `runs` runs of `experiment` (ids from `first`), each logging a noisy
/// falling loss and a rising accuracy for `epochs` epochs; the runs in `unfinished` are left
/// running.
fn sweep(g: &mut Gen, experiment: &str, first: i64, runs: usize, epochs: i64, unfinished: &[usize]) -> Vec<Value> {
    let mut ops = Vec::new();
    for r in 0..runs {
        let lr = format!("{:.0e}", 10f64.powf(g.float(-4.0, -1.0)));
        let batch = ["32", "64", "128"][g.size(0, 2)];
        ops.push(start(experiment, &[("lr", &lr), ("batch_size", batch), ("optimizer", "adam")]));
        let id = first + r as i64;
        let rate = g.float(0.01, 0.3);
        for e in 0..epochs {
            let loss = 2.0 * (-rate * e as f64).exp() + g.float(0.0, 0.05);
            ops.push(log(id, "loss", e, loss));
            ops.push(log(id, "accuracy", e, 1.0 - loss / 2.5));
        }
        if !unfinished.contains(&r) {
            ops.push(op("finish", id));
        }
    }
    ops
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut sweep_ops = sweep(g, "lr-sweep", 1, 6, 12, &[2]);
    sweep_ops.extend([
        best("lr-sweep", "accuracy", true),
        best("lr-sweep", "loss", false),
        with_param("lr-sweep", "optimizer", "adam"),
        with_param("lr-sweep", "batch_size", "64"),
        history(3, "loss"),
        op("params", 5),
        best("other-experiment", "accuracy", true),
        best("lr-sweep", "f1", true),
    ]);
    let mut two = sweep(g, "baseline", 1, 3, 5, &[]);
    two.extend(sweep(g, "candidate", 4, 3, 5, &[1]));
    two.extend([
        best("baseline", "accuracy", true),
        best("candidate", "accuracy", true),
        with_param("candidate", "optimizer", "adam"),
    ]);
    vec![
        case("a learning-rate sweep of six runs, one still running", sweep_ops),
        case("two experiments in one store", two),
        case(
            "run ids count from 1; unknown runs are errors",
            vec![
                start("e", &[]),
                start("e", &[]),
                log(3, "loss", 0, 1.0),
                op("finish", 7),
                op("params", 0),
                history(-1, "loss"),
                op("params", 2),
            ],
        ),
        case(
            "steps out of order come back sorted; negative steps are steps",
            vec![
                start("e", &[]),
                log(1, "loss", 5, 0.5),
                log(1, "loss", -2, 0.9),
                log(1, "loss", 1, 0.7),
                log(1, "loss", 1000000000000, 0.1),
                history(1, "loss"),
                history(1, "accuracy"),
            ],
        ),
        case(
            "a second value for one step is refused, the first stays",
            vec![
                start("e", &[]),
                log(1, "loss", 3, 0.5),
                log(1, "loss", 3, 0.4),
                log(1, "acc", 3, 0.4),
                history(1, "loss"),
            ],
        ),
        case(
            "a finished run takes no more metrics; finishing twice is fine",
            vec![
                start("e", &[]),
                log(1, "loss", 0, 0.5),
                op("finish", 1),
                log(1, "loss", 1, 0.4),
                op("finish", 1),
                history(1, "loss"),
            ],
        ),
        case(
            "NaN and infinite metrics are refused",
            vec![
                start("e", &[]),
                log(1, "loss", 0, f64::NAN),
                log(1, "loss", 1, f64::INFINITY),
                log(1, "loss", 2, -0.0),
                history(1, "loss"),
            ],
        ),
        case(
            "values that are SQL, quotes and unicode are only values",
            vec![
                start(
                    "e'; DROP TABLE runs; --",
                    &[("note", "it's \"quoted\""), ("sql", "1); DELETE FROM metrics; --"), ("名前", "値")],
                ),
                log(1, "val'loss", 0, 0.25),
                op("finish", 1),
                op("params", 1),
                with_param("e'; DROP TABLE runs; --", "sql", "1); DELETE FROM metrics; --"),
                best("e'; DROP TABLE runs; --", "val'loss", false),
                history(1, "val'loss"),
            ],
        ),
        case(
            "a parameter named twice keeps its last value",
            vec![start("e", &[("lr", "0.1"), ("lr", "0.01")]), op("params", 1), with_param("e", "lr", "0.1")],
        ),
        case(
            "the best run is judged at its last step, ties to the lower id, unfinished runs left out",
            vec![
                start("e", &[]),
                start("e", &[]),
                start("e", &[]),
                start("e", &[]),
                log(1, "acc", 0, 0.9),
                log(1, "acc", 1, 0.7),
                log(2, "acc", 0, 0.8),
                log(3, "acc", 4, 0.8),
                log(4, "acc", 0, 0.95),
                op("finish", 1),
                op("finish", 2),
                op("finish", 3),
                best("e", "acc", true),
                best("e", "acc", false),
            ],
        ),
        case(
            "extreme values round-trip exactly",
            vec![
                start("e", &[]),
                log(1, "x", 0, f64::MAX),
                log(1, "x", 1, f64::MIN_POSITIVE),
                log(1, "x", 2, 5e-324),
                log(1, "x", 3, -1e-300),
                log(1, "x", 4, 0.1 + 0.2),
                history(1, "x"),
            ],
        ),
    ]
}
