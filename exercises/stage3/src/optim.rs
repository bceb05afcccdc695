//! Optimisers and learning-rate schedules, written from scratch on candle tensors.
//!
//! Training is a loop: forward pass → loss → gradients → **optimiser step** → repeat. This module
//! is the last part. An optimiser turns the gradients `g` of the loss with respect to the
//! parameters `θ` into new parameters; all but plain SGD also *remember* something from one step
//! to the next (a velocity, running averages of the gradients, a step count). That memory is the
//! optimiser's **state**, and getting it right is most of the work:
//!
//! - every optimiser here is a struct: its hyper-parameters (`lr`, `momentum`, `beta1`...) and
//!   its state are public fields. The state holds **one tensor per parameter, in the same order
//!   and with the same shape as the parameters** (created as zeros by `new`, from the parameters
//!   you will train);
//! - `step(&mut self, params, grads)` takes the current parameters and their gradients (same
//!   order, same shapes), updates the state in `self`, and returns the new parameters. candle
//!   tensors are immutable values (cheap to clone: the data is shared), so "updating the state"
//!   means computing new tensors and storing them in the struct's `Vec`s in place of the old ones;
//! - a step whose inputs do not fit (a different number of gradients than parameters, or a
//!   gradient whose shape differs from its parameter's) is refused with
//!   [`OptimError::ShapeMismatch`] **before anything changes**: the state after a refused step is
//!   exactly the state before it (Adam's step count included);
//! - everything is elementwise and works on the dtype and the device of the tensors it gets.
//!
//! In a real training loop (candle-nn's `Optimizer` trait works the same way, with `Var`s that
//! it updates in place) you would call `step` once per mini-batch:
//!
//! ```text
//! let mut opt = Adam::new(&params, 1e-3, 0.9, 0.999, 1e-8)?;
//! for batch in batches {
//!     let grads = gradients_of_the_loss(&params, batch)?;  // backprop
//!     params = opt.step(&params, &grads)?;
//! }
//! ```
//!
//! The second half of the module is about the learning rate itself: schedules that change it as
//! training goes (`step_decay`, `exponential_decay`, `cosine_annealing`, `warmup_cosine`: pure
//! functions of the step number, to assign to `opt.lr` before each step), and an experiment that
//! shows why a learning rate above `2 / L` makes gradient descent blow up ([`gd_quadratic`]).
//!
//! candle in brief, for this module: `p.shape()` (compare two with `==`), `Tensor::zeros_like(&p)?`,
//! `(&a + &b)?`, `(&a - &b)?`, `(&a * &b)?`, `(&a / &b)?` (elementwise, same shapes), `(&a * 0.9)?`
//! (times a number), `(&a + 1e-8)?` (plus a number), `a.sqr()?`, `a.sqrt()?`. Every operation
//! returns a `candle_core::Result`; `?` turns its error into [`OptimError::Candle`].

use candle_core::Tensor;

/// Why an optimiser or a schedule refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimError {
    /// The gradients do not fit the parameters (or the state): a different number of them, or a
    /// tensor whose shape differs from its parameter's; a starting point or matrix of the wrong
    /// shape for the objective.
    ShapeMismatch,
    /// A hyper-parameter out of its range (each function's doc says which range).
    InvalidParameter,
    /// A tensor operation failed (the message of candle's error). Not expected on valid inputs.
    Candle(String),
}

impl From<candle_core::Error> for OptimError {
    fn from(e: candle_core::Error) -> Self {
        OptimError::Candle(e.to_string())
    }
}

impl std::fmt::Display for OptimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for OptimError {}

// ---------------------------------------------------------------------------------------------
// SGD

/// Plain stochastic gradient descent: `θ ← θ − lr · g`. No state.
///
/// This is exactly `candle_nn::SGD` (which, unlike PyTorch's `SGD`, has no momentum option).
#[derive(Debug, Clone)]
pub struct Sgd {
    /// The learning rate; a schedule may change it between steps.
    pub lr: f64,
}

