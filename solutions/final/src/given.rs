//! The course's given types, complete: the task, the training set, a prediction's input, the
//! service's configuration, the error type, the data directory's layout, a seeded random number
//! generator, and the readers of the course's data files (for the `train` binary and your own
//! experiments). The grader's glue uses these same types to call your code: do not change them.
//!
//! Nothing here touches the file system: readers take bytes or text that the caller has read.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Pixels per image of the task "digits": 28 × 28, row by row.
pub const PIXELS: usize = 784;
/// The folder of `data_dir` that holds the model versions: `models/v1.bin`, `models/v2.bin`, ...
pub const MODEL_DIR: &str = "models";
/// The file of `data_dir` that names the active version (`v2`, a newline allowed); absent: the
/// newest version is active.
pub const ACTIVE_FILE: &str = "active";
/// The file of `data_dir` that holds the feedback records, one per line.
pub const FEEDBACK_FILE: &str = "feedback.log";
/// The largest request body the service reads, in bytes (1 MiB): larger ones are answered 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The longest text `/v1/predict` accepts, in bytes (task "spam").
pub const MAX_TEXT_BYTES: usize = 100_000;

/// Which model the project serves: a spam filter or a digit recogniser (`project.toml`'s
/// `task`, `"spam"` or `"digits"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// E-mails: label 0 ham (wanted mail), 1 spam.
    Spam,
    /// 28 × 28 images of handwritten digits: labels 0 to 9.
    Digits,
}

impl Task {
    /// The number of labels: 2 for spam, 10 for digits. Labels are `0..classes()`.
    pub fn classes(self) -> u32 {
        match self {
            Task::Spam => 2,
            Task::Digits => 10,
        }
    }

    /// `"spam"` or `"digits"`.
    pub fn name(self) -> &'static str {
        match self {
            Task::Spam => "spam",
            Task::Digits => "digits",
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Task {
    type Err = Error;

    fn from_str(s: &str) -> Result<Task, Error> {
        match s {
            "spam" => Ok(Task::Spam),
            "digits" => Ok(Task::Digits),
            other => Err(Error::new(format!("unknown task {other:?}: expected \"spam\" or \"digits\""))),
        }
    }
}

/// What `train` learns from. For [`Task::Spam`], `texts` holds the e-mails (subject, a newline,
/// the body) and `images` is empty; for [`Task::Digits`], `images` holds the images
/// ([`PIXELS`] numbers each, in `[0, 1]`: 0 background, 1 full ink) and `texts` is empty.
/// `labels[i]` is the label of the i-th e-mail or image, in `0..task.classes()`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSet {
    pub task: Task,
    pub texts: Vec<String>,
    pub images: Vec<Vec<f32>>,
    pub labels: Vec<u32>,
}

impl TrainingSet {
    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The examples `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> TrainingSet {
        TrainingSet {
            task: self.task,
            texts: if self.texts.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| self.texts[i].clone()).collect()
            },
            images: if self.images.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| self.images[i].clone()).collect()
            },
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// A stratified draw of two disjoint sets `(train, held_out)` of `n_train` and `n_held_out`
    /// examples (`n_train + n_held_out <= len`): every label gets its share of both, in
    /// proportion to its count (rounded), both sets shuffled. The grader draws its hidden
    /// splits the same way, with its own seeds.
    pub fn stratified_split(&self, n_train: usize, n_held_out: usize, seed: u64) -> (TrainingSet, TrainingSet) {
        assert!(n_train + n_held_out <= self.len(), "asked for more examples than there are");
        let mut rng = Rng::new(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        let n = self.len() as f64;
        for class in 0..self.task.classes() {
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

    /// The i-th example as a prediction's input.
    pub fn input(&self, i: usize) -> Input {
        match self.task {
            Task::Spam => Input::Text(self.texts[i].clone()),
            Task::Digits => Input::Pixels(self.images[i].clone()),
        }
    }
}

/// One thing to classify: an e-mail's text (task "spam") or an image's [`PIXELS`] pixels in
/// `[0, 1]` (task "digits").
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    Pixels(Vec<f32>),
}

/// What the service is started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The task of the models in `data_dir`.
    pub task: Task,
    /// The service's directory: `models/v{n}.bin`, `active`, `feedback.log` (see the README).
    pub data_dir: PathBuf,
    /// The bearer token the protected routes require.
    pub token: String,
    /// Turns `true` when the service must drain (a SIGTERM arrived): readiness answers 503 from
    /// then on, requests in flight finish, then the glue stops the server.
    pub draining: tokio::sync::watch::Receiver<bool>,
}

/// An error with a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(format!("I/O: {e}"))
    }
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Error {
        Error::new(format!("candle: {e}"))
    }
}

/// The name of version `n`: `"v2"` for 2.
pub fn version_name(n: u32) -> String {
    format!("v{n}")
}

/// The number of a version's name: `Some(2)` for `"v2"`; `None` for anything else (`"v0"`,
/// `"2"`, `"v02"`, `"v-1"`). Versions are numbered from 1.
pub fn parse_version(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('v')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Where version `n`'s model lives: `data_dir/models/v{n}.bin`.
pub fn model_path(data_dir: &Path, n: u32) -> PathBuf {
    data_dir.join(MODEL_DIR).join(format!("{}.bin", version_name(n)))
}

/// SplitMix64 (Steele, Lea and Flood, 2014), the course's seeded generator: draw everything
/// random in training (initial weights, shuffles) from it, seeded from `train`'s `seed`, and the
/// same seed gives the same model. (candle's own CPU generator cannot be seeded.) Fast and
/// statistically sound, not cryptographically secure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// A generator whose whole stream is fixed by `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(Self::GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// A uniform integer in `0..n` (`n > 0`), by rejection.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0)");
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let r = self.next_u64();
            if r < zone {
                return (r % n) as usize;
            }
        }
    }

