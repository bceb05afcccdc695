//! Disaster recovery for a model service: every version kept, a backup of them all, and a
//! rollback (or roll forward) while requests keep coming, none of them dropped.

use crate::api::Model;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, RwLock};

struct Registry {
    models: Vec<Arc<Model>>,
    active: usize,
}

type App = Arc<RwLock<Registry>>;

/// The service: see the exercise's documentation in `exercises/stage7/src/recover.rs`.
pub fn router(models: Vec<Model>) -> Router {
    let active = models.len().saturating_sub(1);
    let app: App = Arc::new(RwLock::new(Registry { models: models.into_iter().map(Arc::new).collect(), active }));
    Router::new()
        .route("/v1/predict", post(predict))
        .route("/admin/models", get(models_view))
        .route("/admin/rollback", post(rollback))
        .route("/admin/activate", post(activate))
        .route("/admin/backup", get(backup))
        .with_state(app)
}

fn error(status: StatusCode, why: String) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
struct V1 {
    features: Vec<f64>,
}

async fn predict(State(app): State<App>, body: Result<Json<V1>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), r.body_text()),
    };
    // The active model, taken under the lock and used after it: a rollback never waits for a
    // prediction, and a prediction never sees half a rollback.
    let model = {
        let r = app.read().unwrap();
        match r.models.get(r.active) {
            Some(m) => Arc::clone(m),
            None => return error(StatusCode::SERVICE_UNAVAILABLE, "no model".into()),
        }
    };
    let d = model.weights.len();
    if req.features.len() != d {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("expected {d} features, got {}", req.features.len()));
    }
    let score = model.score(&req.features);
    Json(json!({"score": score, "label": u8::from(score >= 0.5), "model_version": model.version})).into_response()
}

async fn models_view(State(app): State<App>) -> Response {
    let r = app.read().unwrap();
    let versions: Vec<&str> = r.models.iter().map(|m| m.version.as_str()).collect();
    Json(json!({"active": r.models.get(r.active).map(|m| m.version.as_str()), "versions": versions})).into_response()
}

async fn rollback(State(app): State<App>) -> Response {
    let mut r = app.write().unwrap();
    if r.active == 0 {
        return error(StatusCode::CONFLICT, "the active version is the first: nothing to roll back to".into());
    }
    r.active -= 1;
    Json(json!({"active": r.models[r.active].version})).into_response()
}

#[derive(Deserialize)]
struct Activate {
    version: String,
}

async fn activate(State(app): State<App>, body: Result<Json<Activate>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), r.body_text()),
    };
    let mut r = app.write().unwrap();
    match r.models.iter().position(|m| m.version == req.version) {
        Some(i) => {
            r.active = i;
            Json(json!({"active": req.version})).into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("no version {}", req.version)),
    }
}

async fn backup(State(app): State<App>) -> Response {
    let r = app.read().unwrap();
    let models: Vec<_> =
        r.models.iter().map(|m| json!({"version": m.version, "weights": m.weights, "bias": m.bias})).collect();
    Json(json!({"active": r.models.get(r.active).map(|m| m.version.as_str()), "models": models})).into_response()
}
