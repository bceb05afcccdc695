//! Stage 1 hidden suites, one module per week.

use crate::suite::ExerciseSuite;

mod calculus;
mod linalg;
mod probability;
mod statistics;

pub fn suites() -> Vec<ExerciseSuite> {
    [linalg::suites(), calculus::suites(), probability::suites(), statistics::suites()].concat()
}
