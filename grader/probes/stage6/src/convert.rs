//! Conversions between wire values and the crate's own types.

/// This glue crate's marker for `probe_runtime::glue::{Arg, Ret}`.
pub struct Stage6;
