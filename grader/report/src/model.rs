//! The report model: a run, its exercises, their cases.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One run of the grader over a selection of exercises.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Report {
    /// Version of this schema; see `SCHEMA_VERSION`.
    pub schema_version: u32,
    /// Version of the grader that wrote the report.
    pub grader_version: String,
    /// What was asked for: `stage1`, `stage1.linalg.matmul`, `--all`...
    pub selection: String,
    /// Seed the hidden cases were generated from; `--seed` replays it.
    pub seed: u64,
    /// Path of the graded submission.
    pub submission: String,
    /// `student` or `reference`.
    pub role: String,
    /// Device asked for: `cpu` or `cuda`.
    pub device: String,
    /// Sum of exercise scores.
    pub score: f64,
    /// Sum of exercise maxima: what could be earned on the machine that graded.
    pub max_score: f64,
    /// Points of GPU speed targets left out of `max_score` because no CUDA device could run
    /// them here (reported per exercise as `needs_gpu`); `--device cuda` on a GPU earns them.
    #[serde(default)]
    pub gpu_points_pending: f64,
    /// How the build of the submission went.
    pub build: BuildResult,
    pub exercises: Vec<ExerciseResult>,
    /// Counts by exercise status.
    pub summary: Summary,
    /// Wall time of the whole run, in seconds.
    pub duration_s: f64,
    /// How the processes that ran the submission's code were confined.
    #[serde(default)]
    pub sandbox: Option<SandboxReport>,
    /// Files of the course (public tests, the manifest, the grader's own files) that the
    /// submission changed; absent when the check was not made (a partial checkout).
    #[serde(default)]
    pub integrity: Option<Integrity>,
}

/// Tamper evidence: the course's files in the submission compared with their fingerprints.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Integrity {
    /// Where the fingerprints came from: `bundle` (the grader bundle's, authoritative), `course`
    /// (computed from the grading course checkout) or `repository` (the submission's own copy,
    /// which the submission could have changed too).
    pub source: String,
    /// How many fingerprinted files were compared.
    pub checked: usize,
    /// The files that differ; empty when nothing was changed.
    pub changed: Vec<ChangedFile>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ChangedFile {
    /// Path relative to the submission's root.
    pub path: String,
    /// `modified`, `deleted` or `added`.
    pub change: String,
    /// What the file is: `public test`, `course manifest`, `grader`...
    pub kind: String,
}

/// The sandbox around the processes that ran student code, layer by layer.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct SandboxReport {
    /// True only when every layer was enforced. A grade that is not fully sandboxed is
    /// advisory: run it again where every layer is available.
    pub fully_sandboxed: bool,
    pub layers: Vec<SandboxLayer>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct SandboxLayer {
    /// `process-group`, `resource-limits`, `unprivileged-user`, `neutral-environment`,
    /// `network-namespace`, `no-new-privileges`, `landlock`, `seccomp`.
    pub name: String,
    pub enforced: bool,
    pub detail: String,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub not_started: usize,
    pub build_failed: usize,
    #[serde(default)]
    pub forbidden: usize,
}

/// Outcome of compiling the submission's crate(s).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct BuildResult {
    pub ok: bool,
    pub duration_s: f64,
    /// Compiler errors (and warnings in the student's files), with file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Why the submission was refused before building (forbidden API, its own build
    /// configuration); empty when it was accepted.
    #[serde(default)]
    pub violations: Vec<Violation>,
}

/// Something in the submission the grader refuses to build or run.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Violation {
    /// Path relative to the submission.
    pub file: String,
    /// 1-based line, 0 when the whole file is meant.
    pub line: u32,
    pub column: u32,
    /// Rule name: `unsafe`, `forbidden-api`, `forbidden-macro`, `forbidden-attribute`, `ffi`,
    /// `std-alias`, `build-config`, `unparseable`; on an exercise, `from-scratch`.
    pub rule: String,
    pub message: String,
}

/// One compiler message.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub level: String,
    pub message: String,
    /// Path relative to the submission, e.g. `exercises/stage1/src/linalg.rs`.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The compiler's full rendering, as a terminal would show it.
    pub rendered: String,
}

/// Status of an exercise.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseStatus {
    /// Every case and the speed target (if any) passed. A GPU target that could not run on
    /// this machine is left out of the exercise's maximum and its speed says `needs_gpu`.
    Passed,
    /// At least one case or the speed target failed.
    Failed,
    /// Every case hit `todo!()`: the exercise has not been started.
    NotStarted,
    /// The crate did not compile, so nothing ran.
    BuildFailed,
    /// The submission uses a forbidden API or brings its own build configuration: refused
    /// before building, nothing ran. Or (with `violations` on the exercise) the exercise's file
    /// uses what the exercise is about, where it is to be written from scratch: its cases ran
    /// and are shown, but it scores 0.
    Forbidden,
}

