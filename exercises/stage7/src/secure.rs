//! Securing a model's endpoints: who may call them, and how little it takes to change a model's
//! answer.
//!
//! ## `router`: tokens and roles
//!
//! Every caller presents `Authorization: Bearer <token>`; `tokens` says which tokens exist and
//! the [`Role`] of each. The grader checks the status codes exactly:
//!
//! | request | answer |
//! |---|---|
//! | `GET /health` | `200`, no credentials needed |
//! | `POST /v1/predict` `{"features": [...]}`, a reader's or an admin's token | as `api`'s `/v1/predict` (`200`, `400`/`415`/`422` with `{"error": ...}`) |
//! | `GET /admin/stats`, an admin's token | `200` `{"predictions": n}`: the `200` answers of `/v1/predict` so far |
//! | `GET /admin/stats`, a reader's token | `403` `{"error": ...}`: known, but not allowed |
//! | either route without an `Authorization` header, with another scheme (`Basic ...`), an empty or unknown token | `401` with the header `WWW-Authenticate: Bearer` and `{"error": ...}`: not known |
//!
//! - Authentication comes first: a request with a bad token *and* a malformed body is a `401`
//!   (an unknown caller learns nothing about the API); a known caller's malformed body is a `400`.
//! - The scheme is case-insensitive (`bearer` is `Bearer`, RFC 7235); the token is not; exactly
//!   one space separates them.
//! - Compare tokens in constant time (the time must not depend on where the first differing byte
//!   is, or an attacker can find a token byte by byte): compare every byte, OR the differences.
//!
//! Hint: an extractor that implements `FromRequestParts` (`Caller(Role)`) runs before the body's
//! `Json` and can reject with any `Response`; every handler that takes it is protected.
//!
//! ## `fgsm` and `radius`: adversarial inputs
//!
//! For the linear model `z = w · x + b` (label 1 when `z >= 0`), the gradient of `z` with
//! respect to `x` is `w`. The fast gradient sign method moves every feature by `eps` in the
//! direction that moves `z` towards the other label: `x − eps·sign(w)` when `z >= 0`,
//! `x + eps·sign(w)` otherwise (`sign(0) = 0`). It changes `z` by `eps·‖w‖₁`, so the smallest
//! `eps` that reaches the boundary is `|z| / ‖w‖₁`: the model's robustness radius at `x` in the
//! L∞ norm (infinite when `w` is all zeros: nothing changes the answer). A service can refuse, or
//! flag, inputs whose radius is tiny.

use crate::api::Model;
use axum::Router;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// May ask for predictions.
    Reader,
    /// May ask for predictions and read the service's statistics.
    Admin,
}

/// The service (see the module's documentation).
pub fn router(model: Model, tokens: Vec<(String, Role)>) -> Router {
    todo!()
}

/// `x` moved by `eps` per feature towards the other label. Shapes: `w` and `x` of one length.
pub fn fgsm(w: &[f64], b: f64, x: &[f64], eps: f64) -> Vec<f64> {
    todo!()
}

/// The robustness radius `|w · x + b| / ‖w‖₁` (infinite when `w` is all zeros).
pub fn radius(w: &[f64], b: f64, x: &[f64]) -> f64 {
    todo!()
}
