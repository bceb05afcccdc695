//! Convolutional architectures with candle-nn (reference solutions).

use candle_core::{Module, Result, Tensor};
use candle_nn::{batch_norm, conv2d, linear, BatchNorm, Conv2d, Conv2dConfig, Linear, VarBuilder};

fn cfg(padding: usize, stride: usize, groups: usize) -> Conv2dConfig {
    Conv2dConfig { padding, stride, groups, ..Default::default() }
}

fn bn(c: usize, vb: VarBuilder) -> Result<BatchNorm> {
    batch_norm(c, 1e-5, vb)
}

/// Batch norm in evaluation mode (running statistics).
fn eval(bn: &BatchNorm, x: &Tensor) -> Result<Tensor> {
    use candle_core::ModuleT;
    bn.forward_t(x, false)
}

pub struct LeNet {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl LeNet {
    pub fn new(vb: VarBuilder) -> Result<LeNet> {
        Ok(LeNet {
            conv1: conv2d(1, 6, 5, cfg(2, 1, 1), vb.pp("conv1"))?,
            conv2: conv2d(6, 16, 5, cfg(0, 1, 1), vb.pp("conv2"))?,
            fc1: linear(16 * 5 * 5, 120, vb.pp("fc1"))?,
            fc2: linear(120, 84, vb.pp("fc2"))?,
            fc3: linear(84, 10, vb.pp("fc3"))?,
        })
    }
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(x)?.tanh()?.avg_pool2d(2)?;
        let x = self.conv2.forward(&x)?.tanh()?.avg_pool2d(2)?;
        let x = x.flatten_from(1)?;
        let x = self.fc1.forward(&x)?.tanh()?;
        let x = self.fc2.forward(&x)?.tanh()?;
        self.fc3.forward(&x)
    }
}

pub struct AlexNet {
    convs: Vec<Conv2d>,
    fcs: Vec<Linear>,
}

impl AlexNet {
    pub fn new(vb: VarBuilder) -> Result<AlexNet> {
        let f = vb.pp("features");
        let c = vb.pp("classifier");
        Ok(AlexNet {
            convs: vec![
                conv2d(3, 16, 11, cfg(2, 4, 1), f.pp("0"))?,
                conv2d(16, 32, 5, cfg(2, 1, 1), f.pp("3"))?,
                conv2d(32, 48, 3, cfg(1, 1, 1), f.pp("6"))?,
                conv2d(48, 32, 3, cfg(1, 1, 1), f.pp("8"))?,
                conv2d(32, 32, 3, cfg(1, 1, 1), f.pp("10"))?,
            ],
            fcs: vec![linear(32, 64, c.pp("1"))?, linear(64, 64, c.pp("4"))?, linear(64, 10, c.pp("6"))?],
        })
    }
}

impl Module for AlexNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let pool = |x: Tensor| x.max_pool2d_with_stride(3, 2);
        let x = pool(self.convs[0].forward(x)?.relu()?)?;
        let x = pool(self.convs[1].forward(&x)?.relu()?)?;
        let x = self.convs[2].forward(&x)?.relu()?;
        let x = self.convs[3].forward(&x)?.relu()?;
        let x = pool(self.convs[4].forward(&x)?.relu()?)?;
        let x = x.flatten_from(1)?;
        let x = self.fcs[0].forward(&x)?.relu()?;
        let x = self.fcs[1].forward(&x)?.relu()?;
        self.fcs[2].forward(&x)
    }
}

pub struct Vgg {
    blocks: Vec<Vec<Conv2d>>,
    classifier: Linear,
}

impl Vgg {
    pub fn new(vb: VarBuilder, in_channels: usize, side: usize, blocks: &[Vec<usize>], classes: usize) -> Result<Vgg> {
        let mut c = in_channels;
        let mut out = Vec::new();
        for (b, widths) in blocks.iter().enumerate() {
            let mut layers = Vec::new();
            for (l, &w) in widths.iter().enumerate() {
                layers.push(conv2d(c, w, 3, cfg(1, 1, 1), vb.pp(format!("features.{b}.{l}")))?);
                c = w;
            }
            out.push(layers);
        }
        let s = side >> blocks.len();
        Ok(Vgg { blocks: out, classifier: linear(c * s * s, classes, vb.pp("classifier"))? })
    }
}

impl Module for Vgg {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for block in &self.blocks {
            for conv in block {
                x = conv.forward(&x)?.relu()?;
            }
            x = x.max_pool2d(2)?;
        }
        self.classifier.forward(&x.flatten_from(1)?)
    }
}

pub struct ResidualBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    downsample: Option<(Conv2d, BatchNorm)>,
}

