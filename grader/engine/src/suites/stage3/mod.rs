//! Stage 3 hidden suites, one module per part of the stage.

mod activations;
mod autograd;
mod backprop;
mod forward;
mod optim;
mod perceptron;

use crate::suite::ExerciseSuite;

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
