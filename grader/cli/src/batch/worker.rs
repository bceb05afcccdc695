//! The worker (`grader batch --worker`): grades the one submission described on standard input
//! and writes its record to standard output.

use super::plan::{load, lock, FileLock};
use super::process::watch_for_the_end;
use super::Job;
use crate::EXIT_PASSED;
use anyhow::{Context, Result};
use grader_engine::builder::Role;
use grader_engine::manifest::Device;
use grader_engine::probe::Limits;
use grader_engine::run::{run, Event, Observer, RunConfig};
use grader_gradebook::db::GradingRecord;
use grader_gradebook::submissions::{self, Prepared, Unusable};
use grader_gradebook::Outcome;
use grader_suites as suites;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The worker: one submission from standard input to a record on standard output.
pub(super) fn worker(root: &Path) -> Result<u8> {
    watch_for_the_end();
    let started = Instant::now();
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let job: Job = serde_json::from_str(&input).context("bad worker job")?;
    let record = grade_one(root, &job, started);
    // This grading's own scratch (a directory graded in place may still have needed one, to
    // wrap a bare crate): nothing else uses it.
    let _ = std::fs::remove_dir_all(&job.scratch);
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &record)?;
    stdout.flush()?;
    Ok(EXIT_PASSED)
}

fn grade_one(root: &Path, job: &Job, started: Instant) -> GradingRecord {
    let fail = |outcome: Outcome, message: String, prepared: Option<Prepared>| {
        let (claimed_at, fetched_at, fingerprint, sources) = match prepared {
            Some(p) => (p.claimed_at, Some(p.fetched_at), Some(p.fingerprint), p.sources),
            None => (None, None, None, Vec::new()),
        };
        GradingRecord {
            outcome,
            message: Some(message),
            report: None,
            claimed_at,
            fetched_at,
            fingerprint,
            sources,
            duration_s: started.elapsed().as_secs_f64(),
        }
    };
    let course = match load(root) {
        Ok(c) => c,
        Err(e) => return fail(Outcome::Error, format!("{e:#}"), None),
    };
    let Some(stage) = course.stage(&job.stage) else {
        return fail(Outcome::Error, format!("no stage `{}`", job.stage), None);
    };
    let prepared = match submissions::prepare(&job.source, &job.scratch, &stage.student_dir) {
        Ok(p) => p,
        Err(Unusable::Empty(m)) => return fail(Outcome::Empty, m, None),
        Err(Unusable::Error(m)) => return fail(Outcome::Error, m, None),
    };
    // A project whose tasks are its modules (the final project) is graded on the task its
    // `project.toml` names, when the whole project is selected.
    let mut selection = job.selection.clone();
    if selection == stage.id && course.root.join(&stage.student_dir).join("project.toml").is_file() {
        match crate::commands::project_task(&course, &stage.id, &prepared.root) {
            Ok(task) => selection = format!("{}.{task}", stage.id),
            Err(e) => return fail(Outcome::Empty, format!("{e:#}"), Some(prepared)),
        }
    }
    let config = RunConfig {
        selection,
        seed: job.seed,
        role: Role::Student { submission: prepared.root.clone() },
        device: Device::Cpu,
        target_dir: Some(job.target_dir.clone()),
        limits: Limits::default(),
        speed: job.speed,
        gate: Default::default(),
    };
    let mut obs = WorkerObserver { lock_path: job.target_dir.join("batch/.reference.lock"), held: None };
    match run(&course, &suites::all(), &config, &mut obs) {
        Ok(mut report) => {
            // The report names the source the instructor handed in, not the scratch copy.
            report.submission = job.source.location.clone();
            let outcome = Outcome::of_report(&report);
            let message = match outcome {
                Outcome::Forbidden => Some(format!(
                    "refused before building: {}",
                    report
                        .build
                        .violations
                        .iter()
                        .map(|v| format!("{} ({})", v.file, v.rule))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Outcome::BuildFailed => Some(
                    report
                        .build
                        .diagnostics
                        .iter()
                        .find(|d| d.level == "error")
                        .map(|d| {
                            let at = match (&d.file, d.line) {
                                (Some(f), Some(l)) => format!("{f}:{l}: "),
                                _ => String::new(),
                            };
                            format!("does not compile: {at}{}", d.message)
                        })
                        .unwrap_or_else(|| "does not compile".into()),
                ),
                _ => None,
            };
            GradingRecord {
                outcome,
                message,
                report: Some(report),
                claimed_at: prepared.claimed_at,
                fetched_at: Some(prepared.fetched_at),
                fingerprint: Some(prepared.fingerprint),
                sources: prepared.sources,
                duration_s: started.elapsed().as_secs_f64(),
            }
        }
        Err(e) => fail(Outcome::Error, format!("{e}"), Some(prepared)),
    }
}

/// Takes a lock around the reference's build: every worker's run builds it (a no-op after the
/// batch built it), and two builds writing the same build workspace at once would race.
struct WorkerObserver {
    lock_path: PathBuf,
    held: Option<FileLock>,
}

impl Observer for WorkerObserver {
    fn event(&mut self, event: &Event) {
        match event {
            Event::BuildStarted { role: "reference", .. } => {
                self.held = lock(&self.lock_path, true).ok().flatten();
            }
            Event::BuildFinished { role: "reference", .. } => self.held = None,
            _ => {}
        }
    }
}
