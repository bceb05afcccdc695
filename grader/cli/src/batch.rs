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

use crate::{EXIT_FAILED, EXIT_PASSED};
use anyhow::{bail, Context, Result};
use grader_engine::builder::{Builder, Role};
use grader_engine::manifest::{Course, Device};
use grader_engine::probe::Limits;
use grader_engine::run::{run, Event, Observer, RunConfig};
use grader_gradebook::db::{splice, BatchMeta, GradingRecord, SourceFile};
use grader_gradebook::export::{self, Options};
use grader_gradebook::submissions::{self, Prepared, Source, Unusable};
use grader_gradebook::{ExerciseInfo, Gradebook, Outcome, Policy};
use grader_suites as suites;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// A folder with one entry per student (a directory, a git repository, NAME.tar.gz,
    /// NAME.zip; the entry's name is the student's id), or a list file of `student location
    /// [time]` lines (a path or a git URL; the time, RFC 3339, is when the LMS or the Git host
    /// got it, and the late policy uses it).
    #[arg(required_unless_present = "worker")]
    submissions: Option<PathBuf>,
    /// What to grade: a stage (`stage1`), a module (`stage1.linalg`) or one exercise id.
    #[arg(long, required_unless_present = "worker", value_name = "SELECTION")]
    stage: Option<String>,
    /// Where the gradebook (`gradebook.sqlite`) and every export go.
    #[arg(long, required_unless_present = "worker", value_name = "DIR")]
    out: Option<PathBuf>,
    /// Submissions graded at once (default: one per core; one when the selection has CPU speed
    /// targets, which are ratios measured side by side and need the cores to themselves).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Seed of the hidden cases, the same for the whole class (default: the gradebook's, else a
    /// new one; shards need it given).
    #[arg(long)]
    seed: Option<u64>,
    /// Skip speed targets (their points are not awarded).
    #[arg(long)]
    no_speed: bool,
    /// Grade only shard I of N (`--shard 2/8`): a stable hash of the student id decides, so every
    /// shard agrees without talking to the others. Join the shards with `grader gradebook merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Grade only this student (repeatable).
    #[arg(long = "student", value_name = "ID")]
    students: Vec<String>,
    /// Grade again students that already have a grade (all, or the `--student` ones); their
    /// earlier gradings stay in the history.
    #[arg(long)]
    regrade: bool,
    /// Regrade one exercise (for everyone, or the `--student` ones) and put its result into
    /// their current grade.
    #[arg(long, value_name = "ID")]
    exercise: Option<String>,
    /// Grade again submissions whose grading failed on the grader's side (outcome `error`).
    #[arg(long)]
    retry_errors: bool,
    /// Wall-clock limit of one submission (unpacking, building, every case), in seconds.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    submission_timeout: u64,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
    #[command(flatten)]
    export: ExportOpts,
    /// No line per submission, no progress bar; only the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Internal: grade the one submission described on standard input.
    #[arg(long, hide = true)]
    worker: bool,
}

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

fn load(root: &Path) -> Result<Course> {
    Course::load(root, &suites::all()).context("invalid course manifest")
}

fn target_dir(root: &Path, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| root.join("target/grader"))
}

