//! Reproducible training: the same data and the same seed give the same model, bit for bit, and
//! a model's digest proves it.
//!
//! A registry entry, an experiment's run and an audit all name a model by its digest. That only
//! means something if training is deterministic: every random choice (initial weights, the order
//! of the examples) drawn from one generator seeded by the run's seed, and nothing else that
//! varies between runs — no `rand::rng()`, no clock, no iteration over a `HashMap` (its order is
//! randomised per map), no reduction whose order depends on thread scheduling.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// The mini-batch size of [`train`].
pub const BATCH: usize = 32;
/// The learning rate of [`train`].
pub const LEARNING_RATE: f64 = 0.1;

/// Trains a logistic regression `P(y = 1 | x) = σ(w · x + b)` by mini-batch gradient descent on
/// the mean log-loss, all randomness from `ChaCha8Rng::seed_from_u64(seed)`, and returns
/// `[w₁, ..., w_d, b]`.
///
/// The recipe (any deterministic one passes; this is the reference's):
///
/// 1. `w` starts with each weight uniform in `[-0.01, 0.01)` (`rng.random_range`), in order;
///    `b = 0`.
/// 2. Each of `epochs` epochs shuffles the row indices `0..n` with `rng`
///    (`SliceRandom::shuffle`) and walks them in batches of [`BATCH`] (the last one shorter).
/// 3. For a batch `B`: `p_i = σ(w · x_i + b)`, `w ← w - lr (1/|B|) Σ_B (p_i - y_i) x_i`,
///    `b ← b - lr (1/|B|) Σ_B (p_i - y_i)`, with `lr` = [`LEARNING_RATE`].
///
/// `x` holds `n` rows of `d` features, `y` their labels (0 or 1). With no rows it returns the
/// initial weights.
pub fn train(x: &[Vec<f64>], y: &[f64], seed: u64, epochs: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = x.first().map_or(0, Vec::len);
    let mut w: Vec<f64> = (0..d).map(|_| rng.random_range(-0.01..0.01)).collect();
    let mut b = 0.0;
    let mut order: Vec<usize> = (0..x.len()).collect();
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(BATCH) {
            let mut gw = vec![0.0; d];
            let mut gb = 0.0;
            for &i in batch {
                let z: f64 = w.iter().zip(&x[i]).map(|(w, x)| w * x).sum::<f64>() + b;
                let err = 1.0 / (1.0 + (-z).exp()) - y[i];
                for (g, xi) in gw.iter_mut().zip(&x[i]) {
                    *g += err * xi;
                }
                gb += err;
            }
            let scale = LEARNING_RATE / batch.len() as f64;
            for (w, g) in w.iter_mut().zip(&gw) {
                *w -= scale * g;
            }
            b -= scale * gb;
        }
    }
    w.push(b);
    w
}

/// The model's digest: SHA-256 of its parameters' bytes (`f64::to_le_bytes`, in order), as 64
/// lowercase hex digits. Two models have the same digest exactly when every bit of every
/// parameter is the same (`0.0` and `-0.0` differ, as they do in a file).
pub fn digest(params: &[f64]) -> String {
    let mut h = Sha256::new();
    for p in params {
        h.update(p.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
