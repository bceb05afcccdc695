//! A real pretrained model through the real code paths (reference solutions): all-MiniLM-L6-v2's
//! WordPiece tokenizer with `tokenizers`, its BERT encoder with candle-nn layers on its own
//! safetensors weights, and mean pooling into sentence embeddings.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer};

/// The sizes of a BERT encoder, as its `config.json` states them.
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
}

impl BertConfig {
    /// all-MiniLM-L6-v2's `config.json`.
    pub fn minilm() -> BertConfig {
        BertConfig {
            vocab_size: 30522,
            hidden_size: 384,
            num_hidden_layers: 6,
            num_attention_heads: 12,
            intermediate_size: 1536,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
        }
    }
}

pub fn encode(tokenizer: &Tokenizer, texts: &[&str]) -> Result<(Tensor, Tensor)> {
    let mut tokenizer = tokenizer.clone();
    // The file pads every input to 128 tokens: pad to the batch's longest instead.
    tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
    let inputs: Vec<&str> = texts.to_vec();
    let encodings = tokenizer.encode_batch(inputs, true).map_err(candle_core::Error::msg)?;
    let n = encodings.len();
    let t = encodings.first().map_or(0, |e| e.len());
    let ids: Vec<u32> = encodings.iter().flat_map(|e| e.get_ids().to_vec()).collect();
    let mask: Vec<u32> = encodings.iter().flat_map(|e| e.get_attention_mask().to_vec()).collect();
    let device = candle_core::Device::Cpu;
    Ok((Tensor::from_vec(ids, (n, t), &device)?, Tensor::from_vec(mask, (n, t), &device)?))
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Layer {
    fn load(vb: VarBuilder, c: &BertConfig) -> Result<Layer> {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let a = vb.pp("attention");
        Ok(Layer {
            query: linear(h, h, a.pp("self.query"))?,
            key: linear(h, h, a.pp("self.key"))?,
            value: linear(h, h, a.pp("self.value"))?,
            attention_out: linear(h, h, a.pp("output.dense"))?,
            attention_norm: layer_norm(h, c.layer_norm_eps, a.pp("output.LayerNorm"))?,
            intermediate: linear(h, i, vb.pp("intermediate.dense"))?,
            output: linear(i, h, vb.pp("output.dense"))?,
            output_norm: layer_norm(h, c.layer_norm_eps, vb.pp("output.LayerNorm"))?,
        })
    }

    /// One post-norm encoder layer; `bias` is the additive attention mask `(n, 1, 1, T)`.
    fn forward(&self, x: &Tensor, bias: &Tensor, heads: usize) -> Result<Tensor> {
        let (n, t, h) = x.dims3()?;
        let d = h / heads;
        let split = |y: Tensor| y.reshape((n, t, heads, d))?.transpose(1, 2)?.contiguous();
        let q = split(self.query.forward(x)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let scores = (q.matmul(&k.t()?)? / (d as f64).sqrt())?.broadcast_add(bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights.matmul(&v)?.transpose(1, 2)?.reshape((n, t, h))?;
        let x = self.attention_norm.forward(&(self.attention_out.forward(&context)? + x)?)?;
        let y = self.output.forward(&self.intermediate.forward(&x)?.gelu_erf()?)?;
        self.output_norm.forward(&(y + x)?)
    }
}

pub fn bert_forward(vb: &VarBuilder, config: &BertConfig, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let c = config;
    let (n, t) = ids.dims2()?;
    if mask.dims() != [n, t] || c.num_attention_heads == 0 || c.hidden_size % c.num_attention_heads != 0 {
        candle_core::bail!(
            "bert_forward: ids {:?}, mask {:?}, {} heads for {}",
            ids.dims(),
            mask.dims(),
            c.num_attention_heads,
            c.hidden_size
        );
    }
    let e = vb.pp("embeddings");
    let words: Embedding = embedding(c.vocab_size, c.hidden_size, e.pp("word_embeddings"))?;
    let positions: Embedding = embedding(c.max_position_embeddings, c.hidden_size, e.pp("position_embeddings"))?;
    let types: Embedding = embedding(c.type_vocab_size, c.hidden_size, e.pp("token_type_embeddings"))?;
    let norm = layer_norm(c.hidden_size, c.layer_norm_eps, e.pp("LayerNorm"))?;
    let device = ids.device();
    let pos = Tensor::arange(0u32, t as u32, device)?;
    let x = words
        .forward(ids)?
        .broadcast_add(&positions.forward(&pos)?)?
        .broadcast_add(&types.forward(&Tensor::zeros(t, DType::U32, device)?)?)?;
    let mut x = norm.forward(&x)?;
    // 0 where a key is a token, −∞ where it is padding: padded keys get exactly zero weight.
    let dtype = x.dtype();
    let keep = mask.to_dtype(DType::U8)?;
    let zeros = Tensor::zeros((n, t), dtype, device)?;
    let minus_inf = Tensor::full(f64::NEG_INFINITY, (n, t), device)?.to_dtype(dtype)?;
    let bias = keep.where_cond(&zeros, &minus_inf)?.reshape((n, 1, 1, t))?;
    for l in 0..c.num_hidden_layers {
        x = Layer::load(vb.pp(format!("encoder.layer.{l}")), c)?.forward(&x, &bias, c.num_attention_heads)?;
    }
    Ok(x)
}

pub fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.to_dtype(hidden.dtype())?.unsqueeze(D::Minus1)?;
    let sum = hidden.broadcast_mul(&m)?.sum(1)?;
    let mean = sum.broadcast_div(&m.sum(1)?)?;
    let norm = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
    mean.broadcast_div(&norm)
}

pub fn sentence_embeddings(
    vb: &VarBuilder,
    config: &BertConfig,
    tokenizer: &Tokenizer,
    texts: &[&str],
) -> Result<Tensor> {
    let (ids, mask) = encode(tokenizer, texts)?;
    let hidden = bert_forward(vb, config, &ids.to_device(vb.device())?, &mask.to_device(vb.device())?)?;
    mean_pool(&hidden, &mask.to_device(vb.device())?)
}
