//! Every hidden suite of the course, by stage: the one registry the grader links. Each stage's
//! suites are a crate of their own beside it (`grader/suites/<stage>`), written against
//! `grader-suite-api` only; the engine names no stage.

use grader_suite_api::suite::ExerciseSuite;

/// All suites, stage by stage, in manifest order within each module.
pub fn all() -> Vec<ExerciseSuite> {
    [
        suites_stage1::suites(),
        suites_stage2::suites(),
        suites_stage3::suites(),
        suites_mp1::suites(),
        suites_stage4::suites(),
        suites_stage5::suites(),
        suites_mp2::suites(),
        suites_stage6::suites(),
        suites_mp3::suites(),
        suites_stage7::suites(),
        suites_final::suites(),
    ]
    .concat()
}
