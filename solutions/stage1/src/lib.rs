//! Stage 1 — the mathematics under machine learning, in plain Rust.
//!
//! Conventions for the whole stage: vectors are `&[f64]` in and `Vec<f64>` out; matrices are the
//! small row-major [`Matrix`] type in [`matrix`]; a function that can refuse its input returns a
//! `Result` with the module's error enum, and the grader compares the error *variant*.
//!
//! Modules follow the weeks of the study plan: [`linalg`], [`calculus`], [`probability`],
//! [`statistics`]. Each function's doc comment states the task, the formula, the shapes and the
//! edge cases. `grader check stage1` grades all of it; `grader hint ID` helps when stuck.

pub mod calculus;
pub mod linalg;
pub mod matrix;
pub mod probability;
pub mod rng;
pub mod statistics;

pub use matrix::Matrix;