/// An exclusive advisory lock on a file, held while the value lives.
struct FileLock(#[allow(dead_code)] std::fs::File);

fn lock(path: &Path, wait: bool) -> Result<Option<FileLock>> {
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
fn starter(course: &Course, stage: &str) -> Vec<SourceFile> {
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

/// The export options from the command line and the gradebook (the policy it keeps).
pub fn export_options(course: &Course, gb: &Gradebook, o: &ExportOpts) -> Result<Options> {
    let policy = match o.policy.as_deref() {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            let parsed = Policy::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            gb.set_meta("policy", &text)?;
            Some(parsed)
        }
        None => match gb.meta("policy")? {
            Some(text) => Some(Policy::parse(&text).map_err(|e| anyhow::anyhow!("the gradebook's policy: {e}"))?),
            None => None,
        },
    };
    let roster = match o.roster.as_deref() {
        Some(p) => export::read_roster(p)?,
        None => Default::default(),
    };
    let stage =
        gb.batch_meta()?.and_then(|m| course.select(&m.selection).first().map(|e| e.stage.clone())).unwrap_or_default();
    Ok(Options {
        policy,
        roster,
        assignment: o.assignment.clone(),
        canvas_assignment_id: o.canvas_assignment_id.clone(),
        starter: starter(course, &stage),
        similarity_threshold: Some(o.similarity_threshold),
    })
}

pub fn batch(root: &Path, a: BatchArgs) -> Result<u8> {
    if a.worker {
        return worker(root);
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
    };
    gb.init_batch(&meta)?;
    // CPU speed targets compare the student's time with the reference's on the same machine;
    // submissions graded side by side would share its cores and make the ratios noisy.
    let timed = selected
        .iter()
        .filter(|e| meta.speed && e.speed.as_ref().is_some_and(|t| t.device == grader_engine::manifest::Device::Cpu))
        .count();
    let jobs = match a.jobs {
        Some(j) => {
            if j > 1 && timed > 0 && !a.quiet {
                eprintln!(
                    "warning: {timed} exercise(s) have CPU speed targets; with --jobs {j} submissions share the cores \
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
        errors = grade_all(&gb, &a, &course.root, &tdir, &stage_id, &meta, &job_selection, reason, pending, jobs)?;
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

/// What a worker thread reports to the batch.
enum Msg {
    Done { id: i64, student: String, record: GradingRecord },
}

#[allow(clippy::too_many_arguments)]
fn grade_all(
    gb: &Gradebook,
    a: &BatchArgs,
    root: &Path,
    tdir: &Path,
    stage_id: &str,
    meta: &BatchMeta,
    job_selection: &str,
    reason: &str,
    pending: Vec<Source>,
    jobs: usize,
) -> Result<usize> {
    let total = pending.len();
    let bar = if a.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} graded, ETA {eta} · {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let exe = std::env::current_exe().context("cannot find the grader's own executable")?;
    let timeout = Duration::from_secs(a.submission_timeout.max(1));
    let worker_name = format!(
        "{}:{}{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into()),
        std::process::id(),
        a.shard.as_deref().map(|s| format!(" shard {s}")).unwrap_or_default()
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
        if !a.quiet {
            bar.suspend(|| println!("{line}"));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !a.quiet {
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

/// Processes below `pid` (children first found, then theirs), with their process groups.
fn descendants(pid: i32) -> Vec<(i32, i32)> {
    let mut parent_of: Vec<(i32, i32, i32)> = Vec::new(); // (pid, ppid, pgid)
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if let (Some(ppid), Some(pgid)) = (f.get(1).and_then(|x| x.parse().ok()), f.get(2).and_then(|x| x.parse().ok()))
        {
            parent_of.push((p, ppid, pgid));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(q) = frontier.pop() {
        for &(p, pp, pg) in &parent_of {
            if pp == q && !out.iter().any(|&(x, _)| x == p) {
                out.push((p, pg));
                frontier.push(p);
            }
        }
    }
    out
}

/// Stops `pid` and everything below it.
fn kill_tree(pid: i32) {
    // SAFETY: signals to processes this batch started (the worker and its descendants).
    unsafe {
        // Frozen first, so that it starts nothing new while its tree is read.
        libc::kill(pid, libc::SIGSTOP);
        for (p, pgid) in descendants(pid) {
            if pgid == p {
                libc::killpg(p, libc::SIGKILL);
            }
            libc::kill(p, libc::SIGKILL);
        }
        libc::kill(pid, libc::SIGKILL);
    }
}

/// The batch's pid, handed to its workers.
const BATCH_PID_ENV: &str = "GRADER_BATCH_PID";

static TERMINATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    TERMINATE.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// In a worker: when the batch goes (its death signal is SIGTERM) or is already gone, stop
/// every process this worker started (a probe stuck in a loop would otherwise spin on until
/// its CPU limit), then exit.
fn watch_for_the_end() {
    // The batch that started this worker; when it is already gone, `parent_id()` is no longer
    // its pid, and the worker stops at once rather than grade for nobody.
    let parent = std::env::var(BATCH_PID_ENV)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(std::os::unix::process::parent_id);
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, on_term as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(20));
        let orphaned = std::os::unix::process::parent_id() != parent;
        if TERMINATE.load(std::sync::atomic::Ordering::SeqCst) || orphaned {
            let me = std::process::id() as i32;
            // SAFETY: signals to this process's own descendants, then its own exit.
            unsafe {
                for (p, pgid) in descendants(me) {
                    if pgid == p {
                        libc::killpg(p, libc::SIGKILL);
                    }
                    libc::kill(p, libc::SIGKILL);
                }
                libc::_exit(1);
            }
        }
    });
}

/// The worker: one submission from standard input to a record on standard output.
fn worker(root: &Path) -> Result<u8> {
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
    let config = RunConfig {
        selection: job.selection.clone(),
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

#[derive(clap::Subcommand, Debug)]
pub enum GradebookCommand {
    /// Join shards' gradebooks (`--shard i/n` runs) into one, then write the exports.
    Merge(MergeArgs),
    /// Write the exports again from the gradebook (after a policy change, a merge...).
    Export(ExportArgs),
    /// Every grading of every student (or one), regrades included.
    History(HistoryArgs),
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Where the merged gradebook and its exports go.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The shards' --out directories (or their gradebook.sqlite files).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    export: ExportOpts,
}

/// What the exports need: `batch`, `gradebook merge` and `gradebook export` share them.
#[derive(clap::Args, Debug)]
pub struct ExportOpts {
    /// Deadlines and late penalties (TOML; see README); default: the one the gradebook keeps
    /// (a batch keeps the one it is given, for later exports).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Students' LMS identities (CSV with a `student` column; see README).
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// Assignment name in the LMS exports (default: the selection).
    #[arg(long)]
    assignment: Option<String>,
    /// Canvas's id of the assignment, so the import updates it rather than creating one.
    #[arg(long, value_name = "ID")]
    canvas_assignment_id: Option<String>,
    /// Jaccard similarity from which a pair of submissions is reported.
    #[arg(long, default_value_t = 0.5)]
    similarity_threshold: f64,
    /// No exports: grade or merge only, and write them later with `grader gradebook export`.
    #[arg(long)]
    no_export: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// A batch's --out directory.
    dir: PathBuf,
    #[command(flatten)]
    export: ExportOpts,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// A batch's --out directory.
    dir: PathBuf,
    /// Only this student.
    #[arg(long)]
    student: Option<String>,
    /// As JSON.
    #[arg(long)]
    json: bool,
}

fn db_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("gradebook.sqlite")
    } else {
        p.to_path_buf()
    }
}

fn export_with(course: &Course, gb: &Gradebook, out: &Path, o: &ExportOpts) -> Result<()> {
    let options = export_options(course, gb, o)?;
    let w = export::export_all(gb, out, &options)?;
    println!(
        "exported {} student(s) to {} ({} files; {} similar pair(s))",
        w.students,
        out.display(),
        w.files.len(),
        w.similar_pairs
    );
    Ok(())
}

pub fn gradebook(root: &Path, cmd: GradebookCommand) -> Result<u8> {
    match cmd {
        GradebookCommand::Merge(a) => {
            let course = load(root)?;
            std::fs::create_dir_all(&a.out)?;
            let Some(_lock) = lock(&a.out.join(".batch.lock"), false)? else {
                bail!("another `grader batch` is writing {}", a.out.display());
            };
            let target = db_path(&a.out);
            let gb = Gradebook::open(&target)?;
            for s in &a.shards {
                let p = db_path(s);
                if !p.is_file() {
                    bail!("{}: no gradebook there", p.display());
                }
                if p.canonicalize().ok() == target.canonicalize().ok() {
                    bail!("{}: cannot merge a gradebook into itself", p.display());
                }
                let n = gb.merge_from(&p)?;
                println!("merged {n} grading(s) from {}", p.display());
            }
            println!("{} student(s) in {}", gb.current_rows()?.len(), target.display());
            if !a.export.no_export {
                export_with(&course, &gb, &a.out, &a.export)?;
            }
            Ok(EXIT_PASSED)
        }
        GradebookCommand::Export(a) => {
            let course = load(root)?;
            let p = db_path(&a.dir);
            if !p.is_file() {
                bail!("{}: no gradebook there", p.display());
            }
            let gb = Gradebook::open(&p)?;
            export_with(&course, &gb, &a.dir, &a.export)?;
            Ok(EXIT_PASSED)
        }
        GradebookCommand::History(a) => {
            let p = db_path(&a.dir);
            if !p.is_file() {
                bail!("{}: no gradebook there", p.display());
            }
            let gb = Gradebook::open(&p)?;
            let rows = gb.history(a.student.as_deref())?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(EXIT_PASSED);
            }
            println!(
                "{:<6} {:<20} {:<18} {:<26} {:<12} {:<13} {:>8}  {:<17} worker",
                "id", "student", "reason", "selection", "state", "outcome", "score", "finished"
            );
            for r in rows {
                println!(
                    "{:<6} {:<20} {:<18} {:<26} {:<12} {:<13} {:>8}  {:<17} {}{}",
                    r.id,
                    r.student,
                    r.reason,
                    r.selection,
                    r.state,
                    r.outcome.unwrap_or_default(),
                    r.score.map(|s| s.to_string()).unwrap_or_default(),
                    r.finished_ms
                        .map(|t| grader_gradebook::policy::format_time(t / 1000).trim_end_matches(" UTC").to_string())
                        .unwrap_or_default(),
                    r.worker,
                    if r.current { " (current)" } else { "" }
                );
            }
            Ok(EXIT_PASSED)
        }
    }
}
