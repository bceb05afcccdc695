//! Hidden suites for `stage6::monitor`.
//!
//! Page-Hinkley and the alerting rules are exact (the alarms' indices, the alerts' times). The
//! sketch is judged by what it promises, not against the reference's buckets: every quantile
//! within a relative `alpha` of the exact quantile of the values the suite sent (the value of
//! rank `⌊q (n - 1)⌋`), the count exact, and the memory — the number of counters, which the doc
//! comment's buckets fix — the reference's, so a sketch that keeps every value fails on the large
//! streams.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.monitor.page_hinkley", ph_cases, exact),
        ExerciseSuite::custom("stage6.monitor.detection", detection_cases, check_detection),
        ExerciseSuite::custom("stage6.monitor.alerts", alert_cases, exact),
        ExerciseSuite::custom("stage6.monitor.sketch", sketch_cases, check_sketch),
    ]
}

// ---------------------------------------------------------------------------------------------
// Page-Hinkley

fn ph_case(label: &str, stream: &[f64], delta: f64, threshold: f64, min_samples: usize) -> Case {
    Case::new(
        label,
        Value::List(vec![Value::Floats(stream.to_vec()), delta.into(), threshold.into(), min_samples.into()]),
    )
}

/// A stream of 0/1 errors: rate `p` before `change`, `q` from it on.
fn errors(g: &mut Gen, n: usize, p: f64, q: f64, change: usize) -> Vec<f64> {
    (0..n).map(|t| if g.float(0.0, 1.0) < if t < change { p } else { q } { 1.0 } else { 0.0 }).collect()
}

