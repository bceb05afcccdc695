//! Reading the course's MNIST file and splitting it, given to you complete, for trying your model
//! locally (`examples/try.rs`, your own tests). The grader does not use it: it sends your
//! [`crate::digits::train`] the training images of its own hidden split.
//!
//! Reading the file is the caller's job (`std::fs::read` in `examples/try.rs`): code under
//! `src/` may not touch the file system, the network or the environment (the grader's static
//! gate refuses `std::fs`, `std::net`, `std::env`, `std::process`... there).

use crate::rng::Rng;
use candle_core::{Device, Result, Tensor};

/// Side of an image, in pixels: every image is `SIDE × SIDE`.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;
/// Digits 0 to 9.
pub const CLASSES: usize = 10;

/// Greyscale images of handwritten digits with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Digits {
    /// `PIXELS` bytes per image, row by row: 0 is background, 255 full ink.
    pub pixels: Vec<u8>,
    /// The digit each image shows, `0..10`.
    pub labels: Vec<u32>,
}

impl Digits {
    /// Parses `datasets/mnist/mnist-10k.bin`: records of `1 + PIXELS` bytes, each the label
    /// then the pixels row by row (see `datasets/mnist/SOURCE.md`).
    pub fn parse(bytes: &[u8]) -> std::result::Result<Digits, String> {
        let record = 1 + PIXELS;
        if bytes.is_empty() || !bytes.chunks_exact(record).remainder().is_empty() {
            return Err(format!("{} bytes is not a whole number of {record}-byte records", bytes.len()));
        }
        let (mut pixels, mut labels) = (Vec::with_capacity(bytes.len()), Vec::new());
        for (i, r) in bytes.chunks(record).enumerate() {
            if r[0] as usize >= CLASSES {
                return Err(format!("record {i}: label {}", r[0]));
            }
            labels.push(r[0] as u32);
            pixels.extend_from_slice(&r[1..]);
        }
        Ok(Digits { pixels, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Digits {
        Digits {
            pixels: idx.iter().flat_map(|&i| self.pixels[i * PIXELS..(i + 1) * PIXELS].iter().copied()).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// A stratified draw of two disjoint sets `(train, held_out)` with `n_train` and `n_held_out`
    /// images (`n_train + n_held_out <= len`): every digit gets its share of both, in
    /// proportion to its count (rounded), both sets shuffled. The grader draws its hidden splits
    /// the same way, with its own seeds.
    pub fn stratified_split(&self, n_train: usize, n_held_out: usize, seed: u64) -> (Digits, Digits) {
        assert!(n_train + n_held_out <= self.len(), "asked for more images than there are");
        let mut rng = Rng::new(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        let n = self.len() as f64;
        for class in 0..CLASSES as u32 {
            let mut rows: Vec<usize> = (0..self.len()).filter(|&i| self.labels[i] == class).collect();
            rng.shuffle(&mut rows);
            let share = rows.len() as f64 / n;
            let k_test = ((n_held_out as f64 * share).round() as usize).min(rows.len());
            let k_train = ((n_train as f64 * share).round() as usize).min(rows.len() - k_test);
            test.extend_from_slice(&rows[..k_test]);
            train.extend_from_slice(&rows[k_test..k_test + k_train]);
        }
        rng.shuffle(&mut train);
        rng.shuffle(&mut test);
        (self.subset(&train), self.subset(&test))
    }

    /// The images as an `(n, 1, SIDE, SIDE)` `F32` tensor of pixels / 255 (so in `[0, 1]`),
    /// exactly as the grader sends them (divided in `f64`, then rounded to `f32`).
    pub fn images(&self, device: &Device) -> Result<Tensor> {
        let v: Vec<f32> = self.pixels.iter().map(|&b| (b as f64 / 255.0) as f32).collect();
        Tensor::from_vec(v, (self.len(), 1, SIDE, SIDE), device)
    }
}

/// The share of predictions equal to the labels (0 when there are none).
pub fn accuracy(y: &[u32], predicted: &[u32]) -> f64 {
    if y.is_empty() || y.len() != predicted.len() {
        return 0.0;
    }
    y.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

/// Counts `[true digit][predicted digit]` (`CLASSES × CLASSES`): the diagonal holds the right
/// answers, and a large number off it shows which digit is taken for which.
pub fn confusion(y: &[u32], predicted: &[u32]) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; CLASSES]; CLASSES];
    for (&t, &p) in y.iter().zip(predicted) {
        if (t as usize) < CLASSES && (p as usize) < CLASSES {
            m[t as usize][p as usize] += 1;
        }
    }
    m
}
