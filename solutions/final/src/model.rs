//! The model, reference solution: one small network for both tasks, trained with candle and
//! evaluated in plain Rust.
//!
//! ```text
//! spam:   text → lower-case words → FNV-1a hash mod BUCKETS → log(1 + count), unit length (BUCKETS)
//!         → linear (2 logits)                                       softmax regression
//! digits: pixels (784) → linear, ReLU (HIDDEN) → linear (10 logits)  a multilayer perceptron
//! ```
//!
//! Training: He-initialised weights and shuffled mini-batches from the seeded [`Rng`], softmax
//! cross-entropy, Adam. candle's CPU operations are deterministic, so the same seed gives the
//! same weights, bit for bit, and so the same bytes. Prediction of one input runs the layers in
//! plain Rust: no tensor to build, a few microseconds.
//!
//! The bytes ([`Model::to_bytes`]), all numbers little-endian:
//!
//! ```text
//! "CAPSTONE" | format u32 = 1 | task u8 (0 spam, 1 digits) | layers u32
//! | per layer: inputs u32, outputs u32, weights f32 × (outputs · inputs) row by row, biases f32 × outputs
//! | SHA-256 of everything before (32 bytes)
//! ```

use crate::given::{Error, Input, Rng, Task, TrainingSet, PIXELS};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use sha2::{Digest, Sha256};

/// Hash buckets of the spam model's bag of words.
const BUCKETS: usize = 1 << 12;
/// Hidden units of the digits model.
const HIDDEN: usize = 64;
const MAGIC: &[u8; 8] = b"CAPSTONE";
const FORMAT: u32 = 1;
/// Words read from an e-mail: the rest is ignored (a bound on the work per prediction).
const MAX_WORDS: usize = 20_000;

/// How a task's network is trained.
struct Hyper {
    sizes: &'static [usize],
    epochs: usize,
    batch: usize,
    learning_rate: f64,
    weight_decay: f64,
}

fn hyper(task: Task) -> Hyper {
    match task {
        Task::Spam => Hyper { sizes: &[BUCKETS, 2], epochs: 6, batch: 32, learning_rate: 0.02, weight_decay: 0.0 },
        Task::Digits => {
            Hyper { sizes: &[PIXELS, HIDDEN, 10], epochs: 12, batch: 32, learning_rate: 0.002, weight_decay: 0.0 }
        }
    }
}

/// One fully connected layer: `y = W x + b`, `W` of `outputs × inputs` row by row.
#[derive(Debug, Clone, PartialEq)]
struct Dense {
    inputs: usize,
    outputs: usize,
    weights: Vec<f32>,
    biases: Vec<f32>,
}

/// A trained classifier for one task.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    task: Task,
    layers: Vec<Dense>,
}

/// The lower-case words of `text`: runs of ASCII letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).take(MAX_WORDS)
}

/// FNV-1a of a word's lower-case bytes.
fn fnv1a(word: &str) -> u64 {
    word.bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b.to_ascii_lowercase() as u64).wrapping_mul(0x100_0000_01b3))
}

/// The spam model's input: `log(1 + count)` of each bucket, scaled to unit length.
fn bag_of_words(text: &str, buckets: usize) -> Vec<f32> {
    let mut x = vec![0f32; buckets];
    for w in words(text) {
        x[(fnv1a(w) % buckets as u64) as usize] += 1.0;
    }
    let mut norm = 0f32;
    for v in x.iter_mut().filter(|v| **v > 0.0) {
        *v = v.ln_1p();
        norm += *v * *v;
    }
    if norm > 0.0 {
        let inv = 1.0 / norm.sqrt();
        x.iter_mut().for_each(|v| *v *= inv);
    }
    x
}

/// The network's input of example `i`, as a checked vector.
fn features(task: Task, inputs: usize, input: &Input) -> Result<Vec<f32>, Error> {
    match (task, input) {
        (Task::Spam, Input::Text(t)) => Ok(bag_of_words(t, inputs)),
        (Task::Digits, Input::Pixels(p)) => {
            if p.len() != PIXELS {
                return Err(Error::new(format!("expected {PIXELS} pixels, got {}", p.len())));
            }
            if let Some(v) = p.iter().find(|v| !v.is_finite()) {
                return Err(Error::new(format!("pixel {v} is not a number")));
            }
            Ok(p.clone())
        }
        (task, _) => Err(Error::new(format!("the {task} model cannot read this input"))),
    }
}

