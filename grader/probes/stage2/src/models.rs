//! Glue for `stage2::models`, and the linfa baselines the same exercises are compared with.
//!
//! Supervised inputs are `(x_train, y_train, x_test, ..., y_test)`; the held-out targets that
//! the suite appends are for its check and are never passed to the student's code (nor to
//! linfa's). A model is fitted on the training rows and predicts the test rows: linear
//! regression returns the predictions, the classifiers `(probabilities or decision values,
//! labels)`.

use crate::convert::Stage2;
use grader_protocol::Value;
use linfa::prelude::*;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use probe_runtime::glue::Ret;
use stage2::models::{self, KMeansResult, LinearRegression, LinearSvm, LogisticRegression, Pca};
use stage2::rng::Rng;

probe_runtime::glue! { Stage2;
    "stage2.models.linear_regression" => |x_train: ArrayView2<f64>, y_train: ArrayView1<f64>, x_test: ArrayView2<f64>, _y_test: &[f64]| {
        LinearRegression::fit_normal_equations(x_train, y_train).map(|m| m.predict(x_test))
    };
    "stage2.models.linear_regression_gd" => |x_train: ArrayView2<f64>, y_train: ArrayView1<f64>, x_test: ArrayView2<f64>, lr: f64, epochs: usize, _y_test: &[f64]| {
        LinearRegression::fit_gradient_descent(x_train, y_train, lr, epochs).map(|m| m.predict(x_test))
    };
    "stage2.models.logistic_regression" => |x_train: ArrayView2<f64>, y_train: Vec<usize>, x_test: ArrayView2<f64>, lr: f64, epochs: usize, l2: f64, _y_test: &[i64]| {
        LogisticRegression::fit(x_train, &y_train, lr, epochs, l2).map(|m| (m.predict_proba(x_test), m.predict(x_test)))
    };
    "stage2.models.svm" => |x_train: ArrayView2<f64>, y_train: Vec<usize>, x_test: ArrayView2<f64>, lr: f64, epochs: usize, lambda: f64, _y_test: &[i64]| {
        LinearSvm::fit(x_train, &y_train, lr, epochs, lambda).map(|m| (m.decision_function(x_test), m.predict(x_test)))
    };
    "stage2.models.kmeans" => |x: ArrayView2<f64>, k: usize, max_iter: usize, seed: u64| {
        models::kmeans(x, k, max_iter, &mut Rng::new(seed))
    };
    "stage2.models.pca" => |x: ArrayView2<f64>, n_components: usize| models::pca(x, n_components).map(|p| projected(p, x));

    // Baselines: linfa on the same inputs (reference probe only).
    "stage2.models.linear_regression.linfa" => |x_train: ArrayView2<f64>, y_train: ArrayView1<f64>, x_test: ArrayView2<f64>, _y_test: &[f64]| {
        linfa_linear_regression(x_train, y_train, x_test)
    };
    "stage2.models.logistic_regression.linfa" => |x_train: ArrayView2<f64>, y_train: &[i64], x_test: ArrayView2<f64>, _lr: f64, _epochs: usize, _l2: f64, _y_test: &[i64]| {
        linfa_logistic_regression(x_train, y_train, x_test)
    };
    "stage2.models.svm.linfa" => |x_train: ArrayView2<f64>, y_train: &[i64], x_test: ArrayView2<f64>, _lr: f64, _epochs: usize, _lambda: f64, _y_test: &[i64]| {
        linfa_svm(x_train, y_train, x_test)
    };
    "stage2.models.kmeans.linfa" => |x: ArrayView2<f64>, k: usize, _max_iter: usize, seed: u64| linfa_kmeans(x, k, seed);
    "stage2.models.pca.linfa" => |x: ArrayView2<f64>, n_components: usize| linfa_pca(x, n_components);
}

/// `KMeansResult { centroids, labels, inertia, iterations }` as a tuple, fields in declaration
/// order.
impl Ret<Stage2> for KMeansResult {
    fn ret(self) -> Value {
        Ret::<Stage2>::ret((self.centroids, self.labels, self.inertia, self.iterations))
    }
}

/// `(components, explained_variance, mean, x projected)`.
fn projected(p: Pca, x: ArrayView2<f64>) -> (Array2<f64>, Array1<f64>, Array1<f64>, Array2<f64>) {
    let projected = p.transform(x);
    (p.components, p.explained_variance, p.mean, projected)
}

/// Whether a supervised input is one linfa can fit without panicking (edge cases that the
/// exercise must refuse get no baseline): at least two rows, and a target for each.
fn usable(x: ArrayView2<f64>, targets: usize) -> bool {
    x.nrows() >= 2 && targets == x.nrows()
}

