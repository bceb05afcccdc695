//! Glue for `stage4::blocks`: a dense block's layers travel as a list of `(W, b)` pairs; so do a
//! deep network's, with the activation by name. Training runs the same weights twice, plain and
//! residual, so that one case shows both curves.

use crate::convert::{Layers, Stage4};
use candle_core::Tensor;
use grader_protocol::Value;
use stage4::blocks::{self, Activation};

probe_runtime::glue! { Stage4;
    "stage4.blocks.residual_block" => |x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor| {
        blocks::residual_block(&x, &w1, &b1, &w2, &b2)
    };
    "stage4.blocks.dense_block" => |x: Tensor, layers: Layers| blocks::dense_block(&x, &layers.0);
    "stage4.blocks.gradient_norms" => |layers: Layers, activation: &str, residual: bool, x: Tensor, y: Tensor| {
        blocks::gradient_norms(&layers.0, act(activation), residual, &x, &y)
    } => (loss, norms);
    "stage4.blocks.train_deep" => |layers: Layers, activation: &str, x: Tensor, y: Tensor, lr: f64, steps: usize| {
        let run = |residual| blocks::train_deep(&layers.0, act(activation), residual, &x, &y, lr, steps);
        (run(false), run(true))
    } => (plain, residual);
}

fn act(name: &str) -> Activation {
    match name {
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "relu" => Activation::Relu,
        other => panic!("glue: no activation {other}"),
    }
}
