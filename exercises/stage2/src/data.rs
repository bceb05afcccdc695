//! Loading and preparing data: reading a CSV file, filling missing values, one-hot encoding,
//! scaling features, and splitting samples into train/validation/test sets and cross-validation
//! folds.
//!
//! Tables with names and missing values are polars `DataFrame`s; numeric feature matrices are
//! `ndarray` arrays with one row per sample. Anything random takes the stage's [`Rng`], used
//! exactly as each function's documentation says, so that your split of a given seed is the
//! same as the reference's.
//!
//! The one rule that matters most here: everything a preprocessing step *learns* (a mean, a
//! minimum, the list of categories) is learnt from the training data only, then applied
//! unchanged to validation and test data. Learning it from the test set too is *data leakage*:
//! the evaluation then measures a model that has peeked at the answers.

use crate::rng::Rng;
use ndarray::{Array1, Array2, ArrayView2};
use polars::prelude::*;
use std::path::Path;

/// Why a data-preparation function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// The file could not be opened or read (it does not exist, no permission...).
    Io,
    /// The file was read but is not a valid table: a row with more fields than the header, a
    /// value that does not parse as its column's type, no data at all.
    Parse,
    /// No column of that name.
    UnknownColumn(String),
    /// The column has the wrong type for this operation (text where numbers are needed, floats
    /// where categories are needed).
    WrongType(String),
    /// The column has no non-missing value to learn from.
    AllNull(String),
    /// The matrix has no rows to learn from.
    Empty,
    /// The number of columns differs from what the transformer was fitted on.
    ShapeMismatch,
    /// A fraction outside its allowed range, or `k < 2`.
    InvalidParameter,
    /// Too few samples for the split asked for (a part or a fold would be empty).
    TooFewSamples,
}

// -------------------------------------------------------------------------------------------
// Loading

/// Reads a CSV file with a header row into a `DataFrame`.
///
/// Use polars' CSV reader with its default options (comma separator, `"` quotes, column types
/// inferred from the first 100 rows, empty fields read as missing values): build a
/// `CsvReadOptions`, say the file has a header, turn it into a reader for `path`, and `finish`
/// it. Do not ask polars to ignore errors: a broken file must be reported, not half-read.
///
/// Errors (a broken input is an `Err`, never a panic):
/// - `Io` when the file cannot be opened (polars reports a `PolarsError::IO`);
/// - `Parse` for any other error polars reports: a row with more fields than the header, a
///   value that does not parse as the type inferred for its column, an empty file.
///
/// ```no_run
/// let df = stage2::data::load_csv(std::path::Path::new("datasets/iris/iris.csv")).unwrap();
/// assert_eq!(df.shape(), (150, 5));
/// ```
pub fn load_csv(path: &Path) -> Result<DataFrame, DataError> {
    todo!()
}

// -------------------------------------------------------------------------------------------
// Missing values

/// Replaces the missing values (nulls) of each named column with the mean of that column's
/// non-missing values — the simplest imputation, and a fair one when values are missing at
/// random.
///
/// Each column in `columns` must exist and be numeric (integer or float); after filling it is
/// a `Float64` column (the mean of integers is rarely an integer) at the same position under the
/// same name. Columns not named are returned unchanged; the input frame is not modified.
///
/// Example: `[1, null, 3, null]` becomes `[1.0, 2.0, 3.0, 2.0]`.
///
/// Errors, for the first offending column in the order given: `UnknownColumn(name)` if there is
/// no such column, `WrongType(name)` if it is not numeric, `AllNull(name)` if it has no
/// non-missing value (its mean is undefined).
pub fn fill_missing_with_mean(df: &DataFrame, columns: &[&str]) -> Result<DataFrame, DataError> {
    todo!()
}

// -------------------------------------------------------------------------------------------
// One-hot encoding

