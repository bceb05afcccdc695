//! The pipeline: one call of [`run`] is one run over a data file, in a workspace directory that
//! keeps everything between runs (the cache, the registry). The grader calls it four times in one
//! workspace: clean data, the same data again, data whose features shifted, corrupt data.
//! Read `projects/mp3-pipeline/README.md` for the whole specification; in short:
//!
//! 1. `validate`: the file must have the header [`FEATURES`] then [`LABEL`], exactly; every
//!    feature a finite number, every label `0` or `1`, every line 31 fields, at least 10 rows.
//!    Anything else is [`PipelineError::Schema`] naming the line and the column, and the run stops
//!    there: nothing in the registry changes.
//! 2. `split`: row `i` (0-based, in file order) is a validation row when `i % 5 == 4`, a
//!    training row otherwise.
//! 3. `drift`: each feature's training values against the training values of the production
//!    model's data (a two-sample KS test with the asymptotic p-value, as in Stage 6); a feature is
//!    flagged when its p-value is below `DRIFT_ALPHA / 30` (Bonferroni). With no production
//!    model yet, the reference is this run's own training split (nothing can drift from itself).
//! 4. `train`: a logistic regression on the training split (yours to design; the reference
//!    standardises, runs full-batch gradient descent from zero weights, and folds the scaling back
//!    into raw-unit weights). It must be deterministic: the same data gives the same bits.
//! 5. `evaluate`: the model's accuracy on the validation split.
//! 6. `register`: a model whose file differs from every registered version's is registered as
//!    the next version; it goes to production when its validation accuracy is at least
//!    `GATE_ACCURACY`. A model already registered registers nothing.
//!
//! **Caching**: each step records the digest of its inputs and its output in the workspace; a
//! step whose inputs' digest is the one recorded reuses its output and reports
//! [`StepStatus::Cached`]. Inputs: `validate` the data file's bytes; `split` the validated rows;
//! `drift` the training split and the drift reference's digest; `train` the training split;
//! `evaluate` the model file and the validation split; `register` the model file and the
//! evaluation. So a second run on unchanged data reports every step cached and changes nothing.
//!
//! **Layout the grader reads** (the rest of the workspace is yours):
//! - `registry/v{n}/model.safetensors`: version `n`'s model, two `F32` tensors, `weight` of shape
//!   `[30]` and `bias` of shape `[1]`, in raw feature units: `P(malignant | x) =
//!   sigmoid(weight · x + bias)`, predicted malignant when that is at least 0.5.
//! - `registry/production`: the production version's number in decimal (absent: none).
//!
//! All paths are under `workspace`, which may not exist yet. This file may use `std::fs` (the
//! only file of the project that may); the grader's sandbox keeps it inside its scratch
//! directory.

use crate::given::{sha256_hex, PipelineError, RunReport, StepStatus, FEATURES, LABEL, STEPS};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::path::Path;

/// The family-wise significance level of the drift test (divided by 30 per feature).
pub const DRIFT_ALPHA: f64 = 0.01;
/// The smallest validation accuracy a model needs to go to production.
pub const GATE_ACCURACY: f64 = 0.90;

/// Rows as (features, label).
type Rows = Vec<([f64; 30], u8)>;

