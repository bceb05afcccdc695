//! Proof that the hidden suites and the engine do what they claim, as a libtest-mimic harness:
//!
//! - every hidden case passes against the reference solutions and fails against the untouched
//!   stubs, for several seeds (one trial per case and role);
//! - every fixture submission in `tests/fixtures/` (correct, wrong, panicking, looping, aborting,
//!   overflowing, lying...) gets exactly the verdict it declares.

use grader_engine::builder::Role;
use grader_engine::dev::{self, Side};
use grader_engine::manifest::{Course, Device};
use grader_engine::probe::Limits;
use grader_engine::run::{run, RunConfig, Silent};
use grader_engine::suite::Gen;
use grader_report::Report;
use grader_suites as suites;
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

const SEEDS: [u64; 2] = [1, 20261129];

/// Stages whose every case trains a network (the reference trains too, for the expected labels):
/// their hidden cases run with the first seed only here, both in `grader dev check --seeds`.
/// Mini-project 2 grades in about 60 s per seed and role on 2 cores (2026-12-04), the most of any
/// stage; the final project about 38 s a seed for the reference and 12 s for the stub, alone on
/// the machine (its services are timed side by side), with the reference's quality calibrated on
/// five seeds by `capstone-solution`'s `calibrate` example. The CI budget (README) keeps the second
/// seed for the stages that grade in seconds.
const FIRST_SEED_ONLY: &[&str] = &["mp2", "final"];

/// Trials that time code take this lock exclusively, so that no other trial's work runs on the
/// machine's cores while they measure; every other trial shares it.
static QUIET: RwLock<()> = RwLock::new(());

/// The directories fixtures are assembled in: a few per stage, reused from one fixture to the
/// next, so that the grader's build of a fixture (its workspace is named after the submission's
/// path) finds the incremental state of the last fixture of that stage and recompiles only what
/// the fixture's edits touched. A cold build of a stage's crate and probe takes 6 to 12 s on 2
/// cores, a build that reuses the last one's state 1 to 3 s (measured 2026-12-04): this halves the
/// fixtures' share of `cargo test`. A slot is held by one trial at a time.
static SLOTS: Mutex<BTreeMap<String, Vec<bool>>> = Mutex::new(BTreeMap::new());

/// A held slot: its directory's name, released when dropped.
struct Slot {
    key: String,
    index: usize,
}

impl Slot {
    fn take(key: &str) -> Slot {
        let mut all = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        let used = all.entry(key.to_string()).or_default();
        let index = match used.iter().position(|u| !u) {
            Some(i) => i,
            None => {
                used.push(false);
                used.len() - 1
            }
        };
        used[index] = true;
        Slot { key: key.to_string(), index }
    }

