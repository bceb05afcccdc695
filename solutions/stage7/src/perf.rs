//! A model loaded from safetensors with candle: one copy of its weights in memory, scored in
//! batches on the CPU or a GPU, and served.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use candle_core::{DType, Device, Tensor, D};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The most instances one request may hold.
pub const MAX_INSTANCES: usize = 16;

/// A multilayer perceptron: linear layers `l0, l1, ...` (`weight` of shape `(out, in)`, `bias`
/// of shape `(out,)`), ReLU between them, a sigmoid on the last one's single output.
pub struct Mlp {
    pub layers: Vec<(Tensor, Tensor)>,
}

impl Mlp {
    /// The model's input width.
    pub fn width(&self) -> usize {
        self.layers.first().map_or(0, |(w, _)| w.dims().get(1).copied().unwrap_or(0))
    }
}

/// The model in `bytes` (safetensors, `F32`) on `device`: each tensor copied once, from the bytes
/// to the device, and nothing else kept.
pub fn load(bytes: &[u8], device: &Device) -> candle_core::Result<Mlp> {
    let mut tensors = candle_core::safetensors::load_buffer(bytes, device)?;
    let mut layers = Vec::new();
    for i in 0.. {
        match (tensors.remove(&format!("l{i}.weight")), tensors.remove(&format!("l{i}.bias"))) {
            (Some(w), Some(b)) => layers.push((w, b)),
            _ => break,
        }
    }
    if layers.is_empty() {
        candle_core::bail!("no layer l0 in the model");
    }
    Ok(Mlp { layers })
}

/// The scores of a batch `x` of shape `(n, in)`: shape `(n,)`, on `x`'s device and dtype `F32`.
pub fn scores(mlp: &Mlp, x: &Tensor) -> candle_core::Result<Tensor> {
    let mut h = x.to_dtype(DType::F32)?;
    let last = mlp.layers.len() - 1;
    for (i, (w, b)) in mlp.layers.iter().enumerate() {
        h = h.matmul(&w.t()?)?.broadcast_add(b)?;
        if i < last {
            h = h.relu()?;
        }
    }
    sigmoid(&h.squeeze(D::Minus1)?)
}

/// σ(z) = 1 / (1 + e^(−z)) with candle's elementwise operations.
fn sigmoid(z: &Tensor) -> candle_core::Result<Tensor> {
    (z.neg()?.exp()? + 1.0)?.recip()
}

#[derive(Clone)]
struct App {
    mlp: Arc<Mlp>,
}

/// The service: see the exercise's documentation in `exercises/stage7/src/perf.rs`.
pub fn router(model: &[u8]) -> Router {
    let mlp = load(model, &Device::Cpu).expect("the course's model loads");
    Router::new().route("/v1/predict", post(predict)).with_state(App { mlp: Arc::new(mlp) })
}

fn error(status: StatusCode, why: String) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
struct Req {
    instances: Vec<Vec<f32>>,
}

async fn predict(State(app): State<App>, body: Result<Json<Req>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), r.body_text()),
    };
    let (n, d) = (req.instances.len(), app.mlp.width());
    if n == 0 || n > MAX_INSTANCES {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("1 to {MAX_INSTANCES} instances, not {n}"));
    }
    if let Some(x) = req.instances.iter().find(|x| x.len() != d) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("expected {d} features, got {}", x.len()));
    }
    let flat: Vec<f32> = req.instances.concat();
    let scored = Tensor::from_vec(flat, (n, d), &Device::Cpu)
        .and_then(|x| scores(&app.mlp, &x))
        .and_then(|s| s.to_vec1::<f32>());
    match scored {
        Ok(s) => Json(json!({ "scores": s })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The most images one `/v1/digits` request may hold.
pub const MAX_IMAGES: usize = 32;

/// The course's digit classifier (Stage 4's network, trained on the even rows of scikit-learn's
/// 8×8 digits: `datasets/digits/SOURCE.md`): `64 → 32 → 32 → 10`, ReLU between the layers
/// `layer0`, `layer1` and `head`, pixels divided by 16 first.
pub struct Digits {
    pub layers: Vec<(Tensor, Tensor)>,
}

/// The classifier in `bytes` (safetensors, `F32`), on the CPU.
pub fn digits(bytes: &[u8]) -> candle_core::Result<Digits> {
    let mut t = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
    let mut layer = |name: &str| -> candle_core::Result<(Tensor, Tensor)> {
        match (t.remove(&format!("{name}.weight")), t.remove(&format!("{name}.bias"))) {
            (Some(w), Some(b)) => Ok((w, b)),
            _ => candle_core::bail!("no layer {name} in the model"),
        }
    };
    Ok(Digits { layers: vec![layer("layer0")?, layer("layer1")?, layer("head")?] })
}

impl Digits {
    /// The class probabilities of `pixels` (shape `(n, 64)`, values 0 to 16): shape `(n, 10)`.
    pub fn probabilities(&self, pixels: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = (pixels.to_dtype(DType::F32)? / 16.0)?;
        let last = self.layers.len() - 1;
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = h.matmul(&w.t()?)?.broadcast_add(b)?;
            if i < last {
                h = h.relu()?;
            }
        }
        // A softmax that cannot overflow: the largest logit of each row subtracted first.
        let e = h.broadcast_sub(&h.max_keepdim(D::Minus1)?)?.exp()?;
        e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
    }
}

/// The digit service: see the exercise's documentation in `exercises/stage7/src/perf.rs`.
pub fn digits_router(model: &[u8]) -> Router {
    let m = digits(model).expect("the course's model loads");
    Router::new().route("/v1/digits", post(classify)).with_state(Arc::new(m))
}

#[derive(Deserialize)]
struct Images {
    images: Vec<Vec<f32>>,
}

async fn classify(State(m): State<Arc<Digits>>, body: Result<Json<Images>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), r.body_text()),
    };
    let n = req.images.len();
    if n == 0 || n > MAX_IMAGES {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("1 to {MAX_IMAGES} images, not {n}"));
    }
    if let Some(x) = req.images.iter().find(|x| x.len() != 64) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("an image has 64 pixels, not {}", x.len()));
    }
    if req.images.iter().flatten().any(|p| !(0.0..=16.0).contains(p)) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "pixels are 0 to 16".into());
    }
    let probabilities = Tensor::from_vec(req.images.concat(), (n, 64), &Device::Cpu)
        .and_then(|x| m.probabilities(&x))
        .and_then(|p| p.to_vec2::<f32>());
    match probabilities {
        Ok(p) => {
            let digits: Vec<usize> = p
                .iter()
                .map(|row| row.iter().enumerate().fold(0, |best, (k, v)| if *v > row[best] { k } else { best }))
                .collect();
            Json(json!({"digits": digits, "probabilities": p})).into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
