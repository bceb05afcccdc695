//! Public tests for `stage5::cnn`: run them with `cargo test -p stage5 --test cnn`.
//!
//! Shapes on all-zero weights, and small examples worked by hand; `grader check stage5.cnn`
//! runs the hidden cases on random weights.

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;
use stage5::cnn::{self, Layer};

#[test]
fn lenet_maps_28x28_images_to_10_scores() {
    // VarBuilder::zeros answers every weight with zeros, so only the shapes are tested here.
    let vb = VarBuilder::zeros(DType::F64, &Device::Cpu);
    let x = Tensor::zeros((2, 1, 28, 28), DType::F64, &Device::Cpu).unwrap();
    let y = cnn::LeNet::new(vb).unwrap().forward(&x).unwrap();
    assert_eq!(y.dims(), &[2, 10]);
}

#[test]
fn a_projected_residual_block_halves_the_side() {
    let vb = VarBuilder::zeros(DType::F64, &Device::Cpu);
    let x = Tensor::ones((1, 4, 8, 8), DType::F64, &Device::Cpu).unwrap();
    let y = cnn::ResidualBlock::new(vb, 4, 8, 2).unwrap().forward(&x).unwrap();
    assert_eq!(y.dims(), &[1, 8, 4, 4]);
}

#[test]
fn the_cost_of_a_small_stack() {
    // conv 1 -> 4, 3x3, bias: 4·9 + 4 = 40 parameters, 4·9·(6·6) = 1296 multiply-adds on 8x8.
    // Flatten 4·6·6 = 144, linear to 10: 1450 parameters, 1440 multiply-adds.
    let layers = [
        Layer::Conv { out: 4, kernel: 3, stride: 1, padding: 0, groups: 1, bias: true },
        Layer::Relu,
        Layer::Flatten,
        Layer::Linear { out: 10, bias: true },
    ];
    let c = cnn::cost(&[1, 8, 8], &layers).unwrap();
    assert_eq!((c.output, c.params, c.macs), (vec![10], 1490, 2736));
}

#[test]
fn iou_of_two_overlapping_squares() {
    // Overlap 1x1, union 4 + 4 - 1 = 7.
    assert!((cnn::iou([0., 0., 2., 2.], [1., 1., 3., 3.]) - 1.0 / 7.0).abs() < 1e-15);
}

#[test]
fn nms_keeps_the_best_of_each_cluster() {
    let boxes = [[0., 0., 10., 10.], [1., 1., 11., 11.], [50., 50., 60., 60.]];
    assert_eq!(cnn::non_max_suppression(&boxes, &[0.6, 0.9, 0.8], 0.5), vec![1, 2]);
}
