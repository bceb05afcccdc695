//! Stage 2 hidden suites, one module per part of the stage.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case.
#![allow(clippy::result_large_err)]

use grader_suite_api::suite::ExerciseSuite;

mod data;
mod metrics;
mod models;
mod problems;
mod rl;

pub fn suites() -> Vec<ExerciseSuite> {
    [data::suites(), metrics::suites(), problems::suites(), models::suites(), rl::suites()].concat()
}
