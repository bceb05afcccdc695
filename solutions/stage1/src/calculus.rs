//! Week 2 — calculus: derivatives, the chain rule, gradients, Hessians and optimisation.
//!
//! Reference solutions. Study-plan topics: `s1.calc.derivatives`, `s1.calc.partials`,
//! `s1.calc.optimization`, `s1.calc.practice`.

use crate::matrix::Matrix;

/// An elementary function of one variable: the building blocks of [`compose_with_derivative`].
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

/// Why a calculus routine refused its input.
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

/// One elementary function at `u`: its value and its derivative there.
fn apply(function: Elementary, u: f64) -> Result<(f64, f64), CalculusError> {
    use Elementary::*;
    let out_of_domain = Err(CalculusError::DomainError { function, x: u });
    Ok(match function {
        Sin => (u.sin(), u.cos()),
        Cos => (u.cos(), -u.sin()),
        // e^u is its own derivative: compute it once, use it twice.
        Exp => {
            let e = u.exp();
            (e, e)
        }
        Ln if u > 0.0 => (u.ln(), 1.0 / u),
        Ln => return out_of_domain,
        Square => (u * u, 2.0 * u),
        Sqrt if u > 0.0 => {
            let r = u.sqrt();
            (r, 0.5 / r)
        }
        Sqrt => return out_of_domain,
        // σ' = σ (1 - σ) and tanh' = 1 - tanh²: both derivatives come from the value itself,
        // which is why these activations were cheap to backpropagate through.
        Sigmoid => {
            let s = 1.0 / (1.0 + (-u).exp());
            (s, s * (1.0 - s))
        }
        Tanh => {
            let t = u.tanh();
            (t, 1.0 - t * t)
        }
    })
}

/// `f(x)` and `f'(x)` for `f = fs[n-1] ∘ ... ∘ fs[1] ∘ fs[0]`, by forward-mode differentiation.
pub fn compose_with_derivative(fs: &[Elementary], x: f64) -> Result<(f64, f64), CalculusError> {
    // Carry the pair (u, du/dx) through the chain. Each link multiplies the slope by its own
    // derivative at the current point: (g ∘ u)'(x) = g'(u(x)) · u'(x). No list of intermediate
    // values is needed, which is what "forward mode" means.
    let (mut value, mut slope) = (x, 1.0);
    for &f in fs {
        let (v, d) = apply(f, value)?;
        value = v;
        slope *= d;
    }
    Ok((value, slope))
}

/// Central difference `(f(x + h) - f(x - h)) / (2h)`.
pub fn central_difference(f: &dyn Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    // The f''(x) terms of the two Taylor expansions cancel, so the error is O(h²), not O(h) as
    // for the one-sided (f(x + h) - f(x)) / h.
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Gradient by central differences, one coordinate at a time.
pub fn numerical_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    // One working copy of x, nudged in place and restored: no allocation per coordinate.
    let mut p = x.to_vec();
    let mut grad = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        p[i] = x[i] + h;
        let forward = f(&p);
        p[i] = x[i] - h;
        let backward = f(&p);
        p[i] = x[i];
        grad.push((forward - backward) / (2.0 * h));
    }
    grad
}

/// `f` at `x` with coordinate `i` moved by `si` and coordinate `j` by `sj` (`i != j`).
fn f_shifted(f: &dyn Fn(&[f64]) -> f64, p: &mut [f64], (i, si): (usize, f64), (j, sj): (usize, f64)) -> f64 {
    let (xi, xj) = (p[i], p[j]);
    p[i] = xi + si;
    p[j] = xj + sj;
    let value = f(p);
    p[i] = xi;
    p[j] = xj;
    value
}

/// Hessian by central second differences; symmetric by construction.
pub fn numerical_hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Matrix {
    let n = x.len();
    let mut hess = Matrix::zeros(n, n);
    let mut p = x.to_vec();
    let f0 = f(x);
    for i in 0..n {
        // Diagonal: the 1-D second difference along e_i.
        p[i] = x[i] + h;
        let forward = f(&p);
        p[i] = x[i] - h;
        let backward = f(&p);
        p[i] = x[i];
        hess[(i, i)] = (forward - 2.0 * f0 + backward) / (h * h);
        // Off the diagonal: the central difference in x_j of the central difference in x_i.
        // Computed once for i < j and mirrored, so the result is exactly symmetric, as the true
        // Hessian of a smooth function is (Schwarz's theorem).
        for j in i + 1..n {
            let pp = f_shifted(f, &mut p, (i, h), (j, h));
            let pm = f_shifted(f, &mut p, (i, h), (j, -h));
            let mp = f_shifted(f, &mut p, (i, -h), (j, h));
            let mm = f_shifted(f, &mut p, (i, -h), (j, -h));
            let hij = (pp - pm - mp + mm) / (4.0 * h * h);
            hess[(i, j)] = hij;
            hess[(j, i)] = hij;
        }
    }
    hess
}

/// Rosenbrock needs a pair `(x_i, x_i+1)` at least.
fn check_rosenbrock_dims(x: &[f64]) -> Result<(), CalculusError> {
    if x.len() < 2 {
        return Err(CalculusError::TooFewVariables { n: x.len(), min: 2 });
    }
    Ok(())
}

