//! `grader batch`: grades a class's submissions into a gradebook, then writes the exports.
//!
//! Each submission is graded by a worker process (this binary, `grader batch --worker`): it
//! unpacks or clones the submission, runs the same engine and sandbox as `grader check`, and
//! hands back a JSON record. The batch process alone writes the gradebook (SQLite), one
//! transaction per finished submission. A worker that crashes or runs past
//! `--submission-timeout` costs its own submission a row that says so, never the batch; a batch
//! that is killed (even with `kill -9`) takes its workers with it (they die with their parent)
//! and, started again, grades only what has no finished grading yet.
//!
//! Every worker builds into the one shared target directory: the dependencies and the
//! reference are compiled once (before the first worker starts), each submission compiles only
//! its own crate and the glue.
//!
//! This module is the entry point and the job description a worker is handed; `args` is the
//! command line, `plan` what a batch settles before grading, `supervisor` runs the worker
//! processes, `worker` is one of them, `process` finds and stops process trees, and `gradebook`
//! is the `grader gradebook` command.

mod args;
mod gradebook;
mod plan;
mod process;
mod supervisor;
mod worker;

pub use args::{BatchArgs, GradebookCommand};
pub use gradebook::gradebook;

use crate::{EXIT_FAILED, EXIT_PASSED};
use anyhow::{bail, Context, Result};
use gradebook::export_options;
use grader_engine::builder::{Builder, Role};
use grader_gradebook::db::BatchMeta;
use grader_gradebook::export;
use grader_gradebook::submissions::{self, Source};
use grader_gradebook::{ExerciseInfo, Gradebook, Outcome};
use indicatif::ProgressBar;
use plan::{default_jobs, load, lock, target_dir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use supervisor::Supervisor;

/// What a worker is asked to do.
#[derive(Serialize, Deserialize, Debug)]
struct Job {
    source: Source,
    selection: String,
    stage: String,
    seed: u64,
    speed: bool,
    target_dir: PathBuf,
    scratch: PathBuf,
}

/// `grader batch`, or with `--worker`, one of its workers.
pub fn batch(root: &Path, a: BatchArgs) -> Result<u8> {
    if a.worker {
        return worker::worker(root);
    }
    let course = load(root)?;
    let selection = a.stage.clone().expect("clap requires it");
    let out = a.out.clone().expect("clap requires it");
    let input = a.submissions.clone().expect("clap requires it");
    let selected = course.select(&selection);
    if selected.is_empty() {
        bail!("nothing matches `{selection}`: see `grader list` for stage and exercise ids");
    }
    let stage_id = selected[0].stage.clone();
    if selected.iter().any(|e| e.stage != stage_id) {
        bail!("`{selection}` spans several stages: a batch grades one stage's crate at a time");
    }
    let stage = course.stage(&stage_id).expect("selected exercises belong to a stage").clone();
    if let Some(ex) = &a.exercise {
        if !selected.iter().any(|e| &e.id == ex) {
            bail!("--exercise {ex} is not part of `{selection}`");
        }
    }
    let shard = a.shard.as_deref().map(submissions::parse_shard).transpose().map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let out = out.canonicalize()?;
    let Some(_lock) = lock(&out.join(".batch.lock"), false)? else {
        bail!("another `grader batch` is writing {} (wait for it, or use another --out)", out.display());
    };
    let gb = Gradebook::open(&out.join("gradebook.sqlite"))?;
    let seed = match (a.seed, gb.batch_meta()?) {
        (Some(s), _) => s,
        (None, Some(m)) => m.seed,
        (None, None) if shard.is_some() => bail!("--shard needs --seed, so that every shard grades the same cases"),
        (None, None) => {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            (t.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000
        }
    };
    let meta = BatchMeta {
        selection: selection.clone(),
        seed,
        speed: !a.no_speed,
        exercises: selected
            .iter()
            .map(|e| ExerciseInfo { id: e.id.clone(), title: e.title.clone(), points: e.points })
            .collect(),
        // A project whose modules are tasks (its `project.toml` names one): each student is
        // graded on their task only (see the worker).
        alternatives: course
            .stage(&selection)
            .is_some_and(|s| course.root.join(&s.student_dir).join("project.toml").is_file()),
    };
    gb.init_batch(&meta)?;
    // CPU speed targets compare the student's time with the reference's on the same machine;
    // submissions graded side by side would share its cores and make the ratios noisy.
    let timed = selected
        .iter()
        .filter(|e| {
            e.timed
                || (meta.speed && e.speed.as_ref().is_some_and(|t| t.device == grader_engine::manifest::Device::Cpu))
        })
        .count();
    let jobs = match a.jobs {
        Some(j) => {
            if j > 1 && timed > 0 && !a.quiet {
                eprintln!(
                    "warning: {timed} exercise(s) have CPU speed targets or timed checks; with --jobs {j} submissions share the cores \
                     and speed ratios are noisier. For final grades use --jobs 1, or --no-speed now and \
                     `--exercise ID --jobs 1` for the timed ones."
                );
            }
            j.max(1)
        }
        None if timed > 0 => 1,
        None => default_jobs(),
    };
    if let Some((i, n)) = shard {
        gb.set_meta("shard", &format!("{i}/{n}"))?;
    }
    // Checked now, not after an hour of grading.
    let options = export_options(&course, &gb, &a.export)?;

    let mut found = submissions::discover(&input).map_err(anyhow::Error::msg)?;
    if let Some((i, n)) = shard {
        found.retain(|s| submissions::shard_of(&s.student, n) == i);
    }
    if !a.students.is_empty() {
        let wanted: Vec<String> = a.students.iter().map(|s| submissions::student_id(s)).collect();
        for w in &wanted {
            if !found.iter().any(|s| &s.student == w) {
                bail!("no submission for student `{w}` in {}", input.display());
            }
        }
        found.retain(|s| wanted.contains(&s.student));
    }
    for s in &found {
        // The first time a batch sees a submission is when the grader received it (unless the
        // list gives its time): kept by a resumed batch and by regrades.
        gb.upsert_submission(&s.student, &s.location, s.kind.as_str(), s.listed_at)?;
    }
    let interrupted = gb.mark_interrupted()?;
    if interrupted > 0 && !a.quiet {
        println!("resuming: {interrupted} grading(s) interrupted last time are graded again");
    }
    let current = gb.current_outcomes()?;
    let (job_selection, reason) = match &a.exercise {
        Some(ex) => (ex.clone(), "exercise-regrade"),
        None if a.regrade => (selection.clone(), "regrade"),
        None => (selection.clone(), "batch"),
    };
    let mut skipped_no_report = 0;
    let pending: Vec<Source> = found
        .iter()
        .filter(|s| match (&a.exercise, current.get(&s.student)) {
            (Some(_), Some(Outcome::Graded)) => true,
            (Some(_), _) => {
                skipped_no_report += 1;
                false
            }
            (None, _) if a.regrade => true,
            (None, None) => true,
            (None, Some(Outcome::Error)) => a.retry_errors,
            (None, Some(_)) => false,
        })
        .cloned()
        .collect();
    let already = found.len() - pending.len() - skipped_no_report;
    if !a.quiet {
        let shard_note = shard.map(|(i, n)| format!(" (shard {i}/{n})")).unwrap_or_default();
        println!(
            "{} submission(s){shard_note} in {}: {} to grade, {already} already graded; {selection}, seed {seed}, {} job(s)",
            found.len(),
            input.display(),
            pending.len(),
            jobs
        );
        if skipped_no_report > 0 {
            println!("{skipped_no_report} submission(s) without a graded report are left as they are by --exercise");
        }
    }

    let tdir = target_dir(root, a.target_dir.clone());
    let mut errors = 0usize;
    if !pending.is_empty() {
        // The reference and every dependency, once, before the workers share them.
        let spinner = if a.quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
        spinner.set_message(format!("building the reference of {stage_id} (dependencies compile once)"));
        spinner.enable_steady_tick(Duration::from_millis(120));
        let built = Builder::new(&course.root, Some(tdir.clone())).build(&stage, &Role::Reference, &mut |p| {
            let grader_engine::builder::BuildProgress::Compiling(u) = p;
            spinner.set_message(format!("building the reference of {stage_id}: compiled {u}"));
        })?;
        spinner.finish_and_clear();
        if built.executable.is_none() {
            let log = built.diagnostics.iter().map(|d| d.rendered.as_str()).collect::<Vec<_>>().join("\n");
            bail!("the reference solutions of {stage_id} do not build (a course bug):\n{log}");
        }
        let supervisor = Supervisor {
            gb: &gb,
            root: &course.root,
            target_dir: &tdir,
            stage: &stage_id,
            meta: &meta,
            selection: &job_selection,
            reason,
            jobs,
            timeout: Duration::from_secs(a.submission_timeout.max(1)),
            shard: a.shard.as_deref(),
            quiet: a.quiet,
        };
        errors = supervisor.grade_all(pending)?;
    }

    let rows = gb.current_rows()?;
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *by.entry(r.outcome.as_str()).or_default() += 1;
    }
    if !a.quiet {
        let counts: Vec<String> = by.iter().map(|(k, v)| format!("{v} {k}")).collect();
        println!(
            "gradebook {}: {} student(s): {}",
            out.join("gradebook.sqlite").display(),
            rows.len(),
            counts.join(", ")
        );
    }
    if !a.export.no_export {
        let w = export::export_all(&gb, &out, &options)?;
        if !a.quiet {
            println!(
                "exports: {} (class overview), gradebook.csv, canvas.csv, moodle.csv, students/<id>/{{report.html,report.json,results.json}}; {} similar pair(s) in similarity.html",
                out.join("overview.html").display(),
                w.similar_pairs
            );
        }
    }
    let remaining_errors = by.get("error").copied().unwrap_or(0);
    if remaining_errors > 0 && !a.quiet {
        println!("{remaining_errors} submission(s) hit a grader error: see their reports; `--retry-errors` grades them again");
    }
    let _ = errors;
    Ok(if remaining_errors > 0 { EXIT_FAILED } else { EXIT_PASSED })
}
