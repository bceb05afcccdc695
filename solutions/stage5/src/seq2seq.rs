//! A sequence-to-sequence model with attention (reference solutions).

use crate::rnn::{additive_attention, gru_step, Attention, CellWeights, Head};
use candle_core::{DType, IndexOp, Tensor, D};

#[derive(Debug, Clone, PartialEq)]
pub enum Seq2SeqError {
    ShapeMismatch,
    EmptySequence,
    Candle(String),
}

impl From<candle_core::Error> for Seq2SeqError {
    fn from(e: candle_core::Error) -> Self {
        Seq2SeqError::Candle(e.to_string())
    }
}

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

pub const PAD: u32 = 0;
pub const BOS: u32 = 1;
pub const EOS: u32 = 2;

#[derive(Debug, Clone)]
pub struct Seq2Seq {
    pub src_embedding: Tensor,
    pub encoder: CellWeights,
    pub tgt_embedding: Tensor,
    pub attention: Attention,
    pub decoder: CellWeights,
    pub out: Head,
}

fn embed(ids: &Tensor, table: &Tensor) -> Result<Tensor> {
    let (b, t) = ids.dims2().map_err(|_| Seq2SeqError::ShapeMismatch)?;
    let e = table.dim(1)?;
    Ok(table.index_select(&ids.flatten_all()?, 0)?.reshape((b, t, e))?)
}

pub fn encode(src: &Tensor, w: &Seq2Seq) -> Result<(Tensor, Tensor, Tensor)> {
    let (b, t) = src.dims2().map_err(|_| Seq2SeqError::ShapeMismatch)?;
    if t == 0 {
        return Err(Seq2SeqError::EmptySequence);
    }
    let x = embed(src, &w.src_embedding)?;
    let mask = src.ne(PAD)?.to_dtype(x.dtype())?; // (B, T)
    let hidden = w.encoder.w_hh.dim(1)?;
    let mut h = Tensor::zeros((b, hidden), x.dtype(), x.device())?;
    let mut outs = Vec::with_capacity(t);
    for s in 0..t {
        let m = mask.i((.., s..s + 1))?; // (B, 1)
        let next = gru_step(&x.i((.., s, ..))?.contiguous()?, &h, &w.encoder)?;
        h = (next.broadcast_mul(&m)? + h.broadcast_mul(&(m.ones_like()? - &m)?)?)?;
        outs.push(h.clone());
    }
    Ok((Tensor::stack(&outs, 1)?, h, mask))
}

/// One decoder step: the context from `h`, the new state, the logits.
fn step(y_prev: &Tensor, h: &Tensor, enc: &Tensor, mask: &Tensor, w: &Seq2Seq) -> Result<(Tensor, Tensor)> {
    let (context, _) = additive_attention(h, enc, mask, &w.attention)?;
    let e = w.tgt_embedding.index_select(y_prev, 0)?; // (B, E)
    let h = gru_step(&Tensor::cat(&[&e, &context], 1)?, h, &w.decoder)?;
    let feat = Tensor::cat(&[&h, &context], 1)?;
    let logits = feat.matmul(&w.out.w.t()?)?.broadcast_add(&w.out.b)?;
    Ok((h, logits))
}

pub fn decode_logits(src: &Tensor, tgt_in: &Tensor, w: &Seq2Seq) -> Result<Tensor> {
    let (b, t) = tgt_in.dims2().map_err(|_| Seq2SeqError::ShapeMismatch)?;
    if src.dim(0)? != b {
        return Err(Seq2SeqError::ShapeMismatch);
    }
    if t == 0 {
        return Err(Seq2SeqError::EmptySequence);
    }
    let (enc, mut h, mask) = encode(src, w)?;
    let mut all = Vec::with_capacity(t);
    for s in 0..t {
        let y = tgt_in.i((.., s))?.contiguous()?;
        let (h2, logits) = step(&y, &h, &enc, &mask, w)?;
        h = h2;
        all.push(logits);
    }
    Ok(Tensor::stack(&all, 1)?)
}

pub fn greedy_decode(src: &Tensor, w: &Seq2Seq, max_len: usize) -> Result<Vec<Vec<u32>>> {
    let b = src.dims2().map_err(|_| Seq2SeqError::ShapeMismatch)?.0;
    let (enc, mut h, mask) = encode(src, w)?;
    let mut y = Tensor::full(BOS, b, src.device())?;
    let mut out = vec![Vec::new(); b];
    let mut done = vec![false; b];
    for _ in 0..max_len {
        let (h2, logits) = step(&y, &h, &enc, &mask, w)?;
        h = h2;
        let next = logits.to_dtype(DType::F64)?.argmax(D::Minus1)?.to_dtype(DType::U32)?;
        let ids = next.to_vec1::<u32>()?;
        for (i, &id) in ids.iter().enumerate() {
            if !done[i] {
                if id == EOS {
                    done[i] = true;
                } else {
                    out[i].push(id);
                }
            }
        }
        if done.iter().all(|&d| d) {
            break;
        }
        y = next;
    }
    Ok(out)
}
