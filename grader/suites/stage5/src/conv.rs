//! Hidden suites for `stage5::conv`: output sizes, the loop convolution, im2col and the
//! convolution as a matrix product (timed), its backward pass, max and average pooling forward
//! and backward, and a filter learned from a real photograph.
//!
//! Every convolution and pooling case is also answered by candle's own `conv2d`, `max_pool2d`,
//! `avg_pool2d` and autograd (`*.candle` baselines) where candle defines the operation as the
//! course does; the reference must agree with it, which the reference runs in `cargo test` prove.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage5.conv.output_size", output_size_cases),
        ExerciseSuite::custom("stage5.conv.conv2d", conv_cases, with_library)
            .with_baseline("stage5.conv.conv2d.candle"),
        ExerciseSuite::plain("stage5.conv.im2col", im2col_cases),
        ExerciseSuite::custom("stage5.conv.conv2d_im2col", conv_cases, with_library)
            .with_baseline("stage5.conv.conv2d.candle")
            .timed(conv_speed),
        ExerciseSuite::custom("stage5.conv.conv2d_gpu", conv_gpu_cases, with_library)
            .with_baseline("stage5.conv.conv2d.candle")
            .timed(conv_speed_gpu),
        ExerciseSuite::custom("stage5.conv.conv2d_backward", backward_cases, with_autograd)
            .with_baseline("stage5.conv.conv2d_backward.candle"),
        ExerciseSuite::custom("stage5.conv.max_pool", max_pool_cases, with_differences)
            .with_baseline("stage5.conv.max_pool.candle"),
        ExerciseSuite::custom("stage5.conv.avg_pool", avg_pool_cases, with_differences)
            .with_baseline("stage5.conv.avg_pool.candle"),
        ExerciseSuite::custom("stage5.conv.learn_filter", learn_filter_cases, check_learned_filter),
    ]
}

/// How far the reference may be from candle (the same sums in another order, in `F64`).
const LIBRARY: Tolerance = Tolerance { atol: 1e-10, rtol: 1e-10 };

/// candle's `conv2d` answers every convolution the course accepts.
fn with_library(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library_always(LIBRARY)
}

/// candle's autograd refuses some strided convolutions (a ragged edge no window covers).
fn with_autograd(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library(LIBRARY)
}

/// Pooling gradients come from central differences of candle's forward (step 1e-6): exact up
/// to the rounding of `(x + h) − (x − h)`, about 1e-10 relative.
fn with_differences(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library(Tolerance { atol: 1e-8, rtol: 1e-8 })
}

/// A random `F64` tensor of `shape`, entries standard normal.
fn tensor(g: &mut Gen, shape: &[usize]) -> Value {
    let n = shape.iter().product();
    Value::tensor(shape.to_vec(), g.normals(n))
}

fn int(n: usize) -> Value {
    Value::Int(n as i64)
}

// ---------------------------------------------------------------------------------------------
// Output size: (input, kernel, stride, padding, dilation)

fn size_input(input: usize, kernel: usize, stride: usize, padding: usize, dilation: usize) -> Value {
    Value::List(vec![int(input), int(kernel), int(stride), int(padding), int(dilation)])
}

