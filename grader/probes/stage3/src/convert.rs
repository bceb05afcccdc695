//! Conversions between wire values and candle tensors. The grader's inputs are `F64` on the CPU.

use candle_core::{DType, Device, Tensor};
use grader_protocol::Value;

/// The device timed GPU inputs run on: CUDA when the grader asks for it (`COMPUTE_DEVICE=cuda`,
/// probe built with the `cuda` feature), the CPU otherwise.
pub fn device() -> Device {
    #[cfg(feature = "cuda")]
    if std::env::var("COMPUTE_DEVICE").as_deref() == Ok("cuda") {
        return Device::new_cuda(0).expect("glue: no CUDA device");
    }
    Device::Cpu
}

/// A wire matrix as a 2-D `F64` tensor `(rows, cols)`.
pub fn tensor2(v: &Value) -> Tensor {
    let (r, c, d) = v.matrix_parts();
    Tensor::from_slice(d, (r, c), &Device::Cpu).expect("glue: matrix shape")
}

/// A wire vector as a 1-D `F64` tensor.
pub fn tensor1(v: &Value) -> Tensor {
    let d = v.floats();
    Tensor::from_slice(d, d.len(), &Device::Cpu).expect("glue: vector")
}

/// A wire float as a 0-D `F64` tensor.
pub fn scalar(v: &Value) -> Tensor {
    Tensor::new(v.float(), &Device::Cpu).expect("glue: scalar")
}

/// A tensor back on the wire: rank 0 → float, rank 1 → vector, rank 2 → matrix; anything else is
/// flattened to a vector. The values are read back as `F64` on the CPU.
pub fn value(t: &Tensor) -> Value {
    let t = t.to_device(&Device::Cpu).and_then(|t| t.to_dtype(DType::F64)).expect("glue: readback");
    match t.dims() {
        [] => Value::Float(t.to_scalar::<f64>().expect("glue: scalar")),
        [_] => Value::Floats(t.to_vec1::<f64>().expect("glue: vector")),
        [r, c] => Value::matrix(*r, *c, t.flatten_all().and_then(|f| f.to_vec1::<f64>()).expect("glue: matrix")),
        _ => Value::Floats(t.flatten_all().and_then(|f| f.to_vec1::<f64>()).expect("glue: tensor")),
    }
}

/// A `candle_core::Result<Tensor>` on the wire; an error becomes its variant name.
pub fn result(r: candle_core::Result<Tensor>) -> Value {
    match r {
        Ok(t) => value(&t),
        Err(e) => err(e),
    }
}

/// An error on the wire, by variant name (`candle_core::Error::ShapeMismatchBinaryOp` → `ShapeMismatchBinaryOp`).
pub fn err<E: std::fmt::Debug>(e: E) -> Value {
    Value::Error(grader_protocol::error_variant(&format!("{e:?}")))
}
