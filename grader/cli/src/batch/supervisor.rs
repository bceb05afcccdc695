//! The supervisor: runs one worker process per pending submission (at most `jobs` at once), each
//! within its timeout, and writes each record to the gradebook as it comes back.

use super::process::{kill_tree, BATCH_PID_ENV};
use super::Job;
use anyhow::{Context, Result};
use grader_gradebook::db::{splice, BatchMeta, GradingRecord};
use grader_gradebook::submissions::{self, Source};
use grader_gradebook::{Gradebook, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a worker thread reports to the batch.
enum Msg {
    Done { id: i64, student: String, record: GradingRecord },
}

/// What grading a batch's pending submissions needs, settled by `batch` before the first worker.
pub(super) struct Supervisor<'a> {
    /// The gradebook: each grading is started in it, and finished when its record comes back.
    pub(super) gb: &'a Gradebook,
    /// The course checkout the workers grade against (their `--course`).
    pub(super) root: &'a Path,
    /// The shared build directory; each grading's scratch folder is under its `batch/`.
    pub(super) target_dir: &'a Path,
    /// The stage whose crate the submissions are.
    pub(super) stage: &'a str,
    /// The batch's selection, seed and speed setting, and its exercises (for the maximum score).
    pub(super) meta: &'a BatchMeta,
    /// What each worker grades: the batch's selection, or the one `--exercise`.
    pub(super) selection: &'a str,
    /// Why these gradings run (`batch`, `regrade` or `exercise-regrade`), kept in the history.
    pub(super) reason: &'a str,
    /// Workers at once.
    pub(super) jobs: usize,
    /// Wall-clock limit of one worker (`--submission-timeout`).
    pub(super) timeout: Duration,
    /// This batch's `--shard`, named in the gradebook's worker column.
    pub(super) shard: Option<&'a str>,
    /// No line per submission, no progress bar, no summary line.
    pub(super) quiet: bool,
}

