//! Helpers shared by the `grader` binary's integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// The course checkout these tests run in.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The shared build directory: GRADER_TARGET_DIR when set, else the course's target/grader
/// (where every other test's probes are built too), so dependencies compile once.
pub fn target() -> PathBuf {
    std::env::var_os("GRADER_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target/grader"))
}

/// A command's stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    grader_engine::intake::copy_tree(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

/// A file's text; panics naming the file.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A CSV's rows by their first cell, each a map of column to cell.
pub fn csv_rows(p: &Path) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(p).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), header.iter().cloned().zip(rec.iter().map(str::to_string)).collect())
        })
        .collect()
}
