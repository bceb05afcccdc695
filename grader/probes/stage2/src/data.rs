//! Glue for `stage2::data`.
//!
//! Encodings on the wire (course code, not the student's):
//! - a `DataFrame` goes out as `List[names, dtypes, values]`: `names` and `dtypes` are `List`s
//!   of `Text` (column names, and polars' short dtype names such as `f64`, `i64`, `str`), and
//!   `values` is a `rows x cols` `Matrix` holding every numeric (or boolean) column cast to
//!   `f64`, nulls as NaN, and NaN for every cell of a non-numeric column;
//! - a `DataFrame` comes in as CSV text, parsed here with polars' default CSV options
//!   (`fill_missing_mean` adds a list of column names the glue casts to `Float64` after parsing,
//!   so that a column with no value at all can be numeric);
//! - `load_csv` takes `Text` (the file's content, written by this glue to a file in the
//!   probe's working directory, its scratch directory) or `Unit` (a path that does not exist);
//! - index lists are `Ints`; folds are a `List` of `List[train, test]`; a seed is an `Int`
//!   holding the `u64`'s bits.
//!
//! The scalers return `(fitted statistics, training rows transformed, test rows transformed)`:
//! `(mean, std, train, test)` and `(min, max, train, test)`.

use crate::convert::Stage2;
use grader_protocol::Value;
use ndarray::{Array1, Array2, ArrayView2};
use polars::prelude::*;
use probe_runtime::glue::{Arg, Ret};
use stage2::data::{self, DataError, MinMaxScaler, StandardScaler};
use stage2::rng::Rng;
use std::path::PathBuf;

probe_runtime::glue! { Stage2;
    "stage2.data.load_csv" => |file: CsvFile| data::load_csv(&file.0);
    "stage2.data.fill_missing_mean" => |frame: DataFrame, columns: Vec<&str>, numeric: Vec<&str>| {
        data::fill_missing_with_mean(&as_float(frame, &numeric), &columns)
    };
    "stage2.data.one_hot" => |frame: DataFrame, column: &str| data::one_hot(&frame, column);
    "stage2.data.standard_scaler" => |train: ArrayView2<f64>, test: ArrayView2<f64>| standard_scaler(train, test);
    "stage2.data.minmax_scaler" => |train: ArrayView2<f64>, test: ArrayView2<f64>| minmax_scaler(train, test);
    "stage2.data.train_val_test_split" => |n: usize, val_fraction: f64, test_fraction: f64, seed: u64| {
        data::train_val_test_split(n, val_fraction, test_fraction, &mut Rng::new(seed))
    };
    "stage2.data.stratified_split" => |labels: Vec<usize>, test_fraction: f64, seed: u64| {
        data::stratified_split(&labels, test_fraction, &mut Rng::new(seed))
    };
    "stage2.data.kfold" => |n: usize, k: usize| data::kfold(n, k);
    "stage2.data.stratified_kfold" => |labels: Vec<usize>, k: usize| data::stratified_kfold(&labels, k);
    "stage2.data.time_series_split" => |n: usize, k: usize| data::time_series_split(n, k);
}

type Scaled = (Array1<f64>, Array1<f64>, Array2<f64>, Array2<f64>);

/// `(mean, std, train, test)`: the scaler fitted on `train`, and both transformed by it.
fn standard_scaler(train: ArrayView2<f64>, test: ArrayView2<f64>) -> Result<Scaled, DataError> {
    let s = StandardScaler::fit(train)?;
    let (a, b) = (s.transform(train)?, s.transform(test)?);
    Ok((s.mean, s.std, a, b))
}

/// `(min, max, train, test)`: the scaler fitted on `train`, and both transformed by it.
fn minmax_scaler(train: ArrayView2<f64>, test: ArrayView2<f64>) -> Result<Scaled, DataError> {
    let s = MinMaxScaler::fit(train)?;
    let (a, b) = (s.transform(train)?, s.transform(test)?);
    Ok((s.min, s.max, a, b))
}

/// The path `load_csv` is called with: `Text` is the file's content, written here to
/// `input.csv`; `Unit` is a path that does not exist.
struct CsvFile(PathBuf);

impl Arg<'_, Stage2> for CsvFile {
    fn arg(v: &Value) -> CsvFile {
        CsvFile(match v {
            Value::Text(csv) => {
                let path = PathBuf::from("input.csv");
                std::fs::write(&path, csv).expect("glue: cannot write the CSV file");
                path
            }
            _ => PathBuf::from("no_such_directory/missing.csv"),
        })
    }
}

/// CSV text as a `DataFrame`, with polars' default options (the same the exercise asks for).
impl Arg<'_, Stage2> for DataFrame {
    fn arg(v: &Value) -> DataFrame {
        CsvReadOptions::default()
            .with_has_header(true)
            .into_reader_with_file_handle(std::io::Cursor::new(v.text().as_bytes().to_vec()))
            .finish()
            .expect("glue: course CSV does not parse")
    }
}

/// `df` with the columns the case declares numeric cast to `Float64` (an all-empty CSV column
/// would be read as text).
fn as_float(mut df: DataFrame, columns: &[&str]) -> DataFrame {
    for name in columns {
        let col = df.column(name).expect("glue: declared column").cast(&DataType::Float64).expect("glue: cast");
        df.with_column(col).expect("glue: replace column");
    }
    df
}

/// A `DataFrame` as `List[names, dtypes, values]` (see the module documentation).
impl Ret<Stage2> for DataFrame {
    fn ret(self) -> Value {
        let (rows, cols) = self.shape();
        let mut names = Vec::with_capacity(cols);
        let mut dtypes = Vec::with_capacity(cols);
        let mut data = vec![f64::NAN; rows * cols];
        for (j, col) in self.columns().iter().enumerate() {
            names.push(Value::Text(col.name().to_string()));
            dtypes.push(Value::Text(col.dtype().to_string()));
            if col.dtype().is_primitive_numeric() || col.dtype().is_bool() {
                let floats = col.cast(&DataType::Float64).expect("glue: numeric column to f64");
                for (i, x) in floats.f64().expect("glue: f64 column").iter().enumerate() {
                    data[i * cols + j] = x.unwrap_or(f64::NAN);
                }
            }
        }
        Value::List(vec![Value::List(names), Value::List(dtypes), Value::matrix(rows, cols, data)])
    }
}
