//! What layers learn, and transfer learning.
//!
//! A trained network is a stack of feature extractors: each hidden layer re-describes its input
//! so that the next can work with it. A *linear probe* measures how useful a layer's features are
//! by training the simplest possible classifier, a linear one, on them: the better it does, the
//! more the task is "linearly readable" from that layer. On the classes a network was trained
//! for, deeper layers read better; on new classes, the early layers' features often carry over
//! better than the last ones, which have specialised. *Transfer learning* uses exactly that:
//! keep (freeze) the pretrained early layers, replace the head, and train the rest on the new
//! task, which needs far less data than training from scratch.
//!
//! The course's pretrained network (`datasets/digits/mlp-digits-0to4.safetensors`, trained by
//! `solutions/stage4/examples/pretrain_digits.rs`) is `64 → 32 → 32 → 5`, ReLU after each hidden
//! layer, trained on the digits 0 to 4 of the 8×8 digits (pixels divided by 16). Layers are
//! `(W, b)` pairs, `W` of shape `(out, in)` as in candle-nn's `Linear`: `x·Wᵀ + b`.

use candle_core::{DType, Tensor, Var, D};

/// Why a transfer-learning function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferError {
    /// Tensors whose shapes do not fit together, or no layers.
    ShapeMismatch,
    /// A label out of range, a rate or penalty out of its domain, or more frozen layers than
    /// there are below the head.
    InvalidArgument,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`TransferError::Candle`].
impl From<candle_core::Error> for TransferError {
    fn from(e: candle_core::Error) -> Self {
        TransferError::Candle(e.to_string())
    }
}

/// Layers must chain: layer `l`'s `W` is `(out_l, in_l)` with `in_l` the previous `out`, and
/// `b` is `(out_l,)`; `x` is `(batch, in_0)`.
fn check_layers(layers: &[(Tensor, Tensor)], x: &Tensor) -> Result<(), TransferError> {
    if layers.is_empty() || x.rank() != 2 {
        return Err(TransferError::ShapeMismatch);
    }
    let mut width = x.dim(1)?;
    for (w, b) in layers {
        if w.rank() != 2 || w.dim(1)? != width || b.dims() != [w.dim(0)?] {
            return Err(TransferError::ShapeMismatch);
        }
        width = w.dim(0)?;
    }
    Ok(())
}

fn dense(h: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    h.matmul(&w.t()?)?.broadcast_add(b)
}

/// The features a network's successive layers compute: the input itself, then the output of
/// every hidden layer after its ReLU (the head's logits are not features). For `n` layers that
/// is `n` tensors: `[x, relu(x·W_0ᵀ + b_0), relu(h_1·W_1ᵀ + b_1), ...]`, each `(batch, width)`.
///
/// Errors: layers that do not chain, or `x` not `(batch, in_0)`: `Err(ShapeMismatch)`.
pub fn hidden_features(layers: &[(Tensor, Tensor)], x: &Tensor) -> Result<Vec<Tensor>, TransferError> {
    check_layers(layers, x)?;
    let mut features = vec![x.clone()];
    for (w, b) in &layers[..layers.len() - 1] {
        let h = dense(features.last().expect("at least x"), w, b)?.relu()?;
        features.push(h);
    }
    Ok(features)
}

