//! Glue for `stage3::backprop`, and candle's automatic differentiation as the baseline of the
//! loss and network gradients (`*.candle` ids, answered on the reference probe only).
//!
//! Gradients travel as lists in a fixed order (`(loss, grad)`, `(dx, dW, db)`,
//! `(loss, dW1, db1, dW2, db2)`), so that the suite can name each one in its messages. Class
//! labels travel as integers and reach the exercise as a `U32` tensor `(batch,)`; a two-layer
//! network travels as `(x, labels, W1, b1, activation, W2, b2)`.

use crate::convert::Stage3;
use candle_core::{Device, Tensor, Var};
use grader_protocol::Value;
use probe_runtime::glue::Ret;
use stage3::backprop::{self, Band, DenseGrads, GradCheck, TwoLayerGrads, TwoLayerMlp};
use stage3::forward::{Activation, Layer};

probe_runtime::glue! { Stage3;
    "stage3.backprop.mse" => |pred: Tensor, target: Tensor| backprop::mse_loss_grad(&pred, &target);
    "stage3.backprop.softmax_cross_entropy" => |logits: Tensor, labels: Vec<u32>| {
        backprop::softmax_cross_entropy(&logits, &classes(labels))
    };
    "stage3.backprop.dense_backward" => |x: Tensor, weight: Tensor, dy: Tensor| backprop::dense_backward(&x, &weight, &dy);
    "stage3.backprop.activation_backward" => |activation: Activation, z: Tensor, dy: Tensor| {
        backprop::activation_backward(activation, &z, &dy)
    };
    "stage3.backprop.two_layer_gradients" => |x: Tensor, labels: Vec<u32>, w1: Tensor, b1: Tensor, activation: Activation, w2: Tensor, b2: Tensor| {
        backprop::two_layer_gradients(&TwoLayerMlp { w1, b1, activation, w2, b2 }, &x, &classes(labels))
    };
    "stage3.backprop.gradient_check" => |function: &str, x: Tensor, analytic: Tensor, h: f64| {
        backprop::gradient_check(scalar_function(function), &x, &analytic, h)
    };
    "stage3.backprop.gradient_norms" => |x: Tensor, layers: Vec<Layer>, dout: Tensor| backprop::gradient_norms(&x, &layers, &dout);

    // Baselines: candle's autograd on the same inputs (reference probe only). Inputs that the
    // exercise must refuse get no baseline (`Unit`).
    "stage3.backprop.softmax_cross_entropy.candle" => |logits: Tensor, labels: &[i64]| candle_softmax_ce(&logits, labels);
    "stage3.backprop.two_layer_gradients.candle" => |x: Tensor, labels: &[i64], w1: Tensor, b1: Tensor, activation: Activation, w2: Tensor, b2: Tensor| {
        candle_two_layer(&x, labels, TwoLayerMlp { w1, b1, activation, w2, b2 })
    };
}

/// Class labels as a `U32` tensor `(batch,)`.
fn classes(labels: Vec<u32>) -> Tensor {
    let n = labels.len();
    Tensor::from_vec(labels, n, &Device::Cpu).expect("glue: labels")
}

/// `(dx, dW, db)`.
impl Ret<Stage3> for DenseGrads {
    fn ret(self) -> Value {
        Ret::<Stage3>::ret((self.dx, self.dweight, self.dbias))
    }
}

/// `(loss, dW1, db1, dW2, db2)`.
impl Ret<Stage3> for TwoLayerGrads {
    fn ret(self) -> Value {
        Ret::<Stage3>::ret((self.loss, self.dw1, self.db1, self.dw2, self.db2))
    }
}

/// `(numeric gradient, max_rel_error, worst_index, band name)`.
impl Ret<Stage3> for GradCheck {
    fn ret(self) -> Value {
        let band = match self.band {
            Band::Excellent => "Excellent",
            Band::Acceptable => "Acceptable",
            Band::Uncomfortable => "Uncomfortable",
            Band::Wrong => "Wrong",
        };
        Ret::<Stage3>::ret((self.numeric, self.max_rel_error, self.worst_index, band.to_string()))
    }
}

/// The scalar functions the gradient-check cases differentiate, by name.
fn scalar_function(name: &str) -> fn(&Tensor) -> candle_core::Result<f64> {
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
fn valid_labels(logits: &Tensor, ys: &[i64]) -> Option<Tensor> {
    let (batch, n_classes) = logits.dims2().ok()?;
    let ys_ok = ys.len() == batch && ys.iter().all(|&y| y >= 0 && (y as usize) < n_classes);
    (batch > 0 && ys_ok).then(|| classes(ys.iter().map(|&y| y as u32).collect()))
}

/// candle's cross-entropy of the logits as a `Var`: `(loss, dlogits)`.
fn candle_softmax_ce(logits: &Tensor, labels: &[i64]) -> Option<(Tensor, Tensor)> {
    let logits = Var::from_tensor(logits).ok()?;
    let ys = valid_labels(logits.as_tensor(), labels)?;
    let loss = candle_nn::loss::cross_entropy(logits.as_tensor(), &ys).ok()?;
    let grads = loss.backward().ok()?;
    let grad = grads.get(&logits)?.clone();
    Some((loss, grad))
}

/// The same network on candle's tensors, its parameters as `Var`s: `(loss, dW1, db1, dW2, db2)`.
fn candle_two_layer(x: &Tensor, labels: &[i64], net: TwoLayerMlp) -> Option<(Tensor, Tensor, Tensor, Tensor, Tensor)> {
    let var = |t: &Tensor| Var::from_tensor(t).ok();
    let (w1, b1, w2, b2) = (var(&net.w1)?, var(&net.b1)?, var(&net.w2)?, var(&net.b2)?);
    let z1 = x.matmul(&w1.t().ok()?).ok()?.broadcast_add(&b1).ok()?;
    let h = match net.activation {
        Activation::Identity => Ok(z1),
        Activation::Relu => z1.relu(),
        Activation::Sigmoid => candle_nn::ops::sigmoid(&z1),
        Activation::Tanh => z1.tanh(),
    }
    .ok()?;
    let logits = h.matmul(&w2.t().ok()?).ok()?.broadcast_add(&b2).ok()?;
    let ys = valid_labels(&logits, labels)?;
    let loss = candle_nn::loss::cross_entropy(&logits, &ys).ok()?;
    let grads = loss.backward().ok()?;
    let grad = |p: &Var| grads.get(p).cloned();
    Some((loss, grad(&w1)?, grad(&b1)?, grad(&w2)?, grad(&b2)?))
}
