//! Asynchronous predictions: a job is accepted at once (`202` and where to ask), worked on in the
//! background, and its results fetched by polling.

use crate::api::Model;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// The most instances one job may hold.
pub const MAX_JOB: usize = 1000;
/// Jobs accepted but not yet started, at most.
pub const MAX_QUEUED: usize = 16;

#[derive(Clone)]
enum Job {
    Queued,
    Running,
    Done(Vec<Value>),
}

#[derive(Clone)]
struct App {
    model: Arc<Model>,
    jobs: Arc<Mutex<HashMap<String, Job>>>,
    queue: mpsc::Sender<(String, Vec<Vec<f64>>)>,
    next: Arc<AtomicU64>,
}

/// The service: see the exercise's documentation in `exercises/stage7/src/jobs.rs`.
pub fn router(model: Model) -> Router {
    let (queue, mut rx) = mpsc::channel::<(String, Vec<Vec<f64>>)>(MAX_QUEUED);
    let app = App { model: Arc::new(model), jobs: Arc::default(), queue, next: Arc::default() };
    let worker = app.clone();
    tokio::spawn(async move {
        while let Some((id, instances)) = rx.recv().await {
            worker.jobs.lock().unwrap().insert(id.clone(), Job::Running);
            let predictions = instances
                .iter()
                .map(|x| {
                    let score = worker.model.score(x);
                    json!({"score": score, "label": u8::from(score >= 0.5)})
                })
                .collect();
            worker.jobs.lock().unwrap().insert(id, Job::Done(predictions));
        }
    });
    Router::new().route("/v1/jobs", post(submit)).route("/v1/jobs/{id}", get(status)).with_state(app)
}

fn error(status: StatusCode, why: String) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
struct Submit {
    instances: Vec<Vec<f64>>,
}

async fn submit(State(app): State<App>, body: Result<Json<Submit>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return error(r.status(), r.body_text()),
    };
    let n = req.instances.len();
    if n == 0 || n > MAX_JOB {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("a job holds 1 to {MAX_JOB} instances, not {n}"));
    }
    let d = app.model.weights.len();
    if let Some(x) = req.instances.iter().find(|x| x.len() != d) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("expected {d} features, got {}", x.len()));
    }
    let id = format!("j{}", app.next.fetch_add(1, Ordering::Relaxed) + 1);
    app.jobs.lock().unwrap().insert(id.clone(), Job::Queued);
    if app.queue.try_send((id.clone(), req.instances)).is_err() {
        app.jobs.lock().unwrap().remove(&id);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            Json(json!({"error": "too many jobs queued: try again later"})),
        )
            .into_response();
    }
    let location = format!("/v1/jobs/{id}");
    (StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(json!({"job_id": id, "status": "queued"})))
        .into_response()
}

async fn status(State(app): State<App>, Path(id): Path<String>) -> Response {
    let job = app.jobs.lock().unwrap().get(&id).cloned();
    let version = &app.model.version;
    match job {
        None => error(StatusCode::NOT_FOUND, format!("no job {id}")),
        Some(Job::Queued) => Json(json!({"status": "queued", "model_version": version})).into_response(),
        Some(Job::Running) => Json(json!({"status": "running", "model_version": version})).into_response(),
        Some(Job::Done(p)) => {
            Json(json!({"status": "done", "predictions": p, "model_version": version})).into_response()
        }
    }
}
