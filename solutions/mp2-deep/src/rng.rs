//! A tiny deterministic random number generator, given to you complete: draw everything random
//! in your training (weight initialisation, shuffles, mini-batches) from it, seeded from the
//! `seed` the grader passes to [`crate::digits::train`], and the same seed gives the same model.
//!
//! Why not candle's own random tensors? `Tensor::randn` and candle-nn's default initialisers
//! (`candle_nn::linear` with a `VarBuilder`) use candle's CPU random generator, which cannot be
//! seeded (`Device::Cpu.set_seed` is an error): two trainings would start from different weights.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, 2014), the same as Stage 3's and
//! Mini-project 1's: a 64-bit counter advanced by a fixed odd constant, then scrambled by two
//! multiply-xorshift rounds. It is fast and statistically sound, but *not* cryptographically
//! secure.

use candle_core::{Device, Result, Shape, Tensor};

/// SplitMix64: a seeded stream of uniformly distributed 64-bit numbers.
///
/// ```
/// use mp2::rng::Rng;
///
/// let mut a = Rng::new(42);
/// let mut b = Rng::new(42);
/// assert_eq!(a.next_u64(), b.next_u64()); // same seed, same stream
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The golden-ratio increment `2^64 / φ`, odd, so the counter visits all `2^64` states.
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// A generator whose whole stream is fixed by `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(Self::GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)` (the top 53 bits of [`Rng::next_u64`]).
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// A uniform integer in `0..n` (`n > 0`), by rejection so that every value is equally likely.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0)");
        let n = n as u64;
        // The largest multiple of n that fits in u64: draws at or above it are redrawn.
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let r = self.next_u64();
            if r < zone {
                return (r % n) as usize;
            }
        }
    }

    /// A standard normal number by the Box–Muller transform (two uniforms per call):
    /// `z = sqrt(-2 ln(1 - u1)) * cos(2π u2)`.
    pub fn next_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Shuffles `items` in place (Fisher–Yates), for mini-batches.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// An `F32` tensor of the given shape of independent normal numbers with mean 0 and
    /// standard deviation `std`, drawn in row-major order: the starting weights of a layer, for
    /// example `rng.normal_tensor((out, inp), (2.0 / inp as f64).sqrt(), &device)` for a
    /// `Linear` with He initialisation, or `(out_channels, in_channels, k, k)` with fan-in
    /// `in_channels * k * k` for a convolution.
    pub fn normal_tensor<S: Into<Shape>>(&mut self, shape: S, std: f64, device: &Device) -> Result<Tensor> {
        let shape: Shape = shape.into();
        let data: Vec<f32> = (0..shape.elem_count()).map(|_| (std * self.next_normal()) as f32).collect();
        Tensor::from_vec(data, shape, device)
    }
}
