//! Transformers from scratch on candle tensors: scaled dot-product attention with masks,
//! multi-head attention, sinusoidal positional encoding, the position-wise feed-forward network,
//! pre- and post-norm encoder and decoder layers, the full encoder-decoder of "Attention Is All
//! You Need", a decoder-only (GPT-style) model with a KV cache, the same weights read as an
//! encoder and as a decoder, and what recurrence, convolution and attention cost per layer.
//!
//! Conventions: activations are `(B, T, D)` (batch, positions, model width); a linear layer is
//! [`Linear`] (`x·Wᵀ + b`, `W` `(out, in)`, applied to the last dimension); a layer norm is
//! [`LayerNorm`] (over the last dimension, eps [`EPS`]); write their `apply` first, every layer
//! uses them. Masks are `(Tq, Tk)`
//! tensors of 1 (may attend) and 0 (may not). Token ids are `(B, T)` `U32` tensors; embedding is
//! `table.index_select(&ids.flatten_all()?, 0)` reshaped to `(B, T, D)`.
//!
//! Written from scratch: this file may not use candle-nn (its `softmax`, `layer_norm` and
//! `Embedding` are what the grader compares yours with), and no function may be called
//! `forward`: the from-scratch check follows names, and `cnn.rs` has `forward`s built on
//! candle-nn.

use candle_core::{Device, Tensor};

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum TfError {
    /// Shapes that do not fit (widths, batch sizes, a mask of the wrong size, weights that do
    /// not match the model width).
    ShapeMismatch,
    /// A head count that does not divide the model width, an odd width for the sinusoidal
    /// encoding, a token id beyond the vocabulary, a sequence longer than the position table.
    InvalidParameter,
    /// Nothing to attend to: a sequence of length 0, or a mask row with no 1.
    EmptySequence,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`TfError::Candle`].
impl From<candle_core::Error> for TfError {
    fn from(e: candle_core::Error) -> Self {
        TfError::Candle(e.to_string())
    }
}

type Result<T> = std::result::Result<T, TfError>;

/// A linear layer: `W` `(out, in)`, `b` `(out,)`.
#[derive(Debug, Clone)]
pub struct Linear {
    pub w: Tensor,
    pub b: Tensor,
}

impl Linear {
    /// `x·Wᵀ + b` over the last dimension of `x`, whatever its leading dimensions: `(B, T, in)`
    /// → `(B, T, out)`. Write it first: every layer of this file uses it. Reshape `x` to
    /// `(rows, in)`, multiply by `Wᵀ`, add `b`, reshape back.
    ///
    /// # Errors
    /// [`TfError::ShapeMismatch`] when the last dimension of `x` is not `in` or `b` is not `(out,)`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// The layer norms' epsilon.
pub const EPS: f64 = 1e-5;

/// Layer normalisation over the last dimension (Stage 4): `γ ⊙ (x − μ)/√(σ² + eps) + β`.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    pub gamma: Tensor,
    pub beta: Tensor,
}

impl LayerNorm {
    /// Stage 4's layer normalisation, over the last dimension of any tensor (`mean_keepdim` and
    /// `broadcast_*` on `D::Minus1`), with the biased variance and [`EPS`].
    ///
    /// # Errors
    /// [`TfError::ShapeMismatch`] when `γ` or `β` is not `(d,)` for the last dimension `d`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        todo!()
    }
}

/// The causal mask of `t` positions: `(t, t)`, 1 where the key's position is at most the
/// query's (`j ≤ i`), 0 above the diagonal. With it, position `i` sees only `0..=i`, so a model
/// trained to predict token `i + 1` cannot read it.
pub fn causal_mask(t: usize, device: &Device) -> Result<Tensor> {
    todo!()
}

