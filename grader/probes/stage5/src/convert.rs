//! This glue crate's marker and the conversions its modules share; the tensor conversions are
//! `probe_runtime::tensor`'s.

pub use probe_runtime::tensor::device;

use candle_core::{DType, Tensor};
use grader_protocol::Value;
use probe_runtime::glue::Arg;

/// This glue crate's marker for `probe_runtime::glue::{Arg, Ret}`.
pub struct Stage5;

/// `t` as the speed inputs want it: `F32` on the probe's device (the GPU when the grader asks
/// for it) when `gpu`, unchanged otherwise.
pub fn on_device(t: Tensor, gpu: bool) -> Tensor {
    if gpu {
        t.to_dtype(DType::F32).and_then(|t| t.to_device(&device())).expect("glue: to the GPU")
    } else {
        t
    }
}

/// Token ids (matrices of whole numbers on the wire) as a `U32` tensor.
pub struct Ids(pub Tensor);

impl Arg<'_, Stage5> for Ids {
    fn arg(v: &Value) -> Ids {
        Ids(t(v).to_dtype(DType::U32).expect("glue: ids"))
    }
}

/// A wire tensor as candle's (`F64`, CPU).
pub fn t(v: &Value) -> Tensor {
    <Tensor as Arg<Stage5>>::arg(v)
}
