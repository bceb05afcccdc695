//! Edge deployment: a model small enough for a device, loaded from bytes with no file system and
//! no network.
//!
//! On a phone or a sensor there is no model server and no disk to spare: the model ships as a
//! byte array inside the application, and every byte counts. [`quantize`] packs a ReLU network's
//! `f32` weights as `i8` with one scale per layer (a quarter of the size); [`predict_from_bytes`]
//! runs it from those bytes alone.
//!
//! The blob, little-endian throughout:
//!
//! ```text
//! b"EDG1"                                  4 bytes
//! layer count                              u32
//! for each layer:
//!     inputs, outputs                      u32, u32
//!     scale                                f32
//!     weights, row by row (outputs × inputs)   i8 each
//!     biases                               f32 each (outputs of them, not quantised)
//! ```
//!
//! A layer's scale is `max |w| / 127` over its weights (1 when they are all 0), and a weight `w`
//! is stored as `round(w / scale)` (`f32::round`: halves away from zero), clamped to
//! `[-127, 127]`. Reading back, a weight is `q as f32 * scale`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeError {
    /// The blob does not start with `EDG1`, ends early, or has bytes left over.
    Corrupt,
    /// A layer's inputs differ from the previous layer's outputs (or the input's length).
    ShapeMismatch,
}

/// One dense layer: `outputs × inputs` weights, row by row, and `outputs` biases.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The blob of `layers` (format above).
///
/// # Errors
/// `ShapeMismatch` when a layer's `weight` or `bias` has the wrong length, or its `inputs`
/// differ from the previous layer's `outputs`.
pub fn quantize(layers: &[Layer]) -> Result<Vec<u8>, EdgeError> {
    todo!()
}

/// The network's output (logits) for input `x`, read from `blob`: each layer computes
/// `y_o = b_o + Σ_i (q_oi · scale) x_i` (in `f32`, `i` in order), with ReLU between layers and
/// none after the last. With no layers the output is `x`.
///
/// # Errors
/// `Corrupt` for a blob that does not follow the format exactly (checked before any
/// arithmetic); `ShapeMismatch` when `x` or a layer's inputs do not match.
pub fn predict_from_bytes(blob: &[u8], x: &[f32]) -> Result<Vec<f32>, EdgeError> {
    todo!()
}
