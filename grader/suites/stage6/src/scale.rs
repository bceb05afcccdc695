//! Hidden suites for `stage6::scale`: the ring's routes and the balancer's assignments and
//! finish times, exactly. The ring's cases include the same keys before and after a replica
//! joins or leaves, so a "ring" that is really `hash % n` is routed differently.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.scale.ring", ring_cases, exact),
        ExerciseSuite::custom("stage6.scale.balance", balance_cases, exact),
    ]
}

fn texts(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::Text(s.clone())).collect())
}

fn ring_case(label: &str, replicas: &[String], vnodes: usize, keys: &[String]) -> Case {
    Case::new(label, Value::List(vec![texts(replicas), vnodes.into(), texts(keys)]))
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

fn ring_cases(g: &mut Gen) -> Vec<Case> {
    let keys: Vec<String> = (0..3000).map(|_| format!("user:{}", g.int(0, 1 << 40))).collect();
    let four = names("model-replica", 4);
    let five = names("model-replica", 5);
    let three: Vec<String> = four.iter().filter(|r| *r != "model-replica-1").cloned().collect();
    // Keys named like points: their hashes are the points' own, so each sits exactly on a point
    // and belongs to that point's replica.
    let on_points: Vec<String> = (0..40).map(|i| format!("model-replica-{}#{}", i % 4, i)).collect();
    vec![
        ring_case("four replicas, 100 points each", &four, 100, &keys),
        ring_case("keys whose hashes are exactly points' hashes", &four, 100, &on_points),
        ring_case("a fifth replica joins (most keys stay)", &five, 100, &keys),
        ring_case("replica 1 leaves (only its keys move)", &three, 100, &keys),
        ring_case("one point per replica", &four, 1, &keys[..500]),
        ring_case("one replica: every key to it", &four[..1], 10, &keys[..50]),
        ring_case("no keys", &four, 10, &[]),
        ring_case("no replicas", &[], 10, &keys[..5]),
        ring_case("no points", &four, 0, &keys[..5]),
        ring_case("a replica named twice", &["a".into(), "b".into(), "a".into()], 10, &keys[..5]),
    ]
}

fn balance_case(label: &str, jobs: &[(u64, u64)], replicas: usize, policy: &str) -> Case {
    let arrive = jobs.iter().map(|j| j.0 as i64).collect();
    let service = jobs.iter().map(|j| j.1 as i64).collect();
    Case::new(
        label,
        Value::List(vec![Value::Ints(arrive), Value::Ints(service), replicas.into(), Value::Text(policy.into())]),
    )
}

/// A burst: `n` requests, mostly fast, every `slow_every`-th one slow.
fn burst(g: &mut Gen, n: usize, slow_every: usize) -> Vec<(u64, u64)> {
    let mut at = 0u64;
    (0..n)
        .map(|i| {
            at += g.int(0, 4) as u64;
            let service = if i % slow_every == 0 { g.int(200, 400) } else { g.int(5, 20) };
            (at, service as u64)
        })
        .collect()
}

fn balance_cases(g: &mut Gen) -> Vec<Case> {
    let b = burst(g, 400, 7);
    let mut cases = vec![
        balance_case("a burst with slow requests, round robin", &b, 4, "round_robin"),
        balance_case("the same burst, least outstanding requests", &b, 4, "least_outstanding"),
        balance_case(
            "a request finishing exactly at an arrival no longer counts",
            &[(0, 10), (0, 5), (5, 1), (10, 1), (10, 1)],
            2,
            "least_outstanding",
        ),
        balance_case("ties go to the lowest index", &[(0, 3), (0, 3), (0, 3), (3, 1)], 3, "least_outstanding"),
        balance_case("one replica: a queue", &[(0, 10), (1, 10), (50, 5)], 1, "round_robin"),
        balance_case("equal arrivals keep their order", &[(5, 1), (5, 2), (5, 3)], 2, "round_robin"),
        balance_case("no requests", &[], 3, "least_outstanding"),
        balance_case("no replicas", &[(0, 1)], 0, "round_robin"),
        balance_case("arrivals out of order", &[(5, 1), (4, 1)], 2, "round_robin"),
    ];
    for k in 0..3 {
        let (n, every, replicas) = (g.size(100, 3000), g.size(2, 20), g.size(2, 16));
        let jobs = burst(g, n, every);
        let policy = if k == 0 { "round_robin" } else { "least_outstanding" };
        cases.push(balance_case(
            &format!("a random burst {} ({n} requests, {replicas} replicas, {policy})", k + 1),
            &jobs,
            replicas,
            policy,
        ));
    }
    cases
}
