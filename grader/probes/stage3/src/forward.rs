//! Glue for `stage3::forward`.
//!
//! Dense inputs are `(x, W, b)`; a trailing `Text("cuda")` (added by the suite's GPU speed
//! input only, so `dense_forward_gpu` takes its input whole, as a [`Dense`]) asks for the
//! tensors as `F32` on [`convert::device`], the way a GPU speed target runs. Layers travel as
//! lists `(W, b, activation name)`. The initialisers take `(out_features, in_features, seed)`
//! and draw `F64` weights on the CPU; `standardize` returns `(mean, std, x standardised)`.

use crate::convert::{self, Stage3};
use candle_core::{DType, Device, Tensor};
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage3::forward::{self, Activation, ForwardError, Layer, Standardizer};
use stage3::rng::Rng;

probe_runtime::glue! { Stage3;
    "stage3.forward.dense_forward" => |x: Tensor, weight: Tensor, bias: Tensor| forward::dense_forward(&x, &weight, &bias);
    "stage3.forward.dense_forward_gpu" => |dense: Dense| forward::dense_forward(&dense.x, &dense.weight, &dense.bias);
    "stage3.forward.mlp_forward" => |x: Tensor, layers: Vec<Layer>| forward::mlp_forward(&x, &layers);
    "stage3.forward.xavier_uniform" => |out_features: usize, in_features: usize, seed: u64| {
        forward::xavier_uniform(out_features, in_features, DType::F64, &Device::Cpu, &mut Rng::new(seed))
    };
    "stage3.forward.xavier_normal" => |out_features: usize, in_features: usize, seed: u64| {
        forward::xavier_normal(out_features, in_features, DType::F64, &Device::Cpu, &mut Rng::new(seed))
    };
    "stage3.forward.he_normal" => |out_features: usize, in_features: usize, seed: u64| {
        forward::he_normal(out_features, in_features, DType::F64, &Device::Cpu, &mut Rng::new(seed))
    };
    "stage3.forward.standardize" => |train: Tensor, x: Tensor| standardize(&train, &x);
}

/// `(mean, std, x standardised)` with the statistics of `train`.
fn standardize(train: &Tensor, x: &Tensor) -> Result<(Tensor, Tensor, Tensor), ForwardError> {
    let s = Standardizer::fit(train)?;
    let t = s.transform(x)?;
    Ok((s.mean, s.std, t))
}

/// A dense layer's input `(x, W, b)`, with or without the GPU marker.
struct Dense {
    x: Tensor,
    weight: Tensor,
    bias: Tensor,
}

impl Arg<'_, Stage3> for Dense {
    fn arg(v: &Value) -> Dense {
        let gpu = matches!(v.list().last(), Some(Value::Text(t)) if t == "cuda");
        let part = |i: usize| placed(<Tensor as Arg<Stage3>>::arg(v.at(i)), gpu);
        Dense { x: part(0), weight: part(1), bias: part(2) }
    }
}

/// The tensor as `F32` on the probe's device when `gpu`, unchanged otherwise.
fn placed(t: Tensor, gpu: bool) -> Tensor {
    if gpu {
        t.to_dtype(DType::F32).and_then(|t| t.to_device(&convert::device())).expect("glue: to the GPU")
    } else {
        t
    }
}

/// An activation by name (`identity`, `relu`, `sigmoid`, `tanh`).
impl Arg<'_, Stage3> for Activation {
    fn arg(v: &Value) -> Activation {
        match v.text() {
            "identity" => Activation::Identity,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            other => panic!("glue: unknown activation {other:?}"),
        }
    }
}

/// A layer `(W, b, activation name)`.
impl Arg<'_, Stage3> for Layer {
    fn arg(v: &Value) -> Layer {
        Layer {
            weight: <Tensor as Arg<Stage3>>::arg(v.at(0)),
            bias: <Tensor as Arg<Stage3>>::arg(v.at(1)),
            activation: Activation::arg(v.at(2)),
        }
    }
}

/// A list of layers.
impl Arg<'_, Stage3> for Vec<Layer> {
    fn arg(v: &Value) -> Vec<Layer> {
        v.list().iter().map(Layer::arg).collect()
    }
}
