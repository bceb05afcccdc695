//! The course manifest: stages, exercises, points, tolerances, hints and speed targets.
//!
//! `grader/course/course.toml` lists the stages; each stage's exercises live in
//! `grader/course/<stage>/<module>.toml`, one file per week of the study plan. Everything is
//! validated when the grader starts: a bad manifest is an error that names the file, the exercise
//! and the field, never a surprise half-way through a student's run.

use crate::suite::ExerciseSuite;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The manifest format this grader reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("failed to read {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: exercise `{exercise}`: field `{field}`: {message}")]
    Invalid { path: PathBuf, exercise: String, field: &'static str, message: String },
    #[error("{path}: {message}")]
    Course { path: PathBuf, message: String },
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct CourseFile {
    format_version: u32,
    stage: Vec<StageEntry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct StageEntry {
    id: String,
    title: String,
    #[serde(rename = "crate")]
    crate_dir: String,
    probe: String,
    modules: Vec<String>,
    /// Where the student's crate lives, relative to the course root (default `exercises/<crate>`);
    /// a project's starting crate lives under `projects/`.
    #[serde(default)]
    student_dir: Option<String>,
    /// Where the reference crate lives (default `solutions/<crate>`).
    #[serde(default)]
    solution_dir: Option<String>,
    /// What a failing hidden case shows, for every exercise of the stage that does not say
    /// (`values`, `errors` or `label`; default `values`).
    #[serde(default)]
    feedback: Option<String>,
    /// Items a person judges (`[[stage.rubric]]`: a design write-up, code quality...), entered
    /// into the gradebook by the instructor (`grader gradebook rubric`).
    #[serde(default)]
    rubric: Vec<RubricEntry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RubricEntry {
    id: String,
    title: String,
    points: f64,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ModuleFile {
    format_version: u32,
    title: String,
    #[serde(default)]
    exercise: Vec<ExerciseEntry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ExerciseEntry {
    id: String,
    title: String,
    topics: Vec<String>,
    points: f64,
    file: String,
    function: String,
    #[serde(default)]
    tolerance: Option<ToleranceEntry>,
    #[serde(default)]
    hints: Vec<String>,
    #[serde(default)]
    speed: Option<SpeedEntry>,
    /// Per-case time limit in seconds (default: generous multiple of the reference's time).
    #[serde(default)]
    timeout_s: Option<f64>,
    /// What a failing hidden case shows: `values`, `errors` or `label` (see [`Feedback`]).
    #[serde(default)]
    feedback: Option<String>,
    /// Names the exercise's file may not use, because the exercise is to be written from
    /// scratch: `candle_nn` (a crate, a type or a function, by name) or `.backward` (a method).
    #[serde(default)]
    forbid: Vec<String>,
    /// System modules the exercise's file (and only that file) may use: `fs`, for an exercise
    /// about files (a model registry). The sandbox confines them at run time to the probe's own
    /// scratch directory; the gate keeps them out of every other file.
    #[serde(default)]
    allow: Vec<String>,
    /// Files of the submission's crate read as text and judged statically (a project's
    /// `Dockerfile`): such an exercise runs nothing of the student's and has no glue line.
    #[serde(default)]
    static_files: Vec<String>,
    /// Its verdict compares times with the reference's though it has no speed target (a
    /// service's latency under load): graded one submission at a time in a batch.
    #[serde(default)]
    timed: bool,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct ToleranceEntry {
    atol: f64,
    rtol: f64,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct SpeedEntry {
    max_ratio: f64,
    #[serde(default = "default_device")]
    device: String,
    #[serde(default = "default_rounds")]
    rounds: usize,
    #[serde(default = "default_weight")]
    weight: f64,
}

fn default_device() -> String {
    "cpu".into()
}
fn default_rounds() -> usize {
    7
}
fn default_weight() -> f64 {
    0.25
}

/// Where a speed target runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        }
    }
}

/// What a failing hidden case tells the student; the instructor chooses per exercise (or per
/// stage). Every level names the case (its label says what kind of input it is: "singular 3x3
/// matrix", "empty batch") and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feedback {
    /// Everything: expected and actual values, where and by how much, the reference's and the
    /// baseline's metrics, figures with the reference's curves. For exercises whose lesson is the
    /// comparison (a training curve, a project's accuracy against linfa's).
    Values,
    /// How far off and where (max absolute and relative error, worst index, shapes, error
    /// variants), the student's own metrics and curves next to the library baseline's metric
    /// (linfa's accuracy: the comparison the course is built on); never an expected value, a
    /// reference metric or a curve drawn from the reference (the default).
    #[default]
    Errors,
    /// Only the label and the status.
    Label,
}

impl Feedback {
    pub fn parse(s: &str) -> Option<Feedback> {
        match s {
            "values" => Some(Feedback::Values),
            "errors" => Some(Feedback::Errors),
            "label" => Some(Feedback::Label),
            _ => None,
        }
    }
}

/// A speed target: the student's median time over the reference's, measured side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedTarget {
    pub max_ratio: f64,
    pub device: Device,
    /// Timed rounds after one warm-up.
    pub rounds: usize,
    /// Share of the exercise's points that the speed target carries.
    pub weight: f64,
}

/// One graded exercise, validated.
#[derive(Debug, Clone)]
pub struct Exercise {
    pub id: String,
    pub stage: String,
    pub module: String,
    pub title: String,
    pub topics: Vec<String>,
    pub points: f64,
    /// The student's file, relative to the stage crate (`src/linalg.rs`).
    pub file: String,
    pub function: String,
    pub tolerance: crate::compare::Tolerance,
    pub hints: Vec<String>,
    pub speed: Option<SpeedTarget>,
    pub timeout_s: Option<f64>,
    /// What a failing hidden case shows.
    pub feedback: Feedback,
    /// Names its file may not use (`candle_nn`, `.backward`): see [`crate::gate::from_scratch`].
    pub forbid: Vec<String>,
    /// System modules its file may use (`fs`): see [`crate::gate::GatePolicy::files`].
    pub allow: Vec<String>,
    /// Files of the crate judged as text (`Dockerfile`), relative to the crate: the exercise
    /// runs nothing of the student's (see [`crate::run`]).
    pub static_files: Vec<String>,
    /// Its checks compare times with the reference's (the manifest key `timed`).
    pub timed: bool,
    /// The manifest file that declares it.
    pub source: PathBuf,
    /// Its input parts, as its glue line names them (see [`crate::glue`]).
    pub inputs: Vec<String>,
    /// Its output's parts judged by name, as its glue line names them (empty: not named).
    pub outputs: Vec<String>,
}

/// One stage, validated.
#[derive(Debug, Clone)]
pub struct Stage {
    pub id: String,
    pub title: String,
    /// The crate's name as the glue depends on it (`stage2`, `mp1`).
    pub crate_dir: String,
    /// The student's crate, relative to the course root or a submission (`exercises/stage2`).
    pub student_dir: String,
    /// The reference crate, relative to the course root (`solutions/stage2`).
    pub solution_dir: String,
    pub probe: String,
    pub modules: Vec<(String, String)>,
    pub exercises: Vec<Exercise>,
    /// Items a person judges, in manifest order (empty for most stages): see [`RubricItem`].
    pub rubric: Vec<RubricItem>,
}

/// One manual rubric item of a stage (`[[stage.rubric]]` in `course.toml`): no machine judges
/// it; the instructor enters its points into the gradebook (`grader gradebook rubric`), and they
/// are added to the stage's automatic score in every export.
#[derive(Debug, Clone, PartialEq)]
pub struct RubricItem {
    /// `[a-z0-9_]+`, unique in the stage.
    pub id: String,
    pub title: String,
    /// The most it can earn (> 0).
    pub points: f64,
}

/// One study-plan topic from `topics.tsv`.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub stage: String,
    pub title: String,
}

/// The whole course.
#[derive(Debug, Clone)]
pub struct Course {
    pub root: PathBuf,
    pub stages: Vec<Stage>,
    pub topics: Vec<Topic>,
    /// Prebuilt reference probes (`<dir>/<stage>-runner`), used for a stage whose reference
    /// sources are not in this checkout: a student edition gets them in the grader bundle
    /// instead of `solutions/` (see grader/STUDENTS.md). Set by the caller after loading.
    pub prebuilt_reference: Option<PathBuf>,
    /// The data sets the suites read (`grader/course/datasets.toml`).
    pub datasets: Vec<crate::datasets::DataSet>,
    /// Where the fetched data sets are, when not under `root`: a student's checkout, whose
    /// course files come from a grader bundle. Set by the caller after loading.
    pub fetched_data: Option<PathBuf>,
}

/// The marker of a student edition (written by `grader export student`): the reference sources
/// are absent on purpose, and prebuilt reference probes stand in for them.
pub const STUDENT_EDITION_MARKER: &str = "grader/edition.toml";

/// Whether the checkout at `root` is a student edition (it has the edition's marker file).
pub fn is_student_edition(root: &Path) -> bool {
    root.join(STUDENT_EDITION_MARKER).is_file()
}

const DEFAULT_TOLERANCE: ToleranceEntry = ToleranceEntry { atol: 1e-9, rtol: 1e-7 };

impl Course {
    /// Loads and validates the manifest under `root/grader/course`, checking every exercise
    /// against the hidden suites compiled into this grader.
    pub fn load(root: &Path, suites: &[ExerciseSuite]) -> Result<Course, ManifestError> {
        Course::load_checked(root, Some(suites))
    }

    /// Loads the manifest and the glue's declarations without the hidden suites: for writing a
    /// new exercise (`grader dev new`) with a grader whose compiled-in suites do not have it yet.
    /// Never for grading.
    pub fn load_for_authoring(root: &Path) -> Result<Course, ManifestError> {
        Course::load_checked(root, None)
    }

    fn load_checked(root: &Path, suites: Option<&[ExerciseSuite]>) -> Result<Course, ManifestError> {
        let dir = root.join("grader/course");
        let topics = load_topics(&dir.join("topics.tsv"))?;
        let topic_ids: HashSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
        let course_path = dir.join("course.toml");
        let course: CourseFile = parse(&course_path)?;
        if course.format_version != FORMAT_VERSION {
            return Err(ManifestError::Course {
                path: course_path,
                message: format!(
                    "format_version {} is not supported (this grader reads {FORMAT_VERSION})",
                    course.format_version
                ),
            });
        }
        let suite_ids: Option<HashSet<&str>> = suites.map(|s| s.iter().map(|s| s.id).collect());
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut stages = Vec::new();
        for s in course.stage {
            let mut exercises = Vec::new();
            let mut modules = Vec::new();
            for m in &s.modules {
                let path = dir.join(&s.id).join(format!("{m}.toml"));
                let file: ModuleFile = parse(&path)?;
                if file.format_version != FORMAT_VERSION {
                    return Err(ManifestError::Course {
                        path,
                        message: format!("format_version {} is not supported", file.format_version),
                    });
                }
                modules.push((m.clone(), file.title.clone()));
                for mut e in file.exercise {
                    if e.feedback.is_none() {
                        e.feedback = s.feedback.clone();
                    }
                    let ex = validate(e, &s.id, m, &path, &topic_ids, suite_ids.as_ref())?;
                    if let Some(first) = seen.insert(ex.id.clone(), path.clone()) {
                        return Err(invalid(
                            &path,
                            &ex.id,
                            "id",
                            format!("declared twice (also in {})", first.display()),
                        ));
                    }
                    exercises.push(ex);
                }
            }
            let rubric = validate_rubric(&s.id, s.rubric, &course_path)?;
            let student_dir = s.student_dir.unwrap_or_else(|| format!("exercises/{}", s.crate_dir));
            let solution_dir = s.solution_dir.unwrap_or_else(|| format!("solutions/{}", s.crate_dir));
            let student_edition = root.join(STUDENT_EDITION_MARKER).is_file();
            for (field, dir) in [("student_dir", &student_dir), ("solution_dir", &solution_dir)] {
                if field == "solution_dir" && student_edition {
                    continue;
                }
                if !root.join(dir).join("Cargo.toml").is_file() {
                    return Err(ManifestError::Course {
                        path: course_path.clone(),
                        message: format!("stage `{}`: {field} `{dir}` has no Cargo.toml", s.id),
                    });
                }
            }
            stages.push(Stage {
                id: s.id,
                title: s.title,
                crate_dir: s.crate_dir,
                student_dir,
                solution_dir,
                probe: s.probe,
                modules,
                exercises,
                rubric,
            });
        }
        if let Some(orphan) = suites.unwrap_or_default().iter().find(|s| !seen.contains_key(s.id)) {
            return Err(ManifestError::Course {
                path: dir,
                message: format!("hidden suite `{}` has no exercise in the manifest", orphan.id),
            });
        }
        for stage in &mut stages {
            check_glue(root, stage, suites)?;
        }
        let datasets =
            crate::datasets::load(root).map_err(|e| ManifestError::Course { path: e.path, message: e.message })?;
        for d in &datasets {
            // A stage (`stage5`) or one module of a stage (`stage5.bert`).
            let known = |s: &str| {
                stages.iter().any(|st| {
                    st.id == s
                        || s.strip_prefix(&format!("{}.", st.id))
                            .is_some_and(|m| st.modules.iter().any(|(id, _)| id == m))
                })
            };
            if let Some(unknown) = d.stages.iter().find(|s| !known(s)) {
                return Err(ManifestError::Course {
                    path: root.join(crate::datasets::MANIFEST),
                    message: format!(
                        "data set `{}`: `{unknown}` is neither a stage nor a stage's module in the course manifest",
                        d.name
                    ),
                });
            }
        }
        Ok(Course { root: root.to_path_buf(), stages, topics, prebuilt_reference: None, datasets, fetched_data: None })
    }

    /// All exercises in manifest order.
    pub fn exercises(&self) -> impl Iterator<Item = &Exercise> {
        self.stages.iter().flat_map(|s| s.exercises.iter())
    }

    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises().find(|e| e.id == id)
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Exercises selected by a stage id, a module prefix (`stage1.linalg`) or an exact id.
    pub fn select(&self, selector: &str) -> Vec<&Exercise> {
        self.exercises()
            .filter(|e| e.id == selector || e.id.starts_with(&format!("{selector}.")) || selector == "all")
            .collect()
    }
}

/// Checks the stage's glue lines (see [`crate::glue`]) against its manifest entries and hidden
/// suites, and fills in each exercise's input and output names: every exercise has exactly one
/// glue line, which calls the manifest's `function`; every glue line is an exercise or a suite's
/// baseline; every baseline a suite names is answered.
fn check_glue(root: &Path, stage: &mut Stage, suites: Option<&[ExerciseSuite]>) -> Result<(), ManifestError> {
    let src = root.join("grader/probes").join(&stage.probe).join("src");
    let lines =
        crate::glue::read(root, &src).map_err(|e| ManifestError::Course { path: e.path, message: e.message })?;
    let glue_err = |message: String| ManifestError::Course { path: src.clone(), message };
    let mut by_id: BTreeMap<&str, &crate::glue::GlueLine> = BTreeMap::new();
    for l in &lines {
        if let Some(first) = by_id.insert(&l.id, l) {
            return Err(glue_err(format!("`{}` has two glue lines ({} and {})", l.id, first.at, l.at)));
        }
    }
    let baselines: HashSet<&str> = suites
        .unwrap_or_default()
        .iter()
        .filter(|s| stage.exercises.iter().any(|e| e.id == s.id))
        .filter_map(|s| s.baseline)
        .collect();
    for ex in &mut stage.exercises {
        if !ex.static_files.is_empty() {
            if let Some(line) = by_id.get(ex.id.as_str()) {
                return Err(glue_err(format!(
                    "`{}` judges files statically (`static_files`) and runs nothing: remove its glue line ({})",
                    ex.id, line.at
                )));
            }
            continue;
        }
        let Some(line) = by_id.get(ex.id.as_str()) else {
            return Err(invalid(
                &ex.source,
                &ex.id,
                "id",
                format!(
                    "has no glue line: add `\"{}\" => |input: Type| call(input);` to a glue! block in {}",
                    ex.id,
                    src.display()
                ),
            ));
        };
        // `function` may name several (`StandardScaler::fit, StandardScaler::transform`): each
        // must be called, by its last path segment.
        for f in ex.function.split(',').map(|f| f.trim()) {
            let name = f.rsplit("::").next().unwrap_or(f);
            if !line.calls.contains(name) {
                return Err(invalid(
                    &ex.source,
                    &ex.id,
                    "function",
                    format!("`{f}` is not called by its glue line ({})", line.at),
                ));
            }
        }
        ex.inputs = line.inputs.clone();
        ex.outputs = line.outputs.clone();
    }
    for l in &lines {
        // Without the suites (authoring), a line that is no exercise may be a baseline.
        if suites.is_some() && !stage.exercises.iter().any(|e| e.id == l.id) && !baselines.contains(l.id.as_str()) {
            return Err(glue_err(format!(
                "glue line `{}` ({}) is neither an exercise in the manifest nor a suite's baseline",
                l.id, l.at
            )));
        }
    }
    for b in &baselines {
        if !by_id.contains_key(b) {
            let ex = suites.unwrap_or_default().iter().find(|s| s.baseline == Some(b)).map_or("?", |s| s.id);
            return Err(glue_err(format!(
                "the hidden suite of `{ex}` compares with baseline `{b}`, which no glue line of stage `{}` answers",
                stage.id
            )));
        }
    }
    Ok(())
}

/// A stage's rubric items, checked: ids `[a-z0-9_]+` and unique (not `student`, the column that
/// names the student in `grader gradebook rubric-import`), a title, points above zero.
fn validate_rubric(stage: &str, items: Vec<RubricEntry>, path: &Path) -> Result<Vec<RubricItem>, ManifestError> {
    let err = |id: &str, message: String| ManifestError::Course {
        path: path.to_path_buf(),
        message: format!("stage `{stage}`: rubric item `{id}`: {message}"),
    };
    let mut out: Vec<RubricItem> = Vec::new();
    for r in items {
        if r.id.is_empty() || !r.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(err(&r.id, "`id` must be lowercase letters, digits and `_` (`code_quality`)".into()));
        }
        if r.id == "student" {
            return Err(err(&r.id, "`id` cannot be `student` (the student column of a rubric CSV)".into()));
        }
        if out.iter().any(|o| o.id == r.id) {
            return Err(err(&r.id, "declared twice in the stage".into()));
        }
        if r.title.trim().is_empty() {
            return Err(err(&r.id, "`title` is empty".into()));
        }
        if !(r.points.is_finite() && r.points > 0.0) {
            return Err(err(&r.id, format!("`points` must be more than 0 (got {})", r.points)));
        }
        out.push(RubricItem { id: r.id, title: r.title, points: r.points });
    }
    Ok(out)
}

fn invalid(path: &Path, exercise: &str, field: &'static str, message: String) -> ManifestError {
    ManifestError::Invalid { path: path.to_path_buf(), exercise: exercise.to_string(), field, message }
}

fn validate(
    e: ExerciseEntry,
    stage: &str,
    module: &str,
    path: &Path,
    topics: &HashSet<&str>,
    suites: Option<&HashSet<&str>>,
) -> Result<Exercise, ManifestError> {
    let prefix = format!("{stage}.{module}.");
    let name_ok = e.id.strip_prefix(&prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    if !name_ok {
        return Err(invalid(path, &e.id, "id", format!("must look like `{prefix}name` (lowercase, digits, `_`)")));
    }
    if e.title.trim().is_empty() {
        return Err(invalid(path, &e.id, "title", "is empty".into()));
    }
    if e.topics.is_empty() {
        return Err(invalid(path, &e.id, "topics", "names no study-plan topic".into()));
    }
    for t in &e.topics {
        if !topics.contains(t.as_str()) {
            return Err(invalid(
                path,
                &e.id,
                "topics",
                format!("unknown topic id `{t}` (see grader/course/topics.tsv)"),
            ));
        }
    }
    if !(e.points.is_finite() && e.points > 0.0) {
        return Err(invalid(path, &e.id, "points", format!("must be a positive number, got {}", e.points)));
    }
    let tol = e.tolerance.unwrap_or(DEFAULT_TOLERANCE);
    for (name, v) in [("atol", tol.atol), ("rtol", tol.rtol)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(invalid(path, &e.id, "tolerance", format!("{name} must be a finite number >= 0, got {v}")));
        }
    }
    if e.hints.is_empty() {
        return Err(invalid(path, &e.id, "hints", "needs at least one hint".into()));
    }
    // A statically judged exercise's file is the first of its `static_files`.
    let judged_as_text = e.static_files.first().is_some_and(|f| *f == e.file);
    if !judged_as_text && (!e.file.starts_with("src/") || !e.file.ends_with(".rs")) {
        return Err(invalid(path, &e.id, "file", format!("must be a path like `src/module.rs`, got `{}`", e.file)));
    }
    let speed = match e.speed {
        None => None,
        Some(s) => {
            let device = match s.device.as_str() {
                "cpu" => Device::Cpu,
                "cuda" => Device::Cuda,
                other => {
                    return Err(invalid(path, &e.id, "speed.device", format!("must be `cpu` or `cuda`, got `{other}`")))
                }
            };
            if !(s.max_ratio.is_finite() && s.max_ratio >= 1.0) {
                return Err(invalid(path, &e.id, "speed.max_ratio", format!("must be >= 1.0, got {}", s.max_ratio)));
            }
            if !(3..=51).contains(&s.rounds) {
                return Err(invalid(
                    path,
                    &e.id,
                    "speed.rounds",
                    format!("must be between 3 and 51, got {}", s.rounds),
                ));
            }
            if !(0.0..=1.0).contains(&s.weight) {
                return Err(invalid(path, &e.id, "speed.weight", format!("must be between 0 and 1, got {}", s.weight)));
            }
            Some(SpeedTarget { max_ratio: s.max_ratio, device, rounds: s.rounds, weight: s.weight })
        }
    };
    if suites.is_some_and(|s| !s.contains(e.id.as_str())) {
        return Err(invalid(path, &e.id, "id", "has no hidden suite in grader/suites".into()));
    }
    if let Some(t) = e.timeout_s {
        if !(t.is_finite() && t > 0.0) {
            return Err(invalid(path, &e.id, "timeout_s", format!("must be a positive number, got {t}")));
        }
    }
    let feedback = match e.feedback.as_deref() {
        None => Feedback::default(),
        Some(f) => Feedback::parse(f).ok_or_else(|| {
            invalid(path, &e.id, "feedback", format!("must be `values`, `errors` or `label`, got `{f}`"))
        })?,
    };
    for f in &e.forbid {
        let name = f.strip_prefix('.').unwrap_or(f);
        let ident = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return Err(invalid(
                path,
                &e.id,
                "forbid",
                format!("`{f}` must be a name (`candle_nn`, `Var`) or a method (`.backward`)"),
            ));
        }
    }
    for a in &e.allow {
        if !ALLOWABLE.contains(&a.as_str()) {
            return Err(invalid(
                path,
                &e.id,
                "allow",
                format!("`{a}` cannot be allowed to an exercise (only {}: the sandbox confines it to the scratch directory)", ALLOWABLE.join(", ")),
            ));
        }
    }
    for f in &e.static_files {
        let plain = !f.is_empty()
            && f.len() <= 100
            && Path::new(f).components().all(|c| matches!(c, std::path::Component::Normal(_)))
            && f.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
        if !plain {
            return Err(invalid(
                path,
                &e.id,
                "static_files",
                format!("`{f}` must be a relative path inside the crate (`Dockerfile`, `deploy/compose.yaml`)"),
            ));
        }
    }
    Ok(Exercise {
        id: e.id,
        stage: stage.to_string(),
        module: module.to_string(),
        title: e.title,
        topics: e.topics,
        points: e.points,
        file: e.file,
        function: e.function,
        tolerance: crate::compare::Tolerance::new(tol.atol, tol.rtol),
        hints: e.hints,
        speed,
        timeout_s: e.timeout_s,
        feedback,
        forbid: e.forbid,
        allow: e.allow,
        static_files: e.static_files,
        timed: e.timed,
        source: path.to_path_buf(),
        inputs: Vec::new(),
        outputs: Vec::new(),
    })
}

