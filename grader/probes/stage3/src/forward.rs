//! Glue for `stage3::forward`.
//!
//! Dense inputs are `(x, W, b)`; a trailing `Text("cuda")` (added by the suite's GPU speed
//! input only) asks for the tensors as `F32` on [`convert::device`], the way a GPU speed target
//! runs. Layers travel as lists `(W, b, activation name)`.

use crate::convert::{self, err, tensor1, tensor2, value};
use candle_core::{DType, Device, Tensor};
use grader_protocol::Value;
use probe_runtime::Handler;
use stage3::forward::{self, Activation, Layer, Standardizer};
use stage3::rng::Rng;

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage3.forward.dense_forward" | "stage3.forward.dense_forward_gpu" => |v: &Value| {
            let gpu = on_gpu(v);
            let (x, w, b) = (placed(tensor(v.at(0)), gpu), placed(tensor(v.at(1)), gpu), placed(tensor(v.at(2)), gpu));
            encode(forward::dense_forward(&x, &w, &b))
        },
        "stage3.forward.mlp_forward" => |v: &Value| {
            let gpu = on_gpu(v);
            let x = placed(tensor(v.at(0)), gpu);
            let layers: Vec<Layer> = layers(v.at(1)).into_iter().map(|l| place_layer(l, gpu)).collect();
            encode(forward::mlp_forward(&x, &layers))
        },
        "stage3.forward.xavier_uniform" => |v: &Value| {
            let (o, i, mut rng) = init_args(v);
            encode(forward::xavier_uniform(o, i, DType::F64, &Device::Cpu, &mut rng))
        },
        "stage3.forward.xavier_normal" => |v: &Value| {
            let (o, i, mut rng) = init_args(v);
            encode(forward::xavier_normal(o, i, DType::F64, &Device::Cpu, &mut rng))
        },
        "stage3.forward.he_normal" => |v: &Value| {
            let (o, i, mut rng) = init_args(v);
            encode(forward::he_normal(o, i, DType::F64, &Device::Cpu, &mut rng))
        },
        "stage3.forward.standardize" => |v: &Value| {
            let s = match Standardizer::fit(&tensor(v.at(0))) {
                Ok(s) => s,
                Err(e) => return err(e),
            };
            match s.transform(&tensor(v.at(1))) {
                Ok(t) => Value::List(vec![value(&s.mean), value(&s.std), value(&t)]),
                Err(e) => err(e),
            }
        },
        _ => return None,
    })
}

/// A wire matrix, vector or number as a tensor of rank 2, 1 or 0 (`F64`, CPU): the suites send
/// tensors of the wrong rank on purpose.
pub fn tensor(v: &Value) -> Tensor {
    match v {
        Value::Matrix { .. } => tensor2(v),
        Value::Floats(_) => tensor1(v),
        _ => convert::scalar(v),
    }
}

/// An activation by name (`identity`, `relu`, `sigmoid`, `tanh`).
pub fn activation(v: &Value) -> Activation {
    match v.text() {
        "identity" => Activation::Identity,
        "relu" => Activation::Relu,
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        other => panic!("glue: unknown activation {other:?}"),
    }
}

/// A list of layers, each `(W, b, activation name)`.
pub fn layers(v: &Value) -> Vec<Layer> {
    v.list()
        .iter()
        .map(|l| Layer { weight: tensor(l.at(0)), bias: tensor(l.at(1)), activation: activation(l.at(2)) })
        .collect()
}

/// Whether the input ends with the GPU marker `Text("cuda")`.
fn on_gpu(v: &Value) -> bool {
    matches!(v.list().last(), Some(Value::Text(t)) if t == "cuda")
}

/// The tensor as `F32` on the probe's device when `gpu`, unchanged otherwise.
fn placed(t: Tensor, gpu: bool) -> Tensor {
    if gpu {
        t.to_dtype(DType::F32).and_then(|t| t.to_device(&convert::device())).expect("glue: to the GPU")
    } else {
        t
    }
}

fn place_layer(l: Layer, gpu: bool) -> Layer {
    Layer { weight: placed(l.weight, gpu), bias: placed(l.bias, gpu), activation: l.activation }
}

fn init_args(v: &Value) -> (usize, usize, Rng) {
    (v.at(0).usize(), v.at(1).usize(), Rng::new(v.at(2).int() as u64))
}

fn encode<E: std::fmt::Debug>(r: Result<Tensor, E>) -> Value {
    match r {
        Ok(t) => value(&t),
        Err(e) => err(e),
    }
}
