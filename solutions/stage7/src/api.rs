//! A model behind an HTTP API: liveness, readiness, two versions of a prediction endpoint, errors
//! as JSON with the right status codes, a body limit, and counters on `/metrics`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// The largest request body the service reads, in bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// The most instances one `/v2/predict` request may hold.
pub const MAX_BATCH: usize = 64;

/// A logistic-regression model: `score = σ(w · x + b)`, `label = 1` when `score >= 0.5`.
#[derive(Clone, Debug)]
pub struct Model {
    pub weights: Vec<f64>,
    pub bias: f64,
    pub version: String,
}

impl Model {
    /// The model's score for one input of `weights.len()` features.
    pub fn score(&self, x: &[f64]) -> f64 {
        let z: f64 = self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.bias;
        1.0 / (1.0 + (-z).exp())
    }
}

#[derive(Default)]
struct Counters {
    v1: AtomicU64,
    v2: AtomicU64,
    rejected: AtomicU64,
}

#[derive(Clone)]
struct App {
    model: Arc<Model>,
    draining: watch::Receiver<bool>,
    counters: Arc<Counters>,
}

/// The service: see the exercise's documentation in `exercises/stage7/src/api.rs`.
pub fn router(model: Model, draining: watch::Receiver<bool>) -> Router {
    let app = App { model: Arc::new(model), draining, counters: Arc::default() };
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/ready", get(ready))
        .route("/v1/predict", post(predict_v1))
        .route("/v2/predict", post(predict_v2))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

async fn ready(State(app): State<App>) -> Response {
    if *app.draining.borrow() {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "draining"}))).into_response()
    } else {
        Json(json!({"status": "ready", "model_version": app.model.version})).into_response()
    }
}

fn error(app: &App, status: StatusCode, message: String) -> Response {
    app.counters.rejected.fetch_add(1, Ordering::Relaxed);
    (status, Json(json!({ "error": message }))).into_response()
}

/// A body that did not parse: the extractor's own status (400 syntax, 413 too large, 415 not
/// JSON, 422 wrong fields or types).
fn rejected(app: &App, r: JsonRejection) -> Response {
    error(app, r.status(), r.body_text())
}

/// What is wrong with one input, if anything.
fn invalid(app: &App, x: &[f64]) -> Option<String> {
    let d = app.model.weights.len();
    (x.len() != d).then(|| format!("expected {d} features, got {}", x.len()))
}

#[derive(Deserialize)]
struct V1 {
    features: Vec<f64>,
}

async fn predict_v1(State(app): State<App>, body: Result<Json<V1>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return rejected(&app, r),
    };
    if let Some(why) = invalid(&app, &req.features) {
        return error(&app, StatusCode::UNPROCESSABLE_ENTITY, why);
    }
    app.counters.v1.fetch_add(1, Ordering::Relaxed);
    let score = app.model.score(&req.features);
    Json(json!({"score": score, "label": u8::from(score >= 0.5), "model_version": app.model.version})).into_response()
}

#[derive(Deserialize)]
struct V2 {
    instances: Vec<Vec<f64>>,
}

async fn predict_v2(State(app): State<App>, body: Result<Json<V2>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return rejected(&app, r),
    };
    if req.instances.is_empty() || req.instances.len() > MAX_BATCH {
        return error(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a batch holds 1 to {MAX_BATCH} instances, not {}", req.instances.len()),
        );
    }
    if let Some(why) = req.instances.iter().find_map(|x| invalid(&app, x)) {
        return error(&app, StatusCode::UNPROCESSABLE_ENTITY, why);
    }
    app.counters.v2.fetch_add(req.instances.len() as u64, Ordering::Relaxed);
    let predictions: Vec<_> = req
        .instances
        .iter()
        .map(|x| {
            let score = app.model.score(x);
            json!({"score": score, "label": u8::from(score >= 0.5)})
        })
        .collect();
    Json(json!({"predictions": predictions, "model_version": app.model.version})).into_response()
}

async fn metrics(State(app): State<App>) -> Response {
    let c = &app.counters;
    let text = format!(
        "# TYPE predictions_total counter\npredictions_total{{api=\"v1\"}} {}\npredictions_total{{api=\"v2\"}} {}\n\
         # TYPE rejected_total counter\nrejected_total {}\n",
        c.v1.load(Ordering::Relaxed),
        c.v2.load(Ordering::Relaxed),
        c.rejected.load(Ordering::Relaxed)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
