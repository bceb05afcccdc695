//! Public tests for `stage2::models`: small hand-checked cases. The grader's hidden suites train
//! on real data sets and compare with the reference and with linfa.

use stage2::models::{self, LinearRegression, LinearSvm, LogisticRegression, ModelsError};
use stage2::ndarray::{array, Array2};
use stage2::rng::Rng;

#[test]
fn normal_equations_recover_an_exact_plane() {
    // y = 2 x0 - x1 + 3
    let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 3.0]];
    let y = x.rows().into_iter().map(|r| 2.0 * r[0] - r[1] + 3.0).collect::<stage2::ndarray::Array1<f64>>();
    let m = LinearRegression::fit_normal_equations(x.view(), y.view()).unwrap();
    assert!((m.intercept - 3.0).abs() < 1e-9);
    assert!((m.weights[0] - 2.0).abs() < 1e-9 && (m.weights[1] + 1.0).abs() < 1e-9);
    let p = m.predict(array![[10.0, 1.0]].view());
    assert!((p[0] - 22.0).abs() < 1e-8);
}

#[test]
fn normal_equations_refuse_a_repeated_column() {
    let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
    let y = array![1.0, 2.0, 3.0];
    assert_eq!(LinearRegression::fit_normal_equations(x.view(), y.view()), Err(ModelsError::Singular));
}

#[test]
fn one_gradient_step_by_hand() {
    // w = 0, b = 0: r = -y = (-1, -3); grad_w = (2/2) * (1*-1 + 3*-3) = -10; grad_b = -4.
    let x = array![[1.0], [3.0]];
    let y = array![1.0, 3.0];
    let m = LinearRegression::fit_gradient_descent(x.view(), y.view(), 0.1, 1).unwrap();
    assert!((m.weights[0] - 1.0).abs() < 1e-12);
    assert!((m.intercept - 0.4).abs() < 1e-12);
}

#[test]
fn logistic_regression_separates_two_groups() {
    let x = array![[-2.0], [-1.5], [-1.0], [1.0], [1.5], [2.0]];
    let y = [0, 0, 0, 1, 1, 1];
    let m = LogisticRegression::fit(x.view(), &y, 0.5, 200, 0.0).unwrap();
    assert_eq!(m.predict(x.view()), y.to_vec());
    let p = m.predict_proba(array![[0.0]].view());
    assert!((p[0] - 0.5).abs() < 1e-9, "symmetric data: p(0) = {}", p[0]);
    assert_eq!(models::sigmoid(0.0), 0.5);
    assert!(models::sigmoid(-1000.0).is_finite() && models::sigmoid(1000.0) == 1.0);
    assert_eq!(LogisticRegression::fit(x.view(), &[0, 0, 0, 1, 1, 2], 0.5, 10, 0.0), Err(ModelsError::InvalidLabel));
}

#[test]
fn svm_separates_two_groups() {
    let x = array![[-2.0, 0.0], [-1.0, 1.0], [-1.5, -1.0], [1.0, 0.5], [2.0, -0.5], [1.5, 1.0]];
    let y = [0, 0, 0, 1, 1, 1];
    let m = LinearSvm::fit(x.view(), &y, 0.1, 200, 0.01).unwrap();
    assert_eq!(m.predict(x.view()), y.to_vec());
}

#[test]
fn kmeans_finds_two_obvious_clusters() {
    let x = array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [10.0, 10.0], [10.1, 10.0], [10.0, 10.1]];
    let r = models::kmeans(x.view(), 2, 100, &mut Rng::new(7)).unwrap();
    assert_eq!(r.labels[0], r.labels[1]);
    assert_eq!(r.labels[0], r.labels[2]);
    assert_eq!(r.labels[3], r.labels[4]);
    assert_ne!(r.labels[0], r.labels[3]);
    // Each cluster: three points at squared distances 2/900, 5/900, 5/900 from their mean.
    assert!((r.inertia - 2.0 * 12.0 / 900.0).abs() < 1e-12, "inertia {}", r.inertia);
    assert_eq!(models::kmeans(x.view(), 0, 10, &mut Rng::new(7)).unwrap_err(), ModelsError::InvalidParameter);
}

#[test]
fn pca_of_points_on_a_line() {
    // Points along (3, 4) / 5 with a tiny orthogonal wobble.
    let t = [-2.0, -1.0, 0.0, 1.0, 2.0];
    let e = [0.01, -0.02, 0.0, 0.02, -0.01]; // Σ e = Σ t e = 0
    let x = Array2::from_shape_fn((5, 2), |(i, j)| {
        if j == 0 {
            0.6 * t[i] - 0.8 * e[i] + 1.0
        } else {
            0.8 * t[i] + 0.6 * e[i] - 2.0
        }
    });
    let p = models::pca(x.view(), 1).unwrap();
    assert!((p.components[[0, 0]] - 0.6).abs() < 1e-3 && (p.components[[0, 1]] - 0.8).abs() < 1e-3);
    assert!((p.explained_variance[0] - 2.5).abs() < 1e-3); // Σ t² / (n - 1) = 10 / 4
    assert!((p.mean[0] - 1.0).abs() < 1e-12 && (p.mean[1] + 2.0).abs() < 1e-12);
    let z = p.transform(x.view());
    assert!((z[[4, 0]] - 2.0).abs() < 1e-3);
    assert_eq!(models::pca(x.view(), 3).unwrap_err(), ModelsError::InvalidParameter);
}
