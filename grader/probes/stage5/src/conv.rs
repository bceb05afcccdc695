//! Glue for `stage5::conv`. A convolution travels as `(x, w, b, stride, padding, dilation)`
//! (`b` is `Unit` for none); a trailing `Text("cuda")` (the GPU speed input only) asks for `F32`
//! tensors on the GPU. The `*.candle` ids answer the same inputs with candle's own `conv2d`,
//! pooling and autograd (pooling gradients by central differences of candle's forward), and
//! `Unit` where candle cannot answer (an invalid size, a convolution gradient candle's autograd
//! refuses, tied maxima): the suites check the reference against them.

use crate::convert::{on_device, Stage5};
use candle_core::{Tensor, Var};
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage5::conv::{self, ConvParams};

probe_runtime::glue! { Stage5;
    "stage5.conv.output_size" => |input: usize, kernel: usize, stride: usize, padding: usize, dilation: usize| {
        conv::output_size(input, kernel, ConvParams { stride, padding, dilation })
    };
    "stage5.conv.conv2d" => |c: Conv| conv::conv2d_direct(&c.x, &c.w, c.b.as_ref(), c.p);
    "stage5.conv.conv2d_im2col" => |c: Conv| conv::conv2d_im2col(&c.x, &c.w, c.b.as_ref(), c.p);
    "stage5.conv.conv2d_gpu" => |c: Conv| conv::conv2d_im2col(&c.x, &c.w, c.b.as_ref(), c.p);
    "stage5.conv.conv2d.candle" => |c: Conv| candle_conv(&c);
    "stage5.conv.im2col" => |x: Tensor, kh: usize, kw: usize, stride: usize, padding: usize, dilation: usize| {
        conv::im2col(&x, (kh, kw), ConvParams { stride, padding, dilation })
    };
    "stage5.conv.conv2d_backward" => |x: Tensor, w: Tensor, dout: Tensor, stride: usize, padding: usize, dilation: usize| {
        conv::conv2d_backward(&x, &w, &dout, ConvParams { stride, padding, dilation })
    } => (dx, dw, db);
    "stage5.conv.conv2d_backward.candle" => |x: Tensor, w: Tensor, dout: Tensor, stride: usize, padding: usize, dilation: usize| {
        autograd_conv_backward(&x, &w, &dout, ConvParams { stride, padding, dilation })
    };
    "stage5.conv.max_pool" => |x: Tensor, dout: Tensor, kernel: usize, stride: usize| {
        conv::max_pool2d(&x, kernel, stride).and_then(|y| Ok((y, conv::max_pool2d_backward(&x, &dout, kernel, stride)?)))
    } => (y, dx);
    "stage5.conv.max_pool.candle" => |x: Tensor, dout: Tensor, kernel: usize, stride: usize| {
        candle_pool(&x, &dout, kernel, stride, true)
    };
    "stage5.conv.avg_pool" => |x: Tensor, dout: Tensor, kernel: usize, stride: usize| {
        conv::avg_pool2d(&x, kernel, stride).and_then(|y| Ok((y, conv::avg_pool2d_backward(&x, &dout, kernel, stride)?)))
    } => (y, dx);
    "stage5.conv.avg_pool.candle" => |x: Tensor, dout: Tensor, kernel: usize, stride: usize| {
        candle_pool(&x, &dout, kernel, stride, false)
    };
    "stage5.conv.learn_filter" => |image: Tensor, target: Tensor, size: usize, steps: usize, lr: f64| {
        conv::learn_filter(&image, &target, size, steps, lr)
    } => (kernel, losses);
}

/// A convolution's inputs.
pub struct Conv {
    x: Tensor,
    w: Tensor,
    b: Option<Tensor>,
    p: ConvParams,
}

impl Arg<'_, Stage5> for Conv {
    fn arg(v: &Value) -> Conv {
        let parts = v.list();
        let gpu = matches!(parts.last(), Some(Value::Text(t)) if t == "cuda");
        let t = |i: usize| on_device(<Tensor as Arg<Stage5>>::arg(&parts[i]), gpu);
        let b = match &parts[2] {
            Value::Unit => None,
            _ => Some(t(2)),
        };
        let p = ConvParams { stride: parts[3].usize(), padding: parts[4].usize(), dilation: parts[5].usize() };
        Conv { x: t(0), w: t(1), b, p }
    }
}

/// Whether candle can answer: rank-4 tensors whose channels agree and a kernel that fits.
fn fits(x: &Tensor, w: &Tensor, p: ConvParams) -> bool {
    let (Ok((_, c, h, wd)), Ok((_, c2, kh, kw))) = (x.dims4(), w.dims4()) else { return false };
    let fit = |n: usize, k: usize| k > 0 && p.dilation * (k - 1) < n + 2 * p.padding;
    c == c2 && p.stride > 0 && p.dilation > 0 && fit(h, kh) && fit(wd, kw)
}

