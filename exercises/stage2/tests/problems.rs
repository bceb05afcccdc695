//! Public tests for `stage2::problems`: run them with `cargo test -p stage2 --test problems --release`.

use stage2::ndarray::{array, Array1};
use stage2::problems::{self, ProblemsError};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 * (1.0 + b.abs())
}

#[test]
fn features_are_powers_with_the_constant_first() {
    let phi = problems::polynomial_features(array![2.0, -1.0].view(), 3);
    assert_eq!(phi, array![[1.0, 2.0, 4.0, 8.0], [1.0, -1.0, 1.0, -1.0]]);
}

#[test]
fn an_exact_quadratic_is_recovered() {
    let x = Array1::linspace(-1.0, 1.0, 9);
    let y = x.mapv(|x| 0.5 - x + 2.0 * x * x);
    let w = problems::fit_polynomial(x.view(), y.view(), 2).unwrap();
    for (g, e) in w.iter().zip([0.5, -1.0, 2.0]) {
        assert!(close(*g, e), "coefficients {w}");
    }
    assert_eq!(problems::fit_polynomial(x.view(), y.view(), 9), Err(ProblemsError::TooFewSamples));
}

#[test]
fn training_error_falls_with_the_degree() {
    let x = Array1::linspace(-1.0, 1.0, 12);
    let y = x.mapv(|x: f64| (3.0 * x).sin());
    let curve = problems::degree_sweep(x.view(), y.view(), x.view(), y.view(), 5).unwrap();
    assert_eq!(curve.len(), 6);
    for pair in curve.windows(2) {
        assert!(pair[1].0 <= pair[0].0 + 1e-12, "training error rose: {curve:?}");
    }
}

#[test]
fn learning_curve_trains_on_prefixes() {
    let x = Array1::linspace(-1.0, 1.0, 10);
    let y = x.mapv(|x| 1.0 + x);
    let curve = problems::learning_curve(x.view(), y.view(), x.view(), y.view(), 1, &[2, 10]).unwrap();
    // A line through two points of a line is exact everywhere.
    assert!(curve.iter().all(|&(t, v)| t < 1e-20 && v < 1e-20), "{curve:?}");
    let too_many = problems::learning_curve(x.view(), y.view(), x.view(), y.view(), 1, &[11]);
    assert_eq!(too_many, Err(ProblemsError::SizeTooLarge));
}
