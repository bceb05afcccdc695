//! The final project: a complete ML application with a backend. Read `projects/final/README.md`
//! first: the two tasks, the contract (`openapi.yaml`), the data directory, how it is graded.
//!
//! - [`given`]: the course's types, complete (the grader calls your code with them);
//! - [`model`]: training from a seed, the model's bytes, prediction — yours to write;
//! - [`store`]: the data directory (model versions, the active one, the feedback log), durable
//!   — yours to write, and the only file of `src/` allowed to use `std::fs`;
//! - [`service`]: the axum `Router` of the contract — yours to write.
//!
//! Local tools, given: `cargo run -p capstone --example train -- ...` trains a model on the course's
//! data into a data directory, `cargo run -p capstone --example serve -- ...` serves it.

#![allow(unused_variables, dead_code)]
pub mod given;
pub mod model;
pub mod service;
pub mod store;

pub use given::{Config, Error, Input, Task, TrainingSet};
pub use model::{train, Model};
pub use service::app;
pub use store::Store;