impl ResidualBlock {
    pub fn new(vb: VarBuilder, in_channels: usize, out_channels: usize, stride: usize) -> Result<ResidualBlock> {
        let no_bias = |k, pad, stride, vb: VarBuilder, cin| -> Result<Conv2d> {
            let w = vb.get((out_channels, cin, k, k), "weight")?;
            Ok(Conv2d::new(w, None, cfg(pad, stride, 1)))
        };
        let downsample = if stride != 1 || in_channels != out_channels {
            Some((no_bias(1, 0, stride, vb.pp("downsample.0"), in_channels)?, bn(out_channels, vb.pp("downsample.1"))?))
        } else {
            None
        };
        Ok(ResidualBlock {
            conv1: no_bias(3, 1, stride, vb.pp("conv1"), in_channels)?,
            bn1: bn(out_channels, vb.pp("bn1"))?,
            conv2: no_bias(3, 1, 1, vb.pp("conv2"), out_channels)?,
            bn2: bn(out_channels, vb.pp("bn2"))?,
            downsample,
        })
    }
}

impl Module for ResidualBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = eval(&self.bn1, &self.conv1.forward(x)?)?.relu()?;
        let y = eval(&self.bn2, &self.conv2.forward(&y)?)?;
        let shortcut = match &self.downsample {
            Some((conv, bn)) => eval(bn, &conv.forward(x)?)?,
            None => x.clone(),
        };
        (y + shortcut)?.relu()
    }
}

pub struct Inception {
    branch1: Conv2d,
    branch2: (Conv2d, Conv2d),
    branch3: (Conv2d, Conv2d),
    branch4: Conv2d,
}

/// Output channels of the four branches and the two bottlenecks: `(b1, b2_reduce, b2, b3_reduce,
/// b3, b4)`.
pub type InceptionWidths = (usize, usize, usize, usize, usize, usize);

impl Inception {
    pub fn new(vb: VarBuilder, in_channels: usize, w: InceptionWidths) -> Result<Inception> {
        let (b1, r2, b2, r3, b3, b4) = w;
        Ok(Inception {
            branch1: conv2d(in_channels, b1, 1, cfg(0, 1, 1), vb.pp("branch1"))?,
            branch2: (
                conv2d(in_channels, r2, 1, cfg(0, 1, 1), vb.pp("branch2.0"))?,
                conv2d(r2, b2, 3, cfg(1, 1, 1), vb.pp("branch2.1"))?,
            ),
            branch3: (
                conv2d(in_channels, r3, 1, cfg(0, 1, 1), vb.pp("branch3.0"))?,
                conv2d(r3, b3, 5, cfg(2, 1, 1), vb.pp("branch3.1"))?,
            ),
            branch4: conv2d(in_channels, b4, 1, cfg(0, 1, 1), vb.pp("branch4"))?,
        })
    }
}

impl Module for Inception {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y1 = self.branch1.forward(x)?.relu()?;
        let y2 = self.branch2.1.forward(&self.branch2.0.forward(x)?.relu()?)?.relu()?;
        let y3 = self.branch3.1.forward(&self.branch3.0.forward(x)?.relu()?)?.relu()?;
        let pooled = x.pad_with_same(2, 1, 1)?.pad_with_same(3, 1, 1)?.max_pool2d_with_stride(3, 1)?;
        let y4 = self.branch4.forward(&pooled)?.relu()?;
        Tensor::cat(&[y1, y2, y3, y4], 1)
    }
}

pub struct MobileNetBlock {
    dw: Conv2d,
    bn1: BatchNorm,
    pw: Conv2d,
    bn2: BatchNorm,
}

impl MobileNetBlock {
    pub fn new(vb: VarBuilder, in_channels: usize, out_channels: usize, stride: usize) -> Result<MobileNetBlock> {
        let dw = vb.pp("dw").get((in_channels, 1, 3, 3), "weight")?;
        let pw = vb.pp("pw").get((out_channels, in_channels, 1, 1), "weight")?;
        Ok(MobileNetBlock {
            dw: Conv2d::new(dw, None, cfg(1, stride, in_channels)),
            bn1: bn(in_channels, vb.pp("bn1"))?,
            pw: Conv2d::new(pw, None, cfg(0, 1, 1)),
            bn2: bn(out_channels, vb.pp("bn2"))?,
        })
    }
}

impl Module for MobileNetBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = eval(&self.bn1, &self.dw.forward(x)?)?.relu()?;
        eval(&self.bn2, &self.pw.forward(&y)?)?.relu()
    }
}

