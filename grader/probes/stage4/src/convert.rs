//! This glue crate's marker; the tensor conversions are `probe_runtime::tensor`'s.

pub use probe_runtime::tensor::device;

/// This glue crate's marker for `probe_runtime::glue::{Arg, Ret}`.
pub struct Stage4;
