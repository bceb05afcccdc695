//! Glue for `stage5::cnn`. A model's weights travel as a list of `(name, tensor)` pairs, built
//! into a `VarBuilder` (`F64`, CPU) as a checkpoint would be; the model is built from it and run
//! on `x`. An architecture for `cost` travels as a list of layers, each `(kind, fields...)`.

use crate::convert::Stage5;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage5::cnn::{self, AlexNet, Cost, Inception, Layer, LeNet, MobileNetBlock, ResidualBlock, Vgg};
use std::collections::HashMap;

probe_runtime::glue! { Stage5;
    "stage5.cnn.lenet" => |weights: Weights, x: Tensor| LeNet::new(weights.vb()).and_then(|m| m.forward(&x));
    "stage5.cnn.alexnet" => |weights: Weights, x: Tensor| AlexNet::new(weights.vb()).and_then(|m| m.forward(&x));
    "stage5.cnn.vgg" => |weights: Weights, in_channels: usize, side: usize, blocks: Vec<Vec<f64>>, classes: usize, x: Tensor| {
        let blocks: Vec<Vec<usize>> = blocks.iter().map(|b| b.iter().map(|&w| w as usize).collect()).collect();
        Vgg::new(weights.vb(), in_channels, side, &blocks, classes).and_then(|m| m.forward(&x))
    };
    "stage5.cnn.resnet_block" => |weights: Weights, cin: usize, cout: usize, stride: usize, x: Tensor| {
        ResidualBlock::new(weights.vb(), cin, cout, stride).and_then(|m| m.forward(&x))
    };
    "stage5.cnn.inception" => |weights: Weights, cin: usize, widths: Vec<usize>, x: Tensor| {
        let w = (widths[0], widths[1], widths[2], widths[3], widths[4], widths[5]);
        Inception::new(weights.vb(), cin, w).and_then(|m| m.forward(&x))
    };
    "stage5.cnn.mobilenet_block" => |weights: Weights, cin: usize, cout: usize, stride: usize, x: Tensor| {
        MobileNetBlock::new(weights.vb(), cin, cout, stride).and_then(|m| m.forward(&x))
    };
    "stage5.cnn.cost" => |input: Vec<usize>, layers: Layers| cnn::cost(&input, &layers.0) => (output, params, macs);
    "stage5.cnn.iou" => |pairs: Vec<Vec<f64>>| {
        pairs.iter().map(|p| cnn::iou(quad(&p[..4]), quad(&p[4..]))).collect::<Vec<f64>>()
    };
    "stage5.cnn.nms" => |boxes: Vec<Vec<f64>>, scores: Vec<f64>, threshold: f64| {
        let boxes: Vec<[f64; 4]> = boxes.iter().map(|b| quad(b)).collect();
        cnn::non_max_suppression(&boxes, &scores, threshold)
    };
}

fn quad(b: &[f64]) -> [f64; 4] {
    [b[0], b[1], b[2], b[3]]
}

/// Named tensors, as in a checkpoint.
pub struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn vb(self) -> VarBuilder<'static> {
        VarBuilder::from_tensors(self.0, DType::F64, &Device::Cpu)
    }
}

impl Arg<'_, Stage5> for Weights {
    fn arg(v: &Value) -> Weights {
        let pair = |p: &Value| (p.at(0).text().to_string(), <Tensor as Arg<Stage5>>::arg(p.at(1)));
        Weights(v.list().iter().map(pair).collect())
    }
}

/// An architecture for `cost`.
pub struct Layers(Vec<Layer>);

impl Arg<'_, Stage5> for Layers {
    fn arg(v: &Value) -> Layers {
        Layers(v.list().iter().map(layer).collect())
    }
}

fn layer(v: &Value) -> Layer {
    let f = v.list();
    let n = |i: usize| f[i].usize();
    let nested = |v: &Value| v.list().iter().map(layer).collect::<Vec<Layer>>();
    match f[0].text() {
        "conv" => Layer::Conv { out: n(1), kernel: n(2), stride: n(3), padding: n(4), groups: n(5), bias: f[6].bool() },
        "maxpool" => Layer::MaxPool { kernel: n(1), stride: n(2), padding: n(3) },
        "avgpool" => Layer::AvgPool { kernel: n(1), stride: n(2), padding: n(3) },
        "gap" => Layer::GlobalAvgPool,
        "bn" => Layer::BatchNorm,
        "relu" => Layer::Relu,
        "flatten" => Layer::Flatten,
        "linear" => Layer::Linear { out: n(1), bias: f[2].bool() },
        "residual" => Layer::Residual { main: nested(&f[1]), shortcut: nested(&f[2]) },
        "concat" => Layer::Concat(f[1].list().iter().map(nested).collect()),
        other => panic!("glue: no layer kind {other}"),
    }
}

impl Ret<Stage5> for Cost {
    fn ret(self) -> Value {
        Value::List(vec![
            Value::Ints(self.output.iter().map(|&d| d as i64).collect()),
            Value::Int(self.params as i64),
            Value::Int(self.macs as i64),
        ])
    }
}