impl Sgd {
    /// An SGD optimiser. `lr` must be finite and `>= 0`, else [`OptimError::InvalidParameter`].
    pub fn new(lr: f64) -> Result<Sgd, OptimError> {
        todo!()
    }

    /// One step: returns `θ_i − lr · g_i` for every parameter `i`.
    ///
    /// `grads[i]` is the gradient of the loss with respect to `params[i]`. A different number of
    /// gradients than parameters, or a gradient whose shape differs from its parameter's, is
    /// [`OptimError::ShapeMismatch`]. No parameters at all is fine (an empty `Vec` comes back).
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) -> Result<Vec<Tensor>, OptimError> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// SGD with momentum

/// SGD with (heavy-ball) momentum, in PyTorch's form:
///
/// ```text
/// v ← μ · v + g        (the velocity: a decaying sum of past gradients)
/// θ ← θ − lr · v
/// ```
///
/// State: `velocity`, one tensor per parameter, zeros at the start (so the first step is a plain
/// SGD step). Along a direction where the gradient keeps its sign the velocity grows to about
/// `g / (1 − μ)` (10x for μ = 0.9); where it flips sign every step it cancels out. That is why
/// momentum speeds up long narrow valleys and damps zig-zags.
///
/// Other books write `v ← μ v − lr g; θ ← θ + v` (Sutskever et al.): the same steps while `lr` is
/// constant (that `v` is `−lr` times this one), different ones when a schedule changes `lr`. Some
/// write `v ← β v + (1 − β) g` (an average, not a sum): that divides the step by `1 / (1 − β)`.
#[derive(Debug, Clone)]
pub struct Momentum {
    pub lr: f64,
    /// `μ`, in `[0, 1)`; 0 is plain SGD.
    pub momentum: f64,
    /// `v`, one tensor per parameter.
    pub velocity: Vec<Tensor>,
}

impl Momentum {
    /// A momentum optimiser for `params` (only their shapes, dtype and device are used: the
    /// velocity starts as zeros like each of them).
    ///
    /// `lr` finite and `>= 0`, `momentum` in `[0, 1)`; else [`OptimError::InvalidParameter`].
    pub fn new(params: &[Tensor], lr: f64, momentum: f64) -> Result<Momentum, OptimError> {
        todo!()
    }

    /// One step: `v_i ← μ v_i + g_i`, then returns `θ_i − lr · v_i` (with the new `v_i`).
    ///
    /// Refused with [`OptimError::ShapeMismatch`] (velocity unchanged) when the gradients do not
    /// match the parameters or the velocity in number and shapes.
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) -> Result<Vec<Tensor>, OptimError> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// RMSprop

/// RMSprop (Hinton, 2012), in PyTorch's form (ε outside the square root):
///
/// ```text
/// s ← α · s + (1 − α) · g²          (running mean of the squared gradient, elementwise)
/// θ ← θ − lr · g / (√s + ε)
/// ```
///
/// State: `sq_avg` (`s`), one tensor per parameter, zeros at the start. Each element gets its own
/// step size `lr / √s`: large where gradients have been small, small where they have been large,
/// so that badly scaled directions move at similar speeds.
///
/// There is no bias correction: after the first step `s = (1 − α) g²`, so the first update is
/// `lr · g / (√(1 − α) |g| + ε)`, about `10 · lr` per element for α = 0.99. Adam fixes exactly this.
/// (Keras puts ε *inside* the root, `g / √(s + ε)`: a different optimiser when gradients are tiny.)
#[derive(Debug, Clone)]
pub struct RmsProp {
    pub lr: f64,
    /// `α`, the decay of the running mean, in `[0, 1)` (0.99 in PyTorch, 0.9 in Keras).
    pub alpha: f64,
    /// `ε > 0`, added to `√s`.
    pub eps: f64,
    /// `s`, one tensor per parameter.
    pub sq_avg: Vec<Tensor>,
}

