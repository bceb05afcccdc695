//! Mini-project 2, reference solutions: a small convolutional network that reads handwritten
//! digits (MNIST, module `digits`) and an embedding bag with a hidden layer that tells spam from
//! ham (SpamAssassin, module `spam`). See `projects/mp2-deep/README.md` for the tasks and how
//! they are graded.

pub mod data;
pub mod digits;
pub mod rng;
pub mod spam;

pub use candle_core;
pub use candle_nn;
