//! One grading run: build the probes, run every selected exercise's hidden cases through the
//! student's probe and the reference's, judge, time, score, and tell observers as it goes.

use crate::builder::{BuildError, BuildProgress, Builder, Role};
use crate::feedback::redact;
use crate::gate::GatePolicy;
use crate::gate::{not_from_scratch, reported};
use crate::intake;
use crate::manifest::{Course, Device, Exercise};
use crate::probe::{CallResult, Limits, Probe};
use crate::speed::{self, SpeedPlan};
use crate::suite::{CheckCtx, ExerciseSuite, Gen};
use grader_report::{
    BuildResult, CaseResult, CaseStatus, ExerciseResult, ExerciseStatus, Report, SpeedResult, SpeedStatus, Summary,
    SCHEMA_VERSION,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to grade and how.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// `stage1`, `stage1.linalg`, `stage1.linalg.matmul` or `all`.
    pub selection: String,
    pub seed: u64,
    pub role: Role,
    pub device: Device,
    /// Shared build directory (default `<course>/target/grader`).
    pub target_dir: Option<PathBuf>,
    pub limits: Limits,
    /// Run speed targets (on by default).
    pub speed: bool,
    /// What the static gate lets through (nothing beyond plain computation by default).
    pub gate: GatePolicy,
}

