//! The grading engine: the course manifest, the hidden suites, building probes, running cases
//! across the process boundary, comparing numbers, timing against the reference, scoring.
//!
//! The engine never links student code. It builds a probe from the student's sources and one
//! from the reference, sends both the same inputs, and decides every verdict itself.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case, never
// on a hot path.
#![allow(clippy::result_large_err)]

pub mod builder;
pub mod compare;
pub mod gate;
pub mod intake;
pub mod manifest;
pub mod probe;
pub mod run;
pub mod speed;
pub mod suite;
pub mod suites;

pub use builder::Role;
pub use manifest::{Course, Device};
pub use run::{run, Event, Observer, RunConfig};