/// Scaled dot-product attention: `softmax(Q·Kᵀ / √d) · V`.
///
/// - `q` `(…, Tq, d)`, `k` `(…, Tk, d)`, `v` `(…, Tk, dv)`, with the same leading dimensions
///   (`(B,)` for one head, `(B, heads)` for many).
/// - `mask` `(Tq, Tk)`: where it is 0, the score is `−∞` before the softmax, so that weight is
///   exactly 0.
/// - Returns `(output (…, Tq, dv), weights (…, Tq, Tk))`; each row of the weights sums to 1.
///
/// Why `√d`: with entries of variance 1, a dot product of `d` terms has variance `d`; unscaled,
/// large `d` pushes the softmax into saturation where its gradient vanishes. Self-attention is
/// this with `q`, `k`, `v` all computed from the same sequence: every position reads every other
/// in one matrix product, where an RNN needs `T` steps. Softmax: subtract each row's maximum
/// before `exp` (scores can be in the thousands).
///
/// Timed against the reference (`(8, 512, 64)`, the CPU; and on a GPU where one exists): one
/// batched `matmul` for the scores, one for the output; no loops over positions.
///
/// # Errors
/// [`TfError::ShapeMismatch`] for shapes that do not fit (the mask included);
/// [`TfError::EmptySequence`] for `Tq` or `Tk` of 0, or a mask row of zeros.
pub fn scaled_dot_product_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Tensor)> {
    todo!()
}

/// Multi-head attention's weights: four `D → D` projections and the number of heads.
#[derive(Debug, Clone)]
pub struct MhaWeights {
    pub wq: Linear,
    pub wk: Linear,
    pub wv: Linear,
    pub wo: Linear,
    pub heads: usize,
}

/// Multi-head attention: queries from `x_q` `(B, Tq, D)`, keys and values from `x_kv`
/// `(B, Tk, D)` (the same tensor for self-attention; the encoder's output for the decoder's
/// cross-attention).
///
/// 1. `Q = wq(x_q)`, `K = wk(x_kv)`, `V = wv(x_kv)`, each `(B, T, D)`;
/// 2. split `D` into `heads` heads of `dh = D / heads`: reshape to `(B, T, heads, dh)` and
///    transpose to `(B, heads, T, dh)` (head `h` takes columns `h·dh .. (h+1)·dh`);
/// 3. [`scaled_dot_product_attention`] on every head at once (scaled by `√dh`), with `mask`;
/// 4. join the heads back (transpose, reshape to `(B, Tq, D)`) and apply `wo`.
///
/// Returns `(output (B, Tq, D), weights (B, heads, Tq, Tk))`. Several heads can attend to
/// several things at once (a word's subject and its object) for the cost of one.
///
/// # Errors
/// [`TfError::InvalidParameter`] when `heads` is 0 or does not divide `D`;
/// [`TfError::ShapeMismatch`] when the inputs disagree; the errors of the attention.
pub fn multi_head_attention(
    x_q: &Tensor,
    x_kv: &Tensor,
    w: &MhaWeights,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Tensor)> {
    todo!()
}

/// The sinusoidal positional encoding of "Attention Is All You Need", `(len, d)` `F64` on the
/// CPU: for position `p` and column `i`,
///
/// - `PE[p, 2k] = sin(p / 10000^(2k/d))`, `PE[p, 2k + 1] = cos(p / 10000^(2k/d))`.
///
/// Attention is blind to order (permuting the positions permutes its output); adding this to
/// the embeddings tells each position where it is, with wavelengths from `2π` to `10000·2π` so
/// that relative offsets are linear functions of the encoding.
///
/// # Errors
/// [`TfError::InvalidParameter`] when `d` is 0 or odd.
pub fn positional_encoding(len: usize, d: usize) -> Result<Tensor> {
    todo!()
}

/// The position-wise feed-forward network's weights: `D → D_ff → D`.
#[derive(Debug, Clone)]
pub struct FfnWeights {
    pub l1: Linear,
    pub l2: Linear,
}

/// `l2(ReLU(l1(x)))`, applied to every position separately (the same weights everywhere):
/// attention mixes positions, this transforms each one. `x` `(B, T, D)` → `(B, T, D)`.
///
/// # Errors
/// [`TfError::ShapeMismatch`] when the weights do not fit `D`.
pub fn feed_forward(x: &Tensor, w: &FfnWeights) -> Result<Tensor> {
    todo!()
}

/// An encoder layer's weights: self-attention, the feed-forward network, two layer norms.
#[derive(Debug, Clone)]
pub struct EncoderLayer {
    pub attn: MhaWeights,
    pub ffn: FfnWeights,
    pub norm1: LayerNorm,
    pub norm2: LayerNorm,
}

