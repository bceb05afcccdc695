//! Mini-project 2, reference solution: a small convolutional network that reads handwritten
//! digits (MNIST). See `projects/mp2-deep/README.md` for the task and how it is graded.

pub mod data;
pub mod digits;
pub mod rng;

pub use candle_core;
pub use candle_nn;
