//! Week 2 — calculus: derivatives, the chain rule, gradients, Hessians and optimisation.
//!
//! Study-plan topics: `s1.calc.derivatives`, `s1.calc.partials`, `s1.calc.optimization`,
//! `s1.calc.practice`. Run `grader check stage1.calculus` to grade this file.
//!
//! Several functions here take other functions as arguments: `f: &dyn Fn(f64) -> f64` is "any
//! function (or closure) from `f64` to `f64`", and you call it like any function, `f(x)`. In
//! your own tests, pass a closure: `central_difference(&|x| x * x, 3.0, 1e-4)`.

use crate::matrix::Matrix;

/// An elementary function of one variable: the building blocks of [`compose_with_derivative`]
/// (provided type; do not change it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elementary {
    /// `sin u`.
    Sin,
    /// `cos u`.
    Cos,
    /// `e^u`.
    Exp,
    /// `ln u`, defined for `u > 0` only.
    Ln,
    /// `u²`.
    Square,
    /// `√u`, graded as defined for `u > 0` only (its derivative is infinite at 0).
    Sqrt,
    /// The logistic sigmoid `σ(u) = 1 / (1 + e^(-u))`.
    Sigmoid,
    /// `tanh u`.
    Tanh,
}

/// Why a calculus routine refused its input. Return these instead of panicking or producing
/// NaN: the grader compares the variant.
#[derive(Debug, Clone, PartialEq)]
pub enum CalculusError {
    /// `function` was applied to `x`, outside its domain (`Ln` or `Sqrt` of `x <= 0`).
    DomainError { function: Elementary, x: f64 },
    /// The function needs at least `min` variables and was given `n`.
    TooFewVariables { n: usize, min: usize },
    /// Newton's method met a singular Hessian: `H d = -g` has no unique solution.
    SingularHessian,
    /// The iteration budget ran out before the gradient was small enough.
    NoConvergence,
}

/// The value and the derivative of a chain of elementary functions, by the chain rule.
///
/// `fs` is applied in order, `fs[0]` first: for `fs = [Sin, Square]` the function is
/// `f(x) = (sin x)²`. Return `(f(x), f'(x))`.
///
/// The chain rule: if `u = g(x)` then `(h ∘ g)'(x) = h'(u) · g'(x)`. So carry a pair
/// `(u, du/dx)` along the chain, starting from `(x, 1)`; each function `φ` turns it into
/// `(φ(u), φ'(u) · du/dx)`. This is *forward-mode* automatic differentiation, the little
/// sibling of the backpropagation you will write in Stage 3.
///
/// The derivatives you need: `sin' = cos`, `cos' = -sin`, `exp' = exp`, `ln'(u) = 1/u`,
/// `(u²)' = 2u`, `(√u)' = 1 / (2√u)`, `σ'(u) = σ(u)(1 - σ(u))`, `tanh'(u) = 1 - tanh²(u)`.
///
/// Edge cases: an empty chain is the identity, `(x, 1.0)`. If `Ln` or `Sqrt` meets an argument
/// `u <= 0` anywhere in the chain (not only at the start), return
/// `Err(CalculusError::DomainError { function, x: u })` for the first such link.
pub fn compose_with_derivative(fs: &[Elementary], x: f64) -> Result<(f64, f64), CalculusError> {
    todo!()
}

/// The derivative `f'(x)` estimated by the central difference `(f(x + h) - f(x - h)) / (2h)`.
///
/// Why central: Taylor gives `f(x ± h) = f(x) ± h f'(x) + h²/2 f''(x) ± h³/6 f'''(x) + ...`;
/// subtracting the two cancels the `f''` terms, so the error is `O(h²)`, where the one-sided
/// `(f(x + h) - f(x)) / h` is off by `O(h)`. A smaller `h` is not always better: `f(x + h)` and
/// `f(x - h)` share more and more digits, and the subtraction loses them (try `h = 1e-12`).
///
/// Use exactly this formula: the grader compares your number with the reference's for several
/// `h`, including coarse ones where the estimate is visibly off from the true derivative.
pub fn central_difference(f: &dyn Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    todo!()
}

/// The gradient `∇f(x)` by central differences: `g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)`,
/// where `e_i` is the `i`-th unit vector (only coordinate `i` moves).
///
/// Shapes: `x` has length `n` and so does the result; an empty `x` gives an empty gradient.
/// `f` is called `2n` times. Tip: one mutable copy of `x`, nudged and restored coordinate by
/// coordinate, saves allocating a new vector for every call.
///
/// This is how you test an analytic gradient (a "gradient check"): compute both and compare.
pub fn numerical_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    todo!()
}

/// The Hessian `H_ij = ∂²f / ∂x_i ∂x_j` by central second differences, an `n x n` matrix.
///
/// Use exactly these formulas (the grader compares with the reference's numbers), writing
/// `f(±h e_i ± h e_j)` for `f` at `x` with coordinate `i` moved by `±h` and coordinate `j` by
/// `±h`:
///
/// - diagonal: `H_ii = (f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h²`;
/// - off the diagonal (`i != j`):
///   `H_ij = (f(+h e_i + h e_j) - f(+h e_i - h e_j) - f(-h e_i + h e_j) + f(-h e_i - h e_j)) / (4h²)`,
///   the central difference in `x_j` of the central difference in `x_i`.
///
/// The result must be exactly symmetric: compute `H_ij` for `i < j` and copy it to `H_ji`.
/// Shapes: `x` of length `n` gives an `n x n` matrix; an empty `x` gives `0 x 0`.
///
/// Dividing by `h²` amplifies rounding errors in `f`: with `h = 1e-4` the result is good to
/// about `1e-8 · |f|` at best. The grader's tolerance allows for that.
pub fn numerical_hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Matrix {
    todo!()
}

