//! Convolutions and pooling from scratch (reference solutions).

use candle_core::{DType, Device, Tensor};

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvError {
    /// A kernel size, stride or dilation of 0.
    InvalidParameter,
    /// The (dilated) kernel is wider than the (padded) input: no output position exists.
    KernelTooLarge,
    /// An input is not of the documented rank, or two inputs disagree (channels, output size).
    ShapeMismatch,
    /// Any other error from candle, with its message.
    Candle(String),
}

impl From<candle_core::Error> for ConvError {
    fn from(e: candle_core::Error) -> Self {
        ConvError::Candle(e.to_string())
    }
}

/// A convolution's stride, zero padding (on every side) and dilation, as candle's `conv2d`
/// takes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvParams {
    pub stride: usize,
    pub padding: usize,
    pub dilation: usize,
}

pub fn output_size(input: usize, kernel: usize, p: ConvParams) -> Result<usize, ConvError> {
    if kernel == 0 || p.stride == 0 || p.dilation == 0 {
        return Err(ConvError::InvalidParameter);
    }
    let extent = p.dilation * (kernel - 1) + 1;
    let padded = input + 2 * p.padding;
    if extent > padded {
        return Err(ConvError::KernelTooLarge);
    }
    Ok((padded - extent) / p.stride + 1)
}

/// `(n, c, h, w)` of a rank-4 tensor.
fn dims4(t: &Tensor) -> Result<(usize, usize, usize, usize), ConvError> {
    t.dims4().map_err(|_| ConvError::ShapeMismatch)
}

/// Checks `x (N, C, H, W)`, `w (O, C, kh, kw)` and `b (O,)`; returns the output's `(ho, wo)`.
fn check(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: ConvParams) -> Result<(usize, usize), ConvError> {
    let (_, c, h, wd) = dims4(x)?;
    let (o, c2, kh, kw) = dims4(w)?;
    if c != c2 || b.is_some_and(|b| b.dims() != [o]) {
        return Err(ConvError::ShapeMismatch);
    }
    Ok((output_size(h, kh, p)?, output_size(wd, kw, p)?))
}

fn flat(t: &Tensor) -> Result<Vec<f64>, ConvError> {
    Ok(t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?)
}

pub fn conv2d_direct(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: ConvParams) -> Result<Tensor, ConvError> {
    let (ho, wo) = check(x, w, b, p)?;
    let (n, c, h, wd) = dims4(x)?;
    let (o, _, kh, kw) = dims4(w)?;
    let (xs, ws) = (flat(x)?, flat(w)?);
    let bs = match b {
        Some(b) => flat(b)?,
        None => vec![0.0; o],
    };
    let mut out = vec![0.0; n * o * ho * wo];
    for ni in 0..n {
        for oi in 0..o {
            for y in 0..ho {
                for xo in 0..wo {
                    let mut s = bs[oi];
                    for ci in 0..c {
                        for i in 0..kh {
                            let r = (y * p.stride + i * p.dilation) as isize - p.padding as isize;
                            if r < 0 || r >= h as isize {
                                continue;
                            }
                            for j in 0..kw {
                                let q = (xo * p.stride + j * p.dilation) as isize - p.padding as isize;
                                if q < 0 || q >= wd as isize {
                                    continue;
                                }
                                s += xs[((ni * c + ci) * h + r as usize) * wd + q as usize]
                                    * ws[((oi * c + ci) * kh + i) * kw + j];
                            }
                        }
                    }
                    out[((ni * o + oi) * ho + y) * wo + xo] = s;
                }
            }
        }
    }
    Ok(Tensor::from_vec(out, (n, o, ho, wo), x.device())?.to_dtype(x.dtype())?)
}

/// For each column of the unfolded matrix, in the order `(c, i, j, y, x)`: the index of its
/// element in the zero-padded input flattened per sample `(C, Hp, Wp)`.
fn unfold_index(
    c: usize,
    (hp, wp): (usize, usize),
    (kh, kw): (usize, usize),
    (ho, wo): (usize, usize),
    p: ConvParams,
) -> Vec<u32> {
    let mut idx = Vec::with_capacity(c * kh * kw * ho * wo);
    for ci in 0..c {
        for i in 0..kh {
            for j in 0..kw {
                for y in 0..ho {
                    for x in 0..wo {
                        let r = y * p.stride + i * p.dilation;
                        let q = x * p.stride + j * p.dilation;
                        idx.push(((ci * hp + r) * wp + q) as u32);
                    }
                }
            }
        }
    }
    idx
}

