//! Glue for `stage1::calculus`.
//!
//! Functions cannot cross the process boundary, so the grader sends a *spec* of a function
//! (a name and its parameters) and the glue builds it here, from a small fixed library, as the
//! closure(s) the exercise takes: the value, and where an exercise needs them, the gradient and
//! Hessian (by automatic differentiation, see [`HyperDual`]). Wire formats of the specs:
//!
//! - one variable: `(name, params)` with `name` one of
//!   `poly` (`Σ_k p_k x^k`), `sin_exp` (`sin(p0 x + p1) e^(p2 x)`),
//!   `softplus` (`ln(1 + e^(p0 x))`), `exp_sin` (`e^(sin(p0 x))`);
//! - several variables, one of
//!   `("quadratic", A, b)`: `½ xᵀ A x + bᵀ x` (`A` symmetric),
//!   `("rosenbrock", a, b, n)`: `Σ_{i<n-1} b (x_{i+1} - x_i²)² + (a - x_i)²`,
//!   `("logsumexp", W, mu)`: `ln Σ_k e^((W x)_k) + ½ mu ‖x‖²`,
//!   `("wave", c)`: `Σ_i c_i cos x_i + Σ_{i<n-1} sin(x_i x_{i+1}) + e^(0.2 Σ_i x_i)`.
//!
//! Every closure checks the length of the point it is called with, so a student's off-by-one
//! shows up as a clear panic instead of a silently wrong number.

use crate::convert::Stage1;
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage1::calculus::{self, Elementary};
use stage1::Matrix;
use std::iter::Sum;
use std::ops::{Add, Mul, Sub};

probe_runtime::glue! { Stage1;
    "stage1.calculus.chain_rule" => |fs: Vec<Elementary>, x: f64| calculus::compose_with_derivative(&fs, x);
    "stage1.calculus.derivative" => |f: Scalar, x: f64, h: f64| calculus::central_difference(&|x| f.value(x), x, h);
    "stage1.calculus.gradient" => |f: Objective, x: &[f64], h: f64| calculus::numerical_gradient(&|p| f.value(p), x, h);
    "stage1.calculus.hessian" => |f: Objective, x: &[f64], h: f64| calculus::numerical_hessian(&|p| f.value(p), x, h);
    "stage1.calculus.rosenbrock_gradient" => |x: &[f64], a: f64, b: f64| calculus::rosenbrock_gradient(x, a, b);
    "stage1.calculus.rosenbrock_hessian" => |x: &[f64], a: f64, b: f64| calculus::rosenbrock_hessian(x, a, b);
    "stage1.calculus.gradient_descent" => |f: Objective, x0: &[f64], lr: f64, steps: usize| {
        trajectory(calculus::gradient_descent(&|p| f.gradient(p), x0, lr, steps), x0.len())
    };
    "stage1.calculus.newton" => |f: Objective, x0: &[f64], tol: f64, max_iter: usize| {
        calculus::newton_minimize(&|p| f.gradient(p), &|p| f.hessian(p), x0, tol, max_iter)
    };
}

/// A trajectory as a matrix, one point per row; if the points' lengths are not all `n`, as a
/// tuple of vectors instead, so that the comparison reports the shape instead of the glue
/// panicking.
fn trajectory(points: Vec<Vec<f64>>, n: usize) -> Value {
    if points.iter().all(|p| p.len() == n) {
        let rows = points.len();
        Value::matrix(rows, n, points.concat())
    } else {
        Value::List(points.into_iter().map(Value::Floats).collect())
    }
}

impl Arg<'_, Stage1> for Vec<Elementary> {
    fn arg(v: &Value) -> Vec<Elementary> {
        v.list().iter().map(elementary).collect()
    }
}

fn elementary(name: &Value) -> Elementary {
    match name.text() {
        "sin" => Elementary::Sin,
        "cos" => Elementary::Cos,
        "exp" => Elementary::Exp,
        "ln" => Elementary::Ln,
        "square" => Elementary::Square,
        "sqrt" => Elementary::Sqrt,
        "sigmoid" => Elementary::Sigmoid,
        "tanh" => Elementary::Tanh,
        other => panic!("glue: unknown elementary function `{other}`"),
    }
}

/// A function of one variable from the library.
enum Scalar {
    Poly(Vec<f64>),
    SinExp(f64, f64, f64),
    Softplus(f64),
    ExpSin(f64),
}

impl Arg<'_, Stage1> for Scalar {
    fn arg(spec: &Value) -> Scalar {
        Scalar::new(spec)
    }
}

