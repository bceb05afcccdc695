//! The models Stage 7's services serve: Stage 2's logistic regression, trained by the course on
//! the even rows of the breast-cancer data set (`solutions/stage2/examples/train_breast_cancer.rs`;
//! `datasets/breast_cancer/SOURCE.md`), four versions in raw units (`σ(w · x + b)`, 1 =
//! malignant, 30 features). The hidden inputs are the odd rows, which no version was trained on,
//! each feature scaled by a factor drawn near 1, so that every case's inputs are new.

use grader_suite_api::data;
use grader_suite_api::suite::Gen;
use std::sync::OnceLock;

/// The number of features of every version.
pub const FEATURES: usize = 30;

/// The number of versions in the file.
pub const VERSIONS: usize = 4;

/// One version: weights and bias in raw units.
pub struct Trained {
    pub weights: Vec<f64>,
    pub bias: f64,
}

fn tensor(file: &safetensors::SafeTensors<'_>, name: &str) -> Vec<f64> {
    let t = file.tensor(name).unwrap_or_else(|_| panic!("suite: breast_cancer_logistic has no {name}"));
    assert_eq!(t.dtype(), safetensors::Dtype::F64, "suite: breast_cancer_logistic is F64");
    t.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// Version `k` (1 to [`VERSIONS`]).
pub fn version(k: usize) -> Trained {
    let file = safetensors::SafeTensors::deserialize(data::bytes("breast_cancer_logistic"))
        .expect("suite: breast_cancer_logistic is safetensors");
    let weights = tensor(&file, &format!("v{k}.weight"));
    assert_eq!(weights.len(), FEATURES, "suite: v{k}.weight has {FEATURES} values");
    Trained { weights, bias: tensor(&file, &format!("v{k}.bias"))[0] }
}

/// The odd rows of the data set (features only).
fn held_out() -> &'static [Vec<f64>] {
    static ROWS: OnceLock<Vec<Vec<f64>>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let text = std::str::from_utf8(data::bytes("breast_cancer")).expect("suite: breast_cancer is UTF-8");
        text.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, l)| {
                let v: Vec<f64> =
                    l.split(',').map(|x| x.parse().expect("suite: breast_cancer holds numbers")).collect();
                v[..FEATURES].to_vec()
            })
            .collect()
    })
}

/// A held-out row, each feature scaled by a factor in [0.95, 1.05].
pub fn row(g: &mut Gen) -> Vec<f64> {
    let rows = held_out();
    let r = &rows[g.int(0, rows.len() as i64 - 1) as usize];
    r.iter().map(|x| x * g.float(0.95, 1.05)).collect()
}
