//! Quick checks of the digits API on a few hundred real images: `cargo test -p mp2 --test smoke`
//! (add `--release` for speed: candle in a debug build is many times slower). The grader's
//! evaluation is hidden and much stricter: see the README and
//! `cargo run --release -p mp2 --example try`.

use mp2::candle_core::{Device, Tensor};
use mp2::data::{accuracy, Digits};

fn digits() -> Digits {
    let path = format!("{}/../../datasets/mnist/mnist-10k.bin", env!("CARGO_MANIFEST_DIR"));
    Digits::parse(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("the course's file parses")
}

#[test]
fn learns_from_a_few_hundred_images() {
    let (train, test) = digits().stratified_split(500, 300, 1);
    let (x, xt) = (train.images(&Device::Cpu).unwrap(), test.images(&Device::Cpu).unwrap());
    let (model, losses) = mp2::digits::train(&x, &train.labels, 3).unwrap();
    assert!(!losses.is_empty() && losses.iter().all(|l| l.is_finite() && *l >= 0.0), "loss curve {losses:?}");
    let predicted = model.predict(&xt).unwrap();
    assert_eq!(predicted.len(), test.len());
    assert!(predicted.iter().all(|&d| d < 10), "digits outside 0..10");
    let acc = accuracy(&test.labels, &predicted);
    // Chance is 0.1: a network that learns anything at all is far above 0.6, even from 500 images.
    assert!(acc >= 0.6, "held-out accuracy {acc} after training on 500 images; losses {losses:?}");
}

#[test]
fn same_seed_same_losses_and_predictions() {
    let (train, test) = digits().stratified_split(100, 50, 2);
    let (x, xt) = (train.images(&Device::Cpu).unwrap(), test.images(&Device::Cpu).unwrap());
    let (a, la) = mp2::digits::train(&x, &train.labels, 9).unwrap();
    let (b, lb) = mp2::digits::train(&x, &train.labels, 9).unwrap();
    assert_eq!(la, lb, "training twice with seed 9 gave different losses");
    assert_eq!(a.predict(&xt).unwrap(), b.predict(&xt).unwrap(), "and different predictions");
}

#[test]
fn refuses_inputs_that_make_no_sense() {
    let x = Tensor::zeros((3, 1, 28, 28), mp2::candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(mp2::digits::train(&x, &[1, 2], 0).is_err(), "3 images but 2 labels");
    assert!(mp2::digits::train(&x, &[1, 2, 10], 0).is_err(), "label 10 is not a digit");
    let flat = Tensor::zeros((3, 784), mp2::candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(mp2::digits::train(&flat, &[1, 2, 3], 0).is_err(), "images must be (n, 1, 28, 28)");
}