/// One encoder layer on `x` `(B, T, D)`: self-attention then the feed-forward network, each
/// with a residual connection and a layer norm, arranged one of two ways:
///
/// - **post-norm** (the original paper): `x = norm1(x + attn(x))`, then
///   `x = norm2(x + ffn(x))`;
/// - **pre-norm** (GPT-2 and most models since; trains deeper stacks without warm-up):
///   `x = x + attn(norm1(x))`, then `x = x + ffn(norm2(x))`.
///
/// `mask` goes to the self-attention (`None`: every position sees every other).
///
/// # Errors
/// The errors of the parts.
pub fn encoder_layer(x: &Tensor, w: &EncoderLayer, mask: Option<&Tensor>, pre_norm: bool) -> Result<Tensor> {
    todo!()
}

/// A decoder layer's weights: masked self-attention, cross-attention, the feed-forward
/// network, three layer norms.
#[derive(Debug, Clone)]
pub struct DecoderLayer {
    pub self_attn: MhaWeights,
    pub cross_attn: MhaWeights,
    pub ffn: FfnWeights,
    pub norm1: LayerNorm,
    pub norm2: LayerNorm,
    pub norm3: LayerNorm,
}

/// One decoder layer on the target `y` `(B, Tt, D)` with the encoder's output `memory`
/// `(B, Ts, D)`: causal self-attention ([`causal_mask`]), then cross-attention (queries from
/// `y`, keys and values from `memory`, no mask), then the feed-forward network; each sub-layer
/// with its residual and norm (`norm1`, `norm2`, `norm3` in that order), post- or pre-norm as in
/// [`encoder_layer`].
///
/// # Errors
/// The errors of the parts.
pub fn decoder_layer(y: &Tensor, memory: &Tensor, w: &DecoderLayer, pre_norm: bool) -> Result<Tensor> {
    todo!()
}

/// The full encoder-decoder Transformer's weights.
#[derive(Debug, Clone)]
pub struct Transformer {
    /// `(V_src, D)`: row `i` is token `i`'s embedding.
    pub src_embedding: Tensor,
    /// `(V_tgt, D)`.
    pub tgt_embedding: Tensor,
    pub encoder: Vec<EncoderLayer>,
    pub decoder: Vec<DecoderLayer>,
    /// `D → V_tgt`: the next-token scores.
    pub out: Linear,
}

/// The Transformer of "Attention Is All You Need" (post-norm), with teacher forcing: `src`
/// `(B, Ts)` and `tgt` `(B, Tt)` token ids → logits `(B, Tt, V_tgt)`.
///
/// - embed each sequence (`index_select` on the table), multiply by `√D`, add
///   [`positional_encoding`];
/// - run the source through the encoder layers (no mask), the target through the decoder
///   layers with the encoder's last output as `memory`;
/// - apply `out` to every target position.
///
/// # Errors
/// [`TfError::InvalidParameter`] for a token id beyond a vocabulary; the errors of the parts.
pub fn transformer_forward(src: &Tensor, tgt: &Tensor, w: &Transformer) -> Result<Tensor> {
    todo!()
}

/// A decoder-only (GPT-style) model's weights: pre-norm blocks of masked self-attention and a
/// feed-forward network (the [`EncoderLayer`] layout, used with a causal mask), learned
/// positions, a final layer norm and the head.
#[derive(Debug, Clone)]
pub struct Gpt {
    /// `(V, D)`.
    pub token_embedding: Tensor,
    /// `(T_max, D)`: row `p` is added at position `p`.
    pub position_embedding: Tensor,
    pub blocks: Vec<EncoderLayer>,
    pub final_norm: LayerNorm,
    /// `D → V`.
    pub head: Linear,
}

/// The decoder-only forward pass: `ids` `(B, T)` → next-token logits `(B, T, V)`.
///
/// `x = token_embedding[ids] + position_embedding[0..T]`; every block is
/// [`encoder_layer`]`(x, block, causal mask, pre-norm)`; then `head(final_norm(x))`.
///
/// Because of the causal mask, the logits at position `i` depend on `ids[..=i]` only: the grader
/// changes later tokens and checks that your earlier logits stay **bit for bit** the same (a
/// masked weight must be exactly 0, not 1e-30).
///
/// # Errors
/// [`TfError::EmptySequence`] for `T = 0`; [`TfError::InvalidParameter`] for a token beyond the
/// vocabulary or `T` beyond the position table.
pub fn gpt_forward(ids: &Tensor, w: &Gpt) -> Result<Tensor> {
    todo!()
}

