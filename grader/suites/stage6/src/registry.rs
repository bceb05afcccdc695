//! Hidden suites for `stage6::registry`: scripts of registry operations on a fresh directory,
//! with the registry reopened mid-script (nothing may live only in memory), version files
//! damaged or deleted behind its back, and names that would put files outside the model's
//! directory. The answers, the model files on disk and whether anything was written outside the
//! registry's root are compared with the reference's exactly.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.registry.lifecycle", lifecycle_cases, exact),
        ExerciseSuite::custom("stage6.registry.rollback", rollback_cases, exact),
    ]
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn op(parts: &[Value]) -> Value {
    Value::List(parts.to_vec())
}

fn register(name: &str, model: i64) -> Value {
    op(&[t("register"), t(name), Value::Int(model)])
}

fn move_to(name: &str, version: i64, stage: &str) -> Value {
    op(&[t("transition"), t(name), Value::Int(version), t(stage)])
}

fn on(what: &str, name: &str) -> Value {
    op(&[t(what), t(name)])
}

fn at(what: &str, name: &str, version: i64) -> Value {
    op(&[t(what), t(name), Value::Int(version)])
}

fn reopen() -> Value {
    op(&[t("reopen")])
}

/// `n` small models (a weight matrix and a bias), each with its run's metadata; model `n` (the
/// last) is one `formats::save` refuses (two tensors with one name).
fn models(g: &mut Gen, n: usize) -> Value {
    let tensor = |name: &str, shape: &[usize], values: Vec<f64>| {
        Value::List(vec![t(name), Value::Ints(shape.iter().map(|&d| d as i64).collect()), Value::Floats(values)])
    };
    let mut out: Vec<Value> = (0..n)
        .map(|i| {
            let (rows, cols) = (g.size(1, 5), g.size(1, 4));
            let tensors = vec![
                tensor("linear.weight", &[rows, cols], g.normals(rows * cols)),
                tensor("linear.bias", &[rows], g.normals(rows)),
            ];
            let meta = vec![
                Value::List(vec![t("run"), t(&format!("run-{}", g.int(100, 999)))]),
                Value::List(vec![t("trained_on"), t(&format!("breast_cancer shard {i}"))]),
            ];
            Value::List(vec![Value::List(tensors), Value::List(meta)])
        })
        .collect();
    out.push(Value::List(vec![
        Value::List(vec![tensor("w", &[1], vec![1.0]), tensor("w", &[1], vec![2.0])]),
        Value::List(vec![]),
    ]));
    Value::List(out)
}

fn case(label: &str, models: &Value, ops: Vec<Value>) -> Case {
    Case::new(label, Value::List(vec![models.clone(), Value::List(ops)]))
}

const STAGES: [&str; 4] = ["none", "staging", "production", "archived"];

/// A random script on two models: registrations, transitions (allowed or not), production and
/// version queries, reopenings, and with `rollbacks` rollbacks and damaged files.
fn random_script(g: &mut Gen, n_models: usize, steps: usize, rollbacks: bool) -> Vec<Value> {
    let names = ["churn", "fraud-v2"];
    let mut count = [0i64; 2];
    let mut ops = Vec::new();
    for _ in 0..steps {
        let k = g.size(0, 1);
        let name = names[k];
        let version = if count[k] == 0 { 1 } else { g.int(1, count[k]) };
        match g.size(0, if rollbacks { 9 } else { 6 }) {
            0 | 1 => {
                ops.push(register(name, g.size(0, n_models - 1) as i64));
                count[k] += 1;
            }
            2 | 3 => ops.push(move_to(name, version, STAGES[g.size(1, 3)])),
            4 => ops.push(on("versions", name)),
            5 => ops.push(on("production", name)),
            6 => ops.push(reopen()),
            7 => ops.push(on("rollback", name)),
            8 => ops.push(at("load", name, version)),
            _ => ops.push(at(if g.size(0, 1) == 0 { "flip" } else { "delete" }, name, version)),
        }
    }
    for name in names {
        ops.push(on("versions", name));
        ops.push(on("production", name));
    }
    ops
}

