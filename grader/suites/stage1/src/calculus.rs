//! Hidden suites for `stage1::calculus`.
//!
//! Functions cannot be sent to a probe, so inputs name a function from the glue's small library
//! (see `grader/probes/stage1/src/calculus.rs` for the wire formats) and give its parameters:
//! the glue builds the closures the student's code is called with.

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, Check, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage1.calculus.chain_rule", chain_rule_cases),
        ExerciseSuite::plain("stage1.calculus.derivative", derivative_cases),
        ExerciseSuite::plain("stage1.calculus.gradient", gradient_cases),
        ExerciseSuite::plain("stage1.calculus.hessian", hessian_cases),
        ExerciseSuite::plain("stage1.calculus.rosenbrock_gradient", rosenbrock_derivative_cases),
        ExerciseSuite::plain("stage1.calculus.rosenbrock_hessian", rosenbrock_derivative_cases),
        ExerciseSuite::plain("stage1.calculus.gradient_descent", gradient_descent_cases),
        ExerciseSuite {
            id: "stage1.calculus.newton",
            cases: newton_cases,
            check: Check::Custom(check_newton),
            speed_input: None,
            baseline: None,
        },
    ]
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

// ---------------------------------------------------------------------------------------------
// The chain rule.

const ELEMENTARY: [&str; 8] = ["sin", "cos", "exp", "ln", "square", "sqrt", "sigmoid", "tanh"];

/// `(φ(u), φ'(u))` for one elementary function, or `None` outside its domain.
fn elementary(name: &str, u: f64) -> Option<(f64, f64)> {
    Some(match name {
        "sin" => (u.sin(), u.cos()),
        "cos" => (u.cos(), -u.sin()),
        "exp" => (u.exp(), u.exp()),
        "ln" if u > 0.0 => (u.ln(), 1.0 / u),
        "square" => (u * u, 2.0 * u),
        "sqrt" if u > 0.0 => (u.sqrt(), 0.5 / u.sqrt()),
        "sigmoid" => {
            let s = 1.0 / (1.0 + (-u).exp());
            (s, s * (1.0 - s))
        }
        "tanh" => (u.tanh(), 1.0 - u.tanh().powi(2)),
        _ => return None,
    })
}

/// A random chain of `len` functions that is well-behaved from `x`: every intermediate value
/// stays within `[-5, 5]`, `ln` and `sqrt` see arguments >= 0.1 (far from their poles), each
/// link's slope is at most 3 in size, and the running product of slopes stays within
/// `[0.05, 50]`. So the final slope is far from zero (a wrong one cannot hide under `atol`), and
/// no run of consecutive links amplifies a rounding error more than 1000-fold: correct
/// implementations agree to ~1e-12.
fn tame_chain(g: &mut Gen, len: usize, x: f64) -> Vec<&'static str> {
    'restart: loop {
        let mut chain = Vec::with_capacity(len);
        let (mut u, mut slope) = (x, 1.0f64);
        while chain.len() < len {
            let mut tries = 0;
            loop {
                tries += 1;
                if tries > 100 {
                    continue 'restart; // stuck where no function fits: start again
                }
                let name = ELEMENTARY[g.size(0, ELEMENTARY.len() - 1)];
                let Some((v, d)) = elementary(name, u) else {
                    continue;
                };
                let pole = (name == "ln" || name == "sqrt") && u < 0.1;
                let product = (slope * d).abs();
                if !pole && v.abs() <= 5.0 && d.abs() <= 3.0 && (0.05..=50.0).contains(&product) {
                    chain.push(name);
                    u = v;
                    slope *= d;
                    break;
                }
            }
        }
        return chain;
    }
}

fn chain_input(names: &[&str], x: f64) -> Value {
    list(vec![list(names.iter().map(|n| text(n)).collect()), x.into()])
}

