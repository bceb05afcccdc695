//! Transformers from scratch on candle tensors (reference solutions).

use candle_core::{DType, Device, IndexOp, Tensor, D};

#[derive(Debug, Clone, PartialEq)]
pub enum TfError {
    ShapeMismatch,
    InvalidParameter,
    EmptySequence,
    Candle(String),
}

impl From<candle_core::Error> for TfError {
    fn from(e: candle_core::Error) -> Self {
        TfError::Candle(e.to_string())
    }
}

type Result<T> = std::result::Result<T, TfError>;

#[derive(Debug, Clone)]
pub struct Linear {
    pub w: Tensor,
    pub b: Tensor,
}

impl Linear {
    /// `x·Wᵀ + b` over the last dimension of `x` (any number of leading dimensions).
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let (out, inp) = self.w.dims2().map_err(|_| TfError::ShapeMismatch)?;
        let dims = x.dims();
        if dims.last() != Some(&inp) || self.b.dims() != [out] {
            return Err(TfError::ShapeMismatch);
        }
        let rows: usize = dims[..dims.len() - 1].iter().product();
        let y = x.reshape((rows, inp))?.matmul(&self.w.t()?)?.broadcast_add(&self.b)?;
        let mut shape = dims[..dims.len() - 1].to_vec();
        shape.push(out);
        Ok(y.reshape(shape)?)
    }
}

fn softmax_last(x: &Tensor) -> Result<Tensor> {
    let max = x.max_keepdim(D::Minus1)?;
    let e = x.broadcast_sub(&max)?.exp()?;
    Ok(e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?)
}

pub fn causal_mask(t: usize, device: &Device) -> Result<Tensor> {
    let v: Vec<f64> = (0..t * t).map(|k| if k % t <= k / t { 1.0 } else { 0.0 }).collect();
    Ok(Tensor::from_vec(v, (t, t), device)?)
}

pub fn scaled_dot_product_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Tensor)> {
    let qd = q.dims();
    let kd = k.dims();
    let vd = v.dims();
    let r = qd.len();
    if r < 2 || kd.len() != r || vd.len() != r {
        return Err(TfError::ShapeMismatch);
    }
    let (tq, d) = (qd[r - 2], qd[r - 1]);
    let tk = kd[r - 2];
    if kd[r - 1] != d || vd[r - 2] != tk || qd[..r - 2] != kd[..r - 2] || qd[..r - 2] != vd[..r - 2] {
        return Err(TfError::ShapeMismatch);
    }
    if tq == 0 || tk == 0 {
        return Err(TfError::EmptySequence);
    }
    let scores = (q.matmul(&k.transpose(r - 2, r - 1)?.contiguous()?)? / (d as f64).sqrt())?;
    let scores = match mask {
        None => scores,
        Some(m) => {
            if m.dims() != [tq, tk] {
                return Err(TfError::ShapeMismatch);
            }
            let m = m.to_dtype(DType::F64)?;
            let rows = m.to_vec2::<f64>()?;
            if rows.iter().any(|r| r.iter().all(|&v| v == 0.0)) {
                return Err(TfError::EmptySequence);
            }
            let inf = Tensor::full(f64::NEG_INFINITY, (tq, tk), m.device())?;
            let add = m.eq(0.0)?.where_cond(&inf, &m.zeros_like()?)?.to_dtype(scores.dtype())?;
            scores.broadcast_add(&add)?
        }
    };
    let weights = softmax_last(&scores)?;
    let out = weights.matmul(v)?;
    Ok((out, weights))
}

#[derive(Debug, Clone)]
pub struct MhaWeights {
    pub wq: Linear,
    pub wk: Linear,
    pub wv: Linear,
    pub wo: Linear,
    pub heads: usize,
}

