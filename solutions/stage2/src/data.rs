//! Loading and preparing data: reading a CSV file, filling missing values, one-hot encoding,
//! scaling features, and splitting samples into train/validation/test sets and cross-validation
//! folds.
//!
//! Tables with names and missing values are polars `DataFrame`s; numeric feature matrices are
//! `ndarray` arrays with one row per sample. Anything random takes the stage's [`Rng`].

use crate::rng::Rng;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use polars::prelude::*;
use std::collections::BTreeSet;
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

/// Reads a CSV file with a header row into a `DataFrame`, with polars' CSV reader and its
/// default options (comma separator, `"` quotes, types inferred from the first 100 rows, empty
/// fields read as missing values).
pub fn load_csv(path: &Path) -> Result<DataFrame, DataError> {
    let reader = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .map_err(polars_error)?;
    reader.finish().map_err(polars_error)
}

/// A file that cannot be opened is an I/O problem; anything polars rejects after that is a
/// problem with the file's content.
fn polars_error(e: PolarsError) -> DataError {
    match e {
        PolarsError::IO { .. } => DataError::Io,
        _ => DataError::Parse,
    }
}

// -------------------------------------------------------------------------------------------
// Missing values

/// Replaces the missing values (nulls) of each named column with the mean of its non-missing
/// values; the filled columns become `Float64`, the other columns are unchanged.
pub fn fill_missing_with_mean(df: &DataFrame, columns: &[&str]) -> Result<DataFrame, DataError> {
    let mut out = df.clone();
    for &name in columns {
        let values = numeric_column(df, name)?;
        // `mean` skips nulls, and is `None` when nothing is left.
        let mean = values.mean().ok_or_else(|| DataError::AllNull(name.to_string()))?;
        let filled: Float64Chunked = values.iter().map(|v| Some(v.unwrap_or(mean))).collect();
        out.replace(name, filled.with_name(name.into()).into_column()).map_err(|_| DataError::Parse)?;
    }
    Ok(out)
}

/// The column `name` as floats, or the error that says why it cannot be.
fn numeric_column(df: &DataFrame, name: &str) -> Result<Float64Chunked, DataError> {
    let column = df.column(name).map_err(|_| DataError::UnknownColumn(name.to_string()))?;
    if !column.dtype().is_primitive_numeric() {
        return Err(DataError::WrongType(name.to_string()));
    }
    let floats = column.cast(&DataType::Float64).map_err(|_| DataError::WrongType(name.to_string()))?;
    Ok(floats.f64().map_err(|_| DataError::WrongType(name.to_string()))?.clone())
}

// -------------------------------------------------------------------------------------------
// One-hot encoding

/// Replaces a categorical column (text or integers) with one `Float64` 0/1 column per distinct
/// value, named `{column}_{value}`, appended at the end in increasing order of value.
pub fn one_hot(df: &DataFrame, column: &str) -> Result<DataFrame, DataError> {
    let col = df.column(column).map_err(|_| DataError::UnknownColumn(column.to_string()))?;
    // Each row's category as text (None where missing), and the sorted distinct categories.
    let (cells, names): (Vec<Option<String>>, Vec<String>) = if col.dtype().is_string() {
        let cells: Vec<Option<String>> =
            col.str().map_err(|_| DataError::Parse)?.iter().map(|s| s.map(String::from)).collect();
        let distinct: BTreeSet<&String> = cells.iter().flatten().collect();
        let names = distinct.into_iter().cloned().collect();
        (cells, names)
    } else if col.dtype().is_integer() {
        let ints = col.cast(&DataType::Int64).map_err(|_| DataError::Parse)?;
        let ints: Vec<Option<i64>> = ints.i64().map_err(|_| DataError::Parse)?.iter().collect();
        // Sort integers as numbers (2 before 10), then turn them into text.
        let distinct: BTreeSet<i64> = ints.iter().flatten().copied().collect();
        let cells = ints.iter().map(|v| v.map(|i| i.to_string())).collect();
        (cells, distinct.into_iter().map(|i| i.to_string()).collect())
    } else {
        return Err(DataError::WrongType(column.to_string()));
    };

    let mut out = df.drop(column).map_err(|_| DataError::Parse)?;
    for value in &names {
        // A missing category matches no value: its row is all zeros.
        let indicator: Vec<f64> = cells.iter().map(|c| if c.as_ref() == Some(value) { 1.0 } else { 0.0 }).collect();
        let name = format!("{column}_{value}");
        out.with_column(Column::new(name.into(), indicator)).map_err(|_| DataError::Parse)?;
    }
    Ok(out)
}

