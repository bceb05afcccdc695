//! Public tests for `stage4::transfer`: run them with `cargo test -p stage4 --test transfer`.
//!
//! Small worked examples; `grader check stage4.transfer` runs the hidden cases on the digits and
//! the course's pretrained network.

use candle_core::{DType, Device, Tensor};
use stage4::transfer::{fine_tune, hidden_features, linear_probe, TransferError};

fn t(rows: usize, cols: usize, v: &[f64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), (rows, cols), &Device::Cpu).unwrap()
}

fn v(x: &[f64]) -> Tensor {
    Tensor::from_vec(x.to_vec(), x.len(), &Device::Cpu).unwrap()
}

#[test]
fn features_are_the_input_then_each_hidden_layer_after_relu() {
    // One hidden layer of 2 units (x, -x) and a head: features [x, relu(x, -x)].
    let layers = vec![(t(2, 1, &[1.0, -1.0]), v(&[0.0, 0.0])), (t(1, 2, &[1.0, 1.0]), v(&[0.0]))];
    let f = hidden_features(&layers, &t(2, 1, &[3.0, -2.0])).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[1].to_vec2::<f64>().unwrap(), vec![vec![3.0, 0.0], vec![0.0, 2.0]]);
}

#[test]
fn a_probe_separates_two_clusters() {
    let train = t(4, 1, &[-2.0, -1.0, 1.0, 2.0]);
    let test = t(2, 1, &[-1.5, 1.5]);
    assert_eq!(linear_probe(&train, &[0, 0, 1, 1], &test, 2, 0.1), Ok(vec![0, 1]));
    assert_eq!(linear_probe(&train, &[0, 0, 1, 2], &test, 2, 0.1), Err(TransferError::InvalidArgument));
}

#[test]
fn no_steps_give_a_zero_head_and_untouched_layers() {
    let layers = vec![(t(2, 1, &[1.0, -1.0]), v(&[0.5, 0.0])), (t(3, 2, &[1.0; 6]), v(&[0.0; 3]))];
    let tuned = fine_tune(&layers, 1, 4, &t(2, 1, &[1.0, 2.0]), &[0, 3], 0, 0.1).unwrap();
    assert_eq!(tuned[0].0.to_vec2::<f64>().unwrap(), layers[0].0.to_vec2::<f64>().unwrap());
    assert_eq!(tuned[1].0.dims(), &[4, 2]);
    assert_eq!(tuned[1].0.sum_all().unwrap().to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap(), 0.0);
}
