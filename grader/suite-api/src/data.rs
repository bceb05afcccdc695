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
