//! Public tests for `stage3::perceptron`: `cargo test -p stage3 --test perceptron`.

use stage3::candle_core::{DType, Device, Tensor};
use stage3::perceptron::{
    count_parameters, mlp_forward, train, xor_network, Activation, Edge, Graph, Layer, Neuron, ParameterCount,
    Perceptron, PerceptronError,
};

fn corners() -> Tensor {
    Tensor::new(&[[0.0f64, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], &Device::Cpu).unwrap()
}

#[test]
fn predict_puts_the_boundary_in_class_0() {
    let p = Perceptron { weights: Tensor::new(&[1.0f64, -2.0], &Device::Cpu).unwrap(), bias: 1.0 };
    let x = Tensor::new(&[[1.0f64, 1.0], [2.0, 0.0], [0.0, 1.0]], &Device::Cpu).unwrap();
    assert_eq!(p.predict(&x).unwrap().to_vec1::<f64>().unwrap(), vec![0.0, 1.0, 0.0]);
}

#[test]
fn and_converges_xor_does_not() {
    let and = train(&corners(), &[0, 0, 0, 1], 1.0, 20).unwrap();
    assert!(and.converged);
    assert_eq!(and.mistakes_per_epoch.last(), Some(&0));
    let pred = and.perceptron.predict(&corners()).unwrap().to_vec1::<f64>().unwrap();
    assert_eq!(pred, vec![0.0, 0.0, 0.0, 1.0]);

    let xor = train(&corners(), &[0, 1, 1, 0], 1.0, 25).unwrap();
    assert!(!xor.converged);
    assert_eq!(xor.mistakes_per_epoch.len(), 25);
    assert!(xor.mistakes_per_epoch.iter().all(|&m| m > 0));
}

#[test]
fn train_refuses_bad_labels_and_parameters() {
    assert_eq!(train(&corners(), &[0, 2, 0, 1], 1.0, 5).unwrap_err(), PerceptronError::InvalidLabel);
    assert_eq!(train(&corners(), &[0, 0, 1], 1.0, 5).unwrap_err(), PerceptronError::ShapeMismatch);
    assert_eq!(train(&corners(), &[0, 0, 0, 1], 0.0, 5).unwrap_err(), PerceptronError::InvalidParameter);
}

#[test]
fn the_xor_network_computes_xor() {
    let layers = xor_network(&Device::Cpu).unwrap();
    assert_eq!(layers.len(), 2);
    let out = mlp_forward(&corners(), &layers).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    for (o, t) in out.iter().zip([0.0, 1.0, 1.0, 0.0]) {
        assert!((o - t).abs() <= 0.1, "{out:?}");
    }
}

#[test]
fn mlp_forward_checks_shapes() {
    let layer = Layer {
        weight: Tensor::ones((3, 5), DType::F64, &Device::Cpu).unwrap(),
        bias: Tensor::zeros(3, DType::F64, &Device::Cpu).unwrap(),
        activation: Activation::Relu,
    };
    assert_eq!(mlp_forward(&corners(), &[layer]).unwrap_err(), PerceptronError::ShapeMismatch);
}

#[test]
fn a_graph_with_a_skip_connection() {
    // y = relu(x0 - x1 + 0.5) + 2 x0: node 2 is the hidden unit, node 3 the output.
    let graph = Graph {
        n_inputs: 2,
        neurons: vec![
            Neuron { bias: 0.5, activation: Activation::Relu },
            Neuron { bias: 0.0, activation: Activation::Identity },
        ],
        edges: vec![
            Edge { from: 0, to: 2, weight: 1.0 },
            Edge { from: 1, to: 2, weight: -1.0 },
            Edge { from: 2, to: 3, weight: 1.0 },
            Edge { from: 0, to: 3, weight: 2.0 },
        ],
    };
    let values = graph.forward(&corners()).unwrap().to_vec2::<f64>().unwrap();
    assert_eq!(values[2], vec![1.0, 0.0, 1.5, 3.5]);
    let backwards = Graph { edges: vec![Edge { from: 3, to: 2, weight: 1.0 }], ..graph };
    assert_eq!(backwards.forward(&corners()).unwrap_err(), PerceptronError::NotTopological);
}

#[test]
fn parameters_of_a_small_mlp() {
    assert_eq!(count_parameters(&[2, 2, 1]).unwrap(), ParameterCount { weights: 6, biases: 3 });
    assert_eq!(count_parameters(&[5]).unwrap_err(), PerceptronError::Empty);
}
