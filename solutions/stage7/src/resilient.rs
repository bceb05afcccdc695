//! A prediction service that depends on a feature store: a timeout on every call, retries with
//! backoff, a fallback, and a circuit breaker.

use crate::api::Model;
use crate::store::{FeatureStore, StoreError};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How long one call to the store may take.
pub const STORE_TIMEOUT: Duration = Duration::from_millis(100);
/// Calls after the first one, when a call fails or times out.
pub const RETRIES: u32 = 2;
/// The wait before the first retry; it doubles before each next one.
pub const BACKOFF: Duration = Duration::from_millis(20);
/// Consecutive failed calls that open the breaker.
pub const BREAKER_THRESHOLD: u32 = 5;
/// How long the breaker stays open before it lets one trial call through.
pub const BREAKER_OPEN: Duration = Duration::from_secs(1);

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Breaker {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is out.
    HalfOpen,
}

/// What the breaker says about a call now.
enum Permit {
    Call,
    Trial,
    Refused,
}

#[derive(Default)]
struct Counters {
    calls: AtomicU64,
    fallbacks: AtomicU64,
    opened: AtomicU64,
}

#[derive(Clone)]
struct App {
    model: Arc<Model>,
    defaults: Arc<Vec<f64>>,
    store: FeatureStore,
    breaker: Arc<Mutex<Breaker>>,
    counters: Arc<Counters>,
}

impl App {
    fn permit(&self) -> Permit {
        let mut b = self.breaker.lock().unwrap();
        match *b {
            Breaker::Closed { .. } => Permit::Call,
            Breaker::Open { until } if Instant::now() >= until => {
                *b = Breaker::HalfOpen;
                Permit::Trial
            }
            Breaker::Open { .. } | Breaker::HalfOpen => Permit::Refused,
        }
    }

    fn open(&self, b: &mut Breaker) {
        *b = Breaker::Open { until: Instant::now() + BREAKER_OPEN };
        self.counters.opened.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a call's outcome: `true` when the store answered (features or not found).
    fn record(&self, answered: bool, trial: bool) {
        let mut b = self.breaker.lock().unwrap();
        match (*b, answered) {
            (_, true) => *b = Breaker::Closed { failures: 0 },
            (Breaker::HalfOpen, false) if trial => self.open(&mut b),
            (Breaker::Closed { failures }, false) => {
                if failures + 1 >= BREAKER_THRESHOLD {
                    self.open(&mut b);
                } else {
                    *b = Breaker::Closed { failures: failures + 1 };
                }
            }
            (_, false) => {}
        }
    }

    /// The user's features through timeouts, retries and the breaker: `Ok(None)` means no
    /// call succeeded (fall back); `Err` that the store holds nothing for the user.
    async fn features(&self, user: u64) -> Result<Option<Vec<f64>>, StoreError> {
        let mut backoff = BACKOFF;
        for attempt in 0..=RETRIES {
            if attempt > 0 {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            let trial = match self.permit() {
                Permit::Refused => return Ok(None),
                Permit::Trial => true,
                Permit::Call => false,
            };
            self.counters.calls.fetch_add(1, Ordering::Relaxed);
            match tokio::time::timeout(STORE_TIMEOUT, self.store.features(user)).await {
                Ok(Ok(x)) => {
                    self.record(true, trial);
                    return Ok(Some(x));
                }
                Ok(Err(StoreError::NotFound)) => {
                    self.record(true, trial);
                    return Err(StoreError::NotFound);
                }
                Ok(Err(StoreError::Unavailable)) | Err(_) => {
                    self.record(false, trial);
                    if trial {
                        return Ok(None);
                    }
                }
            }
        }
        Ok(None)
    }
}

/// The service: see the exercise's documentation in `exercises/stage7/src/resilient.rs`.
pub fn router(model: Model, defaults: Vec<f64>, store: FeatureStore) -> Router {
    let app = App {
        model: Arc::new(model),
        defaults: Arc::new(defaults),
        store,
        breaker: Arc::new(Mutex::new(Breaker::Closed { failures: 0 })),
        counters: Arc::default(),
    };
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/v1/predict", post(predict))
        .route("/metrics", get(metrics))
        .with_state(app)
}

#[derive(Deserialize)]
struct Req {
    user: u64,
}

async fn predict(State(app): State<App>, body: Result<Json<Req>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(r) => return (r.status(), Json(json!({"error": r.body_text()}))).into_response(),
    };
    let (x, fallback) = match app.features(req.user).await {
        Err(_) => {
            return (StatusCode::NOT_FOUND, Json(json!({"error": format!("no features for user {}", req.user)})))
                .into_response()
        }
        Ok(Some(x)) if x.len() == app.model.weights.len() => (x, false),
        Ok(_) => {
            app.counters.fallbacks.fetch_add(1, Ordering::Relaxed);
            ((*app.defaults).clone(), true)
        }
    };
    let score = app.model.score(&x);
    Json(json!({
        "score": score,
        "label": u8::from(score >= 0.5),
        "model_version": app.model.version,
        "fallback": fallback,
    }))
    .into_response()
}

async fn metrics(State(app): State<App>) -> Response {
    let c = &app.counters;
    let text = format!(
        "# TYPE store_calls_total counter\nstore_calls_total {}\n# TYPE fallbacks_total counter\nfallbacks_total {}\n\
         # TYPE breaker_opened_total counter\nbreaker_opened_total {}\n",
        c.calls.load(Ordering::Relaxed),
        c.fallbacks.load(Ordering::Relaxed),
        c.opened.load(Ordering::Relaxed)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
