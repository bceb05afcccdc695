//! Public tests for `stage6::repro`: `cargo test -p stage6 --test repro`.

use stage6::repro;

fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
    let x: Vec<Vec<f64>> = (0..200).map(|i| vec![(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()]).collect();
    let y = x.iter().map(|r| if r[0] + 0.5 * r[1] > 0.0 { 1.0 } else { 0.0 }).collect();
    (x, y)
}

#[test]
fn the_same_seed_gives_the_same_bits() {
    let (x, y) = data();
    let a = repro::train(&x, &y, 7, 5);
    let b = repro::train(&x, &y, 7, 5);
    let c = repro::train(&x, &y, 8, 5);
    assert_eq!(a.len(), 3);
    assert_eq!(repro::digest(&a), repro::digest(&b));
    assert_ne!(repro::digest(&a), repro::digest(&c));
}

#[test]
fn the_digest_of_no_parameters_is_sha256_of_nothing() {
    assert_eq!(repro::digest(&[]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_ne!(repro::digest(&[0.0]), repro::digest(&[-0.0]));
}
