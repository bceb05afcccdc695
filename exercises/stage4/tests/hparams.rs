//! Public tests for `stage4::hparams`: run them with `cargo test -p stage4 --test hparams`.
//!
//! Small worked examples; `grader check stage4.hparams` runs the hidden cases.

use stage4::hparams::{self, Range, Rbf, SearchError};
use stage4::rng::Rng;

#[test]
fn grid_search_varies_the_last_range_fastest() {
    let space = [Range { low: 0.0, high: 1.0, log: false }, Range { low: 1.0, high: 100.0, log: true }];
    let trials = hparams::grid_search(&space, 3).unwrap();
    assert_eq!(trials.len(), 9);
    // Values 0, 0.5, 1 and 1, 10, 100: (0, 1), (0, 10), (0, 100), (0.5, 1), ...
    assert_eq!(trials[0], vec![0.0, 1.0]);
    assert!((trials[1][1] - 10.0).abs() < 1e-12 && trials[1][0] == 0.0);
    assert!((trials[3][0] - 0.5).abs() < 1e-15 && (trials[3][1] - 1.0).abs() < 1e-12);
    assert_eq!(hparams::grid_search(&space, 0), Err(SearchError::InvalidArgument));
}

#[test]
fn random_search_is_decided_by_the_seed() {
    let space = [Range { low: 1e-4, high: 1e-1, log: true }, Range { low: 0.0, high: 0.5, log: false }];
    let a = hparams::random_search(&space, 5, &mut Rng::new(7)).unwrap();
    let b = hparams::random_search(&space, 5, &mut Rng::new(7)).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|t| t[0] >= 1e-4 && t[0] <= 1e-1 && t[1] >= 0.0 && t[1] < 0.5));
}

#[test]
fn successive_halving_keeps_a_third_each_round() {
    // Configuration c's loss is c / resource: the lowest indices win.
    let rungs = hparams::successive_halving(0, 9, 1.0, 3, 3, &mut |c, r| c as f64 / r).unwrap();
    let sizes: Vec<usize> = rungs.iter().map(|r| r.configs.len()).collect();
    assert_eq!(sizes, vec![9, 3, 1]);
    assert_eq!(rungs[1].configs, vec![0, 1, 2]);
    assert_eq!(rungs[2].resource, 9.0);
}

#[test]
fn hyperband_brackets_for_r_81_and_eta_3() {
    // Li et al. (2018), table 1: n = 81, 34, 15, 8, 5 configurations starting at r = 1, 3, 9, 27, 81.
    let brackets = hparams::hyperband(81.0, 3, &mut |c, _| c as f64).unwrap();
    let n: Vec<usize> = brackets.iter().map(|b| b.n).collect();
    assert_eq!(n, vec![81, 34, 15, 8, 5]);
    let r: Vec<f64> = brackets.iter().map(|b| b.r).collect();
    assert_eq!(r, vec![1.0, 3.0, 9.0, 27.0, 81.0]);
}

#[test]
fn gp_posterior_matches_scikit_learn() {
    // scikit-learn 1.9.1: GaussianProcessRegressor(kernel=ConstantKernel(2.0) * RBF(0.7), alpha=0.01,
    // optimizer=None).fit([[0], [1], [2.5]], [0.5, -1.0, 2.0]).predict([[0.5], [1.7], [4.0]], return_std=True)
    // gave the means and standard deviations below (printed with repr).
    let x: Vec<Vec<f64>> = vec![vec![0.0], vec![1.0], vec![2.5]];
    let t: Vec<Vec<f64>> = vec![vec![0.5], vec![1.7], vec![4.0]];
    let (mean, var) =
        hparams::gp_posterior(&x, &[0.5, -1.0, 2.0], &t, &Rbf { length_scale: 0.7, variance: 2.0 }, 0.01).unwrap();
    let sk_mean = [-0.3722379072855222, 0.20792793858780365, 0.21604572449196605];
    let sk_std = [0.487671522839484, 0.8900357967229929, 1.4069843607298895];
    for i in 0..3 {
        assert!((mean[i] - sk_mean[i]).abs() < 1e-10, "mean {i}: {} vs {}", mean[i], sk_mean[i]);
        assert!((var[i].sqrt() - sk_std[i]).abs() < 1e-10, "std {i}: {} vs {}", var[i].sqrt(), sk_std[i]);
    }
}

#[test]
fn expected_improvement_at_the_best_mean() {
    // z = 0: EI = std · φ(0) = std / √(2π).
    let ei = hparams::expected_improvement(1.0, 2.0, 1.0, 0.0).unwrap();
    assert!((ei - 2.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-15);
    assert_eq!(hparams::expected_improvement(3.0, 0.0, 1.0, 0.0), Ok(0.0));
}

#[test]
fn bayes_opt_evaluates_each_candidate_once() {
    let candidates: Vec<Vec<f64>> = (0..21).map(|i| vec![i as f64 / 20.0]).collect();
    let mut calls = 0;
    let mut f = |x: &[f64]| {
        calls += 1;
        (x[0] - 0.3).powi(2)
    };
    let order =
        hparams::bayes_opt(&mut f, &candidates, &[0, 20], 5, &Rbf { length_scale: 0.2, variance: 1.0 }, 1e-6, 0.0)
            .unwrap();
    assert_eq!(order.len(), 7);
    assert_eq!(calls, 7);
    let mut sorted = order.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "no candidate twice");
}
