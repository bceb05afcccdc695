//! Regularisation: dropout.
//!
//! A large network can memorise its training set. Dropout (Srivastava et al., 2014) fights that
//! by switching off a random part of the units at every training step: no unit can rely on a
//! particular other unit being there, so the network learns redundant, more general features,
//! and training a dropout network is like training an ensemble of thinned networks that share
//! their weights. At evaluation the whole network is used.

use crate::rng::Rng;
use candle_core::Tensor;

/// Why a regularisation function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum RegError {
    /// The drop probability is not in `[0, 1]` (or is NaN).
    InvalidRate,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`RegError::Candle`].
impl From<candle_core::Error> for RegError {
    fn from(e: candle_core::Error) -> Self {
        RegError::Candle(e.to_string())
    }
}

/// Inverted dropout (PyTorch's `Dropout`, candle-nn's `Dropout`): in training, every entry of `x`
/// is dropped (set to 0) with probability `p`, independently, and every kept entry is divided by
/// `1 - p`; in evaluation, `x` is returned unchanged.
///
/// Why divide by `1 - p`: an entry survives with probability `1 - p`, so the kept-and-scaled entry
/// has expectation `(1 - p) · x / (1 - p) = x`. The next layer sees inputs of the same size in
/// training and in evaluation, and evaluation needs no correction.
///
/// Randomness: draw one `rng.next_f64()` per entry (any order), and keep the entry when the draw
/// is `>= p` (a uniform number in `[0, 1)` is below `p` with probability `p`). All randomness
/// comes from `rng`: the same seed must give the same mask. Evaluation draws nothing.
///
/// Edge cases: `p = 0` keeps everything (the output equals `x`), `p = 1` drops everything (zeros,
/// nothing to divide). Shapes: any; the output has `x`'s shape. Errors: `p` outside `[0, 1]` or
/// NaN is `Err(RegError::InvalidRate)`. The grader checks the mask statistically: the share of
/// kept entries, their independence, the scaling, and that the seed decides the mask.
pub fn dropout(x: &Tensor, p: f64, train: bool, rng: &mut Rng) -> Result<Tensor, RegError> {
    todo!()
}
