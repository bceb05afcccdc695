//! Glue for `stage6::registry`: a case is a script of operations on one registry directory, each a
//! list whose first entry names it; the answers come back in order (an error as its variant),
//! then every file under the case's directory, by relative path.
//!
//! The registry lives in a fresh directory of the probe's scratch directory per case, removed
//! after it. The glue (the grader's code, not the student's) also reopens the registry, damages
//! and deletes version files at the layout's paths, and lists what is on disk.
//!
//! `["register", name, model]` (a model is `[tensors, metadata]`, a tensor `[name, shape, values]`)
//! → the version; `["transition", name, version, stage]`; `["production", name]` → the version or
//! unit; `["versions", name]` → `[[version, stage], ...]`; `["rollback", name]` → the version;
//! `["load", name, version]` → `[tensors, metadata]`; `["reopen"]` (a new `Registry` on the
//! same directory, the old one dropped); `["flip", name, version]` (the file's last byte flipped);
//! `["delete", name, version]` (the file removed).

use crate::convert::Stage6;
use crate::formats::tensors;
use grader_protocol::Value;
use stage6::registry::{Registry, RegistryError, Stage};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static CASE: AtomicU64 = AtomicU64::new(0);

/// The error's variant, without its message (`Io`, not `Io("permission denied")`).
fn err(e: RegistryError) -> Value {
    Value::Error(format!("{e:?}").split('(').next().unwrap_or_default().to_string())
}

/// A stage from its name on the wire (its variant's name in lower case).
fn stage(s: &str) -> Stage {
    [Stage::None, Stage::Staging, Stage::Production, Stage::Archived]
        .into_iter()
        .find(|st| format!("{st:?}").to_lowercase() == s)
        .unwrap_or_else(|| panic!("glue: no stage `{s}`"))
}

fn stage_text(s: Stage) -> Value {
    Value::Text(format!("{s:?}").to_lowercase())
}

/// Every file under `dir`, relative to `base`, sorted (directories followed, links not).
fn files(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            files(&p, base, out);
        } else {
            out.push(p.strip_prefix(base).unwrap_or(&p).display().to_string());
        }
    }
}

fn version_file(root: &Path, name: &str, version: i64) -> PathBuf {
    root.join(name).join(format!("v{version}")).join("model.safetensors")
}

fn script(models: &Value, ops: &Value) -> Value {
    let case = PathBuf::from(format!("registry-case-{}", CASE.fetch_add(1, Ordering::SeqCst)));
    let root = case.join("models");
    let mut answers = Vec::new();
    let mut reg = match Registry::open(&root) {
        Ok(r) => Some(r),
        Err(e) => {
            answers.push(err(e));
            None
        }
    };
    for op in ops.list() {
        let Some(r) = reg.as_ref() else { break };
        let name = || op.at(1).text();
        let version = || op.at(2).int() as u32;
        let answer = match op.at(0).text() {
            "register" => {
                let m = &models.list()[op.at(2).int() as usize];
                let meta: Vec<(String, String)> =
                    m.at(1).list().iter().map(|p| (p.at(0).text().to_string(), p.at(1).text().to_string())).collect();
                r.register(name(), &tensors(m.at(0)), &meta).map_or_else(err, |v| Value::Int(v.into()))
            }
            "transition" => r.transition(name(), version(), stage(op.at(3).text())).map_or_else(err, |()| Value::Unit),
            "production" => r.production(name()).map_or_else(err, |v| v.map_or(Value::Unit, |v| Value::Int(v.into()))),
            "versions" => r.versions(name()).map_or_else(err, |vs| {
                Value::List(
                    vs.into_iter().map(|(v, s)| Value::List(vec![Value::Int(v.into()), stage_text(s)])).collect(),
                )
            }),
            "rollback" => r.rollback(name()).map_or_else(err, |v| Value::Int(v.into())),
            "load" => r.load(name(), version()).map_or_else(err, |(ts, meta)| {
                let ts = ts
                    .into_iter()
                    .map(|t| {
                        Value::List(vec![
                            t.name.into(),
                            Value::Ints(t.shape.iter().map(|&d| d as i64).collect()),
                            Value::Floats(t.data.iter().map(|&x| f64::from(x)).collect()),
                        ])
                    })
                    .collect();
                let meta = meta.into_iter().map(|(k, v)| Value::List(vec![k.into(), v.into()])).collect();
                Value::List(vec![Value::List(ts), Value::List(meta)])
            }),
            "reopen" => {
                reg = None;
                match Registry::open(&root) {
                    Ok(r) => {
                        reg = Some(r);
                        Value::Unit
                    }
                    Err(e) => err(e),
                }
            }
            "flip" => {
                let path = version_file(&root, name(), op.at(2).int());
                match std::fs::read(&path) {
                    Ok(mut bytes) if !bytes.is_empty() => {
                        let last = bytes.len() - 1;
                        bytes[last] ^= 1;
                        std::fs::write(&path, bytes).expect("glue: write back");
                        Value::Text("flipped".into())
                    }
                    _ => Value::Text("no such file".into()),
                }
            }
            "delete" => match std::fs::remove_file(version_file(&root, name(), op.at(2).int())) {
                Ok(()) => Value::Text("deleted".into()),
                Err(_) => Value::Text("no such file".into()),
            },
            other => panic!("glue: no operation `{other}`"),
        };
        answers.push(answer);
    }
    drop(reg);
    let mut listing = Vec::new();
    files(&case, &case, &mut listing);
    listing.sort();
    // Only the model files are the layout's: the state file's name and any temporary file are the
    // student's business.
    let models_on_disk: Vec<Value> =
        listing.iter().filter(|p| p.ends_with(".safetensors")).map(|p| Value::Text(p.clone())).collect();
    let outside = listing.iter().any(|p| !p.starts_with("models/"));
    let _ = std::fs::remove_dir_all(&case);
    Value::List(vec![Value::List(answers), Value::List(models_on_disk), Value::Bool(outside)])
}

probe_runtime::glue! { Stage6;
    "stage6.registry.lifecycle" => |models: &Value, ops: &Value| script(models, ops) => (answers, files, outside_root);
    "stage6.registry.rollback" => |models: &Value, ops: &Value| script(models, ops) => (answers, files, outside_root);
}
