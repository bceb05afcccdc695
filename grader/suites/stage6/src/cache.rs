//! Hidden suites for `stage6::cache`: exact hit flags and counts against the reference's, on
//! hand-made traces (every rule alone) and on traces drawn like production ones (a Zipf-like
//! popularity, bursts, keys that come back after their TTL), plus a timed trace.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.cache.replay", cases, exact).timed(speed)]
}

fn case(label: &str, trace: &[(u64, String)], capacity: usize, ttl_ms: u64) -> Case {
    let times = trace.iter().map(|t| t.0 as i64).collect();
    let keys = trace.iter().map(|t| Value::Text(t.1.clone())).collect();
    Case::new(
        label,
        Value::List(vec![Value::Ints(times), Value::List(keys), capacity.into(), Value::Int(ttl_ms as i64)]),
    )
}

fn t(items: &[(u64, &str)]) -> Vec<(u64, String)> {
    items.iter().map(|&(t, k)| (t, k.to_string())).collect()
}

/// `n` requests, one every 0 to `gap` ms, keys drawn with a popularity that falls like 1/rank
/// over `keys` keys.
fn zipf_trace(g: &mut Gen, n: usize, keys: usize, gap: u64) -> Vec<(u64, String)> {
    let cumulative: Vec<f64> = (1..=keys)
        .scan(0.0, |acc, r| {
            *acc += 1.0 / r as f64;
            Some(*acc)
        })
        .collect();
    let total = cumulative[keys - 1];
    let mut at = g.int(0, 1_000_000) as u64;
    (0..n)
        .map(|_| {
            at += g.int(0, gap as i64) as u64;
            let u = g.float(0.0, total);
            let k = cumulative.partition_point(|c| *c <= u).min(keys - 1);
            (at, format!("input-{k:05}"))
        })
        .collect()
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        case("a key asked twice: a miss, then a hit", &t(&[(0, "a"), (10, "a")]), 2, 1000),
        case(
            "capacity 2: the least recently used goes, and a hit counts as a use",
            &t(&[(0, "a"), (1, "b"), (2, "a"), (3, "c"), (4, "b"), (5, "a")]),
            2,
            1000,
        ),
        case(
            "a hit does not extend the entry's life",
            &t(&[(0, "a"), (900, "a"), (999, "a"), (1000, "a"), (1001, "a")]),
            4,
            1000,
        ),
        case("a time to live of 0: nothing is ever fresh", &t(&[(0, "a"), (0, "a"), (5, "a")]), 4, 0),
        case(
            "stale entries stay until found or evicted",
            &t(&[(0, "a"), (1, "b"), (5000, "c"), (5001, "d"), (5002, "e")]),
            3,
            100,
        ),
        case("capacity 1", &t(&[(0, "a"), (1, "a"), (2, "b"), (3, "a"), (4, "a")]), 1, 1000),
        case("equal times are in order", &t(&[(7, "a"), (7, "b"), (7, "a")]), 2, 10),
        case("an empty trace", &[], 3, 1000),
        case("capacity 0", &t(&[(0, "a")]), 0, 1000),
        case("times that go back", &t(&[(10, "a"), (9, "b")]), 2, 1000),
        case("the longest TTL", &t(&[(0, "a"), (u64::MAX / 2, "a"), (u64::MAX / 2 + 1, "b")]), 2, u64::MAX),
    ];
    for k in 0..4 {
        let (n, keys, gap) = (g.size(500, 5000), g.size(5, 400), g.int(1, 50) as u64);
        let trace = zipf_trace(g, n, keys, gap);
        let capacity = g.size(1, keys);
        let ttl = g.int(0, 20 * gap as i64 * keys as i64) as u64;
        cases.push(case(
            &format!("a production-like trace {} ({n} requests over {keys} keys, room for {capacity})", k + 1),
            &trace,
            capacity,
            ttl,
        ));
    }
    cases
}

fn speed(g: &mut Gen) -> Case {
    let trace = zipf_trace(g, 200_000, 50_000, 3);
    case("200,000 requests over 50,000 keys, room for 5,000", &trace, 5_000, 60_000)
}