impl RmsProp {
    /// An RMSprop optimiser for `params` (`sq_avg` starts as zeros like each of them).
    ///
    /// `lr` finite and `>= 0`, `alpha` in `[0, 1)`, `eps` finite and `> 0`; else
    /// [`OptimError::InvalidParameter`].
    pub fn new(params: &[Tensor], lr: f64, alpha: f64, eps: f64) -> Result<RmsProp, OptimError> {
        todo!()
    }

    /// One step: `s_i ← α s_i + (1 − α) g_i²`, then returns `θ_i − lr · g_i / (√s_i + ε)`.
    ///
    /// Refused with [`OptimError::ShapeMismatch`] (state unchanged) when the gradients do not
    /// match the parameters or the state.
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) -> Result<Vec<Tensor>, OptimError> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// Adam

/// Adam (Kingma & Ba, 2015, Algorithm 1): momentum and RMSprop together, with bias correction.
///
/// ```text
/// t ← t + 1
/// m ← β₁ · m + (1 − β₁) · g           (running mean of the gradient)
/// v ← β₂ · v + (1 − β₂) · g²          (running mean of the squared gradient)
/// m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (bias correction)
/// θ ← θ − lr · m̂ / (√v̂ + ε)
/// ```
///
/// State: `m` and `v` (one tensor per parameter each, zeros at the start) and the step count `t`
/// (0 at the start, 1 after the first step: the powers `β₁ᵗ`, `β₂ᵗ` use the *new* `t`).
///
/// Why the correction: `m` and `v` start at zero, so early on they are biased towards zero (after
/// one step `m = (1 − β₁) g`, a tenth of the gradient for β₁ = 0.9). Dividing by `1 − βᵗ` undoes
/// exactly that bias: after the first step `m̂ = g` and `v̂ = g²`, so the first update is about
/// `lr · sign(g)`. As `t` grows, `βᵗ → 0` and the correction fades away.
///
/// This is the formula of `candle_nn::AdamW` with `weight_decay = 0` and of PyTorch's `Adam`:
/// ε is added to `√v̂`, *after* the bias correction. (AdamW's weight decay, `θ ← θ (1 − lr·λ)`
/// before the update, is the only difference, and vanishes for λ = 0.) Keras and the paper's
/// "more efficient" variant instead fold the corrections into the step size,
/// `θ ← θ − lr √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε)`: the same when ε is negligible, but not when
/// the gradients are as small as ε (try a gradient of 1e-9).
#[derive(Debug, Clone)]
pub struct Adam {
    pub lr: f64,
    /// `β₁`, in `[0, 1)` (0.9 usually).
    pub beta1: f64,
    /// `β₂`, in `[0, 1)` (0.999 usually).
    pub beta2: f64,
    /// `ε > 0` (1e-8 usually), added to `√v̂`.
    pub eps: f64,
    /// First moments `m`, one tensor per parameter.
    pub m: Vec<Tensor>,
    /// Second moments `v`, one tensor per parameter.
    pub v: Vec<Tensor>,
    /// Number of steps taken (refused steps do not count).
    pub t: usize,
}

impl Adam {
    /// An Adam optimiser for `params` (`m` and `v` start as zeros like each of them, `t = 0`).
    ///
    /// `lr` finite and `>= 0`; `beta1`, `beta2` in `[0, 1)`; `eps` finite and `> 0`; else
    /// [`OptimError::InvalidParameter`].
    pub fn new(params: &[Tensor], lr: f64, beta1: f64, beta2: f64, eps: f64) -> Result<Adam, OptimError> {
        todo!()
    }

    /// One step (see the formula on [`Adam`]): increments `t`, updates `m_i` and `v_i`, and returns
    /// `θ_i − lr · m̂_i / (√v̂_i + ε)` for every parameter.
    ///
    /// Refused with [`OptimError::ShapeMismatch`] when the gradients do not match the parameters
    /// or the state; a refused step changes nothing, not even `t`. With no parameters at all, a
    /// step still counts (`t` goes up) and returns an empty `Vec`, as in candle-nn's `AdamW`.
    pub fn step(&mut self, params: &[Tensor], grads: &[Tensor]) -> Result<Vec<Tensor>, OptimError> {
        todo!()
    }
}