/// A linear probe: a ridge-regression classifier trained on `train` features and applied to
/// `test` features; returns the predicted class of every test row.
///
/// Append a column of ones to the features (a bias), giving `F` (`n × (d+1)`), and one-hot
/// targets `Y` (`n × classes`). Solve the ridge normal equations
///
/// ```text
/// (Fᵀ F + l2 · I) B = Fᵀ Y          (the bias is penalised like every other weight)
/// ```
///
/// for `B` (`(d+1) × classes`) with a Cholesky factorisation (the matrix is symmetric positive
/// definite for `l2 > 0`), then predict `argmax_c (f · B)_c` for every test row `f` with its
/// appended one (the lowest class among equal scores). This is scikit-learn's
/// `RidgeClassifier(alpha=l2, fit_intercept=False)` on the features with a ones column (it uses
/// targets ±1 instead of 1/0, which changes no argmax). Work in `f64`.
///
/// Errors: `train` and `test` not 2-D with the same number of columns, or `train_labels` not one
/// per train row: `Err(ShapeMismatch)`; a label `>= classes`, `classes = 0`, or `l2` not finite
/// and `> 0`: `Err(InvalidArgument)`.
pub fn linear_probe(
    train: &Tensor,
    train_labels: &[u32],
    test: &Tensor,
    classes: usize,
    l2: f64,
) -> Result<Vec<u32>, TransferError> {
    if train.rank() != 2 || test.rank() != 2 || train.dim(1)? != test.dim(1)? || train.dim(0)? != train_labels.len() {
        return Err(TransferError::ShapeMismatch);
    }
    if classes == 0 || train_labels.iter().any(|&c| c as usize >= classes) || !(l2.is_finite() && l2 > 0.0) {
        return Err(TransferError::InvalidArgument);
    }
    let with_ones = |t: &Tensor| -> Result<Vec<Vec<f64>>, TransferError> {
        let rows = t.to_dtype(DType::F64)?.to_vec2::<f64>()?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.push(1.0);
                r
            })
            .collect())
    };
    let (f, t) = (with_ones(train)?, with_ones(test)?);
    let d = train.dim(1)? + 1;
    // A = Fᵀ F + l2 I, and the right-hand sides Fᵀ Y, one column per class.
    let mut a = vec![0.0; d * d];
    let mut rhs = vec![0.0; d * classes];
    for (row, &label) in f.iter().zip(train_labels) {
        for i in 0..d {
            for j in 0..=i {
                a[i * d + j] += row[i] * row[j];
            }
            rhs[i * classes + label as usize] += row[i];
        }
    }
    for i in 0..d {
        a[i * d + i] += l2;
    }
    // Cholesky A = L Lᵀ in the lower triangle of `a`.
    for i in 0..d {
        for j in 0..=i {
            let s = a[i * d + j] - (0..j).map(|k| a[i * d + k] * a[j * d + k]).sum::<f64>();
            a[i * d + j] = if i == j { s.sqrt() } else { s / a[j * d + j] };
        }
    }
    let mut beta = vec![0.0; d * classes];
    for c in 0..classes {
        let mut z = vec![0.0; d];
        for i in 0..d {
            z[i] = (rhs[i * classes + c] - (0..i).map(|k| a[i * d + k] * z[k]).sum::<f64>()) / a[i * d + i];
        }
        for i in (0..d).rev() {
            let s = (i + 1..d).map(|k| a[k * d + i] * beta[k * classes + c]).sum::<f64>();
            beta[i * classes + c] = (z[i] - s) / a[i * d + i];
        }
    }
    Ok(t.iter()
        .map(|row| {
            let score = |c: usize| (0..d).map(|i| row[i] * beta[i * classes + c]).sum::<f64>();
            let mut best = (0, score(0));
            for c in 1..classes {
                let s = score(c);
                if s > best.1 {
                    best = (c, s);
                }
            }
            best.0 as u32
        })
        .collect())
}

