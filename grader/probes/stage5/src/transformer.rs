//! Glue for `stage5::transformer`. Weights travel as nested lists: a linear layer `(w, b)`, a
//! layer norm `(γ, β)`, multi-head attention `(wq, wk, wv, wo, heads)`, a feed-forward network
//! `(l1, l2)`, an encoder layer `(attn, ffn, norm1, norm2)`, a decoder layer `(self_attn,
//! cross_attn, ffn, norm1, norm2, norm3)`, the encoder-decoder `(src_embedding, tgt_embedding,
//! encoder layers, decoder layers, out)` and the decoder-only model `(token_embedding,
//! position_embedding, blocks, final_norm, head)`. Token ids travel as matrices of whole numbers
//! and reach the student as `U32` tensors. A mask is `Unit` (none), `"causal"` (the student's own
//! `causal_mask`) or a matrix. A trailing `Text("cuda")` (the GPU speed input) asks for `F32` on
//! the GPU. `stage5.transformer.attention.candle` answers with candle-nn's `softmax_last_dim`.

use crate::convert::{on_device, t, Ids, Stage5};
use candle_core::Tensor;
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage5::transformer::{
    self as tf, DecoderLayer, EncoderLayer, FfnWeights, Gpt, KvCache, LayerKind, LayerNorm, Linear, MhaWeights,
    Transformer,
};

probe_runtime::glue! { Stage5;
    "stage5.transformer.attention" => |a: Attn| {
        let mask = a.mask();
        tf::scaled_dot_product_attention(&a.q, &a.k, &a.v, mask.as_ref())
    } => (output, weights);
    "stage5.transformer.attention_gpu" => |a: Attn| {
        let mask = a.mask();
        tf::scaled_dot_product_attention(&a.q, &a.k, &a.v, mask.as_ref())
    } => (output, weights);
    "stage5.transformer.attention.candle" => |a: Attn| candle_attention(&a);
    "stage5.transformer.multi_head" => |x_q: Tensor, x_kv: Tensor, w: Mha, mask: &Value| {
        let mask = mask_of(mask, x_q.dim(1).unwrap_or(0));
        tf::multi_head_attention(&x_q, &x_kv, &w.0, mask.as_ref())
    } => (output, weights);
    "stage5.transformer.positional" => |len: usize, d: usize| tf::positional_encoding(len, d);
    "stage5.transformer.ffn" => |x: Tensor, w: Ffn| tf::feed_forward(&x, &w.0);
    "stage5.transformer.encoder_layer" => |x: Tensor, w: Enc, mask: &Value, pre_norm: bool| {
        let mask = mask_of(mask, x.dim(1).unwrap_or(0));
        tf::encoder_layer(&x, &w.0, mask.as_ref(), pre_norm)
    };
    "stage5.transformer.decoder_layer" => |y: Tensor, memory: Tensor, w: Dec, pre_norm: bool| {
        tf::decoder_layer(&y, &memory, &w.0, pre_norm)
    };
    "stage5.transformer.transformer" => |src: Ids, tgt: Ids, w: Tf| tf::transformer_forward(&src.0, &tgt.0, &w.0);
    "stage5.transformer.gpt" => |ids: Ids, changed: Ids, w: G| {
        (tf::gpt_forward(&ids.0, &w.0), tf::gpt_forward(&changed.0, &w.0))
    } => (logits, logits_changed);
    "stage5.transformer.kv_cache" => |ids: Ids, prompt: usize, steps: usize, w: G| {
        (tf::gpt_forward(&ids.0, &w.0), stepwise(&ids.0, prompt, &w.0), generated(&ids.0, prompt, steps, &w.0))
    } => (full_logits, stepwise_logits, generated);
    "stage5.transformer.encoder_vs_decoder" => |ids: Ids, changed: Ids, w: G| {
        tf::future_influence(&ids.0, &changed.0, &w.0)
    } => (encoder, decoder);
    "stage5.transformer.layer_costs" => |n: u64, d: u64, k: usize| {
        let triple = |kind| tf::layer_costs(kind, n, d).map(|(a, b, c)| vec![a, b, c]);
        (triple(LayerKind::SelfAttention), triple(LayerKind::Recurrent), triple(LayerKind::Convolution(k)))
    } => (self_attention, recurrent, convolution);
}

/// Attention's inputs `(q, k, v, mask)`, with an optional trailing `"cuda"`.
pub struct Attn {
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Value,
}

impl Attn {
    fn mask(&self) -> Option<Tensor> {
        let t = self.q.dims().iter().rev().nth(1).copied().unwrap_or(0);
        mask_of(&self.mask, t).map(|m| m.to_device(self.q.device()).expect("glue: mask to the device"))
    }
}

impl Arg<'_, Stage5> for Attn {
    fn arg(v: &Value) -> Attn {
        let p = v.list();
        let gpu = matches!(p.last(), Some(Value::Text(t)) if t == "cuda");
        let t = |i: usize| on_device(<Tensor as Arg<Stage5>>::arg(&p[i]), gpu);
        Attn { q: t(0), k: t(1), v: t(2), mask: p[3].clone() }
    }
}

