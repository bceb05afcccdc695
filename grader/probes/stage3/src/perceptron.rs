//! Glue for `stage3::perceptron`.
//!
//! Wire shapes: a layer is `(weight matrix, bias vector, activation name)`; a graph is
//! `(x, n_inputs, [(bias, activation name)...], [(from, to, weight)...])`; labels are integers.
//! Training returns `(weights, bias, mistakes_per_epoch, converged)`, judged part by part.

use crate::convert::{value, Stage3};
use candle_core::{Device, Tensor};
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage3::perceptron::{self, Activation, Edge, Graph, Layer, Neuron, ParameterCount, Perceptron, Training};

probe_runtime::glue! { Stage3;
    "stage3.perceptron.predict" => |x: Tensor, weights: Tensor, bias: f64| Perceptron { weights, bias }.predict(&x);
    "stage3.perceptron.train" => |x: Tensor, y: Vec<u32>, lr: f64, max_epochs: usize| {
        perceptron::train(&x, &y, lr, max_epochs)
    } => (weights, bias, mistakes_per_epoch, converged);
    "stage3.perceptron.mlp_forward" => |x: Tensor, layers: Vec<Layer>| perceptron::mlp_forward(&x, &layers);
    "stage3.perceptron.xor_network" => |_unit: ()| perceptron::xor_network(&Device::Cpu);
    "stage3.perceptron.graph_forward" => |x: Tensor, n_inputs: usize, neurons: Vec<Neuron>, edges: Vec<Edge>| {
        Graph { n_inputs, neurons, edges }.forward(&x)
    };
    "stage3.perceptron.count_parameters" => |layer_sizes: Vec<usize>| perceptron::count_parameters(&layer_sizes);
}

/// `(weights, bias, mistakes_per_epoch, converged)`.
impl Ret<Stage3> for Training {
    fn ret(self) -> Value {
        let t = self;
        Ret::<Stage3>::ret((t.perceptron.weights, t.perceptron.bias, t.mistakes_per_epoch, t.converged))
    }
}

/// `(weights, biases)`.
impl Ret<Stage3> for ParameterCount {
    fn ret(self) -> Value {
        Ret::<Stage3>::ret((self.weights, self.biases))
    }
}

/// An activation by its variant name.
impl Arg<'_, Stage3> for Activation {
    fn arg(v: &Value) -> Activation {
        match v.text() {
            "Identity" => Activation::Identity,
            "Step" => Activation::Step,
            "Relu" => Activation::Relu,
            "Sigmoid" => Activation::Sigmoid,
            "Tanh" => Activation::Tanh,
            other => panic!("glue: unknown activation {other}"),
        }
    }
}

/// `(weight, bias, activation)`.
impl Arg<'_, Stage3> for Layer {
    fn arg(v: &Value) -> Layer {
        Layer {
            weight: <Tensor as Arg<Stage3>>::arg(v.at(0)),
            bias: <Tensor as Arg<Stage3>>::arg(v.at(1)),
            activation: Activation::arg(v.at(2)),
        }
    }
}

impl Arg<'_, Stage3> for Vec<Layer> {
    fn arg(v: &Value) -> Vec<Layer> {
        v.list().iter().map(Layer::arg).collect()
    }
}

/// A layer back on the wire, the activation by its variant name.
impl Ret<Stage3> for Layer {
    fn ret(self) -> Value {
        Value::List(vec![value(&self.weight), value(&self.bias), Value::Text(format!("{:?}", self.activation))])
    }
}

impl Ret<Stage3> for Vec<Layer> {
    fn ret(self) -> Value {
        Value::List(self.into_iter().map(Ret::<Stage3>::ret).collect())
    }
}

/// `(bias, activation name)`.
impl Arg<'_, Stage3> for Neuron {
    fn arg(v: &Value) -> Neuron {
        Neuron { bias: v.at(0).float(), activation: Activation::arg(v.at(1)) }
    }
}

impl Arg<'_, Stage3> for Vec<Neuron> {
    fn arg(v: &Value) -> Vec<Neuron> {
        v.list().iter().map(Neuron::arg).collect()
    }
}

/// `(from, to, weight)`.
impl Arg<'_, Stage3> for Edge {
    fn arg(v: &Value) -> Edge {
        Edge { from: v.at(0).usize(), to: v.at(1).usize(), weight: v.at(2).float() }
    }
}

impl Arg<'_, Stage3> for Vec<Edge> {
    fn arg(v: &Value) -> Vec<Edge> {
        v.list().iter().map(Edge::arg).collect()
    }
}
