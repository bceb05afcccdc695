//! Glue for `stage7::api`: the service starts from the model's weights, bias and version; the
//! runtime serves the router the student's `router` returns on the grader's listener.

use crate::Stage7;
use probe_runtime::service::draining;
use stage7::api::{self, Model};

probe_runtime::glue! { Stage7;
    "stage7.api.contract" => |weights: Vec<f64>, bias: f64, version: String| {
        api::router(Model { weights, bias, version }, draining())
    };
    "stage7.api.shutdown" => |weights: Vec<f64>, bias: f64, version: String| {
        api::router(Model { weights, bias, version }, draining())
    };
    "stage7.api.load" => |weights: Vec<f64>, bias: f64, version: String| {
        api::router(Model { weights, bias, version }, draining())
    };
}
