//! Stage 2 hidden suites, one module per part of the stage.

use crate::suite::ExerciseSuite;

mod data;
mod metrics;
mod models;
mod problems;
mod rl;

pub fn suites() -> Vec<ExerciseSuite> {
    [data::suites(), metrics::suites(), problems::suites(), models::suites(), rl::suites()].concat()
}
