//! Stage 3 hidden suites, one module per part of the stage.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case.
#![allow(clippy::result_large_err)]

mod activations;
mod autograd;
mod backprop;
mod forward;
mod optim;
mod perceptron;

use grader_suite_api::suite::ExerciseSuite;

pub fn suites() -> Vec<ExerciseSuite> {
    [
        perceptron::suites(),
        activations::suites(),
        forward::suites(),
        backprop::suites(),
        optim::suites(),
        autograd::suites(),
    ]
    .concat()
}
