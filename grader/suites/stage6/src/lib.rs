//! Stage 6 hidden suites, one module per week.
//!
//! Most outputs are exact or numbers to a stated tolerance: compared with the reference's part
//! by part, a failure naming the first difference without quoting a hidden value
//! ([`grader_suite_api::exact`]).

#![allow(clippy::result_large_err)]

use grader_suite_api::exact::exact;
use grader_suite_api::suite::ExerciseSuite;

pub fn suites() -> Vec<ExerciseSuite> {
    [
        drift::suites(),
        monitor::suites(),
        cache::suites(),
        abtest::suites(),
        scale::suites(),
        tracking::suites(),
        versioning::suites(),
        repro::suites(),
        queue::suites(),
        gate::suites(),
        container::suites(),
        edge::suites(),
        formats::suites(),
        features::suites(),
        registry::suites(),
        serving::suites(),
        quality::suites(),
    ]
    .concat()
}

mod abtest;
mod cache;
mod container;
mod drift;
mod edge;
mod features;
mod formats;
mod gate;
mod monitor;
mod quality;
mod queue;
mod registry;
mod repro;
mod scale;
mod serving;
mod tracking;
mod versioning;
