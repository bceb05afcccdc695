//! The grading engine: the course manifest, building probes, running cases across the process
//! boundary, comparing numbers, timing against the reference, scoring. It names no stage: the
//! hidden suites are crates of their own (`grader/suites/<stage>`), written against
//! `grader-suite-api` (re-exported here as `suite` and `compare`) and handed to [`run`] by the
//! caller from the one registry, `grader-suites`.
//!
//! The engine never links student code. It builds a probe from the student's sources and one
//! from the reference, sends both the same inputs, and decides every verdict itself.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case, never
// on a hot path.
#![allow(clippy::result_large_err)]

pub mod builder;
pub mod datasets;
pub mod dependency;
pub mod dev;
pub mod feedback;
pub mod gate;
pub mod glue;
pub mod intake;
pub mod load;
pub mod loopback;
pub mod manifest;
pub mod probe;
pub mod run;
pub mod service;
pub mod speed;

pub use grader_suite_api::{compare, suite};

pub use builder::Role;
pub use manifest::{Course, Device};
pub use run::{run, Event, Observer, RunConfig};
