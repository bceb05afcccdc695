//! The API a course author writes hidden suites against, and nothing else: a [`suite::Case`] (an
//! input with a label), a seeded [`suite::Gen`], an [`suite::ExerciseSuite`] (how cases are made,
//! how outputs are judged, what is timed), [`suite::Failure`] and [`compare::Tolerance`], and
//! the one comparison of numbers ([`compare`]). Stage suites (`grader/suites/<stage>`) depend on
//! this crate only; the engine depends on it to run them, and never on a stage.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case, never
// on a hot path.
#![allow(clippy::result_large_err)]

pub mod compare;
pub mod data;
pub mod exact;
pub mod service;
pub mod stats;
pub mod suite;
