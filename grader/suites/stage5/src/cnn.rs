//! Hidden suites for `stage5::cnn`: six architectures built with candle-nn on the grader's
//! random weights (outputs against the reference's), their exact costs (parameters and
//! multiply-adds) on layer lists of LeNet, AlexNet, VGG-16, ResNet-18, an Inception block and
//! MobileNet, and IoU and non-maximum suppression.
//!
//! The costs of the torchvision models are also checked against torchvision's published
//! parameter counts (`torchvision.models`' documentation: AlexNet 61,100,840, VGG-16
//! 138,357,544, ResNet-18 11,689,512, GoogLeNet 6,624,904 with its auxiliary classifiers off,
//! MobileNet V2 3,504,872): the reference must give them.

use grader_protocol::Value;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage5.cnn.lenet", lenet_cases),
        ExerciseSuite::plain("stage5.cnn.alexnet", alexnet_cases),
        ExerciseSuite::plain("stage5.cnn.vgg", vgg_cases),
        ExerciseSuite::plain("stage5.cnn.resnet_block", resnet_cases),
        ExerciseSuite::plain("stage5.cnn.inception", inception_cases),
        ExerciseSuite::plain("stage5.cnn.mobilenet_block", mobilenet_cases),
        ExerciseSuite::custom("stage5.cnn.cost", cost_cases, check_cost),
        ExerciseSuite::plain("stage5.cnn.iou", iou_cases),
        ExerciseSuite::plain("stage5.cnn.nms", nms_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// Weights

/// A checkpoint being written: `(name, tensor)` pairs.
struct Checkpoint<'g> {
    g: &'g mut Gen,
    entries: Vec<Value>,
}

