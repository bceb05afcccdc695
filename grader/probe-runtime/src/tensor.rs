//! Conversions between wire values and candle tensors, for every stage built on candle (feature
//! `candle`). The grader's inputs are `F64` on the CPU.

use crate::glue::{Arg, Ret};
use candle_core::{DType, Device, Tensor};
use grader_protocol::Value;

/// The device timed GPU inputs run on: CUDA when the grader asks for it (`COMPUTE_DEVICE=cuda`,
/// probe built with the `cuda` feature of this crate), the CPU otherwise.
pub fn device() -> Device {
    #[cfg(feature = "cuda")]
    if std::env::var("COMPUTE_DEVICE").as_deref() == Ok("cuda") {
        return Device::new_cuda(0).expect("glue: no CUDA device");
    }
    Device::Cpu
}

/// A wire matrix, vector or number as a tensor of rank 2, 1 or 0 (`F64`, CPU): the suites send
/// tensors of the wrong rank on purpose.
impl<M> Arg<'_, M> for Tensor {
    fn arg(v: &Value) -> Tensor {
        match v {
            Value::Matrix { rows, cols, data } => {
                Tensor::from_slice(data, (*rows, *cols), &Device::Cpu).expect("glue: matrix shape")
            }
            Value::Floats(d) => Tensor::from_slice(d, d.len(), &Device::Cpu).expect("glue: vector"),
            Value::Tensor { shape, data } => {
                Tensor::from_slice(data, shape.as_slice(), &Device::Cpu).expect("glue: tensor shape")
            }
            _ => Tensor::new(v.float(), &Device::Cpu).expect("glue: scalar"),
        }
    }
}

/// A tensor back on the wire: see [`value`].
impl<M> Ret<M> for Tensor {
    fn ret(self) -> Value {
        value(&self)
    }
}

/// A tensor back on the wire: rank 0 → float, rank 1 → vector, rank 2 → matrix, rank 3 and more
/// → tensor (shape and row-major data). The values are read back as `F64` on the CPU.
pub fn value(t: &Tensor) -> Value {
    let t = t.to_device(&Device::Cpu).and_then(|t| t.to_dtype(DType::F64)).expect("glue: readback");
    match t.dims() {
        [] => Value::Float(t.to_scalar::<f64>().expect("glue: scalar")),
        [_] => Value::Floats(t.to_vec1::<f64>().expect("glue: vector")),
        [r, c] => Value::matrix(*r, *c, t.flatten_all().and_then(|f| f.to_vec1::<f64>()).expect("glue: matrix")),
        dims => Value::tensor(dims.to_vec(), t.flatten_all().and_then(|f| f.to_vec1::<f64>()).expect("glue: tensor")),
    }
}

/// An optional tensor (a layer's bias): `Unit` on the wire is `None`.
impl<M> Arg<'_, M> for Option<Tensor> {
    fn arg(v: &Value) -> Option<Tensor> {
        match v {
            Value::Unit => None,
            v => Some(<Tensor as Arg<M>>::arg(v)),
        }
    }
}

/// Tensors given one by one (a list of parameters or of gradients).
impl<M> Arg<'_, M> for Vec<Tensor> {
    fn arg(v: &Value) -> Vec<Tensor> {
        v.list().iter().map(<Tensor as Arg<M>>::arg).collect()
    }
}

/// One list of tensors per step.
impl<M> Arg<'_, M> for Vec<Vec<Tensor>> {
    fn arg(v: &Value) -> Vec<Vec<Tensor>> {
        v.list().iter().map(<Vec<Tensor> as Arg<M>>::arg).collect()
    }
}

/// An error on the wire, by variant name (`candle_core::Error::ShapeMismatchBinaryOp` → `ShapeMismatchBinaryOp`).
pub fn err<E: std::fmt::Debug>(e: E) -> Value {
    Value::Error(grader_protocol::error_variant(&format!("{e:?}")))
}

/// Tensors back on the wire one by one, as a list (one per parameter).
impl<M> Ret<M> for Vec<Tensor> {
    fn ret(self) -> Value {
        Value::List(self.iter().map(value).collect())
    }
}

/// Lists of tensors as a list of lists (the parameters after each step).
impl<M> Ret<M> for Vec<Vec<Tensor>> {
    fn ret(self) -> Value {
        Value::List(self.into_iter().map(<Vec<Tensor> as Ret<M>>::ret).collect())
    }
}

/// A library optimiser (candle-nn's, built by `build` on `Var`s holding `params`) run on given
/// gradients, for baselines: each step's gradients are planted through the loss
/// `Σ_i sum(θ_i ⊙ g_i)`, whose gradient with respect to `θ_i` is exactly `g_i`, and
/// `backward_step` takes the step. Reports the parameters after each step, as a list of one
/// list of tensors; a step whose gradients do not fit is skipped and reported as `Unit`, like a
/// refused step.
pub fn planted_steps<O>(
    params: &[Tensor],
    grads: &[Vec<Tensor>],
    build: impl FnOnce(Vec<candle_core::Var>) -> candle_core::Result<O>,
    mut backward_step: impl FnMut(&mut O, &Tensor) -> candle_core::Result<()>,
) -> Value {
    let vars: Vec<candle_core::Var> =
        params.iter().map(|t| candle_core::Var::from_tensor(t).expect("glue: var")).collect();
    let mut opt = build(vars.clone()).expect("glue: library optimiser");
    let mut out = Vec::new();
    for grads in grads {
        let fits = grads.len() == vars.len() && vars.iter().zip(grads).all(|(p, g)| p.shape() == g.shape());
        if !fits {
            out.push(Value::Unit);
            continue;
        }
        if !vars.is_empty() {
            let mut loss = Tensor::new(0.0f64, &Device::Cpu).expect("glue: zero");
            for (p, g) in vars.iter().zip(grads) {
                let term = p.as_tensor().mul(g).and_then(|t| t.sum_all()).expect("glue: θ ⊙ g");
                loss = (loss + term).expect("glue: loss");
            }
            backward_step(&mut opt, &loss).expect("glue: library step");
        }
        let params: Vec<Value> = vars.iter().map(|p| value(&p.as_tensor().copy().expect("glue: copy"))).collect();
        out.push(Value::List(vec![Value::List(params)]));
    }
    Value::List(out)
}

/// What a project returned (the mini-projects' training runs): the value, or an error with its
/// message, cut to 400 characters, which the check shows (a function exercise's error travels
/// as its variant's name only).
pub struct Reported<T>(pub candle_core::Result<T>);

impl<M, T: Ret<M>> Ret<M> for Reported<T> {
    fn ret(self) -> Value {
        match self.0 {
            Ok(t) => t.ret(),
            Err(e) => Value::Error(e.to_string().chars().take(400).collect()),
        }
    }
}