fn validate(text: &str) -> Result<Rows, PipelineError> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").trim_end_matches('\r').split(',').collect();
    let expected: Vec<&str> = FEATURES.iter().copied().chain([LABEL]).collect();
    if header != expected {
        let at = (0..expected.len()).find(|&i| header.get(i) != expected.get(i)).unwrap_or(0);
        return Err(PipelineError::Schema(format!("line 1: the header's column {} is not `{}`", at + 1, expected[at])));
    }
    let mut rows = Vec::new();
    for (k, line) in lines.enumerate() {
        let n = k + 2;
        let fields: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        if fields.len() != 31 {
            return Err(PipelineError::Schema(format!("line {n}: {} fields, 31 expected", fields.len())));
        }
        let mut x = [0.0; 30];
        for (j, f) in fields[..30].iter().enumerate() {
            x[j] = f.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                PipelineError::Schema(format!("line {n}, column `{}`: not a finite number", FEATURES[j]))
            })?;
        }
        let y = match fields[30].trim() {
            "0" => 0,
            "1" => 1,
            _ => return Err(PipelineError::Schema(format!("line {n}, column `{LABEL}`: not 0 or 1"))),
        };
        rows.push((x, y));
    }
    if rows.len() < 10 {
        return Err(PipelineError::Schema(format!("{} rows, at least 10 needed", rows.len())));
    }
    Ok(rows)
}

/// Rows as text, exactly (every value by its bits): the form the cache stores and digests.
fn encode(rows: &[([f64; 30], u8)]) -> String {
    let mut s = String::new();
    for (x, y) in rows {
        for v in x {
            s.push_str(&format!("{:016x},", v.to_bits()));
        }
        s.push_str(&format!("{y}\n"));
    }
    s
}

fn decode(text: &str) -> Rows {
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let mut x = [0.0; 30];
            for j in 0..30 {
                x[j] = f64::from_bits(u64::from_str_radix(f[j], 16).expect("cache: hex"));
            }
            (x, f[30].parse().expect("cache: label"))
        })
        .collect()
}

/// A model: raw-unit weights and bias, as stored.
struct Model {
    weight: Vec<f32>,
    bias: f32,
}

fn train(rows: &[([f64; 30], u8)]) -> Model {
    let n = rows.len() as f64;
    let mut mean = [0.0; 30];
    let mut std = [0.0; 30];
    for j in 0..30 {
        mean[j] = rows.iter().map(|r| r.0[j]).sum::<f64>() / n;
        let var = rows.iter().map(|r| (r.0[j] - mean[j]).powi(2)).sum::<f64>() / n;
        std[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
    }
    let z: Vec<[f64; 30]> = rows
        .iter()
        .map(|r| {
            let mut z = [0.0; 30];
            for j in 0..30 {
                z[j] = (r.0[j] - mean[j]) / std[j];
            }
            z
        })
        .collect();
    let (mut w, mut b) = ([0.0f64; 30], 0.0f64);
    for _ in 0..300 {
        let mut gw = [0.0; 30];
        let mut gb = 0.0;
        for (zi, r) in z.iter().zip(rows) {
            let p = sigmoid(zi.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + b);
            let e = p - f64::from(r.1);
            for j in 0..30 {
                gw[j] += e * zi[j];
            }
            gb += e;
        }
        for j in 0..30 {
            w[j] -= 0.5 * (gw[j] / n + 1e-3 * w[j]);
        }
        b -= 0.5 * gb / n;
    }
    let weight: Vec<f32> = (0..30).map(|j| (w[j] / std[j]) as f32).collect();
    let bias = (b - (0..30).map(|j| w[j] * mean[j] / std[j]).sum::<f64>()) as f32;
    Model { weight, bias }
}

fn save(m: &Model) -> Vec<u8> {
    let w: Vec<u8> = m.weight.iter().flat_map(|v| v.to_le_bytes()).collect();
    let b = m.bias.to_le_bytes().to_vec();
    let views = vec![
        ("weight", TensorView::new(Dtype::F32, vec![30], &w).expect("30 values")),
        ("bias", TensorView::new(Dtype::F32, vec![1], &b).expect("1 value")),
    ];
    safetensors::serialize(views, None).expect("serialize")
}

fn load(bytes: &[u8]) -> Result<Model, PipelineError> {
    let bad = || PipelineError::Io("a model file does not load".into());
    let st = SafeTensors::deserialize(bytes).map_err(|_| bad())?;
    let floats = |name: &str| -> Result<Vec<f32>, PipelineError> {
        let t = st.tensor(name).map_err(|_| bad())?;
        Ok(t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    };
    let (weight, bias) = (floats("weight")?, floats("bias")?);
    if weight.len() != 30 || bias.len() != 1 {
        return Err(bad());
    }
    Ok(Model { weight, bias: bias[0] })
}

fn accuracy(m: &Model, rows: &[([f64; 30], u8)]) -> f64 {
    let right = rows
        .iter()
        .filter(|(x, y)| {
            let z = x.iter().zip(&m.weight).map(|(a, w)| a * f64::from(*w)).sum::<f64>() + f64::from(m.bias);
            u8::from(sigmoid(z) >= 0.5) == *y
        })
        .count();
    right as f64 / rows.len() as f64
}

/// The workspace's step cache: `cache/{step}.key` (the inputs' digest) and `cache/{step}.out`.
struct Cache<'a> {
    dir: &'a Path,
    statuses: Vec<(String, StepStatus)>,
}

impl Cache<'_> {
    /// The step's output: recorded, if its key is the one recorded; else computed and recorded.
    fn step(
        &mut self,
        name: &str,
        key: &str,
        compute: impl FnOnce() -> Result<Vec<u8>, PipelineError>,
    ) -> Result<Vec<u8>, PipelineError> {
        let (k, o) = (self.dir.join(format!("{name}.key")), self.dir.join(format!("{name}.out")));
        if std::fs::read_to_string(&k).ok().as_deref() == Some(key) {
            if let Ok(out) = std::fs::read(&o) {
                self.statuses.push((name.into(), StepStatus::Cached));
                return Ok(out);
            }
        }
        let out = compute()?;
        std::fs::write(&o, &out)?;
        std::fs::write(&k, key)?;
        self.statuses.push((name.into(), StepStatus::Ran));
        Ok(out)
    }
}