impl<'g> Checkpoint<'g> {
    fn new(g: &'g mut Gen) -> Checkpoint<'g> {
        Checkpoint { g, entries: Vec::new() }
    }

    fn put(&mut self, name: &str, shape: &[usize], data: Vec<f64>) {
        let t = match shape {
            [n] => {
                debug_assert_eq!(*n, data.len());
                Value::Floats(data)
            }
            [r, c] => Value::matrix(*r, *c, data),
            _ => Value::tensor(shape.to_vec(), data),
        };
        self.entries.push(Value::List(vec![Value::Text(name.into()), t]));
    }

    /// A convolution's weight `(out, cin, k, k)` scaled by `1/√fan_in` (activations stay of order
    /// 1 through the stack), and its bias when `bias`.
    fn conv(&mut self, name: &str, cin: usize, out: usize, k: usize, bias: bool) {
        let fan_in = (cin * k * k) as f64;
        let w = self.g.normals(out * cin * k * k).iter().map(|v| v / fan_in.sqrt()).collect();
        self.put(&format!("{name}.weight"), &[out, cin, k, k], w);
        if bias {
            let b = self.g.floats(out, -0.2, 0.2);
            self.put(&format!("{name}.bias"), &[out], b);
        }
    }

    fn linear(&mut self, name: &str, n: usize, out: usize) {
        let w = self.g.normals(out * n).iter().map(|v| v / (n as f64).sqrt()).collect();
        self.put(&format!("{name}.weight"), &[out, n], w);
        let b = self.g.floats(out, -0.2, 0.2);
        self.put(&format!("{name}.bias"), &[out], b);
    }

    /// A batch norm with trained-looking statistics: running means away from 0 and variances
    /// away from 1, so that using the batch's statistics, or none, shows.
    fn bn(&mut self, name: &str, c: usize) {
        let (w, b) = (self.g.floats(c, 0.5, 1.5), self.g.floats(c, -0.3, 0.3));
        let (m, v) = (self.g.floats(c, -0.5, 0.5), self.g.floats(c, 0.3, 2.5));
        self.put(&format!("{name}.weight"), &[c], w);
        self.put(&format!("{name}.bias"), &[c], b);
        self.put(&format!("{name}.running_mean"), &[c], m);
        self.put(&format!("{name}.running_var"), &[c], v);
    }

    fn done(self) -> Value {
        Value::List(self.entries)
    }
}

fn images(g: &mut Gen, shape: &[usize]) -> Value {
    Value::tensor(shape.to_vec(), g.normals(shape.iter().product()))
}

fn int(n: usize) -> Value {
    Value::Int(n as i64)
}

// ---------------------------------------------------------------------------------------------
// Architectures

fn lenet_weights(g: &mut Gen) -> Value {
    let mut ck = Checkpoint::new(g);
    ck.conv("conv1", 1, 6, 5, true);
    ck.conv("conv2", 6, 16, 5, true);
    ck.linear("fc1", 400, 120);
    ck.linear("fc2", 120, 84);
    ck.linear("fc3", 84, 10);
    ck.done()
}

fn lenet_cases(g: &mut Gen) -> Vec<Case> {
    let w = lenet_weights(g);
    let mut missing = lenet_weights(g);
    if let Value::List(entries) = &mut missing {
        entries.retain(|e| !matches!(e.at(0), Value::Text(n) if n == "fc2.bias"));
    }
    vec![
        Case::new("3 images of 1 x 28 x 28", Value::List(vec![w.clone(), images(g, &[3, 1, 28, 28])])),
        Case::new("one image", Value::List(vec![w, images(g, &[1, 1, 28, 28])])),
        Case::new(
            "a checkpoint without fc2.bias (an error, not a model with a zero bias)",
            Value::List(vec![missing, images(g, &[2, 1, 28, 28])]),
        ),
    ]
}

fn alexnet_cases(g: &mut Gen) -> Vec<Case> {
    let mut ck = Checkpoint::new(g);
    for (name, cin, out, k) in [
        ("features.0", 3, 16, 11),
        ("features.3", 16, 32, 5),
        ("features.6", 32, 48, 3),
        ("features.8", 48, 32, 3),
        ("features.10", 32, 32, 3),
    ] {
        ck.conv(name, cin, out, k, true);
    }
    ck.linear("classifier.1", 32, 64);
    ck.linear("classifier.4", 64, 64);
    ck.linear("classifier.6", 64, 10);
    let w = ck.done();
    vec![
        Case::new("2 images of 3 x 64 x 64", Value::List(vec![w.clone(), images(g, &[2, 3, 64, 64])])),
        Case::new("one image", Value::List(vec![w, images(g, &[1, 3, 64, 64])])),
    ]
}

fn vgg_case(g: &mut Gen, cin: usize, side: usize, blocks: &[&[usize]], classes: usize, n: usize) -> Value {
    let mut ck = Checkpoint::new(g);
    let mut c = cin;
    for (b, widths) in blocks.iter().enumerate() {
        for (l, &w) in widths.iter().enumerate() {
            ck.conv(&format!("features.{b}.{l}"), c, w, 3, true);
            c = w;
        }
    }
    let s = side >> blocks.len();
    ck.linear("classifier", c * s * s, classes);
    let weights = ck.done();
    let blocks = Value::List(blocks.iter().map(|b| Value::Floats(b.iter().map(|&w| w as f64).collect())).collect());
    Value::List(vec![weights, int(cin), int(side), blocks, int(classes), images(g, &[n, cin, side, side])])
}

fn vgg_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new(
            "two blocks [8, 8], [16, 16] on 3 x 16 x 16, 10 classes",
            vgg_case(g, 3, 16, &[&[8, 8], &[16, 16]], 10, 2),
        ),
        Case::new(
            "three blocks [4], [8, 8], [8, 8, 8] on 1 x 32 x 32, 5 classes",
            vgg_case(g, 1, 32, &[&[4], &[8, 8], &[8, 8, 8]], 5, 2),
        ),
        Case::new("one block of one convolution on 2 x 8 x 8", vgg_case(g, 2, 8, &[&[3]], 4, 3)),
    ]
}