fn chain_rule_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![Case::new("empty chain (the identity)", chain_input(&[], g.float(-3.0, 3.0)))];
    for name in ELEMENTARY {
        let x = if name == "ln" || name == "sqrt" { g.float(0.2, 4.0) } else { g.float(-2.0, 2.0) };
        cases.push(Case::new(format!("single function: {name}"), chain_input(&[name], x)));
    }
    cases.push(Case::new("sin then square: (sin x)²", chain_input(&["sin", "square"], g.float(-2.0, 2.0))));
    cases.push(Case::new(
        "exp then ln (inverse pair: value x, slope 1)",
        chain_input(&["exp", "ln"], g.float(-2.0, 2.0)),
    ));
    cases.push(Case::new(
        "square then sqrt at a negative x (|x|, slope -1)",
        chain_input(&["square", "sqrt"], -g.float(0.5, 2.0)),
    ));
    for len in [3, 6] {
        let x = g.float(-1.5, 1.5);
        let chain = tame_chain(g, len, x);
        cases.push(Case::new(format!("random chain of {len}"), chain_input(&chain, x)));
    }
    for len in [25, 60] {
        let x = g.float(-1.5, 1.5);
        let chain = tame_chain(g, len, x);
        cases.push(Case::new(format!("long chain of {len}"), chain_input(&chain, x)));
    }
    cases.push(Case::new("sigmoid far in its tail (x = 30: a tiny slope)", chain_input(&["sigmoid"], 30.0)));
    cases.push(Case::new("ln of a negative number (domain error)", chain_input(&["ln"], -g.float(0.5, 3.0))));
    cases.push(Case::new("sqrt at exactly 0 (domain error: infinite slope)", chain_input(&["sqrt"], 0.0)));
    cases.push(Case::new("ln at exactly 0 (domain error)", chain_input(&["ln"], 0.0)));
    // cos x < 0 for x in (π/2, 3π/2): the error happens in the middle of the chain.
    cases.push(Case::new(
        "square, cos, then ln of a negative cosine (domain error mid-chain)",
        chain_input(&["square", "cos", "ln", "exp"], g.float(1.4, 1.9)),
    ));
    cases.push(Case::new(
        "tanh then sqrt at x < 0 (domain error after the first link)",
        chain_input(&["tanh", "sqrt"], -g.float(0.5, 2.0)),
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Functions of one variable.

fn scalar(name: &str, params: Vec<f64>) -> Value {
    list(vec![text(name), params.into()])
}

fn derivative_input(f: Value, x: f64, h: f64) -> Value {
    list(vec![f, x.into(), h.into()])
}

fn derivative_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let quadratic = scalar("poly", g.floats(3, -2.0, 2.0));
    cases.push(Case::new(
        "quadratic polynomial, h = 0.1 (central differences are exact on quadratics)",
        derivative_input(quadratic, g.float(-2.0, 2.0), 0.1),
    ));
    let cubic = scalar("poly", g.floats(4, -2.0, 2.0));
    cases.push(Case::new("cubic polynomial, h = 1e-3", derivative_input(cubic, g.float(-2.0, 2.0), 1e-3)));
    let quintic = scalar("poly", g.floats(6, -1.0, 1.0));
    cases.push(Case::new("degree-5 polynomial, h = 1e-5", derivative_input(quintic, g.float(-1.5, 1.5), 1e-5)));
    for h in [1e-2, 1e-4, 1e-6] {
        let f = scalar("sin_exp", vec![g.float(1.0, 3.0), g.float(-1.0, 1.0), g.float(-0.5, 0.5)]);
        cases.push(Case::new(format!("sin(a x + b) e^(c x), h = {h:e}"), derivative_input(f, g.float(-2.0, 2.0), h)));
    }
    let f = scalar("sin_exp", vec![2.0, 0.3, 0.4]);
    cases.push(Case::new(
        "coarse h = 0.5 (the formula is graded, not the true derivative)",
        derivative_input(f, g.float(-1.0, 1.0), 0.5),
    ));
    let f = scalar("softplus", vec![g.float(0.5, 2.0)]);
    cases.push(Case::new("softplus ln(1 + e^(a x)), h = 1e-4", derivative_input(f, g.float(-3.0, 3.0), 1e-4)));
    let f = scalar("softplus", vec![1.0]);
    cases.push(Case::new("softplus far on its flat side (x = -30), h = 1e-3", derivative_input(f, -30.0, 1e-3)));
    let f = scalar("exp_sin", vec![g.float(1.0, 4.0)]);
    cases.push(Case::new("e^(sin(a x)), h = 1e-5", derivative_input(f, g.float(-2.0, 2.0), 1e-5)));
    let f = scalar("exp_sin", vec![1.0]);
    cases.push(Case::new(
        "tiny h = 1e-10 (rounding error dominates the estimate)",
        derivative_input(f, g.float(0.5, 1.5), 1e-10),
    ));
    cases.push(Case::new(
        "constant function (zero derivative)",
        derivative_input(scalar("poly", vec![g.float(-5.0, 5.0)]), 1.0, 1e-3),
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Functions of several variables.

/// `½ xᵀ A x + bᵀ x`.
fn quadratic(a: Value, b: Vec<f64>) -> Value {
    list(vec![text("quadratic"), a, b.into()])
}

/// The n-dimensional Rosenbrock function with parameters `a`, `b`.
fn rosenbrock(a: f64, b: f64, n: usize) -> Value {
    list(vec![text("rosenbrock"), a.into(), b.into(), n.into()])
}

/// `ln Σ_k e^((W x)_k) + ½ mu ‖x‖²` for an `m x n` matrix `W`.
fn logsumexp(g: &mut Gen, m: usize, n: usize, mu: f64) -> Value {
    list(vec![text("logsumexp"), g.matrix(m, n), mu.into()])
}

/// `Σ_i c_i cos x_i + Σ_{i<n-1} sin(x_i x_{i+1}) + e^(0.2 Σ x_i)`.
fn wave(g: &mut Gen, n: usize) -> Value {
    list(vec![text("wave"), g.floats(n, -1.5, 1.5).into()])
}

/// An exactly symmetric `Q diag(λ) Qᵀ` with a random orthogonal `Q`.
fn symmetric(g: &mut Gen, lambda: &[f64]) -> Value {
    let n = lambda.len();
    let q = g.orthonormal(n, n);
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let v: f64 = (0..n).map(|k| lambda[k] * q[k][i] * q[k][j]).sum();
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
    }
    Value::matrix(n, n, a)
}

/// A random symmetric positive definite matrix with eigenvalues in `[lo, hi]`, both included.
fn spd(g: &mut Gen, n: usize, lo: f64, hi: f64) -> Value {
    let mut lambda = g.floats(n, lo, hi);
    lambda[0] = lo;
    if n > 1 {
        lambda[1] = hi;
    }
    symmetric(g, &lambda)
}

fn point_input(f: Value, x: Vec<f64>, h: f64) -> Value {
    list(vec![f, x.into(), h.into()])
}

fn gradient_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let f = quadratic(spd(g, 3, 1.0, 5.0), g.floats(3, -1.0, 1.0));
    cases.push(Case::new("quadratic form, 3 variables, h = 1e-5", point_input(f, g.floats(3, -2.0, 2.0), 1e-5)));
    cases.push(Case::new(
        "Rosenbrock 2-D at (-1.2, 1), h = 1e-6",
        point_input(rosenbrock(1.0, 100.0, 2), vec![-1.2, 1.0], 1e-6),
    ));
    let f = logsumexp(g, 4, 5, 0.5);
    cases.push(Case::new("log-sum-exp, 5 variables, h = 1e-5", point_input(f, g.floats(5, -1.0, 1.0), 1e-5)));
    let f = wave(g, 6);
    cases.push(Case::new("sin/cos/exp mix, 6 variables, h = 1e-4", point_input(f, g.floats(6, -1.5, 1.5), 1e-4)));
    let f = wave(g, 4);
    cases.push(Case::new(
        "coarse h = 0.1 (the formula is graded, not the true gradient)",
        point_input(f, g.floats(4, -1.0, 1.0), 0.1),
    ));
    let f = wave(g, 1);
    cases.push(Case::new("one variable", point_input(f, g.floats(1, -1.0, 1.0), 1e-5)));
    let f = quadratic(Value::matrix(0, 0, vec![]), vec![]);
    cases.push(Case::new("no variables (empty x)", point_input(f, vec![], 1e-5)));
    cases
}

fn hessian_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let f = quadratic(spd(g, 4, 1.0, 5.0), g.floats(4, -1.0, 1.0));
    cases.push(Case::new("quadratic form, 4 variables, h = 1e-3", point_input(f, g.floats(4, -1.0, 1.0), 1e-3)));
    cases.push(Case::new(
        "Rosenbrock 3-D, h = 1e-3",
        point_input(rosenbrock(1.0, 10.0, 3), g.floats(3, -1.0, 1.0), 1e-3),
    ));
    let f = logsumexp(g, 3, 4, 0.5);
    cases.push(Case::new("log-sum-exp, 4 variables, h = 1e-3", point_input(f, g.floats(4, -1.0, 1.0), 1e-3)));
    let f = wave(g, 5);
    cases.push(Case::new("sin/cos/exp mix, 5 variables, h = 1e-3", point_input(f, g.floats(5, -1.0, 1.0), 1e-3)));
    let f = wave(g, 3);
    cases.push(Case::new("sin/cos/exp mix, 3 variables, h = 1e-4", point_input(f, g.floats(3, -0.5, 0.5), 1e-4)));
    let f = wave(g, 3);
    cases.push(Case::new(
        "coarse h = 0.2 (the formulas are graded, not the true Hessian)",
        point_input(f, g.floats(3, -1.0, 1.0), 0.2),
    ));
    let f = wave(g, 1);
    cases.push(Case::new("one variable (1x1)", point_input(f, g.floats(1, -1.0, 1.0), 1e-3)));
    let f = quadratic(Value::matrix(0, 0, vec![]), vec![]);
    cases.push(Case::new("no variables (0x0)", point_input(f, vec![], 1e-3)));
    cases
}

fn rosenbrock_derivative_cases(g: &mut Gen) -> Vec<Case> {
    let input = |x: Vec<f64>, a: f64, b: f64| list(vec![x.into(), a.into(), b.into()]);
    let mut cases = vec![
        Case::new("classic 2-D at (-1.2, 1), a = 1, b = 100", input(vec![-1.2, 1.0], 1.0, 100.0)),
        Case::new("at the minimum (1, 1, 1, 1, 1), a = 1, b = 100", input(vec![1.0; 5], 1.0, 100.0)),
    ];
    for n in [2, 3, 6, 10] {
        let (a, b) = (g.float(0.5, 2.0), g.float(1.0, 100.0));
        cases.push(Case::new(format!("random {n}-D point, random a and b"), input(g.floats(n, -2.0, 2.0), a, b)));
    }
    cases.push(Case::new("a = -0.5, b = 0.5 (other parameters)", input(g.floats(4, -1.5, 1.5), -0.5, 0.5)));
    cases.push(Case::new("one variable (too few)", input(g.floats(1, -1.0, 1.0), 1.0, 100.0)));
    cases.push(Case::new("no variables (too few)", input(vec![], 1.0, 100.0)));
    cases
}

// ---------------------------------------------------------------------------------------------
// Optimisation.

fn gradient_descent_cases(g: &mut Gen) -> Vec<Case> {
    let input = |f: Value, x0: Vec<f64>, lr: f64, steps: usize| list(vec![f, x0.into(), lr.into(), steps.into()]);
    let mut cases = Vec::new();
    let f = quadratic(spd(g, 2, 1.0, 4.0), g.floats(2, -1.0, 1.0));
    cases.push(Case::new(
        "quadratic form, 2-D, eigenvalues 1..4, lr = 0.1, 30 steps (converges)",
        input(f, g.floats(2, -3.0, 3.0), 0.1, 30),
    ));
    let f = quadratic(spd(g, 5, 1.0, 20.0), g.floats(5, -1.0, 1.0));
    cases.push(Case::new(
        "ill-conditioned quadratic, 5-D, eigenvalues 1..20, lr = 0.09, 100 steps",
        input(f, g.floats(5, -2.0, 2.0), 0.09, 100),
    ));
    let f = quadratic(spd(g, 3, 0.5, 4.0), g.floats(3, -1.0, 1.0));
    cases.push(Case::new(
        "divergent: eigenvalues up to 4, lr = 0.6 > 2/4, 25 steps (the iterates blow up)",
        input(f, g.floats(3, -1.0, 1.0), 0.6, 25),
    ));
    cases.push(Case::new(
        "Rosenbrock 2-D from (-1.2, 1), lr = 1e-3, 200 steps",
        input(rosenbrock(1.0, 100.0, 2), vec![-1.2, 1.0], 1e-3, 200),
    ));
    let f = logsumexp(g, 5, 4, 1.0);
    cases.push(Case::new("log-sum-exp, 4-D, lr = 0.5, 40 steps", input(f, g.floats(4, -2.0, 2.0), 0.5, 40)));
    let f = quadratic(Value::matrix(1, 1, vec![g.float(1.0, 3.0)]), vec![g.float(-1.0, 1.0)]);
    cases.push(Case::new("one variable, one step", input(f, g.floats(1, -2.0, 2.0), 0.2, 1)));
    let f = quadratic(spd(g, 3, 1.0, 3.0), g.floats(3, -1.0, 1.0));
    cases.push(Case::new("steps = 0 (the trajectory is just x0)", input(f, g.floats(3, -1.0, 1.0), 0.1, 0)));
    cases.push(Case::new(
        "starting at the minimum (zero gradient: the points stay put)",
        input(rosenbrock(1.0, 100.0, 3), vec![1.0; 3], 1e-3, 5),
    ));
    cases
}

fn newton_input(f: Value, x0: Vec<f64>, tol: f64, max_iter: usize) -> Value {
    list(vec![f, x0.into(), tol.into(), max_iter.into()])
}

fn newton_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [2, 3, 6] {
        let f = quadratic(spd(g, n, 0.5, 5.0), g.floats(n, -2.0, 2.0));
        cases.push(Case::new(
            format!("quadratic form, {n}-D (one step)"),
            newton_input(f, g.floats(n, -3.0, 3.0), 1e-10, 50),
        ));
    }
    let f = quadratic(spd(g, 4, 0.01, 100.0), g.floats(4, -1.0, 1.0));
    cases.push(Case::new(
        "ill-conditioned quadratic, eigenvalues 0.01..100 (still one step)",
        newton_input(f, g.floats(4, -1.0, 1.0), 1e-10, 50),
    ));
    cases.push(Case::new(
        "Rosenbrock 2-D from (-1.2, 1)",
        newton_input(rosenbrock(1.0, 100.0, 2), vec![-1.2, 1.0], 1e-10, 100),
    ));
    // Pure Newton wanders on Rosenbrock's curved valley (6-9 steps from this close); starting
    // further away, solvers that round differently can end up taking different routes.
    let x0: Vec<f64> = g.floats(5, -0.05, 0.05).iter().map(|d| 1.0 + d).collect();
    cases.push(Case::new(
        "Rosenbrock 5-D, starting near (1, ..., 1)",
        newton_input(rosenbrock(1.0, 100.0, 5), x0, 1e-10, 100),
    ));
    let f = logsumexp(g, 6, 4, 0.5);
    cases.push(Case::new("log-sum-exp plus ½‖x‖², 4-D", newton_input(f, g.floats(4, -2.0, 2.0), 1e-10, 100)));
    cases.push(Case::new(
        "starting at the minimum (0 steps)",
        newton_input(rosenbrock(1.0, 100.0, 3), vec![1.0; 3], 1e-10, 10),
    ));
    let f = quadratic(spd(g, 3, 1.0, 3.0), g.floats(3, -1.0, 1.0));
    cases.push(Case::new(
        "max_iter = 0 away from the minimum (no convergence)",
        newton_input(f, g.floats(3, -2.0, 2.0), 1e-10, 0),
    ));
    cases.push(Case::new(
        "budget too small: 2 steps for Rosenbrock from (-1.2, 1) (no convergence)",
        newton_input(rosenbrock(1.0, 100.0, 2), vec![-1.2, 1.0], 1e-10, 2),
    ));
    let f = quadratic(Value::matrix(3, 3, vec![0.0; 9]), g.floats(3, 0.5, 1.5));
    cases.push(Case::new(
        "linear function (zero Hessian: singular)",
        newton_input(f, g.floats(3, -1.0, 1.0), 1e-10, 10),
    ));
    let f = quadratic(Value::matrix(2, 2, vec![1.0, 2.0, 2.0, 4.0]), vec![1.0, 0.0]);
    cases.push(Case::new(
        "singular Hessian [[1, 2], [2, 4]] (flat along (2, -1))",
        newton_input(f, g.floats(2, -1.0, 1.0), 1e-10, 10),
    ));
    let f = quadratic(symmetric(g, &[3.0, 2.0, 1.0, 0.0]), g.floats(4, -1.0, 1.0));
    cases.push(Case::new(
        "numerically singular Hessian, 4-D, eigenvalues 3, 2, 1, 0 (rounding noise)",
        newton_input(f, g.floats(4, -1.0, 1.0), 1e-10, 10),
    ));
    // The singularity test must be relative to the Hessian's size: a tiny Hessian is still
    // regular, and rounding noise under a huge one is still zero.
    let b: Vec<f64> = g.floats(3, -1.0, 1.0).iter().map(|x| x * 1e-7).collect();
    let f = quadratic(spd(g, 3, 1e-7, 5e-7), b);
    cases.push(Case::new(
        "quadratic form with Hessian entries of order 1e-7 (regular: one step)",
        newton_input(f, g.floats(3, -1.0, 1.0), 1e-20, 10),
    ));
    let b: Vec<f64> = g.floats(3, -1.0, 1.0).iter().map(|x| x * 1e6).collect();
    let f = quadratic(spd(g, 3, 1e6, 5e6), b);
    cases.push(Case::new(
        "quadratic form with Hessian entries of order 1e6 (regular: one step)",
        newton_input(f, g.floats(3, -1.0, 1.0), 1e-4, 10),
    ));
    let f = quadratic(symmetric(g, &[3e6, 2e6, 1e6, 0.0]), g.floats(4, -1.0, 1.0));
    cases.push(Case::new(
        "numerically singular Hessian scaled by 1e6, eigenvalues 3e6, 2e6, 1e6, 0",
        newton_input(f, g.floats(4, -1.0, 1.0), 1e-10, 10),
    ));
    cases
}

