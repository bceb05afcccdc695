//! The HTTP service: the contract a client (the grader's) relies on. `openapi.yaml` states the
//! same contract as an OpenAPI 3.0 document, with examples.
//!
//! Every error answer is JSON `{"error": "<message>"}`. "auth" marks the routes that require
//! the header `Authorization: Bearer <token>` with `config.token`; a missing or wrong token is
//! `401`, with the header `WWW-Authenticate: Bearer`, checked **before** the body is read.
//! Compare tokens in constant time (for example the SHA-256 digests of both, every byte).
//!
//! | request | answer |
//! |---|---|
//! | `GET /health/live` | `200` `{"status": "ok"}`, always, from the first instant |
//! | `GET /health/ready` | `200` `{"status": "ready", "version": "v2"}` once the active model is loaded and while not draining; else `503` `{"status": "starting"}` or `{"status": "draining"}` |
//! | `GET /metrics` | `200`, `Content-Type: text/plain; version=0.0.4`, Prometheus text: `capstone_requests_total{route="/v1/predict",status="200"} 12` for every route and status seen (at least `/v1/predict`, `/v1/feedback`, `/v1/model/rollback`), and `capstone_model_info{version="v2"} 1` |
//! | `POST /v1/predict` (auth) `{"text": "..."}` (spam) or `{"pixels": [784 numbers]}` (digits) | `200` `{"label": 1, "version": "v2"}`, from the active version |
//! | `POST /v1/feedback` (auth) `{"id": "mail-42", "label": 1}` | `201` `{"id": "mail-42", "label": 1}` once the record is on disk (synced); the same record again `200`; the same id with another label `409` |
//! | `GET /v1/feedback/{id}` (auth) | `200` `{"id": ..., "label": ...}`, or `404` |
//! | `GET /v1/model` | `200` `{"version": "v2", "versions": ["v1", "v2"]}`: the active version and all of them, oldest first |
//! | `POST /v1/model/rollback` (auth) | `200` `{"version": "v1"}`: the version before the active one becomes active, durably (`Store::set_active`: it still is after a restart); `409` when the active one is the first |
//! | anything else (another path, `/v2/...`, another method) | `404` JSON |
//!
//! Bodies, in the order the checks apply: a missing or wrong token `401`; not ready (the model
//! is loading) `503`; a body over 1 MiB (`given::MAX_BODY_BYTES`) `413`; a body that is not JSON
//! `400`; JSON of the wrong shape `422`: a missing field, a field of the wrong type, an unknown
//! field (the other task's included), an empty `text` or one over 100,000 bytes
//! (`given::MAX_TEXT_BYTES`), `pixels` not 784 long or a pixel outside `[0, 1]`, an `id` that
//! is not 1 to 64 characters of `A-Z a-z 0-9 _ -`, a `label` not below `task.classes()`. The
//! `Content-Type` is not checked.
//!
//! # Start-up, readiness, draining
//!
//! `app` must return at once: the glue calls it inside the tokio runtime, then starts serving.
//! Open the store and load **every** version in the background (`tokio::task::spawn_blocking`),
//! then serve the active one (the `active` file, else the newest): until then `/health/live`
//! answers `200`, readiness `503` `{"status": "starting"}`, and the model and feedback routes
//! `503`. The grader measures how soon readiness turns 200 (within 10 s) and checks that it never
//! lies: a 200 on readiness means `/v1/predict` answers.
//!
//! `config.draining` turns `true` when the glue received SIGTERM: readiness answers `503`
//! `{"status": "draining"}` from then on, every other route keeps answering, and the glue stops
//! the server once the requests in flight are done.
//!
//! # Rollback under load
//!
//! The grader rolls back while clients keep predicting: no request may fail or wait long. Keep
//! the loaded models as `Arc<Model>`s and the index of the active one under a lock
//! (`std::sync::RwLock`): a prediction clones the active `Arc` under the lock and computes after
//! releasing it; a rollback makes the change durable first (`set_active`), then swaps the index.
//!
//! # Blocking work
//!
//! File-system calls and fsyncs block: run them with `tokio::task::spawn_blocking`, never on the
//! async worker threads. The `Store` is one: share it behind a `std::sync::Mutex`, which also
//! serialises the check-then-write of a feedback record (two requests with the same id and
//! different labels: exactly one `201`, the other `409`).

use crate::given::Config;
use axum::Router;

/// The service (see the module's documentation).
pub fn app(config: Config) -> Router {
    todo!()
}