/// Threshold 50 with slack 0.005 on 2000 values: in 400 simulated streams of each kind, no
/// alarm on a stationary 10% error rate or after a fall from 40% to 5%, and every rise from 10%
/// to 40% detected within 252 values (with 20: 9% and 24% false alarms), so the labels hold for
/// every seed in practice.
fn ph_cases(g: &mut Gen) -> Vec<Case> {
    let change = g.size(500, 1500);
    let mut cases = vec![
        ph_case("a stationary error rate of 10%: no alarm", &errors(g, 2000, 0.1, 0.1, 2000), 0.005, 50.0, 30),
        ph_case("the error rate rises from 10% to 40%", &errors(g, 2000, 0.1, 0.4, change), 0.005, 50.0, 30),
        ph_case(
            "the error rate falls: no alarm (the test watches for a rise)",
            &errors(g, 2000, 0.4, 0.05, change),
            0.005,
            50.0,
            30,
        ),
        ph_case(
            "a staircase: an alarm, a reset, then another",
            &(0..3000).map(|t| (t / 1000) as f64 + 0.1 * ((t * 7919) % 13) as f64).collect::<Vec<f64>>(),
            0.01,
            30.0,
            10,
        ),
        ph_case(
            "a tiny threshold: min_samples holds the first alarms back",
            &[0.0, 1.0, 0.0, 5.0, 5.0, 5.0, 0.0, 9.0],
            0.0,
            0.1,
            4,
        ),
        ph_case(
            "min_samples 1: alarms as soon as the evidence is there",
            &[0.0, 1.0, 0.0, 5.0, 5.0, 5.0, 0.0, 9.0],
            0.0,
            0.1,
            1,
        ),
        ph_case("a slack delta larger than the rise: no alarm", &errors(g, 1500, 0.1, 0.15, 300), 0.2, 10.0, 30),
        ph_case(
            "values near 1e150",
            &(0..400).map(|t| if t < 200 { 1e150 } else { 3e150 }).collect::<Vec<f64>>(),
            1e148,
            1e152,
            20,
        ),
        ph_case("an empty stream", &[], 0.005, 20.0, 30),
        ph_case("a negative delta", &[1.0], -0.1, 20.0, 30),
        ph_case("a threshold of 0", &[1.0], 0.0, 0.0, 30),
        ph_case("a NaN threshold", &[1.0], 0.0, f64::NAN, 30),
        ph_case("min_samples 0", &[1.0], 0.0, 1.0, 0),
        ph_case("a NaN in the stream", &[0.0, f64::NAN], 0.0, 1.0, 1),
    ];
    for k in 0..3 {
        let n = g.size(500, 5000);
        let (p, q) = (g.float(0.02, 0.2), g.float(0.2, 0.6));
        let change = g.size(n / 4, n / 2);
        let s = errors(g, n, p, q, change);
        let (delta, threshold) = (g.float(0.0, 0.02), g.float(5.0, 60.0));
        cases.push(ph_case(&format!("a random change {} ({n} values)", k + 1), &s, delta, threshold, g.size(1, 50)));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Detection, judged statistically

/// Streams per kind in a case, the most stationary streams that may alarm, the fewest changing
/// streams that must be caught in the window.
const STREAMS: usize = 30;
const MAX_FALSE: usize = 3;
const MIN_CAUGHT: usize = 27;

/// 30 stationary streams at rate `p`, then 30 that rise from `p` to `q` at a change drawn in
/// [500, 1500], 2,000 values each; the input also carries the changes (-1: none) and the window.
/// Windows and rates: see `grader/course/stage6/monitor.toml` (the reference's worst delay in
/// 2,000 simulated streams is below each window; its false-alarm rate at most 0.9%).
fn detection_cases(g: &mut Gen) -> Vec<Case> {
    [(0.1, 0.4, 50.0, 300), (0.1, 0.4, 30.0, 200), (0.05, 0.25, 30.0, 300)]
        .into_iter()
        .map(|(p, q, threshold, window)| {
            let mut streams = Vec::new();
            let mut changes = Vec::new();
            for k in 0..2 * STREAMS {
                let change = if k < STREAMS { 2000 } else { g.size(500, 1500) };
                streams.push(Value::Floats(errors(g, 2000, p, q, change)));
                changes.push(if k < STREAMS { -1 } else { change as i64 });
            }
            Case::new(
                format!(
                    "{STREAMS} streams at a {:.0}% error rate and {STREAMS} rising to {:.0}%: threshold {threshold}, caught within {window} values",
                    p * 100.0,
                    q * 100.0
                ),
                Value::List(vec![
                    Value::List(streams),
                    0.005.into(),
                    threshold.into(),
                    30usize.into(),
                    Value::Ints(changes),
                    Value::Int(window),
                ]),
            )
        })
        .collect()
}

/// For each stream, `Some(delay)` when its first alarm is within the window after its change,
/// `None` when it alarms early (a stationary stream alarming at all) or too late or never.
fn delays(alarms: &[Value], changes: &[i64], window: i64) -> Vec<Option<i64>> {
    alarms
        .iter()
        .zip(changes)
        .map(|(a, &c)| {
            let first = match a {
                Value::Ints(a) => a.first().copied(),
                _ => return None,
            };
            match (c, first) {
                (-1, None) => Some(0),
                (-1, Some(_)) => None,
                (c, Some(t)) if t >= c && t < c + window => Some(t - c),
                _ => None,
            }
        })
        .collect()
}

fn check_detection(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(got), Value::List(expected)) = (ctx.got, ctx.expected) else { return exact(ctx) };
    if let Some(e) = got.iter().find_map(|a| if let Value::Error(e) = a { Some(e) } else { None }) {
        return Err(Failure::plain(format!("a stream was refused ({e}): the parameters and streams are valid")));
    }
    let changes = ctx.input.at(4).ints();
    let window = ctx.input.at(5).int();
    let (mine, theirs) = (delays(got, changes, window), delays(expected, changes, window));
    let false_alarms = mine[..STREAMS].iter().filter(|d| d.is_none()).count();
    let caught: Vec<i64> = mine[STREAMS..].iter().flatten().copied().collect();
    let reference: Vec<i64> = theirs[STREAMS..].iter().flatten().copied().collect();
    let early = got[STREAMS..]
        .iter()
        .zip(&changes[STREAMS..])
        .filter(|(a, &c)| matches!(a, Value::Ints(a) if a.first().is_some_and(|&t| t < c)))
        .count();
    let median = |v: &[i64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.get(v.len() / 2).map_or(f64::NAN, |&d| d as f64)
    };
    ctx.metric(
        "stationary streams that alarmed",
        false_alarms as f64,
        Some(theirs[..STREAMS].iter().filter(|d| d.is_none()).count() as f64),
        None,
    );
    ctx.metric("changes caught in the window", caught.len() as f64, Some(reference.len() as f64), None);
    ctx.metric("median delay (values)", median(&caught), Some(median(&reference)), None);
    let cdf = |v: &[i64]| -> Vec<[f64; 2]> {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.iter().enumerate().map(|(i, &d)| [d as f64, (i + 1) as f64]).collect()
    };
    ctx.figure(grader_report::Figure {
        title: "Changes caught within a delay".into(),
        kind: "lines".into(),
        x_label: "delay after the change (values)".into(),
        y_label: "changing streams caught".into(),
        series: vec![
            grader_report::Series { name: "yours".into(), points: cdf(&caught) },
            grader_report::Series { name: "reference".into(), points: cdf(&reference) },
        ],
        matrix: Vec::new(),
        labels: Vec::new(),
    });
    if false_alarms > MAX_FALSE {
        return Err(Failure::plain(format!(
            "{false_alarms} of {STREAMS} stationary streams alarmed; at most {MAX_FALSE} may (false alarms)"
        )));
    }
    if caught.len() < MIN_CAUGHT {
        return Err(Failure::plain(format!(
            "{} of {STREAMS} changes caught within {window} values of the change ({early} alarmed before it); at least {MIN_CAUGHT} needed",
            caught.len()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Alerting rules

fn alert_case(label: &str, threshold: f64, comparison: &str, for_s: u64, series: &[(u64, f64)]) -> Case {
    let times = series.iter().map(|s| s.0 as i64).collect();
    let values = series.iter().map(|s| s.1).collect();
    Case::new(
        label,
        Value::List(vec![
            threshold.into(),
            Value::Text(comparison.into()),
            Value::Int(for_s as i64),
            Value::Ints(times),
            Value::Floats(values),
        ]),
    )
}

/// Samples every `step` seconds from `start`.
fn every(start: u64, step: u64, values: &[f64]) -> Vec<(u64, f64)> {
    values.iter().enumerate().map(|(i, &v)| (start + step * i as u64, v)).collect()
}

fn alert_cases(g: &mut Gen) -> Vec<Case> {
    let spike = every(0, 15, &[0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.1]);
    let blip = every(0, 15, &[0.1, 0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.1]);
    let mut cases = vec![
        alert_case("a spike longer than `for`: fires, then resolves", 0.5, "above", 60, &spike),
        alert_case("blips shorter than `for`: pending, never firing", 0.5, "above", 60, &blip),
        alert_case("for 0: fires at the first bad sample", 0.5, "above", 0, &blip),
        alert_case("exactly `for` after the first bad sample: fires then", 0.5, "above", 45, &spike),
        alert_case("a value equal to the threshold does not hold", 0.9, "above", 0, &spike),
        alert_case(
            "below: throughput under its floor",
            100.0,
            "below",
            30,
            &every(1000, 10, &[150.0, 90.0, 80.0, 70.0, 95.0, 120.0, 60.0, 50.0]),
        ),
        alert_case("still firing at the end", 0.5, "above", 15, &every(0, 15, &[0.1, 0.9, 0.9, 0.9])),
        alert_case(
            "a NaN sample resolves a firing alert (and ends a pending one)",
            0.5,
            "above",
            15,
            &every(0, 15, &[0.9, 0.9, 0.9, f64::NAN, 0.9, 0.9, 0.9]),
        ),
        alert_case(
            "irregular samples: fires at the first sample at least `for` after the start",
            0.5,
            "above",
            60,
            &[(0, 0.9), (7, 0.9), (59, 0.9), (61, 0.9), (200, 0.9), (201, 0.1), (300, 0.7), (420, 0.8)],
        ),
        alert_case("an empty series", 0.5, "above", 60, &[]),
        alert_case("times out of order", 0.5, "above", 60, &[(10, 0.1), (5, 0.9)]),
        alert_case("two samples at the same time", 0.5, "above", 60, &[(10, 0.1), (10, 0.9)]),
        alert_case("a NaN threshold", f64::NAN, "above", 60, &spike),
    ];
    for k in 0..3 {
        let n = g.size(100, 2000);
        let mut t = g.int(0, 1_000_000) as u64;
        let mut v = 0.0f64;
        let mut series = Vec::with_capacity(n);
        for _ in 0..n {
            t += g.int(1, 30) as u64;
            v = 0.9 * v + g.float(-1.0, 1.0);
            series.push((t, v));
        }
        let (threshold, for_s) = (g.float(0.0, 1.5), g.int(0, 120) as u64);
        let comparison = if k == 1 { "below" } else { "above" };
        let threshold = if k == 1 { -threshold } else { threshold };
        cases.push(alert_case(
            &format!("a random walk {} ({n} samples, for {for_s} s)", k + 1),
            threshold,
            comparison,
            for_s,
            &series,
        ));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// The sketch

fn sketch_case(label: &str, alpha: f64, values: &[f64], split: usize, levels: &[f64]) -> Case {
    Case::new(
        label,
        Value::List(vec![alpha.into(), Value::Floats(values.to_vec()), split.into(), Value::Floats(levels.to_vec())]),
    )
}

const LEVELS: [f64; 9] = [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];

/// Log-normal latencies around `median`.
fn latencies(g: &mut Gen, n: usize, median: f64, sigma: f64) -> Vec<f64> {
    g.normals(n).into_iter().map(|z| median * (sigma * z).exp()).collect()
}

fn sketch_cases(g: &mut Gen) -> Vec<Case> {
    let big = latencies(g, 20_000, 0.012, 0.8);
    let mut with_zeros = latencies(g, 2000, 3.0, 1.0);
    for i in (0..2000).step_by(7) {
        with_zeros[i] = 0.0;
    }
    let wide: Vec<f64> = (0..5000).map(|_| 10f64.powf(g.float(-9.0, 9.0))).collect();
    let mut cases = vec![
        sketch_case("20,000 request latencies, alpha 1%", 0.01, &big, 12_000, &LEVELS),
        sketch_case("alpha 5%: fewer buckets, looser quantiles", 0.05, &big, 5_000, &LEVELS),
        sketch_case("alpha 0.1%", 0.001, &big[..3000], 1000, &LEVELS),
        sketch_case("zeros among the latencies", 0.02, &with_zeros, 1000, &LEVELS),
        sketch_case("latencies from 1e-9 to 1e9", 0.01, &wide, 2500, &LEVELS),
        sketch_case("everything in the second sketch (the first empty)", 0.01, &big[..500], 0, &LEVELS),
        sketch_case("everything in the first sketch", 0.01, &big[..500], 500, &LEVELS),
        sketch_case("one value", 0.01, &[0.25], 1, &LEVELS),
        sketch_case("no values: no quantiles", 0.01, &[], 0, &LEVELS),
        sketch_case("levels outside [0, 1] and NaN: none", 0.01, &big[..100], 50, &[-0.1, 1.5, f64::NAN, 0.5]),
        sketch_case("alpha 0", 0.0, &big[..10], 5, &LEVELS),
        sketch_case("alpha 1", 1.0, &big[..10], 5, &LEVELS),
        sketch_case("a negative latency", 0.01, &[0.1, -0.2, 0.3], 1, &LEVELS),
        sketch_case("a NaN latency in the second sketch", 0.01, &[0.1, 0.2, f64::NAN], 1, &LEVELS),
    ];
    for k in 0..3 {
        let n = g.size(100, 10_000);
        let alpha = [0.005, 0.01, 0.02][k];
        let (median, sigma) = (g.float(1e-4, 1e2), g.float(0.2, 2.0));
        let v = latencies(g, n, median, sigma);
        let split = g.size(0, n);
        let levels: Vec<f64> = (0..8).map(|_| g.float(0.0, 1.0)).collect();
        cases.push(sketch_case(&format!("random latencies {} ({n}, alpha {alpha})", k + 1), alpha, &v, split, &levels));
    }
    cases
}

/// Errors and unit quantiles as the reference's; the count exact; each quantile within a relative
/// `alpha` of the exact one (1e-9 of slack for rounding at a bucket's edge); the size the
/// reference's (the doc comment fixes the buckets, and so the number of counters).
fn check_sketch(ctx: &CheckCtx) -> Result<(), Failure> {
    if matches!(ctx.expected, Value::Error(_)) || matches!(ctx.got, Value::Error(_)) {
        return exact(ctx);
    }
    let (alpha, values, levels) = (ctx.input.at(0).float(), ctx.input.at(1).floats(), ctx.input.at(3).floats());
    let (e, g) = (ctx.expected.list(), ctx.got.list());
    let (eq, gq) = (e[0].list(), g[0].list());
    if g[2].int() != e[2].int() {
        return Err(Failure::plain(format!("`count` is {}, the sketch was given {} values", g[2].int(), e[2].int())));
    }
    if gq.len() != eq.len() {
        return Err(Failure::plain(format!("{} quantiles where {} levels were asked", gq.len(), eq.len())));
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    for (i, (eq, gq)) in eq.iter().zip(gq).enumerate() {
        let q = levels[i];
        match (eq, gq) {
            (Value::Unit, Value::Unit) => {}
            (Value::Unit, _) => {
                return Err(Failure::plain(format!("a quantile at level {q} where there is none (None expected)")))
            }
            (_, Value::Unit) => return Err(Failure::plain(format!("no quantile at level {q}: None where one exists"))),
            (_, got) => {
                let exact_q = sorted[(q * (sorted.len() - 1) as f64).floor() as usize];
                let got = got.float();
                let off = (got - exact_q).abs();
                if off.is_nan() || off > alpha * exact_q * (1.0 + 1e-9) {
                    let rel = if exact_q == 0.0 { f64::INFINITY } else { off / exact_q };
                    return Err(Failure::plain(format!(
                        "the quantile at level {q} is off by a relative {rel:.3e}, more than alpha = {alpha}"
                    )));
                }
            }
        }
    }
    let (es, gs) = (e[1].int(), g[1].int());
    ctx.metric("counters held", gs as f64, Some(es as f64), None);
    if gs > es {
        return Err(Failure::plain(format!(
            "the sketch holds {gs} counters for {} values, the reference's {es}: keep counts per bucket, not values",
            e[2].int()
        )));
    }
    if gs < es {
        return Err(Failure::plain(format!(
            "`size` says {gs} counters where the buckets of the doc comment need {es}: one per non-empty bucket, plus \
             one when zeros were counted"
        )));
    }
    Ok(())
}
