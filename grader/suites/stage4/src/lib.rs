//! stage4 hidden suites, one module per week.

#![allow(clippy::result_large_err)]

use grader_suite_api::suite::ExerciseSuite;

pub fn suites() -> Vec<ExerciseSuite> {
    [
        norm::suites(),
        stability::suites(),
        reg::suites(),
        arch::suites(),
        blocks::suites(),
        hparams::suites(),
        transfer::suites(),
    ]
    .concat()
}
mod arch;
mod blocks;
mod hparams;
mod norm;
mod reg;
mod stability;
mod transfer;
