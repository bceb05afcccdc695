//! Glue for `stage4::norm`.
//!
//! Batch norm takes `(batches, γ, β, momentum, eps, x_eval)`: a fresh layer with these
//! parameters runs `forward_train` on each batch in turn, then `forward_eval` on `x_eval`; the
//! output is the last training output, the running statistics, and the evaluation output. The
//! `*.candle` ids answer the same inputs with candle-nn's `BatchNorm`, candle's autograd and
//! `candle_nn::ops::{layer_norm, rms_norm}`: the suites check the reference against them. A
//! trailing `Text("cuda")` (the GPU speed input only) asks for `F32` tensors on the GPU.

use crate::convert::{device, Stage4};
use candle_core::{DType, Tensor, Var};
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage4::norm::{self, BatchNorm, NormError};

probe_runtime::glue! { Stage4;
    "stage4.norm.batch_norm" => |batches: Vec<Tensor>, gamma: Tensor, beta: Tensor, momentum: f64, eps: f64, x_eval: Tensor| {
        batch_norm_run(&batches, gamma, beta, momentum, eps, &x_eval)
    } => (train_output, running_mean, running_var, eval_output);
    "stage4.norm.batch_norm.candle" => |batches: Vec<Tensor>, gamma: Tensor, beta: Tensor, momentum: f64, eps: f64, x_eval: Tensor| {
        candle_batch_norm(&batches, gamma, beta, momentum, eps, &x_eval)
    } => (train_output, running_mean, running_var, eval_output);
    "stage4.norm.batch_norm_gpu" => |input: OnDevice| {
        let [x, gamma, beta] = &input.tensors[..] else { panic!("glue: (x, γ, β)") };
        batch_norm_run(std::slice::from_ref(x), gamma.clone(), beta.clone(), 0.1, 1e-5, x)
    } => (train_output, running_mean, running_var, eval_output);
    "stage4.norm.batch_norm_backward" => |x: Tensor, gamma: Tensor, dout: Tensor, eps: f64| {
        norm::batch_norm_backward(&x, &gamma, &dout, eps)
    } => (dx, dgamma, dbeta);
    "stage4.norm.batch_norm_backward.candle" => |x: Tensor, gamma: Tensor, dout: Tensor, eps: f64| {
        autograd_backward(&x, &gamma, &dout, eps)
    } => (dx, dgamma, dbeta);
    "stage4.norm.covariate_shift" => |x: Tensor, layers: Vec<Vec<Tensor>>, normalise: bool| {
        let layers: Vec<(Tensor, Tensor)> = layers.into_iter().map(|l| (l[0].clone(), l[1].clone())).collect();
        norm::activation_statistics(&x, &layers, normalise)
    } => (means, stds);
    "stage4.norm.layer_norm" => |x: Tensor, gamma: Tensor, beta: Tensor, eps: f64| {
        (norm::layer_norm(&x, &gamma, &beta, eps), norm::rms_norm(&x, &gamma, eps))
    } => (layer_norm, rms_norm);
    "stage4.norm.layer_norm.candle" => |x: Tensor, gamma: Tensor, beta: Tensor, eps: f64| {
        (
            candle_nn::ops::layer_norm_slow(&x, &gamma, &beta, eps as f32),
            candle_nn::ops::rms_norm_slow(&x, &gamma, eps as f32),
        )
    } => (layer_norm, rms_norm);
    "stage4.norm.layer_norm_gpu" => |input: OnDevice| {
        let [x, gamma, beta] = &input.tensors[..] else { panic!("glue: (x, γ, β)") };
        (norm::layer_norm(x, gamma, beta, 1e-5), norm::rms_norm(x, gamma, 1e-5))
    } => (layer_norm, rms_norm);
}

