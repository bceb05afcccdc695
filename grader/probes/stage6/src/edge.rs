//! Glue for `stage6::edge`: layers travel as `[inputs, outputs, weights, biases]` (numbers as
//! f64 on the wire, f32 in the model), inputs as rows. `quantize` answers the blob;
//! `predict` quantizes, then answers each row's logits read from the blob, and what the reader
//! says of the blob damaged four ways (truncated, magic changed, a byte appended, one layer too
//! many announced).

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::edge::{self, Layer};

pub(crate) fn layers(v: &Value) -> Vec<Layer> {
    v.list()
        .iter()
        .map(|l| Layer {
            inputs: l.at(0).usize(),
            outputs: l.at(1).usize(),
            weight: l.at(2).floats().iter().map(|&w| w as f32).collect(),
            bias: l.at(3).floats().iter().map(|&b| b as f32).collect(),
        })
        .collect()
}

fn logits(r: Result<Vec<f32>, edge::EdgeError>) -> Value {
    match r {
        Ok(v) => Value::Floats(v.into_iter().map(f64::from).collect()),
        Err(e) => Value::Error(format!("{e:?}")),
    }
}

probe_runtime::glue! { Stage6;
    "stage6.edge.quantize" => |model: &Value| {
        edge::quantize(&layers(model)).map(Value::Bytes)
    };
    "stage6.edge.predict" => |model: &Value, rows: &Value| {
        edge::quantize(&layers(model)).map(|blob| {
            let outs: Vec<Value> = rows
                .list()
                .iter()
                .map(|r| logits(edge::predict_from_bytes(&blob, &r.floats().iter().map(|&x| x as f32).collect::<Vec<f32>>())))
                .collect();
            let x: Vec<f32> = rows.list().first().map(|r| r.floats().iter().map(|&x| x as f32).collect()).unwrap_or_default();
            let mut damaged = Vec::new();
            damaged.push(blob[..blob.len() - 1].to_vec());
            let mut magic = blob.clone();
            magic[0] = b'X';
            damaged.push(magic);
            let mut longer = blob.clone();
            longer.push(0);
            damaged.push(longer);
            let mut more = blob.clone();
            more[4] = more[4].wrapping_add(1);
            damaged.push(more);
            let verdicts: Vec<Value> = damaged.iter().map(|b| logits(edge::predict_from_bytes(b, &x))).collect();
            (Value::List(outs), Value::List(verdicts))
        })
    } => (logits, damaged);
}
