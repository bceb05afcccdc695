//! Convolutional architectures, built with candle-nn the way real models are: each layer's
//! weights come from a `VarBuilder` under the name PyTorch would give it, and each model is a
//! `Module`. LeNet, an AlexNet-like and a VGG-like stack, a ResNet basic block, an Inception
//! block and a MobileNet depthwise-separable block; then what each costs (parameters and
//! multiply-adds, exact), and two pieces of object detection (IoU and non-maximum suppression).
//!
//! What the architectures taught, in order:
//!
//! | network | year | idea |
//! |---|---|---|
//! | LeNet-5 | 1998 | convolutions + subsampling + a small classifier, trained end to end |
//! | AlexNet | 2012 | much deeper and wider, ReLU instead of tanh, dropout, GPUs |
//! | VGG | 2014 | only 3×3 convolutions, stacked: two 3×3 see as far as one 5×5, with fewer weights |
//! | GoogLeNet (Inception) | 2014 | several kernel sizes side by side, 1×1 bottlenecks to keep it cheap |
//! | ResNet | 2015 | `y = F(x) + x`: blocks learn a residual, so 100+ layers still train |
//! | MobileNet | 2017 | a depthwise 3×3 (one filter per channel) then a pointwise 1×1: ~8× fewer multiply-adds |
//!
//! The grader builds your models from a `VarBuilder` holding its own random weights
//! (`VarBuilder::from_tensors`, `F64` on the CPU), runs them on random images, and compares the
//! outputs with the reference's. A weight you do not load, or load under another name, is an
//! error ("cannot find tensor conv1.weight"): the names below are part of the task.
//! `vb.pp("conv1")` descends into a name; `candle_nn::conv2d(cin, cout, k, cfg, vb.pp("conv1"))`
//! loads `conv1.weight` `(cout, cin, k, k)` and `conv1.bias` `(cout,)`;
//! `candle_nn::linear(in, out, vb)` loads `weight` `(out, in)` and `bias` `(out,)`;
//! `candle_nn::batch_norm(c, 1e-5, vb)` loads `weight`, `bias`, `running_mean`, `running_var`,
//! all `(c,)`. Batch norm runs in evaluation mode here (`forward_t(x, false)`, from
//! `candle_core::ModuleT`): the running statistics, not the batch's.

use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

/// LeNet-5 for `(N, 1, 28, 28)` images (MNIST's size; the original took 32×32, hence the
/// padding of 2 here), returning `(N, 10)` class scores (logits):
///
/// | layer | name | shape out |
/// |---|---|---|
/// | conv 1 → 6, 5×5, padding 2, then tanh | `conv1` | `(N, 6, 28, 28)` |
/// | average pooling 2×2, stride 2 | | `(N, 6, 14, 14)` |
/// | conv 6 → 16, 5×5, no padding, then tanh | `conv2` | `(N, 16, 10, 10)` |
/// | average pooling 2×2, stride 2 | | `(N, 16, 5, 5)` |
/// | flatten | | `(N, 400)` |
/// | linear 400 → 120, tanh | `fc1` | `(N, 120)` |
/// | linear 120 → 84, tanh | `fc2` | `(N, 84)` |
/// | linear 84 → 10 (no activation) | `fc3` | `(N, 10)` |
///
/// Every convolution and linear layer has a bias. `Tensor::avg_pool2d(2)` and
/// `flatten_from(1)` are the pooling and the flattening.
pub struct LeNet {
    // Your layers here.
}

