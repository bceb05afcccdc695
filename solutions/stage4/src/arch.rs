//! Architecture: what a network costs.
//!
//! Before training a network, know what it will cost: how many parameters it learns, how many
//! floating-point operations one forward pass takes, and how much memory training holds at once.
//! These are exact integers computed from the architecture alone, and they decide whether a model
//! fits on a GPU and how long an epoch takes.

/// Why a cost could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchError {
    /// Fewer than two widths (a network needs an input and an output), or a width of 0.
    InvalidShape,
    /// A count does not fit in a `u64`.
    Overflow,
}

/// The cost of one multilayer perceptron (see [`mlp_cost`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Learned numbers: every weight and every bias.
    pub parameters: u64,
    /// Floating-point operations of one forward pass over the batch.
    pub forward_flops: u64,
    /// Bytes that training with Adam holds at once.
    pub training_bytes: u64,
}

/// The cost of a dense network with layer widths `widths = [d_0, d_1, ..., d_L]` (`d_0` inputs,
/// `d_L` outputs, one dense layer `d_(l-1) → d_l` per step), on a batch of `batch` samples, with
/// numbers of `bytes_per_value` bytes (4 for `F32`, 2 for `F16`).
///
/// - `parameters = Σ_l (d_(l-1) · d_l + d_l)`: a weight matrix and a bias per layer.
/// - `forward_flops = Σ_l (2 · batch · d_(l-1) · d_l + batch · d_l)`: a matrix product costs one
///   multiplication and one addition per weight and sample (2 FLOPs, the usual convention), the
///   bias one addition per output; activations are not counted.
/// - `training_bytes = bytes_per_value · (4 · parameters + batch · Σ_(l=0..L) d_l)`: training with
///   Adam holds the parameters, their gradients and Adam's two moment estimates (4 numbers per
///   parameter), plus every layer's input and the network's output for the backward pass (the
///   activations, `batch` numbers per width, input layer included).
///
/// Errors: fewer than 2 widths or any width 0 is `Err(ArchError::InvalidShape)`; a count that
/// does not fit in a `u64` is `Err(ArchError::Overflow)` (use `checked_mul` and `checked_add`:
/// widths of a few million overflow the FLOPs of a large batch). A batch of 0 is fine: no FLOPs,
/// no activations.
pub fn mlp_cost(widths: &[usize], batch: usize, bytes_per_value: usize) -> Result<Cost, ArchError> {
    if widths.len() < 2 || widths.contains(&0) {
        return Err(ArchError::InvalidShape);
    }
    let (b, bytes) = (batch as u64, bytes_per_value as u64);
    let add = |a: u64, b: u64| a.checked_add(b).ok_or(ArchError::Overflow);
    let mul = |a: u64, b: u64| a.checked_mul(b).ok_or(ArchError::Overflow);
    let (mut parameters, mut forward_flops, mut activations) = (0u64, 0u64, 0u64);
    for w in widths.windows(2) {
        let (d_in, d_out) = (w[0] as u64, w[1] as u64);
        parameters = add(parameters, add(mul(d_in, d_out)?, d_out)?)?;
        let matmul = mul(mul(2, b)?, mul(d_in, d_out)?)?;
        forward_flops = add(forward_flops, add(matmul, mul(b, d_out)?)?)?;
    }
    for &d in widths {
        activations = add(activations, mul(b, d as u64)?)?;
    }
    let training_bytes = mul(bytes, add(mul(4, parameters)?, activations)?)?;
    Ok(Cost { parameters, forward_flops, training_bytes })
}
