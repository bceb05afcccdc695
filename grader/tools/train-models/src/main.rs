//! Trains the course's logistic-regression models on the even rows of the breast-cancer data set
//! with Stage 2's reference `LogisticRegression` (standardised features), and writes the versions
//! Stage 7's services serve as safetensors:
//!
//! ```text
//! cargo run --release -p course-train-models --bin train_breast_cancer -- \
//!     datasets/breast_cancer/breast_cancer.csv datasets/breast_cancer/logistic-even-rows.safetensors
//! ```
//!
//! Each version is folded back to raw units (`w_j / std_j`, `b - Σ w_j mean_j / std_j`), so that a
//! service scores a row of the CSV as it is: `σ(w · x + b)`, 1 = malignant. Tensors
//! `v{k}.weight` (30) and `v{k}.bias` (1), all `F64`, for k = 1..4 (more epochs, less L2, from one
//! version to the next). Deterministic: full-batch gradient descent from zero.

use ndarray::{Array1, Array2};
use stage2::data::StandardScaler;
use stage2::models::LogisticRegression;

/// `(epochs, l2)` of each version, at learning rate 0.1.
const VERSIONS: [(usize, f64); 4] = [(50, 0.05), (200, 0.01), (800, 0.003), (3000, 0.0)];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, csv, out] = args.as_slice() else {
        return Err("usage: train_breast_cancer BREAST_CANCER_CSV OUT_SAFETENSORS".into());
    };
    let text = std::fs::read_to_string(csv)?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        rows.push(line.split(',').map(str::parse).collect::<Result<_, _>>()?);
    }
    let d = rows[0].len() - 1;
    let split = |parity: usize| -> (Array2<f64>, Vec<usize>) {
        let picked: Vec<&Vec<f64>> = rows.iter().enumerate().filter(|(i, _)| i % 2 == parity).map(|(_, r)| r).collect();
        let x = Array2::from_shape_fn((picked.len(), d), |(i, j)| picked[i][j]);
        let y = picked.iter().map(|r| r[d] as usize).collect();
        (x, y)
    };
    let (x_train, y_train) = split(0);
    let (x_held, y_held) = split(1);
    let scaler = StandardScaler::fit(x_train.view()).map_err(|e| format!("{e:?}"))?;
    let z = scaler.transform(x_train.view()).map_err(|e| format!("{e:?}"))?;
    let mut tensors: Vec<(String, Vec<f64>)> = Vec::new();
    for (k, (epochs, l2)) in VERSIONS.iter().enumerate() {
        let m = LogisticRegression::fit(z.view(), &y_train, 0.1, *epochs, *l2).map_err(|e| format!("{e:?}"))?;
        let scale = scaler.std.mapv(|s| if s == 0.0 { 1.0 } else { s });
        let w: Array1<f64> = &m.weights / &scale;
        let b = m.intercept - (&w * &scaler.mean).sum();
        let raw = LogisticRegression { weights: w.clone(), intercept: b };
        let acc = |x: &Array2<f64>, y: &[usize]| {
            raw.predict(x.view()).iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
        };
        println!(
            "v{}: {epochs} epochs, l2 {l2}: accuracy {:.4} on the even rows, {:.4} on the odd rows",
            k + 1,
            acc(&x_train, &y_train),
            acc(&x_held, &y_held)
        );
        tensors.push((format!("v{}.weight", k + 1), w.to_vec()));
        tensors.push((format!("v{}.bias", k + 1), vec![b]));
    }
    let bytes: Vec<(String, Vec<u8>, usize)> = tensors
        .into_iter()
        .map(|(name, v)| {
            let n = v.len();
            (name, v.iter().flat_map(|x| x.to_le_bytes()).collect(), n)
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = bytes
        .iter()
        .map(|(name, b, n)| {
            Ok((name.clone(), safetensors::tensor::TensorView::new(safetensors::Dtype::F64, vec![*n], b)?))
        })
        .collect::<Result<_, safetensors::SafeTensorError>>()?;
    safetensors::serialize_to_file(views, None, std::path::Path::new(out))?;
    Ok(())
}
