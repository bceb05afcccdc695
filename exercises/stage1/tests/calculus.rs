//! Public tests for `stage1::calculus`: run them with `cargo test -p stage1 --test calculus`.
//!
//! They check small worked examples; the grader's hidden cases go further (long chains, other
//! functions, divergent runs, singular Hessians). `grader check stage1.calculus` runs those.

use stage1::calculus::{self, CalculusError, Elementary};
use stage1::Matrix;

fn close_to(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn assert_vec_close(got: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(got.len(), expected.len(), "length: got {got:?}, expected {expected:?}");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!(close_to(*g, *e, tol), "element {i}: got {g}, expected {e} (all: {got:?})");
    }
}

fn m(rows: &[&[f64]]) -> Matrix {
    Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

#[test]
fn chain_rule_on_sin_squared() {
    // f(x) = (sin x)², f'(x) = 2 sin x cos x = sin 2x.
    let x = 0.5f64;
    let (v, d) = calculus::compose_with_derivative(&[Elementary::Sin, Elementary::Square], x).unwrap();
    assert!(close_to(v, x.sin().powi(2), 1e-12), "value {v}");
    assert!(close_to(d, (2.0 * x).sin(), 1e-12), "derivative {d}");
}

#[test]
fn chain_rule_edge_cases() {
    assert_eq!(calculus::compose_with_derivative(&[], 1.5), Ok((1.5, 1.0)));
    // σ(0) = 1/2 and σ'(0) = 1/4.
    let (v, d) = calculus::compose_with_derivative(&[Elementary::Sigmoid], 0.0).unwrap();
    assert!(close_to(v, 0.5, 1e-12) && close_to(d, 0.25, 1e-12));
    // cos π = -1, and ln(-1) is undefined: the error names the link and its argument.
    let r = calculus::compose_with_derivative(&[Elementary::Cos, Elementary::Ln], std::f64::consts::PI);
    assert!(
        matches!(r, Err(CalculusError::DomainError { function: Elementary::Ln, x }) if close_to(x, -1.0, 1e-12)),
        "got {r:?}"
    );
}

#[test]
fn central_difference_of_a_cubic() {
    // ((x + h)³ - (x - h)³) / 2h = 3x² + h² exactly: 12.01 at x = 2, h = 0.1.
    let d = calculus::central_difference(&|x| x * x * x, 2.0, 0.1);
    assert!(close_to(d, 12.01, 1e-12), "got {d}");
}

/// f(x, y) = x² + 3xy: gradient (2x + 3y, 3x), Hessian [[2, 3], [3, 0]].
fn small_quadratic(p: &[f64]) -> f64 {
    p[0] * p[0] + 3.0 * p[0] * p[1]
}

#[test]
fn numerical_gradient_of_a_quadratic() {
    let g = calculus::numerical_gradient(&small_quadratic, &[1.0, 2.0], 1e-5);
    assert_vec_close(&g, &[8.0, 3.0], 1e-8);
    assert!(calculus::numerical_gradient(&small_quadratic, &[], 1e-5).is_empty());
}

#[test]
fn numerical_hessian_of_a_quadratic() {
    let h = calculus::numerical_hessian(&small_quadratic, &[1.0, 2.0], 1e-3);
    assert_eq!(h.shape(), (2, 2));
    assert_vec_close(h.as_slice(), &[2.0, 3.0, 3.0, 0.0], 1e-6);
    assert_eq!(h[(0, 1)], h[(1, 0)], "the Hessian must be exactly symmetric");
}

#[test]
fn rosenbrock_gradient_and_hessian() {
    let g = calculus::rosenbrock_gradient(&[-1.2, 1.0], 1.0, 100.0).unwrap();
    assert_vec_close(&g, &[-215.6, -88.0], 1e-12);
    // The minimum of the a = 1 function is (1, ..., 1): the gradient vanishes there.
    let g = calculus::rosenbrock_gradient(&[1.0; 4], 1.0, 100.0).unwrap();
    assert_vec_close(&g, &[0.0; 4], 1e-12);
    let h = calculus::rosenbrock_hessian(&[1.0, 1.0], 1.0, 100.0).unwrap();
    assert_vec_close(h.as_slice(), &[802.0, -400.0, -400.0, 200.0], 1e-12);
    assert_eq!(calculus::rosenbrock_gradient(&[0.5], 1.0, 100.0), Err(CalculusError::TooFewVariables { n: 1, min: 2 }));
    assert!(matches!(calculus::rosenbrock_hessian(&[], 1.0, 100.0), Err(CalculusError::TooFewVariables { .. })));
}

#[test]
fn gradient_descent_on_a_parabola() {
    // f(x) = x², ∇f = 2x: with lr = 0.25 each step halves x.
    let grad = |x: &[f64]| vec![2.0 * x[0]];
    let path = calculus::gradient_descent(&grad, &[1.0], 0.25, 3);
    assert_eq!(path, vec![vec![1.0], vec![0.5], vec![0.25], vec![0.125]]);
    assert_eq!(calculus::gradient_descent(&grad, &[1.0], 0.25, 0), vec![vec![1.0]]);
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    // f(x) = ½ xᵀ A x + bᵀ x, minimum where A x = -b: x* = (-0.6, 0.8).
    let a = m(&[&[3.0, 1.0], &[1.0, 2.0]]);
    let b = [1.0, -1.0];
    let grad = |x: &[f64]| (0..2).map(|i| a[(i, 0)] * x[0] + a[(i, 1)] * x[1] + b[i]).collect::<Vec<f64>>();
    let hess = |_: &[f64]| a.clone();
    let (x, steps) = calculus::newton_minimize(&grad, &hess, &[5.0, -3.0], 1e-10, 20).unwrap();
    assert_vec_close(&x, &[-0.6, 0.8], 1e-9);
    assert_eq!(steps, 1);
    // Already at the minimum: no step at all.
    let (_, steps) = calculus::newton_minimize(&grad, &hess, &[-0.6, 0.8], 1e-10, 20).unwrap();
    assert_eq!(steps, 0);
}

#[test]
fn newton_reports_a_singular_hessian() {
    // A linear function has a zero Hessian: there is no Newton step.
    let grad = |_: &[f64]| vec![1.0, 2.0];
    let hess = |_: &[f64]| Matrix::zeros(2, 2);
    assert_eq!(calculus::newton_minimize(&grad, &hess, &[0.0, 0.0], 1e-10, 10), Err(CalculusError::SingularHessian));
}
