//! The instructor's gradebook: what `grader batch` grades goes here, one row per grading, as
//! each submission finishes, so that a batch killed half-way resumes where it stopped.
//!
//! - [`db`]: the SQLite gradebook (schema, resume bookkeeping, regrade history, shard merge);
//! - [`submissions`]: finding the submissions in a folder or a list, and turning a directory, a
//!   git repository, a `.tar.gz` or a `.zip` into a course checkout the engine can grade;
//! - [`policy`]: deadlines, late penalties and per-student extensions;
//! - [`export`]: the CSVs an LMS imports (Canvas, Moodle), per-student HTML, JSON and Gradescope
//!   `results.json`, and the class overview page;
//! - [`similarity`]: pairs of submissions whose code is suspiciously alike, for a person to review;
//! - [`rubric`]: manual rubric items (a design write-up, a presentation) the instructor scores,
//!   kept with who entered them and when, and added to the automatic score in every export.
//!
//! This crate never runs student code and never links the engine: it stores and presents the
//! [`grader_report::Report`]s the engine produced.

pub mod db;
pub mod export;
pub mod location;
pub mod policy;
pub mod rubric;
pub mod similarity;
pub mod submissions;
mod svg;

pub use db::{ExerciseInfo, Gradebook, GradingRecord, Outcome, StudentRow};
pub use policy::Policy;
pub use rubric::{NewScore, RubricEntry, RubricItem};