impl Scalar {
    fn new(spec: &Value) -> Scalar {
        let p = spec.at(1).floats();
        match spec.at(0).text() {
            "poly" => Scalar::Poly(p.to_vec()),
            "sin_exp" => Scalar::SinExp(p[0], p[1], p[2]),
            "softplus" => Scalar::Softplus(p[0]),
            "exp_sin" => Scalar::ExpSin(p[0]),
            other => panic!("glue: unknown function of one variable `{other}`"),
        }
    }

    fn value(&self, x: f64) -> f64 {
        match self {
            // Horner's rule, highest coefficient first.
            Scalar::Poly(c) => c.iter().rev().fold(0.0, |acc, ck| acc * x + ck),
            Scalar::SinExp(a, b, c) => (a * x + b).sin() * (c * x).exp(),
            Scalar::Softplus(a) => {
                let z = a * x;
                z.max(0.0) + (-z.abs()).exp().ln_1p()
            }
            Scalar::ExpSin(a) => (a * x).sin().exp(),
        }
    }
}

/// A function of several variables from the library. Only its value is written out, once,
/// generically; the gradient and Hessian come from evaluating that same code on hyper-dual
/// numbers (forward-mode automatic differentiation), so they are exact up to rounding.
enum Objective {
    Quadratic { a: Matrix, b: Vec<f64> },
    Rosenbrock { a: f64, b: f64, n: usize },
    LogSumExp { w: Matrix, mu: f64 },
    Wave { c: Vec<f64> },
}

impl Arg<'_, Stage1> for Objective {
    fn arg(spec: &Value) -> Objective {
        Objective::new(spec)
    }
}

impl Objective {
    fn new(spec: &Value) -> Objective {
        match spec.at(0).text() {
            "quadratic" => Objective::Quadratic { a: Matrix::arg(spec.at(1)), b: spec.at(2).floats().to_vec() },
            "rosenbrock" => {
                Objective::Rosenbrock { a: spec.at(1).float(), b: spec.at(2).float(), n: spec.at(3).usize() }
            }
            "logsumexp" => Objective::LogSumExp { w: Matrix::arg(spec.at(1)), mu: spec.at(2).float() },
            "wave" => Objective::Wave { c: spec.at(1).floats().to_vec() },
            other => panic!("glue: unknown function of several variables `{other}`"),
        }
    }

    /// How many variables the function takes.
    fn dim(&self) -> usize {
        match self {
            Objective::Quadratic { b, .. } => b.len(),
            Objective::Rosenbrock { n, .. } => *n,
            Objective::LogSumExp { w, .. } => w.cols(),
            Objective::Wave { c } => c.len(),
        }
    }

    /// Panics (in the student's call, so the case reports it) if `x` has the wrong length.
    fn check(&self, x: &[f64], what: &str) {
        assert_eq!(
            x.len(),
            self.dim(),
            "{what} was called with a point of length {}, but the function takes {} variables",
            x.len(),
            self.dim()
        );
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.check(x, "f");
        self.eval(x)
    }

    /// The one definition of each function, for plain numbers and hyper-dual numbers alike.
    fn eval<T: Num>(&self, x: &[T]) -> T {
        match self {
            Objective::Quadratic { a, b } => {
                let ax = mat_vec(a, x);
                T::cst(0.5) * dot(x, &ax) + consts_dot(b, x)
            }
            Objective::Rosenbrock { a, b, .. } => {
                let sq = |t: T| t * t;
                x.windows(2).map(|p| T::cst(*b) * sq(p[1] - p[0] * p[0]) + sq(T::cst(*a) - p[0])).sum()
            }
            Objective::LogSumExp { w, mu } => {
                // Shifting by the (constant) largest exponent keeps `exp` from overflowing; the
                // shift cancels exactly, so it carries no derivative.
                let z = mat_vec(w, x);
                let m = T::cst(z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.re())));
                m + z.iter().map(|v| (*v - m).exp()).sum::<T>().ln() + T::cst(0.5 * mu) * dot(x, x)
            }
            Objective::Wave { c } => {
                let cosines: T = c.iter().zip(x).map(|(ci, xi)| T::cst(*ci) * xi.cos()).sum();
                let couplings: T = x.windows(2).map(|p| (p[0] * p[1]).sin()).sum();
                cosines + couplings + (T::cst(0.2) * x.iter().copied().sum::<T>()).exp()
            }
        }
    }

    /// `x` as hyper-dual numbers, seeded with the directions `e_i` and `e_j`.
    fn eval_seeded(&self, x: &[f64], i: usize, j: Option<usize>) -> HyperDual {
        let seeded: Vec<HyperDual> = (0..x.len())
            .map(|k| HyperDual {
                v: x[k],
                a: if k == i { 1.0 } else { 0.0 },
                b: if Some(k) == j { 1.0 } else { 0.0 },
                ab: 0.0,
            })
            .collect();
        self.eval(&seeded)
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        self.check(x, "grad");
        (0..x.len()).map(|i| self.eval_seeded(x, i, None).a).collect()
    }

    fn hessian(&self, x: &[f64]) -> Matrix {
        self.check(x, "hess");
        let n = x.len();
        let mut h = Matrix::zeros(n, n);
        for i in 0..n {
            for j in i..n {
                let hij = self.eval_seeded(x, i, Some(j)).ab;
                h[(i, j)] = hij;
                h[(j, i)] = hij;
            }
        }
        h
    }
}

