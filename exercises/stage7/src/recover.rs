//! Disaster recovery for a model service: every version kept, a backup, and a rollback under load.
//!
//! A new model version goes bad in production: the fix is to go back to the previous version
//! *now*, without restarting the service and without failing the requests that arrive meanwhile.
//! The service keeps every version it was given (`models`, oldest first; the last one is active
//! at start) and lets an operator move between them:
//!
//! | request | answer |
//! |---|---|
//! | `POST /v1/predict` `{"features": [...]}` | as `api`'s `/v1/predict`, from the active version (its `model_version`) |
//! | `GET /admin/models` | `200` `{"active": V, "versions": [V1, V2, ...]}` (oldest first) |
//! | `POST /admin/rollback` | the version before the active one becomes active: `200` `{"active": V}`; already at the first: `409` `{"error": ...}` |
//! | `POST /admin/activate` `{"version": V}` | `V` becomes active: `200` `{"active": V}`; a version it does not have: `404` `{"error": ...}` |
//! | `GET /admin/backup` | `200` `{"active": V, "models": [{"version": V1, "weights": [...], "bias": b}, ...]}`: everything needed to rebuild the service elsewhere |
//!
//! The grader rolls back and forward while 8 clients send predictions: every prediction must be
//! answered `200`, by one version or the other, never by none. A switch is one small write under
//! a lock; a prediction takes the active model (an `Arc`) under the lock and scores after it is
//! released, so that neither waits for the other.

use crate::api::Model;
use axum::Router;

/// The service (see the module's documentation).
pub fn router(models: Vec<Model>) -> Router {
    todo!()
}
