//! Glue for `stage4::hparams`.
//!
//! A search space travels as a list of `[low, high, log]`; points as lists of vectors. The
//! configurations successive halving and Hyperband train are simulated learning curves the glue
//! makes from the case's seed: configuration `c` reaches loss `final_c + (start_c − final_c) ·
//! exp(−resource / tau_c)`, a share of them diverge (NaN), and the glue counts every evaluation
//! and the resource it cost. Bayesian optimisation minimises a named test function the glue
//! evaluates, and the glue reports the values it returned.

use crate::convert::Stage4;
use grader_protocol::Value;
use probe_runtime::glue::OTHER_SEED;
use stage4::hparams::{self, Bracket, Range, Rbf, Rung};
use stage4::rng::Rng;

probe_runtime::glue! { Stage4;
    "stage4.hparams.grid_search" => |space: &Value, per_dim: usize| {
        hparams::grid_search(&ranges(space), per_dim).map(points)
    };
    "stage4.hparams.random_search" => |space: &Value, n: usize, seed: u64| {
        hparams::random_search(&ranges(space), n, &mut Rng::new(seed)).map(points)
    };
    "stage4.hparams.successive_halving" => |first: usize, n: usize, r: f64, eta: usize, rounds: usize, curves: &Value| {
        let mut c = Curves::new(curves);
        let out = hparams::successive_halving(first, n, r, eta, rounds, &mut |k, r| c.loss(k, r));
        (out.map(|rungs| Value::List(rungs.iter().map(rung).collect())), c.calls, c.spent)
    } => (rungs, evaluations, resource_spent);
    "stage4.hparams.hyperband" => |max_resource: f64, eta: usize, curves: &Value| {
        let mut c = Curves::new(curves);
        let out = hparams::hyperband(max_resource, eta, &mut |k, r| c.loss(k, r));
        (out.map(|b| Value::List(b.iter().map(bracket).collect())), c.calls, c.spent)
    } => (brackets, evaluations, resource_spent);
    "stage4.hparams.gp_posterior" => |x_train: Vec<Vec<f64>>, y_train: Vec<f64>, x_test: Vec<Vec<f64>>, kernel: Vec<f64>, noise: f64| {
        hparams::gp_posterior(&x_train, &y_train, &x_test, &rbf(&kernel), noise)
    } => (mean, variance);
    "stage4.hparams.expected_improvement" => |mean: f64, std: f64, best: f64, xi: f64| {
        hparams::expected_improvement(mean, std, best, xi)
    };
    "stage4.hparams.bayes_opt" => |function: &str, candidates: Vec<Vec<f64>>, initial: Vec<usize>, iterations: usize, kernel: Vec<f64>, noise: f64, xi: f64| {
        let mut values = Vec::new();
        let mut f = |x: &[f64]| {
            let y = test_function(function, x);
            values.push(y);
            y
        };
        let order = hparams::bayes_opt(&mut f, &candidates, &initial, iterations, &rbf(&kernel), noise, xi);
        (order, values)
    } => (evaluated, values);
}

fn ranges(space: &Value) -> Vec<Range> {
    space.list().iter().map(|r| Range { low: r.at(0).float(), high: r.at(1).float(), log: r.at(2).bool() }).collect()
}

fn points(trials: Vec<Vec<f64>>) -> Value {
    Value::List(trials.into_iter().map(Value::Floats).collect())
}

fn rbf(k: &[f64]) -> Rbf {
    Rbf { length_scale: k[0], variance: k[1] }
}

fn rung(r: &Rung) -> Value {
    let configs = r.configs.iter().map(|&c| c as i64).collect();
    Value::List(vec![r.resource.into(), Value::Ints(configs), Value::Floats(r.losses.clone())])
}

fn bracket(b: &Bracket) -> Value {
    Value::List(vec![
        Value::Int(b.s as i64),
        Value::Int(b.n as i64),
        b.r.into(),
        Value::List(b.rungs.iter().map(rung).collect()),
    ])
}

/// Simulated learning curves: `[seed, share of diverging configurations]`.
struct Curves {
    seed: u64,
    diverge: f64,
    calls: usize,
    spent: f64,
}

impl Curves {
    fn new(v: &Value) -> Curves {
        Curves { seed: v.at(0).int() as u64, diverge: v.at(1).float(), calls: 0, spent: 0.0 }
    }

    /// Configuration `c` after `resource`: its own curve, drawn from the seed and `c` alone.
    fn loss(&mut self, c: usize, resource: f64) -> f64 {
        self.calls += 1;
        self.spent += resource;
        let mut rng = Rng::new(self.seed ^ (c as u64 + 1).wrapping_mul(OTHER_SEED));
        let (u_final, u_start, u_tau, u_nan) = (rng.next_f64(), rng.next_f64(), rng.next_f64(), rng.next_f64());
        if u_nan < self.diverge {
            return f64::NAN;
        }
        let final_loss = 0.1 + 0.8 * u_final;
        let start = final_loss + 0.5 + u_start;
        let tau = 1.0 + 30.0 * u_tau;
        final_loss + (start - final_loss) * (-resource / tau).exp()
    }
}

/// The test functions Bayesian optimisation minimises.
fn test_function(name: &str, x: &[f64]) -> f64 {
    match name {
        // Forrester et al. (2008) on [0, 1]: minimum ≈ −6.0207 at x ≈ 0.7572, a local one near 0.14.
        "forrester" => (6.0 * x[0] - 2.0).powi(2) * (12.0 * x[0] - 4.0).sin(),
        // Branin–Hoo on [−5, 10] × [0, 15]: three global minima of value 0.397887.
        "branin" => {
            let (a, b, c) = (1.0, 5.1 / (4.0 * std::f64::consts::PI.powi(2)), 5.0 / std::f64::consts::PI);
            let (r, s, t) = (6.0, 10.0, 1.0 / (8.0 * std::f64::consts::PI));
            a * (x[1] - b * x[0] * x[0] + c * x[0] - r).powi(2) + s * (1.0 - t) * x[0].cos() + s
        }
        other => panic!("glue: no test function {other}"),
    }
}