fn output_size_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("LeNet's first layer: 32 wide, kernel 5", size_input(32, 5, 1, 0, 1)),
        Case::new("'same' padding: 32 wide, kernel 3, padding 1", size_input(32, 3, 1, 1, 1)),
        Case::new("stride 2 with padding 1, kernel 3, 32 wide", size_input(32, 3, 2, 1, 1)),
        Case::new("stride 2 that does not divide: 7 wide, kernel 2", size_input(7, 2, 2, 0, 1)),
        Case::new("AlexNet's first layer: 227 wide, kernel 11, stride 4", size_input(227, 11, 4, 0, 1)),
        Case::new("dilation 2: kernel 3 spans 5, 9 wide", size_input(9, 3, 1, 0, 2)),
        Case::new("the kernel exactly as wide as the padded input", size_input(3, 5, 1, 1, 1)),
        Case::new("a 1x1 kernel with stride 3 and padding 2", size_input(10, 1, 3, 2, 1)),
        Case::new("kernel wider than the input (KernelTooLarge)", size_input(4, 5, 1, 0, 1)),
        Case::new("dilated kernel wider than the padded input (KernelTooLarge)", size_input(6, 3, 1, 0, 3)),
        Case::new("stride 0 (InvalidParameter)", size_input(8, 3, 0, 0, 1)),
        Case::new("kernel 0 (InvalidParameter)", size_input(8, 0, 1, 0, 1)),
        Case::new("dilation 0 (InvalidParameter)", size_input(8, 3, 1, 0, 0)),
    ];
    for i in 0..4 {
        let (k, s, p, d) = (g.size(1, 7), g.size(1, 4), g.size(0, 3), g.size(1, 3));
        let input = d * (k - 1) + 1 + g.size(0, 40);
        cases.push(Case::new(format!("random sizes {}", i + 1), size_input(input, k, s, p, d)));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Convolution: (x, w, b, stride, padding, dilation)

fn conv_input(x: Value, w: Value, b: Value, stride: usize, padding: usize, dilation: usize) -> Value {
    Value::List(vec![x, w, b, int(stride), int(padding), int(dilation)])
}

/// A random convolution: `n` samples of `c × h × w`, `o` output channels, a `kh × kw` kernel,
/// with a bias.
#[allow(clippy::too_many_arguments)]
fn conv(
    g: &mut Gen,
    n: usize,
    c: usize,
    (h, w): (usize, usize),
    o: usize,
    (kh, kw): (usize, usize),
    s: usize,
    p: usize,
    d: usize,
) -> Value {
    let x = tensor(g, &[n, c, h, w]);
    let wt = tensor(g, &[o, c, kh, kw]);
    conv_input(x, wt, g.normals(o).into(), s, p, d)
}

fn conv_cases(g: &mut Gen) -> Vec<Case> {
    let one = conv_input(tensor(g, &[1, 1, 5, 5]), tensor(g, &[1, 1, 3, 3]), Value::Unit, 1, 0, 1);
    vec![
        Case::new("one 5x5 channel, a 3x3 kernel, no bias", one),
        Case::new(
            "2 samples, 3 -> 4 channels, 8x8, 3x3, padding 1 ('same')",
            conv(g, 2, 3, (8, 8), 4, (3, 3), 1, 1, 1),
        ),
        Case::new("stride 2, padding 2, a 5x5 kernel on 11x9", conv(g, 2, 2, (11, 9), 3, (5, 5), 2, 2, 1)),
        Case::new("dilation 2 on 9x10", conv(g, 1, 2, (9, 10), 2, (3, 3), 1, 0, 2)),
        Case::new("stride 3, padding 1, dilation 2", conv(g, 2, 2, (13, 12), 3, (3, 3), 3, 1, 2)),
        Case::new("a 2x4 kernel (not square)", conv(g, 1, 3, (6, 7), 2, (2, 4), 1, 1, 1)),
        Case::new(
            "1x1 kernels (a pointwise convolution mixes channels only)",
            conv(g, 3, 5, (4, 4), 6, (1, 1), 1, 0, 1),
        ),
        Case::new(
            "the kernel as large as the image (one output per channel)",
            conv(g, 2, 2, (5, 5), 3, (5, 5), 1, 0, 1),
        ),
        Case::new(
            "channels differ between x and w (ShapeMismatch)",
            conv_input(tensor(g, &[1, 3, 6, 6]), tensor(g, &[2, 2, 3, 3]), Value::Unit, 1, 0, 1),
        ),
        Case::new(
            "a bias of the wrong length (ShapeMismatch)",
            conv_input(tensor(g, &[1, 2, 6, 6]), tensor(g, &[3, 2, 3, 3]), g.normals(2).into(), 1, 0, 1),
        ),
        Case::new(
            "x of rank 3 (ShapeMismatch)",
            conv_input(Value::tensor(vec![2, 6, 6], g.normals(72)), tensor(g, &[1, 2, 3, 3]), Value::Unit, 1, 0, 1),
        ),
        Case::new(
            "a kernel larger than the padded image (KernelTooLarge)",
            conv_input(tensor(g, &[1, 1, 4, 4]), tensor(g, &[1, 1, 7, 7]), Value::Unit, 1, 1, 1),
        ),
        Case::new(
            "stride 0 (InvalidParameter)",
            conv_input(tensor(g, &[1, 1, 4, 4]), tensor(g, &[1, 1, 3, 3]), Value::Unit, 0, 0, 1),
        ),
    ]
}

/// Timed: 8 images of 16 × 32 × 32, 32 filters of 3 × 3, padding 1, `F64` on the CPU: the loops
/// of `conv2d_direct` take about 38 M multiply-adds one by one; im2col and one matrix product run near
/// the machine's peak.
fn conv_speed(g: &mut Gen) -> Case {
    Case::new(
        "8 x 32 x 16 x 16, 64 filters 3x3, padding 1, F64 on the CPU",
        conv(g, 8, 32, (16, 16), 64, (3, 3), 1, 1, 1),
    )
}

/// The GPU variant's correctness cases run on the CPU in `F64`, like `conv2d_im2col`'s.
fn conv_gpu_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("2 samples, 3 -> 4 channels, 8x8, 3x3, padding 1", conv(g, 2, 3, (8, 8), 4, (3, 3), 1, 1, 1)),
        Case::new("stride 2, padding 2, a 5x5 kernel on 11x9", conv(g, 2, 2, (11, 9), 3, (5, 5), 2, 2, 1)),
    ]
}