fn lifecycle_cases(g: &mut Gen) -> Vec<Case> {
    let m = models(g, 3);
    let bad = 3;
    let mut cases = vec![
        case(
            "three versions of one model, listed in order, none in production",
            &m,
            vec![
                register("churn", 0),
                register("churn", 1),
                register("churn", 2),
                on("versions", "churn"),
                on("production", "churn"),
            ],
        ),
        case(
            "none → staging → production, then a second promotion archives the first",
            &m,
            vec![
                register("churn", 0),
                register("churn", 1),
                move_to("churn", 1, "staging"),
                move_to("churn", 1, "production"),
                on("production", "churn"),
                move_to("churn", 2, "staging"),
                move_to("churn", 2, "production"),
                on("versions", "churn"),
                on("production", "churn"),
            ],
        ),
        case(
            "transitions the table refuses, each leaving the stages as they were",
            &m,
            vec![
                register("churn", 0),
                register("churn", 1),
                move_to("churn", 1, "production"),
                move_to("churn", 1, "none"),
                move_to("churn", 1, "staging"),
                move_to("churn", 1, "staging"),
                move_to("churn", 1, "none"),
                move_to("churn", 1, "production"),
                move_to("churn", 1, "staging"),
                move_to("churn", 1, "production"),
                move_to("churn", 2, "archived"),
                move_to("churn", 2, "production"),
                move_to("churn", 2, "archived"),
                move_to("churn", 2, "staging"),
                on("versions", "churn"),
            ],
        ),
        case(
            "production archived by hand leaves none in production",
            &m,
            vec![
                register("churn", 0),
                move_to("churn", 1, "staging"),
                move_to("churn", 1, "production"),
                move_to("churn", 1, "archived"),
                on("production", "churn"),
                on("versions", "churn"),
            ],
        ),
        case(
            "everything survives a reopen: versions, stages, production, the files",
            &m,
            vec![
                register("churn", 0),
                register("churn", 1),
                move_to("churn", 2, "staging"),
                move_to("churn", 2, "production"),
                reopen(),
                on("versions", "churn"),
                on("production", "churn"),
                register("churn", 2),
                reopen(),
                on("versions", "churn"),
                at("load", "churn", 3),
                at("load", "churn", 1),
            ],
        ),
        case(
            "two models side by side: versions counted per model",
            &m,
            vec![
                register("churn", 0),
                register("fraud-v2", 1),
                register("fraud-v2", 2),
                register("churn", 2),
                move_to("fraud-v2", 2, "staging"),
                on("versions", "churn"),
                on("versions", "fraud-v2"),
                at("load", "fraud-v2", 2),
            ],
        ),
        case(
            "names that would escape the model's directory, or break the rule, refused before any file is written",
            &m,
            vec![
                register("../escape", 0),
                register("a/b", 0),
                register("", 0),
                register("Churn", 0),
                register(&"x".repeat(65), 0),
                register("churn model", 0),
                register(&"x".repeat(64), 0),
                register("churn_2-b", 0),
                on("versions", "../escape"),
                on("production", "/etc"),
            ],
        ),
        case(
            "unknown names and versions",
            &m,
            vec![
                on("versions", "churn"),
                on("production", "churn"),
                register("churn", 0),
                move_to("churn", 0, "staging"),
                move_to("churn", 2, "staging"),
                at("load", "churn", 0),
                at("load", "churn", 2),
                at("load", "fraud-v2", 1),
            ],
        ),
        case(
            "a model formats::save refuses takes no version and writes no file",
            &m,
            vec![
                register("churn", bad),
                on("versions", "churn"),
                register("churn", 0),
                register("churn", bad),
                on("versions", "churn"),
            ],
        ),
        case(
            "load gives back the registered tensors and metadata",
            &m,
            vec![register("churn", 2), register("churn", 0), at("load", "churn", 1), at("load", "churn", 2)],
        ),
    ];
    for k in 0..3 {
        let ops = random_script(g, 3, 30, false);
        cases.push(case(&format!("a random script {} (30 operations)", k + 1), &m, ops));
    }
    cases
}

fn rollback_cases(g: &mut Gen) -> Vec<Case> {
    let m = models(g, 4);
    let promote = |v: i64| vec![move_to("churn", v, "staging"), move_to("churn", v, "production")];
    let three = [register("churn", 0), register("churn", 1), register("churn", 2)];
    let with = |parts: Vec<Vec<Value>>| -> Vec<Value> { three.iter().cloned().chain(parts.concat()).collect() };
    let mut cases = vec![
        case(
            "a rollback after two promotions puts the first back",
            &m,
            with(vec![
                promote(1),
                promote(2),
                vec![on("rollback", "churn"), on("versions", "churn"), on("production", "churn")],
            ]),
        ),
        case(
            "two rollbacks go two steps back",
            &m,
            with(vec![
                promote(1),
                promote(2),
                promote(3),
                vec![
                    on("rollback", "churn"),
                    on("rollback", "churn"),
                    on("versions", "churn"),
                    on("rollback", "churn"),
                ],
            ]),
        ),
        case(
            "nothing earlier to go back to: refused, nothing changes",
            &m,
            with(vec![promote(1), vec![on("rollback", "churn"), on("versions", "churn"), on("production", "churn")]]),
        ),
        case(
            "nothing in production: refused",
            &m,
            with(vec![
                vec![on("rollback", "churn")],
                promote(1),
                promote(2),
                vec![move_to("churn", 2, "archived"), on("rollback", "churn"), on("versions", "churn")],
            ]),
        ),
        case(
            "the production history is on disk: a rollback after a reopen",
            &m,
            with(vec![
                promote(1),
                promote(2),
                vec![reopen(), on("rollback", "churn"), reopen(), on("versions", "churn")],
            ]),
        ),
        case(
            "a version promoted twice: the history counts entries, not versions",
            &m,
            with(vec![
                promote(1),
                promote(2),
                vec![move_to("churn", 1, "staging"), move_to("churn", 1, "production")],
                promote(3),
                vec![
                    on("rollback", "churn"),
                    on("production", "churn"),
                    on("rollback", "churn"),
                    on("production", "churn"),
                ],
                vec![on("rollback", "churn"), on("versions", "churn")],
            ]),
        ),
        case(
            "a flipped byte: that version is refused as tampered, the others still load",
            &m,
            with(vec![vec![
                at("flip", "churn", 2),
                at("load", "churn", 2),
                at("load", "churn", 1),
                at("load", "churn", 3),
            ]]),
        ),
        case(
            "a deleted file: not found, not tampered",
            &m,
            with(vec![vec![at("delete", "churn", 1), at("load", "churn", 1), on("versions", "churn")]]),
        ),
        case(
            "rolling back onto a damaged version: the stages move, the load is refused",
            &m,
            with(vec![
                promote(1),
                promote(2),
                vec![at("flip", "churn", 1), on("rollback", "churn"), at("load", "churn", 1)],
            ]),
        ),
    ];
    for k in 0..3 {
        let ops = random_script(g, 4, 40, true);
        cases.push(case(
            &format!("a random script with rollbacks and damaged files {} (40 operations)", k + 1),
            &m,
            ops,
        ));
    }
    cases
}
