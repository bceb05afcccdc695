//! Probe for mini-project 1: trains the `mp1` crate's model (the student's project or the
//! reference) on the grader's training rows and predicts its held-out rows, plus the linfa
//! baseline (`*.linfa` ids, logistic regression, answered by the reference probe only).
//!
//! Every input is `(x_train, y_train, x_held_out, n_classes, seed)`. The held-out labels never
//! come here: the grader keeps them and scores the predictions itself.

use candle_core::{Device, Tensor};
use grader_protocol::Value;
use linfa::prelude::*;
use ndarray::{Array1, Array2, Axis};

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    Some(match id {
        "mp1.tabular.breast_cancer" | "mp1.tabular.wine" => |v: &Value| {
            let (x, y, x_test, n_classes, seed) = decode(v);
            match mp1::train(&x, &y, n_classes, seed).and_then(|m| m.predict(&x_test)) {
                Ok(labels) => labels_value(&labels),
                Err(e) => error(e),
            }
        },
        // Trains twice with the same seed: both models' probabilities and labels come back.
        "mp1.tabular.reproducible" => |v: &Value| {
            let (x, y, x_test, n_classes, seed) = decode(v);
            let run = || -> candle_core::Result<(Value, Vec<u32>)> {
                let model = mp1::train(&x, &y, n_classes, seed)?;
                let p = model.predict_proba(&x_test)?.to_dtype(candle_core::DType::F64)?;
                let proba = match p.dims() {
                    [r, c] => Value::matrix(*r, *c, p.flatten_all()?.to_vec1::<f64>()?),
                    _ => Value::Floats(p.flatten_all()?.to_vec1::<f64>()?),
                };
                Ok((proba, model.predict(&x_test)?))
            };
            match (run(), run()) {
                (Ok((p1, l1)), Ok((p2, l2))) => Value::List(vec![p1, p2, labels_value(&l1), labels_value(&l2)]),
                (Err(e), _) | (_, Err(e)) => error(e),
            }
        },

        // Baseline: linfa's logistic regression (L-BFGS, L2 penalty alpha = 1) on the same
        // rows, standardised with the training rows' statistics like any sensible model.
        "mp1.tabular.breast_cancer.linfa" | "mp1.tabular.wine.linfa" | "mp1.tabular.reproducible.linfa" => {
            |v: &Value| {
                let (x, y, x_test, n_classes) = (array2(v.at(0)), v.at(1).ints(), array2(v.at(2)), v.at(3).usize());
                if x.nrows() < 2 || y.len() != x.nrows() {
                    return Value::Unit;
                }
                let (x, x_test) = standardise(x, x_test);
                let y: Array1<usize> = y.iter().map(|&c| c as usize).collect();
                let data = Dataset::new(x, y);
                let predicted = if n_classes == 2 {
                    linfa_logistic::LogisticRegression::default()
                        .alpha(1.0)
                        .max_iterations(300)
                        .fit(&data)
                        .map(|m| m.predict(&x_test))
                } else {
                    linfa_logistic::MultiLogisticRegression::default()
                        .alpha(1.0)
                        .max_iterations(300)
                        .fit(&data)
                        .map(|m| m.predict(&x_test))
                };
                match predicted {
                    Ok(p) => Value::Ints(p.iter().map(|&c| c as i64).collect()),
                    Err(e) => Value::Error(format!("linfa: {e}")),
                }
            }
        }
        _ => return None,
    })
}

/// `(x_train, y_train, x_held_out, n_classes, seed)` as the project's API takes them.
fn decode(v: &Value) -> (Tensor, Vec<u32>, Tensor, usize, u64) {
    let tensor = |m: &Value| {
        let (r, c, d) = m.matrix_parts();
        Tensor::from_slice(d, (r, c), &Device::Cpu).expect("glue: matrix shape")
    };
    let y = v.at(1).ints().iter().map(|&c| u32::try_from(c).expect("glue: label")).collect();
    (tensor(v.at(0)), y, tensor(v.at(2)), v.at(3).usize(), v.at(4).int() as u64)
}

fn labels_value(labels: &[u32]) -> Value {
    Value::Ints(labels.iter().map(|&c| i64::from(c)).collect())
}

/// An error the student's code returned, with its message (the check shows it).
fn error(e: candle_core::Error) -> Value {
    let message = e.to_string();
    let message: String = message.chars().take(400).collect();
    Value::Error(message)
}

fn array2(v: &Value) -> Array2<f64> {
    let (r, c, d) = v.matrix_parts();
    Array2::from_shape_vec((r, c), d.to_vec()).expect("glue: matrix shape")
}

/// Both matrices standardised with the first one's column means and standard deviations.
fn standardise(x: Array2<f64>, x_test: Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let mean = x.mean_axis(Axis(0)).expect("rows");
    let std = x.std_axis(Axis(0), 0.0).mapv(|s| if s > 1e-12 { s } else { 1.0 });
    ((&x - &mean) / &std, (&x_test - &mean) / &std)
}

fn main() {
    probe_runtime::serve(dispatch)
}