/// Trains a model for `data.task` on `data`, every random choice drawn from `seed`: the model
/// and the mean training loss of each epoch.
pub fn train(data: &TrainingSet, seed: u64) -> Result<(Model, Vec<f64>), Error> {
    let task = data.task;
    let n = data.len();
    if n == 0 {
        return Err(Error::new("no training examples"));
    }
    let expected = match task {
        Task::Spam => data.texts.len(),
        Task::Digits => data.images.len(),
    };
    if expected != n {
        return Err(Error::new(format!("{n} labels for {expected} {task} examples")));
    }
    if let Some(l) = data.labels.iter().find(|&&l| l >= task.classes()) {
        return Err(Error::new(format!("label {l} is not below {}", task.classes())));
    }
    let h = hyper(task);
    let dev = Device::Cpu;
    let d = h.sizes[0];
    let mut x = Vec::with_capacity(n * d);
    for i in 0..n {
        x.extend(features(task, d, &data.input(i))?);
    }
    let x = Tensor::from_vec(x, (n, d), &dev)?;
    let y = Tensor::from_vec(data.labels.clone(), n, &dev)?;

    let mut rng = Rng::new(seed);
    let mut vars = Vec::new();
    for pair in h.sizes.windows(2) {
        let (inp, out) = (pair[0], pair[1]);
        let std = (2.0 / inp as f64).sqrt();
        let w: Vec<f32> = (0..inp * out).map(|_| (std * rng.next_normal()) as f32).collect();
        vars.push(Var::from_tensor(&Tensor::from_vec(w, (out, inp), &dev)?)?);
        vars.push(Var::zeros(out, DType::F32, &dev)?);
    }
    let params = ParamsAdamW { lr: h.learning_rate, weight_decay: h.weight_decay, ..Default::default() };
    let mut opt = AdamW::new(vars.clone(), params)?;
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut losses = Vec::with_capacity(h.epochs);
    for _ in 0..h.epochs {
        rng.shuffle(&mut order);
        let (mut total, mut batches) = (0.0, 0);
        for chunk in order.chunks(h.batch) {
            let idx = Tensor::new(chunk, &dev)?;
            let mut a = x.index_select(&idx, 0)?;
            for (k, layer) in vars.chunks(2).enumerate() {
                a = a.matmul(&layer[0].as_tensor().t()?)?.broadcast_add(layer[1].as_tensor())?;
                if k + 1 < vars.len() / 2 {
                    a = a.relu()?;
                }
            }
            let loss = candle_nn::loss::cross_entropy(&a, &y.index_select(&idx, 0)?)?;
            opt.backward_step(&loss)?;
            total += loss.to_scalar::<f32>()? as f64;
            batches += 1;
        }
        losses.push(total / batches as f64);
    }
    let mut layers = Vec::new();
    for layer in vars.chunks(2) {
        let (outputs, inputs) = layer[0].as_tensor().dims2()?;
        let weights = layer[0].as_tensor().flatten_all()?.to_vec1::<f32>()?;
        let biases = layer[1].as_tensor().to_vec1::<f32>()?;
        layers.push(Dense { inputs, outputs, weights, biases });
    }
    Ok((Model { task, layers }, losses))
}

impl Model {
    /// The task this model was trained for.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The model as bytes (see the module's documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.push(match self.task {
            Task::Spam => 0,
            Task::Digits => 1,
        });
        out.extend_from_slice(&(self.layers.len() as u32).to_le_bytes());
        for l in &self.layers {
            out.extend_from_slice(&(l.inputs as u32).to_le_bytes());
            out.extend_from_slice(&(l.outputs as u32).to_le_bytes());
            for v in l.weights.iter().chain(&l.biases) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// A model from [`Model::to_bytes`]'s bytes; an error for anything else (truncated, altered,
    /// another format), never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        let bad = |why: &str| Error::new(format!("not a capstone model: {why}"));
        if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad("no magic number"));
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err(bad("the checksum does not match (truncated or altered)"));
        }
        let mut r = Reader { bytes: &body[MAGIC.len()..] };
        if r.u32()? != FORMAT {
            return Err(bad("unknown format version"));
        }
        let task = match r.take(1)?[0] {
            0 => Task::Spam,
            1 => Task::Digits,
            _ => return Err(bad("unknown task")),
        };
        let count = r.u32()? as usize;
        if count == 0 || count > 16 {
            return Err(bad("layer count"));
        }
        let mut layers: Vec<Dense> = Vec::with_capacity(count);
        for _ in 0..count {
            let (inputs, outputs) = (r.u32()? as usize, r.u32()? as usize);
            if inputs == 0 || outputs == 0 || layers.last().is_some_and(|p| p.outputs != inputs) {
                return Err(bad("layer shapes"));
            }
            let weights = r.f32s(inputs.checked_mul(outputs).ok_or_else(|| bad("layer shapes"))?)?;
            let biases = r.f32s(outputs)?;
            layers.push(Dense { inputs, outputs, weights, biases });
        }
        if !r.bytes.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let first = layers[0].inputs;
        if (task == Task::Digits && first != PIXELS) || layers[count - 1].outputs != task.classes() as usize {
            return Err(bad("shapes do not fit the task"));
        }
        Ok(Model { task, layers })
    }

    /// The most likely label of `input` (the first on a tie); an error when the input is not
    /// this task's (text for spam, [`PIXELS`] finite pixels for digits).
    pub fn predict(&self, input: &Input) -> Result<u32, Error> {
        let mut a = features(self.task, self.layers[0].inputs, input)?;
        for (k, l) in self.layers.iter().enumerate() {
            let relu = k + 1 < self.layers.len();
            a = l
                .weights
                .chunks_exact(l.inputs)
                .zip(&l.biases)
                .map(|(row, b)| {
                    let z = row.iter().zip(&a).map(|(w, x)| w * x).sum::<f32>() + b;
                    if relu {
                        z.max(0.0)
                    } else {
                        z
                    }
                })
                .collect();
        }
        let mut best = 0;
        for (i, v) in a.iter().enumerate() {
            if *v > a[best] {
                best = i;
            }
        }
        Ok(best as u32)
    }
}

/// Reads numbers off the front of a byte slice, refusing to read past its end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() {
            return Err(Error::new("not a capstone model: truncated"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, Error> {
        let raw = self.take(n.checked_mul(4).ok_or_else(|| Error::new("not a capstone model: too large"))?)?;
        let v: Vec<f32> = raw.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(Error::new("not a capstone model: a weight is not finite"));
        }
        Ok(v)
    }
}