impl LeNet {
    /// Loads every layer from `vb` under the names of the table.
    pub fn new(vb: VarBuilder) -> Result<LeNet> {
        todo!()
    }
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// An AlexNet-like network for `(N, 3, 64, 64)` images, scaled down from AlexNet's 224×224 and
/// its widths, with torchvision's layer names (`features.<index>`, `classifier.<index>`: the
/// index of the layer in torchvision's `Sequential`, which counts the ReLUs, pools and dropouts
/// too):
///
/// | layer | name | shape out |
/// |---|---|---|
/// | conv 3 → 16, 11×11, stride 4, padding 2, ReLU | `features.0` | `(N, 16, 15, 15)` |
/// | max pooling 3×3, stride 2 | | `(N, 16, 7, 7)` |
/// | conv 16 → 32, 5×5, padding 2, ReLU | `features.3` | `(N, 32, 7, 7)` |
/// | max pooling 3×3, stride 2 | | `(N, 32, 3, 3)` |
/// | conv 32 → 48, 3×3, padding 1, ReLU | `features.6` | `(N, 48, 3, 3)` |
/// | conv 48 → 32, 3×3, padding 1, ReLU | `features.8` | `(N, 32, 3, 3)` |
/// | conv 32 → 32, 3×3, padding 1, ReLU | `features.10` | `(N, 32, 3, 3)` |
/// | max pooling 3×3, stride 2 | | `(N, 32, 1, 1)` |
/// | flatten; (dropout); linear 32 → 64, ReLU | `classifier.1` | `(N, 64)` |
/// | (dropout); linear 64 → 64, ReLU | `classifier.4` | `(N, 64)` |
/// | linear 64 → 10 | `classifier.6` | `(N, 10)` |
///
/// AlexNet's two ideas beside its size: ReLU (`max(0, x)`, which does not saturate like tanh,
/// so deep stacks train several times faster) and dropout before the large linear layers. This
/// forward pass is the evaluation one, where dropout is the identity (it scales by `1/(1 − p)`
/// while training instead, as Stage 4 showed): leave it out here.
/// `Tensor::max_pool2d_with_stride(3, 2)` is the overlapping pooling AlexNet used.
pub struct AlexNet {
    // Your layers here.
}

impl AlexNet {
    pub fn new(vb: VarBuilder) -> Result<AlexNet> {
        todo!()
    }
}

impl Module for AlexNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// A VGG-style network: blocks of 3×3 convolutions (padding 1, with bias, each followed by a
/// ReLU), each block ending with a 2×2 max pooling of stride 2, then one linear classifier.
///
/// - `in_channels`, `side`: the input is `(N, in_channels, side, side)`; `side` is divisible by
///   `2^blocks.len()`.
/// - `blocks[b]` lists the output widths of block `b`'s convolutions: `[[8, 8], [16, 16]]` is two
///   blocks of two convolutions. Convolution `l` of block `b` is named `features.<b>.<l>`.
/// - After the blocks: flatten, then a linear layer `classifier` to `classes` scores.
///
/// VGG's lesson: two stacked 3×3 convolutions see a 5×5 window with `2·9·C²` weights instead of
/// `25·C²`, and put a ReLU in between.
pub struct Vgg {
    // Your layers here.
}

impl Vgg {
    pub fn new(vb: VarBuilder, in_channels: usize, side: usize, blocks: &[Vec<usize>], classes: usize) -> Result<Vgg> {
        todo!()
    }
}

impl Module for Vgg {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// ResNet's basic block (ResNet-18 and -34), with torchvision's names:
///
/// `y = ReLU( bn2(conv2( ReLU(bn1(conv1(x))) )) + shortcut(x) )`
///
/// - `conv1`: 3×3, `in_channels → out_channels`, stride `stride`, padding 1, **no bias** (batch
///   norm follows, whose shift makes a bias redundant); `bn1` over `out_channels`.
/// - `conv2`: 3×3, `out_channels → out_channels`, stride 1, padding 1, no bias; `bn2`.
/// - `shortcut(x) = x` when `stride == 1` and the widths agree; otherwise a projection: a 1×1
///   convolution with stride `stride`, no bias (`downsample.0`), then batch norm
///   (`downsample.1`), so that the shapes match.
///
/// Batch norms in evaluation mode, eps 1e-5. A convolution without bias:
/// `Conv2d::new(vb.get((cout, cin, k, k), "weight")?, None, cfg)`.
pub struct ResidualBlock {
    // Your layers here.
}

impl ResidualBlock {
    pub fn new(vb: VarBuilder, in_channels: usize, out_channels: usize, stride: usize) -> Result<ResidualBlock> {
        todo!()
    }
}

impl Module for ResidualBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// Output channels of the four branches of an [`Inception`] block and of its two bottlenecks:
/// `(b1, b2_reduce, b2, b3_reduce, b3, b4)`.
pub type InceptionWidths = (usize, usize, usize, usize, usize, usize);

/// GoogLeNet's Inception block: four branches side by side on the same input, their outputs
/// concatenated along the channels (`Tensor::cat(&[..], 1)`), so the next layer sees features at
/// several scales. Every convolution has a bias and is followed by a ReLU; the spatial size is
/// kept (stride 1, "same" padding):
///
/// | branch | layers (names) | channels out |
/// |---|---|---|
/// | 1 | 1×1 (`branch1`) | `b1` |
/// | 2 | 1×1 (`branch2.0`) → 3×3, padding 1 (`branch2.1`) | `b2_reduce` → `b2` |
/// | 3 | 1×1 (`branch3.0`) → 5×5, padding 2 (`branch3.1`) | `b3_reduce` → `b3` |
/// | 4 | 3×3 max pooling, stride 1, padding 1 → 1×1 (`branch4`) | `b4` |
///
/// The 1×1 "bottlenecks" cut the channels before the expensive 3×3 and 5×5 convolutions.
/// candle's max pooling has no padding: pad first. Zero padding would be wrong for negative
/// inputs; padding with `-∞`, or by repeating the edge (`pad_with_same`, which cannot change a
/// maximum that already sees that edge), is right.
pub struct Inception {
    // Your layers here.
}

impl Inception {
    pub fn new(vb: VarBuilder, in_channels: usize, w: InceptionWidths) -> Result<Inception> {
        todo!()
    }
}

impl Module for Inception {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// MobileNet's depthwise-separable block:
///
/// `y = ReLU(bn2(pw( ReLU(bn1(dw(x))) )))`
///
/// - `dw`: a *depthwise* 3×3 convolution, stride `stride`, padding 1, no bias: one filter per
///   input channel, each seeing only its own channel. Its weight is `(in_channels, 1, 3, 3)` and
///   the convolution has `groups = in_channels` (`Conv2dConfig { groups, .. }`).
/// - `pw`: a *pointwise* 1×1 convolution `in_channels → out_channels`, no bias, that mixes the
///   channels.
/// - `bn1` (over `in_channels`) and `bn2` (over `out_channels`) in evaluation mode, eps 1e-5.
///
/// A standard 3×3 convolution costs `9·C_in·C_out` multiply-adds per pixel; this block costs
/// `9·C_in + C_in·C_out`: for 64 → 128, 8.4× fewer.
pub struct MobileNetBlock {
    // Your layers here.
}

impl MobileNetBlock {
    pub fn new(vb: VarBuilder, in_channels: usize, out_channels: usize, stride: usize) -> Result<MobileNetBlock> {
        todo!()
    }
}

impl Module for MobileNetBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// One layer of an architecture, for [`cost`]. Feature maps are `[c, h, w]` (one sample, no
/// batch dimension); after [`Layer::Flatten`], `[n]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// A convolution to `out` channels, `kernel × kernel`, with `groups` groups (1: ordinary;
    /// the input channels: depthwise). Needs a feature map.
    Conv { out: usize, kernel: usize, stride: usize, padding: usize, groups: usize, bias: bool },
    /// Max pooling (no parameters, no multiply-adds counted).
    MaxPool { kernel: usize, stride: usize, padding: usize },
    /// Average pooling (no parameters, no multiply-adds counted).
    AvgPool { kernel: usize, stride: usize, padding: usize },
    /// Average over the whole map: `[c, h, w]` → `[c, 1, 1]`.
    GlobalAvgPool,
    /// Batch norm over the first dimension (the channels): `2·c` learned parameters (`γ`, `β`;
    /// the running statistics are not learned and not counted, as in PyTorch's
    /// `parameters()`), no multiply-adds counted.
    BatchNorm,
    /// No parameters, no multiply-adds counted.
    Relu,
    /// `[c, h, w]` → `[c·h·w]`.
    Flatten,
    /// A linear layer to `out` features. Needs a flat input `[n]`.
    Linear { out: usize, bias: bool },
    /// `main(x) + shortcut(x)`: both run on the same input and must give the same shape (an
    /// empty `shortcut` is the identity). The addition is not counted.
    Residual { main: Vec<Layer>, shortcut: Vec<Layer> },
    /// Branches run on the same input, their feature maps concatenated along the channels: they
    /// must agree on `h` and `w`.
    Concat(Vec<Vec<Layer>>),
}

/// Why [`cost`] refused an architecture.
#[derive(Debug, Clone, PartialEq)]
pub enum CostError {
    /// A kernel, stride, `out` or `groups` of 0, groups that do not divide both channel counts,
    /// or a `Concat` without branches.
    InvalidLayer,
    /// A layer that does not fit its input: a window larger than the padded map, a convolution
    /// or pooling on a flat vector, a linear layer on a feature map, a residual whose two paths
    /// disagree, branches of different sizes.
    ShapeMismatch,
}

/// An activation's shape: `[c, h, w]` for feature maps, `[n]` after flattening.
pub type Shape = Vec<usize>;

/// What an architecture costs for one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// The shape of its output.
    pub output: Shape,
    /// Learned parameters (weights and biases; batch norm's `γ` and `β`).
    pub params: u64,
    /// Multiply-adds of one forward pass of one sample, convolutions and linear layers only
    /// (FLOPs ≈ 2 × MACs).
    pub macs: u64,
}

/// The exact cost of running `layers` on one input of shape `input`: a layer at a time, each
/// layer's output shape is the next one's input.
///
/// - Convolution: each output channel has a `(c/groups) × k × k` kernel: parameters
///   `out · (c/groups) · k² (+ out for the bias)`, multiply-adds `out · (c/groups) · k² · h_out ·
///   w_out`, with the output size of `conv::output_size` (dilation 1).
/// - Linear `n → out`: `n·out (+ out)` parameters, `n·out` multiply-adds.
/// - Pooling: the output size as for a convolution; nothing counted.
/// - `Residual` and `Concat` recurse on their paths and add their costs up.
///
/// The grader checks yours on LeNet, AlexNet, VGG-16, ResNet-18, GoogLeNet's first Inception
/// block and MobileNet, written as layer lists, and on random stacks. VGG-16 on 224×224 has
/// 138,357,544 parameters and AlexNet 61,100,840 (torchvision's counts): yours should agree.
///
/// # Errors
/// [`CostError`], for the first layer that does not fit.
pub fn cost(input: &[usize], layers: &[Layer]) -> std::result::Result<Cost, CostError> {
    todo!()
}

/// Intersection over union of two axis-aligned boxes `[x1, y1, x2, y2]` (`x1 ≤ x2`, `y1 ≤ y2`):
/// the area of their overlap divided by the area of their union, in `[0, 1]`. Boxes that only
/// touch overlap by 0. Two boxes of area 0 give 0 (not NaN).
///
/// Object detection's basic measure: a detection counts as correct when its IoU with a true box
/// is at least 0.5.
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    todo!()
}

/// Non-maximum suppression, as torchvision's `nms`: a detector proposes many overlapping boxes
/// for one object; keep the best and drop the others.
///
/// Go through the boxes by decreasing score (equal scores: lower index first); keep a box when
/// its [`iou`] with every box kept so far is at most `threshold`. Returns the indices of the kept
/// boxes, in the order they were kept.
pub fn non_max_suppression(boxes: &[[f64; 4]], scores: &[f64], threshold: f64) -> Vec<usize> {
    todo!()
}
