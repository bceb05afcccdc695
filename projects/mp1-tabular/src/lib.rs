//! Mini-project 1: classification on tabular data.
//!
//! Write a classifier with candle: given a table of numeric features and a class per row, learn
//! to predict the class of rows it has never seen. The grader calls exactly three things:
//! [`train`], [`Model::predict`] and [`Model::predict_proba`]; everything else in this crate is
//! yours to shape (change [`Config`], the fields of [`Model`], add modules under `src/`).
//! Read `projects/mp1-tabular/README.md` first: the task, the data, how it is graded, the
//! time budget, and what is allowed.
//!
//! A plan that works (one possible model among many):
//! 1. **standardise** each feature with the mean and standard deviation of the *training* rows,
//!    keep both in the model, and apply the same transform to the rows you predict. The grader
//!    sends raw features on very different scales (an area near 1000 next to a smoothness near
//!    0.1), in a hidden column order, each column rescaled and shifted by hidden amounts;
//! 2. a small network: `candle_nn::Linear` layers with an activation in between (a softmax
//!    regression, i.e. one `Linear`, is a fine start), weights initialised from [`rng::Rng`]
//!    (Xavier or He), wrapped in `candle_core::Var`s that an optimiser can update;
//! 3. a training loop: logits → `candle_nn::loss::cross_entropy` → `optimiser.backward_step`
//!    with `candle_nn::AdamW` (or `candle_nn::SGD`), full batch or mini-batches shuffled with
//!    the seeded `Rng`.
//!
//! **Reproducibility is graded**: training twice with the same seed must give exactly the same
//! probabilities. candle's CPU operations are deterministic; candle's random tensors
//! (`Tensor::randn`, and the default initialisers behind `candle_nn::linear` + `VarBuilder`)
//! are not seeded, so draw your initial weights with [`rng::Rng::normal_tensor`] and build the
//! layers yourself: `Linear::new(weight_var.as_tensor().clone(), Some(bias_var.as_tensor().clone()))`.
//!
//! Try it: `cargo run --release -p mp1 --example try` (breast cancer) or `... -- wine`.
//! Grade it: `grader check mp1`.

// The stubs do not use their arguments yet (and `Model` has a placeholder field); delete these
// lines once the project works.
#![allow(unused_variables, dead_code)]

pub mod data;
pub mod rng;

pub use candle_core;
pub use candle_nn;

use candle_core::{Result, Tensor};

/// Everything that decides a training run. [`train`] uses [`Config::new`]'s values, so this is
/// where your hyper-parameters live; the values below are a starting point, not a promise.
/// Add, remove or rename fields as your model needs: the grader never looks inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seeds everything random in training (initial weights, shuffles).
    pub seed: u64,
    /// Units in the hidden layer (if you have one).
    pub hidden: usize,
    /// Passes over the training rows.
    pub epochs: usize,
    pub learning_rate: f64,
    /// Strength of an L2 penalty on the weights (against overfitting a few hundred rows), if
    /// you add one: for example mean cross-entropy `+ l2 / (2 n) · Σ w²`.
    pub l2: f64,
}

impl Config {
    /// The settings [`train`] uses.
    pub fn new(seed: u64) -> Config {
        Config { seed, hidden: 16, epochs: 100, learning_rate: 0.01, l2: 0.0 }
    }
}

/// A trained classifier. Replace the placeholder field with what prediction needs, for example
/// the training means and standard deviations (`Tensor`s of shape `(1, d)`) and the layers
/// (`candle_nn::Linear`).
#[derive(Debug, Clone)]
pub struct Model {
    _todo: (),
}

/// Trains a classifier, every random choice drawn from `seed`. The grader calls this.
///
/// - `x`: the training rows, an `(n, d)` `F64` tensor on the CPU, raw (not standardised);
/// - `y`: the `n` class labels, each in `0..n_classes`;
/// - `n_classes`: the number of classes (2 for breast cancer, 3 for wine), even if a class
///   happened to have no training row;
/// - `seed`: the same seed must give the same model, bit for bit.
///
/// Return an error (`candle_core::bail!("...")`) for inputs that make no sense: no rows, a
/// number of labels different from `n`, a label `>= n_classes`.
pub fn train(x: &Tensor, y: &[u32], n_classes: usize, seed: u64) -> Result<Model> {
    train_with(x, y, n_classes, &Config::new(seed))
}

/// [`train`] with explicit settings: handy to compare hyper-parameters locally.
pub fn train_with(x: &Tensor, y: &[u32], n_classes: usize, config: &Config) -> Result<Model> {
    todo!()
}

impl Model {
    /// Class probabilities for raw rows `x` (`(m, d)`, `F64`, same columns as in training):
    /// an `(m, n_classes)` tensor, each row non-negative and summing to 1 (a softmax of the
    /// logits: `candle_nn::ops::softmax_last_dim`). Apply the *training* standardisation first.
    pub fn predict_proba(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }

    /// The most likely class of each row of `x`: `m` labels in `0..n_classes` (the argmax of
    /// the logits or of the probabilities, `Tensor::argmax`, then `to_vec1::<u32>()`).
    pub fn predict(&self, x: &Tensor) -> Result<Vec<u32>> {
        todo!()
    }
}
