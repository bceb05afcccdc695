//! Glue for `stage3::activations`, and candle-nn's softmax, log-softmax and cross-entropy
//! (through candle's autograd) as baselines.
//!
//! An activation exercise returns `(f(x), f'(x))` (leaky ReLU and ELU: `(leaky, leaky', elu,
//! elu')`), each part named after the function that computed it; the input is a vector or a
//! matrix, and comes back in the same shape.

use crate::convert::Stage3;
use candle_core::{Tensor, Var, D};
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage3::activations::{self, elu, elu_grad, leaky_relu, leaky_relu_grad, Loss, OutputActivation, Task};

probe_runtime::glue! { Stage3;
    "stage3.activations.sigmoid" => |x: Tensor| (activations::sigmoid(&x), activations::sigmoid_grad(&x)) => (sigmoid, sigmoid_grad);
    "stage3.activations.tanh" => |x: Tensor| (activations::tanh(&x), activations::tanh_grad(&x)) => (tanh, tanh_grad);
    "stage3.activations.relu" => |x: Tensor| (activations::relu(&x), activations::relu_grad(&x)) => (relu, relu_grad);
    "stage3.activations.leaky_elu" => |x: Tensor, slope: f64, alpha: f64| {
        (leaky_relu(&x, slope), leaky_relu_grad(&x, slope), elu(&x, alpha), elu_grad(&x, alpha))
    } => (leaky_relu, leaky_relu_grad, elu, elu_grad);
    "stage3.activations.softmax" => |x: Tensor| (activations::softmax(&x), activations::log_softmax(&x)) => (softmax, log_softmax);
    "stage3.activations.softmax_cross_entropy" => |logits: Tensor, targets: Vec<u32>| {
        activations::softmax_cross_entropy(&logits, &targets)
    } => (loss, grad);
    "stage3.activations.output_layer" => |task: Task| activations::output_layer(task);

    // Baselines (reference probe only): candle-nn on the same inputs.
    "stage3.activations.softmax.candle" => |x: Tensor| candle_softmax(&x);
    "stage3.activations.softmax_cross_entropy.candle" => |logits: Tensor, targets: Vec<u32>| {
        candle_cross_entropy(&logits, &targets)
    };
}

/// A task by its variant name.
impl Arg<'_, Stage3> for Task {
    fn arg(v: &Value) -> Task {
        match v.text() {
            "BinaryClassification" => Task::BinaryClassification,
            "MultiClass" => Task::MultiClass,
            "MultiLabel" => Task::MultiLabel,
            "Regression" => Task::Regression,
            other => panic!("glue: unknown task {other}"),
        }
    }
}

/// An output activation by its variant name.
impl Ret<Stage3> for OutputActivation {
    fn ret(self) -> Value {
        Value::Text(format!("{self:?}"))
    }
}

/// A loss by its variant name.
impl Ret<Stage3> for Loss {
    fn ret(self) -> Value {
        Value::Text(format!("{self:?}"))
    }
}

/// candle-nn's softmax and log-softmax over the last dimension; `None` for an empty input or
/// where candle fails.
fn candle_softmax(x: &Tensor) -> Option<(Tensor, Tensor)> {
    if x.elem_count() == 0 {
        return None;
    }
    Some((candle_nn::ops::softmax_last_dim(x).ok()?, candle_nn::ops::log_softmax(x, D::Minus1).ok()?))
}

/// candle-nn's cross-entropy on a `Var`, and the gradient candle's autograd finds for it; `None`
/// where the exercise must refuse the input (or candle fails).
fn candle_cross_entropy(logits: &Tensor, targets: &[u32]) -> Option<(Tensor, Tensor)> {
    let (n, k) = logits.dims2().expect("glue: logits");
    if n == 0 || k == 0 || targets.len() != n || targets.iter().any(|&t| t as usize >= k) {
        return None;
    }
    let z = Var::from_tensor(logits).ok()?;
    let t = Tensor::new(targets, logits.device()).ok()?;
    let loss = candle_nn::loss::cross_entropy(z.as_tensor(), &t).ok()?;
    let grads = loss.backward().ok()?;
    let grad = grads.get(z.as_tensor())?.clone();
    Some((loss, grad))
}