fn resnet_case(g: &mut Gen, cin: usize, cout: usize, stride: usize, side: usize) -> Value {
    let mut ck = Checkpoint::new(g);
    ck.conv("conv1", cin, cout, 3, false);
    ck.bn("bn1", cout);
    ck.conv("conv2", cout, cout, 3, false);
    ck.bn("bn2", cout);
    if stride != 1 || cin != cout {
        ck.conv("downsample.0", cin, cout, 1, false);
        ck.bn("downsample.1", cout);
    }
    let w = ck.done();
    Value::List(vec![w, int(cin), int(cout), int(stride), images(g, &[2, cin, side, side])])
}

fn resnet_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("8 -> 8 channels, stride 1 (identity shortcut), 8 x 8", resnet_case(g, 8, 8, 1, 8)),
        Case::new("8 -> 16 channels, stride 2 (projection shortcut), 8 x 8", resnet_case(g, 8, 16, 2, 8)),
        Case::new("4 -> 8 channels, stride 1 (projection for the width only), 6 x 6", resnet_case(g, 4, 8, 1, 6)),
        Case::new("6 -> 6 channels, stride 2 (projection for the size only), 7 x 7", resnet_case(g, 6, 6, 2, 7)),
    ]
}

fn inception_case(g: &mut Gen, cin: usize, w: [usize; 6], side: usize) -> Value {
    let mut ck = Checkpoint::new(g);
    ck.conv("branch1", cin, w[0], 1, true);
    ck.conv("branch2.0", cin, w[1], 1, true);
    ck.conv("branch2.1", w[1], w[2], 3, true);
    ck.conv("branch3.0", cin, w[3], 1, true);
    ck.conv("branch3.1", w[3], w[4], 5, true);
    ck.conv("branch4", cin, w[5], 1, true);
    let weights = ck.done();
    let widths = Value::Ints(w.iter().map(|&v| v as i64).collect());
    Value::List(vec![weights, int(cin), widths, images(g, &[2, cin, side, side])])
}

fn inception_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("8 channels in, widths (4, 4, 6, 2, 3, 3), 6 x 6", inception_case(g, 8, [4, 4, 6, 2, 3, 3], 6)),
        Case::new("3 channels in, widths (2, 3, 4, 1, 2, 2), 5 x 7 -> one branch each", {
            let mut v = inception_case(g, 3, [2, 3, 4, 1, 2, 2], 5);
            if let Value::List(p) = &mut v {
                p[3] = images(g, &[1, 3, 5, 7]);
            }
            v
        }),
    ]
}

fn mobilenet_case(g: &mut Gen, cin: usize, cout: usize, stride: usize, side: usize) -> Value {
    let mut ck = Checkpoint::new(g);
    let dw = g_normals_scaled(ck.g, cin * 9, 3.0);
    ck.put("dw.weight", &[cin, 1, 3, 3], dw);
    ck.bn("bn1", cin);
    ck.conv("pw", cin, cout, 1, false);
    ck.bn("bn2", cout);
    let w = ck.done();
    Value::List(vec![w, int(cin), int(cout), int(stride), images(g, &[2, cin, side, side])])
}

fn g_normals_scaled(g: &mut Gen, n: usize, by: f64) -> Vec<f64> {
    g.normals(n).iter().map(|v| v / by).collect()
}

