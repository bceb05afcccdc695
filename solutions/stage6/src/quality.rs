//! Data-quality monitoring: every violation of a table's schema, listed exactly.
//!
//! A model in production is fed by pipelines that other teams change: a column renamed upstream,
//! a price sent in cents, a new status nobody told you about. Before a batch reaches training or
//! scoring, a data-quality check (Great Expectations, pandera, TFDV) compares it with the schema
//! and lists what is wrong, cell by cell, so that the batch can be quarantined and the owner told
//! exactly what to fix. "Something is wrong with column 7" is not an answer; "row 1,204, column
//! `amount`: out of range" is.
//!
//! # Input
//! `csv`: a CSV text with a header; read every column as text (polars:
//! `CsvReadOptions::default().with_infer_schema_length(Some(0))`), an empty field being null.
//! `schema`: the columns expected, each with its [`Kind`], whether it may be null, an optional
//! range (inclusive, for `Int` and `Float`), an optional list of allowed values (compared as text;
//! empty: any) and whether its values must be unique.
//!
//! # Output, in this order
//! 1. `MissingColumn` for each schema column absent from the file (schema order), then
//!    `UnexpectedColumn` for each file column absent from the schema (file order); `row` is
//!    `None`.
//! 2. Then the cells, by row (0-based, data rows only), then by schema order: at most one
//!    violation per cell, the first that applies of
//!    - `Null`: null in a column that may not be;
//!    - `Type`: not an `i64` for `Int` (`str::parse`, so `" 5"`, `"1e3"` and `"5.0"` are not), not a
//!      finite `f64` for `Float`; never for `Text`;
//!    - `Range`: a parsed number below `min` or above `max`;
//!    - `NotAllowed`: the text is not among `allowed` (when the list is not empty);
//!    - `Duplicate`: in a unique column, a non-null text that an earlier row already has (nulls are
//!      never duplicates; the first occurrence is not a violation).
//!
//!    A null in a nullable column has no violation.
//!
//! # Errors
//! `Unreadable` when polars cannot read the text as CSV (a row with more fields than the header,
//! say) or two header columns share a name.

use polars::prelude::*;
use std::collections::HashSet;
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Text,
}

/// One expected column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub allowed: Vec<String>,
    pub unique: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    MissingColumn,
    UnexpectedColumn,
    Null,
    Type,
    Range,
    NotAllowed,
    Duplicate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The data row (0-based), `None` for a column's absence or presence.
    pub row: Option<usize>,
    pub column: String,
    pub rule: Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityError {
    Unreadable,
}

/// Every violation of `schema` in `csv` (see the module's documentation).
pub fn violations(csv: &str, schema: &[Column]) -> Result<Vec<Violation>, QualityError> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(Cursor::new(csv.as_bytes().to_vec()))
        .finish()
        .map_err(|_| QualityError::Unreadable)?;
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let mut out = Vec::new();
    for c in schema.iter().filter(|c| !names.contains(&c.name)) {
        out.push(Violation { row: None, column: c.name.clone(), rule: Rule::MissingColumn });
    }
    for n in names.iter().filter(|n| !schema.iter().any(|c| &c.name == *n)) {
        out.push(Violation { row: None, column: n.clone(), rule: Rule::UnexpectedColumn });
    }
    let mut columns = Vec::new();
    for c in schema.iter().filter(|c| names.contains(&c.name)) {
        let col = df.column(&c.name).map_err(|_| QualityError::Unreadable)?;
        let values: Vec<Option<String>> = col
            .as_materialized_series()
            .str()
            .map_err(|_| QualityError::Unreadable)?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        columns.push((c, values, HashSet::new()));
    }
    for row in 0..df.height() {
        for (c, values, seen) in columns.iter_mut() {
            let Some(text) = &values[row] else {
                if !c.nullable {
                    out.push(Violation { row: Some(row), column: c.name.clone(), rule: Rule::Null });
                }
                continue;
            };
            let number = match c.kind {
                Kind::Int => text.parse::<i64>().ok().map(|v| v as f64),
                Kind::Float => text.parse::<f64>().ok().filter(|v| v.is_finite()),
                Kind::Text => None,
            };
            // Every non-null text counts as seen, whatever else is wrong with its cell.
            let repeated = c.unique && !seen.insert(text.clone());
            let rule = if c.kind != Kind::Text && number.is_none() {
                Some(Rule::Type)
            } else if number.is_some_and(|v| c.min.is_some_and(|m| v < m) || c.max.is_some_and(|m| v > m)) {
                Some(Rule::Range)
            } else if !c.allowed.is_empty() && !c.allowed.contains(text) {
                Some(Rule::NotAllowed)
            } else if repeated {
                Some(Rule::Duplicate)
            } else {
                None
            };
            if let Some(rule) = rule {
                out.push(Violation { row: Some(row), column: c.name.clone(), rule });
            }
        }
    }
    Ok(out)
}