/// Replaces a categorical column with one indicator column per category ("one-hot" encoding),
/// so that a linear model can give each category its own weight without inventing an order
/// between them.
///
/// - The column must hold text (`String`) or integers; anything else is `WrongType(column)`;
///   a missing column is `UnknownColumn(column)`.
/// - One new `Float64` column per distinct non-missing value `v`, named `{column}_{v}`: 1.0 in
///   the rows whose value is `v`, 0.0 elsewhere. A row whose value is missing gets 0.0
///   everywhere (no column is made for "missing").
/// - The new columns are appended after the remaining columns, in increasing order of value:
///   text in Rust's `str` order, integers numerically (`class_2` before `class_10`).
/// - The original column is removed; the other columns keep their order and types.
///
/// Example: a column `color` = `[red, blue, red]` becomes `color_blue` = `[0, 1, 0]` and
/// `color_red` = `[1, 0, 1]`.
pub fn one_hot(df: &DataFrame, column: &str) -> Result<DataFrame, DataError> {
    todo!()
}

// -------------------------------------------------------------------------------------------
// Scaling

/// Standardisation (scikit-learn's `StandardScaler`): each feature shifted by its training mean
/// and divided by its training standard deviation, so that on the training set every column has
/// mean 0 and variance 1.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler {
    /// Mean of each column of the training matrix.
    pub mean: Array1<f64>,
    /// Population standard deviation of each column: `sqrt(Σ (x - mean)² / n)` (divide by `n`,
    /// not `n - 1`, as scikit-learn does).
    pub std: Array1<f64>,
}

impl StandardScaler {
    /// Learns each column's mean and population standard deviation from `train` (rows =
    /// samples). Errors: `Empty` if `train` has no rows.
    pub fn fit(train: ArrayView2<f64>) -> Result<StandardScaler, DataError> {
        todo!()
    }

    /// Returns `(x[i, j] - mean[j]) / std[j]`, using the statistics learnt by `fit` — never the
    /// statistics of `x` itself: a test set is scaled with the training set's numbers, so its
    /// columns will *not* have mean 0 exactly, and that is correct.
    ///
    /// A column whose training `std` is 0 (constant) would divide by zero: divide by 1 instead,
    /// so it is only centred (its training values all become 0).
    ///
    /// Errors: `ShapeMismatch` if `x` does not have as many columns as the training matrix.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, DataError> {
        todo!()
    }
}

/// Min-max scaling (scikit-learn's `MinMaxScaler`): each feature mapped linearly so that its
/// training minimum becomes 0 and its training maximum 1.
#[derive(Debug, Clone, PartialEq)]
pub struct MinMaxScaler {
    /// Minimum of each column of the training matrix.
    pub min: Array1<f64>,
    /// Maximum of each column of the training matrix.
    pub max: Array1<f64>,
}

impl MinMaxScaler {
    /// Learns each column's minimum and maximum from `train`. Errors: `Empty` if `train` has no
    /// rows.
    pub fn fit(train: ArrayView2<f64>) -> Result<MinMaxScaler, DataError> {
        todo!()
    }

    /// Returns `(x[i, j] - min[j]) / (max[j] - min[j])` with the training statistics. Values
    /// outside the training range land outside `[0, 1]`: do not clip them. A constant training
    /// column (`max == min`) divides by 1 instead of 0, so it is only shifted.
    ///
    /// Errors: `ShapeMismatch` if `x` does not have as many columns as the training matrix.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, DataError> {
        todo!()
    }
}

// -------------------------------------------------------------------------------------------
// Splits
//
// Every shuffle below is the same Fisher–Yates shuffle of a slice `v`, from the last index
// down, one draw per step:
//
//     for i in (1..v.len()).rev() {
//         let j = (rng.next_u64() % (i as u64 + 1)) as usize;
//         v.swap(i, j);
//     }
//
// (A slice of length 0 or 1 draws nothing.) Follow it exactly, with no other use of `rng`, and
// your splits will equal the reference's for the same seed.