/// `Unit` → none; `"causal"` → the student's `causal_mask(t)`; a matrix → itself.
fn mask_of(v: &Value, t: usize) -> Option<Tensor> {
    match v {
        Value::Unit => None,
        Value::Text(s) if s == "causal" => tf::causal_mask(t, &candle_core::Device::Cpu).ok(),
        m => Some(<Tensor as Arg<Stage5>>::arg(m)),
    }
}

/// The same attention with candle-nn's softmax (scores masked with −∞ alike).
fn candle_attention(a: &Attn) -> Value {
    let run = || -> candle_core::Result<(Tensor, Tensor)> {
        let r = a.q.rank();
        let d = a.q.dim(r - 1)?;
        let mut scores = (a.q.matmul(&a.k.transpose(r - 2, r - 1)?.contiguous()?)? / (d as f64).sqrt())?;
        if let Value::Matrix { .. } = a.mask {
            let m = <Tensor as Arg<Stage5>>::arg(&a.mask);
            let inf = Tensor::full(f64::NEG_INFINITY, m.dims(), m.device())?;
            scores = scores.broadcast_add(&m.eq(0.0)?.where_cond(&inf, &m.zeros_like()?)?)?;
        }
        let w = candle_nn::ops::softmax_last_dim(&scores)?;
        Ok((w.matmul(&a.v)?, w))
    };
    match (&a.mask, run()) {
        (Value::Unit | Value::Matrix { .. }, Ok(out)) => <_ as Ret<Stage5>>::ret(out),
        _ => Value::Unit,
    }
}

fn linear(v: &Value) -> Linear {
    Linear { w: t(v.at(0)), b: t(v.at(1)) }
}

fn norm(v: &Value) -> LayerNorm {
    LayerNorm { gamma: t(v.at(0)), beta: t(v.at(1)) }
}

fn mha(v: &Value) -> MhaWeights {
    MhaWeights {
        wq: linear(v.at(0)),
        wk: linear(v.at(1)),
        wv: linear(v.at(2)),
        wo: linear(v.at(3)),
        heads: v.at(4).usize(),
    }
}

fn ffn(v: &Value) -> FfnWeights {
    FfnWeights { l1: linear(v.at(0)), l2: linear(v.at(1)) }
}

fn enc(v: &Value) -> EncoderLayer {
    EncoderLayer { attn: mha(v.at(0)), ffn: ffn(v.at(1)), norm1: norm(v.at(2)), norm2: norm(v.at(3)) }
}

fn dec(v: &Value) -> DecoderLayer {
    DecoderLayer {
        self_attn: mha(v.at(0)),
        cross_attn: mha(v.at(1)),
        ffn: ffn(v.at(2)),
        norm1: norm(v.at(3)),
        norm2: norm(v.at(4)),
        norm3: norm(v.at(5)),
    }
}

macro_rules! wrapper {
    ($name:ident, $ty:ty, $f:expr) => {
        pub struct $name($ty);
        impl Arg<'_, Stage5> for $name {
            fn arg(v: &Value) -> $name {
                $name($f(v))
            }
        }
    };
}

wrapper!(Mha, MhaWeights, mha);
wrapper!(Ffn, FfnWeights, ffn);
wrapper!(Enc, EncoderLayer, enc);
wrapper!(Dec, DecoderLayer, dec);
wrapper!(Tf, Transformer, |v: &Value| Transformer {
    src_embedding: t(v.at(0)),
    tgt_embedding: t(v.at(1)),
    encoder: v.at(2).list().iter().map(enc).collect(),
    decoder: v.at(3).list().iter().map(dec).collect(),
    out: linear(v.at(4)),
});
wrapper!(G, Gpt, |v: &Value| Gpt {
    token_embedding: t(v.at(0)),
    position_embedding: t(v.at(1)),
    blocks: v.at(2).list().iter().map(enc).collect(),
    final_norm: norm(v.at(3)),
    head: linear(v.at(4)),
});

/// The logits of `ids` computed with the cache: the first `prompt` tokens at once, then one
/// token at a time; `(B, T, V)`, as the full forward pass gives them.
fn stepwise(ids: &Tensor, prompt: usize, w: &Gpt) -> Result<Tensor, tf::TfError> {
    let t = ids.dim(1)?;
    let mut cache = KvCache::default();
    let mut parts = vec![tf::gpt_step(&ids.narrow(1, 0, prompt)?, w, &mut cache)?];
    for i in prompt..t {
        parts.push(tf::gpt_step(&ids.narrow(1, i, 1)?, w, &mut cache)?);
    }
    Ok(Tensor::cat(&parts, 1)?)
}

/// Greedy generation after the first `prompt` tokens of the first sequence.
fn generated(ids: &Tensor, prompt: usize, steps: usize, w: &Gpt) -> Result<(Vec<u32>, Tensor), tf::TfError> {
    tf::generate(&ids.narrow(0, 0, 1)?.narrow(1, 0, prompt)?, steps, w)
}
