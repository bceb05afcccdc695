//! Glue for `stage7::recover`: the service starts from its model versions (one weight vector,
//! bias and version name each, oldest first).

use crate::Stage7;
use stage7::api::Model;

probe_runtime::glue! { Stage7;
    "stage7.recover.rollback" => |weights: Vec<Vec<f64>>, biases: Vec<f64>, versions: Vec<&str>| {
        let models = weights
            .into_iter()
            .zip(biases)
            .zip(versions)
            .map(|((weights, bias), version)| Model { weights, bias, version: version.to_string() })
            .collect();
        stage7::recover::router(models)
    };
}