/// Newton's result: the point is compared with the reference's within the tolerance; the
/// number of steps must match exactly on a quadratic form (one step is exact there) and within
/// one elsewhere, where rounding can decide whether the last step was needed.
fn check_newton(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        // Either side is an error (or not a tuple): error variants are compared by name.
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let ([Value::Floats(x_expected), Value::Int(steps_expected)], [Value::Floats(x_got), Value::Int(steps_got)]) =
        (expected.as_slice(), got.as_slice())
    else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if x_expected.len() != x_got.len() {
        return Err(Failure::plain(format!(
            "the point should have {} coordinates, got {}",
            x_expected.len(),
            x_got.len()
        )));
    }
    compare::floats(".0", &[x_expected.len()], x_expected, x_got, ctx.tol)
        .map_err(|f| f.within("the point reached"))?;
    let quadratic = ctx.input.at(0).at(0) == &Value::Text("quadratic".into());
    let slack = if quadratic { 0 } else { 1 };
    if steps_got.abs_diff(*steps_expected) > slack {
        let rule = if quadratic {
            "on a quadratic form Newton's method needs exactly one step, or none at the minimum"
        } else {
            "a difference of one step is accepted"
        };
        return Err(Failure::msg(format!(
            "the right point, but after {steps_got} Newton steps where the reference took \
             {steps_expected} ({rule}); count only the steps taken, not the gradient tests"
        )));
    }
    Ok(())
}
