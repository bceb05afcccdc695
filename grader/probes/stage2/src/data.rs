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

use crate::convert::{array2, value1, value2, value_labels};
use grader_protocol::{error_variant, Value};
use polars::prelude::*;
use probe_runtime::Handler;
use stage2::data::{self, DataError, Folds, MinMaxScaler, StandardScaler};
use stage2::rng::Rng;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage2.data.load_csv" => |v: &Value| {
            let path = match v {
                Value::Text(csv) => {
                    let path = std::path::PathBuf::from("input.csv");
                    std::fs::write(&path, csv).expect("glue: cannot write the CSV file");
                    path
                }
                _ => std::path::PathBuf::from("no_such_directory/missing.csv"),
            };
            encode(data::load_csv(&path), frame)
        },
        "stage2.data.fill_missing_mean" => |v: &Value| {
            let mut df = parse_csv(v.at(0).text());
            // Columns the case declares numeric (an all-empty CSV column would be read as text).
            for name in v.at(2).list().iter().map(Value::text) {
                let col = df.column(name).expect("glue: declared column").cast(&DataType::Float64).expect("glue: cast");
                df.with_column(col).expect("glue: replace column");
            }
            let names: Vec<&str> = v.at(1).list().iter().map(Value::text).collect();
            encode(data::fill_missing_with_mean(&df, &names), frame)
        },
        "stage2.data.one_hot" => |v: &Value| encode(data::one_hot(&parse_csv(v.at(0).text()), v.at(1).text()), frame),
        "stage2.data.standard_scaler" => |v: &Value| {
            let (train, test) = (array2(v.at(0)), array2(v.at(1)));
            encode(
                StandardScaler::fit(train.view()).and_then(|s| {
                    let (a, b) = (s.transform(train.view())?, s.transform(test.view())?);
                    Ok(Value::List(vec![value1(s.mean), value1(s.std), value2(a), value2(b)]))
                }),
                |x| x,
            )
        },
        "stage2.data.minmax_scaler" => |v: &Value| {
            let (train, test) = (array2(v.at(0)), array2(v.at(1)));
            encode(
                MinMaxScaler::fit(train.view()).and_then(|s| {
                    let (a, b) = (s.transform(train.view())?, s.transform(test.view())?);
                    Ok(Value::List(vec![value1(s.min), value1(s.max), value2(a), value2(b)]))
                }),
                |x| x,
            )
        },
        "stage2.data.train_val_test_split" => |v: &Value| {
            let mut rng = Rng::new(v.at(3).int() as u64);
            encode(
                data::train_val_test_split(v.at(0).usize(), v.at(1).float(), v.at(2).float(), &mut rng),
                |(a, b, c)| Value::List(vec![value_labels(&a), value_labels(&b), value_labels(&c)]),
            )
        },
        "stage2.data.stratified_split" => |v: &Value| {
            let mut rng = Rng::new(v.at(2).int() as u64);
            let labels = crate::convert::labels(v.at(0));
            encode(data::stratified_split(&labels, v.at(1).float(), &mut rng), |(a, b)| {
                Value::List(vec![value_labels(&a), value_labels(&b)])
            })
        },
        "stage2.data.kfold" => |v: &Value| encode(data::kfold(v.at(0).usize(), v.at(1).usize()), folds),
        "stage2.data.stratified_kfold" => {
            |v: &Value| encode(data::stratified_kfold(&crate::convert::labels(v.at(0)), v.at(1).usize()), folds)
        }
        "stage2.data.time_series_split" => {
            |v: &Value| encode(data::time_series_split(v.at(0).usize(), v.at(1).usize()), folds)
        }
        _ => return None,
    })
}

/// `Ok(t)` through `f`, `Err(e)` as the error variant's name.
fn encode<T>(r: Result<T, DataError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(t) => f(t),
        Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
    }
}

/// CSV text as a `DataFrame`, with polars' default options (the same the exercise asks for).
fn parse_csv(csv: &str) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(csv.as_bytes().to_vec()))
        .finish()
        .expect("glue: course CSV does not parse")
}

/// A `DataFrame` as `List[names, dtypes, values]` (see the module documentation).
fn frame(df: DataFrame) -> Value {
    let (rows, cols) = df.shape();
    let mut names = Vec::with_capacity(cols);
    let mut dtypes = Vec::with_capacity(cols);
    let mut data = vec![f64::NAN; rows * cols];
    for (j, col) in df.columns().iter().enumerate() {
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

fn folds(f: Folds) -> Value {
    Value::List(
        f.into_iter().map(|(train, test)| Value::List(vec![value_labels(&train), value_labels(&test)])).collect(),
    )
}
