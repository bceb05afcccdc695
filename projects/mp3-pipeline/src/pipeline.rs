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

/// One run of the pipeline over the data file `data`, in `workspace` (see the module's
/// documentation and the README).
///
/// # Errors
/// `Schema` when the data breaks the schema (the registry is left as it was); `Io` when the
/// file system refuses.
pub fn run(workspace: &Path, data: &Path) -> Result<RunReport, PipelineError> {
    todo!()
}
