//! Glue for `stage1::calculus`.
//!
//! Functions cannot cross the process boundary, so the grader sends a *spec* of a function
//! (a name and its parameters) and the glue builds it here, from a small fixed library, as the
//! closure(s) the exercise takes: the value, and where an exercise needs them, the analytic
//! gradient and Hessian. Wire formats of the specs:
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

use crate::convert::{matrix, matrix_result, value};
use grader_protocol::Value;
use probe_runtime::Handler;
use stage1::calculus::{self, Elementary};
use stage1::Matrix;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage1.calculus.chain_rule" => |v: &Value| {
            let fs: Vec<Elementary> = v.at(0).list().iter().map(elementary).collect();
            calculus::compose_with_derivative(&fs, v.at(1).float()).into()
        },
        "stage1.calculus.derivative" => |v: &Value| {
            let f = Scalar::new(v.at(0));
            calculus::central_difference(&|x| f.value(x), v.at(1).float(), v.at(2).float()).into()
        },
        "stage1.calculus.gradient" => |v: &Value| {
            let f = Objective::new(v.at(0));
            calculus::numerical_gradient(&|x| f.value(x), v.at(1).floats(), v.at(2).float()).into()
        },
        "stage1.calculus.hessian" => |v: &Value| {
            let f = Objective::new(v.at(0));
            value(calculus::numerical_hessian(&|x| f.value(x), v.at(1).floats(), v.at(2).float()))
        },
        "stage1.calculus.rosenbrock_gradient" => {
            |v: &Value| calculus::rosenbrock_gradient(v.at(0).floats(), v.at(1).float(), v.at(2).float()).into()
        }
        "stage1.calculus.rosenbrock_hessian" => {
            |v: &Value| matrix_result(calculus::rosenbrock_hessian(v.at(0).floats(), v.at(1).float(), v.at(2).float()))
        }
        "stage1.calculus.gradient_descent" => |v: &Value| {
            let f = Objective::new(v.at(0));
            let x0 = v.at(1).floats();
            let points = calculus::gradient_descent(&|x| f.gradient(x), x0, v.at(2).float(), v.at(3).usize());
            trajectory(points, x0.len())
        },
        "stage1.calculus.newton" => |v: &Value| {
            let f = Objective::new(v.at(0));
            calculus::newton_minimize(
                &|x| f.gradient(x),
                &|x| f.hessian(x),
                v.at(1).floats(),
                v.at(2).float(),
                v.at(3).usize(),
            )
            .into()
        },
        _ => return None,
    })
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

/// A function of several variables from the library, with its analytic derivatives.
enum Objective {
    Quadratic { a: Matrix, b: Vec<f64> },
    Rosenbrock { a: f64, b: f64, n: usize },
    LogSumExp { w: Matrix, mu: f64 },
    Wave { c: Vec<f64> },
}