fn production(registry: &Path) -> Option<u32> {
    std::fs::read_to_string(registry.join("production")).ok()?.trim().parse().ok()
}

/// One run of the pipeline over the data file `data`, in `workspace` (see the module's
/// documentation and the README).
///
/// # Errors
/// `Schema` when the data breaks the schema (the registry is left as it was); `Io` when the
/// file system refuses.
pub fn run(workspace: &Path, data: &Path) -> Result<RunReport, PipelineError> {
    let cache_dir = workspace.join("cache");
    let registry = workspace.join("registry");
    std::fs::create_dir_all(&cache_dir)?;
    std::fs::create_dir_all(&registry)?;
    let bytes = std::fs::read(data)?;
    let mut cache = Cache { dir: &cache_dir, statuses: Vec::new() };

    // Parsed only when the step runs: a cached run reads the file's bytes once, to digest them.
    let valid = cache.step("validate", &sha256_hex(&bytes), || {
        let text = std::str::from_utf8(&bytes).map_err(|_| PipelineError::Schema("line 1: not UTF-8".into()))?;
        Ok(encode(&validate(text)?).into_bytes())
    })?;

    let split = cache.step("split", &sha256_hex(&valid), || {
        let rows = decode(std::str::from_utf8(&valid).expect("cache: text"));
        let (mut tr, mut va) = (Vec::new(), Vec::new());
        for (i, r) in rows.into_iter().enumerate() {
            if i % 5 == 4 {
                va.push(r);
            } else {
                tr.push(r);
            }
        }
        Ok(format!("{}--\n{}", encode(&tr), encode(&va)).into_bytes())
    })?;
    let split_text = String::from_utf8(split).expect("cache: text");
    let (train_text, valid_text) = split_text.split_once("--\n").expect("cache: split");
    let (train_rows, valid_rows) = (decode(train_text), decode(valid_text));

    // The drift reference: the production model's training split, or this run's own.
    let reference_text = match production(&registry) {
        Some(v) => std::fs::read_to_string(registry.join(format!("v{v}")).join("train.rows"))?,
        None => train_text.to_string(),
    };
    let drift_key = sha256_hex(
        format!("{}\n{}", sha256_hex(train_text.as_bytes()), sha256_hex(reference_text.as_bytes())).as_bytes(),
    );
    let flagged = cache.step("drift", &drift_key, || {
        let reference = decode(&reference_text);
        let mut flagged = String::new();
        for (j, name) in FEATURES.iter().enumerate() {
            let a: Vec<f64> = reference.iter().map(|r| r.0[j]).collect();
            let b: Vec<f64> = train_rows.iter().map(|r| r.0[j]).collect();
            if ks_pvalue(ks_statistic(&a, &b), a.len(), b.len()) < DRIFT_ALPHA / 30.0 {
                flagged.push_str(name);
                flagged.push('\n');
            }
        }
        Ok(flagged.into_bytes())
    })?;
    let flagged: Vec<String> = String::from_utf8(flagged).expect("cache: text").lines().map(str::to_string).collect();

    let model_bytes = cache.step("train", &sha256_hex(train_text.as_bytes()), || Ok(save(&train(&train_rows))))?;
    let model = load(&model_bytes)?;
    let model_digest = sha256_hex(&model_bytes);

    let eval_key = sha256_hex(format!("{model_digest}\n{}", sha256_hex(valid_text.as_bytes())).as_bytes());
    let acc =
        cache.step("evaluate", &eval_key, || Ok(accuracy(&model, &valid_rows).to_bits().to_string().into_bytes()))?;
    let validation_accuracy =
        f64::from_bits(String::from_utf8(acc.clone()).expect("cache: text").parse().expect("cache: bits"));

    let register_key = sha256_hex(format!("{model_digest}\n{}", sha256_hex(&acc)).as_bytes());
    let registered = cache.step("register", &register_key, || {
        let mut n = 0;
        while registry.join(format!("v{}", n + 1)).join("model.safetensors").is_file() {
            n += 1;
            if std::fs::read(registry.join(format!("v{n}")).join("model.safetensors")).ok().as_deref()
                == Some(&model_bytes[..])
            {
                return Ok(Vec::new());
            }
        }
        let dir = registry.join(format!("v{}", n + 1));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("train.rows"), train_text)?;
        std::fs::write(dir.join("model.safetensors"), &model_bytes)?;
        if validation_accuracy >= GATE_ACCURACY {
            // Written whole and renamed: a reader never sees a half-written pointer.
            std::fs::write(registry.join("production.tmp"), format!("{}\n", n + 1))?;
            std::fs::rename(registry.join("production.tmp"), registry.join("production"))?;
        }
        Ok((n + 1).to_string().into_bytes())
    })?;
    let registered = match cache.statuses.last() {
        Some((_, StepStatus::Ran)) => String::from_utf8(registered).ok().and_then(|s| s.parse().ok()),
        _ => None,
    };

    debug_assert_eq!(cache.statuses.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), STEPS);
    Ok(RunReport { steps: cache.statuses, flagged, registered, production: production(&registry), validation_accuracy })
}

/// The logistic function, without overflow for large `|z|`.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The two-sample Kolmogorov–Smirnov statistic: the largest distance between the two samples'
/// empirical distribution functions. Both samples non-empty.
fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    d
}

/// The asymptotic p-value of a two-sample KS statistic `d` for samples of sizes `n` and `m`
/// (the Kolmogorov distribution's survival function at `sqrt(nm/(n+m)) d`, with Stephens'
/// small-sample correction).
fn ks_pvalue(d: f64, n: usize, m: usize) -> f64 {
    let en = ((n * m) as f64 / (n + m) as f64).sqrt();
    let lambda = (en + 0.12 + 0.11 / en) * d;
    if lambda < 1e-3 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let term = 2.0 * (-1.0f64).powi(k - 1) * (-2.0 * (k as f64 * lambda).powi(2)).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}
