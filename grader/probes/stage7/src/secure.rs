//! Glue for `stage7::secure`: the service starts from the model and its readers' and admins'
//! tokens; `fgsm` and `radius` are plain functions.

use crate::Stage7;
use stage7::api::Model;
use stage7::secure::{self, Role};

probe_runtime::glue! { Stage7;
    "stage7.secure.auth" => |weights: Vec<f64>, bias: f64, version: String, readers: Vec<&str>, admins: Vec<&str>| {
        let tokens = readers
            .iter()
            .map(|t| (t.to_string(), Role::Reader))
            .chain(admins.iter().map(|t| (t.to_string(), Role::Admin)))
            .collect();
        secure::router(Model { weights, bias, version }, tokens)
    };
    "stage7.secure.adversarial" => |w: Vec<f64>, b: f64, x: Vec<f64>, eps: f64| {
        (secure::fgsm(&w, b, &x, eps), secure::radius(&w, b, &x))
    } => (adversarial, radius);
}
