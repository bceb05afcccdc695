//! Tamper evidence: the course's own files in a student's repository (public tests, crate
//! manifests, the course manifest, the grader's glue, data sets, the CI workflow) are
//! fingerprinted when the student edition is exported; `grader check` compares the submission's
//! copies with those fingerprints and the report lists every file that differs.
//!
//! Grading never uses the submission's copies of these files (the grader builds only the
//! student's `src/`), so a changed file cannot change a grade; the list tells the instructor
//! (and the student) that the repository is no longer the course's.

use anyhow::{Context, Result};
use grader_engine::manifest::Course;
use grader_report::{ChangedFile, Integrity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a student edition keeps its own copy of the fingerprints (the bundle has another).
pub const EDITION_FINGERPRINTS: &str = "grader/fingerprints.json";

/// The fingerprints of the course's files, by path relative to the repository root.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Fingerprints {
    pub format: u32,
    pub algorithm: String,
    pub files: BTreeMap<String, String>,
}

/// Directories where the grader's own files live: a file added there is reported too (a file
/// added among the public tests is the student's own test, and welcome).
const GRADER_DIRS: [&str; 6] = [
    "grader/course/",
    "grader/probes/",
    "grader/protocol/",
    "grader/probe-runtime/",
    "grader/ml-deps/",
    "grader/data-deps/",
];

/// Files written by `grader export student` (not in the instructor's repository).
const GENERATED: [&str; 4] =
    ["Cargo.toml", "grader/edition.toml", ".github/workflows/grade.yml", "scripts/get-grader.sh"];

/// SHA-256 of a file's bytes, with CRLF line endings read as LF (a checkout on Windows with
/// `core.autocrlf` is not a change).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(sha256_text(&bytes))
}

fn sha256_text(bytes: &[u8]) -> String {
    let mut normalised = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        normalised.push(bytes[i]);
        i += 1;
    }
    grader_engine::datasets::sha256_hex(&normalised)
}

/// SHA-256 of raw bytes (binaries).
pub fn sha256_bytes(bytes: &[u8]) -> String {
    grader_engine::datasets::sha256_hex(bytes)
}

/// What a fingerprinted file is, for the report.
pub fn kind_of(path: &str, course: &Course) -> &'static str {
    let in_tests = course.stages.iter().any(|s| path.starts_with(&format!("{}/tests/", s.student_dir)));
    let crate_manifest = course.stages.iter().any(|s| path == format!("{}/Cargo.toml", s.student_dir));
    if in_tests {
        "public test"
    } else if crate_manifest {
        "crate manifest"
    } else if path.starts_with("grader/course/") {
        "course manifest"
    } else if path.starts_with("datasets/") {
        "data set"
    } else if path == "Cargo.toml" {
        "workspace manifest"
    } else if path.starts_with(".github/") {
        "CI workflow"
    } else {
        "grader"
    }
}