impl Objective {
    fn new(spec: &Value) -> Objective {
        match spec.at(0).text() {
            "quadratic" => Objective::Quadratic { a: matrix(spec.at(1)), b: spec.at(2).floats().to_vec() },
            "rosenbrock" => {
                Objective::Rosenbrock { a: spec.at(1).float(), b: spec.at(2).float(), n: spec.at(3).usize() }
            }
            "logsumexp" => Objective::LogSumExp { w: matrix(spec.at(1)), mu: spec.at(2).float() },
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
        match self {
            Objective::Quadratic { a, b } => {
                let ax = mat_vec(a, x);
                0.5 * dot(x, &ax) + dot(b, x)
            }
            Objective::Rosenbrock { a, b, .. } => {
                x.windows(2).map(|p| b * (p[1] - p[0] * p[0]).powi(2) + (a - p[0]).powi(2)).sum()
            }
            Objective::LogSumExp { w, mu } => {
                let z = mat_vec(w, x);
                let m = z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
                m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln() + 0.5 * mu * dot(x, x)
            }
            Objective::Wave { c } => {
                let cosines: f64 = c.iter().zip(x).map(|(ci, xi)| ci * xi.cos()).sum();
                let couplings: f64 = x.windows(2).map(|p| (p[0] * p[1]).sin()).sum();
                cosines + couplings + (0.2 * x.iter().sum::<f64>()).exp()
            }
        }
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        self.check(x, "grad");
        let n = x.len();
        match self {
            Objective::Quadratic { a, b } => mat_vec(a, x).iter().zip(b).map(|(ax, bi)| ax + bi).collect(),
            Objective::Rosenbrock { a, b, .. } => {
                let mut g = vec![0.0; n];
                for i in 0..n.saturating_sub(1) {
                    let valley = x[i + 1] - x[i] * x[i];
                    g[i] += -4.0 * b * x[i] * valley - 2.0 * (a - x[i]);
                    g[i + 1] += 2.0 * b * valley;
                }
                g
            }
            Objective::LogSumExp { w, mu } => {
                // ∇ = Wᵀ softmax(W x) + mu x
                let p = softmax(&mat_vec(w, x));
                (0..n).map(|j| (0..w.rows()).map(|k| w[(k, j)] * p[k]).sum::<f64>() + mu * x[j]).collect()
            }
            Objective::Wave { c } => {
                let e = 0.2 * (0.2 * x.iter().sum::<f64>()).exp();
                let mut g: Vec<f64> = (0..n).map(|k| -c[k] * x[k].sin() + e).collect();
                for k in 0..n.saturating_sub(1) {
                    let cp = (x[k] * x[k + 1]).cos();
                    g[k] += x[k + 1] * cp;
                    g[k + 1] += x[k] * cp;
                }
                g
            }
        }
    }

    fn hessian(&self, x: &[f64]) -> Matrix {
        self.check(x, "hess");
        let n = x.len();
        match self {
            Objective::Quadratic { a, .. } => a.clone(),
            Objective::Rosenbrock { b, .. } => {
                let mut h = Matrix::zeros(n, n);
                for i in 0..n.saturating_sub(1) {
                    h[(i, i)] += 12.0 * b * x[i] * x[i] - 4.0 * b * x[i + 1] + 2.0;
                    h[(i + 1, i + 1)] += 2.0 * b;
                    h[(i, i + 1)] -= 4.0 * b * x[i];
                    h[(i + 1, i)] -= 4.0 * b * x[i];
                }
                h
            }
            Objective::LogSumExp { w, mu } => {
                // ∇² = Wᵀ (diag p - p pᵀ) W + mu I
                let p = softmax(&mat_vec(w, x));
                let m = w.rows();
                let mut h = Matrix::identity(n);
                h.as_mut_slice().iter_mut().for_each(|v| *v *= mu);
                for i in 0..n {
                    let wp_i: f64 = (0..m).map(|k| w[(k, i)] * p[k]).sum();
                    for j in 0..n {
                        let wp_j: f64 = (0..m).map(|k| w[(k, j)] * p[k]).sum();
                        let wpw: f64 = (0..m).map(|k| w[(k, i)] * p[k] * w[(k, j)]).sum();
                        h[(i, j)] += wpw - wp_i * wp_j;
                    }
                }
                h
            }
            Objective::Wave { c } => {
                let e = 0.04 * (0.2 * x.iter().sum::<f64>()).exp();
                let mut h = Matrix::zeros(n, n);
                h.as_mut_slice().iter_mut().for_each(|v| *v = e);
                for k in 0..n {
                    h[(k, k)] -= c[k] * x[k].cos();
                }
                for k in 0..n.saturating_sub(1) {
                    let p = x[k] * x[k + 1];
                    let (s, cp) = p.sin_cos();
                    h[(k, k)] -= x[k + 1] * x[k + 1] * s;
                    h[(k + 1, k + 1)] -= x[k] * x[k] * s;
                    h[(k, k + 1)] += cp - p * s;
                    h[(k + 1, k)] += cp - p * s;
                }
                h
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mat_vec(a: &Matrix, x: &[f64]) -> Vec<f64> {
    (0..a.rows()).map(|i| dot(a.row(i), x)).collect()
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}
