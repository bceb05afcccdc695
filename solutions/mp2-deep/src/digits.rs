//! Handwritten digits, reference solution: a small convolutional network (LeNet's shape, fewer
//! channels), trained with Adam on shuffled mini-batches, the step size halved every epoch.
//!
//! ```text
//! (n, 1, 28, 28) → conv 5×5, c1 channels, ReLU → max-pool 2 → (n, c1, 12, 12)
//!                → conv 5×5, c2 channels, ReLU → max-pool 2 → (n, c2, 4, 4)
//!                → flatten (n, 16 c2) → linear → (n, 10) logits
//! ```
//!
//! Every random choice (initial weights, the order of the mini-batches) comes from the seeded
//! [`Rng`], and candle's CPU operations are deterministic, so the same seed gives the same
//! model, bit for bit.

use crate::data::CLASSES;
use crate::rng::Rng;
use candle_core::{DType, Result, Tensor, Var, D};
use candle_nn::Optimizer;

/// Everything that decides a training run. [`train`] uses [`Config::new`]'s values.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seeds the weight initialisation and the shuffles.
    pub seed: u64,
    /// Channels of the first and second convolutions.
    pub channels: (usize, usize),
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per gradient step.
    pub batch_size: usize,
    /// Adam's step size in the first epoch.
    pub learning_rate: f64,
    /// The step size is multiplied by this after every epoch: large steps while far from a
    /// minimum, small ones at the end, so the last epoch does not leave the model wherever its
    /// last noisy mini-batch step took it.
    pub decay: f64,
}

impl Config {
    /// The settings the reference is graded with (chosen on validation splits, see the
    /// project's README).
    pub fn new(seed: u64) -> Config {
        Config { seed, channels: (8, 16), epochs: 3, batch_size: 16, learning_rate: 0.003, decay: 0.5 }
    }
}

/// A trained network: its parameters (read by [`Model::predict`]).
#[derive(Debug, Clone)]
pub struct Model {
    conv1: (Tensor, Tensor),
    conv2: (Tensor, Tensor),
    head: (Tensor, Tensor),
}

/// Trains the network on `images` (`(n, 1, 28, 28)`, `F32`, pixels in `[0, 1]`) and their
/// `labels` (`n` digits), every random choice drawn from `seed`. Returns the model and the mean
/// training loss of each epoch.
pub fn train(images: &Tensor, labels: &[u32], seed: u64) -> Result<(Model, Vec<f64>)> {
    train_with(images, labels, &Config::new(seed))
}

/// [`train`] with explicit settings.
pub fn train_with(images: &Tensor, labels: &[u32], config: &Config) -> Result<(Model, Vec<f64>)> {
    let n = check_images(images)?;
    if n == 0 || n != labels.len() {
        candle_core::bail!("train: {n} images but {} labels", labels.len());
    }
    if let Some(bad) = labels.iter().find(|&&c| c as usize >= CLASSES) {
        candle_core::bail!("train: label {bad} is not a digit");
    }
    let device = images.device();
    let images = images.to_dtype(DType::F32)?;
    let targets = Tensor::new(labels, device)?;

    // He initialisation (std sqrt(2 / fan_in)) for the ReLU layers, Xavier-like for the head;
    // zero biases. The `Var`s are what the optimiser updates in place; the model's tensors share
    // their storage.
    let mut rng = Rng::new(config.seed);
    let (c1, c2) = config.channels;
    let flat = c2 * 4 * 4;
    let vars = [
        Var::from_tensor(&rng.normal_tensor((c1, 1, 5, 5), (2.0 / 25.0f64).sqrt(), device)?)?,
        Var::zeros(c1, DType::F32, device)?,
        Var::from_tensor(&rng.normal_tensor((c2, c1, 5, 5), (2.0 / (25 * c1) as f64).sqrt(), device)?)?,
        Var::zeros(c2, DType::F32, device)?,
        Var::from_tensor(&rng.normal_tensor((CLASSES, flat), (1.0 / flat as f64).sqrt(), device)?)?,
        Var::zeros(CLASSES, DType::F32, device)?,
    ];
    let t = |i: usize| vars[i].as_tensor().clone();
    let model = Model { conv1: (t(0), t(1)), conv2: (t(2), t(3)), head: (t(4), t(5)) };

    let params = candle_nn::ParamsAdamW { lr: config.learning_rate, weight_decay: 0.0, ..Default::default() };
    let mut optimiser = candle_nn::AdamW::new(vars.to_vec(), params)?;
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut losses = Vec::with_capacity(config.epochs);
    for epoch in 0..config.epochs {
        optimiser.set_learning_rate(config.learning_rate * config.decay.powi(epoch as i32));
        rng.shuffle(&mut order);
        let (mut total, mut batches) = (0.0, 0);
        for batch in order.chunks(config.batch_size) {
            let idx = Tensor::new(batch, device)?;
            let x = images.index_select(&idx, 0)?;
            let y = targets.index_select(&idx, 0)?;
            let loss = candle_nn::loss::cross_entropy(&model.logits(&x)?, &y)?;
            optimiser.backward_step(&loss)?;
            total += loss.to_scalar::<f32>()? as f64;
            batches += 1;
        }
        losses.push(total / batches as f64);
    }
    Ok((model, losses))
}

/// The number of images in an `(n, 1, 28, 28)` tensor, or an error naming the shape.
fn check_images(images: &Tensor) -> Result<usize> {
    match images.dims() {
        &[n, 1, 28, 28] => Ok(n),
        dims => candle_core::bail!("expected images of shape (n, 1, 28, 28), got {dims:?}"),
    }
}

/// `x` convolved with `(w, b)` (no padding), then ReLU and a 2×2 max-pool.
fn conv_block(x: &Tensor, (w, b): &(Tensor, Tensor)) -> Result<Tensor> {
    let c = b.dims1()?;
    x.conv2d(w, 0, 1, 1, 1)?.broadcast_add(&b.reshape((1, c, 1, 1))?)?.relu()?.max_pool2d(2)
}

impl Model {
    /// Logits `(n, 10)` of images `(n, 1, 28, 28)`.
    fn logits(&self, x: &Tensor) -> Result<Tensor> {
        let h = conv_block(&conv_block(x, &self.conv1)?, &self.conv2)?.flatten_from(1)?;
        h.matmul(&self.head.0.t()?)?.broadcast_add(&self.head.1)
    }

    /// The most likely digit of each image of `images` (`(m, 1, 28, 28)`), predicted 500 images
    /// at a time so that memory stays small whatever `m`.
    pub fn predict(&self, images: &Tensor) -> Result<Vec<u32>> {
        let m = check_images(images)?;
        let images = images.to_dtype(DType::F32)?;
        let mut out = Vec::with_capacity(m);
        for start in (0..m).step_by(500) {
            let x = images.narrow(0, start, 500.min(m - start))?;
            out.extend(self.logits(&x)?.argmax(D::Minus1)?.to_vec1::<u32>()?);
        }
        Ok(out)
    }
}