/// The result of one exercise.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ExerciseResult {
    /// Exercise id, e.g. `stage1.linalg.matmul`.
    pub id: String,
    pub title: String,
    /// Study-plan topic ids this exercise trains.
    pub topics: Vec<String>,
    pub status: ExerciseStatus,
    pub score: f64,
    pub max_score: f64,
    /// Tolerance used for comparisons.
    pub atol: f64,
    pub rtol: f64,
    pub cases: Vec<CaseResult>,
    /// The speed check, when the exercise has a target.
    pub speed: Option<SpeedResult>,
    /// The first hint, shown when the exercise did not pass.
    pub hint: Option<String>,
    pub duration_s: f64,
    /// What this exercise's file may not use and does (rule `from-scratch`): the exercise is
    /// `forbidden` and scores 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// Status of one hidden case.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Passed,
    /// Returned, but the output is wrong (shape, value or error variant).
    Wrong,
    /// Hit `todo!()` / `unimplemented!()`.
    NotImplemented,
    Panicked,
    /// Did not answer within the time limit; the probe was killed.
    TimedOut,
    /// Overflowed its stack.
    StackOverflow,
    /// Exceeded the memory limit.
    OutOfMemory,
    /// The probe died another way: abort, signal, or an exit before answering.
    Crashed,
    /// Not run: the build failed, or an earlier case of the exercise ran out of time or memory
    /// (the message says which).
    Skipped,
}

/// The result of one hidden case.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// Index of the case within the exercise.
    pub index: usize,
    /// What kind of input this is, e.g. `random 7x5 times 5x3`, `singular 3x3`.
    pub label: String,
    pub status: CaseStatus,
    /// Why it did not pass, in words.
    pub message: Option<String>,
    /// Numeric comparison details, when values were compared.
    pub mismatch: Option<Mismatch>,
    /// Time of the student's call, milliseconds (grader's clock).
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub time_ms: Option<f64>,
    /// Time of the reference's call on the same input, milliseconds.
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub reference_ms: Option<f64>,
    /// Numbers worth showing side by side (accuracy of yours, the reference's, linfa's...).
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Pictures of this case (ROC curves, learning curves, confusion matrices).
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// A named number of the student's output next to the reference's and a baseline's.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub student: f64,
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub reference: Option<f64>,
    /// The library baseline's value (for example linfa's), when the exercise has one.
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub baseline: Option<f64>,
    /// Which library the baseline is.
    pub baseline_name: Option<String>,
}

/// A picture for the HTML report: curves (`lines`) or a matrix of numbers (`heatmap`).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Figure {
    pub title: String,
    /// `lines` or `heatmap`.
    pub kind: String,
    pub x_label: String,
    pub y_label: String,
    /// For `lines`: each curve's name and points.
    #[serde(default)]
    pub series: Vec<Series>,
    /// For `heatmap`: rows of values, and the labels of rows and columns.
    #[serde(default, with = "crate::num::rows")]
    #[schemars(with = "Vec<Vec<crate::num::Number>>")]
    pub matrix: Vec<Vec<f64>>,
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    #[serde(with = "crate::num::points")]
    #[schemars(with = "Vec<[crate::num::Number; 2]>")]
    pub points: Vec<[f64; 2]>,
}

/// Where and by how much a numeric output differs from the expected one.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Path inside the output, e.g. `.1` for the second element of a tuple; empty at top level.
    pub path: String,
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub max_abs_error: f64,
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub max_rel_error: f64,
    /// Index of the worst element (row, col for a matrix).
    pub worst_index: Vec<usize>,
    /// Number of elements outside the tolerance, and of elements compared.
    pub bad_count: usize,
    pub total_count: usize,
    /// A few (index, expected, got) samples, worst first.
    pub samples: Vec<Sample>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Sample {
    pub index: Vec<usize>,
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub expected: f64,
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub got: f64,
}

/// Speed of the student's code relative to the reference, measured side by side.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct SpeedResult {
    /// `passed`, `failed`, `needs_gpu` or `not_measured`.
    pub status: SpeedStatus,
    /// `cpu` or `cuda`.
    pub device: String,
    /// The input the timing used, in words.
    pub label: String,
    /// Largest allowed median ratio of student time to reference time.
    #[serde(with = "crate::num")]
    #[schemars(with = "crate::num::Number")]
    pub max_ratio: f64,
    /// Median over rounds of student time / reference time.
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub median_ratio: Option<f64>,
    /// Per-round ratios.
    #[serde(with = "crate::num::vec")]
    #[schemars(with = "Vec<crate::num::Number>")]
    pub ratios: Vec<f64>,
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub student_median_ms: Option<f64>,
    #[serde(default, with = "crate::num::opt")]
    #[schemars(with = "Option<crate::num::Number>")]
    pub reference_median_ms: Option<f64>,
    pub message: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SpeedStatus {
    Passed,
    Failed,
    /// A GPU target on a machine without one (or a grader built without `cuda`).
    NeedsGpu,
    /// Not timed because the exercise's outputs were wrong.
    NotMeasured,
}

impl ExerciseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExerciseStatus::Passed => "passed",
            ExerciseStatus::Failed => "failed",
            ExerciseStatus::NotStarted => "not started",
            ExerciseStatus::BuildFailed => "build failed",
            ExerciseStatus::Forbidden => "forbidden",
        }
    }
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Passed => "passed",
            CaseStatus::Wrong => "wrong output",
            CaseStatus::NotImplemented => "not implemented",
            CaseStatus::Panicked => "panicked",
            CaseStatus::TimedOut => "timed out",
            CaseStatus::StackOverflow => "stack overflow",
            CaseStatus::OutOfMemory => "out of memory",
            CaseStatus::Crashed => "crashed",
            CaseStatus::Skipped => "skipped",
        }
    }
}
