//! Progress, like rustlings: what each exercise's last check found, kept in a small state file in
//! the student's repository (`.grader/progress.toml`, committed, so it follows the student from
//! machine to machine), hints revealed one at a time, and `grader reset` to go back to a stub.

use anyhow::{bail, Context, Result};
use grader_engine::manifest::{Course, Exercise};
use grader_report::{ExerciseStatus, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The state file, relative to the student's repository.
pub const STATE_FILE: &str = ".grader/progress.toml";

/// A hint reveals itself after this many failed checks of an exercise.
pub const FAILS_PER_HINT: u32 = 3;

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Progress {
    #[serde(default)]
    pub exercise: BTreeMap<String, ExerciseProgress>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ExerciseProgress {
    /// Status of the last check: `passed`, `failed`, `not started`, `build failed`, `forbidden`.
    pub status: String,
    pub score: f64,
    pub max_score: f64,
    /// The best score any check gave.
    #[serde(default)]
    pub best_score: f64,
    /// How many checks graded it.
    #[serde(default)]
    pub checks: u32,
    /// How many of them found it started but not passing (hints reveal themselves with these).
    #[serde(default)]
    pub failed_checks: u32,
    /// How many hints have been shown.
    #[serde(default)]
    pub hints_revealed: u32,
    /// Seed and time (UTC) of the last check.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub checked_at: String,
}

impl Progress {
    pub fn path(repo: &Path) -> PathBuf {
        repo.join(STATE_FILE)
    }

    /// The state of the repository at `repo` (empty when there is none yet or it does not parse).
    pub fn load(repo: &Path) -> Progress {
        std::fs::read_to_string(Self::path(repo)).ok().and_then(|t| toml::from_str(&t).ok()).unwrap_or_default()
    }

    pub fn save(&self, repo: &Path) -> Result<()> {
        let path = Self::path(repo);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let text = format!(
            "# Your progress, written by `grader check` and `grader hint`. Commit it: `grader list` reads it.\n{}",
            toml::to_string(self)?
        );
        std::fs::write(&path, text).with_context(|| format!("failed to write {}", path.display()))
    }

    /// Records a check's results. Returns the exercises whose next hint revealed itself.
    pub fn record(&mut self, report: &Report, course: &Course) -> Vec<String> {
        let now = utc_now();
        let mut revealed = Vec::new();
        for r in &report.exercises {
            let e = self.exercise.entry(r.id.clone()).or_default();
            e.status = r.status.as_str().to_string();
            e.score = r.score;
            e.max_score = r.max_score;
            e.best_score = e.best_score.max(r.score);
            e.checks += 1;
            e.seed = report.seed;
            e.checked_at = now.clone();
            if r.status == ExerciseStatus::Failed {
                e.failed_checks += 1;
                let hints = course.exercise(&r.id).map_or(0, |x| x.hints.len()) as u32;
                // Hint k + 1 is due after k * FAILS_PER_HINT failed checks.
                let due = 1 + e.failed_checks / FAILS_PER_HINT;
                if due > e.hints_revealed.max(1) && e.hints_revealed.max(1) < hints {
                    e.hints_revealed = e.hints_revealed.max(1) + 1;
                    revealed.push(r.id.clone());
                }
            }
        }
        revealed
    }

    /// How many hints of `id` the student has seen (at least the first, which every failure shows).
    pub fn hints_shown(&self, id: &str) -> u32 {
        self.exercise.get(id).map_or(1, |e| e.hints_revealed.max(1))
    }
}

/// Now, as `2026-11-29T10:05:00Z`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = grader_gradebook::policy::civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// One exercise's line of `grader list`: status and score, from the state file or the last report.
#[derive(Clone, Debug)]
pub struct Line {
    pub status: String,
    pub score: f64,
    pub hints: Option<(u32, usize)>,
}

/// Prints `grader list`: per stage a progress bar, per exercise its status, score and hints
/// seen; then what to do next.
pub fn print_list(course: &Course, selection: &str, lines: &BTreeMap<String, Line>, source: &str) {
    let selected: Vec<&Exercise> = course.select(selection);
    let mut next: Option<(&Exercise, &str)> = None;
    for stage in &course.stages {
        let exercises: Vec<&&Exercise> = selected.iter().filter(|e| e.stage == stage.id).collect();
        if exercises.is_empty() {
            continue;
        }
        let done = exercises.iter().filter(|e| lines.get(&e.id).is_some_and(|l| l.status == "passed")).count();
        let points: f64 = exercises.iter().map(|e| e.points).sum();
        let earned: f64 = exercises.iter().filter_map(|e| lines.get(&e.id)).map(|l| l.score).sum();
        let width = 24;
        let filled = (done * width).checked_div(exercises.len()).unwrap_or(0);
        println!(
            "{} — {}  [{}{}] {done}/{} passed, {:.1}/{points} points",
            stage.id,
            stage.title,
            "#".repeat(filled),
            ".".repeat(width - filled),
            exercises.len(),
            earned
        );
        for e in exercises {
            let line = lines.get(&e.id);
            // An exercise whose hints were read but that was never graded has no status yet.
            let status = line.map(|l| l.status.as_str()).filter(|s| !s.is_empty()).unwrap_or("not graded");
            let mark = match status {
                "passed" => "✓",
                "failed" | "build failed" | "forbidden" => "✗",
                _ => "·",
            };
            if status != "passed" && next.is_none() {
                next = Some((e, status));
            }
            let speed = if e.speed.is_some() { " [speed]" } else { "" };
            let hints = match line.and_then(|l| l.hints) {
                Some((seen, n)) if seen > 1 => format!("  (hints {seen}/{n} seen)"),
                _ => String::new(),
            };
            println!(
                "  {mark} {:<42} {:<12} {:>5.1}/{:<4} {}{speed}{hints}",
                e.id,
                status.replace('_', " "),
                line.map_or(0.0, |l| l.score),
                e.points,
                e.title
            );
        }
    }
    match next {
        Some((e, status)) => {
            let dir = course.stage(&e.stage).map_or("exercises", |s| s.student_dir.as_str());
            println!(
                "\nnext: {} ({}) — {}/{}: `{}`; grader check {} · grader hint {}",
                e.id,
                status.replace('_', " "),
                dir,
                e.file,
                e.function,
                e.id,
                e.id
            );
        }
        None if !lines.is_empty() => println!("\nevery listed exercise passed"),
        None => {}
    }
    println!("({source})");
}

/// The text that a function occupies (see [`grader_engine::gate::function_span`]).
fn function_span(text: &str, name: &str) -> Result<std::ops::Range<usize>> {
    grader_engine::gate::function_span(text, name).map_err(|e| anyhow::anyhow!(e))
}

/// `grader reset ID`: the exercise's function(s) in the student's file go back to the stub's;
/// the rest of the file stays. `whole_file` restores the whole file. The student's version is
/// backed up first. Returns the path of the backup.
pub fn reset(course: &Course, repo: &Path, id: &str, whole_file: bool) -> Result<PathBuf> {
    let Some(ex) = course.exercise(id) else {
        bail!("no exercise `{id}`: see `grader list`");
    };
    let stage = course.stage(&ex.stage).context("exercise without a stage")?;
    let rel = Path::new(&stage.student_dir).join(&ex.file);
    let stub_path = course.root.join(&rel);
    let stub = std::fs::read_to_string(&stub_path)
        .with_context(|| format!("the stub {} is missing (is the grader bundle complete?)", stub_path.display()))?;
    let target = repo.join(&rel);
    let mine = std::fs::read_to_string(&target).unwrap_or_default();
    let restored = if whole_file || mine.is_empty() {
        stub.clone()
    } else {
        let mut out = mine.clone();
        // Replace from the last function in the file to the first, so earlier offsets stay valid.
        let mut spans = Vec::new();
        for f in ex.function.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let theirs = function_span(&mine, f).with_context(|| {
                format!("{}: cannot find `{f}` (use `--file` to restore the whole file)", rel.display())
            })?;
            let ours = function_span(&stub, f).with_context(|| format!("stub {}: `{f}`", stub_path.display()))?;
            spans.push((theirs, stub[ours].to_string()));
        }
        spans.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (r, text) in spans {
            out.replace_range(r, &text);
        }
        out
    };
    let backup = repo.join(".grader/backup").join(format!("{}.{}", rel.display(), utc_now().replace(':', "")));
    if let Some(d) = backup.parent() {
        std::fs::create_dir_all(d)?;
    }
    if !mine.is_empty() {
        std::fs::write(&backup, &mine).with_context(|| format!("failed to back up to {}", backup.display()))?;
    }
    std::fs::write(&target, restored).with_context(|| format!("failed to write {}", target.display()))?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STUB: &str = "/// Adds.\npub fn add(a: f64, b: f64) -> f64 {\n    todo!()\n}\n\n\
                        pub struct M;\nimpl M {\n    /// Scales.\n    pub fn scale(&self, k: f64) -> f64 {\n        todo!()\n    }\n}\n";

    #[test]
    fn finds_functions_and_methods_by_tokens() {
        let r = function_span(STUB, "add").unwrap();
        assert!(STUB[r.clone()].starts_with("fn add(") && STUB[r].ends_with("todo!()\n}"));
        let r = function_span(STUB, "M::scale").unwrap();
        assert!(STUB[r].starts_with("fn scale(&self"));
        assert!(function_span(STUB, "nope").is_err());
    }

    #[test]
    fn utc_dates_look_right() {
        let s = utc_now();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
