//! Public tests for `stage2::rl`: run them with `cargo test -p stage2 --test rl --release`.

use stage2::rl::{self, GridWorld, RlError, LEFT, NO_ACTION, RIGHT};
use stage2::rng::Rng;

#[test]
fn corridor_values_are_discounted_exit_rewards() {
    // [ . . . +1 ]: from distance d the exit is d steps away.
    let grid = GridWorld { width: 4, height: 1, walls: vec![], terminals: vec![((0, 3), 1.0)], step_reward: 0.0 };
    let (v, policy) = rl::value_iteration(&grid, 0.5, 1e-12).unwrap();
    let expected = [0.25, 0.5, 1.0, 0.0];
    for (g, e) in v.iter().zip(expected) {
        assert!((g - e).abs() < 1e-9, "values {v}");
    }
    assert_eq!(policy, vec![RIGHT, RIGHT, RIGHT, NO_ACTION]);
}

#[test]
fn ties_go_to_the_lowest_action() {
    // Exits at both ends, the middle cell is as close to either: RIGHT (1) before LEFT (3).
    let grid = GridWorld {
        width: 3,
        height: 1,
        walls: vec![],
        terminals: vec![((0, 0), 1.0), ((0, 2), 1.0)],
        step_reward: 0.0,
    };
    let (_, policy) = rl::value_iteration(&grid, 0.9, 1e-12).unwrap();
    assert_eq!(policy, vec![NO_ACTION, RIGHT, NO_ACTION]);
    assert_ne!(policy[1], LEFT);
    assert_eq!(rl::value_iteration(&grid, 1.0, 1e-6), Err(RlError::InvalidGamma));
}

#[test]
fn bandit_counts_add_up_and_greedy_finds_the_best_arm() {
    let mut rng = Rng::new(7);
    let (q, n, _) = rl::epsilon_greedy_bandit(&[0.0, 3.0], 0.2, 500, &mut rng).unwrap();
    assert_eq!(n.iter().sum::<usize>(), 500);
    assert!(n[1] > n[0], "counts {n:?}");
    assert!((q[1] - 3.0).abs() < 0.3, "estimates {q:?}");
}
