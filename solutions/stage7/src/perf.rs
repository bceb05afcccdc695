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
