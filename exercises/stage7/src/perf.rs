//! A model loaded from safetensors with candle: one copy of its weights in memory, scored in
//! batches on the CPU or a GPU, and served.
//!
//! ## The model
//!
//! A multilayer perceptron in a safetensors file: linear layers `l0, l1, ...`, each a `weight` of
//! shape `(out, in)` and a `bias` of shape `(out,)`, all `F32`; ReLU between layers; the last layer
//! has one output, and the score is its sigmoid. For a batch `x` of shape `(n, in)`:
//! `h = x`, then `h = relu(h · Wᵢᵀ + bᵢ)` for every layer but the last, and
//! `score = σ(h · Wₗᵀ + bₗ)`, of shape `(n,)`.
//!
//! - [`load`]: the layers from the file's bytes, on `device`. `candle_core::safetensors::load_buffer`
//!   reads them; take the layers by name, `l0` on, until a name is missing (no `l0`: an error).
//! - [`scores`]: the batch's scores, on `x`'s device (`x` may come as `F64`: convert it to `F32`).
//!   Keep everything on the device: a GPU is fast at one large batch and slow at many transfers.
//!   The grader checks the scores on the CPU against the reference's (to 1e-5), and times
//!   [`scores`] on a large batch on a GPU where one exists (`grader check stage7 --device cuda`;
//!   elsewhere that target is reported as needing a GPU).
//!
//! ## The service, and its memory
//!
//! [`router`] loads the model from `model` (the file's bytes, which the glue keeps) and serves
//! `POST /v1/predict` `{"instances": [[x1, ..., x_in], ...]}` (1 to [`MAX_INSTANCES`] rows) with
//! `{"scores": [s1, ...]}`; a row of the wrong length or a batch out of range: `422`
//! `{"error": ...}` (bodies that do not parse: the extractor's status, as in `api`).
//!
//! The grader reads the service's resident memory and its peak after the model is loaded and
//! after a few requests, beside the reference's: at most 1.15 times the reference's plus 6 MiB.
//! The model is about 25 MiB: a service that keeps a second copy of the weights (a `Vec<f32>`
//! beside the tensors, the bytes copied with `to_vec()`), or widens them to `F64`, does not fit.

use axum::Router;
use candle_core::{Device, Tensor};

/// The most instances one request may hold.
pub const MAX_INSTANCES: usize = 16;

/// A multilayer perceptron: linear layers `(weight (out, in), bias (out,))`, in order.
pub struct Mlp {
    pub layers: Vec<(Tensor, Tensor)>,
}

impl Mlp {
    /// The model's input width.
    pub fn width(&self) -> usize {
        self.layers.first().map_or(0, |(w, _)| w.dims().get(1).copied().unwrap_or(0))
    }
}

/// The model in `bytes` (safetensors, `F32`) on `device`.
pub fn load(bytes: &[u8], device: &Device) -> candle_core::Result<Mlp> {
    todo!()
}

/// The scores of a batch `x` of shape `(n, in)`: shape `(n,)`, `F32`, on `x`'s device.
pub fn scores(mlp: &Mlp, x: &Tensor) -> candle_core::Result<Tensor> {
    todo!()
}

/// The service (see the module's documentation).
pub fn router(model: &[u8]) -> Router {
    todo!()
}