// -------------------------------------------------------------------------------------------
// Scaling

/// Standardisation: each feature shifted by its training mean and divided by its training
/// standard deviation (population, divide by n).
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler {
    pub mean: Array1<f64>,
    pub std: Array1<f64>,
}

impl StandardScaler {
    /// Learns each column's mean and population standard deviation from `train`.
    pub fn fit(train: ArrayView2<f64>) -> Result<StandardScaler, DataError> {
        if train.nrows() == 0 {
            return Err(DataError::Empty);
        }
        let mean = train.mean_axis(Axis(0)).ok_or(DataError::Empty)?;
        // Population variance: the mean of squared deviations (ddof = 0, as scikit-learn).
        let std = train.var_axis(Axis(0), 0.0).mapv(f64::sqrt);
        Ok(StandardScaler { mean, std })
    }

    /// `(x - mean) / std` column by column, with the statistics learnt by `fit` (never those of
    /// `x`: the test set must not leak into the preprocessing). A column with `std == 0` is
    /// only centred.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, DataError> {
        if x.ncols() != self.mean.len() {
            return Err(DataError::ShapeMismatch);
        }
        let scale = self.std.mapv(|s| if s == 0.0 { 1.0 } else { s });
        Ok((&x - &self.mean) / &scale)
    }
}

/// Min-max scaling: each feature mapped so that its training minimum becomes 0 and its training
/// maximum 1.
#[derive(Debug, Clone, PartialEq)]
pub struct MinMaxScaler {
    pub min: Array1<f64>,
    pub max: Array1<f64>,
}

impl MinMaxScaler {
    /// Learns each column's minimum and maximum from `train`.
    pub fn fit(train: ArrayView2<f64>) -> Result<MinMaxScaler, DataError> {
        if train.nrows() == 0 {
            return Err(DataError::Empty);
        }
        let min = train.fold_axis(Axis(0), f64::INFINITY, |&m, &v| m.min(v));
        let max = train.fold_axis(Axis(0), f64::NEG_INFINITY, |&m, &v| m.max(v));
        Ok(MinMaxScaler { min, max })
    }

    /// `(x - min) / (max - min)` column by column with the training statistics; values outside
    /// the training range land outside `[0, 1]` (no clipping). A constant column is only
    /// shifted.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, DataError> {
        if x.ncols() != self.min.len() {
            return Err(DataError::ShapeMismatch);
        }
        let range = &self.max - &self.min;
        let range = range.mapv(|r| if r == 0.0 { 1.0 } else { r });
        Ok((&x - &self.min) / &range)
    }
}

// -------------------------------------------------------------------------------------------
// Splits

/// Shuffles `v` in place: Fisher–Yates from the last index down, one draw per step.
fn shuffle(v: &mut [usize], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

fn valid_fraction(f: f64) -> bool {
    (0.0..1.0).contains(&f)
}

/// Shuffles `0..n` and cuts it into `(train, validation, test)` index lists.
// The three lists are spelled out on purpose: a learner sees exactly what comes back.
#[allow(clippy::type_complexity)]
pub fn train_val_test_split(
    n: usize,
    val_fraction: f64,
    test_fraction: f64,
    rng: &mut Rng,
) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>), DataError> {
    if !valid_fraction(val_fraction) || !valid_fraction(test_fraction) || val_fraction + test_fraction >= 1.0 {
        return Err(DataError::InvalidParameter);
    }
    let n_test = (n as f64 * test_fraction).round() as usize;
    let n_val = (n as f64 * val_fraction).round() as usize;
    if n_test + n_val >= n {
        // Also catches n == 0: the training part would be empty.
        return Err(DataError::TooFewSamples);
    }
    let mut perm: Vec<usize> = (0..n).collect();
    shuffle(&mut perm, rng);
    let test = perm[..n_test].to_vec();
    let val = perm[n_test..n_test + n_val].to_vec();
    let train = perm[n_test + n_val..].to_vec();
    Ok((train, val, test))
}

