//! Stage 3 — neural-network fundamentals, on candle.
//!
//! Conventions for the whole stage:
//! - numbers travel as [`candle_core::Tensor`]s. A batch of inputs is a 2-D tensor of shape
//!   `(batch, features)`, one row per sample; a dense layer's weight is `(out, in)` and its bias
//!   `(out,)`, exactly as in `candle_nn::Linear`, so that `y = x · Wᵀ + b`;
//! - a function works on the dtype and the device of its inputs (it never moves data to the CPU
//!   or changes the dtype on its own). The grader sends `F64` tensors on the CPU, so that
//!   gradients can be checked to many digits; GPU speed targets send `F32` tensors on CUDA;
//! - where candle offers the operation (`matmul`, `exp`, `broadcast_add`, `sum_keepdim`...), use
//!   it: the point is to write the *maths* yourself, not to loop over elements. Where an exercise
//!   says "from scratch", candle-nn's own version of the function is not allowed: the grader
//!   reads the module's file for the names the exercise forbids (`candle_nn`, candle's `Var`,
//!   `GradStore`, `.backward()`, as listed in the stage's README) and scores it 0 if it finds one;
//! - functions return [`candle_core::Result`] so that `?` works on every tensor operation; an
//!   input the function must refuse on purpose gets its own error enum in its module, and the
//!   grader compares the error *variant*;
//! - anything random (weight initialisation, shuffles, mini-batches) takes the provided
//!   [`rng::Rng`], so that the same seed gives the same numbers on every machine.
//!
//! Modules: [`perceptron`] (the perceptron, its limits, the MLP as a graph), [`activations`]
//! (activation functions and their derivatives), [`forward`] (batched forward passes,
//! initialisation, input normalisation), [`backprop`] (gradients by hand, gradient checking,
//! vanishing gradients), [`optim`] (optimisers and learning-rate schedules), [`autograd`] (a
//! small automatic differentiation engine of your own).

// The stubs do not use their arguments yet; delete this line once everything is solved.
#![allow(unused_variables)]

pub mod activations;
pub mod autograd;
pub mod backprop;
pub mod forward;
pub mod optim;
pub mod perceptron;
pub mod rng;

pub use candle_core;
pub use candle_nn;
