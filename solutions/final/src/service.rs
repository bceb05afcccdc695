//! The HTTP service, reference solution (the contract is in `projects/final/src/service.rs` and
//! `openapi.yaml`).
//!
//! State: the configuration, the counters, and — once the background loader is done — the
//! store (behind a mutex: one writer at a time, always off the async threads) and the registry
//! of loaded models (behind a read-write lock, held only to clone or swap an `Arc`).

use crate::given::{version_name, Config, Error, Input, Task, MAX_BODY_BYTES, MAX_TEXT_BYTES, PIXELS};
use crate::model::Model;
use crate::store::{valid_id, Store};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// The routes counted on `/metrics`.
const COUNTED: [&str; 5] = ["/v1/predict", "/v1/feedback", "/v1/feedback/{id}", "/v1/model", "/v1/model/rollback"];

struct Registry {
    /// Every loaded version, oldest first.
    models: Vec<(u32, Arc<Model>)>,
    /// Index of the active one in `models`.
    active: usize,
}

impl Registry {
    fn active(&self) -> (u32, Arc<Model>) {
        let (v, m) = &self.models[self.active];
        (*v, Arc::clone(m))
    }
}

struct Loaded {
    store: Mutex<Store>,
    registry: RwLock<Registry>,
}

struct Shared {
    config: Config,
    token_digest: [u8; 32],
    loaded: OnceLock<Loaded>,
    counts: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

type App = Arc<Shared>;

/// The service (see the contract in the README and `openapi.yaml`). Returns at once: the
/// store and every model version load on a blocking thread.
pub fn app(config: Config) -> Router {
    let shared: App = Arc::new(Shared {
        token_digest: Sha256::digest(config.token.as_bytes()).into(),
        config,
        loaded: OnceLock::new(),
        counts: Mutex::default(),
    });
    let loader = Arc::clone(&shared);
    tokio::task::spawn_blocking(move || match load(&loader.config) {
        Ok(loaded) => {
            let _ = loader.loaded.set(loaded);
        }
        Err(e) => eprintln!("capstone: cannot start: {e}"),
    });
    let protected = Router::new()
        .route("/v1/predict", post(predict))
        .route("/v1/feedback", post(feedback_post))
        .route("/v1/feedback/{id}", get(feedback_get))
        .route("/v1/model/rollback", post(rollback))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), require_token));
    Router::new()
        .route("/health/live", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/model", get(model_info))
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), count))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// Opens the store and loads every version; the active one must load, the others are skipped
/// (with a message) when they do not.
fn load(config: &Config) -> Result<Loaded, Error> {
    let store = Store::open(&config.data_dir)?;
    let active = store.active()?.ok_or_else(|| Error::new(format!("no model in {}", config.data_dir.display())))?;
    let mut models = Vec::new();
    for v in store.versions()? {
        match store.load_model(v) {
            Ok(m) if m.task() == config.task => models.push((v, Arc::new(m))),
            Ok(m) if v == active => return Err(Error::new(format!("{} is a {} model", version_name(v), m.task()))),
            Err(e) if v == active => return Err(e),
            Ok(m) => eprintln!("capstone: skipping {}: a {} model", version_name(v), m.task()),
            Err(e) => eprintln!("capstone: skipping {}: {e}", version_name(v)),
        }
    }
    let active = models.iter().position(|(v, _)| *v == active).expect("the active version loaded");
    Ok(Loaded { store: Mutex::new(store), registry: RwLock::new(Registry { models, active }) })
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn not_ready() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "the model is still loading")
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    error(StatusCode::NOT_FOUND, format!("no route {method} {}", uri.path()))
}

/// Bearer authentication, before the body is read: the token's SHA-256 compared with the
/// configured one's in constant time (so neither its bytes nor its length leak through timing).
async fn require_token(State(app): State<App>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let ok = match given {
        Some(token) if !app.config.token.is_empty() => {
            let digest = Sha256::digest(token.as_bytes());
            digest.iter().zip(&app.token_digest).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }
        _ => false,
    };
    if !ok {
        let mut resp = error(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return resp;
    }
    next.run(req).await
}

/// Counts every answer of the API's routes by route and status.
async fn count(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let route = COUNTED.iter().copied().find(|r| match r.strip_suffix("{id}") {
        Some(prefix) => path.strip_prefix(prefix).is_some_and(|id| !id.is_empty() && !id.contains('/')),
        None => *r == path,
    });
    let resp = next.run(req).await;
    if let Some(route) = route {
        *app.counts.lock().unwrap().entry((route, resp.status().as_u16())).or_default() += 1;
    }
    resp
}

async fn ready(State(app): State<App>) -> Response {
    if *app.config.draining.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "draining"}))).into_response();
    }
    match app.loaded.get() {
        Some(l) => {
            let (v, _) = l.registry.read().unwrap().active();
            Json(json!({"status": "ready", "version": version_name(v)})).into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "starting"}))).into_response(),
    }
}

