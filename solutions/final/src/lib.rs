//! The final project, reference solution: a spam filter or a digit recogniser behind an HTTP
//! service that survives crashes, rolls back under load and reports on itself.
//!
//! - [`given`]: the course's types (identical to the starting workspace's);
//! - [`model`]: training from a seed, the model's bytes, prediction;
//! - [`store`]: the data directory (model versions, the active one, the feedback log), durable;
//! - [`service`]: the axum `Router` of the contract in `projects/final/openapi.yaml`.

pub mod given;
pub mod model;
pub mod service;
pub mod store;

pub use given::{Config, Error, Input, Task, TrainingSet};
pub use model::{train, Model};
pub use service::app;
pub use store::Store;