fn dot<T: Num>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).map(|(x, y)| *x * *y).sum()
}

fn consts_dot<T: Num>(c: &[f64], x: &[T]) -> T {
    c.iter().zip(x).map(|(ci, xi)| T::cst(*ci) * *xi).sum()
}

fn mat_vec<T: Num>(a: &Matrix, x: &[T]) -> Vec<T> {
    (0..a.rows()).map(|i| consts_dot(a.row(i), x)).collect()
}

/// The arithmetic the objectives are written in: `f64`, or [`HyperDual`] to differentiate.
trait Num: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Sum {
    /// A constant (its derivatives are zero).
    fn cst(c: f64) -> Self;
    /// The plain value.
    fn re(self) -> f64;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
}

impl Num for f64 {
    fn cst(c: f64) -> f64 {
        c
    }
    fn re(self) -> f64 {
        self
    }
    fn exp(self) -> f64 {
        f64::exp(self)
    }
    fn ln(self) -> f64 {
        f64::ln(self)
    }
    fn sin(self) -> f64 {
        f64::sin(self)
    }
    fn cos(self) -> f64 {
        f64::cos(self)
    }
}

/// A hyper-dual number `v + a ε₁ + b ε₂ + ab ε₁ε₂` with `ε₁² = ε₂² = 0`: evaluating `f` at
/// `x + e_i ε₁ + e_j ε₂` gives `f(x)`, `∂_i f`, `∂_j f` and `∂_i ∂_j f` in the four parts.
#[derive(Clone, Copy, Debug)]
struct HyperDual {
    v: f64,
    a: f64,
    b: f64,
    ab: f64,
}

impl HyperDual {
    /// `g(self)` for a scalar function `g` with `g(v) = g0`, `g'(v) = g1`, `g''(v) = g2`.
    fn chain(self, g0: f64, g1: f64, g2: f64) -> HyperDual {
        HyperDual { v: g0, a: g1 * self.a, b: g1 * self.b, ab: g1 * self.ab + g2 * self.a * self.b }
    }
}

impl Add for HyperDual {
    type Output = HyperDual;
    fn add(self, o: HyperDual) -> HyperDual {
        HyperDual { v: self.v + o.v, a: self.a + o.a, b: self.b + o.b, ab: self.ab + o.ab }
    }
}

impl Sub for HyperDual {
    type Output = HyperDual;
    fn sub(self, o: HyperDual) -> HyperDual {
        HyperDual { v: self.v - o.v, a: self.a - o.a, b: self.b - o.b, ab: self.ab - o.ab }
    }
}

impl Mul for HyperDual {
    type Output = HyperDual;
    fn mul(self, o: HyperDual) -> HyperDual {
        HyperDual {
            v: self.v * o.v,
            a: self.a * o.v + self.v * o.a,
            b: self.b * o.v + self.v * o.b,
            ab: self.ab * o.v + self.a * o.b + self.b * o.a + self.v * o.ab,
        }
    }
}

impl Sum for HyperDual {
    fn sum<I: Iterator<Item = HyperDual>>(iter: I) -> HyperDual {
        iter.fold(HyperDual::cst(0.0), |s, t| s + t)
    }
}

impl Num for HyperDual {
    fn cst(c: f64) -> HyperDual {
        HyperDual { v: c, a: 0.0, b: 0.0, ab: 0.0 }
    }
    fn re(self) -> f64 {
        self.v
    }
    fn exp(self) -> HyperDual {
        let e = self.v.exp();
        self.chain(e, e, e)
    }
    fn ln(self) -> HyperDual {
        self.chain(self.v.ln(), 1.0 / self.v, -1.0 / (self.v * self.v))
    }
    fn sin(self) -> HyperDual {
        let (s, c) = self.v.sin_cos();
        self.chain(s, c, -s)
    }
    fn cos(self) -> HyperDual {
        let (s, c) = self.v.sin_cos();
        self.chain(c, -s, -c)
    }
}