/// The analytic gradient of the `n`-dimensional Rosenbrock function
///
/// `f(x) = Σ_{i=0}^{n-2} [ b (x_{i+1} - x_i²)² + (a - x_i)² ]`,
///
/// the classic test of optimisers (a curved, narrow valley with its minimum at
/// `x = (a, a², ...)` for `n = 2`, at `(1, 1, ..., 1)` when `a = 1`; usually `a = 1, b = 100`).
///
/// Work it out on paper first: term `i` depends on `x_i` and `x_{i+1}` only, so it contributes
/// to two entries of the gradient. Differentiate `b (x_{i+1} - x_i²)² + (a - x_i)²` with respect
/// to each of them (the chain rule again) and add the contributions of all terms.
///
/// Shapes: `x` has length `n >= 2`, the gradient too. For `n < 2` there is no pair of
/// variables: return `Err(CalculusError::TooFewVariables { n, min: 2 })`.
/// Check your answer against [`numerical_gradient`].
pub fn rosenbrock_gradient(x: &[f64], a: f64, b: f64) -> Result<Vec<f64>, CalculusError> {
    todo!()
}

/// The analytic Hessian of the `n`-dimensional Rosenbrock function (see
/// [`rosenbrock_gradient`] for the formula), an `n x n` symmetric matrix.
///
/// Term `i` involves `x_i` and `x_{i+1}` only, so it adds to a 2x2 block of the Hessian (rows
/// and columns `i`, `i+1`): the matrix is *tridiagonal*, zero everywhere else. Differentiate the
/// gradient contributions once more; note that `a` disappears.
///
/// Shapes and errors as in [`rosenbrock_gradient`]: `n >= 2`, else
/// `Err(CalculusError::TooFewVariables { n, min: 2 })`. Check it against [`numerical_hessian`].
pub fn rosenbrock_hessian(x: &[f64], a: f64, b: f64) -> Result<Matrix, CalculusError> {
    todo!()
}

/// Gradient descent with a fixed learning rate: `x_{k+1} = x_k - lr · ∇f(x_k)`.
///
/// `grad(x)` returns `∇f(x)`, a vector as long as `x`. Take exactly `steps` steps and return the
/// whole trajectory, `x0` first: `steps + 1` points, each a vector as long as `x0`
/// (`steps = 0` gives `[x0]`). Do not stop early, even if the gradient is zero.
///
/// The learning rate decides everything: on `f(x) = ½ xᵀ A x` each step multiplies the error
/// along an eigenvector of `A` with eigenvalue `λ` by `1 - lr · λ`. If `lr` is above
/// `2 / λ_max`, that factor exceeds 1 in size and the iterates blow up. The grader checks such
/// a divergent run too: return it as it is, do not "fix" it.
pub fn gradient_descent(grad: &dyn Fn(&[f64]) -> Vec<f64>, x0: &[f64], lr: f64, steps: usize) -> Vec<Vec<f64>> {
    todo!()
}

/// Relative pivot threshold for the linear solve inside [`newton_minimize`] (given, not an
/// exercise): a pivot with `|pivot| <= PIVOT_TOLERANCE * max_ij |H_ij|` counts as zero, so the
/// Hessian is singular. Rounding turns the zero pivot of a singular matrix into something like
/// `1e-17`; dividing by it would give an enormous, meaningless step.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

/// Newton's method for a minimum of `f`, given its gradient and Hessian.
///
/// Near `x`, `f(x + d) ≈ f(x) + gᵀ d + ½ dᵀ H d` with `g = ∇f(x)`, `H = ∇²f(x)`. The minimum of
/// this quadratic model has gradient `g + H d = 0`: solve `H d = -g` and move to `x + d`. On a
/// quadratic function the model is exact and one step lands on the minimum; near a minimum of a
/// smooth function the number of correct digits doubles at every step.
///
/// The loop (the grader counts steps the same way):
/// 1. Start at `x = x0`, with 0 steps taken.
/// 2. Compute `g = grad(x)`. If `‖g‖₂ < tol`, return `Ok((x, steps_taken))`.
/// 3. If `max_iter` steps have been taken already, return `Err(CalculusError::NoConvergence)`.
/// 4. Solve `hess(x) d = -g`, set `x = x + d`, count one step, go to 2.
///
/// So `x0` with a small enough gradient returns `(x0, 0)`, and the point reached by the last
/// allowed step is still tested.
///
/// Solve `H d = -g` yourself, by Gaussian elimination with partial pivoting (no need for other
/// modules). If a pivot is `<= PIVOT_TOLERANCE * max_ij |H_ij|` (see [`PIVOT_TOLERANCE`]),
/// return `Err(CalculusError::SingularHessian)`: a zero Hessian, or one of a function that is
/// flat in some direction, has no Newton step.
///
/// Shapes: `grad(x)` has the length of `x`, `hess(x)` is `n x n`. Returns the final point and
/// the number of steps taken. Pure Newton also finds maxima and saddle points: it looks for
/// `g = 0`, not for a minimum; the grader starts close enough to a minimum.
pub fn newton_minimize(
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    hess: &dyn Fn(&[f64]) -> Matrix,
    x0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, usize), CalculusError> {
    todo!()
}
