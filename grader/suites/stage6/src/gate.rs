//! Hidden suites for `stage6::gate`: the reasons, in order, compared exactly; each rule alone at
//! its boundary, all of them at once, the first model of a project, invalid metrics.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.gate.judge", cases, exact)]
}

#[derive(Clone)]
struct Eval {
    accuracy: f64,
    slices: Vec<(&'static str, f64)>,
    p99: f64,
    size: u64,
}

impl Eval {
    fn wire(&self) -> Value {
        Value::List(vec![
            self.accuracy.into(),
            Value::List(self.slices.iter().map(|(n, _)| Value::Text(n.to_string())).collect()),
            Value::Floats(self.slices.iter().map(|s| s.1).collect()),
            self.p99.into(),
            Value::Int(self.size as i64),
        ])
    }
}

/// min accuracy 0.85, max regression 0.01, max slice regression 0.03, latency ratio 1.25 (exact
/// in binary, so that the boundary case is one), 50 MB.
const RULES: [f64; 4] = [0.85, 0.01, 0.03, 1.25];
const SIZE: u64 = 50_000_000;

fn case(label: &str, candidate: &Eval, production: Option<&Eval>, rules: [f64; 4], size: u64) -> Case {
    Case::new(
        label,
        Value::List(vec![
            candidate.wire(),
            production.map_or(Value::Unit, Eval::wire),
            Value::Floats(rules.to_vec()),
            Value::Int(size as i64),
        ]),
    )
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let prod =
        Eval { accuracy: 0.90, slices: vec![("fr", 0.91), ("de", 0.88), ("us", 0.92)], p99: 40.0, size: 30_000_000 };
    let good =
        Eval { accuracy: 0.905, slices: vec![("fr", 0.92), ("de", 0.87), ("us", 0.93)], p99: 42.0, size: 31_000_000 };
    let with = |f: &dyn Fn(&mut Eval)| {
        let mut e = good.clone();
        f(&mut e);
        e
    };
    let mut cases = vec![
        case("a better model: promote", &good, Some(&prod), RULES, SIZE),
        case("the first model of a project: only the absolute rules", &with(&|e| e.p99 = 1e6), None, RULES, SIZE),
        case("below the minimum accuracy", &with(&|e| e.accuracy = 0.84), Some(&prod), RULES, SIZE),
        case("exactly at the minimum accuracy: not a reason", &good, Some(&prod), [0.905, 0.01, 0.03, 1.25], SIZE),
        case("an overall regression", &with(&|e| e.accuracy = 0.885), Some(&prod), RULES, SIZE),
        case(
            "better overall, much worse on one slice",
            &with(&|e| {
                e.accuracy = 0.93;
                e.slices[1].1 = 0.80
            }),
            Some(&prod),
            RULES,
            SIZE,
        ),
        case(
            "a slice exactly at the allowed regression: not a reason (values exact in binary)",
            &Eval { accuracy: 0.875, slices: vec![("fr", 0.75), ("de", 0.875)], p99: 10.0, size: 1 },
            Some(&Eval { accuracy: 0.875, slices: vec![("fr", 0.875), ("de", 0.875)], p99: 10.0, size: 1 }),
            [0.5, 0.25, 0.125, 1.25],
            SIZE,
        ),
        case(
            "a slice just below the allowed regression",
            &Eval { accuracy: 0.875, slices: vec![("fr", 0.749), ("de", 0.875)], p99: 10.0, size: 1 },
            Some(&Eval { accuracy: 0.875, slices: vec![("fr", 0.875), ("de", 0.875)], p99: 10.0, size: 1 }),
            [0.5, 0.25, 0.125, 1.25],
            SIZE,
        ),
        case(
            "a slice missing from the candidate",
            &with(&|e| {
                e.slices.remove(0);
            }),
            Some(&prod),
            RULES,
            SIZE,
        ),
        case(
            "a slice only the candidate has is not judged",
            &with(&|e| e.slices.push(("jp", 0.1))),
            Some(&prod),
            RULES,
            SIZE,
        ),
        case("slower than the budget", &with(&|e| e.p99 = 50.5), Some(&prod), RULES, SIZE),
        case("exactly at the latency budget: promote", &with(&|e| e.p99 = 50.0), Some(&prod), RULES, SIZE),
        case("too large", &with(&|e| e.size = SIZE + 1), Some(&prod), RULES, SIZE),
        case("exactly at the size budget: promote", &with(&|e| e.size = SIZE), Some(&prod), RULES, SIZE),
        case(
            "everything wrong at once: every reason, in order",
            &Eval { accuracy: 0.5, slices: vec![("us", 0.1)], p99: 400.0, size: SIZE * 2 },
            Some(&prod),
            RULES,
            SIZE,
        ),
        case("an accuracy above 1", &with(&|e| e.accuracy = 1.01), Some(&prod), RULES, SIZE),
        case(
            "a NaN slice accuracy in production",
            &good,
            Some(&Eval { slices: vec![("fr", f64::NAN)], ..prod.clone() }),
            RULES,
            SIZE,
        ),
        case("a negative latency", &with(&|e| e.p99 = -1.0), None, RULES, SIZE),
    ];
    for k in 0..3 {
        let names = ["fr", "de", "us", "jp", "br", "in"];
        let slices = |g: &mut Gen| names.iter().map(|&n| (n, g.float(0.7, 0.99))).collect::<Vec<_>>();
        let p = Eval {
            accuracy: g.float(0.8, 0.95),
            slices: slices(g),
            p99: g.float(5.0, 100.0),
            size: g.int(1, 100_000_000) as u64,
        };
        let c = Eval {
            accuracy: g.float(0.8, 0.95),
            slices: slices(g),
            p99: g.float(5.0, 100.0),
            size: g.int(1, 100_000_000) as u64,
        };
        let rules = [g.float(0.7, 0.9), g.float(0.0, 0.05), g.float(0.0, 0.1), g.float(1.0, 2.0)];
        cases.push(case(&format!("a random candidate {}", k + 1), &c, Some(&p), rules, g.int(1, 100_000_000) as u64));
    }
    cases
}