// ---------------------------------------------------------------------------------------------
// Minimising a function

/// Which optimiser to run, with its hyper-parameters (the arguments of its `new`).
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerConfig {
    Sgd { lr: f64 },
    Momentum { lr: f64, momentum: f64 },
    RmsProp { lr: f64, alpha: f64, eps: f64 },
    Adam { lr: f64, beta1: f64, beta2: f64, eps: f64 },
}

/// A function of a 1-D parameter vector `θ` to minimise.
#[derive(Debug, Clone)]
pub enum Objective {
    /// Rosenbrock's banana, `θ = (x, y)`: `f = (a − x)² + b (y − x²)²`, minimum 0 at `(a, a²)`.
    /// A long, narrow, curved valley: easy to find, slow to follow.
    ///
    /// `∂f/∂x = −2 (a − x) − 4 b x (y − x²)`, `∂f/∂y = 2 b (y − x²)`.
    Rosenbrock { a: f64, b: f64 },
    /// The quadratic bowl `f = ½ θᵀ H θ`, with `h` a symmetric positive-definite `(n, n)` matrix;
    /// minimum 0 at `θ = 0`. Its gradient is `H θ`. When H's eigenvalues are far apart
    /// (ill-conditioned), plain gradient descent zig-zags.
    Quadratic { h: Tensor },
}

/// The losses along a run of an optimiser, and where it ended.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// `f(θ_0), f(θ_1), ..., f(θ_steps)`: the loss at the start, then after each step
    /// (`steps + 1` numbers).
    pub losses: Vec<f64>,
    /// `θ_steps`, the final point (shape of `start`).
    pub end: Tensor,
}

/// Minimises `objective` from `start` with the optimiser `config` describes, for `steps` steps,
/// and returns the loss trajectory: the whole training loop, on a function small enough to see.
///
/// The loop: `θ_0 = start`; for `k = 0..steps`: compute `f(θ_k)` and `∇f(θ_k)`, record the loss,
/// `θ_{k+1} = step([θ_k], [∇f(θ_k)])` with the optimiser built once, before the loop (its state
/// carries over from step to step); finally record `f(θ_steps)`. So `losses` has `steps + 1`
/// numbers and `steps = 0` gives `[f(start)]` with `end = start`.
///
/// Gradients: by hand, with the formulas on [`Objective`] (`theta.get(0)?` is the 0-D tensor `x`;
/// `Tensor::stack(&[gx, gy], 0)?` builds the gradient vector), or with candle's autograd:
/// `let var = Var::from_tensor(&theta)?`, compute the loss from `var.as_tensor()`, then
/// `let grads = loss.backward()?` and `grads.get(var.as_tensor())`. Both agree to rounding. The
/// loss as a number: `loss.to_dtype(DType::F64)?.to_scalar::<f64>()?`.
///
/// Errors: `start` not 1-D, Rosenbrock's `start` not of 2 elements, or a quadratic's `h` not
/// `(n, n)` for a start of `n` elements → `ShapeMismatch`; hyper-parameters the optimiser's `new`
/// refuses → `InvalidParameter`.
///
/// Watch the losses: on Rosenbrock, SGD crawls along the valley floor, momentum and Adam follow
/// it; on the ill-conditioned quadratic, SGD is held back by the steepest direction
/// (`lr < 2 / 50`) and creeps along the flattest one.
pub fn minimise(
    objective: &Objective,
    config: &OptimizerConfig,
    start: &Tensor,
    steps: usize,
) -> Result<Trajectory, OptimError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules: pure functions of the step number (0 for the first step)

