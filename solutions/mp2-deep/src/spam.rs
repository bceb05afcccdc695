//! Spam or ham, reference solution: words hashed into buckets, a mean-pooled embedding of the
//! e-mail's words (an "embedding bag"), one hidden ReLU layer, two logits; Adam on shuffled
//! mini-batches, the step size halved every epoch.
//!
//! ```text
//! text → lower-case words (runs of ASCII letters and digits), the first MAX_TOKENS
//!      → ids: FNV-1a hash of each word mod BUCKETS                      (b, L) with padding
//!      → embedding rows (b, L, dim) · mask / count → mean over the words (b, dim)
//!      → linear, ReLU (b, hidden) → linear (b, 2) logits: 0 ham, 1 spam
//! ```
//!
//! Hashing instead of a vocabulary: no dictionary to build or keep, unseen words at prediction
//! land in some bucket (a collision now and then costs little), and the model's size is fixed.
//! Every random choice (initial weights, the order of the mini-batches) comes from the seeded
//! [`Rng`], and candle's CPU operations are deterministic, so the same seed gives the same
//! model, bit for bit.

use crate::rng::Rng;
use candle_core::{DType, Device, Result, Tensor, Var, D};
use candle_nn::Optimizer;

/// Ham (0) and spam (1).
pub const CLASSES: usize = 2;

/// Everything that decides a training run. [`train`] uses [`Config::new`]'s values.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seeds the weight initialisation and the shuffles.
    pub seed: u64,
    /// Hash buckets, so rows of the embedding table.
    pub buckets: usize,
    /// Words read from each e-mail (subject first): the rest is ignored.
    pub max_tokens: usize,
    /// Width of a word's embedding.
    pub dim: usize,
    /// Units of the hidden layer; 0 for none (then the model is linear in the word counts: the
    /// baseline that `examples/calibrate.rs` measures).
    pub hidden: usize,
    /// Passes over the training e-mails.
    pub epochs: usize,
    /// E-mails per gradient step.
    pub batch_size: usize,
    /// Adam's step size in the first epoch.
    pub learning_rate: f64,
    /// The step size is multiplied by this after every epoch.
    pub decay: f64,
}

impl Config {
    /// The settings the reference is graded with (chosen on validation draws, see
    /// `examples/calibrate.rs`).
    pub fn new(seed: u64) -> Config {
        Config {
            seed,
            buckets: 1 << 13,
            max_tokens: 256,
            dim: 16,
            hidden: 16,
            epochs: 4,
            batch_size: 32,
            learning_rate: 0.01,
            decay: 0.5,
        }
    }
}

/// A trained network: its parameters (read by [`Model::predict`]) and how it reads text.
#[derive(Debug, Clone)]
pub struct Model {
    buckets: usize,
    max_tokens: usize,
    embedding: Tensor,
    hidden: Option<(Tensor, Tensor)>,
    head: (Tensor, Tensor),
}

/// The lower-case words of `text`: runs of ASCII letters and digits; everything else (spaces,
/// punctuation, other scripts) separates them.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_ascii_lowercase())
}

