//! Hidden suites for `stage2::rl`.
//!
//! A grid world travels as `(width, height, walls, terminal cells, terminal rewards,
//! step_reward)`, cells flattened to `[row0, col0, row1, col1, …]` (see the probe's glue).

use grader_protocol::Value;
use grader_report::Figure;
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage2.rl.value_iteration", value_iteration_cases, check_value_iteration),
        ExerciseSuite::plain("stage2.rl.epsilon_greedy_bandit", bandit_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// Value iteration

/// A grid world as the engine sees it.
struct Grid {
    width: usize,
    height: usize,
    walls: Vec<(usize, usize)>,
    terminals: Vec<((usize, usize), f64)>,
    step_reward: f64,
}

impl Grid {
    fn value(&self) -> Value {
        let flat = |cells: &mut dyn Iterator<Item = (usize, usize)>| {
            Value::Ints(cells.flat_map(|(r, c)| [r as i64, c as i64]).collect())
        };
        Value::List(vec![
            self.width.into(),
            self.height.into(),
            flat(&mut self.walls.iter().copied()),
            flat(&mut self.terminals.iter().map(|t| t.0)),
            self.terminals.iter().map(|t| t.1).collect::<Vec<f64>>().into(),
            self.step_reward.into(),
        ])
    }

    fn from_value(v: &Value) -> Grid {
        let cells = |v: &Value| v.ints().chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect::<Vec<_>>();
        Grid {
            width: v.at(0).usize(),
            height: v.at(1).usize(),
            walls: cells(v.at(2)),
            terminals: cells(v.at(3)).into_iter().zip(v.at(4).floats().iter().copied()).collect(),
            step_reward: v.at(5).float(),
        }
    }

    /// The four action values `r + γ V(s')` of a normal cell (same dynamics as `GridWorld::step`).
    fn q(&self, values: &[f64], (r, c): (usize, usize), gamma: f64) -> [f64; 4] {
        let targets = [
            if r > 0 { (r - 1, c) } else { (r, c) },
            if c + 1 < self.width { (r, c + 1) } else { (r, c) },
            if r + 1 < self.height { (r + 1, c) } else { (r, c) },
            if c > 0 { (r, c - 1) } else { (r, c) },
        ];
        targets.map(|t| {
            let next = if self.walls.contains(&t) { (r, c) } else { t };
            let reward = self.terminals.iter().find(|x| x.0 == next).map_or(self.step_reward, |x| x.1);
            reward + gamma * values[next.0 * self.width + next.1]
        })
    }

    fn is_normal(&self, cell: (usize, usize)) -> bool {
        !self.walls.contains(&cell) && !self.terminals.iter().any(|t| t.0 == cell)
    }
}

fn vi_input(grid: &Grid, gamma: f64, tol: f64) -> Value {
    Value::List(vec![grid.value(), gamma.into(), tol.into()])
}

/// Russell & Norvig's 4x3 world: a wall in the middle, +1 and -1 exits on the right.
fn classic(step_reward: f64) -> Grid {
    Grid { width: 4, height: 3, walls: vec![(1, 1)], terminals: vec![((0, 3), 1.0), ((1, 3), -1.0)], step_reward }
}

/// A random `h x w` world: about 15% walls, two or three terminals with rewards in [-1, 2].
fn random_grid(g: &mut Gen, h: usize, w: usize) -> Grid {
    let mut cells: Vec<(usize, usize)> = (0..h).flat_map(|r| (0..w).map(move |c| (r, c))).collect();
    // Partial Fisher–Yates: the first few cells of a shuffle become terminals, then walls.
    let n_terminals = g.size(2, 3);
    let n_walls = h * w * 15 / 100;
    for i in 0..n_terminals + n_walls {
        let j = g.size(i, cells.len() - 1);
        cells.swap(i, j);
    }
    let terminals = cells[..n_terminals].iter().map(|&c| (c, (g.float(-1.0, 2.0) * 10.0).round() / 10.0)).collect();
    Grid {
        width: w,
        height: h,
        walls: cells[n_terminals..n_terminals + n_walls].to_vec(),
        terminals,
        step_reward: -0.1,
    }
}

fn value_iteration_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("4x3 classic world, step -0.04, γ = 0.99", vi_input(&classic(-0.04), 0.99, 1e-10)),
        Case::new("4x3 classic world, step -0.04, γ = 0.9", vi_input(&classic(-0.04), 0.9, 1e-10)),
        Case::new("4x3 classic world, step -2 (rush to any exit), γ = 0.9", vi_input(&classic(-2.0), 0.9, 1e-10)),
        Case::new("4x3 classic world, γ = 0 (only the next reward counts)", vi_input(&classic(-0.04), 0.0, 1e-10)),
    ];
    for (h, w) in [(5, 5), (6, 8)] {
        let grid = random_grid(g, h, w);
        cases.push(Case::new(format!("random {h}x{w} world, γ = 0.95"), vi_input(&grid, 0.95, 1e-10)));
    }
    // No step cost and a symmetric layout: many equally good actions (ties).
    let corridor =
        Grid { width: 5, height: 1, walls: vec![], terminals: vec![((0, 0), 1.0), ((0, 4), 1.0)], step_reward: 0.0 };
    cases.push(Case::new("1x5 corridor with equal exits at both ends (ties)", vi_input(&corridor, 0.9, 1e-10)));
    let open = Grid { width: 3, height: 3, walls: vec![], terminals: vec![], step_reward: -1.0 };
    cases.push(Case::new("3x3 world without terminals, step -1, γ = 0.5", vi_input(&open, 0.5, 1e-10)));
    // The first sweep changes every value by exactly 1: "stop when the change is below tol" must
    // not stop there when tol = 1.
    cases.push(Case::new(
        "3x3 world without terminals, step -1, γ = 0.5, tol 1 (the first sweep changes by exactly 1)",
        vi_input(&open, 0.5, 1.0),
    ));
    let empty = Grid { width: 0, height: 3, walls: vec![], terminals: vec![], step_reward: 0.0 };
    cases.push(Case::new("width 0", vi_input(&empty, 0.9, 1e-6)));
    let outside = Grid { width: 3, height: 2, walls: vec![(2, 0)], terminals: vec![((0, 2), 1.0)], step_reward: 0.0 };
    cases.push(Case::new("a wall outside the grid", vi_input(&outside, 0.9, 1e-6)));
    cases.push(Case::new("γ = 1", vi_input(&classic(-0.04), 1.0, 1e-6)));
    cases.push(Case::new("tolerance 0", vi_input(&classic(-0.04), 0.9, 0.0)));
    cases
}

