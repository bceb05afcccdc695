//! This glue crate's marker; the tensor conversions are `probe_runtime::tensor`'s.

pub use probe_runtime::tensor::device;

/// This glue crate's marker for `probe_runtime::glue::{Arg, Ret}`.
pub struct Stage4;

use candle_core::Tensor;
use grader_protocol::Value;
use probe_runtime::glue::Arg;

/// A network's layers: a list of `(W, b)` pairs on the wire.
pub struct Layers(pub Vec<(Tensor, Tensor)>);

impl Arg<'_, Stage4> for Layers {
    fn arg(v: &Value) -> Layers {
        let pair = |p: &Value| (<Tensor as Arg<Stage4>>::arg(p.at(0)), <Tensor as Arg<Stage4>>::arg(p.at(1)));
        Layers(v.list().iter().map(pair).collect())
    }
}
