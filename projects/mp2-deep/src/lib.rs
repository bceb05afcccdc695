//! Mini-project 2: a deep model on a real task.
//!
//! Pick a task, build a network for it with candle, and let the grader train it: from a seed,
//! on data it draws itself, within a time budget, then score it on data your model has never
//! seen. Read `projects/mp2-deep/README.md` first: the tasks, the data, how they are graded,
//! the time budget, and what is allowed.
//!
//! Two tasks, each in a module of its own; pick one:
//! - [`digits`]: handwritten digits (MNIST), image classification: `grader check mp2.digits`;
//! - [`spam`]: spam or ham (SpamAssassin e-mails), text classification: `grader check mp2.spam`.
//!
//! Given complete: [`rng`] (a seeded generator, for initial weights and shuffles) and [`data`]
//! (reading the course's MNIST and e-mail files, stratified draws, accuracy, F1 and confusion
//! matrices, for trying things locally with `cargo run --release -p mp2 --example try`).

pub mod data;
pub mod digits;
pub mod rng;
pub mod spam;

pub use candle_core;
pub use candle_nn;
