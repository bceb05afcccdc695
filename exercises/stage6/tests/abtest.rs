//! Public tests for `stage6::abtest`: `cargo test -p stage6 --test abtest`.

use stage6::abtest::{self, AbError, Decision};

#[test]
fn hash64_is_the_first_eight_bytes_of_sha256() {
    // SHA-256("abc") = ba7816bf8f01cfea...
    assert_eq!(abtest::hash64("abc"), 0xba7816bf8f01cfea);
}

#[test]
fn a_user_keeps_their_arm() {
    let a = abtest::assign_arm("exp", "user-1", &[1, 1]).unwrap();
    assert_eq!(abtest::assign_arm("exp", "user-1", &[1, 1]).unwrap(), a);
    assert_eq!(abtest::assign_arm("exp", "user-1", &[0, 5]).unwrap(), 1);
    assert_eq!(abtest::assign_arm("exp", "user-1", &[]), Err(AbError::InvalidParameter));
}

#[test]
fn the_z_test_of_equal_rates_is_zero() {
    let t = abtest::two_proportion_z(10, 100, 20, 200).unwrap();
    assert_eq!(t.z, 0.0);
    assert_eq!(t.p_value, 1.0);
    assert_eq!(abtest::two_proportion_z(0, 10, 0, 10), Err(AbError::Degenerate));
}

#[test]
fn the_sprt_stops_on_a_run_of_successes() {
    let s = abtest::sprt(&[true; 20], 0.2, 0.5, 0.05, 0.05).unwrap();
    assert_eq!(s.decision, Decision::AcceptH1);
    assert!(s.used < 20);
    assert_eq!(abtest::sprt(&[], 0.2, 0.5, 0.05, 0.05).unwrap().decision, Decision::Continue);
}