/// Analytic gradient of the n-dimensional Rosenbrock function
/// `f(x) = Σ_{i=0}^{n-2} [ b (x_{i+1} - x_i²)² + (a - x_i)² ]`.
pub fn rosenbrock_gradient(x: &[f64], a: f64, b: f64) -> Result<Vec<f64>, CalculusError> {
    check_rosenbrock_dims(x)?;
    let mut grad = vec![0.0; x.len()];
    // Each term i touches only x_i and x_{i+1}: add its two partial derivatives where they go.
    for i in 0..x.len() - 1 {
        let valley = x[i + 1] - x[i] * x[i]; // zero along the curved valley floor
        grad[i] += -4.0 * b * x[i] * valley - 2.0 * (a - x[i]);
        grad[i + 1] += 2.0 * b * valley;
    }
    Ok(grad)
}

/// Analytic Hessian of the n-dimensional Rosenbrock function: tridiagonal and symmetric.
pub fn rosenbrock_hessian(x: &[f64], a: f64, b: f64) -> Result<Matrix, CalculusError> {
    check_rosenbrock_dims(x)?;
    // `a` only shifts the gradient: the second derivative of (a - x_i)² is 2, whatever a is.
    let _ = a;
    let n = x.len();
    let mut hess = Matrix::zeros(n, n);
    for i in 0..n - 1 {
        // Second derivatives of term i = b (x_{i+1} - x_i²)² + (a - x_i)²:
        hess[(i, i)] += 12.0 * b * x[i] * x[i] - 4.0 * b * x[i + 1] + 2.0;
        hess[(i + 1, i + 1)] += 2.0 * b;
        hess[(i, i + 1)] += -4.0 * b * x[i];
        hess[(i + 1, i)] += -4.0 * b * x[i];
    }
    Ok(hess)
}

/// Plain gradient descent `x_{k+1} = x_k - lr ∇f(x_k)`; returns all `steps + 1` points.
pub fn gradient_descent(grad: &dyn Fn(&[f64]) -> Vec<f64>, x0: &[f64], lr: f64, steps: usize) -> Vec<Vec<f64>> {
    let mut trajectory = Vec::with_capacity(steps + 1);
    trajectory.push(x0.to_vec());
    let mut x = x0.to_vec();
    for _ in 0..steps {
        // Step against the gradient: locally the direction in which f falls fastest.
        let g = grad(&x);
        for (xi, gi) in x.iter_mut().zip(&g) {
            *xi -= lr * gi;
        }
        trajectory.push(x.clone());
    }
    trajectory
}

/// Relative pivot threshold of the Newton step's linear solve: a pivot with
/// `|pivot| <= PIVOT_TOLERANCE * max_ij |H_ij|` counts as zero, so `H` is singular.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

/// Solves `H d = r` by Gaussian elimination with partial pivoting; `None` if `H` is singular
/// (every pivot is measured against [`PIVOT_TOLERANCE`] times the largest `|H_ij|`).
fn solve(h: &Matrix, r: &[f64]) -> Option<Vec<f64>> {
    let n = r.len();
    let threshold = PIVOT_TOLERANCE * h.as_slice().iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let mut m = h.clone();
    let mut rhs = r.to_vec();
    for k in 0..n {
        // Partial pivoting: the largest entry of column k at or below the diagonal.
        let p = (k..n).fold(k, |best, i| if m[(i, k)].abs() > m[(best, k)].abs() { i } else { best });
        if m[(p, k)].abs() <= threshold {
            return None;
        }
        m.swap_rows(k, p);
        rhs.swap(k, p);
        for i in k + 1..n {
            let factor = m[(i, k)] / m[(k, k)];
            for j in k..n {
                m[(i, j)] -= factor * m[(k, j)];
            }
            rhs[i] -= factor * rhs[k];
        }
    }
    // Back substitution on the upper-triangular system.
    let mut d = vec![0.0; n];
    for i in (0..n).rev() {
        let known: f64 = (i + 1..n).map(|j| m[(i, j)] * d[j]).sum();
        d[i] = (rhs[i] - known) / m[(i, i)];
    }
    Some(d)
}

/// Euclidean length of a vector.
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Newton's method for a minimum: `x <- x + d` with `H(x) d = -∇f(x)`, until `‖∇f(x)‖₂ < tol`.
/// Returns the point and the number of Newton steps taken.
pub fn newton_minimize(
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    hess: &dyn Fn(&[f64]) -> Matrix,
    x0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, usize), CalculusError> {
    let mut x = x0.to_vec();
    for steps in 0..=max_iter {
        let g = grad(&x);
        // Test before stepping: a start that is already good enough costs no step, and the
        // point reached by the last allowed step still gets its chance.
        if norm(&g) < tol {
            return Ok((x, steps));
        }
        if steps == max_iter {
            break;
        }
        // Newton's step minimises the quadratic model f(x) + gᵀd + ½ dᵀHd: its gradient
        // g + H d vanishes at H d = -g. On a quadratic function the model is exact: one step.
        let minus_g: Vec<f64> = g.iter().map(|v| -v).collect();
        let d = solve(&hess(&x), &minus_g).ok_or(CalculusError::SingularHessian)?;
        x.iter_mut().zip(&d).for_each(|(xi, di)| *xi += di);
    }
    Err(CalculusError::NoConvergence)
}
