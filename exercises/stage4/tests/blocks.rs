//! Public tests for `stage4::blocks`: run them with `cargo test -p stage4 --test blocks`.

use candle_core::{Device, Tensor};
use stage4::blocks::{dense_block, residual_block, BlockError};

fn m(rows: usize, cols: usize, v: &[f64]) -> Tensor {
    Tensor::from_slice(v, (rows, cols), &Device::Cpu).unwrap()
}

#[test]
fn a_residual_block_with_zero_weights_is_relu_of_x_plus_b2() {
    let x = m(1, 2, &[1.0, -3.0]);
    let (w1, b1) = (m(1, 2, &[0.0, 0.0]), Tensor::new(&[0.5f64], &Device::Cpu).unwrap());
    let (w2, b2) = (m(2, 1, &[0.0, 0.0]), Tensor::new(&[1.0f64, 1.0], &Device::Cpu).unwrap());
    let y: Vec<Vec<f64>> = residual_block(&x, &w1, &b1, &w2, &b2).unwrap().to_vec2().unwrap();
    assert_eq!(y, vec![vec![2.0, 0.0]]); // relu(1 + 1), relu(-3 + 1)
}

#[test]
fn a_dense_block_concatenates_input_and_outputs() {
    // One layer of growth 1 with weight [1, 1] and bias 0: h = relu(x0 + x1).
    let x = m(1, 2, &[2.0, -0.5]);
    let layer = (m(1, 2, &[1.0, 1.0]), Tensor::new(&[0.0f64], &Device::Cpu).unwrap());
    let y: Vec<Vec<f64>> = dense_block(&x, &[layer]).unwrap().to_vec2().unwrap();
    assert_eq!(y, vec![vec![2.0, -0.5, 1.5]]);
    let bad = (m(1, 3, &[1.0, 1.0, 1.0]), Tensor::new(&[0.0f64], &Device::Cpu).unwrap());
    assert_eq!(dense_block(&x, &[bad]).unwrap_err(), BlockError::ShapeMismatch);
}

#[test]
fn a_zero_network_predicts_zero() {
    use candle_core::{Device, Tensor};
    use stage4::blocks::{gradient_norms, train_deep, Activation};
    let dev = Device::Cpu;
    let zeros = |r: usize, c: usize| Tensor::zeros((r, c), candle_core::DType::F64, &dev).unwrap();
    let bias = |n: usize| Tensor::zeros(n, candle_core::DType::F64, &dev).unwrap();
    let layers = vec![(zeros(3, 2), bias(3)), (zeros(3, 3), bias(3)), (zeros(1, 3), bias(1))];
    let x = Tensor::new(&[[1.0f64, 2.0], [3.0, 4.0]], &dev).unwrap();
    let y = Tensor::new(&[[1.0f64], [3.0]], &dev).unwrap();
    // tanh(0) = 0 everywhere, so the output is 0 and the loss is mean(y²) = (1 + 9) / 2.
    let (loss, norms) = gradient_norms(&layers, Activation::Tanh, false, &x, &y).unwrap();
    assert!((loss - 5.0).abs() < 1e-12);
    assert_eq!(norms.len(), 3);
    assert_eq!(norms[2], 0.0, "the output layer's inputs are all 0");
    let losses = train_deep(&layers, Activation::Tanh, true, &x, &y, 0.1, 0).unwrap();
    assert_eq!(losses.len(), 1);
}