    /// A standard normal number (Box–Muller).
    pub fn next_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Reads `datasets/spamassassin/spam.tsv` (one e-mail per line: `ham|spam TAB subject TAB
/// body`): each text is `subject + "\n" + body`, exactly as the grader sends it.
pub fn parse_emails(text: &str) -> Result<TrainingSet, Error> {
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let mut fields = line.splitn(3, '\t');
        let (label, subject, body) = match (fields.next(), fields.next(), fields.next()) {
            (Some(l), Some(s), Some(b)) => (l, s, b),
            _ => return Err(Error::new(format!("line {}: expected label, subject and body", i + 1))),
        };
        labels.push(match label {
            "ham" => 0,
            "spam" => 1,
            other => return Err(Error::new(format!("line {}: label {other:?}", i + 1))),
        });
        texts.push(format!("{subject}\n{body}"));
    }
    if texts.is_empty() {
        return Err(Error::new("no e-mails"));
    }
    Ok(TrainingSet { task: Task::Spam, texts, images: Vec::new(), labels })
}

/// Reads `datasets/mnist/mnist-10k.bin` (records of `1 + PIXELS` bytes: the label, then the
/// pixels row by row, 0 to 255): each image's pixels are `byte / 255` (divided in `f64`, then
/// rounded to `f32`), exactly as the grader sends them.
pub fn parse_digits(bytes: &[u8]) -> Result<TrainingSet, Error> {
    let record = 1 + PIXELS;
    if bytes.is_empty() || !bytes.chunks_exact(record).remainder().is_empty() {
        return Err(Error::new(format!("{} bytes is not a whole number of {record}-byte records", bytes.len())));
    }
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for (i, r) in bytes.chunks(record).enumerate() {
        if r[0] >= 10 {
            return Err(Error::new(format!("record {i}: label {}", r[0])));
        }
        labels.push(r[0] as u32);
        images.push(r[1..].iter().map(|&b| (b as f64 / 255.0) as f32).collect());
    }
    Ok(TrainingSet { task: Task::Digits, texts: Vec::new(), images, labels })
}

/// The share of predictions equal to the labels (0 when there are none).
pub fn accuracy(labels: &[u32], predicted: &[u32]) -> f64 {
    if labels.is_empty() || labels.len() != predicted.len() {
        return 0.0;
    }
    labels.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / labels.len() as f64
}
