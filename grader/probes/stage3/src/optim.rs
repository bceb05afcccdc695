//! Glue for `stage3::optim`, and candle-nn's `SGD` and `AdamW` as baselines.
//!
//! Optimiser inputs are `(hyper-parameters, params, grads per step, names)`: the glue builds the
//! optimiser, calls `step` once per entry of the gradient list and reports, after every step,
//! the parameters and the state (or the step's error). A refused step keeps the parameters.
//! The names are for the suite's messages only. Hyper-parameters travel as one vector, in the
//! order of the constructor's arguments (`[lr, momentum]`...); a schedule's two rates likewise
//! (`[lr0, gamma]`, `[lr_max, lr_min]`), and the schedule is evaluated at every step asked.

use crate::convert::{err, value, Stage3};
use candle_core::Tensor;
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW, SGD};
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use probe_runtime::tensor::planted_steps;
use stage3::optim::{self, Adam, GdRun, Momentum, Objective, OptimError, OptimizerConfig, RmsProp, Sgd, Trajectory};

probe_runtime::glue! { Stage3;
    "stage3.optim.sgd" => |hyper: SgdHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        run_steps(Sgd::new(hyper.lr), Sgd::step, |_| vec![], params, &grads)
    };
    "stage3.optim.momentum" => |hyper: MomentumHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        run_steps(Momentum::new(&params, hyper.lr, hyper.momentum), Momentum::step, momentum_state, params, &grads)
    };
    "stage3.optim.rmsprop" => |hyper: RmsPropHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        run_steps(RmsProp::new(&params, hyper.lr, hyper.alpha, hyper.eps), RmsProp::step, rmsprop_state, params, &grads)
    };
    "stage3.optim.adam" => |hyper: AdamHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        run_steps(Adam::new(&params, hyper.lr, hyper.beta1, hyper.beta2, hyper.eps), Adam::step, adam_state, params, &grads)
    };
    "stage3.optim.minimise" => |objective: Objective, config: OptimizerConfig, start: Tensor, steps: usize| {
        optim::minimise(&objective, &config, &start, steps)
    };
    "stage3.optim.step_decay" => |rates: Decay, step_size: usize, steps: Vec<usize>| {
        per_step(&steps, |s| optim::step_decay(rates.lr0, rates.gamma, step_size, s))
    };
    "stage3.optim.exponential_decay" => |rates: Decay, steps: Vec<usize>| {
        per_step(&steps, |s| optim::exponential_decay(rates.lr0, rates.gamma, s))
    };
    "stage3.optim.cosine_annealing" => |rates: Range, total_steps: usize, steps: Vec<usize>| {
        per_step(&steps, |s| optim::cosine_annealing(rates.lr_max, rates.lr_min, total_steps, s))
    };
    "stage3.optim.warmup_cosine" => |rates: Range, warmup_steps: usize, total_steps: usize, steps: Vec<usize>| {
        per_step(&steps, |s| optim::warmup_cosine(rates.lr_max, rates.lr_min, warmup_steps, total_steps, s))
    };
    "stage3.optim.lr_stability" => |h: Tensor, start: Tensor, lr: f64, steps: usize, _max_eigenvalue: f64| {
        optim::gd_quadratic(&h, &start, lr, steps)
    };

    // Baselines: candle-nn's own optimisers on the same gradients (reference probe only).
    "stage3.optim.sgd.candle" => |hyper: SgdHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        candle_sgd(&hyper, &params, &grads)
    };
    "stage3.optim.adam.candle" => |hyper: AdamHyper, params: Vec<Tensor>, grads: Vec<Vec<Tensor>>, _names: &Value| {
        candle_adam(&hyper, &params, &grads)
    };
}

/// Structs of named `f64`s decoded from one vector, in field order.
macro_rules! rates {
    ($($(#[$doc:meta])* $name:ident { $($field:ident),+ })+) => {$(
        $(#[$doc])*
        struct $name {
            $($field: f64,)+
        }

        impl Arg<'_, Stage3> for $name {
            fn arg(v: &Value) -> $name {
                let mut h = v.floats().iter().copied();
                $name { $($field: h.next().expect("glue: too few hyper-parameters"),)+ }
            }
        }
    )+};
}

rates! {
    /// `[lr]`.
    SgdHyper { lr }
    /// `[lr, momentum]`.
    MomentumHyper { lr, momentum }
    /// `[lr, alpha, eps]`.
    RmsPropHyper { lr, alpha, eps }
    /// `[lr, beta1, beta2, eps]`.
    AdamHyper { lr, beta1, beta2, eps }
    /// A decaying schedule's `[lr0, gamma]`.
    Decay { lr0, gamma }
    /// A cosine schedule's `[lr_max, lr_min]`.
    Range { lr_max, lr_min }
}

/// `("rosenbrock", [a, b])`, or `("quadratic", H)`.
impl Arg<'_, Stage3> for Objective {
    fn arg(v: &Value) -> Objective {
        match v.at(0).text() {
            "rosenbrock" => {
                let p = v.at(1).floats();
                Objective::Rosenbrock { a: p[0], b: p[1] }
            }
            _ => Objective::Quadratic { h: <Tensor as Arg<Stage3>>::arg(v.at(1)) },
        }
    }
}

