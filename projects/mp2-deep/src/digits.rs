//! Task "digits": read handwritten digits. Given 28×28 greyscale images of the digits 0 to 9
//! and their labels, train a network that names the digit of images it has never seen. The
//! grader calls exactly two things: [`train`] and [`Model::predict`]; everything else in this
//! module is yours to shape (change [`Config`], the fields of [`Model`], add modules).
//!
//! A plan that works (one possible model among many):
//! 1. a small convolutional network, LeNet's shape: `conv 5×5 → ReLU → max-pool 2` twice (a few
//!    channels each: the images are small and simple), then flatten and one linear layer to 10
//!    logits. Shapes: `(n, 1, 28, 28) → (n, c1, 24, 24) → (n, c1, 12, 12) → (n, c2, 8, 8) →
//!    (n, c2, 4, 4) → (n, 16 c2) → (n, 10)`. A multilayer perceptron on the 784 pixels
//!    (`flatten_from(1)`) is simpler and trains faster, but it scores a few points lower;
//! 2. weights drawn from [`crate::rng::Rng`] (He initialisation: standard deviation
//!    `sqrt(2 / fan_in)`, where a convolution's fan-in is `in_channels · k · k`), in
//!    `candle_core::Var`s that an optimiser can update; biases zero;
//! 3. a training loop over shuffled mini-batches (`index_select` picks a batch's images):
//!    logits → `candle_nn::loss::cross_entropy` → `optimiser.backward_step` with
//!    `candle_nn::AdamW`, a few epochs. Record the mean loss of each epoch: [`train`] returns
//!    them, and the report draws them as your training curve.
//!
//! **Reproducibility is graded**: training twice with the same seed must give exactly the same
//! losses and predictions. candle's CPU operations are deterministic; candle's random tensors
//! (`Tensor::randn`, and the default initialisers behind `candle_nn::conv2d`/`linear` with a
//! `VarBuilder`) are not seeded, so draw your initial weights with
//! [`crate::rng::Rng::normal_tensor`] and shuffle with the same generator.
//!
//! **Time is graded too**: one training has 60 seconds on one core of the grader's machine.
//! Convolutions are the costly part (on a CPU, about as many multiply-adds per image as
//! `out_h · out_w · out_channels · in_channels · k · k`, three times that to train): count
//! before you widen.
//!
//! Try it: `cargo run --release -p mp2 --example try`. Grade it: `grader check mp2.digits`.

// The stubs do not use their arguments yet (and `Model` has a placeholder field); delete these
// lines once the project works.
#![allow(unused_variables, dead_code)]

use candle_core::{Result, Tensor};

/// Everything that decides a training run. [`train`] uses [`Config::new`]'s values, so this is
/// where your hyper-parameters live; the values below are a starting point, not a promise.
/// Add, remove or rename fields as your model needs: the grader never looks inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seeds everything random in training (initial weights, shuffles).
    pub seed: u64,
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per gradient step.
    pub batch_size: usize,
    pub learning_rate: f64,
}

impl Config {
    /// The settings [`train`] uses.
    pub fn new(seed: u64) -> Config {
        Config { seed, epochs: 3, batch_size: 32, learning_rate: 0.001 }
    }
}

/// A trained network. Replace the placeholder field with what prediction needs: the layers'
/// weights and biases (`Tensor`s that share the storage of the `Var`s you trained, or
/// `candle_nn::Conv2d` / `candle_nn::Linear` built on them).
#[derive(Debug, Clone)]
pub struct Model {
    _todo: (),
}

/// Trains a network, every random choice drawn from `seed`. The grader calls this.
///
/// - `images`: the training images, an `(n, 1, 28, 28)` `F32` tensor on the CPU, pixel values
///   in `[0, 1]` (0 background, 1 full ink): one channel, 28 rows, 28 columns;
/// - `labels`: the `n` digits, each in `0..10`;
/// - `seed`: the same seed must give the same model and the same losses, bit for bit.
///
/// Returns the model and the training curve: the mean cross-entropy over the training images
/// (or the mean of the mini-batches' losses) in each epoch, one number per epoch, in order.
///
/// Return an error (`candle_core::bail!("...")`) for inputs that make no sense: no images,
/// images of another shape, a number of labels different from `n`, a label `>= 10`.
pub fn train(images: &Tensor, labels: &[u32], seed: u64) -> Result<(Model, Vec<f64>)> {
    train_with(images, labels, &Config::new(seed))
}

/// [`train`] with explicit settings: handy to compare hyper-parameters locally.
pub fn train_with(images: &Tensor, labels: &[u32], config: &Config) -> Result<(Model, Vec<f64>)> {
    todo!()
}

impl Model {
    /// The most likely digit of each image of `images` (`(m, 1, 28, 28)`, `F32`, as in
    /// training): `m` labels in `0..10`, the argmax of the logits (`argmax(D::Minus1)`, then
    /// `to_vec1::<u32>()`). The grader asks for 1000 images at once: predict them in chunks of a
    /// few hundred (`narrow`) if your network's activations are large.
    pub fn predict(&self, images: &Tensor) -> Result<Vec<u32>> {
        todo!()
    }
}
