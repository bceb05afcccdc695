//! The course's data sets, as the hidden suites read them.
//!
//! Data sets live in `datasets/` (small ones committed, large ones fetched at set-up) and are
//! declared with their sha256 digests in `grader/course/datasets.toml`. The grader reads and
//! checks every declared set before it generates a case, and hands the text here; a suite asks
//! for it by name with [`text`]. Nothing is embedded in the grader's binary, and nothing is read
//! that the manifest does not pin.

use std::collections::BTreeMap;
use std::sync::RwLock;

/// Loaded sets: name -> (sha256, bytes). Contents are leaked once per distinct content: a handful
/// of files per process, kept for its lifetime.
static SETS: RwLock<BTreeMap<String, (String, &'static [u8])>> = RwLock::new(BTreeMap::new());

/// Makes `bytes` (whose digest the caller checked) the data set `name`. Installing the same
/// content again costs nothing.
pub fn install(name: &str, sha256: &str, bytes: Vec<u8>) {
    let mut sets = SETS.write().unwrap_or_else(|e| e.into_inner());
    if sets.get(name).is_some_and(|(d, _)| d == sha256) {
        return;
    }
    sets.insert(name.to_string(), (sha256.to_string(), Box::leak(bytes.into_boxed_slice())));
}

/// The sha256 of the data set `name` as installed, if it is.
pub fn installed(name: &str) -> Option<String> {
    SETS.read().unwrap_or_else(|e| e.into_inner()).get(name).map(|(d, _)| d.clone())
}

/// The text of the data set `name` (a CSV file).
///
/// # Panics
/// When no such set was installed: the suite names a set that `grader/course/datasets.toml`
/// does not declare (a bug of the suite's, which `cargo test` finds).
pub fn text(name: &str) -> &'static str {
    std::str::from_utf8(bytes(name))
        .unwrap_or_else(|_| panic!("suite: data set `{name}` is not UTF-8 text: read it with `bytes`"))
}

/// The contents of the data set `name`, for binary files (safetensors weights).
///
/// # Panics
/// As [`text`].
pub fn bytes(name: &str) -> &'static [u8] {
    match SETS.read().unwrap_or_else(|e| e.into_inner()).get(name) {
        Some((_, b)) => b,
        None => panic!("suite: data set `{name}` is not declared in grader/course/datasets.toml"),
    }
}

/// The course's labelled e-mails (`spamassassin`: `label TAB subject TAB body` per line, labels
/// `ham` and `spam`): each e-mail as its subject, a newline, its body; labels 0 (ham) and 1 (spam).
///
/// # Panics
/// As [`text`], and when a line is not such a record.
pub fn emails(name: &str) -> (Vec<String>, Vec<i64>) {
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for line in text(name).lines() {
        let f: Vec<&str> = line.splitn(3, '\t').collect();
        assert_eq!(f.len(), 3, "{name}: three fields per line");
        labels.push(match f[0] {
            "ham" => 0,
            "spam" => 1,
            other => panic!("{name}: label {other:?}"),
        });
        texts.push(format!("{}\n{}", f[1], f[2]));
    }
    (texts, labels)
}

/// A data set that is a CSV file of numbers: its header's column names and its rows.
///
/// # Panics
/// As [`text`], and when a cell is not a number (the data set is not numeric: a bug of the
/// suite's).
pub fn numeric_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut lines = text(name).lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_else(|| panic!("suite: data set `{name}` is empty"));
    let rows = lines
        .map(|l| {
            l.split(',')
                .map(|x| {
                    x.trim().parse().unwrap_or_else(|_| panic!("suite: `{name}` has a cell that is no number: {x:?}"))
                })
                .collect()
        })
        .collect();
    (header.split(',').map(|c| c.trim().to_string()).collect(), rows)
}

/// One tensor of a safetensors data set, widened to `f64`, with its shape: `F32` and `F64`
/// tensors only.
///
/// # Panics
/// As [`bytes`], and when the set is not safetensors, has no such tensor, or holds it in another
/// type.
pub fn tensor(name: &str, tensor: &str) -> (Vec<usize>, Vec<f64>) {
    let file = safetensors::SafeTensors::deserialize(bytes(name))
        .unwrap_or_else(|e| panic!("suite: data set `{name}` is not safetensors: {e}"));
    let t = file.tensor(tensor).unwrap_or_else(|_| panic!("suite: `{name}` has no tensor {tensor}"));
    let values = match t.dtype() {
        safetensors::Dtype::F32 => {
            t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect()
        }
        safetensors::Dtype::F64 => {
            t.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect()
        }
        other => panic!("suite: `{name}`'s {tensor} is {other:?}, not F32 or F64"),
    };
    (t.shape().to_vec(), values)
}
