//! Glue for `stage4::reg`. Dropout runs three times (see [`three_runs`]), each with an `Rng`
//! built here from a seed.

use crate::convert::Stage4;
use candle_core::Tensor;
use stage4::reg;
use stage4::rng::Rng;

probe_runtime::glue! { Stage4;
    "stage4.reg.dropout" => |x: Tensor, p: f64, train: bool, seed: u64| {
        three_runs(seed, |rng| reg::dropout(&x, p, train, rng))
    } => (output, same_seed, other_seed);
}

/// Added to a case's seed for the third run. The suite's unit tests repeat it.
pub const OTHER_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A random function run from `seed`, again from `seed`, then from `seed + OTHER_SEED`: the suite
/// checks that the seed decides the result, and all of it.
fn three_runs<T>(seed: u64, f: impl Fn(&mut Rng) -> T) -> (T, T, T) {
    (f(&mut Rng::new(seed)), f(&mut Rng::new(seed)), f(&mut Rng::new(seed.wrapping_add(OTHER_SEED))))
}
