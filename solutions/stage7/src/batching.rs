//! Dynamic batching: requests that arrive together are scored in one call of the accelerator.

use crate::accel::{Accelerator, MAX_BATCH};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

type Job = (Vec<f64>, oneshot::Sender<Option<f64>>);

#[derive(Clone)]
struct App {
    dim: usize,
    version: Arc<str>,
    queue: mpsc::Sender<Job>,
}

/// The service: see the exercise's documentation in `exercises/stage7/src/batching.rs`.
pub fn router(accel: Accelerator, dim: usize, version: String) -> Router {
    let (queue, mut rx) = mpsc::channel::<Job>(4096);
    tokio::spawn(async move {
        // One batch at a time: the first request waiting, and every other one already waiting
        // (up to MAX_BATCH). While a batch runs, the next one gathers.
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let (rows, replies): (Vec<Vec<f64>>, Vec<oneshot::Sender<Option<f64>>>) = batch.into_iter().unzip();
            match accel.scores(rows).await {
                Ok(scores) => {
                    for (reply, s) in replies.into_iter().zip(scores) {
                        let _ = reply.send(Some(s));
                    }
                }
                Err(_) => {
                    for reply in replies {
                        let _ = reply.send(None);
                    }
                }
            }
        }
    });
    let app = App { dim, version: version.into(), queue };
    Router::new().route("/v1/predict", post(predict)).with_state(app)
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
    // Checked before it joins a batch: one bad row would fail every request scored with it.
    if req.features.len() != app.dim {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("expected {} features, got {}", app.dim, req.features.len()),
        );
    }
    let (tx, rx) = oneshot::channel();
    if app.queue.send((req.features, tx)).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the batcher is gone".into());
    }
    match rx.await {
        Ok(Some(score)) => {
            Json(json!({"score": score, "label": u8::from(score >= 0.5), "model_version": &*app.version}))
                .into_response()
        }
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "the accelerator failed".into()),
    }
}
