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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    Schema,
    DuplicateColumn,
    DuplicateKey,
    Negative,
}

/// The point-in-time training rows (see the module's documentation).
pub fn training_rows(events: &str, tables: &[(String, String)], max_age: i64) -> Result<DataFrame, StoreError> {
    todo!()
}
