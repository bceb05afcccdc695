//! Glue for `stage7::jobs`: the service starts from the model's weights, bias and version.

use crate::Stage7;
use stage7::api::Model;

probe_runtime::glue! { Stage7;
    "stage7.jobs.async" => |weights: Vec<f64>, bias: f64, version: String| {
        stage7::jobs::router(Model { weights, bias, version })
    };
}
