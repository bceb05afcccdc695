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
    if !e.file.starts_with("src/") || !e.file.ends_with(".rs") {
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
}