/// One layer of an architecture, for counting its cost.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    Conv { out: usize, kernel: usize, stride: usize, padding: usize, groups: usize, bias: bool },
    MaxPool { kernel: usize, stride: usize, padding: usize },
    AvgPool { kernel: usize, stride: usize, padding: usize },
    GlobalAvgPool,
    BatchNorm,
    Relu,
    Flatten,
    Linear { out: usize, bias: bool },
    Residual { main: Vec<Layer>, shortcut: Vec<Layer> },
    Concat(Vec<Vec<Layer>>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CostError {
    InvalidLayer,
    ShapeMismatch,
}

/// An activation's shape: `[c, h, w]` for feature maps, `[n]` after flattening.
pub type Shape = Vec<usize>;

#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    pub output: Shape,
    pub params: u64,
    pub macs: u64,
}

fn out_len(n: usize, k: usize, s: usize, p: usize) -> std::result::Result<usize, CostError> {
    if k == 0 || s == 0 {
        return Err(CostError::InvalidLayer);
    }
    if k > n + 2 * p {
        return Err(CostError::ShapeMismatch);
    }
    Ok((n + 2 * p - k) / s + 1)
}

pub fn cost(input: &[usize], layers: &[Layer]) -> std::result::Result<Cost, CostError> {
    let mut shape = input.to_vec();
    let (mut params, mut macs) = (0u64, 0u64);
    for layer in layers {
        let map = |s: &Shape| -> std::result::Result<(usize, usize, usize), CostError> {
            match s[..] {
                [c, h, w] => Ok((c, h, w)),
                _ => Err(CostError::ShapeMismatch),
            }
        };
        shape = match layer {
            &Layer::Conv { out, kernel, stride, padding, groups, bias } => {
                let (c, h, w) = map(&shape)?;
                if groups == 0 || out == 0 || c % groups != 0 || out % groups != 0 {
                    return Err(CostError::InvalidLayer);
                }
                let (ho, wo) = (out_len(h, kernel, stride, padding)?, out_len(w, kernel, stride, padding)?);
                let per = (c / groups * kernel * kernel) as u64;
                params += out as u64 * per + if bias { out as u64 } else { 0 };
                macs += out as u64 * per * (ho * wo) as u64;
                vec![out, ho, wo]
            }
            &Layer::MaxPool { kernel, stride, padding } | &Layer::AvgPool { kernel, stride, padding } => {
                let (c, h, w) = map(&shape)?;
                vec![c, out_len(h, kernel, stride, padding)?, out_len(w, kernel, stride, padding)?]
            }
            Layer::GlobalAvgPool => vec![map(&shape)?.0, 1, 1],
            Layer::BatchNorm => {
                let c = *shape.first().ok_or(CostError::ShapeMismatch)?;
                params += 2 * c as u64;
                shape
            }
            Layer::Relu => shape,
            Layer::Flatten => vec![shape.iter().product()],
            &Layer::Linear { out, bias } => {
                let [n] = shape[..] else { return Err(CostError::ShapeMismatch) };
                if out == 0 {
                    return Err(CostError::InvalidLayer);
                }
                params += (n * out) as u64 + if bias { out as u64 } else { 0 };
                macs += (n * out) as u64;
                vec![out]
            }
            Layer::Residual { main, shortcut } => {
                let a = cost(&shape, main)?;
                let b = cost(&shape, shortcut)?;
                if a.output != b.output {
                    return Err(CostError::ShapeMismatch);
                }
                params += a.params + b.params;
                macs += a.macs + b.macs;
                a.output
            }
            Layer::Concat(branches) => {
                if branches.is_empty() {
                    return Err(CostError::InvalidLayer);
                }
                let mut channels = 0;
                let mut rest: Option<Vec<usize>> = None;
                for b in branches {
                    let c = cost(&shape, b)?;
                    if c.output.len() != 3 || rest.as_ref().is_some_and(|r| r[..] != c.output[1..]) {
                        return Err(CostError::ShapeMismatch);
                    }
                    rest = Some(c.output[1..].to_vec());
                    channels += c.output[0];
                    params += c.params;
                    macs += c.macs;
                }
                let mut s = vec![channels];
                s.extend(rest.unwrap_or_default());
                s
            }
        };
    }
    Ok(Cost { output: shape, params, macs })
}

/// Intersection over union of two boxes `[x1, y1, x2, y2]`.
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let area = |r: [f64; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

pub fn non_max_suppression(boxes: &[[f64; 4]], scores: &[f64], threshold: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        if kept.iter().all(|&k| iou(boxes[k], boxes[i]) <= threshold) {
            kept.push(i);
        }
    }
    kept
}
