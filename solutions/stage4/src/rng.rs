//! A tiny deterministic random number generator, given to you complete: the sampling exercises
//! (dropout masks, random search, shuffles) draw their uniform numbers from it.
//!
//! It is SplitMix64 (Steele, Lea and Flood, 2014; the generator Java's `SplittableRandom` and
//! many seeders use): a 64-bit counter advanced by a fixed odd constant, then scrambled by two
//! multiply-xorshift rounds. It is fast, passes the usual statistical test batteries, and has no
//! dependencies, so the same seed gives the same numbers on every machine. It is *not*
//! cryptographically secure; in production Rust code you would reach for the `rand` crate.
//!
//! This file is identical in `exercises/` and `solutions/`; do not change it. The grader gives
//! each sampling call a seed and builds `Rng::new(seed)` for it.

/// SplitMix64: a seeded stream of uniformly distributed 64-bit numbers.
///
/// ```
/// use stage4::rng::Rng;
///
/// let mut a = Rng::new(42);
/// let mut b = Rng::new(42);
/// assert_eq!(a.next_u64(), b.next_u64()); // same seed, same stream
/// let u = a.next_f64();
/// assert!((0.0..1.0).contains(&u));
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

    /// A uniform number in `[0, 1)`: one of the `2^53` multiples of `2^-53` below 1, all equally
    /// likely (an `f64` has 53 significant bits, so the top 53 of the 64 are kept).
    ///
    /// `0.0` can come out, `1.0` never does. Where a method needs a number in `(0, 1]` (to take
    /// its logarithm, as Box–Muller does), use `1.0 - rng.next_f64()`.
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }
}

impl Rng {
    /// A standard normal number (mean 0, variance 1) by the Box–Muller transform, using two
    /// uniforms per call (the second normal of the pair is thrown away, so that every call
    /// consumes exactly two `next_f64`s):
    /// `z = sqrt(-2 ln(1 - u1)) * cos(2π u2)`.
    pub fn next_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}
