//! Public tests for `stage3::forward`: small cases you can check by hand. The grader's hidden
//! suites use larger random batches, edge cases, statistical tests of the initialisers and a
//! speed target.

use stage3::candle_core::{DType, Device, Tensor};
use stage3::forward::{self, Activation, ForwardError, Layer, Standardizer};
use stage3::rng::Rng;

fn t2(rows: &[&[f64]]) -> Tensor {
    let cols = rows.first().map_or(0, |r| r.len());
    let data: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::from_vec(data, (rows.len(), cols), &Device::Cpu).unwrap()
}

fn t1(v: &[f64]) -> Tensor {
    Tensor::new(v, &Device::Cpu).unwrap()
}

fn close(got: &Tensor, want: &[f64]) {
    let got = got.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    assert_eq!(got.len(), want.len(), "number of elements");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-12, "element {i}: got {g}, want {w}");
    }
}

#[test]
fn dense_layer_on_a_batch_of_two() {
    let x = t2(&[&[1.0, 2.0], &[-1.0, 0.5]]);
    let w = t2(&[&[1.0, 0.0], &[0.0, 1.0], &[1.0, 1.0]]); // (out = 3, in = 2)
    let b = t1(&[0.0, 0.0, 10.0]);
    let y = forward::dense_forward(&x, &w, &b).unwrap();
    assert_eq!(y.dims(), &[2, 3]);
    close(&y, &[1.0, 2.0, 13.0, -1.0, 0.5, 9.5]);
}

#[test]
fn dense_layer_refuses_mismatched_shapes() {
    let x = t2(&[&[1.0, 2.0, 3.0]]);
    let w = t2(&[&[1.0, 0.0], &[0.0, 1.0]]);
    assert_eq!(forward::dense_forward(&x, &w, &t1(&[0.0, 0.0])).unwrap_err(), ForwardError::ShapeMismatch);
}

#[test]
fn mlp_with_relu_then_identity() {
    let x = t2(&[&[1.0, -2.0]]);
    let layers = vec![
        Layer { weight: t2(&[&[1.0, 0.0], &[0.0, 1.0]]), bias: t1(&[0.0, 0.0]), activation: Activation::Relu },
        Layer { weight: t2(&[&[1.0, 1.0]]), bias: t1(&[0.5]), activation: Activation::Identity },
    ];
    // relu([1, -2]) = [1, 0]; then 1 + 0 + 0.5.
    close(&forward::mlp_forward(&x, &layers).unwrap(), &[1.5]);
    assert_eq!(forward::mlp_forward(&x, &[]).unwrap_err(), ForwardError::NoLayers);
}

#[test]
fn he_normal_has_the_right_shape_and_roughly_the_right_variance() {
    let mut rng = Rng::new(7);
    let w = forward::he_normal(64, 256, DType::F64, &Device::Cpu, &mut rng).unwrap();
    assert_eq!(w.dims(), &[64, 256]);
    let v = w.sqr().unwrap().mean_all().unwrap().to_scalar::<f64>().unwrap();
    let target = 2.0 / 256.0;
    // 16384 samples: the relative standard error of the variance is sqrt(2 / 16384) ≈ 1.1%.
    assert!((v / target - 1.0).abs() < 0.07, "variance {v}, expected about {target}");
}

#[test]
fn xavier_uniform_stays_within_its_bounds() {
    let mut rng = Rng::new(1);
    let w = forward::xavier_uniform(30, 20, DType::F64, &Device::Cpu, &mut rng).unwrap();
    let a = (6.0f64 / 50.0).sqrt();
    let max = w.abs().unwrap().max_all().unwrap().to_scalar::<f64>().unwrap();
    assert!(max <= a && max > 0.9 * a, "max |w| = {max}, bound {a}");
    assert_eq!(
        forward::xavier_uniform(0, 20, DType::F64, &Device::Cpu, &mut rng).unwrap_err(),
        ForwardError::EmptyLayer
    );
}

#[test]
fn standardizer_uses_the_training_statistics() {
    let train = t2(&[&[1.0, 5.0], &[3.0, 5.0]]); // feature 1 is constant
    let s = Standardizer::fit(&train).unwrap();
    close(&s.mean, &[2.0, 5.0]);
    close(&s.std, &[1.0, 1.0]); // population std of [1, 3] is 1; constant → 1
    let test = t2(&[&[4.0, 7.0]]);
    close(&s.transform(&test).unwrap(), &[2.0, 2.0]);
}