async fn metrics(State(app): State<App>) -> Response {
    let mut text = String::from(
        "# HELP capstone_requests_total Requests answered, by route and status.\n\
         # TYPE capstone_requests_total counter\n",
    );
    for ((route, status), n) in app.counts.lock().unwrap().iter() {
        text.push_str(&format!("capstone_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"));
    }
    text.push_str("# HELP capstone_ready Whether the service is ready (1) or not (0).\n# TYPE capstone_ready gauge\n");
    let ready = app.loaded.get().is_some() && !*app.config.draining.borrow();
    text.push_str(&format!("capstone_ready {}\n", u8::from(ready)));
    if let Some(l) = app.loaded.get() {
        let (v, _) = l.registry.read().unwrap().active();
        text.push_str("# HELP capstone_model_info The active model version.\n# TYPE capstone_model_info gauge\n");
        text.push_str(&format!("capstone_model_info{{version=\"{}\"}} 1\n", version_name(v)));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// A request refused before it reached the model: its status and why.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

/// The body as JSON: 413 over the limit, 400 when it is not JSON.
fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, Refused> {
    let bytes = body.map_err(|r| Refused(r.status(), r.body_text()))?;
    serde_json::from_slice(&bytes).map_err(|e| Refused(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")))
}

/// A JSON value of the wrong shape: 422.
fn shaped<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, Refused> {
    serde_json::from_value(v).map_err(|e| Refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictBody {
    text: Option<String>,
    pixels: Option<Vec<f64>>,
}

/// The request's input for `task`, or why it is not one (422).
fn input(task: Task, body: PredictBody) -> Result<Input, String> {
    match (task, body.text, body.pixels) {
        (Task::Spam, Some(text), None) => {
            if text.is_empty() || text.len() > MAX_TEXT_BYTES {
                Err(format!("text must hold 1 to {MAX_TEXT_BYTES} bytes, not {}", text.len()))
            } else {
                Ok(Input::Text(text))
            }
        }
        (Task::Digits, None, Some(pixels)) => {
            if pixels.len() != PIXELS {
                Err(format!("expected {PIXELS} pixels, got {}", pixels.len()))
            } else if let Some(p) = pixels.iter().find(|p| !(0.0..=1.0).contains(*p)) {
                Err(format!("pixel {p} is outside [0, 1]"))
            } else {
                Ok(Input::Pixels(pixels.iter().map(|&p| p as f32).collect()))
            }
        }
        (Task::Spam, ..) => Err("the spam model takes {\"text\": \"...\"} and nothing else".into()),
        (Task::Digits, ..) => {
            Err(format!("the digits model takes {{\"pixels\": [{PIXELS} numbers]}} and nothing else"))
        }
    }
}

async fn predict(State(app): State<App>, body: Result<Bytes, BytesRejection>) -> Result<Response, Refused> {
    let Some(loaded) = app.loaded.get() else { return Ok(not_ready()) };
    let body = shaped::<PredictBody>(json_body(body)?)?;
    let x = input(app.config.task, body).map_err(|why| Refused(StatusCode::UNPROCESSABLE_ENTITY, why))?;
    // The active model, taken under the lock and used after it: a rollback never waits for a
    // prediction, and a prediction never sees half a rollback.
    let (v, model) = loaded.registry.read().unwrap().active();
    let label = model.predict(&x).map_err(|e| Refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(json!({"label": label, "version": version_name(v)})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    id: String,
    label: u32,
}

async fn feedback_post(State(app): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    if app.loaded.get().is_none() {
        return not_ready();
    }
    let body = match json_body(body).and_then(shaped::<FeedbackBody>) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    if !valid_id(&body.id) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "id must be 1 to 64 characters of A-Z a-z 0-9 _ -");
    }
    let classes = app.config.task.classes();
    if body.label >= classes {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("label must be below {classes}"));
    }
    // The fsync blocks: on a blocking thread, one writer at a time.
    let shared = Arc::clone(&app);
    let done = tokio::task::spawn_blocking(move || {
        let loaded = shared.loaded.get().expect("checked above");
        let mut store = loaded.store.lock().unwrap();
        let record = json!({"id": body.id, "label": body.label});
        match store.feedback(&body.id) {
            Some(l) if l == body.label => (StatusCode::OK, Json(record)).into_response(),
            Some(l) => error(StatusCode::CONFLICT, format!("{} is already labelled {l}", body.id)),
            None => match store.record_feedback(&body.id, body.label) {
                Ok(()) => (StatusCode::CREATED, Json(record)).into_response(),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            },
        }
    })
    .await;
    done.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn feedback_get(State(app): State<App>, Path(id): Path<String>) -> Response {
    let Some(loaded) = app.loaded.get() else { return not_ready() };
    match loaded.store.lock().unwrap().feedback(&id) {
        Some(label) => Json(json!({"id": id, "label": label})).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no feedback {id:?}")),
    }
}

async fn model_info(State(app): State<App>) -> Response {
    let Some(loaded) = app.loaded.get() else { return not_ready() };
    let r = loaded.registry.read().unwrap();
    let versions: Vec<String> = r.models.iter().map(|(v, _)| version_name(*v)).collect();
    Json(json!({"version": version_name(r.active().0), "versions": versions})).into_response()
}

async fn rollback(State(app): State<App>) -> Response {
    if app.loaded.get().is_none() {
        return not_ready();
    }
    let shared = Arc::clone(&app);
    let done = tokio::task::spawn_blocking(move || {
        let loaded = shared.loaded.get().expect("checked above");
        // The store's lock serialises rollbacks; the registry's is held only for the swap.
        let mut store = loaded.store.lock().unwrap();
        let (target, index) = {
            let r = loaded.registry.read().unwrap();
            if r.active == 0 {
                let v = version_name(r.active().0);
                return error(StatusCode::CONFLICT, format!("{v} is the first version: nothing to roll back to"));
            }
            (r.models[r.active - 1].0, r.active - 1)
        };
        if let Err(e) = store.set_active(target) {
            return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
        loaded.registry.write().unwrap().active = index;
        Json(json!({"version": version_name(target)})).into_response()
    })
    .await;
    done.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}
