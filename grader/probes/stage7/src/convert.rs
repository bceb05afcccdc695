//! The glue crate's marker type: `probe_runtime::glue::{Arg, Ret}` are implemented for it where
//! a Stage 7 type needs its own conversion (see `probe_runtime::glue`).

/// Marker for Stage 7's conversions.
pub struct Stage7;
