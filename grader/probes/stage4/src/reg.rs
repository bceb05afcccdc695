//! Glue for `stage4::reg`. Dropout runs three times (`probe_runtime::glue::three_runs`), each with an `Rng`
//! built here from a seed.

use crate::convert::Stage4;
use candle_core::{Device, Tensor, Var};
use probe_runtime::glue::three_runs;
use stage4::reg::{self, EarlyStopping, RegError};
use stage4::rng::Rng;

probe_runtime::glue! { Stage4;
    "stage4.reg.dropout" => |x: Tensor, p: f64, train: bool, seed: u64| {
        three_runs(seed, Rng::new, |rng| reg::dropout(&x, p, train, rng))
    } => (output, same_seed, other_seed);
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
