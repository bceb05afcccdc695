//! Reading the course's data files and splitting them, given to you complete, for trying your
//! model locally (`examples/try.rs`, your own tests): MNIST ([`Digits`], task "digits") and the
//! SpamAssassin e-mails ([`Emails`], task "spam"). The grader does not use it: it sends your
//! `train` the training set of its own hidden split.
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
        let (train, test) = stratified(&self.labels, CLASSES, n_train, n_held_out, seed);
        (self.subset(&train), self.subset(&test))
    }

    /// The images as an `(n, 1, SIDE, SIDE)` `F32` tensor of pixels / 255 (so in `[0, 1]`),
    /// exactly as the grader sends them (divided in `f64`, then rounded to `f32`).
    pub fn images(&self, device: &Device) -> Result<Tensor> {
        let v: Vec<f32> = self.pixels.iter().map(|&b| (b as f64 / 255.0) as f32).collect();
        Tensor::from_vec(v, (self.len(), 1, SIDE, SIDE), device)
    }
}

/// Indices of a stratified draw of two disjoint sets `(train, held_out)` of `n_train` and
/// `n_held_out` items whose labels are in `0..classes` (`n_train + n_held_out <= labels.len()`):
/// every class gets its share of both, in proportion to its count (rounded), both sets shuffled.
fn stratified(
    labels: &[u32],
    classes: usize,
    n_train: usize,
    n_held_out: usize,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    assert!(n_train + n_held_out <= labels.len(), "asked for more items than there are");
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let n = labels.len() as f64;
    for class in 0..classes as u32 {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut rows);
        let share = rows.len() as f64 / n;
        let k_test = ((n_held_out as f64 * share).round() as usize).min(rows.len());
        let k_train = ((n_train as f64 * share).round() as usize).min(rows.len() - k_test);
        test.extend_from_slice(&rows[..k_test]);
        train.extend_from_slice(&rows[k_test..k_test + k_train]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    (train, test)
}

/// E-mails labelled ham (0, wanted mail) or spam (1), each one string: the subject, a newline,
/// then the body's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Emails {
    pub texts: Vec<String>,
    /// 0 ham, 1 spam.
    pub labels: Vec<u32>,
}

impl Emails {
    /// Parses `datasets/spamassassin/spam.tsv`: one e-mail per line, `label TAB subject TAB
    /// body`, the label `ham` or `spam` (see `datasets/spamassassin/SOURCE.md`). Each e-mail's
    /// text is `subject + "\n" + body`, exactly as the grader sends it.
    pub fn parse(text: &str) -> std::result::Result<Emails, String> {
        let (mut texts, mut labels) = (Vec::new(), Vec::new());
        for (i, line) in text.lines().enumerate() {
            let mut fields = line.splitn(3, '\t');
            let (label, subject, body) = match (fields.next(), fields.next(), fields.next()) {
                (Some(l), Some(s), Some(b)) => (l, s, b),
                _ => return Err(format!("line {}: expected label, subject and body", i + 1)),
            };
            labels.push(match label {
                "ham" => 0,
                "spam" => 1,
                other => return Err(format!("line {}: label {other:?}", i + 1)),
            });
            texts.push(format!("{subject}\n{body}"));
        }
        if texts.is_empty() {
            return Err("no e-mails".into());
        }
        Ok(Emails { texts, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The e-mails `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> Emails {
        Emails {
            texts: idx.iter().map(|&i| self.texts[i].clone()).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// A stratified draw of two disjoint sets `(train, held_out)`, as [`Digits::stratified_split`]
    /// (spam and ham each in proportion to its count). The grader draws its hidden splits the
    /// same way, with its own seeds.
    pub fn stratified_split(&self, n_train: usize, n_held_out: usize, seed: u64) -> (Emails, Emails) {
        let (train, test) = stratified(&self.labels, 2, n_train, n_held_out, seed);
        (self.subset(&train), self.subset(&test))
    }

    /// The texts as `&str`s, as `train` and `predict` take them.
    pub fn texts(&self) -> Vec<&str> {
        self.texts.iter().map(String::as_str).collect()
    }
}

/// F1 score of the class `positive` (spam, for the task "spam"): the harmonic mean of precision
/// (the share of the items predicted `positive` that are) and recall (the share of the
/// `positive` items predicted so), `2 tp / (2 tp + fp + fn)`; 0 when there is no `positive` item
/// or prediction at all.
pub fn f1(y: &[u32], predicted: &[u32], positive: u32) -> f64 {
    let (mut tp, mut wrong) = (0usize, 0usize);
    for (&t, &p) in y.iter().zip(predicted) {
        match (t == positive, p == positive) {
            (true, true) => tp += 1,
            (true, false) | (false, true) => wrong += 1,
            _ => {}
        }
    }
    if tp == 0 {
        return 0.0;
    }
    2.0 * tp as f64 / (2 * tp + wrong) as f64
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
    confusion_of(CLASSES, y, predicted)
}

/// Counts `[true class][predicted class]` for `classes` classes (2 for spam: rows and columns
/// ham, spam).
pub fn confusion_of(classes: usize, y: &[u32], predicted: &[u32]) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; classes]; classes];
    for (&t, &p) in y.iter().zip(predicted) {
        if (t as usize) < classes && (p as usize) < classes {
            m[t as usize][p as usize] += 1;
        }
    }
    m
}
