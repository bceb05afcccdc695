//! Glue for `stage2::models`, and the linfa baselines the same exercises are compared with.
//!
//! Supervised inputs are `(x_train, y_train, x_test, ...)`; the held-out targets that the suite
//! appends are for its check and are never passed to the student's code.

use crate::convert::{array1, array2, labels, value1, value2, value_labels};
use grader_protocol::{error_variant, Value};
use linfa::prelude::*;
use probe_runtime::Handler;
use stage2::models::{self, LinearRegression, LinearSvm, LogisticRegression, ModelsError};
use stage2::rng::Rng;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage2.models.linear_regression" => |v: &Value| {
            let x_test = array2(v.at(2));
            encode(LinearRegression::fit_normal_equations(array2(v.at(0)).view(), array1(v.at(1)).view()), |m| {
                value1(m.predict(x_test.view()))
            })
        },
        "stage2.models.linear_regression_gd" => |v: &Value| {
            let x_test = array2(v.at(2));
            let fit = LinearRegression::fit_gradient_descent(
                array2(v.at(0)).view(),
                array1(v.at(1)).view(),
                v.at(3).float(),
                v.at(4).usize(),
            );
            encode(fit, |m| value1(m.predict(x_test.view())))
        },
        "stage2.models.logistic_regression" => |v: &Value| {
            let x_test = array2(v.at(2));
            let fit = LogisticRegression::fit(
                array2(v.at(0)).view(),
                &labels(v.at(1)),
                v.at(3).float(),
                v.at(4).usize(),
                v.at(5).float(),
            );
            encode(fit, |m| {
                Value::List(vec![value1(m.predict_proba(x_test.view())), value_labels(&m.predict(x_test.view()))])
            })
        },
        "stage2.models.svm" => |v: &Value| {
            let x_test = array2(v.at(2));
            let fit = LinearSvm::fit(
                array2(v.at(0)).view(),
                &labels(v.at(1)),
                v.at(3).float(),
                v.at(4).usize(),
                v.at(5).float(),
            );
            encode(fit, |m| {
                Value::List(vec![value1(m.decision_function(x_test.view())), value_labels(&m.predict(x_test.view()))])
            })
        },
        "stage2.models.kmeans" => |v: &Value| {
            let mut rng = Rng::new(v.at(3).int() as u64);
            encode(models::kmeans(array2(v.at(0)).view(), v.at(1).usize(), v.at(2).usize(), &mut rng), |r| {
                Value::List(vec![value2(r.centroids), value_labels(&r.labels), r.inertia.into(), r.iterations.into()])
            })
        },
        "stage2.models.pca" => |v: &Value| {
            let x = array2(v.at(0));
            encode(models::pca(x.view(), v.at(1).usize()), |p| {
                let projected = p.transform(x.view());
                Value::List(vec![value2(p.components), value1(p.explained_variance), value1(p.mean), value2(projected)])
            })
        },

        // Baselines: linfa on the same inputs (reference probe only).
        "stage2.models.linear_regression.linfa" => |v: &Value| {
            if !usable(v, false) {
                return Value::Unit;
            }
            let data = Dataset::new(array2(v.at(0)), array1(v.at(1)));
            match linfa_linear::LinearRegression::new().fit(&data) {
                Ok(model) => value1(model.predict(&array2(v.at(2)))),
                Err(e) => Value::Error(format!("linfa: {e}")),
            }
        },
        "stage2.models.logistic_regression.linfa" => |v: &Value| {
            if !usable(v, true) {
                return Value::Unit;
            }
            let data = Dataset::new(array2(v.at(0)), ndarray::Array1::from(labels(v.at(1))));
            let params = linfa_logistic::LogisticRegression::default().alpha(1.0).max_iterations(200);
            match params.fit(&data) {
                Ok(model) => value_labels(model.predict(&array2(v.at(2))).as_slice().expect("contiguous")),
                Err(e) => Value::Error(format!("linfa: {e}")),
            }
        },
        "stage2.models.svm.linfa" => |v: &Value| {
            if !usable(v, true) {
                return Value::Unit;
            }
            let y: ndarray::Array1<bool> = labels(v.at(1)).iter().map(|&l| l == 1).collect();
            let data = Dataset::new(array2(v.at(0)), y);
            let params = linfa_svm::Svm::<f64, bool>::params().linear_kernel().pos_neg_weights(1.0, 1.0);
            match params.fit(&data) {
                Ok(model) => {
                    let pred = model.predict(&array2(v.at(2)));
                    Value::Ints(pred.iter().map(|&b| i64::from(b)).collect())
                }
                Err(e) => Value::Error(format!("linfa: {e}")),
            }
        },
        "stage2.models.kmeans.linfa" => |v: &Value| {
            use linfa_rand::SeedableRng;
            let x = array2(v.at(0));
            if x.nrows() == 0 || v.at(1).usize() == 0 || v.at(1).usize() > x.nrows() {
                return Value::Unit;
            }
            let rng = linfa_rand::rngs::StdRng::seed_from_u64(v.at(3).int() as u64);
            let params = linfa_clustering::KMeans::params_with_rng(v.at(1).usize(), rng)
                .n_runs(10)
                .max_n_iterations(300)
                .tolerance(1e-8);
            let records = x.clone();
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
        },
        "stage2.models.pca.linfa" => |v: &Value| {
            let x = array2(v.at(0));
            let n = x.nrows() as f64;
            if x.nrows() < 2 || v.at(1).usize() == 0 || v.at(1).usize() > x.ncols() {
                return Value::Unit;
            }
            // linfa's truncated SVD can panic on awkward data: no baseline then, not a crash.
            let k = v.at(1).usize();
            let fitted = std::panic::catch_unwind(move || linfa_reduction::Pca::params(k).fit(&DatasetBase::from(x)));
            let Ok(fitted) = fitted else { return Value::Unit };
            match fitted {
                // linfa 0.8's `explained_variance()` divides σ² by (n_components - 1) instead of
                // (n_samples - 1); the covariance eigenvalues are σ² / (n - 1).
                Ok(model) => value1(model.singular_values().mapv(|s| s * s / (n - 1.0))),
                Err(e) => Value::Error(format!("linfa: {e}")),
            }
        },
        _ => return None,
    })
}

/// Whether a supervised input is one linfa can fit without panicking (edge cases that the
/// exercise must refuse get no baseline): rows, matching targets, and for a binary classifier
/// both classes 0 and 1 and nothing else.
fn usable(v: &Value, binary: bool) -> bool {
    let (rows, _, _) = v.at(0).matrix_parts();
    if rows < 2 {
        return false;
    }
    if !binary {
        return v.at(1).floats().len() == rows;
    }
    let y = v.at(1).ints();
    y.len() == rows && y.iter().all(|&l| l == 0 || l == 1) && y.contains(&0) && y.contains(&1)
}

/// `Ok(t)` through `f`, `Err(e)` as the error variant's name.
fn encode<T>(r: Result<T, ModelsError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(t) => f(t),
        Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
    }
}