    fn name(&self) -> String {
        format!("{}-slot{}", self.key, self.index)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut all = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(u) = all.get_mut(&self.key).and_then(|v| v.get_mut(self.index)) {
            *u = false;
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn course() -> &'static Course {
    static C: OnceLock<Course> = OnceLock::new();
    C.get_or_init(|| Course::load(&root(), &suites::all()).expect("the course manifest is valid"))
}

fn config(selection: &str, seed: u64, role: Role, speed: bool) -> RunConfig {
    RunConfig {
        selection: selection.to_string(),
        seed,
        role,
        device: Device::Cpu,
        target_dir: Some(root().join("target/grader")),
        limits: Limits::default(),
        speed,
        gate: Default::default(),
    }
}

type Cache = Mutex<HashMap<(String, u64, String), Arc<OnceLock<Result<Report, String>>>>>;

/// Grades one stage once per (role, seed), whichever trial asks first.
fn graded(role: &str, seed: u64, stage: &str) -> Result<Report, String> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cell = {
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        Arc::clone(map.entry((role.to_string(), seed, stage.to_string())).or_default())
    };
    cell.get_or_init(|| {
        // The stub's grading after the reference's of the same cases, whose answers the engine
        // remembers: the stub's then costs its build and its own calls only.
        if role != "reference" {
            let _ = graded("reference", seed, stage);
        }
        let r = match role {
            "reference" => Role::Reference,
            _ => Role::Student { submission: root() },
        };
        // Timed, for README's CI budget: the first grading of a stage pays for its build.
        let t = std::time::Instant::now();
        let report = run(course(), &suites::all(), &config(stage, seed, r, false), &mut Silent);
        eprintln!("[timing] {stage} {role} seed {seed}: built and graded in {:.1} s", t.elapsed().as_secs_f64());
        report.map_err(|e| e.to_string())
    })
    .clone()
}

/// The course's declarations agree (the manifest loads: one entry, glue line and suite per
/// exercise, baselines answered), and every input each suite generates has the shape its glue
/// line takes: the same check as `grader dev check`.
fn declaration_trials() -> Vec<Trial> {
    let verdict = |problems: Vec<String>| if problems.is_empty() { Ok(()) } else { Err(problems.join("\n").into()) };
    let mut trials = vec![Trial::test("declarations::layout", move || verdict(dev::layout_problems(course())))];
    for seed in SEEDS {
        trials.push(Trial::test(format!("declarations::seed{seed}"), move || {
            verdict(dev::shape_problems(course(), &suites::all(), seed, "all"))
        }));
    }
    trials
}

fn hidden_case_trials() -> Vec<Trial> {
    let suites = suites::all();
    // The cases are generated here, to name the trials: the data sets they read first.
    grader_engine::datasets::install_all(&course().root, &course().datasets)
        .expect("the data sets are present (the fetched ones: `grader data fetch`)");
    // Stages with services are graded alone: their load steps measure both services side by side,
    // and another trial's work on the same cores would make those ratios noise.
    let timed: std::collections::HashSet<String> = suites
        .iter()
        .filter(|s| (s.cases)(&mut Gen::new(SEEDS[0], s.id)).iter().any(|c| c.scenario.is_some()))
        .map(|s| s.id.split('.').next().unwrap_or_default().to_string())
        .collect();
    // One group of trials per (role, seed, stage), each group answered by one grading.
    let mut groups: BTreeMap<(usize, u64, String), Vec<Trial>> = BTreeMap::new();
    for seed in SEEDS {
        // Every stage of the manifest: each suite belongs to exactly one (the manifest checks it).
        for s in suites.iter() {
            let stage = s.id.split('.').next().unwrap_or_default().to_string();
            if seed != SEEDS[0] && FIRST_SEED_ONLY.contains(&stage.as_str()) {
                continue;
            }
            let cases = (s.cases)(&mut Gen::new(seed, s.id));
            for (i, case) in cases.iter().enumerate() {
                for (r, role) in ["reference", "stub"].into_iter().enumerate() {
                    let id = s.id.to_string();
                    let stage = stage.clone();
                    let name = format!("{role}::{id}::seed{seed}::case{i} {}", case.label);
                    let alone = timed.contains(&stage);
                    let group = groups.entry((r, seed, stage.clone())).or_default();
                    group.push(Trial::test(name, move || {
                        let (_w, _r);
                        if alone {
                            _w = QUIET.write().unwrap_or_else(|e| e.into_inner());
                        } else {
                            _r = QUIET.read().unwrap_or_else(|e| e.into_inner());
                        }
                        let report = graded(role, seed, &stage)?;
                        let ex = report.exercises.iter().find(|e| e.id == id).ok_or("exercise not graded")?;
                        let c = ex.cases.get(i).ok_or("case not graded")?;
                        let side = if role == "reference" { Side::Reference } else { Side::Stub };
                        match dev::case_problem(side, c) {
                            None => Ok(()),
                            Some(p) => Err(p.into()),
                        }
                    }));
                }
            }
        }
    }
    // Every reference grading before any stub's (a stub's grading asks the reference's answers,
    // which the engine remembers from the reference's grading of the same cases: see
    // `graded`); within a role, the groups' trials dealt round-robin, so that the trials the
    // test threads take next belong to different stages and their gradings run side by side
    // instead of one thread waiting for the grading the other is doing.
    let mut trials = Vec::new();
    for r in 0..2 {
        let mut queues: Vec<std::collections::VecDeque<Trial>> =
            groups.iter_mut().filter(|((role, _, _), _)| *role == r).map(|(_, v)| std::mem::take(v).into()).collect();
        while queues.iter().any(|q| !q.is_empty()) {
            for q in queues.iter_mut() {
                trials.extend(q.pop_front());
            }
        }
    }
    trials
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    /// The stage whose crate the fixture edits (default `stage1`).
    #[serde(default = "stage1")]
    stage: String,
    base: String,
    selection: String,
    #[serde(default)]
    speed: bool,
    #[serde(default)]
    edit: Vec<Edit>,
    /// System modules the static gate lets through for this fixture, so that a fixture can test
    /// the sandbox's own defence against what the gate would refuse anyway.
    #[serde(default)]
    allow: Vec<String>,
    /// Whole files written into the submission (paths relative to its root): a `build.rs`, an
    /// edited `Cargo.toml`, a `.cargo/config.toml`...
    #[serde(default)]
    file: Vec<FileEntry>,
    /// Symbolic links written into the submission (`path` replaced by a link to `to`; `{root}`
    /// in `to` is the course's root).
    #[serde(default)]
    link: Vec<LinkEntry>,
    /// Run alone, then check that no process of the sandbox user is left behind, and that no
    /// probe directory is left in the temporary directory.
    #[serde(default)]
    exclusive: bool,
    /// An honest submission graded at the same time, once this fixture's first case has
    /// finished (while it is still being graded): it must get full marks whatever this one does.
    #[serde(default)]
    beside: Option<Beside>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkEntry {
    path: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Beside {
    base: String,
    selection: String,
}

fn stage1() -> String {
    "stage1".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    #[serde(default)]
    replace: Option<String>,
    #[serde(default)]
    insert_after: Option<String>,
    /// Replace every occurrence (`find` must occur at least once), not exactly one.
    #[serde(default)]
    all: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    exercise: Option<String>,
    /// The status of named exercises (a project's parts: each its own verdict).
    #[serde(default)]
    parts: BTreeMap<String, String>,
    all_cases: Option<String>,
    #[serde(default)]
    cases: BTreeMap<String, String>,
    other_cases: Option<String>,
    message_contains: Option<String>,
    /// The status of every exercise's first case (the others: `other_cases`).
    #[serde(default)]
    first_case: Option<String>,
    /// The whole grading (build and cases) must take at most this long.
    #[serde(default)]
    max_seconds: Option<f64>,
    speed: Option<String>,
    #[serde(default)]
    full_marks: bool,
    #[serde(default)]
    zero_marks: bool,
    build_error_file: Option<String>,
    /// Rule names the refusal must include (`forbidden-api`, `build-config`...).
    #[serde(default)]
    violations: Vec<String>,
    /// A file the violation list must name.
    violation_file: Option<String>,
    /// Paths that must not exist after the run (nothing written outside scratch).
    #[serde(default)]
    absent: Vec<String>,
    /// Every message of the report is free of control characters (nothing can drive a terminal).
    #[serde(default)]
    messages_clean: bool,
    /// The JSON report is at most this many bytes.
    max_report_bytes: Option<usize>,
    /// Some compiler or build message contains this.
    build_error_contains: Option<String>,
    /// No file in the shared build directory is this large after the run (nothing left behind).
    max_file_bytes_in_target: Option<u64>,
}

fn snake<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
}

/// Builds the fixture's submission: a course-shaped directory with the base sources, edited.
fn assemble(name: &str, f: &Fixture) -> Result<PathBuf, Failed> {
    let stage = course().stage(&f.stage).ok_or_else(|| format!("unknown stage `{}`", f.stage))?;
    let base = match f.base.as_str() {
        "reference" => root().join(&stage.solution_dir).join("src"),
        "stub" => root().join(&stage.student_dir).join("src"),
        other => return Err(format!("unknown base `{other}`").into()),
    };
    let dir = root().join("target/grader/fixtures").join(name);
    let src = dir.join(&stage.student_dir).join("src");
    let _ = std::fs::remove_dir_all(&dir);
    grader_engine::intake::copy_tree(&base, &src).map_err(|e| e.to_string())?;
    for e in &f.edit {
        let path = dir.join(&stage.student_dir).join(&e.file);
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let n = text.matches(&e.find).count();
        if (e.all && n == 0) || (!e.all && n != 1) {
            return Err(format!(
                "fixture edit: `{}` must occur {} in {}",
                e.find,
                if e.all { "at least once" } else { "exactly once" },
                e.file
            )
            .into());
        }
        let new = match (&e.replace, &e.insert_after) {
            (Some(r), None) if e.all => text.replace(&e.find, r),
            (Some(r), None) => text.replacen(&e.find, r, 1),
            (None, Some(ins)) => text.replacen(&e.find, &format!("{}\n{ins}", e.find), 1),
            _ => return Err("fixture edit needs exactly one of replace / insert_after".into()),
        };
        std::fs::write(&path, new).map_err(|e| e.to_string())?;
    }
    for f in &f.file {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&path, &f.text).map_err(|e| e.to_string())?;
    }
    for l in &f.link {
        let path = dir.join(&l.path);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| e.to_string())?;
        } else {
            let _ = std::fs::remove_file(&path);
        }
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        let to = l.to.replace("{root}", &root().display().to_string());
        std::os::unix::fs::symlink(to, &path).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

/// The probe directories (`.w*`) in the temporary directory.
fn probe_dirs() -> std::collections::BTreeSet<String> {
    std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".w"))
        .collect()
}

