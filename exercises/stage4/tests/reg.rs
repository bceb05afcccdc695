//! Public tests for `stage4::reg`: run them with `cargo test -p stage4 --test reg`.
//!
//! `grader check stage4.reg` runs the hidden cases, which check the mask statistically.

use candle_core::{Device, Tensor};
use stage4::reg::{dropout, penalty, EarlyStopping, RegError};
use stage4::rng::Rng;

#[test]
fn dropout_keeps_or_zeroes_and_rescales() {
    let x = Tensor::new(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &Device::Cpu).unwrap();
    let y: Vec<f64> = dropout(&x, 0.5, true, &mut Rng::new(1)).unwrap().to_vec1().unwrap();
    let xs: Vec<f64> = x.to_vec1().unwrap();
    for (yi, xi) in y.iter().zip(&xs) {
        assert!(*yi == 0.0 || (*yi - 2.0 * xi).abs() < 1e-12, "{y:?}");
    }
    // The same seed, the same mask.
    let again: Vec<f64> = dropout(&x, 0.5, true, &mut Rng::new(1)).unwrap().to_vec1().unwrap();
    assert_eq!(y, again);
}

#[test]
fn evaluation_returns_x() {
    let x = Tensor::new(&[1.0f64, -2.0], &Device::Cpu).unwrap();
    let y: Vec<f64> = dropout(&x, 0.5, false, &mut Rng::new(1)).unwrap().to_vec1().unwrap();
    assert_eq!(y, vec![1.0, -2.0]);
    assert_eq!(dropout(&x, 1.5, true, &mut Rng::new(1)).unwrap_err(), RegError::InvalidRate);
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    let w = Tensor::new(&[1.0f64], &Device::Cpu).unwrap();
    let mut es = EarlyStopping::new(2, 0.0).unwrap();
    // Losses 0.5, 0.4, 0.45, 0.46: epoch 1 is the best, and two epochs without improvement stop.
    let stops: Vec<bool> =
        [0.5, 0.4, 0.45, 0.46].iter().map(|&l| es.observe(l, std::slice::from_ref(&w)).unwrap()).collect();
    assert_eq!(stops, vec![false, false, false, true]);
    assert_eq!(es.best.as_ref().map(|b| b.0), Some(1));
    assert_eq!(es.best_loss, 0.4);
}

#[test]
fn penalties_by_hand() {
    // w = [2, 0, -1]: l1 · 3 + (l2 / 2) · 5; gradient l1 · [1, 0, -1] + l2 · [2, 0, -1].
    let w = Tensor::new(&[2.0f64, 0.0, -1.0], &Device::Cpu).unwrap();
    let (value, grads) = penalty(&[w], 0.1, 0.2).unwrap();
    assert!((value - (0.3 + 0.5)).abs() < 1e-12);
    let g: Vec<f64> = grads[0].to_vec1().unwrap();
    for (got, want) in g.iter().zip([0.5, 0.0, -0.3]) {
        assert!((got - want).abs() < 1e-12, "{g:?}");
    }
}
