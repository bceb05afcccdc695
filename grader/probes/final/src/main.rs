//! Probe for the final project. Each task has one glue line per graded part.
//!
//! - `final.<task>.train`: `(examples, labels, seed)` → `[losses, digest, digest_again,
//!   digest_other_seed, bytes, round_trip, damaged_refused]`: the student's `train` three times
//!   (the seed, the same seed, the seed + 1), each model's `to_bytes` hashed here (SHA-256, hex),
//!   the first run's losses per epoch, the first model's size in bytes, whether `from_bytes`
//!   reads it back to the same bytes, and whether damaged bytes are refused.
//! - every service part: `(examples, labels, seed, token)`: where the data directory (`data/`
//!   in the probe's scratch directory, which the grader keeps across restarts) holds no model
//!   yet, versions v1 (the seed) and v2 (the seed + 1) are trained with the student's `train` and
//!   written to `data/models/v1.bin` and `v2.bin`; then the student's `app` is served.
//!
//! Examples are e-mails (`Vec<&str>`, task "spam") or images (a matrix of 784 pixels in [0, 1]
//! per row, task "digits").

use capstone::given::{Config, Task, TrainingSet};
use capstone::model::Model;
use grader_protocol::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// This glue crate's marker for `Arg` and `Ret`.
pub struct Final;

probe_runtime::glue! { Final;
    "final.spam.train" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64| {
        let set = spam(&texts, &labels);
        three(seed, |s| capstone::model::train(&set, s))
    };
    "final.digits.train" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64| {
        let set = digits(&images, &labels);
        three(seed, |s| capstone::model::train(&set, s))
    };
    "final.spam.quality" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.contract" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.auth" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.ops" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.speed" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.recovery" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.spam.rollback" => |texts: Vec<&str>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&spam(&texts, &labels), seed, token))
    };
    "final.digits.quality" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.contract" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.auth" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.ops" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.speed" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.recovery" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
    "final.digits.rollback" => |images: Vec<Vec<f64>>, labels: Vec<u32>, seed: u64, token: &str| {
        capstone::service::app(start(&digits(&images, &labels), seed, token))
    };
}

fn spam(texts: &[&str], labels: &[u32]) -> TrainingSet {
    TrainingSet {
        task: Task::Spam,
        texts: texts.iter().map(|t| t.to_string()).collect(),
        images: Vec::new(),
        labels: labels.to_vec(),
    }
}

fn digits(images: &[Vec<f64>], labels: &[u32]) -> TrainingSet {
    TrainingSet {
        task: Task::Digits,
        texts: Vec::new(),
        images: images.iter().map(|r| r.iter().map(|&p| p as f32).collect()).collect(),
        labels: labels.to_vec(),
    }
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The seed, the same seed, the seed + 1: `[losses, digest, digest_again, digest_other, bytes,
/// round_trip, damaged_refused]`, or the first error's message. `round_trip`: the first model's
/// bytes read back by `from_bytes` give the same bytes; `damaged_refused`: those bytes cut in
/// half, and with one byte flipped in the middle, are both refused (`Err`).
fn three<E: std::fmt::Display>(seed: u64, train: impl Fn(u64) -> Result<(Model, Vec<f64>), E>) -> Value {
    let mut out = Vec::new();
    let mut first = Vec::new();
    let mut losses = Vec::new();
    for (i, s) in [seed, seed, seed.wrapping_add(1)].into_iter().enumerate() {
        match train(s) {
            Ok((model, l)) => {
                let bytes = model.to_bytes();
                out.push(Value::Text(hex(&bytes)));
                if i == 0 {
                    first = bytes;
                    losses = l;
                }
            }
            Err(e) => return Value::Error(format!("Training: {e}")),
        }
    }
    let round_trip = Model::from_bytes(&first).is_ok_and(|m| m.to_bytes() == first);
    let mut flipped = first.clone();
    if let Some(b) = flipped.get_mut(first.len() / 2) {
        *b ^= 0x5a;
    }
    let damaged_refused = Model::from_bytes(&first[..first.len() / 2]).is_err() && Model::from_bytes(&flipped).is_err();
    let mut v = vec![Value::Floats(losses)];
    v.extend(out);
    v.extend([Value::Int(first.len() as i64), Value::Bool(round_trip), Value::Bool(damaged_refused)]);
    Value::List(v)
}

/// The service's data directory, with versions v1 and v2 trained there if it holds no model yet
/// (each written to a temporary file, then renamed: a restart never finds half a model).
fn start(set: &TrainingSet, seed: u64, token: &str) -> Config {
    let dir = PathBuf::from("data");
    if !capstone::given::model_path(&dir, 1).exists() || !capstone::given::model_path(&dir, 2).exists() {
        for (n, s) in [(1, seed), (2, seed.wrapping_add(1))] {
            let (model, _) = capstone::model::train(set, s).unwrap_or_else(|e| panic!("training v{n} failed: {e}"));
            write(&capstone::given::model_path(&dir, n), &model.to_bytes());
        }
    }
    Config { task: set.task, data_dir: dir, token: token.to_string(), draining: probe_runtime::service::draining() }
}

fn write(path: &Path, bytes: &[u8]) {
    let dir = path.parent().expect("a model's path has a directory");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("cannot rename {}: {e}", tmp.display()));
}

fn main() {
    probe_runtime::serve(dispatch)
}
