//! Glue for `stage6::monitor`.
//!
//! A rule travels as `[threshold, "above" | "below", for_s]`, a series as its times and its
//! values; alerts come back as `[fired_at, resolved_at (or unit)]`. A sketch case adds
//! `values[..split]` to one sketch and `values[split..]` to another, merges the second into the
//! first, and answers the quantiles at `levels` (unit where there is none), its size and count.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::monitor::{self, Comparison, Rule, Sketch};

probe_runtime::glue! { Stage6;
    "stage6.monitor.page_hinkley" => |stream: &[f64], delta: f64, threshold: f64, min_samples: usize| {
        monitor::page_hinkley(stream, delta, threshold, min_samples)
    };
    // Many streams, one parameter set: each stream's alarms.
    // `[streams, delta, threshold, min_samples, changes, window]`: the last two are the check's.
    "stage6.monitor.detection" => |input: &Value| {
        let (delta, threshold, min_samples) = (input.at(1).float(), input.at(2).float(), input.at(3).usize());
        let alarms: Vec<Value> = input
            .at(0)
            .list()
            .iter()
            .map(|s| match monitor::page_hinkley(s.floats(), delta, threshold, min_samples) {
                Ok(a) => Value::Ints(a.into_iter().map(|i| i as i64).collect()),
                Err(e) => Value::Error(format!("{e:?}")),
            })
            .collect();
        Value::List(alarms)
    };
    "stage6.monitor.alerts" => |threshold: f64, comparison: &str, for_s: u64, times: Vec<u64>, values: &[f64]| {
        let comparison = match comparison {
            "above" => Comparison::Above,
            "below" => Comparison::Below,
            other => panic!("glue: unknown comparison {other}"),
        };
        let series: Vec<(u64, f64)> = times.into_iter().zip(values.iter().copied()).collect();
        monitor::evaluate_rule(&Rule { threshold, comparison, for_s }, &series).map(|alerts| {
            alerts
                .into_iter()
                .map(|a| Value::List(vec![Value::Int(a.fired_at as i64), a.resolved_at.map_or(Value::Unit, |t| Value::Int(t as i64))]))
                .collect::<Vec<Value>>()
        })
    };
    "stage6.monitor.sketch" => |alpha: f64, values: &[f64], split: usize, levels: &[f64]| {
        let run = || -> Result<(Vec<Value>, usize, u64), monitor::MonitorError> {
            let (mut a, mut b) = (Sketch::new(alpha)?, Sketch::new(alpha)?);
            for &x in &values[..split] {
                a.add(x)?;
            }
            for &x in &values[split..] {
                b.add(x)?;
            }
            a.merge(&b)?;
            let q = levels.iter().map(|&q| a.quantile(q).map_or(Value::Unit, Value::from)).collect();
            Ok((q, a.size(), a.count()))
        };
        run()
    } => (quantiles, size, count);
}
