//! Glue for `stage3::perceptron`.
//!
//! Wire shapes: a layer is `(weight matrix, bias vector, activation name)`; a graph is
//! `(n_inputs, [(bias, activation name)...], [(from, to, weight)...])`; labels are integers.

use crate::convert::{result, tensor1, tensor2, value};
use candle_core::Device;
use grader_protocol::{error_variant, Value};
use probe_runtime::Handler;
use stage3::perceptron::{self, Activation, Edge, Graph, Layer, Neuron, Perceptron, PerceptronError};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage3.perceptron.predict" => |v: &Value| {
            let p = Perceptron { weights: tensor1(v.at(1)), bias: v.at(2).float() };
            result(p.predict(&tensor2(v.at(0))))
        },
        "stage3.perceptron.train" => |v: &Value| {
            let y = labels(v.at(1));
            encode(perceptron::train(&tensor2(v.at(0)), &y, v.at(2).float(), v.at(3).usize()), |t| {
                Value::List(vec![
                    value(&t.perceptron.weights),
                    t.perceptron.bias.into(),
                    Value::Ints(t.mistakes_per_epoch.iter().map(|&m| m as i64).collect()),
                    t.converged.into(),
                ])
            })
        },
        "stage3.perceptron.mlp_forward" => |v: &Value| {
            let layers: Vec<Layer> = v.at(1).list().iter().map(layer).collect();
            encode(perceptron::mlp_forward(&tensor2(v.at(0)), &layers), |t| value(&t))
        },
        "stage3.perceptron.xor_network" => |_: &Value| match perceptron::xor_network(&Device::Cpu) {
            Ok(layers) => Value::List(layers.iter().map(layer_value).collect()),
            Err(e) => crate::convert::err(e),
        },
        "stage3.perceptron.graph_forward" => |v: &Value| {
            let graph = Graph {
                n_inputs: v.at(1).usize(),
                neurons: v
                    .at(2)
                    .list()
                    .iter()
                    .map(|n| Neuron { bias: n.at(0).float(), activation: activation(n.at(1).text()) })
                    .collect(),
                edges: v
                    .at(3)
                    .list()
                    .iter()
                    .map(|e| Edge { from: e.at(0).usize(), to: e.at(1).usize(), weight: e.at(2).float() })
                    .collect(),
            };
            encode(graph.forward(&tensor2(v.at(0))), |t| value(&t))
        },
        "stage3.perceptron.count_parameters" => |v: &Value| {
            let sizes: Vec<usize> = v.ints().iter().map(|&s| usize::try_from(s).expect("glue: size")).collect();
            encode(perceptron::count_parameters(&sizes), |c| Value::List(vec![c.weights.into(), c.biases.into()]))
        },
        _ => return None,
    })
}

fn labels(v: &Value) -> Vec<u32> {
    v.ints().iter().map(|&l| u32::try_from(l).expect("glue: label")).collect()
}

fn activation(name: &str) -> Activation {
    match name {
        "Identity" => Activation::Identity,
        "Step" => Activation::Step,
        "Relu" => Activation::Relu,
        "Sigmoid" => Activation::Sigmoid,
        "Tanh" => Activation::Tanh,
        other => panic!("glue: unknown activation {other}"),
    }
}

/// `(weight, bias, activation)` from the wire.
fn layer(v: &Value) -> Layer {
    Layer { weight: tensor2(v.at(0)), bias: tensor1(v.at(1)), activation: activation(v.at(2).text()) }
}

/// A layer back on the wire, the activation by its variant name.
fn layer_value(l: &Layer) -> Value {
    Value::List(vec![value(&l.weight), value(&l.bias), Value::Text(format!("{:?}", l.activation))])
}

/// `Ok(t)` through `f`, `Err(e)` as the error variant's name.
fn encode<T>(r: Result<T, PerceptronError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(t) => f(t),
        Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
    }
}