/// Values allclose with the reference; each policy action must be the reference's, or tie with
/// it (its action value within 1e-6 of the reference's under the reference values) — the tie
/// rule (lowest index) cannot be judged reliably when two action values differ by rounding.
fn check_value_iteration(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let grid = Grid::from_value(ctx.input.at(0));
    let gamma = ctx.input.at(1).float();
    if let (Some(Value::Floats(values)), true) = (g.first(), grid.width > 0) {
        if values.len() == grid.width * grid.height {
            ctx.figure(Figure {
                title: "Your state values (walls and terminals are 0)".into(),
                kind: "heatmap".into(),
                x_label: "column".into(),
                y_label: "row".into(),
                series: vec![],
                matrix: values.chunks(grid.width).map(|r| r.to_vec()).collect(),
                labels: vec![],
            });
        }
    }
    if e.len() != 2 || g.len() != 2 {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    compare::values(&e[0], &g[0], ctx.tol).map_err(|f| f.within("values"))?;
    let (Value::Ints(ep), Value::Ints(gp)) = (&e[1], &g[1]) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if ep.len() != gp.len() {
        return Err(Failure::plain(format!("policy: expected {} entries, got {}", ep.len(), gp.len())));
    }
    let values = e[0].floats();
    for (s, (&want, &got)) in ep.iter().zip(gp).enumerate() {
        if want == got {
            continue;
        }
        let cell = (s / grid.width, s % grid.width);
        let ok = grid.is_normal(cell) && (0..4).contains(&got) && {
            let q = grid.q(values, cell, gamma);
            (q[got as usize] - q[want as usize]).abs() <= 1e-6
        };
        if !ok {
            return Err(Failure::msg(format!(
                "policy: at state {s} (row {}, column {}) expected action {want}, got {got}",
                cell.0, cell.1
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bandit

fn bandit_input(means: Vec<f64>, epsilon: f64, steps: usize, seed: u64) -> Value {
    Value::List(vec![means.into(), epsilon.into(), steps.into(), Value::Int(seed as i64)])
}

fn bandit_cases(g: &mut Gen) -> Vec<Case> {
    let ten: Vec<f64> = g.normals(10);
    vec![
        Case::new("3 arms, ε = 0.1, 500 steps", bandit_input(vec![0.2, 1.0, 0.5], 0.1, 500, g.seed())),
        Case::new("10-armed testbed, ε = 0.1, 2000 steps", bandit_input(ten.clone(), 0.1, 2000, g.seed())),
        Case::new("10-armed testbed, ε = 0 (greedy)", bandit_input(ten.clone(), 0.0, 1000, g.seed())),
        Case::new("10-armed testbed, ε = 1 (uniformly random)", bandit_input(ten, 1.0, 1000, g.seed())),
        Case::new("one arm", bandit_input(vec![0.7], 0.2, 100, g.seed())),
        Case::new("zero steps", bandit_input(vec![0.2, 0.4], 0.1, 0, g.seed())),
        Case::new("no arms", bandit_input(vec![], 0.1, 10, g.seed())),
        Case::new("ε = 1.5", bandit_input(vec![0.2, 0.4], 1.5, 10, g.seed())),
        Case::new("ε = -0.1", bandit_input(vec![0.2, 0.4], -0.1, 10, g.seed())),
    ]
}
