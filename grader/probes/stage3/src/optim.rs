//! Glue for `stage3::optim`, and candle-nn's `SGD` and `AdamW` as baselines.
//!
//! Optimiser inputs are `(hyper-parameters, params, grads per step, names)`: the glue builds the
//! optimiser, calls `step` once per entry of the gradient list and reports, after every step,
//! the parameters and the state (or the step's error). A refused step keeps the parameters.

use crate::convert::{err, tensor1, tensor2, value};
use candle_core::{Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW, SGD};
use grader_protocol::Value;
use probe_runtime::Handler;
use stage3::optim::{self, Adam, Momentum, Objective, OptimError, OptimizerConfig, RmsProp, Sgd};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage3.optim.sgd" => |v: &Value| {
            let h = v.at(0).floats();
            run_steps(v, Sgd::new(h[0]), Sgd::step, |_| vec![])
        },
        "stage3.optim.momentum" => |v: &Value| {
            let h = v.at(0).floats();
            run_steps(v, Momentum::new(&tensors(v.at(1)), h[0], h[1]), Momentum::step, |o| vec![list(&o.velocity)])
        },
        "stage3.optim.rmsprop" => |v: &Value| {
            let h = v.at(0).floats();
            run_steps(v, RmsProp::new(&tensors(v.at(1)), h[0], h[1], h[2]), RmsProp::step, |o| vec![list(&o.sq_avg)])
        },
        "stage3.optim.adam" => |v: &Value| {
            let h = v.at(0).floats();
            run_steps(v, Adam::new(&tensors(v.at(1)), h[0], h[1], h[2], h[3]), Adam::step, |o| {
                vec![list(&o.m), list(&o.v), o.t.into()]
            })
        },
        "stage3.optim.minimise" => |v: &Value| {
            let objective = match v.at(0).at(0).text() {
                "rosenbrock" => {
                    let p = v.at(0).at(1).floats();
                    Objective::Rosenbrock { a: p[0], b: p[1] }
                }
                _ => Objective::Quadratic { h: tensor2(v.at(0).at(1)) },
            };
            let config = optimizer_config(v.at(1));
            match optim::minimise(&objective, &config, &tensor1(v.at(2)), v.at(3).usize()) {
                Ok(t) => Value::List(vec![t.losses.into(), value(&t.end)]),
                Err(e) => err(e),
            }
        },
        "stage3.optim.step_decay" => |v: &Value| {
            let p = v.at(0).floats();
            let size = v.at(1).usize();
            per_step(v.at(2), |s| optim::step_decay(p[0], p[1], size, s))
        },
        "stage3.optim.exponential_decay" => |v: &Value| {
            let p = v.at(0).floats();
            per_step(v.at(1), |s| optim::exponential_decay(p[0], p[1], s))
        },
        "stage3.optim.cosine_annealing" => |v: &Value| {
            let p = v.at(0).floats();
            let total = v.at(1).usize();
            per_step(v.at(2), |s| optim::cosine_annealing(p[0], p[1], total, s))
        },
        "stage3.optim.warmup_cosine" => |v: &Value| {
            let p = v.at(0).floats();
            let (warmup, total) = (v.at(1).usize(), v.at(2).usize());
            per_step(v.at(3), |s| optim::warmup_cosine(p[0], p[1], warmup, total, s))
        },
        "stage3.optim.lr_stability" => |v: &Value| match optim::gd_quadratic(
            &tensor2(v.at(0)),
            &tensor1(v.at(1)),
            v.at(2).float(),
            v.at(3).usize(),
        ) {
            Ok(r) => Value::List(vec![r.losses.into(), r.diverged.into()]),
            Err(e) => err(e),
        },

        // Baselines: candle-nn's own optimisers on the same gradients (reference probe only).
        "stage3.optim.sgd.candle" => |v: &Value| {
            let lr = v.at(0).floats()[0];
            if !(lr.is_finite() && lr >= 0.0) {
                return Value::Unit;
            }
            candle_steps(v, |vars| SGD::new(vars, lr))
        },
        "stage3.optim.adam.candle" => |v: &Value| {
            let h = v.at(0).floats();
            let unit = |x: f64| (0.0..1.0).contains(&x);
            if !(h[0].is_finite() && h[0] >= 0.0 && unit(h[1]) && unit(h[2]) && h[3].is_finite() && h[3] > 0.0) {
                return Value::Unit;
            }
            let params = ParamsAdamW { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3], weight_decay: 0.0 };
            candle_steps(v, move |vars| AdamW::new(vars, params))
        },
        _ => return None,
    })
}