fn mobilenet_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("8 -> 16 channels, stride 1, 6 x 6", mobilenet_case(g, 8, 16, 1, 6)),
        Case::new("4 -> 8 channels, stride 2, 7 x 7", mobilenet_case(g, 4, 8, 2, 7)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Costs: (input shape, layers)

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn b(v: bool) -> Value {
    Value::Bool(v)
}

fn conv_l(out: usize, k: usize, s: usize, p: usize, groups: usize, bias: bool) -> Value {
    Value::List(vec![t("conv"), int(out), int(k), int(s), int(p), int(groups), b(bias)])
}

fn pool_l(kind: &str, k: usize, s: usize, p: usize) -> Value {
    Value::List(vec![t(kind), int(k), int(s), int(p)])
}

fn plain(kind: &str) -> Value {
    Value::List(vec![t(kind)])
}

fn linear_l(out: usize) -> Value {
    Value::List(vec![t("linear"), int(out), b(true)])
}

fn residual(main: Vec<Value>, shortcut: Vec<Value>) -> Value {
    Value::List(vec![t("residual"), Value::List(main), Value::List(shortcut)])
}

fn concat(branches: Vec<Vec<Value>>) -> Value {
    Value::List(vec![t("concat"), Value::List(branches.into_iter().map(Value::List).collect())])
}

fn cost_input(shape: &[usize], layers: Vec<Value>) -> Value {
    Value::List(vec![Value::Ints(shape.iter().map(|&d| d as i64).collect()), Value::List(layers)])
}

/// conv + ReLU, with bias.
fn cr(out: usize, k: usize, s: usize, p: usize) -> Vec<Value> {
    vec![conv_l(out, k, s, p, 1, true), plain("relu")]
}

fn alexnet_layers() -> Vec<Value> {
    // torchvision's AlexNet on 3 x 224 x 224.
    let mut l = cr(64, 11, 4, 2);
    l.push(pool_l("maxpool", 3, 2, 0));
    l.extend(cr(192, 5, 1, 2));
    l.push(pool_l("maxpool", 3, 2, 0));
    l.extend(cr(384, 3, 1, 1));
    l.extend(cr(256, 3, 1, 1));
    l.extend(cr(256, 3, 1, 1));
    l.push(pool_l("maxpool", 3, 2, 0));
    // Its adaptive average pooling to 6 x 6 is the identity on 224 x 224 inputs.
    l.extend([plain("flatten"), linear_l(4096), plain("relu"), linear_l(4096), plain("relu"), linear_l(1000)]);
    l
}

fn vgg16_layers() -> Vec<Value> {
    let mut l = Vec::new();
    for (widths, n) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)] {
        for _ in 0..n {
            l.extend(cr(widths, 3, 1, 1));
        }
        l.push(pool_l("maxpool", 2, 2, 0));
    }
    l.extend([plain("flatten"), linear_l(4096), plain("relu"), linear_l(4096), plain("relu"), linear_l(1000)]);
    l
}

fn basic_block(out: usize, stride: usize, project: bool) -> Value {
    let main = vec![
        conv_l(out, 3, stride, 1, 1, false),
        plain("bn"),
        plain("relu"),
        conv_l(out, 3, 1, 1, 1, false),
        plain("bn"),
    ];
    let shortcut = if project { vec![conv_l(out, 1, stride, 0, 1, false), plain("bn")] } else { vec![] };
    residual(main, shortcut)
}

fn resnet18_layers() -> Vec<Value> {
    let mut l = vec![conv_l(64, 7, 2, 3, 1, false), plain("bn"), plain("relu"), pool_l("maxpool", 3, 2, 1)];
    for (i, out) in [64, 128, 256, 512].into_iter().enumerate() {
        let stride = if i == 0 { 1 } else { 2 };
        l.push(basic_block(out, stride, i > 0));
        l.push(plain("relu"));
        l.push(basic_block(out, 1, false));
        l.push(plain("relu"));
    }
    l.extend([plain("gap"), plain("flatten"), linear_l(1000)]);
    l
}

/// conv (no bias) + batch norm + ReLU: torchvision's `BasicConv2d` and MobileNet's unit.
fn cbr(out: usize, k: usize, s: usize, p: usize, groups: usize) -> Vec<Value> {
    vec![conv_l(out, k, s, p, groups, false), plain("bn"), plain("relu")]
}

fn inception(w: [usize; 6]) -> Value {
    // torchvision's GoogLeNet: the "5x5" branch is a 3x3 there (a known quirk it keeps).
    concat(vec![
        cbr(w[0], 1, 1, 0, 1),
        [cbr(w[1], 1, 1, 0, 1), cbr(w[2], 3, 1, 1, 1)].concat(),
        [cbr(w[3], 1, 1, 0, 1), cbr(w[4], 3, 1, 1, 1)].concat(),
        [vec![pool_l("maxpool", 3, 1, 1)], cbr(w[5], 1, 1, 0, 1)].concat(),
    ])
}

