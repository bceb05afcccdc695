//! stage7 hidden suites, one module per week: services (`api`, `batching`, `jobs`, `recover`,
//! `resilient`, `secure`) and pure functions (`breaker`, `stream`, `privacy`).
//!
//! Most outputs here are exact (integers, flags, names of states, lists): they are compared
//! with the reference's exactly, part by part as the glue line names them, and a failure says
//! where the first difference is (the part, the entry, the lengths) without quoting a hidden
//! value: see [`exact`].

#![allow(clippy::result_large_err)]

pub(crate) use grader_suite_api::exact::exact;
use grader_suite_api::suite::ExerciseSuite;

pub fn suites() -> Vec<ExerciseSuite> {
    [
        api::suites(),
        batching::suites(),
        jobs::suites(),
        perf::suites(),
        recover::suites(),
        resilient::suites(),
        secure::suites(),
        breaker::suites(),
        stream::suites(),
        privacy::suites(),
    ]
    .concat()
}

mod api;
mod batching;
mod breaker;
mod jobs;
mod perf;
mod privacy;
mod recover;
mod resilient;
mod secure;
mod stream;
mod trained;
