//! Mini-project 1, reference solution: a small multilayer perceptron for tabular data.
//!
//! What it does, in the order a practitioner would:
//! 1. standardise every feature with the mean and standard deviation of the *training* rows
//!    (kept in the model and applied again to any rows it predicts);
//! 2. a network `d → hidden → n_classes` (`Linear`, ReLU, `Linear`), weights drawn from the
//!    seeded [`rng::Rng`] (He initialisation), biases zero;
//! 3. full-batch training: softmax cross-entropy on the logits plus an L2 penalty on the
//!    weights, Adam (candle-nn's `AdamW`), a fixed number of epochs. Full batch means no shuffling at all, and candle's CPU operations are
//!    deterministic, so the same seed gives the same model bit for bit.
//!
//! See `projects/mp1-tabular/README.md` for the task and how it is graded.

pub mod data;
pub mod rng;

pub use candle_core;
pub use candle_nn;

use candle_core::{DType, Result, Tensor, Var, D};
use candle_nn::{Linear, Module, Optimizer};
use rng::Rng;

/// Everything that decides a training run. [`train`] uses [`Config::new`]'s values.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seeds the weight initialisation (and anything else random).
    pub seed: u64,
    /// Units in the hidden layer.
    pub hidden: usize,
    /// Full-batch gradient steps.
    pub epochs: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// L2 penalty on the weights (not the biases): the loss is the mean cross-entropy plus
    /// `l2 / (2 n) · Σ w²`, i.e. `l2 / 2 · Σ w²` on the *summed* cross-entropy, as in linfa's
    /// and scikit-learn's logistic regressions. A few hundred rows are easy to overfit.
    pub l2: f64,
}

impl Config {
    /// The settings the reference is graded with (chosen on validation splits of both data
    /// sets, see the project's README).
    pub fn new(seed: u64) -> Config {
        Config { seed, hidden: 32, epochs: 150, learning_rate: 0.01, l2: 8.0 }
    }
}

/// A trained classifier: the standardisation fitted on the training rows, and the network.
#[derive(Debug, Clone)]
pub struct Model {
    /// Per-feature training mean and standard deviation, shape `(1, d)` each.
    mean: Tensor,
    std: Tensor,
    hidden: Linear,
    output: Linear,
}

/// Trains a classifier on `x` (`(n, d)`, `F64`, raw features) and `y` (`n` labels in
/// `0..n_classes`), every random choice drawn from `seed`.
pub fn train(x: &Tensor, y: &[u32], n_classes: usize, seed: u64) -> Result<Model> {
    train_with(x, y, n_classes, &Config::new(seed))
}

/// [`train`] with explicit settings.
pub fn train_with(x: &Tensor, y: &[u32], n_classes: usize, config: &Config) -> Result<Model> {
    let (n, d) = x.dims2()?;
    if n == 0 || n != y.len() {
        candle_core::bail!("train: {n} rows of features but {} labels", y.len());
    }
    if n_classes < 2 || y.iter().any(|&c| c as usize >= n_classes) {
        candle_core::bail!("train: labels must lie in 0..{n_classes}, with at least 2 classes");
    }
    let device = x.device();
    let x = x.to_dtype(DType::F64)?;

    // 1. Standardisation statistics from the training rows only: the rows the model predicts
    //    later (at work, requests arriving one by one after training) must not shape it.
    let mean = x.mean_keepdim(0)?;
    let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(0)?;
    // A constant column has standard deviation 0: divide by 1 instead (it becomes all zeros).
    let std = var.sqrt()?;
    let std = std.ge(1e-12)?.where_cond(&std, &std.ones_like()?)?;
    let xs = x.broadcast_sub(&mean)?.broadcast_div(&std)?;

    // 2. Seeded initialisation. He (std sqrt(2 / fan_in)) suits ReLU layers; zero biases.
    //    The weights live in `Var`s (what the optimiser updates in place); the `Linear` layers
    //    share their storage, so they always see the current values.
    let mut rng = Rng::new(config.seed);
    let w1 = Var::from_tensor(&rng.normal_tensor(config.hidden, d, (2.0 / d as f64).sqrt(), device)?)?;
    let b1 = Var::zeros(config.hidden, DType::F64, device)?;
    let w2 =
        Var::from_tensor(&rng.normal_tensor(n_classes, config.hidden, (2.0 / config.hidden as f64).sqrt(), device)?)?;
    let b2 = Var::zeros(n_classes, DType::F64, device)?;
    let model = Model {
        mean,
        std,
        hidden: Linear::new(w1.as_tensor().clone(), Some(b1.as_tensor().clone())),
        output: Linear::new(w2.as_tensor().clone(), Some(b2.as_tensor().clone())),
    };

    // 3. Full-batch training: mean cross-entropy of the softmax plus the L2 penalty, Adam
    //    (candle-nn's AdamW with no decoupled weight decay: the penalty is in the loss).
    let params = candle_nn::ParamsAdamW { lr: config.learning_rate, weight_decay: 0.0, ..Default::default() };
    let mut optimiser = candle_nn::AdamW::new(vec![w1.clone(), b1, w2.clone(), b2], params)?;
    let targets = Tensor::new(y, device)?;
    let penalty = 0.5 * config.l2 / n as f64;
    for _ in 0..config.epochs {
        let logits = model.logits_standardised(&xs)?;
        let squares = (w1.as_tensor().sqr()?.sum_all()? + w2.as_tensor().sqr()?.sum_all()?)?;
        let loss = (candle_nn::loss::cross_entropy(&logits, &targets)? + (squares * penalty)?)?;
        optimiser.backward_step(&loss)?;
    }
    Ok(model)
}

impl Model {
    /// Logits `(n, n_classes)` of rows that are already standardised.
    fn logits_standardised(&self, xs: &Tensor) -> Result<Tensor> {
        self.output.forward(&self.hidden.forward(xs)?.relu()?)
    }

    /// Class probabilities `(n, n_classes)` for raw rows `x` (`(n, d)`): the training
    /// standardisation first, then the network, then a softmax over each row.
    pub fn predict_proba(&self, x: &Tensor) -> Result<Tensor> {
        let xs = x.to_dtype(DType::F64)?.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?;
        candle_nn::ops::softmax_last_dim(&self.logits_standardised(&xs)?)
    }

    /// The most likely class of every row of `x`.
    pub fn predict(&self, x: &Tensor) -> Result<Vec<u32>> {
        // The largest logit is the largest probability: no need for the softmax here.
        let xs = x.to_dtype(DType::F64)?.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?;
        self.logits_standardised(&xs)?.argmax(D::Minus1)?.to_vec1::<u32>()
    }
}