/// Things observers hear about while a run goes on.
pub enum Event<'a> {
    Started { selection: &'a str, seed: u64, exercises: usize, submission: &'a str },
    BuildStarted { role: &'a str, stage: &'a str },
    Compiling { role: &'a str, unit: &'a str },
    BuildFinished { role: &'a str, stage: &'a str, ok: bool, duration_s: f64 },
    ExerciseStarted { id: &'a str, cases: usize },
    CaseFinished { id: &'a str, case: &'a CaseResult },
    SpeedStarted { id: &'a str, rounds: usize },
    ExerciseFinished(&'a ExerciseResult),
    Finished(&'a Report),
}

/// Anything that consumes the event stream: the terminal display, a test's recorder.
pub trait Observer {
    fn event(&mut self, event: &Event);
}

/// Observers that ignore everything.
pub struct Silent;
impl Observer for Silent {
    fn event(&mut self, _: &Event) {}
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("nothing matches `{0}`: see `grader list` for exercise ids")]
    NoMatch(String),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the reference solutions of {stage} do not build (a course bug):\n{log}")]
    ReferenceBuild { stage: String, log: String },
    #[error("the reference failed on {exercise} case {case} ({label}): {message} (a course bug)")]
    Reference { exercise: String, case: usize, label: String, message: String },
    #[error("the hidden suite of {exercise} sends case {case} ({label}) {message} (a course bug)")]
    Suite { exercise: String, case: usize, label: String, message: String },
    #[error("{0}")]
    Device(String),
    /// A data set is missing or altered: the message names it and the command to run.
    #[error("{0}")]
    Data(String),
    #[error("the grader could not start the {role} probe for {exercise} ({message}): the machine's or the grader's failure, not the submission's; grade it again")]
    ProbeStart { role: &'static str, exercise: String, message: String },
}

/// What is wrong with a case's input for a glue line taking the parts `inputs`: several parts
/// travel as a tuple of exactly that many values; one part is the input itself.
pub fn input_shape_error(input: &grader_protocol::Value, inputs: &[String]) -> Option<String> {
    match (inputs.len(), input) {
        (0 | 1, _) => None,
        (n, grader_protocol::Value::List(parts)) if parts.len() == n => None,
        (n, grader_protocol::Value::List(parts)) => {
            Some(format!("as a tuple of {} parts, but its glue line takes {n} ({})", parts.len(), inputs.join(", ")))
        }
        (n, other) => {
            Some(format!("as a {}, but its glue line takes a tuple of {n} ({})", other.kind(), inputs.join(", ")))
        }
    }
}

/// Whether a CUDA device can run GPU targets here; the error says why not.
pub fn cuda_available() -> Result<(), String> {
    if cfg!(feature = "cuda") {
        if std::path::Path::new("/dev/nvidiactl").exists() {
            Ok(())
        } else {
            Err("no NVIDIA GPU found on this machine (/dev/nvidiactl is missing)".into())
        }
    } else {
        Err("this grader was built without the `cuda` feature (cargo build --features cuda)".into())
    }
}

/// Grades `config.selection` of `course`.
pub fn run(
    course: &Course,
    suites: &[ExerciseSuite],
    config: &RunConfig,
    obs: &mut dyn Observer,
) -> Result<Report, RunError> {
    let started = Instant::now();
    let selected = course.select(&config.selection);
    if selected.is_empty() {
        return Err(RunError::NoMatch(config.selection.clone()));
    }
    let suites: HashMap<&str, &ExerciseSuite> = suites.iter().map(|s| (s.id, s)).collect();
    crate::datasets::install_for(course, &selected).map_err(RunError::Data)?;
    let submission = match &config.role {
        Role::Reference => course.root.join("solutions").display().to_string(),
        Role::Student { submission } => submission.display().to_string(),
    };
    obs.event(&Event::Started {
        selection: &config.selection,
        seed: config.seed,
        exercises: selected.len(),
        submission: &submission,
    });
    let gpu = match config.device {
        Device::Cuda => cuda_available(),
        Device::Cpu => Err("run with --device cuda on a machine with an NVIDIA GPU".into()),
    };

    let mut builder = Builder::new(&course.root, config.target_dir.clone());
    builder.cuda = config.device == Device::Cuda && gpu.is_ok();
    builder.prebuilt_reference = course.prebuilt_reference.clone();
    let mut build = BuildResult { ok: true, duration_s: 0.0, diagnostics: Vec::new(), violations: Vec::new() };
    let mut results = Vec::new();
    let mut sandbox: Option<grader_report::SandboxReport> = None;
    let mut stage_ids: Vec<&str> = selected.iter().map(|e| e.stage.as_str()).collect();
    stage_ids.dedup();
    for stage_id in stage_ids {
        let stage = course.stage(stage_id).expect("selected exercises belong to a stage");
        let exercises: Vec<&Exercise> = selected.iter().copied().filter(|e| e.stage == stage_id).collect();

        obs.event(&Event::BuildStarted { role: "reference", stage: stage_id });
        let reference = builder.build(stage, &Role::Reference, &mut |p| {
            let BuildProgress::Compiling(u) = p;
            obs.event(&Event::Compiling { role: "reference", unit: u });
        })?;
        obs.event(&Event::BuildFinished {
            role: "reference",
            stage: stage_id,
            ok: reference.executable.is_some(),
            duration_s: reference.duration_s,
        });
        let Some(ref_exe) = reference.executable else {
            let log = reference.diagnostics.iter().map(|d| d.rendered.as_str()).collect::<Vec<_>>().join("\n");
            return Err(RunError::ReferenceBuild { stage: stage_id.to_string(), log });
        };

        // The student's files, copied without following any link: the gate, the from-scratch
        // check and the build all read this copy, and only it.
        let snapshot = match &config.role {
            Role::Reference => None,
            Role::Student { submission } => {
                let intake_dir = builder.target_dir.join("intake");
                let dir = std::fs::create_dir_all(&intake_dir)
                    .and_then(|_| tempfile::Builder::new().prefix(&format!("{stage_id}-")).tempdir_in(&intake_dir))
                    .map_err(|source| BuildError::Io { path: intake_dir.clone(), source })?;
                let extra: Vec<String> = {
                    let mut v: Vec<String> = stage.exercises.iter().flat_map(|e| e.static_files.clone()).collect();
                    v.sort();
                    v.dedup();
                    v
                };
                // A project's own directory (`grader project check final --submission DIR`, DIR
                // holding the crate itself) is taken as the crate of a checkout.
                let own_crate = !submission.join(&stage.student_dir).exists()
                    && std::fs::symlink_metadata(submission.join("Cargo.toml")).is_ok_and(|m| m.is_file());
                let found = if own_crate {
                    intake::snapshot(submission, ".", &extra, &dir.path().join(&stage.student_dir))
                } else {
                    intake::snapshot(submission, &stage.student_dir, &extra, dir.path())
                }
                .map_err(|source| BuildError::Io { path: submission.clone(), source })?;
                build.violations.extend(found.into_iter().map(reported));
                Some(dir)
            }
        };
        builder.sources = snapshot.as_ref().map(|d| d.path().to_path_buf());
        // A student's probe may be at most twice the reference's size, plus 64 MiB.
        builder.max_student_binary =
            std::fs::metadata(&ref_exe).ok().map(|m| m.len().saturating_mul(2).saturating_add(64 << 20));
        let student_exe = match &config.role {
            Role::Reference => Some(ref_exe.clone()),
            Role::Student { .. }
                if !{
                    let sources = snapshot.as_ref().expect("a student's run has a snapshot").path();
                    let policy = config.gate.clone().with_exercises(&stage.student_dir, &stage.exercises);
                    let found = intake::inspect(&course.root, &stage.student_dir, sources, &policy);
                    build.violations.extend(found.into_iter().map(reported));
                    build.violations.is_empty()
                } =>
            {
                build.ok = false;
                None
            }
            role @ Role::Student { .. } => {
                obs.event(&Event::BuildStarted { role: "student", stage: stage_id });
                let built = builder.build(stage, role, &mut |p| {
                    let BuildProgress::Compiling(u) = p;
                    obs.event(&Event::Compiling { role: "student", unit: u });
                })?;
                obs.event(&Event::BuildFinished {
                    role: "student",
                    stage: stage_id,
                    ok: built.executable.is_some(),
                    duration_s: built.duration_s,
                });
                build.duration_s += built.duration_s;
                build.ok &= built.executable.is_some();
                build.diagnostics.extend(built.diagnostics);
                built.executable
            }
        };

        // Where a static check reads the student's files (their snapshot) and the reference's.
        let student_files = match &snapshot {
            Some(d) => d.path().join(&stage.student_dir),
            None => course.root.join(&stage.solution_dir),
        };
        let reference_files = course.root.join(&stage.solution_dir);
        let Some(student_exe) = student_exe else {
            let status =
                if build.violations.is_empty() { ExerciseStatus::BuildFailed } else { ExerciseStatus::Forbidden };
            for ex in exercises {
                // A file judged statically is still judged when the crate does not build (its
                // part is its own); a refused submission gets nothing.
                if !ex.static_files.is_empty() && status == ExerciseStatus::BuildFailed {
                    let r = grade_static(ex, suites[ex.id.as_str()], config, &student_files, &reference_files, obs)?;
                    obs.event(&Event::ExerciseFinished(&r));
                    results.push(r);
                    continue;
                }
                let r = ExerciseResult {
                    id: ex.id.clone(),
                    title: ex.title.clone(),
                    topics: ex.topics.clone(),
                    status,
                    score: 0.0,
                    max_score: round2(ex.points - gpu_pending(ex, config)),
                    atol: ex.tolerance.atol,
                    rtol: ex.tolerance.rtol,
                    cases: Vec::new(),
                    speed: None,
                    hint: ex.hints.first().cloned(),
                    duration_s: 0.0,
                    violations: Vec::new(),
                };
                obs.event(&Event::ExerciseFinished(&r));
                results.push(r);
            }
            continue;
        };

        let mut student = Probe::new(&student_exe, config.limits);
        let mut refp = Probe::new(&ref_exe, config.limits);
        if builder.cuda {
            student.device = "cuda";
            refp.device = "cuda";
        }
        let mut scratch = match &snapshot {
            Some(sources) => not_from_scratch(stage, &exercises, sources.path()),
            None => HashMap::new(),
        };
        for ex in exercises {
            let suite = suites[ex.id.as_str()];
            if !ex.static_files.is_empty() {
                let r = grade_static(ex, suite, config, &student_files, &reference_files, obs)?;
                obs.event(&Event::ExerciseFinished(&r));
                results.push(r);
                continue;
            }
            let mut r = grade_exercise(
                ex,
                suite,
                Grading {
                    config,
                    gpu: &gpu,
                    student_dir: &stage.student_dir,
                    student: &mut student,
                    reference: &mut refp,
                    obs: &mut *obs,
                },
            )?;
            // Its cases ran, so the student sees whether the answers were right; it scores 0.
            if let Some(found) = scratch.remove(&ex.id) {
                r.status = ExerciseStatus::Forbidden;
                r.score = 0.0;
                r.hint = ex.hints.first().cloned();
                r.violations = found;
            }
            obs.event(&Event::ExerciseFinished(&r));
            results.push(r);
        }
        if !student.layers.is_empty() {
            let layers: Vec<grader_report::SandboxLayer> = student
                .layers
                .iter()
                .map(|l| grader_report::SandboxLayer {
                    name: l.name.clone(),
                    enforced: l.enforced,
                    detail: l.detail.clone(),
                })
                .collect();
            sandbox = Some(grader_report::SandboxReport { fully_sandboxed: layers.iter().all(|l| l.enforced), layers });
        }
    }

    let mut summary = Summary::default();
    for r in &results {
        match r.status {
            ExerciseStatus::Passed => summary.passed += 1,
            ExerciseStatus::Failed => summary.failed += 1,
            ExerciseStatus::NotStarted => summary.not_started += 1,
            ExerciseStatus::BuildFailed => summary.build_failed += 1,
            ExerciseStatus::Forbidden => summary.forbidden += 1,
        }
    }
    let report = Report {
        schema_version: SCHEMA_VERSION,
        grader_version: env!("CARGO_PKG_VERSION").to_string(),
        selection: config.selection.clone(),
        seed: config.seed,
        submission,
        role: config.role.name().to_string(),
        device: config.device.as_str().to_string(),
        score: round2(results.iter().map(|r| r.score).sum()),
        max_score: round2(results.iter().map(|r| r.max_score).sum()),
        gpu_points_pending: round2(selected.iter().map(|e| gpu_pending(e, config)).sum()),
        build,
        exercises: results,
        summary,
        duration_s: started.elapsed().as_secs_f64(),
        sandbox,
        integrity: None,
    };
    obs.event(&Event::Finished(&report));
    Ok(report)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The points of `ex` left for a GPU: in a CPU run (the default), a GPU speed target's share is
/// left out of the score and of the maximum alike, and reported as needing a GPU, so a CPU-only
/// run is graded out of what it can measure. A run that asked for `--device cuda` and has no GPU
/// leaves nothing out: its GPU targets fail.
fn gpu_pending(ex: &Exercise, config: &RunConfig) -> f64 {
    match ex.speed.as_ref().filter(|_| config.speed) {
        Some(t) if t.device == Device::Cuda && config.device == Device::Cpu => ex.points * t.weight,
        _ => 0.0,
    }
}

/// What grading one exercise of a stage needs besides the exercise: the run's settings, the two
/// probes, and the observer.
struct Grading<'a> {
    config: &'a RunConfig,
    gpu: &'a Result<(), String>,
    /// The stage crate's directory, to map panic locations back to the student's paths.
    student_dir: &'a str,
    student: &'a mut Probe,
    reference: &'a mut Probe,
    obs: &'a mut dyn Observer,
}

fn grade_exercise(ex: &Exercise, suite: &ExerciseSuite, g: Grading) -> Result<ExerciseResult, RunError> {
    let Grading { config, gpu, student_dir, student, reference, obs } = g;
    let started = Instant::now();
    let mut gen = Gen::new(config.seed, &ex.id);
    let cases = (suite.cases)(&mut gen);
    if let Some((case, c, message)) =
        cases.iter().enumerate().find_map(|(i, c)| input_shape_error(&c.input, &ex.inputs).map(|m| (i, c, m)))
    {
        return Err(RunError::Suite { exercise: ex.id.clone(), case, label: c.label.clone(), message });
    }
    // A service exercise: every case starts both services afresh, each with a listener of its
    // own, and plays the case's scenario against them.
    let service = cases.iter().any(|c| c.scenario.is_some());
    if let Some((case, c)) = cases.iter().enumerate().find(|(_, c)| service && c.scenario.is_none()) {
        return Err(RunError::Suite {
            exercise: ex.id.clone(),
            case,
            label: c.label.clone(),
            message: "without a scenario, in a service exercise".into(),
        });
    }
    // A service allowed the file system, or one that is killed and started again, keeps its data
    // directory for the whole exercise: what it wrote in one case (its models) is there in the next.
    let persist = ex.allow.iter().any(|a| a == "fs")
        || cases.iter().any(|c| {
            c.scenario
                .as_ref()
                .is_some_and(|s| s.steps.iter().any(|s| matches!(s, grader_suite_api::service::Step::Crash(_))))
        });
    if service {
        for p in [&mut *student, &mut *reference] {
            p.kill();
            p.listen = true;
            p.persist = persist;
        }
    }
    let r = cases_of(ex, suite, &cases, student_dir, student, reference, obs);
    if service {
        for p in [&mut *student, &mut *reference] {
            p.forget_data();
            p.listen = false;
        }
    }
    let results = r?;
    finish_exercise(ex, suite, config, gpu, student, reference, obs, &mut gen, started, results)
}

/// The most of one statically judged file that is read.
const MAX_STATIC_BYTES: u64 = 256 << 10;

/// The statically judged files of `ex` under `dir`, in the manifest's order: each its text, or
/// `Unit` where it is missing (or not a regular file, or not UTF-8, or too large).
fn static_files(ex: &Exercise, dir: &std::path::Path) -> grader_protocol::Value {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    grader_protocol::Value::List(
        ex.static_files
            .iter()
            .map(|f| {
                let text = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(dir.join(f))
                    .ok()
                    .filter(|h| h.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_STATIC_BYTES))
                    .and_then(|h| {
                        let mut s = String::new();
                        h.take(MAX_STATIC_BYTES).read_to_string(&mut s).ok().map(|_| s)
                    });
                text.map_or(grader_protocol::Value::Unit, grader_protocol::Value::Text)
            })
            .collect(),
    )
}

/// An exercise judged on the crate's files as text (`static_files`): nothing of the student's
/// runs; the reference's files are the expected output, the student's the output.
fn grade_static(
    ex: &Exercise,
    suite: &ExerciseSuite,
    config: &RunConfig,
    student_dir: &std::path::Path,
    reference_dir: &std::path::Path,
    obs: &mut dyn Observer,
) -> Result<ExerciseResult, RunError> {
    let started = Instant::now();
    let mut gen = Gen::new(config.seed, &ex.id);
    let cases = (suite.cases)(&mut gen);
    obs.event(&Event::ExerciseStarted { id: &ex.id, cases: cases.len() });
    let expected = static_files(ex, reference_dir);
    let got = static_files(ex, student_dir);
    if let grader_protocol::Value::List(files) = &expected {
        if let Some(i) = files.iter().position(|f| *f == grader_protocol::Value::Unit) {
            return Err(RunError::Reference {
                exercise: ex.id.clone(),
                case: 0,
                label: String::new(),
                message: format!("the reference has no readable `{}`", ex.static_files[i]),
            });
        }
    }
    let mut results = Vec::with_capacity(cases.len());
    for (index, case) in cases.iter().enumerate() {
        let mut result = CaseResult {
            index,
            label: case.label.clone(),
            status: CaseStatus::Passed,
            message: None,
            mismatch: None,
            time_ms: None,
            reference_ms: None,
            metrics: Vec::new(),
            figures: Vec::new(),
        };
        let mut ctx = CheckCtx::new(&case.input, &expected, &got, ex.tolerance);
        ctx.secret = &case.secret;
        if let Err(f) = suite.check.judge(&ctx) {
            result.status = CaseStatus::Wrong;
            result.message = Some(grader_report::text::message(&f.diagnosis.unwrap_or(f.message)));
        }
        let notes = ctx.notes.into_inner();
        result.metrics = notes.metrics;
        result.figures = notes.figures;
        obs.event(&Event::CaseFinished { id: &ex.id, case: &result });
        results.push(result);
    }
    let passed = results.iter().filter(|c| c.status == CaseStatus::Passed).count();
    let status =
        if passed == results.len() && !results.is_empty() { ExerciseStatus::Passed } else { ExerciseStatus::Failed };
    let fraction = if results.is_empty() { 0.0 } else { passed as f64 / results.len() as f64 };
    Ok(ExerciseResult {
        id: ex.id.clone(),
        title: ex.title.clone(),
        topics: ex.topics.clone(),
        status,
        score: round2(ex.points * fraction),
        max_score: round2(ex.points),
        atol: ex.tolerance.atol,
        rtol: ex.tolerance.rtol,
        cases: results,
        speed: None,
        hint: if status == ExerciseStatus::Passed { None } else { ex.hints.first().cloned() },
        duration_s: started.elapsed().as_secs_f64(),
        violations: Vec::new(),
    })
}

/// The reference's answers computed so far in this process, by [`answer_key`]: a second grading
/// of the same cases in one process (`grader watch` after a save, `grader dev check`'s stubs after
/// its reference, the course's own trials) asks the reference once; `grader batch` grades each
/// submission in a worker process of its own, so there it does not carry over. Bounded: at most
/// [`REMEMBERED_BYTES`] of answers, none larger than [`REMEMBERED_ANSWER`].
static REMEMBERED: std::sync::Mutex<Option<(Answers, usize)>> = std::sync::Mutex::new(None);
/// The remembered answers and the time each took, by key.
type Answers = HashMap<[u8; 32], (grader_protocol::Value, Duration)>;
const REMEMBERED_BYTES: usize = 256 << 20;
const REMEMBERED_ANSWER: usize = 4 << 20;

/// Names one call of one reference executable: its path, size and modification time (a rebuilt
/// reference is another), the device, the function and the input's encoding.
fn answer_key(probe: &Probe, exercise: &str, input: &grader_protocol::Value) -> Option<[u8; 32]> {
    use sha2::Digest;
    use std::os::unix::ffi::OsStrExt;
    let meta = std::fs::metadata(probe.exe()).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    let mut h = sha2::Sha256::new();
    for part in [probe.exe().as_os_str().as_bytes(), probe.device.as_bytes(), exercise.as_bytes()] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.update(meta.len().to_le_bytes());
    h.update(modified.as_nanos().to_le_bytes());
    h.update(grader_protocol::encode(input).ok()?);
    Some(h.finalize().into())
}

/// The reference's answer to `exercise` on `input`: remembered from an earlier call of the same
/// executable on the same input where `remember` (a pure call: no service started, no file of
/// its own written), else asked. Only the reference is remembered; the student is always run.
fn reference_call(
    reference: &mut Probe,
    exercise: &str,
    input: &grader_protocol::Value,
    timeout: Duration,
    remember: bool,
) -> CallResult {
    let key = if remember { answer_key(reference, exercise, input) } else { None };
    if let Some(k) = &key {
        let memo = REMEMBERED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((value, elapsed)) = memo.as_ref().and_then(|(m, _)| m.get(k)) {
            return CallResult::Returned { value: value.clone(), elapsed: *elapsed };
        }
    }
    let answer = reference.call(exercise, input, timeout);
    if let (Some(k), CallResult::Returned { value, elapsed }) = (key, &answer) {
        let size = grader_protocol::encoded_len(value);
        let mut memo = REMEMBERED.lock().unwrap_or_else(|e| e.into_inner());
        let (map, bytes) = memo.get_or_insert_with(Default::default);
        if size <= REMEMBERED_ANSWER && *bytes + size <= REMEMBERED_BYTES && !map.contains_key(&k) {
            map.insert(k, (value.clone(), *elapsed));
            *bytes += size;
        }
    }
    answer
}

#[allow(clippy::too_many_arguments)]
fn cases_of(
    ex: &Exercise,
    suite: &ExerciseSuite,
    cases: &[grader_suite_api::suite::Case],
    student_dir: &str,
    student: &mut Probe,
    reference: &mut Probe,
    obs: &mut dyn Observer,
) -> Result<Vec<CaseResult>, RunError> {
    obs.event(&Event::ExerciseStarted { id: &ex.id, cases: cases.len() });
    let reference_timeout = Duration::from_secs(60);
    let mut results = Vec::with_capacity(cases.len());
    // After a case runs out of time or memory, the exercise's remaining cases are not tried: a
    // submission that spins or allocates in every function would otherwise take each case's
    // full limit (minutes per stage), and a correct answer never runs out of either.
    let mut stopped: Option<String> = None;
    for (index, case) in cases.iter().enumerate() {
        if let Some(why) = &stopped {
            let result = CaseResult {
                index,
                label: case.label.clone(),
                status: CaseStatus::Skipped,
                message: Some(why.clone()),
                mismatch: None,
                time_ms: None,
                reference_ms: None,
                metrics: Vec::new(),
                figures: Vec::new(),
            };
            obs.event(&Event::CaseFinished { id: &ex.id, case: &result });
            results.push(result);
            continue;
        }
        if case.scenario.is_some() {
            // Fresh processes for every case: a crash costs this case only.
            reference.kill();
            student.kill();
        }
        let remember = case.scenario.is_none() && ex.allow.is_empty();
        let (expected, ref_time) = match reference_call(reference, &ex.id, &case.input, reference_timeout, remember) {
            CallResult::Returned { value, elapsed } => (value, elapsed),
            CallResult::NotStarted(message) => {
                return Err(RunError::ProbeStart { role: "reference", exercise: ex.id.clone(), message })
            }
            CallResult::Panicked { message, .. } | CallResult::Died { message, .. } => {
                return Err(RunError::Reference {
                    exercise: ex.id.clone(),
                    case: index,
                    label: case.label.clone(),
                    message,
                })
            }
        };
        let timeout = match ex.timeout_s {
            Some(t) => Duration::from_secs_f64(t),
            None => (ref_time * 20 + Duration::from_secs(2)).min(Duration::from_secs(60)),
        };
        let mut result = CaseResult {
            index,
            label: case.label.clone(),
            status: CaseStatus::Passed,
            message: None,
            mismatch: None,
            time_ms: None,
            reference_ms: Some(ref_time.as_secs_f64() * 1e3),
            metrics: Vec::new(),
            figures: Vec::new(),
        };
        // A library baseline (linfa) answers on the same input in the reference's probe.
        let baseline = match suite.baseline {
            None => None,
            Some(id) => match reference_call(reference, id, &case.input, reference_timeout, remember) {
                CallResult::Returned { value, .. } => Some(value),
                CallResult::NotStarted(message) => {
                    return Err(RunError::ProbeStart { role: "reference", exercise: ex.id.clone(), message })
                }
                CallResult::Panicked { message, .. } | CallResult::Died { message, .. } => {
                    return Err(RunError::Reference {
                        exercise: id.to_string(),
                        case: index,
                        label: case.label.clone(),
                        message,
                    })
                }
            },
        };
        match student.call_bounded(&ex.id, &case.input, timeout, speed::reply_limit(&expected)) {
            CallResult::NotStarted(message) => {
                return Err(RunError::ProbeStart { role: "student", exercise: ex.id.clone(), message })
            }
            CallResult::Returned { value, elapsed } if case.scenario.is_some() => {
                result.time_ms = Some(elapsed.as_secs_f64() * 1e3);
                let scenario = case.scenario.as_ref().expect("a service case");
                if !matches!(&expected, grader_protocol::Value::Text(t) if t == "serving") {
                    return Err(RunError::Reference {
                        exercise: ex.id.clone(),
                        case: index,
                        label: case.label.clone(),
                        message: format!("its service did not start (its glue answered {})", expected.kind()),
                    });
                }
                if value != expected {
                    result.status = CaseStatus::Wrong;
                    result.message = Some(format!(
                        "the service did not start: it answered {} where a router was due",
                        match &value {
                            grader_protocol::Value::Error(e) => format!("the error {e}"),
                            v => v.kind().to_string(),
                        }
                    ));
                } else {
                    let (ro, so) = crate::service::play(
                        scenario,
                        &mut crate::service::Pair { reference: &mut *reference, student: &mut *student },
                    );
                    if let Some(how) = &ro.died {
                        return Err(RunError::Reference {
                            exercise: ex.id.clone(),
                            case: index,
                            label: case.label.clone(),
                            message: format!("its service ended during the scenario: {how}"),
                        });
                    }
                    if let Some(how) = &so.died {
                        result.status = CaseStatus::Crashed;
                        result.message = Some(format!("the service ended before the client was done: {how}"));
                    } else {
                        let mut ctx = CheckCtx::new(&case.input, &expected, &value, ex.tolerance);
                        ctx.secret = &case.secret;
                        ctx.service =
                            Some(grader_suite_api::service::Served { scenario, reference: &ro, student: &so });
                        if let Err(f) = suite.check.judge(&ctx) {
                            result.status = CaseStatus::Wrong;
                            result.message = Some(f.diagnosis.unwrap_or(f.message));
                        }
                        let notes = ctx.notes.into_inner();
                        result.metrics = notes.metrics;
                        result.figures = notes.figures;
                    }
                }
            }
            CallResult::Returned { value, elapsed } => {
                result.time_ms = Some(elapsed.as_secs_f64() * 1e3);
                let mut ctx = CheckCtx::new(&case.input, &expected, &value, ex.tolerance);
                ctx.baseline = baseline.as_ref();
                ctx.secret = &case.secret;
                ctx.outputs = &ex.outputs;
                let mut diagnosis = None;
                if let Err(f) = suite.check.judge(&ctx) {
                    result.status = CaseStatus::Wrong;
                    result.message = Some(f.message);
                    result.mismatch = f.mismatch;
                    diagnosis = f.diagnosis;
                }
                let notes = ctx.notes.into_inner();
                result.metrics = notes.metrics;
                result.figures = notes.figures;
                redact(&mut result, ex.feedback, &expected, &value, diagnosis.as_deref());
            }
            CallResult::Panicked { message, location } => {
                let todo = message.starts_with("not yet implemented") || message.starts_with("not implemented");
                result.status = if todo { CaseStatus::NotImplemented } else { CaseStatus::Panicked };
                let at = location.as_ref().map(|l| format!(" at {}", student_path(l, student_dir))).unwrap_or_default();
                // The stub that panicked may be another than the exercise's function (a
                // project's service whose glue trains the model first): the location names it.
                let elsewhere = location.as_deref().is_some_and(|l| !student_path(l, student_dir).contains(&ex.file));
                result.message = Some(if todo && elsewhere {
                    format!("not started: a function it needs is still a stub (`todo!()`{at})")
                } else if todo {
                    format!("`{}` is still a stub (`todo!()`{at})", ex.function)
                } else {
                    format!("panicked{at}: {message}")
                });
            }
            CallResult::Died { status, message } => {
                result.status = status;
                // A limit derived from the reference's time differs from run to run: the report
                // states the rule, so that the same submission gets the same words every time.
                result.message = Some(if status == CaseStatus::TimedOut && ex.timeout_s.is_none() {
                    "no answer within the time limit (20 times the reference's time on this case, plus 2 s): an \
                     endless loop, or far too slow"
                        .to_string()
                } else {
                    message
                });
            }
        }
        // Whatever the message quotes of the student's (a panic message, their output's text,
        // the tail of their stderr) is bounded and stripped of control characters here, once,
        // for every report and terminal.
        result.message = result.message.as_deref().map(grader_report::text::message);
        let what = match result.status {
            CaseStatus::TimedOut => Some("got no answer within its time limit"),
            CaseStatus::OutOfMemory => Some("ran out of memory"),
            _ => None,
        };
        if let Some(what) = what {
            stopped = Some(format!(
                "not run: case {index} ({}) {what}, so this exercise's remaining cases were not tried \
                 (a correct answer never runs out of time or memory)",
                case.label
            ));
        }
        obs.event(&Event::CaseFinished { id: &ex.id, case: &result });
        results.push(result);
    }
    Ok(results)
}

/// The speed target, the status and the score of an exercise whose cases have run.
#[allow(clippy::too_many_arguments)]
fn finish_exercise(
    ex: &Exercise,
    suite: &ExerciseSuite,
    config: &RunConfig,
    gpu: &Result<(), String>,
    student: &mut Probe,
    reference: &mut Probe,
    obs: &mut dyn Observer,
    gen: &mut Gen,
    started: Instant,
    results: Vec<CaseResult>,
) -> Result<ExerciseResult, RunError> {
    let passed = results.iter().filter(|c| c.status == CaseStatus::Passed).count();
    let all_passed = passed == results.len();
    let speed = ex.speed.as_ref().filter(|_| config.speed).map(|target| -> Result<SpeedResult, RunError> {
        let device = target.device.as_str();
        let not = |status, message: String| SpeedResult {
            status,
            device: device.to_string(),
            label: String::new(),
            max_ratio: target.max_ratio,
            median_ratio: None,
            ratios: Vec::new(),
            student_median_ms: None,
            reference_median_ms: None,
            message: Some(message),
        };
        let needs_gpu = target.device == Device::Cuda || config.device == Device::Cuda;
        Ok(match (&gpu, needs_gpu, suite.speed_input) {
            (Err(why), true, _) => not(SpeedStatus::NeedsGpu, format!("needs a GPU: {why}")),
            (_, _, None) => not(SpeedStatus::NotMeasured, "the suite has no speed input (course bug)".into()),
            _ if !all_passed => not(SpeedStatus::NotMeasured, "not timed: the outputs must be right first".into()),
            (_, _, Some(input)) => {
                obs.event(&Event::SpeedStarted { id: &ex.id, rounds: target.rounds });
                let plan = SpeedPlan {
                    exercise: &ex.id,
                    max_ratio: target.max_ratio,
                    rounds: target.rounds,
                    device,
                    timeout: Duration::from_secs(60),
                };
                let tol = ex.tolerance;
                let check = |input: &grader_protocol::Value,
                             expected: &grader_protocol::Value,
                             got: &grader_protocol::Value| {
                    let mut ctx = CheckCtx::new(input, expected, got, tol);
                    ctx.outputs = &ex.outputs;
                    suite.check.judge(&ctx).map_err(|f| f.message)
                };
                speed::measure(&plan, student, reference, gen, input, &check).map_err(|message| {
                    RunError::ProbeStart { role: "student or reference", exercise: ex.id.clone(), message }
                })?
            }
        })
    });
    let mut speed = speed.transpose()?;
    if let Some(m) = speed.as_mut().and_then(|s| s.message.as_mut()) {
        *m = grader_report::text::message(m);
    }

    let not_started = !results.is_empty() && results.iter().all(|c| c.status == CaseStatus::NotImplemented);
    // A GPU target in a CPU run is neither passed nor failed: it is left out of the maximum and
    // reported as needing a GPU.
    let pending = gpu_pending(ex, config) > 0.0;
    let speed_ok = speed
        .as_ref()
        .is_none_or(|s| s.status == SpeedStatus::Passed || (pending && s.status == SpeedStatus::NeedsGpu));
    let status = if not_started {
        ExerciseStatus::NotStarted
    } else if all_passed && speed_ok {
        ExerciseStatus::Passed
    } else {
        ExerciseStatus::Failed
    };
    let weight = ex.speed.as_ref().filter(|_| config.speed).map_or(0.0, |t| t.weight);
    let fraction = if results.is_empty() { 0.0 } else { passed as f64 / results.len() as f64 };
    let speed_points = if speed.as_ref().is_some_and(|s| s.status == SpeedStatus::Passed) { weight } else { 0.0 };
    let score = round2(ex.points * ((1.0 - weight) * fraction + speed_points));
    Ok(ExerciseResult {
        id: ex.id.clone(),
        title: ex.title.clone(),
        topics: ex.topics.clone(),
        status,
        score,
        max_score: round2(ex.points - gpu_pending(ex, config)),
        atol: ex.tolerance.atol,
        rtol: ex.tolerance.rtol,
        cases: results,
        speed,
        hint: if status == ExerciseStatus::Passed { None } else { ex.hints.first().cloned() },
        duration_s: started.elapsed().as_secs_f64(),
        violations: Vec::new(),
    })
}

/// Maps a panic location inside the grader's copy (`crate-<tag>/src/x.rs:3:5`) back to the
/// student's path (`exercises/stage1/src/x.rs:3:5`), given the crate's directory.
fn student_path(location: &str, student_dir: &str) -> String {
    match location.strip_prefix("crate-").and_then(|rest| rest.split_once('/')) {
        Some((_, path)) => format!("{student_dir}/{path}"),
        None => location.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader_protocol::Value;

    /// A remembered answer is one executable's, on one input, for one function on one device:
    /// another input, function or device, or a rebuilt executable (another size or time), is
    /// another key.
    #[test]
    fn an_answer_is_remembered_for_one_executable_input_and_function() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("probe");
        std::fs::write(&exe, b"one build").unwrap();
        let mut p = Probe::new(&exe, Limits::default());
        let input = Value::Floats(vec![1.0, 2.0]);
        let k = answer_key(&p, "stage1.linalg.dot", &input).unwrap();
        assert_eq!(answer_key(&p, "stage1.linalg.dot", &input), Some(k));
        assert_ne!(answer_key(&p, "stage1.linalg.dot", &Value::Floats(vec![1.0, 2.5])), Some(k));
        assert_ne!(answer_key(&p, "stage1.linalg.norm", &input), Some(k));
        p.device = "cuda";
        assert_ne!(answer_key(&p, "stage1.linalg.dot", &input), Some(k));
        p.device = "cpu";
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&exe, b"another build").unwrap();
        assert_ne!(answer_key(&p, "stage1.linalg.dot", &input), Some(k));
        std::fs::remove_file(&exe).unwrap();
        assert_eq!(answer_key(&p, "stage1.linalg.dot", &input), None, "no executable, nothing remembered");
    }
}
