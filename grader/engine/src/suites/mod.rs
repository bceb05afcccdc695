//! Every hidden suite of the course, by stage.

use crate::suite::ExerciseSuite;

pub mod mp1;
pub mod stage1;
pub mod stage2;
pub mod stage3;

/// All suites, in manifest order within each module.
pub fn all() -> Vec<ExerciseSuite> {
    [stage1::suites(), stage2::suites(), stage3::suites(), mp1::suites()].concat()
}
