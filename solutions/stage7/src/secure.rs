//! Securing a model's endpoints: who may call them (tokens and roles, exact 401 and 403), and how
//! little it takes to change a model's answer (the fast gradient sign method on a linear model).

use crate::api::Model;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// May ask for predictions.
    Reader,
    /// May ask for predictions and read the service's statistics.
    Admin,
}

#[derive(Clone)]
struct App {
    model: Arc<Model>,
    tokens: Arc<Vec<(String, Role)>>,
    predictions: Arc<AtomicU64>,
}

/// Equal byte strings, in a time that does not depend on where they first differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The caller's role, from `Authorization: Bearer <token>`.
struct Caller(Role);

fn unauthorized(why: &str) -> Response {
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], Json(json!({"error": why}))).into_response()
}

impl FromRequestParts<App> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Caller, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized("no credentials"));
        };
        let value = value.as_bytes();
        let Some((scheme, token)) = value.split_first_chunk::<7>() else {
            return Err(unauthorized("not a bearer token"));
        };
        if !scheme.eq_ignore_ascii_case(b"bearer ") || token.is_empty() {
            return Err(unauthorized("not a bearer token"));
        }
        // Every known token compared, whichever matches.
        let mut role = None;
        for (t, r) in app.tokens.iter() {
            if same(t.as_bytes(), token) {
                role = Some(*r);
            }
        }
        role.map(Caller).ok_or_else(|| unauthorized("unknown token"))
    }
}

/// The service: see the exercise's documentation in `exercises/stage7/src/secure.rs`.
pub fn router(model: Model, tokens: Vec<(String, Role)>) -> Router {
    let app = App { model: Arc::new(model), tokens: Arc::new(tokens), predictions: Arc::default() };
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/v1/predict", post(predict))
        .route("/admin/stats", get(stats))
        .with_state(app)
}

#[derive(Deserialize)]
struct V1 {
    features: Vec<f64>,
}

async fn predict(Caller(_): Caller, State(app): State<App>, body: Result<Json<V1>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return (r.status(), Json(json!({"error": r.body_text()}))).into_response(),
    };
    let d = app.model.weights.len();
    if req.features.len() != d {
        let why = format!("expected {d} features, got {}", req.features.len());
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "error": why }))).into_response();
    }
    app.predictions.fetch_add(1, Ordering::Relaxed);
    let score = app.model.score(&req.features);
    Json(json!({"score": score, "label": u8::from(score >= 0.5), "model_version": app.model.version})).into_response()
}

async fn stats(Caller(role): Caller, State(app): State<App>) -> Response {
    if role != Role::Admin {
        return (StatusCode::FORBIDDEN, Json(json!({"error": "admins only"}))).into_response();
    }
    Json(json!({"predictions": app.predictions.load(Ordering::Relaxed)})).into_response()
}

/// The fast gradient sign method against the linear model `z = w · x + b` (label 1 when
/// `z >= 0`): `x` moved by `eps` in every feature, each in the direction that moves `z` towards
/// the other label (`x − eps·sign(w)` when `z >= 0`, `x + eps·sign(w)` otherwise; `sign(0) = 0`).
pub fn fgsm(w: &[f64], b: f64, x: &[f64], eps: f64) -> Vec<f64> {
    let z: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b;
    let dir = if z >= 0.0 { -1.0 } else { 1.0 };
    let sign = |v: f64| {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    x.iter().zip(w).map(|(x, w)| x + dir * eps * sign(*w)).collect()
}

/// The smallest `eps` at which [`fgsm`] brings `z` to the boundary `0`: `|z| / ‖w‖₁`
/// (the model's robustness radius at `x` in the L∞ norm); infinite when `w` is all zeros.
pub fn radius(w: &[f64], b: f64, x: &[f64]) -> f64 {
    let z: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b;
    let l1: f64 = w.iter().map(|w| w.abs()).sum();
    if l1 == 0.0 {
        f64::INFINITY
    } else {
        z.abs() / l1
    }
}