/// Step decay: the rate is multiplied by `gamma` every `step_size` steps,
/// `lr = lr0 · gamma^⌊step / step_size⌋` (PyTorch's `StepLR`).
///
/// `lr0` finite and `>= 0`, `gamma` in `(0, 1]`, `step_size >= 1`; else `InvalidParameter`.
pub fn step_decay(lr0: f64, gamma: f64, step_size: usize, step: usize) -> Result<f64, OptimError> {
    todo!()
}

/// Exponential decay: `lr = lr0 · gamma^step` (PyTorch's `ExponentialLR`).
///
/// `lr0` finite and `>= 0`, `gamma` in `(0, 1]`; else `InvalidParameter`.
pub fn exponential_decay(lr0: f64, gamma: f64, step: usize) -> Result<f64, OptimError> {
    todo!()
}

/// Cosine annealing from `lr_max` at step 0 down to `lr_min` at step `total_steps`:
/// `lr = lr_min + ½ (lr_max − lr_min) (1 + cos(π · step / total_steps))`, and `lr_min` for every
/// step at or beyond `total_steps`.
///
/// `lr_max`, `lr_min` finite, `0 <= lr_min <= lr_max`, `total_steps >= 1`; else `InvalidParameter`.
pub fn cosine_annealing(lr_max: f64, lr_min: f64, total_steps: usize, step: usize) -> Result<f64, OptimError> {
    todo!()
}

/// Linear warm-up, then cosine annealing: `lr_max · step / warmup_steps` for
/// `step < warmup_steps` (0 at step 0), then the cosine of [`cosine_annealing`] over the remaining
/// `total_steps − warmup_steps` steps (`lr_max` at `step = warmup_steps`, `lr_min` at
/// `total_steps` and after).
///
/// Same ranges as [`cosine_annealing`], and `warmup_steps < total_steps` (0 is no warm-up);
/// else `InvalidParameter`.
pub fn warmup_cosine(
    lr_max: f64,
    lr_min: f64,
    warmup_steps: usize,
    total_steps: usize,
    step: usize,
) -> Result<f64, OptimError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Why the learning rate matters

/// What became of a gradient-descent run.
#[derive(Debug, Clone, PartialEq)]
pub struct GdRun {
    /// `f(θ_0), ..., f(θ_steps)`, as in [`Trajectory::losses`].
    pub losses: Vec<f64>,
    /// Whether the run diverged: the last loss is above the first one, or not finite.
    pub diverged: bool,
}

/// Plain gradient descent `θ ← θ − lr · H θ` on the quadratic `f(θ) = ½ θᵀ H θ` from `start`, for
/// `steps` steps: the losses `f(θ_0), ..., f(θ_steps)` and whether the run diverged (its last loss
/// is above its first, or not finite).
///
/// Why there is a speed limit: write `θ` in the eigenvectors `q_i` of `H` (eigenvalues `λ_i > 0`).
/// One step multiplies the component along `q_i` by `1 − lr λ_i`, so after `k` steps it is
/// `(1 − lr λ_i)ᵏ` times the start. Every component shrinks iff `|1 − lr λ_i| < 1` for all `i`,
/// that is `0 < lr < 2 / L` with `L = λ_max` (the Lipschitz constant of the gradient; for a
/// network, the sharpest curvature of the loss). At `lr = 1/L` the steepest direction is solved in
/// one step; between `1/L` and `2/L` it overshoots and flips sign every step but still shrinks;
/// above `2/L` it grows geometrically and the loss explodes, however small the other eigenvalues.
/// This is the textbook reason a too-large learning rate makes training diverge.
///
/// `h` is `(n, n)` symmetric positive-definite and `start` is `(n,)`, else `ShapeMismatch`; `lr`
/// finite and `>= 0`, else `InvalidParameter` (`lr = 0` moves nothing: not diverged). This is
/// [`minimise`] with plain SGD on [`Objective::Quadratic`]: reuse it.
pub fn gd_quadratic(h: &Tensor, start: &Tensor, lr: f64, steps: usize) -> Result<GdRun, OptimError> {
    todo!()
}
