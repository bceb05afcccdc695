//! Probe for mini-project 2: trains the `mp2` crate's network (the student's project or the
//! reference) on the grader's training set and predicts its held-out set.
//!
//! Every input is `(train, labels_train, held_out, seed)`: for `digits` the images
//! `(n, 1, 28, 28)` with pixels in `[0, 1]`, handed to the project as `F32` tensors; for `spam`
//! the e-mails as texts, labels 0 (ham) and 1 (spam). The held-out labels never come here: the
//! grader keeps them and scores the predictions itself. An error the project returns travels
//! with its message (see [`Reported`]), not only its variant's name.

use candle_core::{DType, Tensor};
use probe_runtime::tensor::Reported;

/// This glue crate's marker for `Arg` and [`Ret`].
pub struct Mp2;

probe_runtime::glue! { Mp2;
    // One training run: the loss of each epoch and the held-out predictions.
    "mp2.digits.accuracy" => |images: Tensor, labels: Vec<u32>, held_out: Tensor, seed: u64| {
        Reported(train_and_predict(&images, &labels, &held_out, seed))
    };
    // Trains twice with the same seed: both runs' losses, then both runs' predictions.
    "mp2.digits.reproducible" => |images: Tensor, labels: Vec<u32>, held_out: Tensor, seed: u64| {
        Reported(twice(|| train_and_predict(&images, &labels, &held_out, seed)))
    };
    // Task "spam": the same two, on e-mails.
    "mp2.spam.accuracy" => |texts: Vec<&str>, labels: Vec<u32>, held_out: Vec<&str>, seed: u64| {
        Reported(spam_train_and_predict(&texts, &labels, &held_out, seed))
    };
    "mp2.spam.reproducible" => |texts: Vec<&str>, labels: Vec<u32>, held_out: Vec<&str>, seed: u64| {
        Reported(twice(|| spam_train_and_predict(&texts, &labels, &held_out, seed)))
    };
}

/// `(losses per epoch, held-out labels)` of one model trained with `seed`.
fn train_and_predict(
    images: &Tensor,
    labels: &[u32],
    held_out: &Tensor,
    seed: u64,
) -> candle_core::Result<(Vec<f64>, Vec<u32>)> {
    let (images, held_out) = (images.to_dtype(DType::F32)?, held_out.to_dtype(DType::F32)?);
    let (model, losses) = mp2::digits::train(&images, labels, seed)?;
    Ok((losses, model.predict(&held_out)?))
}

/// `(losses per epoch, held-out labels)` of one spam model trained with `seed`.
fn spam_train_and_predict(
    texts: &[&str],
    labels: &[u32],
    held_out: &[&str],
    seed: u64,
) -> candle_core::Result<(Vec<f64>, Vec<u32>)> {
    let (model, losses) = mp2::spam::train(texts, labels, seed)?;
    Ok((losses, model.predict(held_out)?))
}

/// `(losses 1, losses 2, labels 1, labels 2)`.
type TwoRuns = (Vec<f64>, Vec<f64>, Vec<u32>, Vec<u32>);

/// `(losses 1, losses 2, labels 1, labels 2)` of two models trained with the same seed (`run`,
/// twice); the first error if either run fails (both always run).
fn twice(run: impl Fn() -> candle_core::Result<(Vec<f64>, Vec<u32>)>) -> candle_core::Result<TwoRuns> {
    let (first, second) = (run(), run());
    let ((c1, l1), (c2, l2)) = (first?, second?);
    Ok((c1, c2, l1, l2))
}

fn main() {
    probe_runtime::serve(dispatch)
}
