//! Probe for mini-project 1: trains the `mp1` crate's model (the student's project or the
//! reference) on the grader's training rows and predicts its held-out rows, plus the linfa
//! baseline (`*.linfa` ids, logistic regression, answered by the reference probe only).
//!
//! Every input is `(x_train, y_train, x_held_out, n_classes, seed)`. The held-out labels never
//! come here: the grader keeps them and scores the predictions itself. An error the project
//! returns travels with its message (see [`Reported`]), not only its variant's name.

use candle_core::Tensor;
use grader_protocol::Value;
use linfa::prelude::*;
use ndarray::{Array1, Array2, Axis};
use probe_runtime::glue::Arg;
use probe_runtime::tensor::Reported;

/// This glue crate's marker for [`Arg`] and [`Ret`].
pub struct Mp1;

probe_runtime::glue! { Mp1;
    "mp1.tabular.breast_cancer" => |x_train: Tensor, y_train: Vec<u32>, x_held_out: Tensor, n_classes: usize, seed: u64| {
        Reported(mp1::train(&x_train, &y_train, n_classes, seed).and_then(|model| model.predict(&x_held_out)))
    };
    "mp1.tabular.wine" => |x_train: Tensor, y_train: Vec<u32>, x_held_out: Tensor, n_classes: usize, seed: u64| {
        Reported(mp1::train(&x_train, &y_train, n_classes, seed).and_then(|model| model.predict(&x_held_out)))
    };
    // Trains twice with the same seed: both models' probabilities and labels come back.
    "mp1.tabular.reproducible" => |x_train: Tensor, y_train: Vec<u32>, x_held_out: Tensor, n_classes: usize, seed: u64| {
        Reported(train_twice(&x_train, &y_train, &x_held_out, n_classes, seed))
    };

    // Baseline: linfa's logistic regression (L-BFGS, L2 penalty alpha = 1) on the same
    // rows, standardised with the training rows' statistics like any sensible model.
    "mp1.tabular.breast_cancer.linfa" => |x_train: Array2<f64>, y_train: &[i64], x_held_out: Array2<f64>, n_classes: usize, _seed: u64| {
        linfa_baseline(x_train, y_train, x_held_out, n_classes)
    };
    "mp1.tabular.wine.linfa" => |x_train: Array2<f64>, y_train: &[i64], x_held_out: Array2<f64>, n_classes: usize, _seed: u64| {
        linfa_baseline(x_train, y_train, x_held_out, n_classes)
    };
    "mp1.tabular.reproducible.linfa" => |x_train: Array2<f64>, y_train: &[i64], x_held_out: Array2<f64>, n_classes: usize, _seed: u64| {
        linfa_baseline(x_train, y_train, x_held_out, n_classes)
    };
}

impl Arg<'_, Mp1> for Array2<f64> {
    fn arg(v: &Value) -> Array2<f64> {
        let (r, c, d) = v.matrix_parts();
        Array2::from_shape_vec((r, c), d.to_vec()).expect("glue: matrix shape")
    }
}

/// `(probabilities 1, probabilities 2, labels 1, labels 2)` of two models trained with the same
/// seed; the first error if either run fails (both always run).
fn train_twice(
    x_train: &Tensor,
    y_train: &[u32],
    x_held_out: &Tensor,
    n_classes: usize,
    seed: u64,
) -> candle_core::Result<(Value, Value, Vec<u32>, Vec<u32>)> {
    let run = || -> candle_core::Result<(Value, Vec<u32>)> {
        let model = mp1::train(x_train, y_train, n_classes, seed)?;
        let p = model.predict_proba(x_held_out)?.to_dtype(candle_core::DType::F64)?;
        let proba = match p.dims() {
            [r, c] => Value::matrix(*r, *c, p.flatten_all()?.to_vec1::<f64>()?),
            _ => Value::Floats(p.flatten_all()?.to_vec1::<f64>()?),
        };
        Ok((proba, model.predict(x_held_out)?))
    };
    let (first, second) = (run(), run());
    let ((p1, l1), (p2, l2)) = (first?, second?);
    Ok((p1, p2, l1, l2))
}

/// linfa's (multinomial when `n_classes > 2`) logistic regression; `Unit` without at least two
/// rows and a label for each.
fn linfa_baseline(x: Array2<f64>, y: &[i64], x_test: Array2<f64>, n_classes: usize) -> Value {
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

/// Both matrices standardised with the first one's column means and standard deviations.
fn standardise(x: Array2<f64>, x_test: Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let mean = x.mean_axis(Axis(0)).expect("rows");
    let std = x.std_axis(Axis(0), 0.0).mapv(|s| if s > 1e-12 { s } else { 1.0 });
    ((&x - &mean) / &std, (&x_test - &mean) / &std)
}

fn main() {
    probe_runtime::serve(dispatch)
}