fn googlenet_layers() -> Vec<Value> {
    let mut l = cbr(64, 7, 2, 3, 1);
    l.push(pool_l("maxpool", 3, 2, 1)); // ceil mode in torchvision: 56 either way here
    l.extend(cbr(64, 1, 1, 0, 1));
    l.extend(cbr(192, 3, 1, 1, 1));
    l.push(pool_l("maxpool", 3, 2, 1));
    l.push(inception([64, 96, 128, 16, 32, 32]));
    l.push(inception([128, 128, 192, 32, 96, 64]));
    l.push(pool_l("maxpool", 3, 2, 1));
    for w in [
        [192, 96, 208, 16, 48, 64],
        [160, 112, 224, 24, 64, 64],
        [128, 128, 256, 24, 64, 64],
        [112, 144, 288, 32, 64, 64],
        [256, 160, 320, 32, 128, 128],
    ] {
        l.push(inception(w));
    }
    l.push(pool_l("maxpool", 2, 2, 0));
    l.push(inception([256, 160, 320, 32, 128, 128]));
    l.push(inception([384, 192, 384, 48, 128, 128]));
    l.extend([plain("gap"), plain("flatten"), linear_l(1000)]);
    l
}

fn mobilenet_v2_layers() -> Vec<Value> {
    // torchvision's MobileNet V2 (width 1.0) on 3 x 224 x 224: inverted residual blocks.
    let mut l = cbr(32, 3, 2, 1, 1);
    let mut c = 32;
    for (t_, out, n, s) in
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    {
        for i in 0..n {
            let stride = if i == 0 { s } else { 1 };
            let hidden = c * t_;
            let mut main = Vec::new();
            if t_ != 1 {
                main.extend(cbr(hidden, 1, 1, 0, 1));
            }
            main.extend(cbr(hidden, 3, stride, 1, hidden));
            main.extend([conv_l(out, 1, 1, 0, 1, false), plain("bn")]);
            if stride == 1 && c == out {
                l.push(residual(main, vec![]));
            } else {
                l.extend(main);
            }
            c = out;
        }
    }
    l.extend(cbr(1280, 1, 1, 0, 1));
    l.extend([plain("gap"), plain("flatten"), linear_l(1000)]);
    l
}

fn lenet_layers() -> Vec<Value> {
    vec![
        conv_l(6, 5, 1, 2, 1, true),
        plain("relu"),
        pool_l("avgpool", 2, 2, 0),
        conv_l(16, 5, 1, 0, 1, true),
        plain("relu"),
        pool_l("avgpool", 2, 2, 0),
        plain("flatten"),
        linear_l(120),
        linear_l(84),
        linear_l(10),
    ]
}

/// Parameter counts torchvision documents for its models (`torchvision.models`, "num_params").
const PUBLISHED: [(&str, i64); 5] = [
    ("AlexNet", 61_100_840),
    ("VGG-16", 138_357_544),
    ("ResNet-18", 11_689_512),
    ("GoogLeNet", 6_624_904),
    ("MobileNet V2", 3_504_872),
];