/// Whether binary labels are both classes 0 and 1 and nothing else.
fn binary(y: &[i64]) -> bool {
    y.iter().all(|&l| l == 0 || l == 1) && y.contains(&0) && y.contains(&1)
}

fn linfa_linear_regression(x_train: ArrayView2<f64>, y_train: ArrayView1<f64>, x_test: ArrayView2<f64>) -> Value {
    if !usable(x_train, y_train.len()) {
        return Value::Unit;
    }
    let data = Dataset::new(x_train.to_owned(), y_train.to_owned());
    match linfa_linear::LinearRegression::new().fit(&data) {
        Ok(model) => Ret::<Stage2>::ret(model.predict(&x_test.to_owned())),
        Err(e) => Value::Error(format!("linfa: {e}")),
    }
}

fn linfa_logistic_regression(x_train: ArrayView2<f64>, y_train: &[i64], x_test: ArrayView2<f64>) -> Value {
    if !usable(x_train, y_train.len()) || !binary(y_train) {
        return Value::Unit;
    }
    let y: Array1<usize> = y_train.iter().map(|&l| l as usize).collect();
    let data = Dataset::new(x_train.to_owned(), y);
    let params = linfa_logistic::LogisticRegression::default().alpha(1.0).max_iterations(200);
    match params.fit(&data) {
        Ok(model) => Ret::<Stage2>::ret(model.predict(&x_test.to_owned()).to_vec()),
        Err(e) => Value::Error(format!("linfa: {e}")),
    }
}

fn linfa_svm(x_train: ArrayView2<f64>, y_train: &[i64], x_test: ArrayView2<f64>) -> Value {
    if !usable(x_train, y_train.len()) || !binary(y_train) {
        return Value::Unit;
    }
    let y: Array1<bool> = y_train.iter().map(|&l| l == 1).collect();
    let data = Dataset::new(x_train.to_owned(), y);
    let params = linfa_svm::Svm::<f64, bool>::params().linear_kernel().pos_neg_weights(1.0, 1.0);
    match params.fit(&data) {
        Ok(model) => {
            let pred = model.predict(&x_test.to_owned());
            Value::Ints(pred.iter().map(|&b| i64::from(b)).collect())
        }
        Err(e) => Value::Error(format!("linfa: {e}")),
    }
}

fn linfa_kmeans(x: ArrayView2<f64>, k: usize, seed: u64) -> Value {
    use linfa_rand::SeedableRng;
    if x.nrows() == 0 || k == 0 || k > x.nrows() {
        return Value::Unit;
    }
    let rng = linfa_rand::rngs::StdRng::seed_from_u64(seed);
    let params = linfa_clustering::KMeans::params_with_rng(k, rng).n_runs(10).max_n_iterations(300).tolerance(1e-8);
    let records = x.to_owned();
    let fitted = std::panic::catch_unwind(move || params.fit(&DatasetBase::from(records)));
    let Ok(fitted) = fitted else { return Value::Unit };
    match fitted {
        // linfa's own `inertia()` is a mean; recompute the sum of squared distances to
        // its centroids so that the numbers compare with the exercise's definition.
        Ok(model) => {
            let c = model.centroids();
            let total: f64 = x
                .rows()
                .into_iter()
                .map(|row| {
                    c.rows()
                        .into_iter()
                        .map(|cr| row.iter().zip(cr.iter()).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
                        .fold(f64::INFINITY, f64::min)
                })
                .sum();
            total.into()
        }
        Err(e) => Value::Error(format!("linfa: {e}")),
    }
}

fn linfa_pca(x: ArrayView2<f64>, k: usize) -> Value {
    let n = x.nrows() as f64;
    if x.nrows() < 2 || k == 0 || k > x.ncols() {
        return Value::Unit;
    }
    // linfa's truncated SVD can panic on awkward data: no baseline then, not a crash.
    let records = x.to_owned();
    let fitted = std::panic::catch_unwind(move || linfa_reduction::Pca::params(k).fit(&DatasetBase::from(records)));
    let Ok(fitted) = fitted else { return Value::Unit };
    match fitted {
        // linfa 0.8's `explained_variance()` divides σ² by (n_components - 1) instead of
        // (n_samples - 1); the covariance eigenvalues are σ² / (n - 1).
        Ok(model) => Ret::<Stage2>::ret(model.singular_values().mapv(|s| s * s / (n - 1.0))),
        Err(e) => Value::Error(format!("linfa: {e}")),
    }
}
