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

//!
//! ## The course's own model, served
//!
//! [`digits_router`] serves the digit classifier the course trained in Stage 4 (a `64 → 32 → 32 →
//! 10` ReLU network on the even rows of scikit-learn's 8×8 digits; `datasets/digits/SOURCE.md`
//! says how to rebuild it bit for bit). [`digits`] loads it (`layer0`, `layer1`, `head`, each a
//! `weight` `(out, in)` and a `bias`, `F32`); [`Digits::probabilities`] divides the pixels by 16,
//! runs the layers with ReLU between them, and ends with a softmax over the 10 classes (subtract
//! each row's largest logit before `exp`: no overflow).
//!
//! `POST /v1/digits` `{"images": [[p0, ..., p63], ...]}` (1 to [`MAX_IMAGES`] images of 64
//! pixels, each 0 to 16) answers `{"digits": [d, ...], "probabilities": [[q0, ..., q9], ...]}`, the
//! digit being the most probable class (the first on a tie); anything else (a count out of range,
//! an image of another size, a pixel outside 0–16): `422` `{"error": ...}`. The grader sends images
//! the model never saw (the odd rows) and compares with the reference service's answers (to 1e-5);
//! the report shows the accuracy on their true labels, which the grader keeps.

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

/// The most images one `/v1/digits` request may hold.
pub const MAX_IMAGES: usize = 32;

/// The course's digit classifier: the layers `layer0`, `layer1`, `head`, in order.
pub struct Digits {
    pub layers: Vec<(Tensor, Tensor)>,
}

/// The classifier in `bytes` (safetensors, `F32`), on the CPU.
pub fn digits(bytes: &[u8]) -> candle_core::Result<Digits> {
    todo!()
}

impl Digits {
    /// The class probabilities of `pixels` (shape `(n, 64)`, values 0 to 16): shape `(n, 10)`.
    pub fn probabilities(&self, pixels: &Tensor) -> candle_core::Result<Tensor> {
        todo!()
    }
}

/// The digit service (see the module's documentation).
pub fn digits_router(model: &[u8]) -> Router {
    todo!()
}
