//! Dynamic batching: requests that arrive together are scored in one call of the accelerator.
//!
//! The model runs on an [`Accelerator`]: a call costs a fixed 2 ms whatever its size (up to
//! [`MAX_BATCH`](crate::accel::MAX_BATCH) rows) and it runs one call at a time, as a GPU does. A service that makes one call
//! per request serves at most 500 requests a second however many clients wait; one that scores
//! the requests waiting together serves many times more, with the same answers.
//!
//! `POST /v1/predict` `{"features": [x1, ..., xd]}` answers `{"score": s, "label": l,
//! "model_version": V}` (`l = 1` when `s >= 0.5`) with `s` the accelerator's score of the row, and
//! `422` `{"error": ...}` for a row of another length than `dim` (`400`/`415`/`422` for bodies
//! that do not parse, as in `api`). The grader compares single answers with the reference's, then
//! drives both services with 32 clients and compares their throughput: yours at least half the
//! reference's, every answer the same as alone, and a malformed request sent in the middle of
//! the load answered `422` without failing anyone else's.
//!
//! ## How
//!
//! - The handlers do not call the accelerator: each sends its row, with a
//!   `tokio::sync::oneshot::Sender` for its answer, into a `tokio::sync::mpsc` channel, and awaits
//!   the answer.
//! - One task (spawned in `router`) loops: it waits for a first row, takes every other row already
//!   waiting (`try_recv`, up to [`MAX_BATCH`](crate::accel::MAX_BATCH)), scores them in one call and sends each answer back
//!   to its own request. While a batch is scored the next one gathers, so the batches grow with
//!   the load by themselves, and a lone request is not kept waiting for company.
//! - Check each row's length *before* it joins a batch: the accelerator fails a whole call for one
//!   bad row.

use crate::accel::Accelerator;
use axum::Router;

/// The service: rows of `dim` features scored on `accel`, answers naming `version`.
pub fn router(accel: Accelerator, dim: usize, version: String) -> Router {
    todo!()
}
