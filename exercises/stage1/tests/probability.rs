//! Public tests for `stage1::probability`: run them with `cargo test -p stage1 --test probability`.

use stage1::probability::{
    binomial_cdf, binomial_pmf, erf, normal_cdf, normal_pdf, poisson_cdf, poisson_pmf, posterior, sample_binomial,
    sample_normal, sample_poisson, ProbabilityError,
};
use stage1::rng::Rng;

fn assert_close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} (tolerance {tol:e})");
}

#[test]
fn rng_is_splitmix64_and_deterministic() {
    // The first outputs of SplitMix64 seeded with 0, as published with the algorithm.
    let mut r = Rng::new(0);
    assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    let (mut a, mut b) = (Rng::new(7), Rng::new(7));
    for _ in 0..100 {
        let u = a.next_f64();
        assert_eq!(u, b.next_f64());
        assert!((0.0..1.0).contains(&u));
    }
}

#[test]
fn medical_test_positive_result() {
    // 1% prevalence, 99% sensitivity, 5% false positives: P(sick | positive) = 1/6.
    let post = posterior(&[0.01, 0.99], &[0.99, 0.05]).unwrap();
    assert_close(post[0], 1.0 / 6.0, 1e-12);
    assert_close(post[1], 5.0 / 6.0, 1e-12);
    // A second, independent positive test: yesterday's posterior is today's prior.
    let again = posterior(&post, &[0.99, 0.05]).unwrap();
    let (sick, healthy) = (0.01 * 0.99 * 0.99, 0.99 * 0.05 * 0.05);
    assert_close(again[0], sick / (sick + healthy), 1e-12);
}

#[test]
fn posterior_errors() {
    assert!(matches!(posterior(&[0.5, 0.5], &[0.1]), Err(ProbabilityError::LengthMismatch { .. })));
    assert!(matches!(
        posterior(&[0.5, 0.5], &[0.1, f64::NAN]),
        Err(ProbabilityError::InvalidProbability { index: 1, .. })
    ));
    assert!(matches!(posterior(&[0.5, 0.6], &[0.1, 0.2]), Err(ProbabilityError::NotNormalized { .. })));
    assert_eq!(posterior(&[1.0, 0.0], &[0.0, 0.7]), Err(ProbabilityError::ZeroEvidence));
}

#[test]
fn normal_known_values() {
    assert_eq!(erf(0.0), 0.0);
    assert_close(erf(1.0), 0.842_700_792_949_714_9, 2e-7);
    assert_close(erf(-1.0), -0.842_700_792_949_714_9, 2e-7);
    assert_close(normal_pdf(0.0, 0.0, 1.0).unwrap(), 0.398_942_280_401_432_7, 1e-12);
    assert_close(normal_cdf(1.96, 0.0, 1.0).unwrap(), 0.975_002_104_851_780, 2e-7);
    assert_close(normal_cdf(3.0, 1.0, 2.0).unwrap(), 0.841_344_746_068_543, 2e-7);
    assert!(matches!(normal_pdf(0.0, 0.0, 0.0), Err(ProbabilityError::InvalidParameter { name: "sigma", .. })));
}

#[test]
fn binomial_known_values() {
    // 10 fair coin flips: P(5 heads) = 252 / 1024.
    assert_close(binomial_pmf(5, 10, 0.5).unwrap(), 252.0 / 1024.0, 1e-12);
    assert_close(binomial_cdf(2, 10, 0.5).unwrap(), 56.0 / 1024.0, 1e-12);
    assert_eq!(binomial_pmf(11, 10, 0.5).unwrap(), 0.0);
    assert_eq!(binomial_pmf(0, 7, 0.0).unwrap(), 1.0);
    // n = 1000 needs log space: C(1000, 500) / 2^1000 ≈ 0.02522502.
    assert_close(binomial_pmf(500, 1000, 0.5).unwrap(), 0.025_225_018_178_360_1, 1e-10);
    assert!(matches!(binomial_pmf(1, 2, 1.5), Err(ProbabilityError::InvalidParameter { name: "p", .. })));
}

#[test]
fn poisson_known_values() {
    assert_close(poisson_pmf(0, 2.0).unwrap(), (-2.0f64).exp(), 1e-14);
    assert_close(poisson_pmf(3, 2.0).unwrap(), 8.0 / 6.0 * (-2.0f64).exp(), 1e-14);
    assert_close(poisson_cdf(1, 2.0).unwrap(), 3.0 * (-2.0f64).exp(), 1e-14);
    assert_eq!(poisson_pmf(0, 0.0).unwrap(), 1.0);
    assert!(poisson_pmf(500, 500.0).unwrap() > 0.0178);
    assert!(matches!(poisson_cdf(1, -1.0), Err(ProbabilityError::InvalidParameter { .. })));
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (mean, x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0))
}

#[test]
fn samples_have_the_right_moments() {
    // Loose checks, far from what the grader demands (it tests whole distributions).
    let mut rng = Rng::new(2024);
    let x = sample_normal(&mut rng, 3.0, 2.0, 10_001).unwrap();
    assert_eq!(x.len(), 10_001);
    let (m, v) = mean_var(&x);
    assert!((m - 3.0).abs() < 0.1 && (v - 4.0).abs() < 0.3, "mean {m}, variance {v}");

    let b = sample_binomial(&mut rng, 20, 0.3, 10_000).unwrap();
    assert!(b.iter().all(|&k| k <= 20));
    let (m, v) = mean_var(&b.iter().map(|&k| k as f64).collect::<Vec<_>>());
    assert!((m - 6.0).abs() < 0.1 && (v - 4.2).abs() < 0.3, "mean {m}, variance {v}");

    let p = sample_poisson(&mut rng, 4.5, 10_000).unwrap();
    let (m, v) = mean_var(&p.iter().map(|&k| k as f64).collect::<Vec<_>>());
    assert!((m - 4.5).abs() < 0.1 && (v - 4.5).abs() < 0.3, "mean {m}, variance {v}");

    assert!(sample_normal(&mut rng, 0.0, -1.0, 5).is_err());
}