/// `(kind, hyper-parameters)`, the hyper-parameters as for the optimiser exercises.
impl Arg<'_, Stage3> for OptimizerConfig {
    fn arg(v: &Value) -> OptimizerConfig {
        let h = v.at(1).floats();
        match v.at(0).text() {
            "sgd" => OptimizerConfig::Sgd { lr: h[0] },
            "momentum" => OptimizerConfig::Momentum { lr: h[0], momentum: h[1] },
            "rmsprop" => OptimizerConfig::RmsProp { lr: h[0], alpha: h[1], eps: h[2] },
            _ => OptimizerConfig::Adam { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3] },
        }
    }
}

/// `(losses, end)`.
impl Ret<Stage3> for Trajectory {
    fn ret(self) -> Value {
        Value::List(vec![self.losses.into(), value(&self.end)])
    }
}

/// `(losses, diverged)`.
impl Ret<Stage3> for GdRun {
    fn ret(self) -> Value {
        Value::List(vec![self.losses.into(), self.diverged.into()])
    }
}

fn list(ts: &[Tensor]) -> Value {
    Value::List(ts.iter().map(value).collect())
}

/// Momentum's state `(velocity)`.
fn momentum_state(o: &Momentum) -> Vec<Value> {
    vec![list(&o.velocity)]
}

/// RMSProp's state `(sq_avg)`.
fn rmsprop_state(o: &RmsProp) -> Vec<Value> {
    vec![list(&o.sq_avg)]
}

/// Adam's state `(m, v, t)`.
fn adam_state(o: &Adam) -> Vec<Value> {
    vec![list(&o.m), list(&o.v), o.t.into()]
}

type StepFn<O> = fn(&mut O, &[Tensor], &[Tensor]) -> Result<Vec<Tensor>, OptimError>;

/// Builds nothing itself: `built` is the optimiser (or why `new` refused), `step` its method,
/// `state` what to report of it after each step.
fn run_steps<O>(
    built: Result<O, OptimError>,
    step: StepFn<O>,
    state: fn(&O) -> Vec<Value>,
    mut params: Vec<Tensor>,
    grads: &[Vec<Tensor>],
) -> Value {
    let mut opt = match built {
        Ok(o) => o,
        Err(e) => return err(e),
    };
    let mut out = Vec::new();
    for g in grads {
        match step(&mut opt, &params, g) {
            Ok(new) => {
                params = new;
                let mut fields = vec![list(&params)];
                fields.extend(state(&opt));
                out.push(Value::List(fields));
            }
            Err(e) => out.push(err(e)),
        }
    }
    Value::List(out)
}

/// One rate per step asked, or the error for that step.
fn per_step(steps: &[usize], f: impl Fn(usize) -> Result<f64, OptimError>) -> Vec<Value> {
    steps.iter().map(|&s| Ret::<Stage3>::ret(f(s))).collect()
}

/// candle-nn's `SGD`, or `Unit` for a learning rate it cannot take.
fn candle_sgd(hyper: &SgdHyper, params: &[Tensor], grads: &[Vec<Tensor>]) -> Value {
    let lr = hyper.lr;
    if !(lr.is_finite() && lr >= 0.0) {
        return Value::Unit;
    }
    planted_steps(params, grads, |vars| SGD::new(vars, lr), |o, loss| o.backward_step(loss))
}

/// candle-nn's `AdamW` without weight decay, or `Unit` for hyper-parameters it cannot take.
fn candle_adam(hyper: &AdamHyper, params: &[Tensor], grads: &[Vec<Tensor>]) -> Value {
    let h = hyper;
    let unit = |x: f64| (0.0..1.0).contains(&x);
    if !(h.lr.is_finite() && h.lr >= 0.0 && unit(h.beta1) && unit(h.beta2) && h.eps.is_finite() && h.eps > 0.0) {
        return Value::Unit;
    }
    let params_adamw = ParamsAdamW { lr: h.lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weight_decay: 0.0 };
    planted_steps(params, grads, move |vars| AdamW::new(vars, params_adamw), |o, loss| o.backward_step(loss))
}
