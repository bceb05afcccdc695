//! Glue for `stage4::reg`. Dropout runs three times (`probe_runtime::glue::three_runs`), each with an `Rng`
//! built here from a seed; so does DropConnect, on the identity matrix as its input, which makes
//! its output the weights it used (transposed), before it runs once on the case's input.
//! AdamW's hyper-parameters travel as one vector `[lr, beta1, beta2, eps, weight_decay]`; candle-nn's
//! `AdamW` runs on the same gradients as the baseline (reference probe only).

use crate::convert::Stage4;
use candle_core::{Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use grader_protocol::Value;
use probe_runtime::glue::three_runs;
use probe_runtime::tensor::planted_steps;
use stage4::reg::{self, AdamWConfig, EarlyStopping, RegError};
use stage4::rng::Rng;

probe_runtime::glue! { Stage4;
    "stage4.reg.dropout" => |x: Tensor, p: f64, train: bool, seed: u64| {
        three_runs(seed, Rng::new, |rng| reg::dropout(&x, p, train, rng))
    } => (output, same_seed, other_seed);
    "stage4.reg.drop_connect" => |x: Tensor, w: Tensor, b: Tensor, p: f64, train: bool, seed: u64| {
        drop_connect_runs(&x, &w, &b, p, train, seed)
    } => (weights, same_seed, other_seed, output);
    "stage4.reg.adamw" => |hyper: Vec<f64>, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>| {
        reg::adamw(&params, &grads, &config(&hyper))
    };
    "stage4.reg.adamw.candle" => |hyper: Vec<f64>, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>| {
        candle_adamw(&config(&hyper), &params, &grads)
    };
    "stage4.reg.penalty" => |params: Vec<Tensor>, l1: f64, l2: f64| reg::penalty(&params, l1, l2) => (value, gradients);
    "stage4.reg.early_stopping" => |losses: Vec<f64>, patience: usize, min_delta: f64| {
        early_stopping_run(&losses, patience, min_delta)
    } => (epochs, stopped, best_epoch, best_loss, restored);
}

/// Early stopping over a run of validation losses. The weights are one `Var` updated in place
/// each epoch (to `[e, -e]` at epoch `e`), as an optimiser does: the restored value tells which
/// epoch's weights were kept, and whether they were copied or only shared.
fn early_stopping_run(
    losses: &[f64],
    patience: usize,
    min_delta: f64,
) -> Result<(usize, bool, i64, f64, f64), RegError> {
    let mut monitor = EarlyStopping::new(patience, min_delta)?;
    let w = Var::new(&[0.0f64, 0.0], &Device::Cpu)?;
    let mut stopped = false;
    for (e, &loss) in losses.iter().enumerate() {
        w.set(&Tensor::new(&[e as f64, -(e as f64)], &Device::Cpu)?)?;
        if monitor.observe(loss, &[w.as_tensor().clone()])? {
            stopped = true;
            break;
        }
    }
    let (best_epoch, restored) = match &monitor.best {
        Some((e, p)) => (*e as i64, p.first().map(|t| t.to_vec1::<f64>()).transpose()?.map_or(f64::NAN, |v| v[0])),
        None => (-1, f64::NAN),
    };
    Ok((monitor.epochs, stopped, best_epoch, monitor.best_loss, restored))
}

type Run = Result<Tensor, RegError>;

/// The weights DropConnect used, from three runs on the identity (the case's seed, the same seed,
/// another seed, with a zero bias: `I · W_mᵀ + 0 = W_mᵀ` exactly), then the output on the case's
/// input with the case's seed.
fn drop_connect_runs(x: &Tensor, w: &Tensor, b: &Tensor, p: f64, train: bool, seed: u64) -> (Run, Run, Run, Run) {
    let (n_out, n_in) = (w.dims().first().copied().unwrap_or(1), w.dims().last().copied().unwrap_or(1));
    let eye = Tensor::eye(n_in, w.dtype(), w.device()).expect("glue: identity");
    let zero = Tensor::zeros(n_out, w.dtype(), w.device()).expect("glue: zero bias");
    let used = |rng: &mut Rng| reg::drop_connect(&eye, w, &zero, p, train, rng).and_then(|y| Ok(y.t()?));
    let (weights, same_seed, other_seed) = three_runs(seed, Rng::new, used);
    (weights, same_seed, other_seed, reg::drop_connect(x, w, b, p, train, &mut Rng::new(seed)))
}

fn config(h: &[f64]) -> AdamWConfig {
    AdamWConfig { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3], weight_decay: h[4] }
}

/// candle-nn's `AdamW`, or `Unit` for hyper-parameters the course refuses.
fn candle_adamw(c: &AdamWConfig, params: &[Tensor], grads: &[Vec<Tensor>]) -> Value {
    let unit = |x: f64| (0.0..1.0).contains(&x);
    let valid = c.lr.is_finite() && c.lr >= 0.0 && unit(c.beta1) && unit(c.beta2) && c.eps.is_finite() && c.eps > 0.0;
    if !(valid && c.weight_decay.is_finite() && c.weight_decay >= 0.0) {
        return Value::Unit;
    }
    let p = ParamsAdamW { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weight_decay: c.weight_decay };
    planted_steps(params, grads, move |vars| AdamW::new(vars, p), |o, loss| o.backward_step(loss))
}
