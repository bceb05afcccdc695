//! Reference solutions: Deep networks: depth, stability, normalisation, regularisation, hyperparameters, transfer.
pub mod arch;
pub mod blocks;
pub mod hparams;
pub mod norm;
pub mod reg;
pub mod rng;
pub mod stability;
pub mod transfer;
