//! Reinforcement-learning basics: planning in a known world (value iteration) and learning
//! from rewards alone (an ε-greedy multi-armed bandit).
//!
//! Vocabulary: an *agent* in a *state* takes an *action*, the environment answers with a
//! *reward* and a next state. A *policy* says which action to take in each state; the *value*
//! `V(s)` of a state is the discounted sum of rewards `r_0 + γ r_1 + γ² r_2 + …` collected from
//! `s` by acting well. The discount `γ ∈ [0, 1)` makes near rewards worth more than far ones.

use crate::rng::Rng;
use ndarray::Array1;

/// Action "up": row − 1.
pub const UP: usize = 0;
/// Action "right": column + 1.
pub const RIGHT: usize = 1;
/// Action "down": row + 1.
pub const DOWN: usize = 2;
/// Action "left": column − 1.
pub const LEFT: usize = 3;
/// The policy entry of a wall or terminal cell, where no action is taken.
pub const NO_ACTION: usize = 4;

/// A deterministic grid world (given to you complete; identical in `exercises/` and
/// `solutions/`).
///
/// Cells are `(row, col)` with `row` in `0..height` (row 0 at the top) and `col` in
/// `0..width`; state index `s = row * width + col`. In a normal cell the agent picks one of the
/// four actions [`UP`], [`RIGHT`], [`DOWN`], [`LEFT`] and moves one cell that way — unless that
/// leaves the grid or enters a wall, in which case it stays where it is. Moving into (or staying
/// in) a normal cell earns `step_reward` (usually a small cost such as `-0.04`); moving into a
/// terminal cell earns that terminal's reward and ends the episode. Walls and terminals have
/// value `0` and policy [`NO_ACTION`].
#[derive(Debug, Clone, PartialEq)]
pub struct GridWorld {
    pub width: usize,
    pub height: usize,
    /// Cells the agent cannot enter, as `(row, col)`.
    pub walls: Vec<(usize, usize)>,
    /// Cells that end the episode, as `((row, col), reward)`.
    pub terminals: Vec<((usize, usize), f64)>,
    /// Reward of every move that ends in a normal cell.
    pub step_reward: f64,
}

impl GridWorld {
    /// Number of states (`width * height`).
    pub fn n_states(&self) -> usize {
        self.width * self.height
    }

    /// Whether `(row, col)` is a wall.
    pub fn is_wall(&self, cell: (usize, usize)) -> bool {
        self.walls.contains(&cell)
    }

    /// The reward of terminal cell `(row, col)`, or `None` if it is not terminal.
    pub fn terminal_reward(&self, cell: (usize, usize)) -> Option<f64> {
        self.terminals.iter().find(|(c, _)| *c == cell).map(|(_, r)| *r)
    }

    /// Where `action` leads from the normal cell `(row, col)`, and the reward earned.
    pub fn step(&self, cell: (usize, usize), action: usize) -> ((usize, usize), f64) {
        let (r, c) = cell;
        let target = match action {
            UP if r > 0 => (r - 1, c),
            RIGHT if c + 1 < self.width => (r, c + 1),
            DOWN if r + 1 < self.height => (r + 1, c),
            LEFT if c > 0 => (r, c - 1),
            _ => cell,
        };
        let next = if self.is_wall(target) { cell } else { target };
        (next, self.terminal_reward(next).unwrap_or(self.step_reward))
    }
}

/// Why a reinforcement-learning routine refuses its input.
#[derive(Debug, Clone, PartialEq)]
pub enum RlError {
    /// The grid has no cells (`width == 0` or `height == 0`).
    EmptyGrid,
    /// A wall or terminal lies outside the grid.
    OutOfBounds,
    /// `gamma` is not in `[0, 1)`.
    InvalidGamma,
    /// `tol` is not positive.
    InvalidTolerance,
    /// A bandit needs at least one arm.
    NoArms,
    /// `epsilon` is not in `[0, 1]`.
    InvalidEpsilon,
}