impl Supervisor<'_> {
    /// Grades every pending submission; the number whose grading failed on the grader's side.
    pub(super) fn grade_all(&self, pending: Vec<Source>) -> Result<usize> {
        let Supervisor {
            gb,
            root,
            target_dir: tdir,
            stage: stage_id,
            meta,
            selection: job_selection,
            reason,
            jobs,
            timeout,
            shard,
            quiet,
        } = *self;
        let total = pending.len();
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} graded, ETA {eta} · {msg}",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let exe = std::env::current_exe().context("cannot find the grader's own executable")?;
        let worker_name = format!(
            "{}:{}{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into()),
            std::process::id(),
            shard.map(|s| format!(" shard {s}")).unwrap_or_default()
        );
        let mut queue: VecDeque<Source> = pending.into();
        let (tx, rx) = mpsc::channel::<Msg>();
        let mut running: BTreeMap<String, Instant> = BTreeMap::new();
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut errors = 0;
        let started = Instant::now();
        loop {
            while running.len() < jobs {
                let Some(source) = queue.pop_front() else { break };
                let id = gb.start(&source.student, job_selection, reason, &worker_name)?;
                // One scratch folder per grading, never shared: a worker of a batch that was killed
                // may still be unpacking, or removing its scratch, while the resumed batch grades the
                // same student (or another batch with the same target directory grades them).
                let scratch = tdir.join("batch").join(format!(
                    "{}-{:08x}-{}-{id}",
                    source.student,
                    submissions::fnv(&source.location) as u32,
                    std::process::id()
                ));
                let job = Job {
                    source: source.clone(),
                    selection: job_selection.to_string(),
                    stage: stage_id.to_string(),
                    seed: meta.seed,
                    speed: meta.speed,
                    target_dir: tdir.to_path_buf(),
                    scratch,
                };
                running.insert(source.student.clone(), Instant::now());
                let (tx, exe, root) = (tx.clone(), exe.clone(), root.to_path_buf());
                std::thread::spawn(move || {
                    let student = job.source.student.clone();
                    let record = run_worker(&exe, &root, &job, timeout);
                    let _ = tx.send(Msg::Done { id, student, record });
                });
            }
            if running.is_empty() {
                break;
            }
            let so_far: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
            bar.set_message(format!(
                "{}{}grading {}",
                so_far.join(", "),
                if so_far.is_empty() { "" } else { " · " },
                running.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
            let Ok(Msg::Done { id, student, mut record }) = rx.recv() else { break };
            running.remove(&student);
            if reason == "exercise-regrade" {
                // The exercise's new result goes into the student's current grade.
                if let (Some(part), Some((_, base))) = (&record.report, gb.current_report(&student)?) {
                    if record.outcome == Outcome::Graded {
                        record.report = Some(splice(&base, part));
                    }
                }
            }
            gb.finish(id, &record, meta.max_score())?;
            *counts.entry(record.outcome.as_str()).or_default() += 1;
            if record.outcome == Outcome::Error {
                errors += 1;
            }
            let score = record.report.as_ref().map_or(0.0, |r| r.score);
            let line = format!(
                "  {:<12} {:<24} {:>7}/{:<5} {:>6.1} s{}",
                record.outcome.as_str(),
                student,
                format!("{score}"),
                meta.max_score(),
                record.duration_s,
                record.message.as_deref().map(|m| format!("  {}", m.lines().next().unwrap_or(""))).unwrap_or_default()
            );
            if !quiet {
                bar.suspend(|| println!("{line}"));
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        if !quiet {
            let counts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "graded {total} submission(s) in {secs:.1} s ({:.1} s each, {:.1} per minute): {}",
                secs / total.max(1) as f64,
                60.0 * total as f64 / secs.max(1e-9),
                counts.join(", ")
            );
        }
        Ok(errors)
    }
}

/// Runs one worker process on `job`, within `timeout`; whatever happens, a record comes back.
fn run_worker(exe: &Path, root: &Path, job: &Job, timeout: Duration) -> GradingRecord {
    let started = Instant::now();
    let fail = |outcome: Outcome, message: String| GradingRecord {
        outcome,
        message: Some(message),
        report: None,
        claimed_at: None,
        fetched_at: None,
        fingerprint: None,
        sources: Vec::new(),
        duration_s: started.elapsed().as_secs_f64(),
    };
    let mut cmd = Command::new(exe);
    cmd.arg("--course")
        .arg(root)
        .args(["batch", "--worker"])
        .env_remove("GRADER_TARGET_DIR")
        .env(BATCH_PID_ENV, std::process::id().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: prctl is async-signal-safe. The worker dies with the batch (kill -9 included), so
    // a stopped batch leaves nothing grading behind (see `watch_for_the_end`).
    let batch_pid = std::process::id() as libc::pid_t;
    unsafe {
        cmd.pre_exec(move || {
            // SIGTERM, not SIGKILL: the worker stops what it started before it goes.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            // The batch died between the fork and the prctl: no signal will ever come.
            if libc::getppid() != batch_pid {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return fail(Outcome::Error, format!("could not start a worker: {e}")),
    };
    let pid = child.id() as i32;
    let job_json = serde_json::to_vec(job).expect("job serialises");
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&job_json);
    });
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let deadline = started + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                // The worker, and everything it started: its probes (each in a process group of
                // its own, as another user) and any build still running.
                kill_tree(pid);
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    let _ = writer.join();
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if timed_out {
        return fail(
            Outcome::TimedOut,
            format!("the submission was stopped after {} s (--submission-timeout)", timeout.as_secs()),
        );
    }
    match serde_json::from_slice::<GradingRecord>(&out) {
        Ok(mut r) => {
            r.duration_s = started.elapsed().as_secs_f64();
            r
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&err);
            let tail: Vec<&str> = text.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
            fail(
                Outcome::Error,
                format!(
                    "the grader's worker failed on this submission ({}): {}",
                    status.map(|s| s.to_string()).unwrap_or_else(|| "no status".into()),
                    tail.join("\n")
                ),
            )
        }
    }
}
