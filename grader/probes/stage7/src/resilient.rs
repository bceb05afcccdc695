//! Glue for `stage7::resilient`: the service starts from the model (weights, bias, version) and
//! its fallback features; its feature store is the dependency the grader plays (fd 4), reached
//! through the runtime's `Dependency`.

use crate::Stage7;
use probe_runtime::service::{dependency, DependencyError};
use stage7::api::Model;
use stage7::resilient;
use stage7::store::{FeatureStore, StoreError};

/// The store as the grader plays it.
fn store() -> FeatureStore {
    let dep = dependency();
    FeatureStore::new(move |key| {
        let dep = dep.clone();
        Box::pin(async move {
            dep.call(key).await.map_err(|e| match e {
                DependencyError::NotFound => StoreError::NotFound,
                DependencyError::Failed | DependencyError::Closed => StoreError::Unavailable,
            })
        })
    })
}

probe_runtime::glue! { Stage7;
    "stage7.resilient.serve" => |weights: Vec<f64>, bias: f64, version: String, defaults: Vec<f64>| {
        resilient::router(Model { weights, bias, version }, defaults, store())
    };
}