pub fn multi_head_attention(
    x_q: &Tensor,
    x_kv: &Tensor,
    w: &MhaWeights,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Tensor)> {
    let (b, tq, dm) = x_q.dims3().map_err(|_| TfError::ShapeMismatch)?;
    let (b2, tk, dm2) = x_kv.dims3().map_err(|_| TfError::ShapeMismatch)?;
    if b != b2 || dm != dm2 {
        return Err(TfError::ShapeMismatch);
    }
    if w.heads == 0 || dm % w.heads != 0 {
        return Err(TfError::InvalidParameter);
    }
    let dh = dm / w.heads;
    let split =
        |x: Tensor, t: usize| -> Result<Tensor> { Ok(x.reshape((b, t, w.heads, dh))?.transpose(1, 2)?.contiguous()?) };
    let q = split(w.wq.apply(x_q)?, tq)?;
    let k = split(w.wk.apply(x_kv)?, tk)?;
    let v = split(w.wv.apply(x_kv)?, tk)?;
    let (o, weights) = scaled_dot_product_attention(&q, &k, &v, mask)?;
    let o = o.transpose(1, 2)?.contiguous()?.reshape((b, tq, dm))?;
    Ok((w.wo.apply(&o)?, weights))
}

pub fn positional_encoding(len: usize, d: usize) -> Result<Tensor> {
    if d == 0 || d % 2 != 0 {
        return Err(TfError::InvalidParameter);
    }
    let mut v = Vec::with_capacity(len * d);
    for pos in 0..len {
        for i in 0..d {
            let k = (i / 2) as f64;
            let angle = pos as f64 / 10000f64.powf(2.0 * k / d as f64);
            v.push(if i % 2 == 0 { angle.sin() } else { angle.cos() });
        }
    }
    Ok(Tensor::from_vec(v, (len, d), &Device::Cpu)?)
}

#[derive(Debug, Clone)]
pub struct FfnWeights {
    pub l1: Linear,
    pub l2: Linear,
}

pub fn feed_forward(x: &Tensor, w: &FfnWeights) -> Result<Tensor> {
    w.l2.apply(&w.l1.apply(x)?.relu()?)
}

#[derive(Debug, Clone)]
pub struct LayerNorm {
    pub gamma: Tensor,
    pub beta: Tensor,
}

pub const EPS: f64 = 1e-5;

impl LayerNorm {
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let d = *x.dims().last().ok_or(TfError::ShapeMismatch)?;
        if self.gamma.dims() != [d] || self.beta.dims() != [d] {
            return Err(TfError::ShapeMismatch);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let c = x.broadcast_sub(&mean)?;
        let var = c.sqr()?.mean_keepdim(D::Minus1)?;
        Ok(c.broadcast_div(&(var + EPS)?.sqrt()?)?.broadcast_mul(&self.gamma)?.broadcast_add(&self.beta)?)
    }
}

#[derive(Debug, Clone)]
pub struct EncoderLayer {
    pub attn: MhaWeights,
    pub ffn: FfnWeights,
    pub norm1: LayerNorm,
    pub norm2: LayerNorm,
}

pub fn encoder_layer(x: &Tensor, w: &EncoderLayer, mask: Option<&Tensor>, pre_norm: bool) -> Result<Tensor> {
    if pre_norm {
        let h = w.norm1.apply(x)?;
        let x = (x + multi_head_attention(&h, &h, &w.attn, mask)?.0)?;
        let h = w.norm2.apply(&x)?;
        Ok((&x + feed_forward(&h, &w.ffn)?)?)
    } else {
        let x = w.norm1.apply(&(x + multi_head_attention(x, x, &w.attn, mask)?.0)?)?;
        w.norm2.apply(&(&x + feed_forward(&x, &w.ffn)?)?)
    }
}

#[derive(Debug, Clone)]
pub struct DecoderLayer {
    pub self_attn: MhaWeights,
    pub cross_attn: MhaWeights,
    pub ffn: FfnWeights,
    pub norm1: LayerNorm,
    pub norm2: LayerNorm,
    pub norm3: LayerNorm,
}

pub fn decoder_layer(y: &Tensor, memory: &Tensor, w: &DecoderLayer, pre_norm: bool) -> Result<Tensor> {
    let t = y.dim(1).map_err(|_| TfError::ShapeMismatch)?;
    let causal = causal_mask(t, y.device())?;
    if pre_norm {
        let h = w.norm1.apply(y)?;
        let y = (y + multi_head_attention(&h, &h, &w.self_attn, Some(&causal))?.0)?;
        let h = w.norm2.apply(&y)?;
        let y = (&y + multi_head_attention(&h, memory, &w.cross_attn, None)?.0)?;
        let h = w.norm3.apply(&y)?;
        Ok((&y + feed_forward(&h, &w.ffn)?)?)
    } else {
        let y = w.norm1.apply(&(y + multi_head_attention(y, y, &w.self_attn, Some(&causal))?.0)?)?;
        let y = w.norm2.apply(&(&y + multi_head_attention(&y, memory, &w.cross_attn, None)?.0)?)?;
        w.norm3.apply(&(&y + feed_forward(&y, &w.ffn)?)?)
    }
}