/// Value iteration: the optimal values and a greedy policy of a [`GridWorld`].
///
/// Start from `V_0 = 0` everywhere and apply the Bellman optimality update to every normal cell
/// *synchronously* (each sweep reads only the previous sweep's values):
///
/// `V_{k+1}(s) = max_a [ r(s, a) + γ V_k(s') ]` with `(s', r(s, a)) = grid.step(s, a)`,
///
/// where terminals and walls keep the value 0. Stop after the first sweep whose largest change
/// `max_s |V_{k+1}(s) - V_k(s)|` is `< tol`, and return `V_{k+1}`. The policy is greedy with
/// respect to the returned values: in each normal cell the action with the largest
/// `r(s, a) + γ V(s')`, the lowest action index on ties; [`NO_ACTION`] in walls and terminals.
///
/// Returns `(values, policy)`, both indexed by state `row * width + col`.
///
/// Errors, in this order: `EmptyGrid`, `OutOfBounds`, `InvalidGamma`, `InvalidTolerance`.
pub fn value_iteration(grid: &GridWorld, gamma: f64, tol: f64) -> Result<(Array1<f64>, Vec<usize>), RlError> {
    if grid.width == 0 || grid.height == 0 {
        return Err(RlError::EmptyGrid);
    }
    let inside = |&(r, c): &(usize, usize)| r < grid.height && c < grid.width;
    if !grid.walls.iter().all(inside) || !grid.terminals.iter().all(|(cell, _)| inside(cell)) {
        return Err(RlError::OutOfBounds);
    }
    // `!(0 <= γ < 1)` also rejects NaN.
    if !(0.0..1.0).contains(&gamma) {
        return Err(RlError::InvalidGamma);
    }
    if tol.is_nan() || tol <= 0.0 {
        return Err(RlError::InvalidTolerance);
    }
    let w = grid.width;
    let cells: Vec<(usize, usize)> = (0..grid.n_states()).map(|s| (s / w, s % w)).collect();
    let normal = |cell: (usize, usize)| !grid.is_wall(cell) && grid.terminal_reward(cell).is_none();
    // Q(s, a) = r + γ V(s') for the four actions.
    let q = |v: &Array1<f64>, cell: (usize, usize)| -> [f64; 4] {
        [UP, RIGHT, DOWN, LEFT].map(|a| {
            let ((r, c), reward) = grid.step(cell, a);
            reward + gamma * v[r * w + c]
        })
    };

    let mut v = Array1::<f64>::zeros(grid.n_states());
    loop {
        let mut next = Array1::zeros(grid.n_states());
        for (s, &cell) in cells.iter().enumerate() {
            if normal(cell) {
                next[s] = q(&v, cell).into_iter().fold(f64::NEG_INFINITY, f64::max);
            }
        }
        let change = next.iter().zip(&v).fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        v = next;
        // γ < 1 makes the update a contraction, so the change shrinks geometrically.
        if change < tol {
            break;
        }
    }

    let policy = cells
        .iter()
        .map(|&cell| {
            if !normal(cell) {
                return NO_ACTION;
            }
            let qs = q(&v, cell);
            // Strict `>` keeps the first (lowest-index) action among equals.
            (1..4).fold(0, |best, a| if qs[a] > qs[best] { a } else { best })
        })
        .collect();
    Ok((v, policy))
}

/// A standard normal sample by Box–Muller, drawing exactly two uniforms:
/// `u1 = 1 - rng.next_f64()` (in `(0, 1]`, so the logarithm is finite), then
/// `u2 = rng.next_f64()`; `z = sqrt(-2 ln u1) · cos(2π u2)`.
fn standard_normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// An ε-greedy agent playing a `k`-armed bandit for `steps` rounds.
///
/// Arm `a` pays `arm_means[a] + z` with `z` standard normal. The agent keeps an estimate `Q[a]`
/// (initially 0) and a pull count `N[a]` (initially 0) per arm. Each step, using `rng` in exactly
/// this order:
///
/// 1. `u = rng.next_f64()`; if `u < epsilon`, *explore*: `a = (rng.next_u64() % k) as usize`;
///    otherwise *exploit*: `a` = the arm with the largest `Q[a]`, the lowest index on ties;
/// 2. draw the reward `r = arm_means[a] + z`, `z` by Box–Muller from two more uniforms:
///    `u1 = 1 - rng.next_f64()`, `u2 = rng.next_f64()`, `z = sqrt(-2 ln u1) · cos(2π u2)`;
/// 3. `N[a] += 1`, `Q[a] += (r - Q[a]) / N[a]` (the running mean of the arm's rewards).
///
/// Returns `(Q, N, total reward)`.
///
/// Errors, in this order: `NoArms`, `InvalidEpsilon` (not in `[0, 1]`).
pub fn epsilon_greedy_bandit(
    arm_means: &[f64],
    epsilon: f64,
    steps: usize,
    rng: &mut Rng,
) -> Result<(Vec<f64>, Vec<usize>, f64), RlError> {
    let k = arm_means.len();
    if k == 0 {
        return Err(RlError::NoArms);
    }
    if !(0.0..=1.0).contains(&epsilon) {
        return Err(RlError::InvalidEpsilon);
    }
    let (mut q, mut n, mut total) = (vec![0.0; k], vec![0usize; k], 0.0);
    for _ in 0..steps {
        let a = if rng.next_f64() < epsilon {
            (rng.next_u64() % k as u64) as usize
        } else {
            (1..k).fold(0, |best, a| if q[a] > q[best] { a } else { best })
        };
        let r = arm_means[a] + standard_normal(rng);
        n[a] += 1;
        q[a] += (r - q[a]) / n[a] as f64;
        total += r;
    }
    Ok((q, n, total))
}
