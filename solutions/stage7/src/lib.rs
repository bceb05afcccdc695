//! Machine learning inside backend systems: services, streams, speed and security.
//!
//! Each module is a week of the study plan; `grader check stage7` grades them. Services are
//! axum `Router`s: the course's glue owns `main` (the runtime, the listener the grader opened,
//! graceful shutdown), and the grader drives your router with its own client.

#![allow(unused_variables)]
pub mod accel;
pub mod api;
pub mod batching;
pub mod breaker;
pub mod jobs;
pub mod perf;
pub mod privacy;
pub mod recover;
pub mod resilient;
pub mod secure;
pub mod store;
pub mod stream;
