//! Public tests for `stage6::scale`: `cargo test -p stage6 --test scale`.

use stage6::scale::{self, Job, Policy, ScaleError};

#[test]
fn removing_a_replica_moves_only_its_keys() {
    let all: Vec<String> = (0..4).map(|i| format!("r{i}")).collect();
    let keys: Vec<String> = (0..500).map(|i| format!("k{i}")).collect();
    let before = scale::ring_route(&all, 50, &keys).unwrap();
    let without: Vec<String> = all.iter().filter(|r| *r != "r2").cloned().collect();
    let after = scale::ring_route(&without, 50, &keys).unwrap();
    for (b, a) in before.iter().zip(&after) {
        if *b != 2 {
            // Indices shift down past the removed replica.
            assert_eq!(all[*b], without[*a]);
        }
    }
    assert_eq!(scale::ring_route(&[], 5, &keys), Err(ScaleError::InvalidReplicas));
}

#[test]
fn least_outstanding_avoids_the_busy_replica() {
    let jobs = [
        Job { arrive_ms: 0, service_ms: 100 },
        Job { arrive_ms: 1, service_ms: 1 },
        Job { arrive_ms: 2, service_ms: 1 },
    ];
    let rr = scale::balance(&jobs, 2, Policy::RoundRobin).unwrap();
    assert_eq!(rr.replica, [0, 1, 0]);
    assert_eq!(rr.finish_ms, [100, 2, 101]);
    let lo = scale::balance(&jobs, 2, Policy::LeastOutstanding).unwrap();
    assert_eq!(lo.replica, [0, 1, 1]);
    assert_eq!(lo.finish_ms, [100, 2, 3]);
}