fn cost_cases(g: &mut Gen) -> Vec<Case> {
    let imagenet = [3, 224, 224];
    let mut cases = vec![
        Case::new("LeNet-5 on 1 x 28 x 28", cost_input(&[1, 28, 28], lenet_layers())),
        Case::new("AlexNet on 3 x 224 x 224", cost_input(&imagenet, alexnet_layers())),
        Case::new("VGG-16 on 3 x 224 x 224", cost_input(&imagenet, vgg16_layers())),
        Case::new("ResNet-18 on 3 x 224 x 224", cost_input(&imagenet, resnet18_layers())),
        Case::new("GoogLeNet on 3 x 224 x 224", cost_input(&imagenet, googlenet_layers())),
        Case::new("MobileNet V2 on 3 x 224 x 224", cost_input(&imagenet, mobilenet_v2_layers())),
        Case::new(
            "a standard 3x3 convolution against a depthwise-separable one, 64 -> 128 on 56 x 56",
            cost_input(
                &[64, 56, 56],
                vec![concat(vec![
                    vec![conv_l(128, 3, 1, 1, 1, false)],
                    vec![conv_l(64, 3, 1, 1, 64, false), conv_l(128, 1, 1, 0, 1, false)],
                ])],
            ),
        ),
    ];
    // Random stacks: convolutions with random strides, paddings and groups, then a classifier.
    for i in 0..3 {
        let (c0, side) = (g.size(1, 4) * 2, g.size(16, 40));
        let mut layers = Vec::new();
        let mut c = c0;
        for _ in 0..g.size(2, 4) {
            let groups = if g.int(0, 1) == 0 { 1 } else { c };
            let out = if groups == 1 { g.size(2, 12) } else { c * g.size(1, 2) };
            layers.push(conv_l(out, g.size(1, 3) * 2 - 1, g.size(1, 2), g.size(0, 1), groups, g.int(0, 1) == 1));
            layers.push(plain("bn"));
            c = out;
        }
        layers.push(pool_l("maxpool", 2, 2, 0));
        layers.extend([plain("flatten"), linear_l(g.size(2, 10))]);
        cases.push(Case::new(
            format!("random stack {} on {c0} x {side} x {side}", i + 1),
            cost_input(&[c0, side, side], layers),
        ));
    }
    let bad = |layers: Vec<Value>| cost_input(&[3, 8, 8], layers);
    cases.extend([
        Case::new("a linear layer on a feature map (ShapeMismatch)", bad(vec![linear_l(10)])),
        Case::new(
            "a convolution after flattening (ShapeMismatch)",
            bad(vec![plain("flatten"), conv_l(4, 3, 1, 0, 1, true)]),
        ),
        Case::new("a 9x9 kernel on 8 x 8 (ShapeMismatch)", bad(vec![conv_l(4, 9, 1, 0, 1, true)])),
        Case::new("groups that do not divide the channels (InvalidLayer)", bad(vec![conv_l(4, 3, 1, 1, 2, true)])),
        Case::new(
            "groups that do not divide the output channels (InvalidLayer)",
            bad(vec![conv_l(4, 3, 1, 1, 3, true)]),
        ),
        Case::new("groups 0 (InvalidLayer, not a division by zero)", bad(vec![conv_l(3, 3, 1, 1, 0, true)])),
        Case::new("a convolution to 0 channels (InvalidLayer)", bad(vec![conv_l(0, 3, 1, 1, 1, true)])),
        Case::new("a linear layer to 0 outputs (InvalidLayer)", bad(vec![plain("flatten"), linear_l(0)])),
        Case::new("stride 0 (InvalidLayer)", bad(vec![pool_l("maxpool", 2, 0, 0)])),
        Case::new(
            "a residual whose paths disagree (ShapeMismatch)",
            bad(vec![residual(vec![conv_l(3, 3, 2, 1, 1, false)], vec![])]),
        ),
        Case::new(
            "branches of different sizes (ShapeMismatch)",
            bad(vec![concat(vec![vec![conv_l(2, 3, 1, 1, 1, true)], vec![conv_l(2, 3, 1, 0, 1, true)]])]),
        ),
    ]);
    cases
}

/// The reference against torchvision's published counts (for the models that have one), then
/// the student's output part by part.
fn check_cost(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::List(parts) = ctx.expected {
        if let Some(Value::Int(params)) = parts.get(1) {
            for (name, published) in PUBLISHED {
                if case_is(ctx, name) && *params != published {
                    return Err(Failure::plain(format!(
                        "the grader's reference counts {params} parameters for {name}, torchvision {published} (a bug in \
                         the grader, not in your code: please report it)"
                    )));
                }
            }
        }
    }
    ctx.named_parts()
}

/// Whether this case is the named torchvision model (found by its layer list's length, which
/// is distinct for each).
fn case_is(ctx: &CheckCtx, name: &str) -> bool {
    let layers = match ctx.input {
        Value::List(p) if p.len() == 2 => match &p[1] {
            Value::List(l) => l.len(),
            _ => return false,
        },
        _ => return false,
    };
    let expected = match name {
        "AlexNet" => alexnet_layers().len(),
        "VGG-16" => vgg16_layers().len(),
        "ResNet-18" => resnet18_layers().len(),
        "GoogLeNet" => googlenet_layers().len(),
        "MobileNet V2" => mobilenet_v2_layers().len(),
        _ => return false,
    };
    matches!(ctx.input, Value::List(p) if p[0] == Value::Ints(vec![3, 224, 224])) && layers == expected
}

