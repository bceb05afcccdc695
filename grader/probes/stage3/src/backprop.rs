//! Glue for `stage3::backprop`, and candle's automatic differentiation as the baseline of the
//! loss and network gradients (`*.candle` ids, answered on the reference probe only).
//!
//! Gradients travel as lists in a fixed order (`(loss, grad)`, `(dx, dW, db)`,
//! `(loss, dW1, db1, dW2, db2)`), so that the suite can name each one in its messages.

use crate::convert::{err, value};
use crate::forward::{activation, layers, tensor};
use candle_core::{Device, Tensor, Var};
use grader_protocol::Value;
use probe_runtime::Handler;
use stage3::backprop::{self, Band, TwoLayerMlp};
use stage3::forward::Activation;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage3.backprop.mse" => |v: &Value| match backprop::mse_loss_grad(&tensor(v.at(0)), &tensor(v.at(1))) {
            Ok((loss, grad)) => Value::List(vec![value(&loss), value(&grad)]),
            Err(e) => err(e),
        },
        "stage3.backprop.softmax_cross_entropy" => {
            |v: &Value| match backprop::softmax_cross_entropy(&tensor(v.at(0)), &labels(v.at(1))) {
                Ok((loss, grad)) => Value::List(vec![value(&loss), value(&grad)]),
                Err(e) => err(e),
            }
        }
        "stage3.backprop.dense_backward" => {
            |v: &Value| match backprop::dense_backward(&tensor(v.at(0)), &tensor(v.at(1)), &tensor(v.at(2))) {
                Ok(g) => Value::List(vec![value(&g.dx), value(&g.dweight), value(&g.dbias)]),
                Err(e) => err(e),
            }
        }
        "stage3.backprop.activation_backward" => {
            |v: &Value| match backprop::activation_backward(activation(v.at(0)), &tensor(v.at(1)), &tensor(v.at(2))) {
                Ok(t) => value(&t),
                Err(e) => err(e),
            }
        }
        "stage3.backprop.two_layer_gradients" => |v: &Value| {
            let net = TwoLayerMlp {
                w1: tensor(v.at(2)),
                b1: tensor(v.at(3)),
                activation: activation(v.at(4)),
                w2: tensor(v.at(5)),
                b2: tensor(v.at(6)),
            };
            match backprop::two_layer_gradients(&net, &tensor(v.at(0)), &labels(v.at(1))) {
                Ok(g) => Value::List(vec![value(&g.loss), value(&g.dw1), value(&g.db1), value(&g.dw2), value(&g.db2)]),
                Err(e) => err(e),
            }
        },
        "stage3.backprop.gradient_check" => |v: &Value| {
            let f = function(v.at(0).text());
            match backprop::gradient_check(f, &tensor(v.at(1)), &tensor(v.at(2)), v.at(3).float()) {
                Ok(c) => Value::List(vec![
                    value(&c.numeric),
                    c.max_rel_error.into(),
                    c.worst_index.into(),
                    Value::Text(band_name(c.band).into()),
                ]),
                Err(e) => err(e),
            }
        },
        "stage3.backprop.gradient_norms" => {
            |v: &Value| match backprop::gradient_norms(&tensor(v.at(0)), &layers(v.at(1)), &tensor(v.at(2))) {
                Ok(norms) => Value::Floats(norms),
                Err(e) => err(e),
            }
        }

        // Baselines: candle's autograd on the same inputs (reference probe only). Inputs that the
        // exercise must refuse get no baseline (`Unit`).
        "stage3.backprop.softmax_cross_entropy.candle" => |v: &Value| candle_softmax_ce(v).unwrap_or(Value::Unit),
        "stage3.backprop.two_layer_gradients.candle" => |v: &Value| candle_two_layer(v).unwrap_or(Value::Unit),
        _ => return None,
    })
}

/// Class labels as a `U32` tensor `(batch,)`.
fn labels(v: &Value) -> Tensor {
    let ys: Vec<u32> = v.ints().iter().map(|&y| u32::try_from(y).expect("glue: label")).collect();
    Tensor::from_vec(ys.clone(), ys.len(), &Device::Cpu).expect("glue: labels")
}

fn band_name(b: Band) -> &'static str {
    match b {
        Band::Excellent => "Excellent",
        Band::Acceptable => "Acceptable",
        Band::Uncomfortable => "Uncomfortable",
        Band::Wrong => "Wrong",
    }
}

/// The scalar functions the gradient-check cases differentiate, by name.
fn function(name: &str) -> fn(&Tensor) -> candle_core::Result<f64> {
    match name {
        // Σ (x³/3 + x): gradient x² + 1.
        "cubic" => |t: &Tensor| ((t.powf(3.0)? / 3.0)? + t)?.sum_all()?.to_scalar::<f64>(),
        // log Σ e^x over all elements: gradient softmax(x).
        "logsumexp" => |t: &Tensor| {
            let m = t.flatten_all()?.max(0)?.to_scalar::<f64>()?;
            Ok(m + (t - m)?.exp()?.sum_all()?.to_scalar::<f64>()?.ln())
        },
        // Σ relu(x): gradient 1 where x > 0, kinks at 0.
        "relu_sum" => |t: &Tensor| t.relu()?.sum_all()?.to_scalar::<f64>(),
        other => panic!("glue: unknown function {other:?}"),
    }
}

/// Valid labels for logits `(batch, classes)` with `batch > 0`, or `None`.
fn valid_labels(logits: &Tensor, ys: &Value) -> Option<Tensor> {
    let (batch, classes) = logits.dims2().ok()?;
    let ys_ok = ys.ints().len() == batch && ys.ints().iter().all(|&y| y >= 0 && (y as usize) < classes);
    (batch > 0 && ys_ok).then(|| labels(ys))
}

fn candle_softmax_ce(v: &Value) -> Option<Value> {
    let logits = Var::from_tensor(&tensor(v.at(0))).ok()?;
    let ys = valid_labels(logits.as_tensor(), v.at(1))?;
    let loss = candle_nn::loss::cross_entropy(logits.as_tensor(), &ys).ok()?;
    let grads = loss.backward().ok()?;
    Some(Value::List(vec![value(&loss), value(grads.get(&logits)?)]))
}

fn candle_two_layer(v: &Value) -> Option<Value> {
    let x = tensor(v.at(0));
    let var = |i: usize| Var::from_tensor(&tensor(v.at(i))).ok();
    let (w1, b1, w2, b2) = (var(2)?, var(3)?, var(5)?, var(6)?);
    let z1 = x.matmul(&w1.t().ok()?).ok()?.broadcast_add(&b1).ok()?;
    let h = match activation(v.at(4)) {
        Activation::Identity => Ok(z1),
        Activation::Relu => z1.relu(),
        Activation::Sigmoid => candle_nn::ops::sigmoid(&z1),
        Activation::Tanh => z1.tanh(),
    }
    .ok()?;
    let logits = h.matmul(&w2.t().ok()?).ok()?.broadcast_add(&b2).ok()?;
    let ys = valid_labels(&logits, v.at(1))?;
    let loss = candle_nn::loss::cross_entropy(&logits, &ys).ok()?;
    let grads = loss.backward().ok()?;
    let mut out = vec![value(&loss)];
    for p in [&w1, &b1, &w2, &b2] {
        out.push(value(grads.get(p)?));
    }
    Some(Value::List(out))
}
