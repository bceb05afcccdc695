//! Glue for `stage2::rl`.
//!
//! A grid world travels as `(width, height, walls, terminal cells, terminal rewards,
//! step_reward)` with cells flattened to `[row0, col0, row1, col1, …]`.

use crate::convert::value_labels;
use grader_protocol::{error_variant, Value};
use probe_runtime::Handler;
use stage2::rl::{self, GridWorld};
use stage2::rng::Rng;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage2.rl.value_iteration" => {
            |v: &Value| match rl::value_iteration(&grid(v.at(0)), v.at(1).float(), v.at(2).float()) {
                Ok((values, policy)) => Value::List(vec![values.to_vec().into(), value_labels(&policy)]),
                Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
            }
        }
        "stage2.rl.epsilon_greedy_bandit" => |v: &Value| {
            let mut rng = Rng::new(v.at(3).int() as u64);
            match rl::epsilon_greedy_bandit(v.at(0).floats(), v.at(1).float(), v.at(2).usize(), &mut rng) {
                Ok((q, n, total)) => Value::List(vec![q.into(), value_labels(&n), total.into()]),
                Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
            }
        },
        _ => return None,
    })
}

fn cells(v: &Value) -> Vec<(usize, usize)> {
    v.ints().chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect()
}

fn grid(v: &Value) -> GridWorld {
    GridWorld {
        width: v.at(0).usize(),
        height: v.at(1).usize(),
        walls: cells(v.at(2)),
        terminals: cells(v.at(3)).into_iter().zip(v.at(4).floats().iter().copied()).collect(),
        step_reward: v.at(5).float(),
    }
}