/// The relative paths of the course's protected files under `root` that exist there. With
/// `generated`, also the files only a student edition has (its workspace manifest, CI workflow,
/// edition marker).
pub fn protected_files(root: &Path, course: &Course, generated: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut roots: Vec<String> = vec![
        "grader/course".into(),
        "grader/probes".into(),
        "grader/protocol".into(),
        "grader/probe-runtime".into(),
        "grader/ml-deps".into(),
        "grader/data-deps".into(),
        "datasets".into(),
    ];
    for s in &course.stages {
        roots.push(format!("{}/Cargo.toml", s.student_dir));
        roots.push(format!("{}/tests", s.student_dir));
    }
    if generated {
        roots.extend(GENERATED.iter().map(|s| s.to_string()));
    }
    for r in roots {
        walk(root, Path::new(&r), &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// Regular files under `root/rel` (or `rel` itself), skipping build output and lock files of the
/// glue crates (the grader writes its own).
fn walk(root: &Path, rel: &Path, out: &mut Vec<String>) {
    let p = root.join(rel);
    let Ok(meta) = std::fs::symlink_metadata(&p) else { return };
    if meta.is_file() {
        let s = rel.to_string_lossy().replace('\\', "/");
        if !(s.starts_with("grader/probes/") && s.ends_with("/Cargo.lock")) {
            out.push(s);
        }
    } else if meta.is_dir() {
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "target" || name.starts_with('.') && rel.components().count() > 1 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(&p) else { return };
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        names.sort();
        for n in names {
            walk(root, &rel.join(n), out);
        }
    }
}

/// Fingerprints of the protected files of `root`.
pub fn compute(root: &Path, course: &Course, generated: bool) -> Result<Fingerprints> {
    let mut files = BTreeMap::new();
    for rel in protected_files(root, course, generated) {
        let h = sha256_file(&root.join(&rel)).with_context(|| format!("failed to read {rel}"))?;
        files.insert(rel, h);
    }
    Ok(Fingerprints { format: 1, algorithm: "sha256".into(), files })
}

pub fn load(path: &Path) -> Result<Fingerprints> {
    let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a fingerprint file", path.display()))
}

pub fn save(fp: &Fingerprints, path: &Path) -> Result<()> {
    let text = serde_json::to_string_pretty(fp).expect("serialises") + "\n";
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

/// The fingerprints to compare a submission with, and where they came from: the bundle's (the
/// authoritative copy), else, in a student edition, the repository's own, else the grading
/// course's files themselves (the instructor's repository).
pub fn expected(course: &Course, bundle: Option<&Path>) -> Result<(Fingerprints, &'static str)> {
    if let Some(b) = bundle.map(|b| b.join("fingerprints.json")).filter(|p| p.is_file()) {
        return Ok((load(&b)?, "bundle"));
    }
    let own = course.root.join(EDITION_FINGERPRINTS);
    if grader_engine::manifest::is_student_edition(&course.root) && own.is_file() {
        return Ok((load(&own)?, "repository"));
    }
    Ok((compute(&course.root, course, false)?, "course"))
}

/// Compares `submission` with the fingerprints. `None` when the submission is not a whole
/// checkout of the course (a directory with only `exercises/<stage>/src`, as fixtures are):
/// nothing to compare. `own_binary` names the grader binary when it differs from the bundle's
/// record of it (`export::verify_own_binary`).
pub fn check(
    course: &Course,
    bundle: Option<&Path>,
    own_binary: Option<String>,
    submission: &Path,
) -> Result<Option<Integrity>> {
    if !submission.join("grader/course/course.toml").is_file() {
        return Ok(None);
    }
    let (fp, source) = expected(course, bundle)?;
    let mut changed = Vec::new();
    for (rel, want) in &fp.files {
        let p = submission.join(rel);
        let change = match sha256_file(&p) {
            Ok(h) if &h == want => continue,
            Ok(_) => "modified",
            Err(_) => "deleted",
        };
        changed.push(ChangedFile { path: rel.clone(), change: change.into(), kind: kind_of(rel, course).into() });
    }
    // Files added where only the grader's own files belong.
    let mut present = Vec::new();
    for dir in GRADER_DIRS {
        walk(submission, Path::new(dir.trim_end_matches('/')), &mut present);
    }
    for rel in present {
        if !fp.files.contains_key(&rel) && rel != EDITION_FINGERPRINTS {
            changed.push(ChangedFile { kind: kind_of(&rel, course).into(), path: rel, change: "added".into() });
        }
    }
    // The grader itself, when it runs from a bundle that records its fingerprint.
    if let Some(diff) = own_binary {
        changed.push(ChangedFile { path: diff, change: "modified".into(), kind: "grader binary".into() });
    }
    changed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(Integrity { source: source.into(), checked: fp.files.len(), changed }))
}

/// Terminal lines about changed course files (nothing when none changed).
pub fn print(integrity: &Integrity) {
    if integrity.changed.is_empty() {
        return;
    }
    println!(
        "\nwarning: {} course file(s) differ from the course's fingerprints ({}); grading used the course's own, and \
         the report lists them:",
        integrity.changed.len(),
        integrity.source
    );
    for c in integrity.changed.iter().take(20) {
        println!("  {:<9} {} ({})", c.change, c.path, c.kind);
    }
    if integrity.changed.len() > 20 {
        println!("  ... and {} more", integrity.changed.len() - 20);
    }
    println!("  restore them with `git checkout <commit-you-started-from> -- <file>`");
}

/// The path of `p` relative to `root`, with `/`.
pub fn rel_path(root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| p.to_path_buf())
}