/// candle's `conv2d` (plus the bias), or `Unit` where the course refuses the input.
fn candle_conv(c: &Conv) -> Value {
    if !fits(&c.x, &c.w, c.p) || c.b.as_ref().is_some_and(|b| b.dims() != [c.w.dims()[0]]) {
        return Value::Unit;
    }
    let run = || -> candle_core::Result<Tensor> {
        let y = c.x.conv2d(&c.w, c.p.padding, c.p.stride, c.p.dilation, 1)?;
        match &c.b {
            Some(b) => y.broadcast_add(&b.reshape((1, b.dim(0)?, 1, 1))?),
            None => Ok(y),
        }
    };
    probe_runtime::tensor::value(&run().expect("glue: candle's conv2d"))
}

/// `(dx, dw, db)` by candle's autograd through its `conv2d`, for the loss `Σ dout ⊙ y`.
fn autograd_conv_backward(x: &Tensor, w: &Tensor, dout: &Tensor, p: ConvParams) -> Value {
    if !fits(x, w, p) {
        return Value::Unit;
    }
    let run = || -> candle_core::Result<(Tensor, Tensor, Tensor)> {
        let (xv, wv) = (Var::from_tensor(x)?, Var::from_tensor(w)?);
        let y = xv.conv2d(&wv, p.padding, p.stride, p.dilation, 1)?;
        if y.dims() != dout.dims() {
            candle_core::bail!("dout shape");
        }
        let grads = (y * dout)?.sum_all()?.backward()?;
        let get = |v: &Var| grads.get(v).cloned().ok_or_else(|| candle_core::Error::Msg("no gradient".into()));
        Ok((get(&xv)?, get(&wv)?, dout.sum((0, 2, 3))?))
    };
    match run() {
        Ok(out) => <_ as probe_runtime::glue::Ret<Stage5>>::ret(out),
        Err(_) => Value::Unit,
    }
}

/// candle's pooling forward, and its gradient by central differences of that forward (exact up
/// to rounding: pooling is piecewise linear), or `Unit` where the course refuses the input or,
/// for max pooling, a window holds its maximum twice (there the derivative does not exist and
/// the course's rule picks one). candle's own pooling backward is not used: it scales a max
/// pooling gradient by the fraction of maxima in the window (1/k² for a unique one), and sends
/// average pooling gradients into a ragged edge that no window covers (candle-core 0.11.1).
fn candle_pool(x: &Tensor, dout: &Tensor, kernel: usize, stride: usize, max: bool) -> Value {
    let Ok((_, _, h, w)) = x.dims4() else { return Value::Unit };
    if kernel == 0 || stride == 0 || kernel > h || kernel > w || (max && tied(x, kernel, stride)) {
        return Value::Unit;
    }
    let pool = |x: &Tensor| {
        if max {
            x.max_pool2d_with_stride(kernel, stride)
        } else {
            x.avg_pool2d_with_stride(kernel, stride)
        }
    };
    let run = || -> candle_core::Result<(Tensor, Tensor)> {
        let y = pool(x)?;
        if y.dims() != dout.dims() {
            candle_core::bail!("dout shape");
        }
        let xs = x.flatten_all()?.to_vec1::<f64>()?;
        let mut dx = Vec::with_capacity(xs.len());
        for i in 0..xs.len() {
            let step = 1e-6 * xs[i].abs().max(1.0);
            let at = |d: f64| -> candle_core::Result<f64> {
                let mut v = xs.clone();
                v[i] += d;
                (pool(&Tensor::from_vec(v, x.dims(), x.device())?)? * dout)?.sum_all()?.to_scalar::<f64>()
            };
            dx.push((at(step)? - at(-step)?) / (2.0 * step));
        }
        Ok((y, Tensor::from_vec(dx, x.dims(), x.device())?))
    };
    match run() {
        Ok(out) => <_ as probe_runtime::glue::Ret<Stage5>>::ret(out),
        Err(_) => Value::Unit,
    }
}

/// Whether any `k × k` window holds its maximum twice (or two values within the finite
/// difference's step of each other), or a NaN, or only infinities.
fn tied(x: &Tensor, k: usize, s: usize) -> bool {
    let (n, c, h, w) = x.dims4().expect("glue: rank 4");
    let v = x.flatten_all().and_then(|f| f.to_vec1::<f64>()).expect("glue: values");
    (0..n * c).any(|plane| {
        (0..=(h - k) / s).any(|y| {
            (0..=(w - k) / s).any(|q| {
                let win: Vec<f64> = (0..k * k).map(|t| v[(plane * h + y * s + t / k) * w + q * s + t % k]).collect();
                let m = win.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let near = |a: f64| (a - m).abs() <= 1e-4 * m.abs().max(1.0);
                !m.is_finite() || win.iter().any(|a| a.is_nan()) || win.iter().filter(|&&a| near(a)).count() > 1
            })
        })
    })
}
