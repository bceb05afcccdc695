//! Public tests for `stage3::activations`: `cargo test -p stage3 --test activations`.

use stage3::activations::{
    elu, elu_grad, leaky_relu_grad, log_softmax, output_layer, relu_grad, sigmoid, sigmoid_grad, softmax,
    softmax_cross_entropy, tanh_grad, ActivationsError, Task,
};
use stage3::candle_core::{DType, Device, Tensor};

fn vec1(t: Tensor) -> Vec<f64> {
    t.to_vec1::<f64>().unwrap()
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-12, "{a:?} vs {b:?}");
    }
}

fn extremes() -> Tensor {
    Tensor::new(&[-1000.0f64, -1.0, 0.0, 1.0, 1000.0], &Device::Cpu).unwrap()
}

#[test]
fn sigmoid_is_finite_at_the_extremes() {
    let s = vec1(sigmoid(&extremes()).unwrap());
    close(&s, &[0.0, 0.2689414213699951, 0.5, 0.7310585786300049, 1.0]);
    let d = vec1(sigmoid_grad(&extremes()).unwrap());
    close(&d, &[0.0, 0.19661193324148185, 0.25, 0.19661193324148185, 0.0]);
}

#[test]
fn derivatives_at_zero_follow_the_conventions() {
    let zero = Tensor::new(&[0.0f64], &Device::Cpu).unwrap();
    assert_eq!(vec1(tanh_grad(&zero).unwrap()), vec![1.0]);
    assert_eq!(vec1(relu_grad(&zero).unwrap()), vec![0.0]);
    assert_eq!(vec1(leaky_relu_grad(&zero, 0.01).unwrap()), vec![0.01]);
    assert_eq!(vec1(elu_grad(&zero, 2.0).unwrap()), vec![2.0]);
}

#[test]
fn elu_saturates_without_nan() {
    let e = vec1(elu(&extremes(), 1.0).unwrap());
    close(&e, &[-1.0, (-1.0f64).exp() - 1.0, 0.0, 1.0, 1000.0]);
}

#[test]
fn empty_tensors_stay_empty() {
    let empty = Tensor::zeros((0, 3), DType::F64, &Device::Cpu).unwrap();
    assert_eq!(sigmoid(&empty).unwrap().dims(), &[0, 3]);
    assert_eq!(softmax(&empty).unwrap().dims(), &[0, 3]);
}

#[test]
fn softmax_does_not_overflow() {
    let x = Tensor::new(&[[1000.0f64, -1000.0], [-1000.0, -1000.0]], &Device::Cpu).unwrap();
    let s = softmax(&x).unwrap().to_vec2::<f64>().unwrap();
    close(&s[0], &[1.0, 0.0]);
    close(&s[1], &[0.5, 0.5]);
    let l = log_softmax(&x).unwrap().to_vec2::<f64>().unwrap();
    close(&l[0], &[0.0, -2000.0]);
}

#[test]
fn cross_entropy_gradient_is_probabilities_minus_targets() {
    let logits = Tensor::new(&[[0.0f64, 0.0], [0.0, 0.0]], &Device::Cpu).unwrap();
    let (loss, grad) = softmax_cross_entropy(&logits, &[0, 1]).unwrap();
    assert!((loss.to_scalar::<f64>().unwrap() - 2f64.ln()).abs() < 1e-12);
    let g = grad.to_vec2::<f64>().unwrap();
    close(&g[0], &[-0.25, 0.25]);
    close(&g[1], &[0.25, -0.25]);
    assert_eq!(softmax_cross_entropy(&logits, &[0, 2]).unwrap_err(), ActivationsError::InvalidTarget);
}

#[test]
fn one_class_among_k_is_not_k_independent_labels() {
    assert_ne!(output_layer(Task::MultiClass), output_layer(Task::MultiLabel));
}
