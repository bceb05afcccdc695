//! A model behind an HTTP API: the service a backend team runs for a model.
//!
//! You write `router`: an [axum](https://docs.rs/axum/0.8) `Router` with the routes below. The
//! course's glue owns `main`: it builds the tokio runtime, takes the listener the grader opened,
//! serves your router, and on SIGTERM turns `draining` to `true`, waits a quarter of a second
//! (the time a load balancer needs to see readiness fail), stops accepting, lets the requests in
//! flight finish and exits. Your code never listens or opens a socket itself: it could not (the
//! sandbox forbids it), and it does not need to.
//!
//! The grader's own HTTP client drives your service and the reference's side by side on hidden
//! inputs and compares what comes back: status codes exactly, JSON numbers to 1e-9. The model is
//! the course's own: Stage 2's logistic regression trained on the even rows of the breast-cancer
//! data set (30 features in raw units, 1 = malignant; `datasets/breast_cancer/SOURCE.md`), one of
//! its four versions, and the hidden inputs are held-out rows. Every other service of this stage
//! serves the same models.
//!
//! ## The contract
//!
//! | request | answer |
//! |---|---|
//! | `GET /health` | `200` `{"status": "ok"}`: the process is alive (liveness) |
//! | `GET /ready` | `200` `{"status": "ready", "model_version": V}` while serving; `503` `{"status": "draining"}` once `draining` is true (readiness) |
//! | `POST /v1/predict` `{"features": [x1, ..., xd]}` | `200` `{"score": s, "label": l, "model_version": V}` with `s = Model::score(x)`, `l = 1` when `s >= 0.5`, else `0` |
//! | `POST /v2/predict` `{"instances": [[...], ...]}` | `200` `{"predictions": [{"score": s, "label": l}, ...], "model_version": V}`, one per instance, in order |
//! | `GET /metrics` | `200`, `text/plain`, Prometheus text: `predictions_total{api="v1"} N1`, `predictions_total{api="v2"} N2` (instances, not requests) and `rejected_total N3` (requests answered with an error status by the predict routes), one per line |
//!
//! `/v1` stays as it was when `/v2` came: old clients keep working (a versioned API).
//!
//! ## Errors
//!
//! Every error answer is JSON, `{"error": "<what was wrong>"}` (the grader reads the status and
//! checks that `error` is a string; the words are yours), and the service goes on serving:
//!
//! - a body that is not JSON (or is empty): `400`; without `content-type: application/json`: `415`;
//! - JSON of the wrong shape (a missing field, a string where a number is due): `422`;
//! - `d` features expected and another number sent, in `/v1` or in any instance of `/v2`: `422`;
//! - a `/v2` batch of 0 instances, or of more than [`MAX_BATCH`]: `422`;
//! - a body over [`MAX_BODY`] bytes: `413` (it must not be read whole: a client can send
//!   gigabytes);
//! - a method a route does not have: `405`; a route that does not exist: `404` (axum answers both
//!   by itself).
//!
//! Only `200` answers count in `predictions_total`; every error answer of the two predict routes
//! counts once in `rejected_total`.
//!
//! ## Hints
//!
//! - State shared by handlers goes in one `Clone` struct (`Arc`s inside) given to
//!   `Router::with_state`; counters are `AtomicU64`s.
//! - `Json<T>` as an extractor rejects bad bodies by itself with the statuses above, but its
//!   answer is plain text: take `Result<Json<T>, JsonRejection>` instead and answer
//!   `(rejection.status(), Json(...))`.
//! - `axum::extract::DefaultBodyLimit::max(n)` as a layer sets the body limit.
//! - `*draining.borrow()` reads the flag without waiting.

use axum::Router;
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

/// The service (see the module's documentation for the contract): `model` answers the
/// predictions, `draining` turns true when the service is asked to stop.
pub fn router(model: Model, draining: watch::Receiver<bool>) -> Router {
    todo!()
}