/// FNV-1a, 64 bits: a fixed hash (std's `HashMap` hasher is seeded per process).
fn fnv1a(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Trains the network on `texts` and their `labels` (0 ham, 1 spam), every random choice drawn
/// from `seed`. Returns the model and the mean training loss of each epoch.
pub fn train(texts: &[&str], labels: &[u32], seed: u64) -> Result<(Model, Vec<f64>)> {
    train_with(texts, labels, &Config::new(seed))
}

/// [`train`] with explicit settings.
pub fn train_with(texts: &[&str], labels: &[u32], config: &Config) -> Result<(Model, Vec<f64>)> {
    let n = texts.len();
    if n == 0 || n != labels.len() {
        candle_core::bail!("train: {n} texts but {} labels", labels.len());
    }
    if let Some(bad) = labels.iter().find(|&&c| c as usize >= CLASSES) {
        candle_core::bail!("train: label {bad} is neither 0 (ham) nor 1 (spam)");
    }
    let device = Device::Cpu;
    let mut rng = Rng::new(config.seed);
    // Embeddings small and centred; He initialisation for the ReLU layer, Xavier-like for the
    // head; zero biases. The model's tensors share the storage of the `Var`s the optimiser
    // updates.
    let (dim, h) = (config.dim, config.hidden);
    let mut vars = vec![Var::from_tensor(&rng.normal_tensor((config.buckets, dim), 0.1, &device)?)?];
    if h > 0 {
        vars.push(Var::from_tensor(&rng.normal_tensor((h, dim), (2.0 / dim as f64).sqrt(), &device)?)?);
        vars.push(Var::zeros(h, DType::F32, &device)?);
    }
    let head_in = if h > 0 { h } else { dim };
    vars.push(Var::from_tensor(&rng.normal_tensor((CLASSES, head_in), (1.0 / head_in as f64).sqrt(), &device)?)?);
    vars.push(Var::zeros(CLASSES, DType::F32, &device)?);
    let t = |i: usize| vars[i].as_tensor().clone();
    let model = Model {
        buckets: config.buckets,
        max_tokens: config.max_tokens,
        embedding: t(0),
        hidden: (h > 0).then(|| (t(1), t(2))),
        head: (t(vars.len() - 2), t(vars.len() - 1)),
    };

    let ids: Vec<Vec<u32>> = texts.iter().map(|t| model.ids(t)).collect();
    let targets = Tensor::new(labels, &device)?;
    let params = candle_nn::ParamsAdamW { lr: config.learning_rate, weight_decay: 0.0, ..Default::default() };
    let mut optimiser = candle_nn::AdamW::new(vars.clone(), params)?;
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut losses = Vec::with_capacity(config.epochs);
    for epoch in 0..config.epochs {
        optimiser.set_learning_rate(config.learning_rate * config.decay.powi(epoch as i32));
        rng.shuffle(&mut order);
        let (mut total, mut batches) = (0.0, 0);
        for batch in order.chunks(config.batch_size) {
            let x: Vec<&[u32]> = batch.iter().map(|&i| ids[i as usize].as_slice()).collect();
            let y = targets.index_select(&Tensor::new(batch, &device)?, 0)?;
            let loss = candle_nn::loss::cross_entropy(&model.logits(&x)?, &y)?;
            optimiser.backward_step(&loss)?;
            total += loss.to_scalar::<f32>()? as f64;
            batches += 1;
        }
        losses.push(total / batches as f64);
    }
    Ok((model, losses))
}

impl Model {
    /// The bucket of each of the first `max_tokens` words of `text`.
    fn ids(&self, text: &str) -> Vec<u32> {
        words(text).take(self.max_tokens).map(|w| (fnv1a(&w) % self.buckets as u64) as u32).collect()
    }

    /// Logits `(b, 2)` of a batch of e-mails given as bucket ids. Shorter e-mails are padded
    /// with bucket 0, and the mask (`1 / words` on real words, 0 on padding) makes the padding
    /// count for nothing; an e-mail without words pools to the zero vector.
    fn logits(&self, batch: &[&[u32]]) -> Result<Tensor> {
        let device = self.embedding.device();
        let (b, len) = (batch.len(), batch.iter().map(|x| x.len()).max().unwrap_or(0).max(1));
        let (mut ids, mut mask) = (vec![0u32; b * len], vec![0f32; b * len]);
        for (row, x) in batch.iter().enumerate() {
            ids[row * len..row * len + x.len()].copy_from_slice(x);
            mask[row * len..row * len + x.len()].fill(1.0 / x.len() as f32);
        }
        let ids = Tensor::from_vec(ids, b * len, device)?;
        let mask = Tensor::from_vec(mask, (b, len, 1), device)?;
        let dim = self.embedding.dim(1)?;
        let rows = self.embedding.index_select(&ids, 0)?.reshape((b, len, dim))?;
        let mut h = rows.broadcast_mul(&mask)?.sum(1)?;
        if let Some((w, bias)) = &self.hidden {
            h = h.matmul(&w.t()?)?.broadcast_add(bias)?.relu()?;
        }
        h.matmul(&self.head.0.t()?)?.broadcast_add(&self.head.1)
    }

    /// Ham (0) or spam (1) for each of `texts`, 256 e-mails at a time.
    pub fn predict(&self, texts: &[&str]) -> Result<Vec<u32>> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.ids(t)).collect();
        let mut out = Vec::with_capacity(texts.len());
        for chunk in ids.chunks(256) {
            let x: Vec<&[u32]> = chunk.iter().map(|v| v.as_slice()).collect();
            out.extend(self.logits(&x)?.argmax(D::Minus1)?.to_vec1::<u32>()?);
        }
        Ok(out)
    }
}