/// Timed on the GPU: 32 images of 64 × 56 × 56, 64 filters of 3 × 3 (a ResNet stage), `F32`.
fn conv_speed_gpu(g: &mut Gen) -> Case {
    let Value::List(mut parts) = conv(g, 32, 64, (56, 56), 64, (3, 3), 1, 1, 1) else { unreachable!() };
    parts.push(Value::Text("cuda".into()));
    Case::new("32 x 64 x 56 x 56, 64 filters 3x3, padding 1, F32 on the GPU", Value::List(parts))
}

// ---------------------------------------------------------------------------------------------
// im2col: (x, kh, kw, stride, padding, dilation)

fn im2col_cases(g: &mut Gen) -> Vec<Case> {
    let input = |x: Value, kh, kw, s, p, d| Value::List(vec![x, int(kh), int(kw), int(s), int(p), int(d)]);
    // Small integers, so that a column in the wrong place cannot hide behind a tolerance.
    let ints = |g: &mut Gen, shape: &[usize]| {
        let n = shape.iter().product();
        Value::tensor(shape.to_vec(), (0..n).map(|_| g.int(-9, 9) as f64).collect())
    };
    vec![
        Case::new("one 4x4 channel, 2x2 windows", input(ints(g, &[1, 1, 4, 4]), 2, 2, 1, 0, 1)),
        Case::new("2 samples, 3 channels, 5x5, 3x3 windows, padding 1", input(ints(g, &[2, 3, 5, 5]), 3, 3, 1, 1, 1)),
        Case::new("stride 2, a 2x3 window on 6x7", input(ints(g, &[1, 2, 6, 7]), 2, 3, 2, 0, 1)),
        Case::new("dilation 2 with padding 2", input(ints(g, &[1, 2, 5, 6]), 3, 3, 1, 2, 2)),
        Case::new("window larger than the image (KernelTooLarge)", input(ints(g, &[1, 1, 3, 3]), 4, 4, 1, 0, 1)),
        Case::new("stride 0 (InvalidParameter)", input(ints(g, &[1, 1, 3, 3]), 2, 2, 0, 0, 1)),
        Case::new("x of rank 2 (ShapeMismatch)", input(g.matrix(4, 4), 2, 2, 1, 0, 1)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Backward: (x, w, dout, stride, padding, dilation)

fn backward(
    g: &mut Gen,
    n: usize,
    c: usize,
    (h, w): (usize, usize),
    o: usize,
    (kh, kw): (usize, usize),
    s: usize,
    p: usize,
    d: usize,
) -> Value {
    let out = |len: usize, k: usize| (len + 2 * p - d * (k - 1) - 1) / s + 1;
    let (ho, wo) = (out(h, kh), out(w, kw));
    Value::List(vec![
        tensor(g, &[n, c, h, w]),
        tensor(g, &[o, c, kh, kw]),
        tensor(g, &[n, o, ho, wo]),
        int(s),
        int(p),
        int(d),
    ])
}

fn backward_cases(g: &mut Gen) -> Vec<Case> {
    let mut bad = backward(g, 1, 2, (6, 6), 3, (3, 3), 1, 0, 1);
    if let Value::List(parts) = &mut bad {
        parts[2] = tensor(g, &[1, 3, 5, 4]);
    }
    vec![
        Case::new("2 samples, 3 -> 4 channels, 6x6, 3x3, no padding", backward(g, 2, 3, (6, 6), 4, (3, 3), 1, 0, 1)),
        Case::new("padding 1 ('same'): border pixels get fewer taps", backward(g, 2, 2, (7, 7), 3, (3, 3), 1, 1, 1)),
        Case::new("stride 2 on 9x8 (some pixels in no window)", backward(g, 1, 2, (9, 8), 2, (3, 3), 2, 0, 1)),
        Case::new("dilation 2, padding 2", backward(g, 1, 2, (8, 8), 2, (3, 3), 1, 2, 2)),
        Case::new("a 2x4 kernel, stride 2, padding 1", backward(g, 2, 3, (7, 9), 2, (2, 4), 2, 1, 1)),
        Case::new(
            "padding 3 around a 5x4 image (outputs that see only zeros)",
            backward(g, 1, 2, (5, 4), 2, (3, 3), 1, 3, 1),
        ),
        Case::new("dout of the wrong shape (ShapeMismatch)", bad),
    ]
}

// ---------------------------------------------------------------------------------------------
// Pooling: (x, dout, kernel, stride)

fn pool_input(g: &mut Gen, x: Value, kernel: usize, stride: usize) -> Value {
    let Value::Tensor { shape, .. } = &x else { unreachable!() };
    let out = |len: usize| if kernel <= len && stride > 0 { (len - kernel) / stride + 1 } else { 1 };
    let dout = tensor(g, &[shape[0], shape[1], out(shape[2]), out(shape[3])]);
    Value::List(vec![x, dout, int(kernel), int(stride)])
}

fn pool_cases(g: &mut Gen, max: bool) -> Vec<Case> {
    let x = tensor(g, &[2, 3, 6, 6]);
    let mut cases = vec![
        Case::new("2x2 windows, stride 2, on 2 x 3 x 6 x 6", pool_input(g, x, 2, 2)),
        Case::new("3x3 windows, stride 3, on 7x8 (a ragged edge left out)", {
            let x = tensor(g, &[1, 2, 7, 8]);
            pool_input(g, x, 3, 3)
        }),
        Case::new("overlapping 3x3 windows, stride 2 (gradients add up)", {
            let x = tensor(g, &[2, 2, 7, 7]);
            pool_input(g, x, 3, 2)
        }),
        Case::new("3x3 windows, stride 1", {
            let x = tensor(g, &[1, 1, 5, 6]);
            pool_input(g, x, 3, 1)
        }),
        Case::new("a 1x1 window (the identity)", {
            let x = tensor(g, &[1, 2, 3, 3]);
            pool_input(g, x, 1, 1)
        }),
    ];
    if max {
        // Small integers: windows with tied maxima, where the first one takes the gradient.
        let ties = Value::tensor(vec![1, 2, 6, 6], (0..72).map(|_| g.int(0, 2) as f64).collect());
        cases.push(Case::new(
            "tied maxima (the first in row-major order takes the gradient)",
            pool_input(g, ties, 2, 2),
        ));
        let ties = Value::tensor(vec![1, 1, 5, 5], (0..25).map(|_| g.int(0, 1) as f64).collect());
        cases.push(Case::new("tied maxima in overlapping windows", pool_input(g, ties, 3, 2)));
        let mut v = g.normals(16).iter().map(|x| x - 10.0).collect::<Vec<f64>>();
        v[5] = f64::NEG_INFINITY;
        cases.push(Case::new("negative values and -inf (the maximum is not 0)", {
            let x = Value::tensor(vec![1, 1, 4, 4], v);
            pool_input(g, x, 2, 2)
        }));
        let mut v = g.normals(16);
        v[6] = f64::NAN;
        cases.push(Case::new("a NaN in one window (that output is NaN)", {
            let x = Value::tensor(vec![1, 1, 4, 4], v);
            pool_input(g, x, 2, 2)
        }));
    }
    cases.push(Case::new("window larger than the image (KernelTooLarge)", {
        let x = tensor(g, &[1, 1, 3, 3]);
        pool_input(g, x, 4, 1)
    }));
    cases.push(Case::new("stride 0 (InvalidParameter)", {
        let x = tensor(g, &[1, 1, 4, 4]);
        pool_input(g, x, 2, 0)
    }));
    cases.push(Case::new("dout of the wrong shape (ShapeMismatch)", {
        let x = tensor(g, &[1, 1, 4, 4]);
        Value::List(vec![x, tensor(g, &[1, 1, 3, 2]), int(2), int(2)])
    }));
    cases
}

fn max_pool_cases(g: &mut Gen) -> Vec<Case> {
    pool_cases(g, true)
}

fn avg_pool_cases(g: &mut Gen) -> Vec<Case> {
    pool_cases(g, false)
}

// ---------------------------------------------------------------------------------------------
// A filter learned from the photograph: (image, target, size, steps, lr), secret: the kernel

/// The course's photograph, `128 × 128` grey (binary PGM).
fn camera() -> (usize, usize, Vec<f64>) {
    let bytes = data::bytes("camera");
    // "P5\n128 128\n255\n" then the pixels.
    let header: Vec<&[u8]> = bytes.splitn(4, |b| b.is_ascii_whitespace()).collect();
    let (w, h) = (parse(header[1]), parse(header[2]));
    let pixels = &bytes[bytes.len() - w * h..];
    (h, w, pixels.iter().map(|&p| p as f64).collect())
}

fn parse(b: &[u8]) -> usize {
    std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()).expect("suite: the camera PGM's header")
}

/// A random `side × side` crop of the photograph, standardised to mean 0 and variance 1.
fn crop(g: &mut Gen, side: usize) -> (Vec<f64>, usize) {
    let (h, w, px) = camera();
    let (y0, x0) = (g.size(0, h - side), g.size(0, w - side));
    let mut c: Vec<f64> = (0..side * side).map(|t| px[(y0 + t / side) * w + x0 + t % side]).collect();
    let mean = c.iter().sum::<f64>() / c.len() as f64;
    let sd = (c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / c.len() as f64).sqrt();
    c.iter_mut().for_each(|v| *v = (*v - mean) / sd);
    (c, side)
}

/// The valid convolution (cross-correlation) of a square image with a square kernel.
fn filtered(img: &[f64], side: usize, k: &[f64], size: usize) -> Vec<f64> {
    let out = side - size + 1;
    let mut t = Vec::with_capacity(out * out);
    for y in 0..out {
        for x in 0..out {
            t.push((0..size * size).map(|q| k[q] * img[(y + q / size) * side + x + q % size]).sum());
        }
    }
    t
}

const STEPS: usize = 2000;
const LR: f64 = 0.1;

fn filter_case(g: &mut Gen, label: &str, kernel: Vec<f64>, size: usize) -> Case {
    let (img, side) = crop(g, 64);
    let target = filtered(&img, side, &kernel, size);
    let out = side - size + 1;
    let input = Value::List(vec![
        Value::matrix(side, side, img),
        Value::matrix(out, out, target),
        int(size),
        int(STEPS),
        Value::Float(LR),
    ]);
    Case::new(label, input).with_secret(Value::matrix(size, size, kernel))
}

fn learn_filter_cases(g: &mut Gen) -> Vec<Case> {
    let sobel_x = vec![-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0];
    let sobel_y = vec![-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0];
    let laplacian = vec![0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0];
    let (sobel, name) = if g.int(0, 1) == 0 { (sobel_x, "Sobel x") } else { (sobel_y, "Sobel y") };
    let random3 = g.normals(9);
    let random2 = g.normals(4);
    let mut cases = vec![
        filter_case(g, &format!("a 3x3 edge detector ({name}) on a 64x64 crop of the photograph"), sobel, 3),
        filter_case(g, "a 3x3 Laplacian on another crop", laplacian, 3),
        filter_case(g, "a random 3x3 kernel", random3, 3),
        filter_case(g, "a random 2x2 kernel", random2, 2),
    ];
    let (img, side) = crop(g, 16);
    cases.push(Case::new(
        "a target of the wrong size (ShapeMismatch)",
        Value::List(vec![Value::matrix(side, side, img), g.matrix(side, side), int(3), int(5), Value::Float(LR)]),
    ));
    cases
}

/// The learned kernel and every loss against the reference's (the same gradient descent from
/// the same start), the losses decreasing; the distance to the hidden kernel shown, and the
/// learned kernel drawn beside it.
fn check_learned_filter(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let (Value::Matrix { data: ek, .. }, Value::Floats(el)) = (&e[0], &e[1]) else { return ctx.named_parts() };
    if let (Value::Matrix { data: sk, .. }, Value::Floats(sl), Value::Matrix { rows, data: truth, .. }) =
        (&s[0], &s[1], ctx.secret)
    {
        let dist = |k: &[f64]| k.iter().zip(truth).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        if sk.len() == truth.len() {
            ctx.metric("max |learned − hidden kernel|", dist(sk), Some(dist(ek)), None);
            let grid = |k: &[f64]| (0..*rows).map(|r| k[r * rows..(r + 1) * rows].to_vec()).collect::<Vec<_>>();
            ctx.figure(Figure {
                title: "the learned kernel (your k)".into(),
                kind: "heatmap".into(),
                x_label: "column".into(),
                y_label: "row".into(),
                series: vec![],
                matrix: grid(sk),
                labels: vec![],
            });
        }
        if sl.len() == el.len() && !sl.is_empty() {
            let log = |l: &[f64]| -> Vec<[f64; 2]> {
                l.iter().enumerate().step_by(20).map(|(i, v)| [i as f64, v.max(1e-300).log10()]).collect()
            };
            ctx.figure(Figure {
                title: "mean squared error (log10) during gradient descent".into(),
                kind: "lines".into(),
                x_label: "step".into(),
                y_label: "log10 loss".into(),
                series: vec![
                    Series { name: "yours".into(), points: log(sl) },
                    Series { name: "reference".into(), points: log(el) },
                ],
                matrix: vec![],
                labels: vec![],
            });
            // Rounding may move a converged loss of 1e-25 up a little: that is not a rise.
            if let Some(t) = sl.windows(2).position(|w| !(w[1] <= w[0] * (1.0 + 1e-9) + 1e-15)) {
                return Err(Failure::msg(format!(
                    "the loss went up (or became NaN) at step {}: {} -> {} (with this learning rate every step of \
                     gradient descent on this quadratic loss decreases it)",
                    t + 1,
                    compare::fmt_num(sl[t]),
                    compare::fmt_num(sl[t + 1])
                )));
            }
        }
    }
    ctx.named_parts()
}
