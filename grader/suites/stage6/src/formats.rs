//! Hidden suites for `stage6::formats`.
//!
//! `save` is judged by reading the student's file with the `safetensors` crate (the format's own
//! reader), never byte for byte (the header's JSON map has no fixed key order): the same tensors
//! (names, shapes, every bit of every value) and the same metadata as the reference's file,
//! the digest included. `load` is judged on the round trip and on four changed files, exactly.
//! The models: the course's digit classifier (`digits_mlp`), tensors of every rank including
//! empty ones, unicode names and metadata, values at the ends of `f32`.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};
use std::collections::BTreeMap;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.formats.save", cases, check_save),
        ExerciseSuite::custom("stage6.formats.load", cases, exact),
    ]
}

/// A tensor on the wire: `[name, shape, values]`.
fn tensor(name: &str, shape: &[usize], values: Vec<f64>) -> Value {
    Value::List(vec![
        Value::Text(name.into()),
        Value::Ints(shape.iter().map(|&d| d as i64).collect()),
        Value::Floats(values),
    ])
}

fn meta(pairs: &[(&str, &str)]) -> Value {
    Value::List(
        pairs.iter().map(|(k, v)| Value::List(vec![Value::Text(k.to_string()), Value::Text(v.to_string())])).collect(),
    )
}

fn case(label: &str, tensors: Vec<Value>, metadata: Value) -> Case {
    Case::new(label, Value::List(vec![Value::List(tensors), metadata]))
}

fn digits_mlp() -> Vec<Value> {
    ["layer0", "layer1", "head"]
        .iter()
        .flat_map(|n| {
            ["weight", "bias"].map(|p| {
                let name = format!("{n}.{p}");
                let (shape, values) = data::tensor("digits_mlp", &name);
                tensor(&name, &shape, values)
            })
        })
        .collect()
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let training = meta(&[("trained_on", "digits.csv even rows"), ("seed", "2024"), ("framework", "candle 0.11")]);
    let mut cases = vec![
        case("the course's digit classifier with its training metadata", digits_mlp(), training.clone()),
        case(
            "every rank, an empty tensor, a scalar",
            vec![
                tensor("scalar", &[], vec![1.5]),
                tensor("vector", &[3], vec![1.0, -2.0, 3.0]),
                tensor("empty", &[0, 4], vec![]),
                tensor("cube", &[2, 2, 2], g.floats(8, -1.0, 1.0)),
            ],
            meta(&[]),
        ),
        case(
            "values at the ends of f32: the largest, the smallest subnormal, -0.0, infinities",
            vec![tensor(
                "edges",
                &[6],
                vec![3.4028234663852886e38, 1.401298464324817e-45, -0.0, f64::INFINITY, f64::NEG_INFINITY, 0.1],
            )],
            meta(&[("note", "edges")]),
        ),
        case(
            "unicode names and metadata",
            vec![tensor("poids.été", &[2], vec![1.0, 2.0]), tensor("重み", &[1], vec![3.0])],
            meta(&[("auteur", "Zoë"), ("説明", "テスト"), ("empty", "")]),
        ),
        case("no tensors at all", vec![], meta(&[("k", "v")])),
        case("two tensors with one name", vec![tensor("w", &[1], vec![1.0]), tensor("w", &[1], vec![2.0])], meta(&[])),
        case("an empty name", vec![tensor("", &[1], vec![1.0])], meta(&[])),
        case("a shape that does not match the data", vec![tensor("w", &[2, 3], vec![1.0; 5])], meta(&[])),
        case(
            "metadata that claims the digest's key",
            vec![tensor("w", &[1], vec![1.0])],
            meta(&[("tensors_sha256", "00")]),
        ),
    ];
    for k in 0..2 {
        let n = g.size(1, 6);
        let tensors = (0..n)
            .map(|i| {
                let shape: Vec<usize> = (0..g.size(1, 3)).map(|_| g.size(1, 12)).collect();
                let len = shape.iter().product();
                tensor(&format!("block{i}.w{}", g.int(0, 99)), &shape, g.normals(len))
            })
            .collect();
        cases.push(case(&format!("a random model {} ({n} tensors)", k + 1), tensors, training.clone()));
    }
    cases
}

/// A file's tensors (name → shape and the values' bits) and metadata, as the safetensors crate
/// reads them.
type Read = (BTreeMap<String, (Vec<usize>, Vec<u32>)>, BTreeMap<String, String>);

fn read(bytes: &[u8]) -> Result<Read, String> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let mut tensors = BTreeMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != safetensors::Dtype::F32 {
            return Err(format!("tensor {name} is {:?}, not F32", view.dtype()));
        }
        let bits = view.data().chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        tensors.insert(name, (view.shape().to_vec(), bits));
    }
    let metadata = header.metadata().clone().unwrap_or_default().into_iter().collect();
    Ok((tensors, metadata))
}

/// Errors as the reference's; a file the crate reads, with the reference's tensors and metadata.
fn check_save(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::Bytes(e), Value::Bytes(g)) = (ctx.expected, ctx.got) else { return exact(ctx) };
    let (et, em) =
        read(e).map_err(|why| Failure::plain(format!("the grader cannot read the reference's file: {why}")))?;
    let (gt, gm) = read(g).map_err(|why| Failure::plain(format!("safetensors cannot read the file: {why}")))?;
    if et.keys().ne(gt.keys()) {
        return Err(Failure::plain(format!(
            "the file holds {} tensors, {} expected, or other names",
            gt.len(),
            et.len()
        )));
    }
    for (name, (shape, bits)) in &et {
        let (gs, gb) = &gt[name];
        if gs != shape {
            return Err(Failure::plain(format!("tensor `{name}` has shape {gs:?}")));
        }
        if let Some(i) = bits.iter().zip(gb).position(|(a, b)| a != b) {
            return Err(Failure::plain(format!("tensor `{name}` differs at value {i}")));
        }
    }
    for (k, v) in &em {
        match gm.get(k) {
            None => return Err(Failure::plain(format!("the metadata has no `{k}`"))),
            Some(got) if got != v => return Err(Failure::plain(format!("the metadata's `{k}` differs"))),
            Some(_) => {}
        }
    }
    if let Some(k) = gm.keys().find(|k| !em.contains_key(*k)) {
        return Err(Failure::plain(format!("the metadata has a key `{k}` that was not asked for")));
    }
    Ok(())
}