/// Signals once the first case of the run it observes has finished.
struct FirstCase(Option<std::sync::mpsc::Sender<()>>);
impl grader_engine::run::Observer for FirstCase {
    fn event(&mut self, event: &grader_engine::run::Event) {
        if let grader_engine::run::Event::CaseFinished { .. } = event {
            if let Some(tx) = self.0.take() {
                let _ = tx.send(());
            }
        }
    }
}

/// Grades `f` while its `beside` submission is graded too, started once `f`'s first case has
/// finished; returns `f`'s report and the problems of the honest one.
fn run_beside(f: &Fixture, cfg: &RunConfig, b: &Beside) -> Result<(Report, Vec<String>), Failed> {
    let honest = Fixture {
        description: String::new(),
        stage: f.stage.clone(),
        base: b.base.clone(),
        selection: b.selection.clone(),
        speed: false,
        edit: Vec::new(),
        allow: Vec::new(),
        file: Vec::new(),
        link: Vec::new(),
        exclusive: false,
        beside: None,
        expect: Expect::default(),
    };
    let slot = Slot::take(&format!("{}-beside-{}", f.stage, b.base));
    let dir = assemble(&slot.name(), &honest)?;
    let hcfg = config(&b.selection, 7, Role::Student { submission: dir }, false);
    // Built (and graded once) first, so that the graded run overlaps the other's cases.
    run(course(), &suites::all(), &hcfg, &mut Silent).map_err(|e| format!("the honest grading failed: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let hostile = std::thread::scope(|scope| {
        let h = scope.spawn(|| run(course(), &suites::all(), cfg, &mut FirstCase(Some(tx))));
        let started = rx.recv_timeout(std::time::Duration::from_secs(1200)).is_ok();
        let honest = run(course(), &suites::all(), &hcfg, &mut Silent);
        let still_running = !h.is_finished();
        (h.join(), honest, started, still_running)
    });
    let (h, honest, started, still_running) = hostile;
    let report = h.map_err(|_| "the grading thread panicked")?.map_err(|e| format!("the grader failed: {e}"))?;
    let mut problems = Vec::new();
    if !started || !still_running {
        problems.push("the honest grading did not overlap the other's cases: the fixture proves nothing".into());
    }
    match honest {
        Err(e) => problems.push(format!("the honest grading failed: {e}")),
        Ok(r) => {
            for ex in &r.exercises {
                if ex.score != ex.max_score {
                    let first = ex.cases.iter().find_map(|c| c.message.clone()).unwrap_or_default();
                    problems
                        .push(format!("honest {} graded beside it: {}/{} ({first})", ex.id, ex.score, ex.max_score));
                }
            }
        }
    }
    Ok((report, problems))
}

