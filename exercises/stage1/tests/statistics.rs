//! Public tests for `stage1::statistics`: run them with `cargo test -p stage1 --test statistics`.
//!
//! They check a few values you can verify by hand. The grader's hidden cases go further: random
//! data, real data (iris), far tails, and every error.

use stage1::statistics::*;
use stage1::Matrix;

fn assert_close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol * want.abs().max(1.0), "got {got}, want {want}");
}

#[test]
fn describe_small_sample() {
    let s = describe(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    assert_close(s.mean, 5.0, 1e-12);
    assert_close(s.median, 4.5, 1e-12); // even count: mean of 4 and 5
    assert_close(s.variance, 32.0 / 7.0, 1e-12); // Σ(x - 5)² = 32, divided by n - 1 = 7
    assert_close(s.std_dev, (32.0f64 / 7.0).sqrt(), 1e-12);
    assert_eq!((s.min, s.max), (2.0, 9.0));
}

#[test]
fn describe_edge_cases() {
    let one = describe(&[3.5]).unwrap();
    assert_eq!((one.mean, one.median, one.variance, one.std_dev), (3.5, 3.5, 0.0, 0.0));
    assert_eq!(describe(&[]), Err(StatsError::Empty));
    assert_eq!(describe(&[1.0, f64::NAN]), Err(StatsError::NotANumber));
}

#[test]
fn describe_survives_a_large_offset() {
    // Variance of 1e9 + {0, 1, 2, 3} is the variance of {0, 1, 2, 3}: 5/3.
    let s = describe(&[1e9, 1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0]).unwrap();
    assert_close(s.variance, 5.0 / 3.0, 1e-9);
}

#[test]
fn ln_gamma_known_values() {
    assert_close(ln_gamma(1.0).unwrap(), 0.0, 1e-12);
    assert_close(ln_gamma(5.0).unwrap(), 24.0f64.ln(), 1e-12); // Γ(5) = 4!
    assert_close(ln_gamma(0.5).unwrap(), std::f64::consts::PI.sqrt().ln(), 1e-12);
    assert_eq!(ln_gamma(0.0), Err(StatsError::InvalidParameter));
}

#[test]
fn incomplete_beta_known_values() {
    assert_close(regularized_incomplete_beta(1.0, 1.0, 0.3).unwrap(), 0.3, 1e-12);
    // I_x(2, 1) = x², I_x(1, 2) = 1 - (1 - x)²
    assert_close(regularized_incomplete_beta(2.0, 1.0, 0.6).unwrap(), 0.36, 1e-12);
    assert_close(regularized_incomplete_beta(1.0, 2.0, 0.6).unwrap(), 0.84, 1e-12);
    assert_eq!(regularized_incomplete_beta(1.0, 1.0, 1.5), Err(StatsError::InvalidParameter));
}

#[test]
fn gamma_q_known_values() {
    assert_close(regularized_gamma_q(1.0, 2.0).unwrap(), (-2.0f64).exp(), 1e-12);
    // Q(2, x) = (1 + x) e^-x, in both regions of the method.
    assert_close(regularized_gamma_q(2.0, 0.5).unwrap(), 1.5 * (-0.5f64).exp(), 1e-12);
    assert_close(regularized_gamma_q(2.0, 7.0).unwrap(), 8.0 * (-7.0f64).exp(), 1e-12);
    assert_eq!(regularized_gamma_q(1.0, 0.0), Ok(1.0));
}

#[test]
fn welch_t_test_by_hand() {
    // Means 2 and 5, variances 1 and 1, n = 3 each: t = -3 / sqrt(2/3), df = 4.
    let r = welch_t_test(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
    assert_close(r.t, -3.0 / (2.0f64 / 3.0).sqrt(), 1e-12);
    assert_close(r.df, 4.0, 1e-12);
    // With 4 degrees of freedom the two-sided tail at |t| = 3.674 is 0.02131 (a t table).
    assert!((r.p_value - 0.021312).abs() < 1e-5, "p = {}", r.p_value);
    assert!(matches!(welch_t_test(&[1.0], &[1.0, 2.0]), Err(StatsError::TooFewValues { .. })));
    assert_eq!(welch_t_test(&[1.0, 1.0], &[2.0, 2.0]), Err(StatsError::ZeroVariance));
}

#[test]
fn chi_square_by_hand() {
    // Expected counts [[12, 18], [28, 42]]; each cell is off by 2.
    let table = Matrix::from_rows(&[vec![10.0, 20.0], vec![30.0, 40.0]]);
    let r = chi_square_independence(&table).unwrap();
    assert_close(r.statistic, 4.0 / 12.0 + 4.0 / 18.0 + 4.0 / 28.0 + 4.0 / 42.0, 1e-12);
    assert_eq!(r.dof, 1);
    assert!((r.p_value - 0.37299).abs() < 1e-4, "p = {}", r.p_value);
    let row = Matrix::from_rows(&[vec![1.0, 2.0, 3.0]]);
    assert!(matches!(chi_square_independence(&row), Err(StatsError::TableTooSmall { .. })));
}

#[test]
fn correlation_of_lines() {
    let x = [1.0, 2.0, 3.0, 4.0];
    assert_close(pearson_correlation(&x, &[3.0, 5.0, 7.0, 9.0]).unwrap(), 1.0, 1e-12);
    assert_close(pearson_correlation(&x, &[0.0, -1.0, -2.0, -3.0]).unwrap(), -1.0, 1e-12);
    assert_eq!(pearson_correlation(&x, &[1.0; 4]), Err(StatsError::ZeroVariance));
    let m = correlation_matrix(&[x.to_vec(), vec![4.0, 3.0, 2.0, 1.0]]).unwrap();
    assert_eq!(m.shape(), (2, 2));
    assert_close(m[(0, 1)], -1.0, 1e-12);
    assert_close(m[(1, 0)], -1.0, 1e-12);
    assert_close(m[(0, 0)], 1.0, 1e-12);
}

#[test]
fn group_means_small() {
    let means = group_means(&[1.0, 10.0, 3.0, 20.0], &[0, 1, 0, 1], 2).unwrap();
    assert_eq!(means.len(), 2);
    assert_close(means[0], 2.0, 1e-12);
    assert_close(means[1], 15.0, 1e-12);
    assert!(matches!(group_means(&[1.0], &[0], 2), Err(StatsError::EmptyGroup { .. })));
}
