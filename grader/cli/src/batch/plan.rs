//! What a batch settles before grading: the course, the shared build directory, how many jobs,
//! the lock on its output, and the starter code that similarity ignores.

use anyhow::{Context, Result};
use grader_engine::manifest::Course;
use grader_gradebook::db::SourceFile;
use grader_suites as suites;
use std::path::{Path, PathBuf};

pub(super) fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub(super) fn load(root: &Path) -> Result<Course> {
    Course::load(root, &suites::all()).context("invalid course manifest")
}

pub(super) fn target_dir(root: &Path, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| root.join("target/grader"))
}

/// An exclusive advisory lock on a file, held while the value lives.
pub(super) struct FileLock(#[allow(dead_code)] std::fs::File);

pub(super) fn lock(path: &Path, wait: bool) -> Result<Option<FileLock>> {
    use std::os::fd::AsRawFd;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let op = if wait { libc::LOCK_EX } else { libc::LOCK_EX | libc::LOCK_NB };
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(f.as_raw_fd(), op) } != 0 {
        return Ok(None);
    }
    Ok(Some(FileLock(f)))
}

/// The starter code of a stage: its fingerprints are not evidence of copying.
pub(super) fn starter(course: &Course, stage: &str) -> Vec<SourceFile> {
    let Some(stage) = course.stage(stage) else { return Vec::new() };
    let mut out = Vec::new();
    let src = course.root.join(&stage.student_dir).join("src");
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push(SourceFile { path: p.strip_prefix(&src).unwrap_or(&p).display().to_string(), text });
                }
            }
        }
    }
    out
}
