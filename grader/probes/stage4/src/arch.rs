//! Glue for `stage4::arch`: a cost travels as `(parameters, forward_flops, training_bytes)`; a
//! ReLU network as a list of layers `[w, b]` (`w` a matrix with one row per unit).

use crate::convert::Stage4;
use grader_protocol::Value;
use stage4::arch::{self, Dense};

probe_runtime::glue! { Stage4;
    "stage4.arch.mlp_cost" => |widths: Vec<usize>, batch: usize, bytes_per_value: usize| {
        arch::mlp_cost(&widths, batch, bytes_per_value).map(|c| (c.parameters, c.forward_flops, c.training_bytes))
    } => (parameters, forward_flops, training_bytes);
    "stage4.arch.sawtooth_network" => |k: usize| net(&arch::sawtooth_network(k));
    "stage4.arch.interpolating_network" => |knots: Vec<f64>, values: Vec<f64>| {
        arch::interpolating_network(&knots, &values).map(|l| net(&l))
    };
    "stage4.arch.linear_regions" => |layers: &Value, a: f64, b: f64| arch::linear_regions(&dense(layers), a, b);
    "stage4.arch.depth_vs_width" => |k: usize, samples: usize| {
        arch::depth_vs_width(k, samples).map(|d| {
            (
                (d.deep_parameters, d.wide_parameters, d.wide_units),
                (d.deep_error, d.wide_error),
                (d.deep_regions, d.wide_regions),
            )
        })
    } => (parameters, errors, regions);
}

/// Layers on the wire: `[w, b]` each, `w` a `(units, inputs)` matrix (ragged rows are the
/// student's bug: they travel as a list of rows instead, and the suite says so).
fn net(layers: &[Dense]) -> Value {
    Value::List(
        layers
            .iter()
            .map(|l| {
                let cols = l.w.first().map_or(0, Vec::len);
                let w = if l.w.iter().all(|r| r.len() == cols) {
                    Value::matrix(l.w.len(), cols, l.w.concat())
                } else {
                    Value::List(l.w.iter().map(|r| Value::Floats(r.clone())).collect())
                };
                Value::List(vec![w, Value::Floats(l.b.clone())])
            })
            .collect(),
    )
}

fn dense(v: &Value) -> Vec<Dense> {
    v.list()
        .iter()
        .map(|l| {
            let (rows, cols, data) = l.at(0).matrix_parts();
            let w = (0..rows).map(|r| data[r * cols..(r + 1) * cols].to_vec()).collect();
            Dense { w, b: l.at(1).floats().to_vec() }
        })
        .collect()
}
