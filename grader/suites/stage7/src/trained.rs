//! The models Stage 7's services serve: Stage 2's logistic regression, trained by the course on
//! the even rows of the breast-cancer data set (`grader/tools/train-models`;
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

/// Version `k` (1 to [`VERSIONS`]).
pub fn version(k: usize) -> Trained {
    let (_, weights) = data::tensor("breast_cancer_logistic", &format!("v{k}.weight"));
    assert_eq!(weights.len(), FEATURES, "suite: v{k}.weight has {FEATURES} values");
    Trained { weights, bias: data::tensor("breast_cancer_logistic", &format!("v{k}.bias")).1[0] }
}

/// The odd rows of the data set (features only).
fn held_out() -> &'static [Vec<f64>] {
    static ROWS: OnceLock<Vec<Vec<f64>>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let (_, rows) = data::numeric_csv("breast_cancer");
        rows.into_iter().skip(1).step_by(2).map(|r| r[..FEATURES].to_vec()).collect()
    })
}

/// A held-out row, each feature scaled by a factor in [0.95, 1.05].
pub fn row(g: &mut Gen) -> Vec<f64> {
    let rows = held_out();
    let r = &rows[g.int(0, rows.len() as i64 - 1) as usize];
    r.iter().map(|x| x * g.float(0.95, 1.05)).collect()
}