#[derive(Debug, Clone)]
pub struct Transformer {
    pub src_embedding: Tensor,
    pub tgt_embedding: Tensor,
    pub encoder: Vec<EncoderLayer>,
    pub decoder: Vec<DecoderLayer>,
    pub out: Linear,
}

fn embed(ids: &Tensor, table: &Tensor) -> Result<Tensor> {
    let (b, t) = ids.dims2().map_err(|_| TfError::ShapeMismatch)?;
    let (v, d) = table.dims2().map_err(|_| TfError::ShapeMismatch)?;
    let flat = ids.flatten_all()?.to_dtype(DType::U32)?;
    if flat.to_vec1::<u32>()?.iter().any(|&i| i as usize >= v) {
        return Err(TfError::InvalidParameter);
    }
    Ok(table.index_select(&flat, 0)?.reshape((b, t, d))?)
}

pub fn transformer_forward(src: &Tensor, tgt: &Tensor, w: &Transformer) -> Result<Tensor> {
    let d = w.src_embedding.dim(1).map_err(|_| TfError::ShapeMismatch)?;
    let scale = (d as f64).sqrt();
    let with_positions = |e: Tensor| -> Result<Tensor> {
        let t = e.dim(1)?;
        let pe = positional_encoding(t, d)?.to_dtype(e.dtype())?.to_device(e.device())?;
        Ok((e * scale)?.broadcast_add(&pe)?)
    };
    let mut x = with_positions(embed(src, &w.src_embedding)?)?;
    for layer in &w.encoder {
        x = encoder_layer(&x, layer, None, false)?;
    }
    let mut y = with_positions(embed(tgt, &w.tgt_embedding)?)?;
    for layer in &w.decoder {
        y = decoder_layer(&y, &x, layer, false)?;
    }
    w.out.apply(&y)
}

#[derive(Debug, Clone)]
pub struct Gpt {
    pub token_embedding: Tensor,
    pub position_embedding: Tensor,
    pub blocks: Vec<EncoderLayer>,
    pub final_norm: LayerNorm,
    pub head: Linear,
}

fn gpt_embed(ids: &Tensor, w: &Gpt, start: usize) -> Result<Tensor> {
    let e = embed(ids, &w.token_embedding)?;
    let t = e.dim(1)?;
    if start + t > w.position_embedding.dim(0)? {
        return Err(TfError::InvalidParameter);
    }
    Ok(e.broadcast_add(&w.position_embedding.narrow(0, start, t)?)?)
}

pub fn gpt_forward(ids: &Tensor, w: &Gpt) -> Result<Tensor> {
    let mut x = gpt_embed(ids, w, 0)?;
    let t = x.dim(1)?;
    if t == 0 {
        return Err(TfError::EmptySequence);
    }
    let causal = causal_mask(t, x.device())?;
    for block in &w.blocks {
        x = encoder_layer(&x, block, Some(&causal), true)?;
    }
    w.head.apply(&w.final_norm.apply(&x)?)
}

/// One block's cached keys and values, `(B, heads, T, dh)` each.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    pub layers: Vec<(Tensor, Tensor)>,
}

