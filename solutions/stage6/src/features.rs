//! A feature store's offline side: training rows joined point in time.
//!
//! A model that predicts churn at the moment a user opened a ticket may only see what was known
//! at that moment. Joining the labels with each feature table's *latest* row leaks the future
//! (a balance recorded after the ticket, a count that includes the ticket itself): the model
//! looks excellent offline and fails in production. Feature stores (Feast, Tecton, Hopsworks)
//! answer with a point-in-time join: for each label event `(entity, ts)`, each table's row of the
//! same entity with the largest timestamp `<= ts`, and only if it is at most `max_age` old.
//! That is exactly an as-of join: polars' `join_asof_by` (backward strategy, by entity, with a
//! tolerance, equal timestamps allowed).
//!
//! # Inputs (CSV text, with a header)
//! - `events`: columns `entity` (text), `ts` (integer seconds), `label` (integer), in any order
//!   and possibly with more columns (ignored); rows in any order of time.
//! - `tables`: `(name, csv)` pairs; each CSV has `entity` (text), `ts` (integer) and one or more
//!   feature columns (numbers; read them as `Float64`, whatever the CSV reader infers).
//!
//! # Output
//! A data frame with one row per event, **in the events' input order**, and the columns
//! `entity`, `ts`, `label`, then each table's feature columns in the tables' order and each
//! table's column order. A feature is null where its table has no row of that entity at or
//! before `ts`, or where that row is older than `ts - max_age`.
//!
//! # Errors
//! - `Schema`: a CSV that does not parse, or lacks `entity`, `ts` (or `label` for the events), or a
//!   table with no feature column.
//! - `DuplicateColumn`: two tables (or a table and the events' `entity`/`ts`/`label`) name the
//!   same output column.
//! - `DuplicateKey`: a table with two rows of one `(entity, ts)`: which one was true at `ts`
//!   would be a matter of row order.
//! - `Negative`: `max_age < 0`.
//!
//! # Shapes and edges
//! Events and tables may be empty (an empty events table gives an empty frame with the columns).
//! An entity with no rows in a table gets nulls. Timestamps may be negative.

use polars::prelude::*;
use std::io::Cursor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    Schema,
    DuplicateColumn,
    DuplicateKey,
    Negative,
}

fn read(csv: &str) -> Result<DataFrame, StoreError> {
    CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(Cursor::new(csv.as_bytes().to_vec()))
        .finish()
        .map_err(|_| StoreError::Schema)
}

/// `entity` as text and `ts` as Int64, or `Schema`.
fn keys(df: DataFrame) -> Result<DataFrame, StoreError> {
    let has = |c: &str| df.get_column_names().iter().any(|n| n.as_str() == c);
    if !has("entity") || !has("ts") {
        return Err(StoreError::Schema);
    }
    df.lazy()
        .with_columns([col("entity").cast(DataType::String), col("ts").strict_cast(DataType::Int64)])
        .collect()
        .map_err(|_| StoreError::Schema)
}

/// The point-in-time training rows (see the module's documentation).
pub fn training_rows(events: &str, tables: &[(String, String)], max_age: i64) -> Result<DataFrame, StoreError> {
    if max_age < 0 {
        return Err(StoreError::Negative);
    }
    let events = keys(read(events)?)?;
    if !events.get_column_names().iter().any(|n| n.as_str() == "label") {
        return Err(StoreError::Schema);
    }
    let events = events
        .lazy()
        .select([col("entity"), col("ts"), col("label").strict_cast(DataType::Int64)])
        .with_row_index("__row", None)
        .sort(["ts"], Default::default())
        .collect()
        .map_err(|_| StoreError::Schema)?;
    let mut taken: Vec<String> = vec!["entity".into(), "ts".into(), "label".into(), "__row".into()];
    let mut joined = events;
    for (_, csv) in tables {
        let table = keys(read(csv)?)?;
        let features: Vec<String> =
            table.get_column_names().iter().map(|n| n.to_string()).filter(|n| n != "entity" && n != "ts").collect();
        if features.is_empty() {
            return Err(StoreError::Schema);
        }
        for f in &features {
            if taken.contains(f) {
                return Err(StoreError::DuplicateColumn);
            }
            taken.push(f.clone());
        }
        let unique = table
            .clone()
            .lazy()
            .select([col("entity"), col("ts")])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
            .map_err(|_| StoreError::Schema)?
            .height();
        if unique != table.height() {
            return Err(StoreError::DuplicateKey);
        }
        let mut exprs = vec![col("entity"), col("ts")];
        exprs.extend(features.iter().map(|f| col(f.as_str()).strict_cast(DataType::Float64)));
        let table =
            table.lazy().select(exprs).sort(["ts"], Default::default()).collect().map_err(|_| StoreError::Schema)?;
        joined = joined
            .join_asof_by(
                &table,
                "ts",
                "ts",
                ["entity"],
                ["entity"],
                AsofStrategy::Backward,
                Some(AnyValue::Int64(max_age)),
                true,
                false,
            )
            .map_err(|_| StoreError::Schema)?;
    }
    let out: Vec<Expr> = taken.iter().filter(|c| *c != "__row").map(|c| col(c.as_str())).collect();
    joined.lazy().sort(["__row"], Default::default()).select(out).collect().map_err(|_| StoreError::Schema)
}