/// Transfer learning: takes a pretrained network, replaces its head (the last layer) with a new
/// one for `classes` classes, keeps the first `frozen` layers fixed, and trains the rest on
/// `(x, labels)`. Returns every layer after training, the new head last.
///
/// - The new head is `(classes, width)` of zeros with a zero bias, where `width` is the output
///   width of the last hidden layer (so the start does not depend on any random draw).
/// - Forward: ReLU after every layer but the head; the loss is the mean softmax cross-entropy of
///   the head's logits (`candle_nn::loss::cross_entropy`).
/// - `steps` steps of full-batch gradient descent, `θ ← θ − lr · ∂loss/∂θ`, on the weights and
///   biases of every layer from `frozen` on (the head included).
/// - Frozen layers must come back bit for bit as they went in: never update them (and do not let
///   an optimiser see them).
///
/// With `frozen = 0` every layer trains (fine-tuning all the way down); with `frozen =
/// pretrained.len() − 1` only the head does (a linear probe trained by gradient descent). The
/// grader also calls this function on a randomly initialised network with `frozen = 0`, to
/// compare fine-tuning with training from scratch at the same budget on a hidden split.
///
/// Errors: layers that do not chain or `x` that does not fit: `Err(ShapeMismatch)`; `labels` not
/// one per row: `Err(ShapeMismatch)`; `frozen >= pretrained.len()`, `classes = 0`, a label `>=
/// classes`, or `lr` negative or not finite: `Err(InvalidArgument)`.
pub fn fine_tune(
    pretrained: &[(Tensor, Tensor)],
    frozen: usize,
    classes: usize,
    x: &Tensor,
    labels: &[u32],
    steps: usize,
    lr: f64,
) -> Result<Vec<(Tensor, Tensor)>, TransferError> {
    check_layers(pretrained, x)?;
    if labels.len() != x.dim(0)? {
        return Err(TransferError::ShapeMismatch);
    }
    let n = pretrained.len();
    let bad_labels = classes == 0 || labels.iter().any(|&c| c as usize >= classes);
    if frozen >= n || bad_labels || !(lr.is_finite() && lr >= 0.0) {
        return Err(TransferError::InvalidArgument);
    }
    let width = pretrained[n - 1].0.dim(1)?;
    let (dtype, dev) = (pretrained[0].0.dtype(), pretrained[0].0.device());
    let mut layers: Vec<(Tensor, Tensor)> = pretrained[..n - 1].to_vec();
    layers.push((Tensor::zeros((classes, width), dtype, dev)?, Tensor::zeros(classes, dtype, dev)?));
    let vars: Vec<(Var, Var)> = layers[frozen..]
        .iter()
        .map(|(w, b)| Ok((Var::from_tensor(w)?, Var::from_tensor(b)?)))
        .collect::<candle_core::Result<_>>()?;
    let targets = Tensor::from_vec(labels.to_vec(), labels.len(), dev)?;
    for _ in 0..steps {
        let mut h = x.clone();
        for l in 0..n {
            let (w, b) = if l < frozen {
                (&layers[l].0, &layers[l].1)
            } else {
                (vars[l - frozen].0.as_tensor(), vars[l - frozen].1.as_tensor())
            };
            h = dense(&h, w, b)?;
            if l + 1 < n {
                h = h.relu()?;
            }
        }
        let loss = candle_nn::loss::cross_entropy(&h, &targets)?;
        let grads = loss.backward()?;
        for (w, b) in &vars {
            for v in [w, b] {
                if let Some(g) = grads.get(v.as_tensor()) {
                    v.set(&(v.as_tensor() - (g * lr)?)?)?;
                }
            }
        }
    }
    for (l, (w, b)) in vars.iter().enumerate() {
        layers[frozen + l] = (w.as_tensor().copy()?, b.as_tensor().copy()?);
    }
    Ok(layers)
}

/// The class a network predicts for every row of `x` (given, not graded: the argmax of the
/// head's logits, ReLU after every other layer).
pub fn predict(layers: &[(Tensor, Tensor)], x: &Tensor) -> Result<Vec<u32>, TransferError> {
    check_layers(layers, x)?;
    let mut h = x.clone();
    for (l, (w, b)) in layers.iter().enumerate() {
        h = dense(&h, w, b)?;
        if l + 1 < layers.len() {
            h = h.relu()?;
        }
    }
    Ok(h.argmax(D::Minus1)?.to_vec1::<u32>()?)
}