pub fn im2col(x: &Tensor, kernel: (usize, usize), p: ConvParams) -> Result<Tensor, ConvError> {
    let (n, c, h, w) = dims4(x)?;
    let (ho, wo) = (output_size(h, kernel.0, p)?, output_size(w, kernel.1, p)?);
    let (hp, wp) = (h + 2 * p.padding, w + 2 * p.padding);
    let padded = x.pad_with_zeros(2, p.padding, p.padding)?.pad_with_zeros(3, p.padding, p.padding)?;
    let idx = unfold_index(c, (hp, wp), kernel, (ho, wo), p);
    let len = idx.len();
    let idx = Tensor::from_vec(idx, len, x.device())?;
    let cols = padded.reshape((n, c * hp * wp))?.index_select(&idx, 1)?;
    Ok(cols.reshape((n, c * kernel.0 * kernel.1, ho * wo))?)
}

pub fn conv2d_im2col(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: ConvParams) -> Result<Tensor, ConvError> {
    let (ho, wo) = check(x, w, b, p)?;
    let (n, _, _, _) = dims4(x)?;
    let (o, c, kh, kw) = dims4(w)?;
    let k = c * kh * kw;
    let cols = im2col(x, (kh, kw), p)?; // (N, K, L)
    let rows = cols.transpose(1, 2)?.contiguous()?.reshape((n * ho * wo, k))?;
    let mut out = rows.matmul(&w.reshape((o, k))?.t()?)?; // (N·L, O)
    if let Some(b) = b {
        out = out.broadcast_add(b)?;
    }
    Ok(out.reshape((n, ho * wo, o))?.transpose(1, 2)?.contiguous()?.reshape((n, o, ho, wo))?)
}

pub fn conv2d_backward(
    x: &Tensor,
    w: &Tensor,
    dout: &Tensor,
    p: ConvParams,
) -> Result<(Tensor, Tensor, Tensor), ConvError> {
    let (ho, wo) = check(x, w, None, p)?;
    let (n, c, h, wd) = dims4(x)?;
    let (o, _, kh, kw) = dims4(w)?;
    if dout.dims() != [n, o, ho, wo] {
        return Err(ConvError::ShapeMismatch);
    }
    let k = c * kh * kw;
    let l = ho * wo;
    let d = dout.reshape((n, o, l))?;
    let db = d.sum(2)?.sum(0)?;
    let cols = im2col(x, (kh, kw), p)?; // (N, K, L)
    let dw = d.matmul(&cols.transpose(1, 2)?.contiguous()?)?.sum(0)?.reshape((o, c, kh, kw))?;
    // dcols (N, K, L) = Wᵀ · dout, scattered back onto the padded input.
    let w2 = w.reshape((o, k))?;
    let dcols = d.transpose(1, 2)?.contiguous()?.reshape((n * l, o))?.matmul(&w2)?; // (N·L, K)
    let dcols = dcols.reshape((n, l, k))?.transpose(1, 2)?.contiguous()?.reshape((n, k * l))?;
    let (hp, wp) = (h + 2 * p.padding, wd + 2 * p.padding);
    let idx = unfold_index(c, (hp, wp), (kh, kw), (ho, wo), p);
    let len = idx.len();
    let idx = Tensor::from_vec(idx, len, x.device())?;
    let dpad = Tensor::zeros((n, c * hp * wp), x.dtype(), x.device())?.index_add(&idx, &dcols, 1)?;
    let dx = dpad.reshape((n, c, hp, wp))?.narrow(2, p.padding, h)?.narrow(3, p.padding, wd)?;
    Ok((dx, dw, db))
}

/// Checks a pooling window against `x (N, C, H, W)`; returns `(n, c, h, w, ho, wo)`.
fn pool_dims(x: &Tensor, kernel: usize, stride: usize) -> Result<[usize; 6], ConvError> {
    let (n, c, h, w) = dims4(x)?;
    let p = ConvParams { stride, padding: 0, dilation: 1 };
    Ok([n, c, h, w, output_size(h, kernel, p)?, output_size(w, kernel, p)?])
}

pub fn max_pool2d(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    let [n, c, h, w, ho, wo] = pool_dims(x, kernel, stride)?;
    let xs = flat(x)?;
    let mut out = Vec::with_capacity(n * c * ho * wo);
    for plane in 0..n * c {
        for y in 0..ho {
            for q in 0..wo {
                let mut m = f64::NEG_INFINITY;
                for i in 0..kernel {
                    for j in 0..kernel {
                        let v = xs[(plane * h + y * stride + i) * w + q * stride + j];
                        if v > m || v.is_nan() {
                            m = v;
                        }
                        if m.is_nan() {
                            break;
                        }
                    }
                }
                out.push(m);
            }
        }
    }
    Ok(Tensor::from_vec(out, (n, c, ho, wo), x.device())?.to_dtype(x.dtype())?)
}