/// The system modules a manifest may allow an exercise: those the sandbox confines (files to the
/// scratch directory). `net`, `process` and the rest stay the grader's.
const ALLOWABLE: [&str; 1] = ["fs"];

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ManifestError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
    toml::from_str(&text).map_err(|e| ManifestError::Parse { path: path.to_path_buf(), message: e.to_string() })
}

fn load_topics(path: &Path) -> Result<Vec<Topic>, ManifestError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
    let mut topics = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(stage), Some(title)) => {
                topics.push(Topic { id: id.to_string(), stage: stage.to_string(), title: title.to_string() })
            }
            _ => {
                return Err(ManifestError::Parse {
                    path: path.to_path_buf(),
                    message: format!("line {}: expected `id<TAB>stage<TAB>title`", n + 1),
                })
            }
        }
    }
    Ok(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
    }

    /// A copy of the course's manifest in a temporary root, with empty crate manifests where the
    /// stages' crates live, and `edit` applied to one module file.
    fn course_copy(module: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        crate::intake::copy_tree(&root().join("grader/course"), &t.path().join("grader/course")).unwrap();
        crate::intake::copy_tree(&root().join("grader/probes"), &t.path().join("grader/probes")).unwrap();
        let crates = ["exercises", "projects"].into_iter().flat_map(|top| {
            std::fs::read_dir(root().join(top))
                .unwrap()
                .map(move |e| format!("{top}/{}", e.unwrap().file_name().to_string_lossy()))
        });
        for dir in crates {
            for side in [dir.to_string(), dir.replace("exercises", "solutions").replace("projects", "solutions")] {
                std::fs::create_dir_all(t.path().join(&side)).unwrap();
                std::fs::write(t.path().join(side).join("Cargo.toml"), "").unwrap();
            }
        }
        let p = t.path().join("grader/course").join(module);
        std::fs::write(&p, edit(std::fs::read_to_string(&p).unwrap())).unwrap();
        t
    }

    #[test]
    fn the_course_loads_with_every_suite() {
        let c = Course::load(&root(), &grader_suites::all()).unwrap();
        assert_eq!(c.exercises().count(), grader_suites::all().len());
        assert_eq!(c.stage("stage1").unwrap().student_dir, "exercises/stage1");
        assert_eq!(c.select("stage1.linalg.dot").len(), 1);
        assert!(c.select("stage1.linalg").len() > 1);
    }

    #[test]
    fn an_exercise_without_a_suite_is_refused_by_name() {
        let suites: Vec<_> = grader_suites::all().into_iter().filter(|s| s.id != "stage1.linalg.dot").collect();
        let e = Course::load(&root(), &suites).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("no hidden suite"), "{e}");
    }

    #[test]
    fn a_suite_without_an_exercise_is_refused_by_name() {
        let t = course_copy("stage1/linalg.toml", |s| {
            s.replacen("id = \"stage1.linalg.dot\"", "id = \"stage1.linalg.dot_renamed\"", 1)
        });
        // The renamed entry has no suite: refused first, naming it.
        let e = Course::load(t.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot_renamed"), "{e}");
        // With a suite under the new name, the old suite is the orphan, named.
        let mut suites = grader_suites::all();
        let mut extra = *suites.iter().find(|s| s.id == "stage1.linalg.dot").unwrap();
        extra.id = "stage1.linalg.dot_renamed";
        suites.push(extra);
        let e = Course::load(t.path(), &suites).unwrap_err().to_string();
        assert!(e.contains("hidden suite `stage1.linalg.dot` has no exercise"), "{e}");
    }

    /// `course_copy` with `edit` applied to one of the glue's source files as well.
    fn with_glue(t: tempfile::TempDir, file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
        let p = t.path().join("grader/probes").join(file);
        std::fs::write(&p, edit(std::fs::read_to_string(&p).unwrap())).unwrap();
        t
    }

    #[test]
    fn glue_manifest_and_suites_must_agree_and_a_disagreement_names_the_exercise() {
        let dot = "\"stage1.linalg.dot\" => |a: &[f64], b: &[f64]| linalg::dot(a, b);";
        // A manifest entry without a glue line.
        let t = with_glue(course_copy("stage1/linalg.toml", |s| s), "stage1/src/linalg.rs", |s| {
            assert!(s.contains(dot));
            s.replacen(dot, "", 1)
        });
        let e = Course::load(t.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("has no glue line"), "{e}");
        // A glue line without a manifest entry (nor a suite naming it as its baseline).
        let extra = "\"stage1.linalg.dot_twice\" => |a: &[f64]| linalg::dot(a, a);";
        let t = with_glue(course_copy("stage1/linalg.toml", |s| s), "stage1/src/linalg.rs", |s| {
            s.replacen(dot, &format!("{dot}\n    {extra}"), 1)
        });
        let e = Course::load(t.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("glue line `stage1.linalg.dot_twice`") && e.contains("linalg.rs:"), "{e}");
        // ... which is fine once a suite names it as a baseline, and that baseline is answered.
        let mut suites = grader_suites::all();
        suites.iter_mut().find(|s| s.id == "stage1.linalg.dot").unwrap().baseline = Some("stage1.linalg.dot_twice");
        Course::load(t.path(), &suites).unwrap();
        // A baseline no glue line answers.
        suites.iter_mut().find(|s| s.id == "stage1.linalg.dot").unwrap().baseline = Some("stage1.linalg.dot_lib");
        let e = Course::load(&root(), &suites).unwrap_err().to_string();
        assert!(e.contains("`stage1.linalg.dot`") && e.contains("baseline `stage1.linalg.dot_lib`"), "{e}");
        // The manifest's function is not the one the glue calls.
        let t =
            course_copy("stage1/linalg.toml", |s| s.replacen("function = \"dot\"", "function = \"dot_product\"", 1));
        let e = Course::load(t.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("`dot_product` is not called by its glue line"), "{e}");
        // Input and output names come from the glue line.
        let c = Course::load(&root(), &grader_suites::all()).unwrap();
        assert_eq!(c.exercise("stage1.linalg.power_iteration").unwrap().inputs, ["a", "iterations", "tol"]);
    }

    #[test]
    fn duplicates_unknown_topics_and_bad_fields_name_the_exercise() {
        let dup = course_copy("stage1/linalg.toml", |s| {
            let first = s.find("[[exercise]]").unwrap();
            let second = s[first + 1..].find("[[exercise]]").unwrap() + first + 1;
            format!("{s}\n{}", &s[first..second])
        });
        let e = Course::load(dup.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("declared twice"), "{e}");
        let topic = course_copy("stage1/linalg.toml", |s| s.replacen("s1.linalg.vectors", "s1.nowhere", 1));
        let e = Course::load(topic.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("s1.nowhere"), "{e}");
        let points = course_copy("stage1/linalg.toml", |s| s.replacen("points = 2", "points = -2", 1));
        let e = Course::load(points.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage1.linalg.dot") && e.contains("points"), "{e}");
        // Only `fs` may be allowed to an exercise: the sandbox confines files, not sockets.
        let net =
            course_copy("stage6/registry.toml", |s| s.replacen("allow = [\"fs\"]", "allow = [\"fs\", \"net\"]", 1));
        let e = Course::load(net.path(), &grader_suites::all()).unwrap_err().to_string();
        assert!(e.contains("stage6.registry.lifecycle") && e.contains("`net` cannot be allowed"), "{e}");
    }

    /// `course.toml` with `rubric` (TOML lines of `[[stage.rubric]]` tables) under stage1.
    fn with_rubric(rubric: String) -> tempfile::TempDir {
        course_copy("course.toml", move |s| {
            let stage2 = s.find("id = \"stage2\"").unwrap();
            let at = s[..stage2].rfind("[[stage]]").unwrap();
            format!("{}{rubric}\n{}", &s[..at], &s[at..])
        })
    }

    /// (Loaded without the hidden suites: the rubric is the manifest's alone.)
    #[test]
    fn rubric_items_load_in_order_and_bad_ones_are_refused_by_name() {
        let item = |id: &str, points: &str| {
            format!("[[stage.rubric]]\nid = \"{id}\"\ntitle = \"T {id}\"\npoints = {points}\n")
        };
        let good = format!("{}{}{}", item("design", "10"), item("code_quality", "10"), item("presentation", "2.5"));
        let t = with_rubric(good);
        let c = Course::load_for_authoring(t.path()).unwrap();
        let r = &c.stage("stage1").unwrap().rubric;
        assert_eq!(
            r.iter().map(|i| (i.id.as_str(), i.points)).collect::<Vec<_>>(),
            [("design", 10.0), ("code_quality", 10.0), ("presentation", 2.5)]
        );
        assert_eq!(r[0].title, "T design");
        assert!(c.stage("stage2").unwrap().rubric.is_empty());
        for (rubric, needle) in [
            (format!("{}{}", item("design", "10"), item("design", "5")), "declared twice"),
            (item("Design", "10"), "`id` must be lowercase"),
            (item("code-quality", "10"), "`id` must be lowercase"),
            (item("student", "10"), "cannot be `student`"),
            (item("design", "0"), "`points` must be more than 0"),
            (item("design", "-3"), "`points` must be more than 0"),
            ("[[stage.rubric]]\nid = \"design\"\ntitle = \" \"\npoints = 1\n".to_string(), "`title` is empty"),
        ] {
            let t = with_rubric(rubric);
            let e = Course::load_for_authoring(t.path()).unwrap_err().to_string();
            assert!(
                e.contains("course.toml") && e.contains("stage `stage1`: rubric item") && e.contains(needle),
                "{e}"
            );
        }
        let t = with_rubric("[[stage.rubric]]\nid = \"design\"\ntitle = \"T\"\npoints = 1\nweight = 2\n".into());
        let e = Course::load_for_authoring(t.path()).unwrap_err().to_string();
        assert!(e.contains("weight"), "{e}");
        // The final project's own items, when the course has the final project.
        if let Some(fin) = Course::load_for_authoring(&root()).unwrap().stage("final") {
            let ids: Vec<(&str, f64)> = fin.rubric.iter().map(|i| (i.id.as_str(), i.points)).collect();
            assert_eq!(ids, [("design", 10.0), ("code_quality", 10.0), ("presentation", 5.0)]);
        }
    }
}
