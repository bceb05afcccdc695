//! Mini-project 1's hidden evaluation (being written).

use crate::suite::ExerciseSuite;

pub fn suites() -> Vec<ExerciseSuite> {
    Vec::new()
}
