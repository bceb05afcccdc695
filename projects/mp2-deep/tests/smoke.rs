//! Quick checks of the digits and spam APIs on a few hundred real images and e-mails: `cargo test -p mp2 --test smoke`
//! (add `--release` for speed: candle in a debug build is many times slower). The grader's
//! evaluation is hidden and much stricter: see the README and
//! `cargo run --release -p mp2 --example try`.

use mp2::candle_core::{Device, Tensor};
use mp2::data::{accuracy, f1, Digits, Emails};

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

fn emails() -> Emails {
    let path = format!("{}/../../datasets/spamassassin/spam.tsv", env!("CARGO_MANIFEST_DIR"));
    Emails::parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("the course's file parses")
}

#[test]
fn spam_learns_from_a_few_hundred_emails() {
    let (train, test) = emails().stratified_split(600, 300, 1);
    let (model, losses) = mp2::spam::train(&train.texts(), &train.labels, 3).unwrap();
    assert!(!losses.is_empty() && losses.iter().all(|l| l.is_finite() && *l >= 0.0), "loss curve {losses:?}");
    let predicted = model.predict(&test.texts()).unwrap();
    assert_eq!(predicted.len(), test.len());
    assert!(predicted.iter().all(|&c| c < 2), "labels other than 0 and 1");
    let acc = accuracy(&test.labels, &predicted);
    // Always "ham" scores 2/3: a model that learns anything at all is far above 0.85.
    assert!(acc >= 0.85, "held-out accuracy {acc} after training on 600 e-mails; losses {losses:?}");
    assert!(f1(&test.labels, &predicted, 1) >= 0.7, "spam F1 after training on 600 e-mails");
}

#[test]
fn spam_same_seed_same_losses_and_predictions() {
    let (train, test) = emails().stratified_split(200, 100, 2);
    let (a, la) = mp2::spam::train(&train.texts(), &train.labels, 9).unwrap();
    let (b, lb) = mp2::spam::train(&train.texts(), &train.labels, 9).unwrap();
    assert_eq!(la, lb, "training twice with seed 9 gave different losses");
    assert_eq!(a.predict(&test.texts()).unwrap(), b.predict(&test.texts()).unwrap(), "and different predictions");
}

#[test]
fn spam_labels_odd_emails_and_refuses_inputs_that_make_no_sense() {
    let (train, _) = emails().stratified_split(100, 0, 4);
    let (model, _) = mp2::spam::train(&train.texts(), &train.labels, 0).unwrap();
    let odd = ["", "!!! ???", "Привет, мир"];
    let labels = model.predict(&odd).unwrap();
    assert!(labels.len() == 3 && labels.iter().all(|&c| c < 2), "e-mails without words get labels too: {labels:?}");
    assert!(mp2::spam::train(&["a", "b", "c"], &[1, 0], 0).is_err(), "3 texts but 2 labels");
    assert!(mp2::spam::train(&["a", "b"], &[1, 2], 0).is_err(), "label 2 is neither ham nor spam");
    assert!(mp2::spam::train(&[], &[], 0).is_err(), "no texts");
}
