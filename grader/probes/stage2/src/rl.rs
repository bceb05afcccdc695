//! Glue for `stage2::rl`.
//!
//! A grid world travels as `(width, height, walls, terminal cells, terminal rewards,
//! step_reward)` with cells flattened to `[row0, col0, row1, col1, …]`.

use crate::convert::Stage2;
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage2::rl::{self, GridWorld};
use stage2::rng::Rng;

probe_runtime::glue! { Stage2;
    "stage2.rl.value_iteration" => |grid: GridWorld, gamma: f64, tol: f64| rl::value_iteration(&grid, gamma, tol);
    "stage2.rl.epsilon_greedy_bandit" => |arm_means: &[f64], epsilon: f64, steps: usize, seed: u64| {
        rl::epsilon_greedy_bandit(arm_means, epsilon, steps, &mut Rng::new(seed))
    };
}

fn cells(v: &Value) -> Vec<(usize, usize)> {
    v.ints().chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect()
}

impl Arg<'_, Stage2> for GridWorld {
    fn arg(v: &Value) -> GridWorld {
        GridWorld {
            width: v.at(0).usize(),
            height: v.at(1).usize(),
            walls: cells(v.at(2)),
            terminals: cells(v.at(3)).into_iter().zip(v.at(4).floats().iter().copied()).collect(),
            step_reward: v.at(5).float(),
        }
    }
}