/// Splits samples into `(train, test)` so that every class keeps (up to rounding) the same
/// proportion in both parts.
pub fn stratified_split(
    labels: &[usize],
    test_fraction: f64,
    rng: &mut Rng,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::InvalidParameter);
    }
    if labels.is_empty() {
        return Err(DataError::TooFewSamples);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let classes: BTreeSet<usize> = labels.iter().copied().collect();
    for class in classes {
        // This class's samples, in increasing index order, then shuffled.
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        shuffle(&mut members, rng);
        let n_test = (members.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&members[..n_test]);
        train.extend_from_slice(&members[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

// -------------------------------------------------------------------------------------------
// Cross-validation

/// A list of `(train, test)` index lists, one per fold.
pub type Folds = Vec<(Vec<usize>, Vec<usize>)>;

fn check_k(n: usize, k: usize) -> Result<(), DataError> {
    if k < 2 {
        return Err(DataError::InvalidParameter);
    }
    if k > n {
        return Err(DataError::TooFewSamples);
    }
    Ok(())
}

/// The folds whose test parts are the given sets; each train part is everything else, sorted.
fn folds_from_tests(n: usize, tests: Vec<Vec<usize>>) -> Folds {
    tests
        .into_iter()
        .map(|test| {
            let mut in_test = vec![false; n];
            test.iter().for_each(|&i| in_test[i] = true);
            let train = (0..n).filter(|&i| !in_test[i]).collect();
            (train, test)
        })
        .collect()
}

/// K-fold cross-validation without shuffling: `k` contiguous test blocks, the first `n % k` of
/// them one sample larger.
pub fn kfold(n: usize, k: usize) -> Result<Folds, DataError> {
    check_k(n, k)?;
    let mut tests = Vec::with_capacity(k);
    let mut start = 0;
    for fold in 0..k {
        let size = n / k + usize::from(fold < n % k);
        tests.push((start..start + size).collect());
        start += size;
    }
    Ok(folds_from_tests(n, tests))
}

/// Stratified k-fold: samples ordered by (label, index) are dealt to the folds in turn, so each
/// fold gets its share of every class.
pub fn stratified_kfold(labels: &[usize], k: usize) -> Result<Folds, DataError> {
    let n = labels.len();
    check_k(n, k)?;
    let mut order: Vec<usize> = (0..n).collect();
    // Stable sort: within a class, indices stay increasing.
    order.sort_by_key(|&i| labels[i]);
    let mut tests = vec![Vec::new(); k];
    for (position, &i) in order.iter().enumerate() {
        tests[position % k].push(i);
    }
    tests.iter_mut().for_each(|t| t.sort_unstable());
    Ok(folds_from_tests(n, tests))
}

/// Time-series split (scikit-learn's `TimeSeriesSplit(n_splits=k)`): `k` test blocks of
/// `n / (k + 1)` samples at the end of the series, each trained on everything before it.
pub fn time_series_split(n: usize, k: usize) -> Result<Folds, DataError> {
    if k < 2 {
        return Err(DataError::InvalidParameter);
    }
    if k + 1 > n {
        return Err(DataError::TooFewSamples);
    }
    let test_size = n / (k + 1);
    let first = n - k * test_size;
    Ok((0..k)
        .map(|f| {
            let start = first + f * test_size;
            ((0..start).collect(), (start..start + test_size).collect())
        })
        .collect())
}
