//! Glue for `stage6::serving`: the model travels as the edge glue's layers; `online` answers each
//! row's logits from `predict_one`, `batch` the whole matrix's from `predict_batch` (row by row,
//! flat). Values cross the wire as f64, exactly (every f32 is an f64).

use crate::convert::Stage6;
use crate::edge::layers;
use grader_protocol::Value;
use stage6::serving;

probe_runtime::glue! { Stage6;
    "stage6.serving.online" => |model: &Value, rows: &Value| {
        let layers = layers(model);
        let out: Vec<Value> = rows
            .list()
            .iter()
            .map(|r| {
                let x: Vec<f32> = r.floats().iter().map(|&v| v as f32).collect();
                match serving::predict_one(&layers, &x) {
                    Ok(v) => Value::Floats(v.into_iter().map(f64::from).collect()),
                    Err(e) => Value::Error(format!("{e:?}")),
                }
            })
            .collect();
        Value::List(out)
    };
    "stage6.serving.batch" => |model: &Value, n: usize, xs: &[f64]| {
        let xs: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
        serving::predict_batch(&layers(model), &xs, n).map(|v| Value::Floats(v.into_iter().map(f64::from).collect()))
    };
}
