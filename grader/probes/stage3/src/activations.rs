//! Glue for `stage3::activations`, and candle-nn's softmax, log-softmax and cross-entropy
//! (through candle's autograd) as baselines.
//!
//! An activation exercise returns `(f(x), f'(x))` (leaky ReLU and ELU: `(leaky, leaky', elu,
//! elu')`); the input is a vector or a matrix, and comes back in the same shape.

use crate::convert::{result, tensor1, tensor2, value};
use candle_core::{Tensor, Var, D};
use grader_protocol::{error_variant, Value};
use probe_runtime::Handler;
use stage3::activations::{self, Task};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage3.activations.sigmoid" => |v: &Value| {
            let x = tensor(v);
            pair(activations::sigmoid(&x), activations::sigmoid_grad(&x))
        },
        "stage3.activations.tanh" => |v: &Value| {
            let x = tensor(v);
            pair(activations::tanh(&x), activations::tanh_grad(&x))
        },
        "stage3.activations.relu" => |v: &Value| {
            let x = tensor(v);
            pair(activations::relu(&x), activations::relu_grad(&x))
        },
        "stage3.activations.leaky_elu" => |v: &Value| {
            let x = tensor(v.at(0));
            let (slope, alpha) = (v.at(1).float(), v.at(2).float());
            Value::List(vec![
                result(activations::leaky_relu(&x, slope)),
                result(activations::leaky_relu_grad(&x, slope)),
                result(activations::elu(&x, alpha)),
                result(activations::elu_grad(&x, alpha)),
            ])
        },
        "stage3.activations.softmax" => |v: &Value| {
            let x = tensor(v);
            pair(activations::softmax(&x), activations::log_softmax(&x))
        },
        "stage3.activations.softmax_cross_entropy" => |v: &Value| {
            let targets = targets(v.at(1));
            match activations::softmax_cross_entropy(&tensor2(v.at(0)), &targets) {
                Ok((loss, grad)) => Value::List(vec![value(&loss), value(&grad)]),
                Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
            }
        },
        "stage3.activations.output_layer" => |v: &Value| {
            let task = match v.text() {
                "BinaryClassification" => Task::BinaryClassification,
                "MultiClass" => Task::MultiClass,
                "MultiLabel" => Task::MultiLabel,
                "Regression" => Task::Regression,
                other => panic!("glue: unknown task {other}"),
            };
            let (activation, loss) = activations::output_layer(task);
            Value::List(vec![Value::Text(format!("{activation:?}")), Value::Text(format!("{loss:?}"))])
        },

        // Baselines (reference probe only): candle-nn on the same inputs.
        "stage3.activations.softmax.candle" => |v: &Value| {
            let x = tensor(v);
            if x.elem_count() == 0 {
                return Value::Unit;
            }
            match (candle_nn::ops::softmax_last_dim(&x), candle_nn::ops::log_softmax(&x, D::Minus1)) {
                (Ok(s), Ok(l)) => Value::List(vec![value(&s), value(&l)]),
                _ => Value::Unit,
            }
        },
        "stage3.activations.softmax_cross_entropy.candle" => |v: &Value| {
            let logits = tensor2(v.at(0));
            let targets = targets(v.at(1));
            let (n, k) = logits.dims2().expect("glue: logits");
            if n == 0 || k == 0 || targets.len() != n || targets.iter().any(|&t| t as usize >= k) {
                return Value::Unit;
            }
            candle_cross_entropy(&logits, &targets).unwrap_or(Value::Unit)
        },
        _ => return None,
    })
}

/// candle-nn's cross-entropy on a `Var`, and the gradient candle's autograd finds for it.
fn candle_cross_entropy(logits: &Tensor, targets: &[u32]) -> candle_core::Result<Value> {
    let z = Var::from_tensor(logits)?;
    let t = Tensor::new(targets, logits.device())?;
    let loss = candle_nn::loss::cross_entropy(z.as_tensor(), &t)?;
    let grads = loss.backward()?;
    let grad = grads.get(z.as_tensor()).ok_or_else(|| candle_core::Error::Msg("no gradient".into()))?;
    Ok(Value::List(vec![value(&loss), value(grad)]))
}

/// A wire vector or matrix as a 1-D or 2-D tensor.
fn tensor(v: &Value) -> Tensor {
    match v {
        Value::Floats(_) => tensor1(v),
        _ => tensor2(v),
    }
}

fn targets(v: &Value) -> Vec<u32> {
    v.ints().iter().map(|&t| u32::try_from(t).expect("glue: target")).collect()
}

/// `(f(x), f'(x))`, each a tensor or the name of its error.
fn pair(f: candle_core::Result<Tensor>, df: candle_core::Result<Tensor>) -> Value {
    Value::List(vec![result(f), result(df)])
}
