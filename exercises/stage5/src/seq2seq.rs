//! A sequence-to-sequence model with attention, trained on a real task: spelling to
//! pronunciation (grapheme to phoneme) on the CMU Pronouncing Dictionary. "PHONE" → `F OW N`:
//! the input and output lengths differ and letters map to sounds through context ("PH" is one
//! sound, the final "E" none), which is what encoder-decoder models with attention were made for
//! (machine translation is the same problem with words).
//!
//! The model, built from your own `rnn.rs` pieces (`gru_step`, `additive_attention`):
//!
//! - **Encoder**: embed the letters (`src_embedding` `(27, E)`: 0 is padding, 1–26 are A–Z),
//!   run a GRU over them (`encoder`, input `E`, hidden `H`). Sequences in a batch are padded at
//!   the end with 0; a padded position must not change the state:
//!   `h_t = m_t ⊙ GRU(x_t, h_{t−1}) + (1 − m_t) ⊙ h_{t−1}` with `m_t` 1 for a letter and 0 for
//!   padding, so that the final state is the state after the last real letter.
//! - **Decoder**, one step per output phoneme, from `h_0` = the encoder's final state and the
//!   previous token `y_{t−1}` (`BOS` first):
//!   1. `context = additive_attention(query = h_{t−1}, keys = encoder outputs, mask = m)`;
//!   2. `h_t = GRU([tgt_embedding[y_{t−1}] ; context], h_{t−1})` (`decoder`: input `E + H`);
//!   3. `logits_t = out([h_t ; context])` (`out.w` `(V, 2H)`): scores over the `V` target
//!      tokens (`PAD`, `BOS`, `EOS`, then the 39 phonemes).
//!
//! Training (done by the grader with candle's autograd and AdamW, on your functions) uses
//! *teacher forcing*: the decoder is fed the true previous phoneme, not its own guess.
//! Prediction decodes greedily. Written from scratch: no candle-nn in this file.

use crate::rnn::{Attention, CellWeights, Head};
use candle_core::Tensor;

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Seq2SeqError {
    /// Inputs of the wrong rank, or source and target batches of different sizes.
    ShapeMismatch,
    /// A source or target of length 0.
    EmptySequence,
    /// Any other error (from candle, or from `rnn.rs`), with its message.
    Candle(String),
}

impl From<candle_core::Error> for Seq2SeqError {
    fn from(e: candle_core::Error) -> Self {
        Seq2SeqError::Candle(e.to_string())
    }
}

/// Lets `?` pass your `rnn.rs` errors on.
impl From<crate::rnn::RnnError> for Seq2SeqError {
    fn from(e: crate::rnn::RnnError) -> Self {
        match e {
            crate::rnn::RnnError::ShapeMismatch => Seq2SeqError::ShapeMismatch,
            crate::rnn::RnnError::EmptySequence => Seq2SeqError::EmptySequence,
            other => Seq2SeqError::Candle(format!("{other:?}")),
        }
    }
}

type Result<T> = std::result::Result<T, Seq2SeqError>;

/// Padding (in sources and targets).
pub const PAD: u32 = 0;
/// The first decoder input.
pub const BOS: u32 = 1;
/// The end of a pronunciation.
pub const EOS: u32 = 2;

/// The model's weights (see the module documentation).
#[derive(Debug, Clone)]
pub struct Seq2Seq {
    pub src_embedding: Tensor,
    pub encoder: CellWeights,
    pub tgt_embedding: Tensor,
    pub attention: Attention,
    pub decoder: CellWeights,
    pub out: Head,
}

/// The encoder: `src` `(B, T)` `U32` letter ids, padded with [`PAD`] at the end. Returns
/// `(outputs (B, T, H), final (B, H), mask (B, T))`: every step's state, the state after each
/// sequence's last letter, and the mask (1 for a letter, 0 for padding, in the outputs' dtype).
///
/// Embedding: `src_embedding.index_select(&src.flatten_all()?, 0)` reshaped to `(B, T, E)`.
/// `src.ne(PAD)` gives the mask.
///
/// # Errors
/// [`Seq2SeqError::ShapeMismatch`] when `src` is not 2-D; [`Seq2SeqError::EmptySequence`] when
/// `T = 0`.
pub fn encode(src: &Tensor, w: &Seq2Seq) -> Result<(Tensor, Tensor, Tensor)> {
    todo!()
}

/// Teacher forcing: encode `src`, then run the decoder on `tgt_in` `(B, Tt)` (the target shifted
/// right: `BOS, p₁, p₂, …`) and return the logits of every step `(B, Tt, V)`, step `t` scoring
/// what should follow `tgt_in[:, t]`.
///
/// Everything here must stay on tensors (no `to_vec` of activations): the grader trains the
/// model through this function with candle's autograd.
///
/// # Errors
/// [`Seq2SeqError::ShapeMismatch`] when `src` and `tgt_in` disagree on the batch;
/// [`Seq2SeqError::EmptySequence`] for an empty source or target.
pub fn decode_logits(src: &Tensor, tgt_in: &Tensor, w: &Seq2Seq) -> Result<Tensor> {
    todo!()
}

/// Greedy decoding: from `BOS`, at each step feed the decoder its own previous choice, the
/// highest-scoring token (`argmax` over the last dimension); a sequence ends at its first
/// [`EOS`] (not included) or after `max_len` tokens. Returns one token list per source sequence.
///
/// # Errors
/// As [`encode`].
pub fn greedy_decode(src: &Tensor, w: &Seq2Seq, max_len: usize) -> Result<Vec<Vec<u32>>> {
    todo!()
}