pub fn max_pool2d_backward(x: &Tensor, dout: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    let [n, c, h, w, ho, wo] = pool_dims(x, kernel, stride)?;
    if dout.dims() != [n, c, ho, wo] {
        return Err(ConvError::ShapeMismatch);
    }
    let (xs, ds) = (flat(x)?, flat(dout)?);
    let mut dx = vec![0.0; n * c * h * w];
    for plane in 0..n * c {
        for y in 0..ho {
            for q in 0..wo {
                // The first maximum in row-major order within the window takes the gradient.
                let mut best = (f64::NEG_INFINITY, usize::MAX);
                'window: for i in 0..kernel {
                    for j in 0..kernel {
                        let at = (plane * h + y * stride + i) * w + q * stride + j;
                        if xs[at].is_nan() {
                            best = (xs[at], at);
                            break 'window;
                        }
                        if xs[at] > best.0 || best.1 == usize::MAX {
                            best = (xs[at], at);
                        }
                    }
                }
                dx[best.1] += ds[(plane * ho + y) * wo + q];
            }
        }
    }
    Ok(Tensor::from_vec(dx, (n, c, h, w), x.device())?.to_dtype(x.dtype())?)
}

pub fn avg_pool2d(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    let [n, c, h, w, ho, wo] = pool_dims(x, kernel, stride)?;
    let xs = flat(x)?;
    let area = (kernel * kernel) as f64;
    let mut out = Vec::with_capacity(n * c * ho * wo);
    for plane in 0..n * c {
        for y in 0..ho {
            for q in 0..wo {
                let mut s = 0.0;
                for i in 0..kernel {
                    for j in 0..kernel {
                        s += xs[(plane * h + y * stride + i) * w + q * stride + j];
                    }
                }
                out.push(s / area);
            }
        }
    }
    Ok(Tensor::from_vec(out, (n, c, ho, wo), x.device())?.to_dtype(x.dtype())?)
}

pub fn avg_pool2d_backward(x: &Tensor, dout: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    let [n, c, h, w, ho, wo] = pool_dims(x, kernel, stride)?;
    if dout.dims() != [n, c, ho, wo] {
        return Err(ConvError::ShapeMismatch);
    }
    let ds = flat(dout)?;
    let area = (kernel * kernel) as f64;
    let mut dx = vec![0.0; n * c * h * w];
    for plane in 0..n * c {
        for y in 0..ho {
            for q in 0..wo {
                let g = ds[(plane * ho + y) * wo + q] / area;
                for i in 0..kernel {
                    for j in 0..kernel {
                        dx[(plane * h + y * stride + i) * w + q * stride + j] += g;
                    }
                }
            }
        }
    }
    Ok(Tensor::from_vec(dx, (n, c, h, w), x.device())?.to_dtype(x.dtype())?)
}

pub fn learn_filter(
    image: &Tensor,
    target: &Tensor,
    size: usize,
    steps: usize,
    lr: f64,
) -> Result<(Tensor, Vec<f64>), ConvError> {
    let (h, w) = image.dims2().map_err(|_| ConvError::ShapeMismatch)?;
    let p = ConvParams { stride: 1, padding: 0, dilation: 1 };
    let (ho, wo) = (output_size(h, size, p)?, output_size(w, size, p)?);
    if target.dims() != [ho, wo] {
        return Err(ConvError::ShapeMismatch);
    }
    let dev = Device::Cpu;
    let x = image.to_dtype(DType::F64)?.to_device(&dev)?.reshape((1, 1, h, w))?;
    let t = target.to_dtype(DType::F64)?.to_device(&dev)?.reshape((1, 1, ho, wo))?;
    let k = candle_core::Var::from_tensor(&Tensor::zeros((1, 1, size, size), DType::F64, &dev)?)?;
    let loss_of = |k: &Tensor| -> candle_core::Result<Tensor> { (x.conv2d(k, 0, 1, 1, 1)? - &t)?.sqr()?.mean_all() };
    let mut losses = Vec::with_capacity(steps + 1);
    for _ in 0..steps {
        let loss = loss_of(k.as_tensor())?;
        losses.push(loss.to_scalar::<f64>()?);
        let grads = loss.backward()?;
        let g = grads.get(k.as_tensor()).ok_or_else(|| ConvError::Candle("no gradient".into()))?;
        k.set(&(k.as_tensor() - (g * lr)?)?)?;
    }
    losses.push(loss_of(k.as_tensor())?.to_scalar::<f64>()?);
    Ok((k.as_tensor().reshape((size, size))?, losses))
}
