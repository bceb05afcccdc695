//! Glue for `stage6::formats`: a tensor travels as `[name, shape, values]`, metadata as
//! `[key, value]` pairs. `save` answers the file's bytes (the suite reads them with the
//! safetensors crate); `load` saves, loads back, and answers the round trip and what the loader
//! says of the file changed four ways: its last byte flipped, cut short, its header length made
//! absurd, and the same tensors written by the crate without the digest.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::formats::{self, Tensor};

/// Tensors from the wire (`[name, shape, values]` each); the registry glue uses it too.
pub(crate) fn tensors(v: &Value) -> Vec<Tensor> {
    v.list()
        .iter()
        .map(|t| Tensor {
            name: t.at(0).text().to_string(),
            shape: t.at(1).ints().iter().map(|&d| d as usize).collect(),
            data: t.at(2).floats().iter().map(|&x| x as f32).collect(),
        })
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.list().iter().map(|p| (p.at(0).text().to_string(), p.at(1).text().to_string())).collect()
}

fn verdict(r: Result<formats::Loaded, formats::FormatError>) -> Value {
    match r {
        Ok(_) => Value::Text("loaded".into()),
        Err(e) => Value::Error(format!("{e:?}")),
    }
}

probe_runtime::glue! { Stage6;
    "stage6.formats.save" => |model: &Value, metadata: &Value| {
        formats::save(&tensors(model), &pairs(metadata)).map(Value::Bytes)
    };
    "stage6.formats.load" => |model: &Value, metadata: &Value| {
        let model = tensors(model);
        formats::save(&model, &pairs(metadata)).and_then(|bytes| {
            let (back, meta) = formats::load(&bytes)?;
            let back: Vec<Value> = back
                .into_iter()
                .map(|t| {
                    let shape = t.shape.iter().map(|&d| d as i64).collect();
                    let data = t.data.iter().map(|&x| f64::from(x)).collect();
                    Value::List(vec![t.name.into(), Value::Ints(shape), Value::Floats(data)])
                })
                .collect();
            let meta: Vec<Value> = meta.into_iter().map(|(k, v)| Value::List(vec![k.into(), v.into()])).collect();
            let mut flipped = bytes.clone();
            if let Some(last) = flipped.last_mut() {
                *last ^= 1;
            }
            let short = bytes[..bytes.len() / 2].to_vec();
            let mut absurd = bytes.clone();
            absurd[..8].copy_from_slice(&u64::MAX.to_le_bytes());
            let data: Vec<Vec<u8>> = model.iter().map(|t| t.data.iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
            let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = model
                .iter()
                .zip(&data)
                .map(|(t, d)| (t.name.clone(), safetensors::tensor::TensorView::new(safetensors::Dtype::F32, t.shape.clone(), d).expect("glue: a view")))
                .collect();
            let plain = safetensors::serialize(views, None).expect("glue: safetensors");
            let changed: Vec<Value> = [flipped, short, absurd, plain].into_iter().map(|b| verdict(formats::load(&b))).collect();
            Ok((Value::List(back), Value::List(meta), Value::List(changed)))
        })
    } => (tensors, metadata, changed);
}