/// A fresh layer with `γ`, `β`: `forward_train` on every batch, then `forward_eval` on `x_eval`.
fn batch_norm_run(
    batches: &[Tensor],
    gamma: Tensor,
    beta: Tensor,
    momentum: f64,
    eps: f64,
    x_eval: &Tensor,
) -> Result<(Tensor, Tensor, Tensor, Tensor), NormError> {
    let features = gamma.dims().first().copied().unwrap_or(0);
    let mut layer = BatchNorm::new(features, momentum, eps, gamma.device())?;
    let dtype = gamma.dtype();
    layer.running_mean = layer.running_mean.to_dtype(dtype)?;
    layer.running_var = layer.running_var.to_dtype(dtype)?;
    (layer.gamma, layer.beta) = (gamma, beta);
    let mut last = None;
    for x in batches {
        last = Some(layer.forward_train(x)?);
    }
    let eval = layer.forward_eval(x_eval)?;
    let last = last.expect("glue: at least one training batch");
    Ok((last, layer.running_mean, layer.running_var, eval))
}

/// candle-nn's `BatchNorm` on the same run (`forward_train` mutates its running statistics).
fn candle_batch_norm(
    batches: &[Tensor],
    gamma: Tensor,
    beta: Tensor,
    momentum: f64,
    eps: f64,
    x_eval: &Tensor,
) -> candle_core::Result<(Tensor, Tensor, Tensor, Tensor)> {
    use candle_core::ModuleT;
    let d = gamma.dim(0)?;
    let (mean, var) = (Tensor::zeros(d, DType::F64, gamma.device())?, Tensor::ones(d, DType::F64, gamma.device())?);
    let layer = candle_nn::BatchNorm::new_with_momentum(d, mean, var, gamma, beta, eps, momentum)?;
    let mut last = None;
    for x in batches {
        last = Some(layer.forward_train(x)?);
    }
    let eval = layer.forward_t(x_eval, false)?;
    let last = last.expect("glue: at least one training batch");
    Ok((last, layer.running_mean().clone(), layer.running_var().clone(), eval))
}

/// `(dx, dγ, dβ)` by candle's autograd through the training-mode forward pass, for the loss
/// `L = Σ dout ⊙ y` (whose gradient with respect to `y` is `dout`).
fn autograd_backward(
    x: &Tensor,
    gamma: &Tensor,
    dout: &Tensor,
    eps: f64,
) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
    let (xv, gv) = (Var::from_tensor(x)?, Var::from_tensor(gamma)?);
    let bv = Var::from_tensor(&gamma.zeros_like()?)?;
    let mean = xv.mean_keepdim(0)?;
    let centred = xv.broadcast_sub(&mean)?;
    let var = centred.sqr()?.mean_keepdim(0)?;
    let y = centred.broadcast_div(&(var + eps)?.sqrt()?)?.broadcast_mul(&gv)?.broadcast_add(&bv)?;
    let grads = (y * dout)?.sum_all()?.backward()?;
    let get = |v: &Var| grads.get(v).cloned().ok_or_else(|| candle_core::Error::Msg("no gradient".into()));
    Ok((get(&xv)?, get(&gv)?, get(&bv)?))
}

/// Tensors `(x, γ, β)` for a speed input: `F32` on the probe's device when the input ends with
/// `Text("cuda")`, as sent otherwise.
struct OnDevice {
    tensors: Vec<Tensor>,
}

impl Arg<'_, Stage4> for OnDevice {
    fn arg(v: &Value) -> OnDevice {
        let parts = v.list();
        let gpu = matches!(parts.last(), Some(Value::Text(t)) if t == "cuda");
        let tensors = parts
            .iter()
            .filter(|p| !matches!(p, Value::Text(_)))
            .map(|p| {
                let t = <Tensor as Arg<Stage4>>::arg(p);
                if gpu {
                    t.to_dtype(DType::F32).and_then(|t| t.to_device(&device())).expect("glue: to the GPU")
                } else {
                    t
                }
            })
            .collect();
        OnDevice { tensors }
    }
}
