//! Glue for `stage2::problems`.
//!
//! Curves (`Vec<(train_mse, val_mse)>`) travel as `k x 2` matrices.

use crate::convert::{array1, value2};
use grader_protocol::{error_variant, Value};
use ndarray::Array2;
use probe_runtime::Handler;
use stage2::problems::{self, ProblemsError};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage2.problems.polynomial_features" => {
            |v: &Value| value2(problems::polynomial_features(array1(v.at(0)).view(), v.at(1).usize()))
        }
        "stage2.problems.fit_polynomial" => |v: &Value| {
            let (x, y) = (array1(v.at(0)), array1(v.at(1)));
            match problems::fit_polynomial(x.view(), y.view(), v.at(2).usize()) {
                Ok(w) => Value::Floats(w.to_vec()),
                Err(e) => err(e),
            }
        },
        "stage2.problems.degree_sweep" => |v: &Value| {
            let (x, y, xv, yv) = (array1(v.at(0)), array1(v.at(1)), array1(v.at(2)), array1(v.at(3)));
            curve(problems::degree_sweep(x.view(), y.view(), xv.view(), yv.view(), v.at(4).usize()))
        },
        "stage2.problems.learning_curve" => |v: &Value| {
            let (x, y, xv, yv) = (array1(v.at(0)), array1(v.at(1)), array1(v.at(2)), array1(v.at(3)));
            let sizes: Vec<usize> = v.at(5).ints().iter().map(|&s| s as usize).collect();
            curve(problems::learning_curve(x.view(), y.view(), xv.view(), yv.view(), v.at(4).usize(), &sizes))
        },
        _ => return None,
    })
}

fn err(e: ProblemsError) -> Value {
    Value::Error(error_variant(&format!("{e:?}")))
}

/// A curve as a `k x 2` matrix: column 0 training error, column 1 validation error.
fn curve(r: Result<Vec<(f64, f64)>, ProblemsError>) -> Value {
    match r {
        Ok(points) => {
            let data: Vec<f64> = points.iter().flat_map(|&(a, b)| [a, b]).collect();
            value2(Array2::from_shape_vec((points.len(), 2), data).expect("glue: curve shape"))
        }
        Err(e) => err(e),
    }
}
