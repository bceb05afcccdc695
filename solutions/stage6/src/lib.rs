//! Reference solutions for Stage 6: MLOps without a cloud (tracking, registry, monitoring,
//! pipelines).

pub mod abtest;
pub mod cache;
pub mod container;
pub mod drift;
pub mod edge;
pub mod features;
pub mod formats;
pub mod gate;
pub mod monitor;
pub mod quality;
pub mod queue;
pub mod registry;
pub mod repro;
pub mod scale;
pub mod serving;
pub mod tracking;
pub mod versioning;
