//! Glue for `stage6::repro`: training runs three times in one process — the case's seed, the
//! same seed again, the next seed — and the three parameter vectors come back with the first
//! model's accuracy on held-out rows (computed here, by the course).

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::repro;

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.list().iter().map(|r| r.floats().to_vec()).collect()
}

/// The share of `labels` that `σ(w · x + b) >= 0.5` gets right (`params` = `[w..., b]`).
fn accuracy(params: &[f64], x: &[Vec<f64>], labels: &[f64]) -> f64 {
    let Some((&b, w)) = params.split_last() else { return 0.0 };
    if w.len() != x.first().map_or(0, Vec::len) || labels.is_empty() {
        return 0.0;
    }
    let right = x
        .iter()
        .zip(labels)
        .filter(|(r, &y)| {
            let z: f64 = w.iter().zip(*r).map(|(w, x)| w * x).sum::<f64>() + b;
            (z >= 0.0) == (y == 1.0)
        })
        .count();
    right as f64 / labels.len() as f64
}

probe_runtime::glue! { Stage6;
    "stage6.repro.train" => |x: &Value, y: Vec<f64>, seed: u64, epochs: usize, held_x: &Value, held_y: Vec<f64>| {
        let x = rows(x);
        let first = repro::train(&x, &y, seed, epochs);
        let again = repro::train(&x, &y, seed, epochs);
        let other = repro::train(&x, &y, seed.wrapping_add(1), epochs);
        let acc = accuracy(&first, &rows(held_x), &held_y);
        (first, again, other, acc)
    } => (first, again, other_seed, accuracy);
    "stage6.repro.digest" => |params: &Value| {
        params.list().iter().map(|p| Value::from(repro::digest(p.floats()))).collect::<Vec<Value>>()
    };
}
