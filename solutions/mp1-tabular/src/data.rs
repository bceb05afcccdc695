//! Parsing a course data set and splitting it, given to you complete, for trying your model
//! locally (`examples/try.rs`, your own tests). The grader does not use it: it sends your
//! [`crate::train`] the training rows of its own hidden split.
//!
//! Reading the file is the caller's job (`std::fs::read_to_string` in `examples/try.rs`): code
//! under `src/` may not touch the file system, the network or the environment (the grader's
//! static gate refuses `std::fs`, `std::net`, `std::env`, `std::process`... there).

use crate::rng::Rng;
use candle_core::{Device, Result, Tensor};

/// A table of numeric features with one integer class label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The column names of the features.
    pub feature_names: Vec<String>,
    /// One row of features per sample.
    pub x: Vec<Vec<f64>>,
    /// The class of each row, in `0..n_classes`.
    pub y: Vec<u32>,
    pub n_classes: usize,
}

impl Dataset {
    /// Parses a CSV text with a header line, numeric feature columns and the class (an integer
    /// `0, 1, ...`) in the last column, like `datasets/breast_cancer/breast_cancer.csv` and
    /// `datasets/wine/wine.csv`. No quoting: the course's numeric files need none.
    pub fn parse_csv(text: &str) -> std::result::Result<Dataset, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines.next().ok_or("empty file")?;
        let mut names: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
        if names.len() < 2 {
            return Err("need at least one feature column and the label column".into());
        }
        names.pop();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != names.len() + 1 {
                return Err(format!("line {}: {} fields, expected {}", i + 2, fields.len(), names.len() + 1));
            }
            let row = fields[..names.len()]
                .iter()
                .map(|f| f.parse::<f64>().map_err(|e| format!("line {}: `{f}`: {e}", i + 2)))
                .collect::<std::result::Result<Vec<f64>, String>>()?;
            let label = fields[names.len()];
            x.push(row);
            y.push(label.parse::<u32>().map_err(|e| format!("line {}: label `{label}`: {e}", i + 2))?);
        }
        let n_classes = y.iter().max().map_or(0, |&m| m as usize + 1);
        Ok(Dataset { feature_names: names, x, y, n_classes })
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The rows `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        Dataset {
            feature_names: self.feature_names.clone(),
            x: idx.iter().map(|&i| self.x[i].clone()).collect(),
            y: idx.iter().map(|&i| self.y[i]).collect(),
            n_classes: self.n_classes,
        }
    }

    /// A stratified split `(train, held_out)`: in each class, a shuffled `held_out_fraction`
    /// of the rows (rounded) is held out, so both parts keep the class proportions. The grader
    /// splits the same way, with its own hidden seeds.
    pub fn stratified_split(&self, held_out_fraction: f64, seed: u64) -> (Dataset, Dataset) {
        let mut rng = Rng::new(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for class in 0..self.n_classes as u32 {
            let mut rows: Vec<usize> = (0..self.len()).filter(|&i| self.y[i] == class).collect();
            rng.shuffle(&mut rows);
            let n_test = (rows.len() as f64 * held_out_fraction).round() as usize;
            test.extend_from_slice(&rows[..n_test]);
            train.extend_from_slice(&rows[n_test..]);
        }
        rng.shuffle(&mut train);
        rng.shuffle(&mut test);
        (self.subset(&train), self.subset(&test))
    }

    /// The features as an `(n, d)` `F64` tensor, as the grader sends them.
    pub fn x_tensor(&self, device: &Device) -> Result<Tensor> {
        let d = self.feature_names.len();
        let flat: Vec<f64> = self.x.iter().flatten().copied().collect();
        Tensor::from_vec(flat, (self.len(), d), device)
    }
}

/// The share of predictions equal to the labels (0 when there are none).
pub fn accuracy(y: &[u32], predicted: &[u32]) -> f64 {
    if y.is_empty() || y.len() != predicted.len() {
        return 0.0;
    }
    y.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}
