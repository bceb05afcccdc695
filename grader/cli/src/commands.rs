//! The subcommands: parse-validated arguments in, an exit code out.

use crate::display::Terminal;
use crate::{EXIT_BUILD_FAILED, EXIT_FAILED, EXIT_FORBIDDEN, EXIT_PASSED};
use anyhow::{bail, Context, Result};
use grader_engine::builder::{Builder, Role};
use grader_engine::manifest::{Course, Device};
use grader_engine::probe::{CallResult, Limits, Probe};
use grader_engine::run::{run, RunConfig, Silent};
use grader_report::{CaseStatus, ExerciseStatus, Report};
use grader_suites as suites;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The course checkout: `--course`, else the nearest enclosing directory with a course
/// manifest, else the checkout this grader was built from.
pub fn find_course(explicit: Option<&Path>) -> Result<PathBuf> {
    let is_course = |p: &Path| p.join("grader/course/course.toml").is_file();
    if let Some(p) = explicit {
        if !is_course(p) {
            bail!("{} is not a course checkout (no grader/course/course.toml)", p.display());
        }
        return Ok(p.canonicalize()?);
    }
    let cwd = std::env::current_dir()?;
    if let Some(found) = cwd.ancestors().find(|p| is_course(p)) {
        return Ok(found.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_course(&built_from) {
        return Ok(built_from.canonicalize()?);
    }
    bail!("no course checkout found above {}; pass --course DIR", cwd.display())
}

/// The course for the repository at `root`: from the grader bundle when there is one (its
/// pristine course files and prebuilt reference probes), else `root`'s own manifest.
fn load(root: &Path) -> Result<Course> {
    crate::export::load_course(root).map(|(course, _)| course)
}

fn target_dir(course: &Path, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| course.join("target/grader"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum DeviceArg {
    Cpu,
    Cuda,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// What to grade: a stage (`stage1`), a module (`stage1.linalg`) or one exercise id.
    #[arg(required_unless_present = "all")]
    selection: Option<String>,
    /// Grade every exercise of every stage.
    #[arg(long, conflicts_with = "selection")]
    all: bool,
    /// A checkout of the course to grade (a student's fork, a fixture); default: this one.
    #[arg(long, conflicts_with = "reference")]
    submission: Option<PathBuf>,
    /// Grade the reference solutions instead of the exercises.
    #[arg(long)]
    reference: bool,
    /// Seed of the hidden cases (printed in every report; pass it again to replay a run).
    #[arg(long)]
    seed: Option<u64>,
    /// Where speed targets run. `cuda` needs a grader built with `--features cuda` and a GPU.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
    /// Write the JSON report (schema: grader/report/report.schema.json) to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the HTML report to FILE (default: target/grader/report.html).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Skip speed targets (their points are not awarded).
    #[arg(long)]
    no_speed: bool,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Print only the summary line.
    #[arg(long, short)]
    quiet: bool,
    /// Append a Markdown summary to FILE (CI: `--markdown "$GITHUB_STEP_SUMMARY"`).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// When to exit non-zero: `all-passed` (default), `fail-under:PERCENT` (below that share of
    /// the points), `never` (a grader error still exits 4).
    #[arg(long, env = "GRADER_EXIT_POLICY", default_value = "all-passed", value_name = "POLICY")]
    exit_policy: crate::ci::ExitPolicy,
}

impl CheckArgs {
    /// The selection, `all` for `--all`.
    pub fn selection_or_all(&self) -> String {
        if self.all {
            "all".into()
        } else {
            self.selection.clone().unwrap_or_else(|| "all".into())
        }
    }

    /// The graded checkout: `--submission`, else the repository itself.
    pub fn submission_dir(&self, root: &Path) -> PathBuf {
        self.submission.clone().unwrap_or_else(|| root.to_path_buf())
    }
}

pub fn check(root: &Path, a: CheckArgs) -> Result<u8> {
    let (course, bundle) = crate::export::load_course(root)?;
    if let Some(b) = &bundle {
        let mut stages: Vec<&str> = course.select(&a.selection_or_all()).iter().map(|e| e.stage.as_str()).collect();
        stages.dedup();
        b.verify(&stages)?;
    }
    let role = if a.reference {
        Role::Reference
    } else {
        let sub = a.submission.clone().unwrap_or_else(|| root.to_path_buf());
        if !sub.is_dir() {
            bail!("submission {} is not a directory", sub.display());
        }
        Role::Student { submission: sub.canonicalize()? }
    };
    let seed = a.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (t.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000
    });
    let config = RunConfig {
        selection: if a.all { "all".into() } else { a.selection.clone().expect("clap requires it") },
        seed,
        role,
        device: match a.device {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
        },
        target_dir: Some(target_dir(root, a.target_dir.clone())),
        limits: Limits::default(),
        speed: !a.no_speed,
        gate: Default::default(),
    };
    let mut term = Terminal::new(a.quiet);
    let mut report = run(&course, &suites::all(), &config, &mut term)?;
    // Tamper evidence and progress (student editions keep it in the repository).
    let mut revealed = Vec::new();
    if let Role::Student { submission } = &config.role {
        let bundle_dir = bundle.as_ref().map(|b| b.dir.as_path());
        let own_binary = bundle_dir.and_then(crate::export::verify_own_binary);
        report.integrity = crate::tamper::check(&course, bundle_dir, own_binary, submission)?;
        let own_repo = submission.canonicalize().ok() == root.canonicalize().ok();
        if own_repo && crate::export::is_student_edition(root) {
            let mut progress = crate::progress::Progress::load(root);
            revealed = progress.record(&report, &course);
            // A failure shows the latest hint the student has seen (hints reveal themselves).
            for ex in report.exercises.iter_mut().filter(|e| e.hint.is_some()) {
                if let Some(e) = course.exercise(&ex.id) {
                    let n = (progress.hints_shown(&ex.id) as usize).clamp(1, e.hints.len());
                    ex.hint = Some(format!("({n}/{}) {}", e.hints.len(), e.hints[n - 1]));
                }
            }
            progress.save(root)?;
        }
    }
    let tdir = target_dir(root, a.target_dir);
    std::fs::create_dir_all(&tdir).ok();
    // The last result feeds `grader list`.
    std::fs::write(tdir.join("last-report.json"), grader_report::render_json(&report))
        .with_context(|| format!("failed to write {}", tdir.join("last-report.json").display()))?;
    let html_path = a.html.unwrap_or_else(|| tdir.join("report.html"));
    write(&html_path, &grader_report::render_html(&report)?)?;
    if let Some(p) = &a.json {
        write(p, &grader_report::render_json(&report))?;
    }
    if let Some(p) = &a.junit {
        write(p, &grader_report::render_junit(&report)?)?;
    }
    if let Some(p) = &a.markdown {
        append(p, &crate::ci::markdown(&report))?;
    }
    term.footer(&report, &html_path);
    if let Some(i) = &report.integrity {
        crate::tamper::print(i);
    }
    for id in &revealed {
        println!("a new hint revealed itself for {id}: grader hint {id}");
    }
    Ok(a.exit_policy.apply(&report, exit_code(&report)))
}

fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("failed to open {}", path.display()))?;
    f.write_all(text.as_bytes()).with_context(|| format!("failed to write {}", path.display()))
}

/// 0 passed, 1 failed, 3 build failed, 5 refused.
pub fn exit_code(report: &Report) -> u8 {
    if !report.build.violations.is_empty() {
        EXIT_FORBIDDEN
    } else if !report.build.ok {
        EXIT_BUILD_FAILED
    } else if report.exercises.iter().all(|e| e.status == ExerciseStatus::Passed) {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only this stage (or module, or exercise).
    selection: Option<String>,
}

/// Progress per stage and per exercise: from the state file a student edition keeps
/// (`.grader/progress.toml`), else from the last check's report.
pub fn list(root: &Path, a: ListArgs) -> Result<u8> {
    use crate::progress::{Line, Progress};
    let course = load(root)?;
    let sel = a.selection.unwrap_or_else(|| "all".into());
    if course.select(&sel).is_empty() {
        bail!(
            "nothing matches `{sel}`: stage ids are {}",
            course.stages.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let state = Progress::load(root);
    let (lines, source): (BTreeMap<String, Line>, String) = if !state.exercise.is_empty() {
        let lines = state
            .exercise
            .iter()
            .map(|(id, e)| {
                let n = course.exercise(id).map_or(0, |x| x.hints.len());
                (id.clone(), Line { status: e.status.clone(), score: e.score, hints: Some((e.hints_revealed, n)) })
            })
            .collect();
        (lines, format!("progress from {}", crate::progress::STATE_FILE))
    } else {
        let last: Option<Report> = std::fs::read_to_string(root.join("target/grader/last-report.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        match last {
            Some(r) => (
                r.exercises
                    .iter()
                    .map(|e| {
                        (e.id.clone(), Line { status: e.status.as_str().to_string(), score: e.score, hints: None })
                    })
                    .collect(),
                "from the last check's report".to_string(),
            ),
            None => (BTreeMap::new(), "no results yet: run `grader check stage1`".to_string()),
        }
    };
    crate::progress::print_list(&course, &sel, &lines, &source);
    Ok(EXIT_PASSED)
}

#[derive(clap::Args, Debug)]
pub struct HintArgs {
    /// Exercise id, e.g. stage1.linalg.matmul.
    id: String,
    /// Which hint (1 = the gentlest). Default: the first (in a student edition: the next one
    /// not seen yet, after those already seen).
    #[arg(short = 'n', long = "number", value_name = "N")]
    number_given: Option<usize>,
    /// Show every hint at once.
    #[arg(long)]
    all: bool,
}

pub fn hint(root: &Path, a: HintArgs) -> Result<u8> {
    let course = load(root)?;
    let Some(ex) = course.exercise(&a.id) else {
        bail!("no exercise `{}`: see `grader list`", a.id);
    };
    let dir = course.stage(&ex.stage).map(|s| s.student_dir.as_str()).unwrap_or("exercises");
    println!("{} — {} ({} in {dir}/{})", ex.id, ex.title, ex.function, ex.file);
    let n = ex.hints.len();
    // A student edition remembers which hints were seen: each `grader hint ID` shows those and
    // reveals one more.
    if crate::export::is_student_edition(root) && a.number_given.is_none() {
        let mut progress = crate::progress::Progress::load(root);
        let entry = progress.exercise.entry(ex.id.clone()).or_default();
        let shown = if a.all { n } else { (entry.hints_revealed as usize + 1).min(n) };
        entry.hints_revealed = entry.hints_revealed.max(shown as u32);
        for (i, h) in ex.hints.iter().enumerate().take(shown) {
            println!("hint {}/{n}: {h}", i + 1);
        }
        if shown < n {
            println!("(next: `grader hint {}` reveals hint {}/{n})", ex.id, shown + 1);
        } else {
            println!("(that was every hint)");
        }
        progress.save(root)?;
        return Ok(EXIT_PASSED);
    }
    if a.all {
        for (i, h) in ex.hints.iter().enumerate() {
            println!("hint {}/{n}: {h}", i + 1);
        }
    } else {
        let i = a.number_given.unwrap_or(1).clamp(1, n);
        println!("hint {i}/{n}: {}", ex.hints[i - 1]);
        if i < n {
            println!("(next: grader hint {} -n {})", ex.id, i + 1);
        }
    }
    Ok(EXIT_PASSED)
}

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// Only topics of this stage number (1..9).
    #[arg(long)]
    stage: Option<String>,
    /// Fail (exit 1) when a topic of the shown stages is not covered.
    #[arg(long)]
    strict: bool,
}

pub fn coverage(root: &Path, a: CoverageArgs) -> Result<u8> {
    let course = load(root)?;
    let mut by_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in course.exercises() {
        for t in &e.topics {
            by_topic.entry(t.as_str()).or_default().push(e.id.as_str());
        }
    }
    let (mut covered, mut total) = (0, 0);
    for t in course.topics.iter().filter(|t| a.stage.as_ref().is_none_or(|s| s.trim_start_matches("stage") == t.stage))
    {
        total += 1;
        match by_topic.get(t.id.as_str()) {
            Some(ex) => {
                covered += 1;
                println!("covered   {:<34} {}", t.id, ex.join(", "));
            }
            None => println!("MISSING   {:<34} {}", t.id, t.title),
        }
    }
    println!("\n{covered}/{total} topics covered");
    Ok(if a.strict && covered < total { EXIT_FAILED } else { EXIT_PASSED })
}

#[derive(clap::Args, Debug)]
pub struct DevCheckArgs {
    /// Stage, module or exercise id (default: every stage).
    selection: Option<String>,
    /// Seeds to try, e.g. `--seeds 1,2,3`.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    seeds: Vec<u64>,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR")]
    target_dir: Option<PathBuf>,
}

/// Every reference case passes and every stub case fails, for each seed.
pub fn dev_check(root: &Path, a: DevCheckArgs) -> Result<u8> {
    let course = load(root)?;
    let selection = a.selection.unwrap_or_else(|| "all".into());
    let mut problems = Vec::new();
    for seed in a.seeds {
        for role in [Role::Reference, Role::Student { submission: root.to_path_buf() }] {
            let config = RunConfig {
                selection: selection.clone(),
                seed,
                role: role.clone(),
                device: Device::Cpu,
                target_dir: Some(target_dir(root, a.target_dir.clone())),
                limits: Limits::default(),
                speed: matches!(role, Role::Reference),
                gate: Default::default(),
            };
            let report = run(&course, &suites::all(), &config, &mut Silent)?;
            for ex in &report.exercises {
                for c in &ex.cases {
                    let bad = match role {
                        Role::Reference => c.status != CaseStatus::Passed,
                        Role::Student { .. } => c.status == CaseStatus::Passed,
                    };
                    if bad {
                        problems.push(format!(
                            "seed {seed}: {} case {} ({}): {} {} ({})",
                            ex.id,
                            c.index,
                            c.label,
                            role.name(),
                            c.status.as_str(),
                            c.message.as_deref().unwrap_or("")
                        ));
                    }
                }
                if matches!(role, Role::Reference) && ex.status != ExerciseStatus::Passed {
                    let why = ex.speed.as_ref().and_then(|s| s.message.clone()).unwrap_or_default();
                    problems.push(format!("seed {seed}: {} reference is {} {why}", ex.id, ex.status.as_str()));
                }
            }
            println!(
                "seed {seed} {:<9}: {} exercises, {} cases, score {}/{}",
                role.name(),
                report.exercises.len(),
                report.exercises.iter().map(|e| e.cases.len()).sum::<usize>(),
                report.score,
                report.max_score
            );
        }
    }
    if problems.is_empty() {
        println!("dev check: ok (every reference case passes, every stub case fails)");
        Ok(EXIT_PASSED)
    } else {
        for p in &problems {
            println!("PROBLEM {p}");
        }
        Ok(EXIT_FAILED)
    }
}

/// Builds the reference probe of `stage`, printing the compiler's progress.
pub fn dev_build(root: &Path, stage: &str) -> Result<u8> {
    let course = load(root)?;
    let stage = course.stage(stage).with_context(|| format!("no stage `{stage}`"))?;
    let t = Instant::now();
    let built = Builder::new(root, None).build(stage, &Role::Reference, &mut |p| {
        let grader_engine::builder::BuildProgress::Compiling(unit) = p;
        eprintln!("   compiled {unit}");
    })?;
    for d in &built.diagnostics {
        eprintln!("{}", d.rendered);
    }
    match built.executable {
        Some(exe) => {
            println!("built {} in {:.1} s: {}", stage.id, t.elapsed().as_secs_f64(), exe.display());
            Ok(EXIT_PASSED)
        }
        None => Ok(EXIT_BUILD_FAILED),
    }
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Calls used to measure the probe's per-case overhead.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Skip the cold build (it recompiles every dependency of a probe into a fresh directory).
    #[arg(long)]
    skip_cold: bool,
}

/// Benchmarks of the grader itself; see README's "Performance".
pub fn bench(root: &Path, a: BenchArgs) -> Result<u8> {
    let course = load(root)?;
    let stage = course.stage("stage1").context("stage1 missing")?.clone();
    let quiet_run = |target: &Path, role: Role| -> Result<(f64, Report)> {
        let config = RunConfig {
            selection: "stage1".into(),
            seed: 1,
            role,
            device: Device::Cpu,
            target_dir: Some(target.to_path_buf()),
            limits: Limits::default(),
            speed: false,
            gate: Default::default(),
        };
        let t = Instant::now();
        let r = run(&course, &suites::all(), &config, &mut Silent)?;
        Ok((t.elapsed().as_secs_f64(), r))
    };
    // A scratch submission: a copy of the course's exercises with the reference's sources, so
    // that every case runs to completion.
    let scratch = std::env::temp_dir().join(format!("grader-bench-{}", std::process::id()));
    let src = scratch.join("exercises/stage1/src");
    grader_engine::intake::copy_tree(&root.join("solutions/stage1/src"), &src)?;
    let student = Role::Student { submission: scratch.clone() };

    if !a.skip_cold {
        let cold_dir = scratch.join("cold-target");
        let (t, _) = quiet_run(&cold_dir, student.clone())?;
        println!("cold check (fresh target dir, deps + reference + student built, stage1 graded): {t:.2} s");
    }
    let target = target_dir(root, None);
    let (warm_nochange, _) = quiet_run(&target, student.clone())?;
    let (warm_nochange2, _) = quiet_run(&target, student.clone())?;
    println!("warm check, nothing changed: {:.2} s", warm_nochange.min(warm_nochange2));

    // One-line edit, then a check.
    let file = src.join("linalg.rs");
    let mut text = std::fs::read_to_string(&file)?;
    text.push_str("\n// edited\n");
    std::fs::write(&file, &text)?;
    let (warm_edit, report) = quiet_run(&target, student.clone())?;
    println!(
        "warm check after a one-line edit: {warm_edit:.2} s (build {:.2} s, score {}/{})",
        report.build.duration_s, report.score, report.max_score
    );

    // Direct cost: compile that crate alone after the same kind of edit, plus the time its
    // cases take when called (the student's call times, measured by the grader's clock).
    let direct_target = scratch.join("direct-target");
    let direct_dir = scratch.join("direct");
    let mut direct = |touch: bool| -> Result<f64> {
        if touch {
            text.push_str("// again\n");
            std::fs::write(&file, &text)?;
        }
        let t = Instant::now();
        let st = std::process::Command::new("cargo")
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(direct_dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &direct_target)
            .status()?;
        anyhow::ensure!(st.success(), "direct build failed");
        Ok(t.elapsed().as_secs_f64())
    };
    // The direct build: the course's manifest for the crate, outside the submission, over the
    // same sources (a symbolic link to them).
    std::fs::create_dir_all(&direct_dir)?;
    let manifest = std::fs::read_to_string(root.join("exercises/stage1/Cargo.toml"))?;
    std::fs::write(direct_dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n"))?;
    std::os::unix::fs::symlink(&src, direct_dir.join("src"))?;
    direct(false)?;
    let compile = direct(true)?;
    let cases_s: f64 = report.exercises.iter().flat_map(|e| &e.cases).filter_map(|c| c.time_ms).sum::<f64>() / 1e3;
    let baseline = compile + cases_s;
    // The edit above also changed the graded copy; grade it once more after this edit so the
    // comparison is for the same edit size.
    let (warm_edit2, _) = quiet_run(&target, student.clone())?;
    let warm = warm_edit.min(warm_edit2);
    println!("direct: compile the crate {compile:.2} s + run its cases {cases_s:.3} s = {baseline:.2} s");
    println!("warm check / direct = {:.2} (target <= 1.3)", warm / baseline);

    // Probe overhead per case: a round trip for a tiny call against calling it in-process.
    let built = Builder::new(root, Some(target.clone())).build(&stage, &Role::Reference, &mut |_| {})?;
    let exe = built.executable.context("reference probe did not build")?;
    let mut probe = Probe::new(&exe, Limits::default());
    let input = grader_protocol::Value::List(vec![vec![1.0, 2.0].into(), vec![3.0, 4.0].into()]);
    let timeout = Duration::from_secs(10);
    for _ in 0..100 {
        probe.call("stage1.linalg.dot", &input, timeout);
    }
    let t = Instant::now();
    for _ in 0..a.calls {
        match probe.call("stage1.linalg.dot", &input, timeout) {
            CallResult::Returned { .. } => {}
            other => bail!("probe call failed: {other:?}"),
        }
    }
    let per_call_us = t.elapsed().as_secs_f64() * 1e6 / a.calls as f64;
    let t = Instant::now();
    let mut acc = 0.0;
    for i in 0..a.calls {
        acc += std::hint::black_box([1.0f64, 2.0]).iter().zip([3.0, 4.0 + i as f64]).map(|(x, y)| x * y).sum::<f64>();
    }
    std::hint::black_box(acc);
    let direct_us = t.elapsed().as_secs_f64() * 1e6 / a.calls as f64;
    println!("probe overhead per case: {:.1} µs (round trip {per_call_us:.1} µs, direct call {direct_us:.3} µs; target < 1000 µs)", per_call_us - direct_us);

    // What the sandbox costs: grading all of Stage 1 (reference code as a student's, no speed
    // targets) with and without it, alternating, three times each.
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..6 {
        let sandboxed = round % 2 == 0;
        let config = RunConfig {
            selection: "stage1".into(),
            seed: 1,
            role: student.clone(),
            device: Device::Cpu,
            target_dir: Some(target.clone()),
            limits: Limits { sandbox: sandboxed, ..Limits::default() },
            speed: false,
            gate: Default::default(),
        };
        let t = Instant::now();
        let r = run(&course, &suites::all(), &config, &mut Silent)?;
        anyhow::ensure!(r.score == r.max_score, "sandbox bench: the reference lost points");
        let dt = t.elapsed().as_secs_f64();
        if sandboxed {
            with.push(dt)
        } else {
            without.push(dt)
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (w, wo) = (med(&mut with), med(&mut without));
    println!("sandbox overhead, grading stage1: {w:.2} s sandboxed vs {wo:.2} s without (ratio {:.2})", w / wo);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(EXIT_PASSED)
}

#[derive(clap::Args, Debug)]
pub struct ResetArgs {
    /// Exercise id, e.g. stage1.linalg.matmul.
    id: String,
    /// Restore the exercise's whole file, not only its function(s).
    #[arg(long)]
    file: bool,
    /// The checkout to reset in (default: this one).
    #[arg(long)]
    submission: Option<PathBuf>,
}

/// `grader reset ID`: the exercise's function back to its stub, the rest of the file untouched.
pub fn reset(root: &Path, a: ResetArgs) -> Result<u8> {
    let course = load(root)?;
    let repo = a.submission.unwrap_or_else(|| root.to_path_buf());
    if course.root == repo.canonicalize().unwrap_or_else(|_| repo.clone()) {
        if crate::export::is_student_edition(root) {
            bail!("`grader reset` takes the stubs from the grader bundle: get it with scripts/get-grader.sh");
        }
        bail!("{} holds the course's own stubs: nothing to reset (pass --submission DIR)", repo.display());
    }
    let backup = crate::progress::reset(&course, &repo, &a.id, a.file)?;
    let ex = course.exercise(&a.id).expect("reset checked the id");
    let what = if a.file { format!("{} (whole file)", ex.file) } else { format!("`{}` in {}", ex.function, ex.file) };
    println!("reset {}: {what} is a stub again; your version is in {}", a.id, backup.display());
    Ok(EXIT_PASSED)
}