/// Splits the sample indices `0..n` at random into `(train, validation, test)`.
///
/// Procedure:
/// 1. `n_test = (n as f64 * test_fraction).round()` and
///    `n_val = (n as f64 * val_fraction).round()` (`f64::round`: halves away from zero);
/// 2. shuffle `perm = [0, 1, ..., n - 1]` with the Fisher–Yates shuffle above;
/// 3. `test = perm[..n_test]`, `val = perm[n_test..n_test + n_val]`, `train` = the rest, each
///    in shuffled order (not sorted).
///
/// Errors: `InvalidParameter` unless both fractions are in `[0, 1)` and their sum is `< 1`
/// (checked first); `TooFewSamples` if `n_val + n_test >= n` (the training part would be empty,
/// which includes `n == 0`).
pub fn train_val_test_split(
    n: usize,
    val_fraction: f64,
    test_fraction: f64,
    rng: &mut Rng,
) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>), DataError> {
    todo!()
}

/// Splits samples into `(train, test)` so that every class keeps (up to rounding) the same
/// proportion in both parts — important when a class is rare, where a plain random split may
/// leave it out of the test set altogether.
///
/// Procedure: for each class `c` present in `labels`, in increasing order of `c`:
/// 1. `members` = the indices `i` with `labels[i] == c`, in increasing order;
/// 2. shuffle `members` with the Fisher–Yates shuffle above (the same `rng`, continuing);
/// 3. `n_test = (members.len() as f64 * test_fraction).round()`; the first `n_test` members go
///    to the test part, the others to the training part.
///
/// Finally sort both parts in increasing order.
///
/// Errors: `InvalidParameter` unless `0 < test_fraction < 1` (checked first); `TooFewSamples`
/// if `labels` is empty.
pub fn stratified_split(
    labels: &[usize],
    test_fraction: f64,
    rng: &mut Rng,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    todo!()
}

// -------------------------------------------------------------------------------------------
// Cross-validation

/// A list of `(train, test)` index lists, one per fold.
pub type Folds = Vec<(Vec<usize>, Vec<usize>)>;

/// K-fold cross-validation without shuffling (scikit-learn's `KFold(n_splits=k)`): the indices
/// `0..n` are cut into `k` contiguous test blocks, in order; the first `n % k` blocks have
/// `n / k + 1` samples, the others `n / k`. Fold `f` tests on block `f` and trains on all the
/// other indices, in increasing order.
///
/// Example: `kfold(5, 2)` is `[([3, 4], [0, 1, 2]), ([0, 1, 2], [3, 4])]`.
///
/// Errors: `InvalidParameter` if `k < 2` (checked first); `TooFewSamples` if `k > n`.
pub fn kfold(n: usize, k: usize) -> Result<Folds, DataError> {
    todo!()
}

/// Stratified k-fold: every fold gets (as near as possible) the same share of every class.
///
/// Deterministic procedure (no shuffling): order the indices `0..n` by label, ties by index
/// (a stable sort by label); deal them to the folds in turn, the `p`-th index of that order
/// (from 0) going to the test part of fold `p % k`. Each fold's test part is then sorted in
/// increasing order, and its training part is all the other indices in increasing order.
///
/// Example: `labels = [0, 1, 0, 1, 0, 0]`, `k = 2`: the order is `[0, 2, 4, 5, 1, 3]`, the test
/// parts are `[0, 1, 4]` and `[2, 3, 5]`.
///
/// Errors: `InvalidParameter` if `k < 2` (checked first); `TooFewSamples` if
/// `k > labels.len()`.
pub fn stratified_kfold(labels: &[usize], k: usize) -> Result<Folds, DataError> {
    todo!()
}

/// Time-series split (scikit-learn's `TimeSeriesSplit(n_splits=k)`): for data ordered in time,
/// a model must never train on the future. Fold `f` (from 0) tests on a block of
/// `test_size = n / (k + 1)` samples starting at `start_f = n - (k - f) * test_size`, and trains
/// on every index before it, `0..start_f` (an expanding window).
///
/// Example: `time_series_split(7, 3)` has `test_size = 1`:
/// `[([0, 1, 2, 3], [4]), ([0, 1, 2, 3, 4], [5]), ([0, 1, 2, 3, 4, 5], [6])]`.
///
/// Errors: `InvalidParameter` if `k < 2` (checked first); `TooFewSamples` if `k + 1 > n`.
pub fn time_series_split(n: usize, k: usize) -> Result<Folds, DataError> {
    todo!()
}
