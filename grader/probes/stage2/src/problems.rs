//! Glue for `stage2::problems`.
//!
//! Curves (`Vec<(train_mse, val_mse)>`) travel as `k x 2` matrices.

use crate::convert::Stage2;
use ndarray::{Array2, ArrayView1};
use stage2::problems;

probe_runtime::glue! { Stage2;
    "stage2.problems.polynomial_features" => |x: ArrayView1<f64>, degree: usize| problems::polynomial_features(x, degree);
    "stage2.problems.fit_polynomial" => |x: ArrayView1<f64>, y: ArrayView1<f64>, degree: usize| problems::fit_polynomial(x, y, degree);
    "stage2.problems.degree_sweep" => |x_train: ArrayView1<f64>, y_train: ArrayView1<f64>, x_val: ArrayView1<f64>, y_val: ArrayView1<f64>, max_degree: usize| {
        problems::degree_sweep(x_train, y_train, x_val, y_val, max_degree).map(curve)
    };
    "stage2.problems.learning_curve" => |x_train: ArrayView1<f64>, y_train: ArrayView1<f64>, x_val: ArrayView1<f64>, y_val: ArrayView1<f64>, degree: usize, sizes: Vec<usize>| {
        problems::learning_curve(x_train, y_train, x_val, y_val, degree, &sizes).map(curve)
    };
}

/// A curve as a `k x 2` matrix: column 0 training error, column 1 validation error.
fn curve(points: Vec<(f64, f64)>) -> Array2<f64> {
    let data: Vec<f64> = points.iter().flat_map(|&(a, b)| [a, b]).collect();
    Array2::from_shape_vec((points.len(), 2), data).expect("glue: curve shape")
}