/// A KV cache: for each block, the keys and values of every position seen so far, each
/// `(B, heads, T_past, dh)`.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    pub layers: Vec<(Tensor, Tensor)>,
}

/// Runs the new tokens `ids` `(B, T_new)` after the `T_past` positions in `cache`, returns their
/// logits `(B, T_new, V)` and appends their keys and values to the cache.
///
/// Generation without a cache recomputes every earlier position at every step (`O(T²)` work per
/// token); with it each step computes only the new position's query, key and value, and attends
/// to the cached keys. The new positions are numbered from `T_past` (positions and the mask),
/// and position `T_past + i` may attend to cached keys and new keys `0..=T_past + i`. The
/// logits must equal [`gpt_forward`]'s on the whole sequence (to rounding).
///
/// # Errors
/// As [`gpt_forward`].
pub fn gpt_step(ids: &Tensor, w: &Gpt, cache: &mut KvCache) -> Result<Tensor> {
    todo!()
}

/// Greedy generation with the cache: run the prompt `(1, T)` through [`gpt_step`], then `steps`
/// times take the highest logit of the last position (the lowest index on ties), record it and
/// its logits row, and feed it back as the next single token. Returns the generated ids and the
/// logits rows `(steps, V)`.
///
/// # Errors
/// [`TfError::ShapeMismatch`] for a batch other than 1 or an empty prompt; as [`gpt_step`].
pub fn generate(prompt: &Tensor, steps: usize, w: &Gpt) -> Result<(Vec<u32>, Tensor)> {
    todo!()
}

/// Encoder-only (BERT) against decoder-only (GPT) on the same text, with the same weights: run
/// `w`'s blocks (pre-norm, then `final_norm`; no head) on `ids` and on `changed` (the same ids
/// with the **last** one changed), once without a mask (an encoder: every position sees the
/// whole text) and once with the causal mask (a decoder). For each position `t`, return the
/// largest `|Δ|` over the batch and the features of the final states: `(encoder, decoder)`, two
/// vectors of length `T`.
///
/// The encoder's states all move (each position read the changed token: what makes BERT good
/// at understanding a whole sentence); the decoder's are exactly 0 before the last position
/// (what lets GPT generate left to right, and cache).
///
/// # Errors
/// [`TfError::ShapeMismatch`] when `ids` and `changed` differ in shape; as [`gpt_forward`].
pub fn future_influence(ids: &Tensor, changed: &Tensor, w: &Gpt) -> Result<(Vec<f64>, Vec<f64>)> {
    todo!()
}

/// A layer kind, for [`layer_costs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerKind {
    SelfAttention,
    Recurrent,
    /// A convolution over positions with a kernel of this width (≥ 2).
    Convolution(usize),
}

/// Why recurrence was replaced, in numbers (Table 1 of "Attention Is All You Need", exact for
/// one layer on `n` positions of width `d`). Returns `(multiply_adds, sequential_steps,
/// max_path)`:
///
/// | kind | multiply-adds | sequential steps | longest path between two positions |
/// |---|---|---|---|
/// | self-attention | `2·n²·d` (scores and the weighted sum) | 1 | 1 |
/// | recurrent | `2·n·d²` (`W_ih·x` and `W_hh·h` at every step) | `n` | `n − 1` |
/// | convolution, width `k` | `n·k·d²` | 1 | `⌈(n − 1)/(k − 1)⌉` layers |
///
/// "Sequential steps" is what cannot run in parallel; the path is how many steps a signal takes
/// from the first position to the last (for convolutions, how many stacked layers it takes for
/// the first position to reach the last). `n = 1` has paths of 0.
///
/// # Errors
/// [`TfError::InvalidParameter`] for `n` or `d` of 0, or a kernel narrower than 2.
pub fn layer_costs(kind: LayerKind, n: u64, d: u64) -> Result<(u64, u64, u64)> {
    todo!()
}
