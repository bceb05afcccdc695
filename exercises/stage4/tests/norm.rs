//! Public tests for `stage4::norm`: run them with `cargo test -p stage4 --test norm`.
//!
//! Small worked examples, their expected values computed by hand; `grader check stage4.norm`
//! runs the hidden cases.

use candle_core::{Device, Tensor};
use stage4::norm::{batch_norm_backward, layer_norm, rms_norm, BatchNorm, NormError};

fn t2(rows: &[[f64; 2]]) -> Tensor {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_vec(flat, (rows.len(), 2), &Device::Cpu).unwrap()
}

fn close(got: &Tensor, want: &[f64]) {
    let got: Vec<f64> = got.flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
}

#[test]
fn batch_norm_normalises_each_column_and_updates_the_running_statistics() {
    // Column 0 is [1, 3]: mean 2, biased variance 1, unbiased 2. Column 1 is [10, 10]: mean 10,
    // variance 0, so its output is β = 0 (eps keeps 0 / 0 away; with eps = 0 it would be NaN).
    let mut bn = BatchNorm::new(2, 0.5, 1e-12, &Device::Cpu).unwrap();
    let y = bn.forward_train(&t2(&[[1.0, 10.0], [3.0, 10.0]])).unwrap();
    close(&y, &[-1.0, 0.0, 1.0, 0.0]);
    // running = 0.5 · old + 0.5 · batch: mean (1, 5), variance 0.5 · 1 + 0.5 · (2, 0) = (1.5, 0.5).
    close(&bn.running_mean, &[1.0, 5.0]);
    close(&bn.running_var, &[1.5, 0.5]);
    // Evaluation: (x - running_mean) / √(running_var + eps).
    let y = bn.forward_eval(&t2(&[[2.5, 5.0]])).unwrap();
    close(&y, &[1.5 / 1.5f64.sqrt(), 0.0]);
}

#[test]
fn batch_norm_refuses_a_single_sample_in_training() {
    let mut bn = BatchNorm::new(2, 0.1, 1e-5, &Device::Cpu).unwrap();
    assert_eq!(bn.forward_train(&t2(&[[1.0, 2.0]])).unwrap_err(), NormError::BatchTooSmall);
}

#[test]
fn backward_of_a_column_constant_gradient_is_zero() {
    let x = t2(&[[1.0, 0.0], [2.0, 5.0], [4.0, -1.0]]);
    let gamma = Tensor::new(&[2.0f64, 0.5], &Device::Cpu).unwrap();
    let dout = t2(&[[1.0, -3.0], [1.0, -3.0], [1.0, -3.0]]);
    let (dx, dgamma, dbeta) = batch_norm_backward(&x, &gamma, &dout, 1e-5).unwrap();
    close(&dx, &[0.0; 6]);
    close(&dbeta, &[3.0, -9.0]);
    close(&dgamma, &[0.0, 0.0]); // Σ x̂ = 0 in every column
}

#[test]
fn layer_norm_and_rms_norm_of_one_row() {
    // Row [1, 3]: mean 2, variance 1, so layer norm gives [-1, 1]; RMS = √5.
    let x = t2(&[[1.0, 3.0]]);
    let ones = Tensor::new(&[1.0f64, 1.0], &Device::Cpu).unwrap();
    let zeros = Tensor::new(&[0.0f64, 0.0], &Device::Cpu).unwrap();
    close(&layer_norm(&x, &ones, &zeros, 0.0).unwrap(), &[-1.0, 1.0]);
    close(&rms_norm(&x, &ones, 0.0).unwrap(), &[1.0 / 5f64.sqrt(), 3.0 / 5f64.sqrt()]);
}