fn check_fixture(f: &Fixture) -> Result<(), Failed> {
    let slot = Slot::take(&f.stage);
    let dir = assemble(&slot.name(), f)?;
    let mut cfg = config(&f.selection, 7, Role::Student { submission: dir }, f.speed);
    cfg.gate.allow = f.allow.clone();
    let before = probe_dirs();
    let started = std::time::Instant::now();
    let (report, mut problems) = match &f.beside {
        Some(b) => run_beside(f, &cfg, b)?,
        None => (
            run(course(), &suites::all(), &cfg, &mut Silent).map_err(|e| format!("the grader failed: {e}"))?,
            Vec::new(),
        ),
    };
    let e = &f.expect;
    let took = started.elapsed().as_secs_f64();
    if let Some(max) = e.max_seconds {
        if took > max {
            problems.push(format!("graded in {took:.0} s, more than the {max} s it may take"));
        }
    }
    for id in e.parts.keys() {
        if !report.exercises.iter().any(|x| &x.id == id) {
            problems.push(format!("the fixture expects a part `{id}` that was not graded"));
        }
    }
    for ex in &report.exercises {
        if let Some(want) = e.parts.get(&ex.id) {
            if &snake(ex.status) != want {
                let first = ex.cases.iter().find_map(|c| c.message.clone()).unwrap_or_default();
                problems.push(format!("{}: status {}, expected {want} ({first})", ex.id, snake(ex.status)));
            }
        }
        if let Some(want) = &e.exercise {
            if &snake(ex.status) != want {
                problems.push(format!("{}: status {}, expected {want}", ex.id, snake(ex.status)));
            }
        }
        for c in &ex.cases {
            let first = if c.index == 0 { e.first_case.as_ref() } else { None };
            let want = e.cases.get(&c.label).or(first).or(if e.cases.is_empty() && e.first_case.is_none() {
                e.all_cases.as_ref()
            } else {
                e.other_cases.as_ref()
            });
            if let Some(want) = want {
                if &snake(c.status) != want {
                    problems.push(format!(
                        "{} case {} ({}): {}, expected {want}: {}",
                        ex.id,
                        c.index,
                        c.label,
                        snake(c.status),
                        c.message.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        if let Some(want) = &e.speed {
            let got = ex.speed.as_ref().map(|s| snake(s.status)).unwrap_or_else(|| "none".into());
            if &got != want {
                let detail = ex.speed.as_ref().and_then(|s| s.message.clone()).unwrap_or_default();
                problems.push(format!("{}: speed {got}, expected {want} {detail}", ex.id));
            }
        }
        if e.full_marks && ex.score != ex.max_score {
            problems.push(format!("{}: score {}/{}, expected full marks", ex.id, ex.score, ex.max_score));
        }
        if e.zero_marks && ex.score != 0.0 {
            problems.push(format!("{}: score {}, expected zero", ex.id, ex.score));
        }
    }
    // An expectation about a case that was not graded would hold vacuously.
    for label in e.cases.keys() {
        if !report.exercises.iter().flat_map(|x| &x.cases).any(|c| &c.label == label) {
            problems.push(format!("the fixture expects a case `{label}` that no graded exercise has"));
        }
    }
    if let Some(needle) = &e.message_contains {
        let found = report
            .exercises
            .iter()
            .flat_map(|x| &x.cases)
            .any(|c| c.message.as_deref().is_some_and(|m| m.contains(needle.as_str())));
        if !found {
            let first =
                report.exercises.iter().flat_map(|x| &x.cases).find_map(|c| c.message.clone()).unwrap_or_default();
            problems.push(format!("no case message contains `{needle}`; the first says: {first}"));
        }
    }
    if let Some(file) = &e.build_error_file {
        if report.build.ok {
            problems.push("the build succeeded".into());
        }
        let d = report.build.diagnostics.iter().find(|d| d.level == "error");
        match d {
            Some(d)
                if d.file.as_deref() == Some(file.as_str())
                    && d.line.is_some()
                    && d.rendered.contains(file.as_str()) => {}
            other => problems.push(format!("expected a compiler error in {file} with a line, got {other:?}")),
        }
    }
    // The stage's refusals, and the exercises' own (`from-scratch`).
    let all_violations: Vec<&grader_report::Violation> =
        report.build.violations.iter().chain(report.exercises.iter().flat_map(|x| &x.violations)).collect();
    for rule in &e.violations {
        if !all_violations.iter().any(|v| &v.rule == rule) {
            problems.push(format!("no `{rule}` violation in {all_violations:?}"));
        }
    }
    if let Some(file) = &e.violation_file {
        if !all_violations.iter().any(|v| &v.file == file && (v.line > 0 || v.rule != "from-scratch")) {
            problems.push(format!("no violation names {file}: {all_violations:?}"));
        }
    }
    for p in &e.absent {
        if Path::new(p).exists() {
            problems.push(format!("{p} exists: something was written outside the scratch directory"));
        }
    }
    if f.exclusive {
        let left = sandbox_processes();
        if !left.is_empty() {
            problems.push(format!("processes left behind: {left:?}"));
        }
        let dirs: Vec<String> = probe_dirs().difference(&before).cloned().collect();
        if !dirs.is_empty() {
            problems.push(format!("probe directories left behind in {}: {dirs:?}", std::env::temp_dir().display()));
        }
    }
    if e.messages_clean {
        let all = report
            .exercises
            .iter()
            .flat_map(|x| x.cases.iter().filter_map(|c| c.message.as_deref()))
            .chain(report.build.diagnostics.iter().map(|d| d.rendered.as_str()));
        for m in all {
            if !grader_report::text::is_clean(m) {
                problems.push(format!("a message holds control characters: {m:?}"));
                break;
            }
        }
    }
    if let Some(max) = e.max_report_bytes {
        let n = grader_report::render_json(&report).len();
        if n > max {
            problems.push(format!("the JSON report is {n} bytes, more than {max}"));
        }
    }
    if let Some(max) = e.max_file_bytes_in_target {
        fn largest(dir: &Path) -> (u64, PathBuf) {
            let mut best = (0, PathBuf::new());
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let Ok(ft) = e.file_type() else { continue };
                let found = if ft.is_dir() {
                    largest(&e.path())
                } else {
                    (e.metadata().map(|m| m.len()).unwrap_or(0), e.path())
                };
                if found.0 > best.0 {
                    best = found;
                }
            }
            best
        }
        let (n, path) = largest(&root().join("target/grader/build"));
        if n > max {
            problems.push(format!("{} is {n} bytes: the build left it behind", path.display()));
        }
    }
    if let Some(needle) = &e.build_error_contains {
        if !report
            .build
            .diagnostics
            .iter()
            .any(|d| d.message.contains(needle.as_str()) || d.rendered.contains(needle.as_str()))
        {
            problems.push(format!("no build message contains `{needle}`: {:?}", report.build.diagnostics));
        }
    }
    if report.exercises.is_empty() {
        problems.push("nothing was graded".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{}", f.description, problems.join("\n")).into())
    }
}

/// Processes of the probes' unprivileged users (one per probe, see `probe::UID_BASE`), as
/// `pid name`.
fn sandbox_processes() -> Vec<String> {
    // Give killed processes a moment to be reaped.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
        let uid = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string));
        let state = status.lines().find(|l| l.starts_with("State:")).unwrap_or("");
        let probe_user = uid.and_then(|u| u.parse::<u32>().ok()).is_some_and(grader_engine::probe::is_probe_uid);
        if probe_user && !state.contains("zombie") {
            let name = status.lines().next().unwrap_or("").to_string();
            found.push(format!("{} {name}", e.file_name().to_string_lossy()));
        }
    }
    found
}

fn fixture_trials() -> Vec<Trial> {
    let dir = root().join("grader/engine/tests/fixtures");
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            Trial::test(format!("fixture::{name}"), move || {
                let f: Fixture = toml::from_str(&std::fs::read_to_string(&p).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                let (_w, _r);
                if f.speed || f.exclusive {
                    _w = QUIET.write().unwrap_or_else(|e| e.into_inner());
                } else {
                    _r = QUIET.read().unwrap_or_else(|e| e.into_inner());
                }
                let t = std::time::Instant::now();
                let verdict = check_fixture(&f);
                // Timed, for README's CI budget.
                eprintln!("[timing] fixture {name}: {:.1} s", t.elapsed().as_secs_f64());
                verdict
            })
        })
        .collect()
}

/// The given code of a stage (files of the students' crate with no stub in them: `rng.rs`,
/// `matrix.rs`, a project's `data.rs`) is the same in its reference twin, so a solution is the
/// students' crate solved and nothing else: a copy that drifted would grade against other code.
/// A stage whose every file holds a stub has no such trial.
fn given_file_trials() -> Vec<Trial> {
    let has_given = |dir: &std::path::Path| {
        std::fs::read_dir(dir.join("src")).into_iter().flatten().flatten().any(|e| {
            let p = e.path();
            p.file_name().is_some_and(|n| n != "lib.rs")
                && std::fs::read_to_string(&p).is_ok_and(|t| !t.contains("todo!()"))
        })
    };
    course()
        .stages
        .iter()
        .filter(|stage| has_given(&root().join(&stage.student_dir)))
        .map(|stage| {
            let (student, solution) = (root().join(&stage.student_dir), root().join(&stage.solution_dir));
            Trial::test(format!("given-files::{} same in {}", stage.id, stage.solution_dir), move || {
                let mut given = Vec::new();
                for e in std::fs::read_dir(student.join("src")).map_err(|e| e.to_string())? {
                    let path = e.map_err(|e| e.to_string())?.path();
                    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                    if path.file_name().is_some_and(|n| n != "lib.rs") && !text.contains("todo!()") {
                        let theirs = solution.join("src").join(path.file_name().unwrap());
                        if std::fs::read_to_string(&theirs).ok().as_deref() != Some(text.as_str()) {
                            return Err(format!("{} differs from {}", theirs.display(), path.display()).into());
                        }
                        given.push(path);
                    }
                }
                if given.is_empty() {
                    return Err("no given file found: the check would prove nothing".into());
                }
                Ok(())
            })
        })
        .collect()
}

/// The students' public tests must pass against the reference solutions.
/// Stages (and projects) whose reference solutions are not default members of the workspace,
/// because they link heavy dependencies (polars, linfa, candle): their public tests run here, in
/// the grader's own `grade` profile and build directory, so those dependencies compile once.
/// The probe is built alongside so that features unify exactly as in the grader's builds. Read
/// from the workspace and the crates' manifests, never listed by hand.
fn public_test_trials() -> Vec<Trial> {
    dev::stage_packages(course())
        .expect("the stages' crates have manifests")
        .into_iter()
        .filter(|p| !p.default_member)
        .map(|p| {
            let (stage, solution, probe) = (p.stage, p.solution, p.probe);
            Trial::test(format!("public-tests::{stage} pass against {solution}"), move || {
                let _shared = QUIET.read().unwrap_or_else(|e| e.into_inner());
                let mut cmd = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
                cmd.args(["test", "--profile", "grade", "--manifest-path"])
                    .arg(root().join("Cargo.toml"))
                    .args(["-p", &solution, "-p", &probe]);
                // The same environment as the grader's own builds, so that nothing is rebuilt.
                grader_engine::builder::scrub_cargo_env(&mut cmd);
                let t = std::time::Instant::now();
                let out = cmd
                    .env("CARGO_TARGET_DIR", root().join("target/grader/build"))
                    .env_remove("RUSTFLAGS")
                    .env_remove("CARGO_ENCODED_RUSTFLAGS")
                    .output()
                    .map_err(|e| format!("cargo test: {e}"))?;
                eprintln!("[timing] {stage} public tests: built and run in {:.1} s", t.elapsed().as_secs_f64());
                if out.status.success() {
                    Ok(())
                } else {
                    let tail = |b: &[u8]| {
                        let t = String::from_utf8_lossy(b);
                        t.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
                    };
                    Err(format!("public tests of {stage} fail:\n{}\n{}", tail(&out.stdout), tail(&out.stderr)).into())
                }
            })
        })
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    // Trials build in parallel and queue on the shared build directory: that is expected here.
    let _ = grader_engine::builder::NOTICE.set(|_| {});
    // An open port on loopback, so that `net_runtime` proves a probe cannot reach even a
    // listening local service (not merely a closed port).
    let _listener = std::net::TcpListener::bind("127.0.0.1:47913")
        .expect("net_runtime needs a listening port on 127.0.0.1:47913 (is another test run holding it?)");
    let mut trials = declaration_trials();
    trials.extend(hidden_case_trials());
    trials.extend(fixture_trials());
    trials.extend(public_test_trials());
    trials.extend(given_file_trials());
    libtest_mimic::run(&args, trials).exit();
}
