//! Stage 2 — classic machine learning on real data.
//!
//! Conventions for the whole stage:
//! - a data set's features are an [`ndarray::Array2<f64>`] (or a view of one) with one row per
//!   sample and one column per feature; regression targets are an `Array1<f64>`; class labels
//!   are `&[usize]` (classes numbered from 0);
//! - tables with names and missing values are [`polars`] `DataFrame`s ([`data`]);
//! - anything random (shuffles, initial centroids, exploration) takes the provided [`rng::Rng`],
//!   so that the same seed gives the same result on every machine;
//! - a function that can refuse its input returns a `Result` with its module's error enum, and
//!   the grader compares the error *variant*.
//!
//! Modules: [`data`] (loading and preparing data), [`metrics`] (evaluation and cross-validation),
//! [`problems`] (over- and underfitting, learning curves), [`models`] (algorithms from scratch,
//! compared with linfa on held-out data), [`rl`] (reinforcement-learning basics).

pub mod data;
pub mod metrics;
pub mod models;
pub mod problems;
pub mod rl;
pub mod rng;

pub use ndarray;
pub use polars;