pub fn gpt_step(ids: &Tensor, w: &Gpt, cache: &mut KvCache) -> Result<Tensor> {
    let past = cache.layers.first().map(|(k, _)| k.dim(2)).transpose()?.unwrap_or(0);
    let mut x = gpt_embed(ids, w, past)?;
    let (b, t, dm) = x.dims3()?;
    if t == 0 {
        return Err(TfError::EmptySequence);
    }
    for (l, block) in w.blocks.iter().enumerate() {
        let a = &block.attn;
        let dh = dm / a.heads;
        let split =
            |x: Tensor| -> Result<Tensor> { Ok(x.reshape((b, t, a.heads, dh))?.transpose(1, 2)?.contiguous()?) };
        let h = block.norm1.apply(&x)?;
        let q = split(a.wq.apply(&h)?)?;
        let (mut k, mut v) = (split(a.wk.apply(&h)?)?, split(a.wv.apply(&h)?)?);
        if let Some((pk, pv)) = cache.layers.get(l) {
            k = Tensor::cat(&[pk, &k], 2)?;
            v = Tensor::cat(&[pv, &v], 2)?;
        }
        // New position i (absolute past + i) sees keys 0..=past + i.
        let total = past + t;
        let m: Vec<f64> = (0..t * total).map(|z| if z % total <= past + z / total { 1.0 } else { 0.0 }).collect();
        let mask = Tensor::from_vec(m, (t, total), x.device())?;
        let (o, _) = scaled_dot_product_attention(&q, &k, &v, Some(&mask))?;
        let o = o.transpose(1, 2)?.contiguous()?.reshape((b, t, dm))?;
        x = (x + a.wo.apply(&o)?)?;
        let h = block.norm2.apply(&x)?;
        x = (&x + feed_forward(&h, &block.ffn)?)?;
        if l < cache.layers.len() {
            cache.layers[l] = (k, v);
        } else {
            cache.layers.push((k, v));
        }
    }
    w.head.apply(&w.final_norm.apply(&x)?)
}

pub fn generate(prompt: &Tensor, steps: usize, w: &Gpt) -> Result<(Vec<u32>, Tensor)> {
    let (b, t) = prompt.dims2().map_err(|_| TfError::ShapeMismatch)?;
    if b != 1 || t == 0 {
        return Err(TfError::ShapeMismatch);
    }
    let mut cache = KvCache::default();
    let mut logits = gpt_step(prompt, w, &mut cache)?.i((.., t - 1..t, ..))?;
    let mut out = Vec::with_capacity(steps);
    let mut all = Vec::with_capacity(steps);
    for _ in 0..steps {
        let row = logits.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
        let next = row.iter().enumerate().fold(
            (0usize, f64::NEG_INFINITY),
            |best, (i, &v)| {
                if v > best.1 {
                    (i, v)
                } else {
                    best
                }
            },
        );
        out.push(next.0 as u32);
        all.push(logits.flatten_all()?);
        let id = Tensor::from_vec(vec![next.0 as u32], (1, 1), prompt.device())?;
        logits = gpt_step(&id, w, &mut cache)?;
    }
    let all = if all.is_empty() {
        Tensor::zeros((0, w.head.b.dim(0)?), DType::F64, prompt.device())?
    } else {
        Tensor::stack(&all, 0)?
    };
    Ok((out, all))
}

pub fn future_influence(ids: &Tensor, changed: &Tensor, w: &Gpt) -> Result<(Vec<f64>, Vec<f64>)> {
    if ids.dims() != changed.dims() {
        return Err(TfError::ShapeMismatch);
    }
    let states = |ids: &Tensor, causal: bool| -> Result<Tensor> {
        let mut x = gpt_embed(ids, w, 0)?;
        let t = x.dim(1)?;
        let mask = causal_mask(t, x.device())?;
        for block in &w.blocks {
            x = encoder_layer(&x, block, if causal { Some(&mask) } else { None }, true)?;
        }
        w.final_norm.apply(&x)
    };
    let diff = |causal: bool| -> Result<Vec<f64>> {
        let d = (states(ids, causal)? - states(changed, causal)?)?.abs()?;
        Ok(d.max(D::Minus1)?.max(0)?.to_dtype(DType::F64)?.to_vec1::<f64>()?)
    };
    Ok((diff(false)?, diff(true)?))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerKind {
    SelfAttention,
    Recurrent,
    Convolution(usize),
}

pub fn layer_costs(kind: LayerKind, n: u64, d: u64) -> Result<(u64, u64, u64)> {
    if n == 0 || d == 0 {
        return Err(TfError::InvalidParameter);
    }
    Ok(match kind {
        LayerKind::SelfAttention => (2 * n * n * d, 1, u64::from(n > 1)),
        LayerKind::Recurrent => (2 * n * d * d, n, n - 1),
        LayerKind::Convolution(k) => {
            if k < 2 {
                return Err(TfError::InvalidParameter);
            }
            let k = k as u64;
            (n * k * d * d, 1, (n - 1).div_ceil(k - 1))
        }
    })
}