// ---------------------------------------------------------------------------------------------
// IoU and NMS

fn iou_cases(g: &mut Gen) -> Vec<Case> {
    let pair = |a: [f64; 4], b: [f64; 4]| Value::Floats(a.iter().chain(&b).copied().collect());
    let mut fixed = vec![
        pair([0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]),
        pair([0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0]),
        pair([0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 2.0, 1.0]),
        pair([0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0]),
        pair([0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 2.0, 2.0]),
        pair([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
        pair([0.0, 0.0, 3.0, 1.0], [1.0, -1.0, 2.0, 2.0]),
    ];
    let labels = "overlapping squares, identical boxes, boxes that touch, far apart, one inside the other, two empty \
                  boxes, a cross";
    let random: Vec<Value> = (0..20)
        .map(|_| {
            let mut bx = || {
                let (x, y) = (g.float(0.0, 10.0), g.float(0.0, 10.0));
                [x, y, x + g.float(0.0, 5.0), y + g.float(0.0, 5.0)]
            };
            let (a, b2) = (bx(), bx());
            pair(a, b2)
        })
        .collect();
    let fixed_case = Case::new(format!("seven pairs: {labels}"), Value::List(std::mem::take(&mut fixed)));
    vec![fixed_case, Case::new("20 random pairs", Value::List(random))]
}

fn nms_input(boxes: Vec<[f64; 4]>, scores: Vec<f64>, threshold: f64) -> Value {
    Value::List(vec![
        Value::List(boxes.iter().map(|b| Value::Floats(b.to_vec())).collect()),
        Value::Floats(scores),
        Value::Float(threshold),
    ])
}

/// Detections around a few objects: each object gets several jittered boxes.
fn clusters(g: &mut Gen, objects: usize, per: usize) -> (Vec<[f64; 4]>, Vec<f64>) {
    let (mut boxes, mut scores) = (Vec::new(), Vec::new());
    for _ in 0..objects {
        let (x, y, w, h) = (g.float(0.0, 50.0), g.float(0.0, 50.0), g.float(5.0, 20.0), g.float(5.0, 20.0));
        for _ in 0..per {
            let j = |g: &mut Gen| g.float(-2.0, 2.0);
            let (dx, dy, dw, dh) = (j(g), j(g), j(g), j(g));
            boxes.push([x + dx, y + dy, x + dx + w + dw, y + dy + h + dh]);
            scores.push(g.float(0.0, 1.0));
        }
    }
    (boxes, scores)
}

fn nms_cases(g: &mut Gen) -> Vec<Case> {
    let (b1, s1) = clusters(g, 4, 5);
    let (b2, s2) = clusters(g, 6, 4);
    let b3 = vec![[0.0, 0.0, 10.0, 10.0], [1.0, 0.0, 11.0, 10.0], [20.0, 20.0, 30.0, 30.0], [0.0, 1.0, 10.0, 11.0]];
    vec![
        Case::new("4 objects, 5 detections each, threshold 0.5", nms_input(b1.clone(), s1.clone(), 0.5)),
        Case::new("the same at threshold 0.3 (fewer kept)", nms_input(b1, s1, 0.3)),
        Case::new("6 objects, 4 detections each, threshold 0.7", nms_input(b2, s2, 0.7)),
        Case::new("equal scores (the lower index first)", nms_input(b3.clone(), vec![0.9, 0.9, 0.5, 0.9], 0.5)),
        Case::new(
            "an IoU exactly at the threshold is kept",
            nms_input(vec![[0.0, 0.0, 2.0, 1.0], [1.0, 0.0, 3.0, 1.0]], vec![0.8, 0.7], 1.0 / 3.0),
        ),
        Case::new("no boxes", nms_input(vec![], vec![], 0.5)),
    ]
}
