//! Public tests for `stage4::stability`: run them with `cargo test -p stage4 --test stability`.
//!
//! Small worked examples, their expected values computed by hand; `grader check
//! stage4.stability` runs the hidden cases.

use candle_core::{Device, Tensor};
use stage4::stability::{clip_grad_norm, clip_grad_value, ClipError};

fn v(x: &[f64]) -> Tensor {
    Tensor::new(x, &Device::Cpu).unwrap()
}

fn values(t: &Tensor) -> Vec<f64> {
    t.to_vec1().unwrap()
}

#[test]
fn clip_by_value_cuts_each_entry() {
    let out = clip_grad_value(&[v(&[-3.0, 0.5, 2.0])], 1.0).unwrap();
    assert_eq!(values(&out[0]), vec![-1.0, 0.5, 1.0]);
}

#[test]
fn clip_by_global_norm_keeps_the_direction() {
    // Two tensors [3] and [4]: global norm 5. With max_norm 1, scale 1 / (5 + 1e-6).
    let (out, total) = clip_grad_norm(&[v(&[3.0]), v(&[4.0])], 1.0).unwrap();
    assert!((total - 5.0).abs() < 1e-12);
    let s = 1.0 / (5.0 + 1e-6);
    assert!((values(&out[0])[0] - 3.0 * s).abs() < 1e-12);
    assert!((values(&out[1])[0] - 4.0 * s).abs() < 1e-12);
}

#[test]
fn a_bad_limit_is_refused() {
    assert_eq!(clip_grad_norm(&[v(&[1.0])], -1.0).unwrap_err(), ClipError::InvalidLimit);
}
