//! Probe for mini-project 3: one case is four runs of the student's pipeline in one fresh
//! workspace (a directory of the probe's scratch directory, removed after the case): clean data,
//! the same file again, the data with some features shifted, corrupt data.
//!
//! Input: `[clean_csv, shifted_csv, corrupt_csv, hidden_clean, hidden_shifted, hidden_labels,
//! shifted]` (the hidden rows as matrices, their labels, the shifted features' indices). Each
//! run's answer: `[report, production, model_sha256, hidden_accuracy]`, where `report` is
//! `[steps, flagged, registered, production, validation_accuracy]` or the error's variant, and
//! the last three are what the glue itself reads from `registry/` after the run: the production
//! pointer, the SHA-256 of the production model's file, and that model's accuracy on the hidden
//! rows (unit where there is no production model or its file does not load).

use grader_protocol::Value;
use mp3::{PipelineError, RunReport, StepStatus};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// This glue crate's marker for `Arg` and `Ret`.
pub struct Mp3;

static CASE: AtomicU64 = AtomicU64::new(0);

fn report(r: Result<RunReport, PipelineError>) -> Value {
    match r {
        Ok(r) => Value::List(vec![
            Value::List(
                r.steps
                    .into_iter()
                    .map(|(s, st)| {
                        Value::List(vec![
                            Value::Text(s),
                            Value::Text(if st == StepStatus::Ran { "ran" } else { "cached" }.into()),
                        ])
                    })
                    .collect(),
            ),
            Value::List(r.flagged.into_iter().map(Value::Text).collect()),
            r.registered.map_or(Value::Unit, |v| Value::Int(v.into())),
            r.production.map_or(Value::Unit, |v| Value::Int(v.into())),
            Value::Float(r.validation_accuracy),
        ]),
        Err(PipelineError::Schema(_)) => Value::Error("Schema".into()),
        Err(PipelineError::Io(_)) => Value::Error("Io".into()),
    }
}

/// The production model's weights, read with the safetensors crate: `weight` `[30]`, `bias` `[1]`.
fn model(bytes: &[u8]) -> Option<(Vec<f64>, f64)> {
    let st = safetensors::SafeTensors::deserialize(bytes).ok()?;
    let floats = |name: &str| -> Option<Vec<f64>> {
        let t = st.tensor(name).ok()?;
        if t.dtype() != safetensors::Dtype::F32 {
            return None;
        }
        Some(t.data().chunks_exact(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect())
    };
    let (w, b) = (floats("weight")?, floats("bias")?);
    (w.len() == 30 && b.len() == 1).then(|| (w, b[0]))
}

fn accuracy(w: &[f64], b: f64, x: &Value, y: &[i64]) -> f64 {
    let Value::Matrix { cols, data, .. } = x else { panic!("glue: hidden rows are a matrix") };
    let right = data
        .chunks_exact(*cols)
        .zip(y)
        .filter(|(row, &label)| {
            let z: f64 = row.iter().zip(w).map(|(a, c)| a * c).sum::<f64>() + b;
            i64::from(z >= 0.0) == label
        })
        .count();
    right as f64 / y.len() as f64
}

/// What the registry says after a run: the production pointer, its file's digest, its accuracy.
fn observe(ws: &Path, hidden: &Value, labels: &[i64]) -> [Value; 3] {
    let registry = ws.join("registry");
    let Some(v) = std::fs::read_to_string(registry.join("production")).ok().and_then(|s| s.trim().parse::<u32>().ok())
    else {
        return [Value::Unit, Value::Unit, Value::Unit];
    };
    let bytes = std::fs::read(registry.join(format!("v{v}")).join("model.safetensors")).unwrap_or_default();
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let acc = model(&bytes).map_or(Value::Unit, |(w, b)| Value::Float(accuracy(&w, b, hidden, labels)));
    [Value::Int(v.into()), Value::Text(sha), acc]
}

fn four_runs(input: &Value) -> Value {
    let ws = PathBuf::from(format!("mp3-case-{}", CASE.fetch_add(1, Ordering::SeqCst)));
    let incoming = ws.join("incoming");
    std::fs::create_dir_all(&incoming).expect("glue: the workspace");
    let data = incoming.join("data.csv");
    let labels = input.at(5).ints();
    let runs = [(0, 3), (0, 3), (1, 4), (2, 4)];
    let out = runs
        .iter()
        .map(|&(csv, hidden)| {
            std::fs::write(&data, input.at(csv).text()).expect("glue: the data file");
            let r = report(mp3::run(&ws, &data));
            let [p, sha, acc] = observe(&ws, input.at(hidden), labels);
            Value::List(vec![r, p, sha, acc])
        })
        .collect();
    let _ = std::fs::remove_dir_all(&ws);
    Value::List(out)
}

// Every part runs the same four runs; each is judged on its own run (grader/suites/mp3).
probe_runtime::glue! { Mp3;
    "mp3.pipeline.clean" => |input: &Value| four_runs(input);
    "mp3.pipeline.cached" => |input: &Value| four_runs(input);
    "mp3.pipeline.shifted" => |input: &Value| four_runs(input);
    "mp3.pipeline.corrupt" => |input: &Value| four_runs(input);
}

fn main() {
    probe_runtime::serve(dispatch)
}
