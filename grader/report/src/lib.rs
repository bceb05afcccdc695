//! The grader's results as data: what one run of `grader check` found, independent of how it
//! is shown. The engine produces a [`Report`]; the writers here turn it into JSON (versioned,
//! with a JSON Schema), JUnit XML and a self-contained HTML page.
//!
//! Changing a field's meaning or removing one bumps [`SCHEMA_VERSION`]; adding an optional field
//! does not.

mod html;
mod junit;
mod model;
pub mod num;
pub mod text;

pub use html::render_html;
pub use junit::render_junit;
pub use model::*;

/// Version of the JSON report's schema (`schema_version` in every report).
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of [`Report`], as committed in `grader/report/report.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n"
}

/// The report as pretty JSON.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serialises") + "\n"
}

/// Errors of the writers.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("failed to render the HTML template: {0}")]
    Template(String),
    #[error("failed to write JUnit XML: {0}")]
    Junit(String),
}