/// A wire tensor (vector or matrix) as an `F64` tensor on the CPU.
fn tensor(v: &Value) -> Tensor {
    match v {
        Value::Matrix { .. } => tensor2(v),
        Value::Float(x) => Tensor::new(*x, &Device::Cpu).expect("glue: scalar"),
        _ => tensor1(v),
    }
}

fn tensors(v: &Value) -> Vec<Tensor> {
    v.list().iter().map(tensor).collect()
}

fn list(ts: &[Tensor]) -> Value {
    Value::List(ts.iter().map(value).collect())
}

fn optimizer_config(v: &Value) -> OptimizerConfig {
    let h = v.at(1).floats();
    match v.at(0).text() {
        "sgd" => OptimizerConfig::Sgd { lr: h[0] },
        "momentum" => OptimizerConfig::Momentum { lr: h[0], momentum: h[1] },
        "rmsprop" => OptimizerConfig::RmsProp { lr: h[0], alpha: h[1], eps: h[2] },
        _ => OptimizerConfig::Adam { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3] },
    }
}

type StepFn<O> = fn(&mut O, &[Tensor], &[Tensor]) -> Result<Vec<Tensor>, OptimError>;

/// Builds nothing itself: `built` is the optimiser (or why `new` refused), `step` its method,
/// `state` what to report of it after each step.
fn run_steps<O>(v: &Value, built: Result<O, OptimError>, step: StepFn<O>, state: fn(&O) -> Vec<Value>) -> Value {
    let mut opt = match built {
        Ok(o) => o,
        Err(e) => return err(e),
    };
    let mut params = tensors(v.at(1));
    let mut out = Vec::new();
    for grads in v.at(2).list() {
        match step(&mut opt, &params, &tensors(grads)) {
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
fn per_step(steps: &Value, f: impl Fn(usize) -> Result<f64, OptimError>) -> Value {
    Value::List(
        steps
            .ints()
            .iter()
            .map(|&s| match f(usize::try_from(s).expect("glue: negative step")) {
                Ok(x) => x.into(),
                Err(e) => err(e),
            })
            .collect(),
    )
}

/// candle-nn's optimiser on `Var`s holding the parameters; each step's gradients are planted
/// through the loss `Σ_i sum(θ_i ⊙ g_i)`, whose gradient with respect to `θ_i` is exactly `g_i`.
/// Steps whose gradients do not fit are skipped (`Unit`), like a refused step.
fn candle_steps<O: Optimizer>(v: &Value, build: impl FnOnce(Vec<Var>) -> candle_core::Result<O>) -> Value {
    let vars: Vec<Var> = tensors(v.at(1)).iter().map(|t| Var::from_tensor(t).expect("glue: var")).collect::<Vec<_>>();
    let mut opt = build(vars.clone()).expect("glue: candle optimiser");
    let mut out = Vec::new();
    for grads in v.at(2).list() {
        let grads = tensors(grads);
        let fits = grads.len() == vars.len() && vars.iter().zip(&grads).all(|(p, g)| p.shape() == g.shape());
        if !fits {
            out.push(Value::Unit);
            continue;
        }
        if !vars.is_empty() {
            let mut loss = Tensor::new(0.0f64, &Device::Cpu).expect("glue: zero");
            for (p, g) in vars.iter().zip(&grads) {
                let term = p.as_tensor().mul(g).and_then(|t| t.sum_all()).expect("glue: θ ⊙ g");
                loss = (loss + term).expect("glue: loss");
            }
            opt.backward_step(&loss).expect("glue: candle step");
        }
        let params: Vec<Tensor> = vars.iter().map(|p| p.as_tensor().copy().expect("glue: copy")).collect();
        out.push(Value::List(vec![list(&params)]));
    }
    Value::List(out)
}
