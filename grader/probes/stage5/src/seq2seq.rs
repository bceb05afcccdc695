//! Glue for `stage5::seq2seq`. The model's weights travel as `(src_embedding, encoder,
//! tgt_embedding, attention, decoder, out)` with the cells, attention and head as in `rnn`'s
//! glue. Token ids travel as matrices of whole numbers and reach the student as `U32` tensors.
//!
//! Training (`stage5.seq2seq.train`) is the course's, on the student's functions: the initial
//! weights (sent by the suite) become `Var`s, each step takes the next batch of the training
//! pairs in order, computes the student's teacher-forced logits, the mean cross-entropy over the
//! target tokens that are not padding, and one AdamW step (candle-nn's). Then the student's
//! greedy decoder reads the test words; the grader scores its output against pronunciations the
//! probe never sees.

use crate::convert::{t, Ids, Stage5};
use candle_core::{Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage5::rnn::{Attention, CellWeights, Head};
use stage5::seq2seq::{self, Seq2Seq, PAD};

probe_runtime::glue! { Stage5;
    "stage5.seq2seq.forward" => |w: S, src: Ids, tgt_in: Ids| {
        let enc = seq2seq::encode(&src.0, &w.0);
        let logits = seq2seq::decode_logits(&src.0, &tgt_in.0, &w.0);
        (enc, logits)
    } => (encoder, logits);
    "stage5.seq2seq.train" => |w: S, train_src: Ids, train_tgt: Ids, test_src: Ids, steps: usize, batch: usize, lr: f64| {
        train(w.0, &train_src.0, &train_tgt.0, &test_src.0, steps, batch, lr)
    } => (losses, predictions);
}

fn cell(v: &Value) -> CellWeights {
    CellWeights { w_ih: t(v.at(0)), w_hh: t(v.at(1)), b_ih: t(v.at(2)), b_hh: t(v.at(3)) }
}

/// The model's weights.
pub struct S(Seq2Seq);

impl Arg<'_, Stage5> for S {
    fn arg(v: &Value) -> S {
        let a = v.at(3);
        S(Seq2Seq {
            src_embedding: t(v.at(0)),
            encoder: cell(v.at(1)),
            tgt_embedding: t(v.at(2)),
            attention: Attention { w_q: t(a.at(0)), w_k: t(a.at(1)), v: t(a.at(2)) },
            decoder: cell(v.at(4)),
            out: Head { w: t(v.at(5).at(0)), b: t(v.at(5).at(1)) },
        })
    }
}

/// Every weight of the model, in a fixed order.
fn tensors(w: &Seq2Seq) -> Vec<&Tensor> {
    let (e, d) = (&w.encoder, &w.decoder);
    let mut v = vec![&w.src_embedding];
    v.extend([&e.w_ih, &e.w_hh, &e.b_ih, &e.b_hh]);
    v.push(&w.tgt_embedding);
    v.extend([&w.attention.w_q, &w.attention.w_k, &w.attention.v]);
    v.extend([&d.w_ih, &d.w_hh, &d.b_ih, &d.b_hh]);
    v.extend([&w.out.w, &w.out.b]);
    v
}

/// The model rebuilt on the variables' tensors (same order as [`tensors`]).
fn rebuild(vars: &[Var]) -> Seq2Seq {
    let t = |i: usize| vars[i].as_tensor().clone();
    let cell = |i: usize| CellWeights { w_ih: t(i), w_hh: t(i + 1), b_ih: t(i + 2), b_hh: t(i + 3) };
    Seq2Seq {
        src_embedding: t(0),
        encoder: cell(1),
        tgt_embedding: t(5),
        attention: Attention { w_q: t(6), w_k: t(7), v: t(8) },
        decoder: cell(9),
        out: Head { w: t(13), b: t(14) },
    }
}

#[derive(Debug)]
#[allow(dead_code)]
enum TrainError {
    /// The student's function refused or failed.
    Model(String),
    /// A weight received no gradient: the forward pass left the tensors (`to_vec`) or skipped it.
    NoGradient,
    /// The loss became NaN or infinite.
    Diverged,
}

fn train(
    init: Seq2Seq,
    src: &Tensor,
    tgt: &Tensor,
    test: &Tensor,
    steps: usize,
    batch: usize,
    lr: f64,
) -> Result<(Vec<f64>, Vec<Vec<u32>>), TrainError> {
    let model = |e: candle_core::Error| TrainError::Model(e.to_string());
    let vars: Vec<Var> = tensors(&init).into_iter().map(Var::from_tensor).collect::<Result<_, _>>().map_err(model)?;
    let mut opt =
        AdamW::new(vars.clone(), ParamsAdamW { lr, weight_decay: 0.0, ..Default::default() }).map_err(model)?;
    let n = src.dim(0).map_err(model)?;
    let mut losses = Vec::with_capacity(steps);
    for s in 0..steps {
        let rows: Vec<u32> = (0..batch).map(|k| ((s * batch + k) % n) as u32).collect();
        let rows = Tensor::from_vec(rows, batch, &Device::Cpu).map_err(model)?;
        let (bs, bt) = (src.index_select(&rows, 0).map_err(model)?, tgt.index_select(&rows, 0).map_err(model)?);
        // tgt is `BOS p1 .. pn EOS PAD..`: input all but the last column, output all but the first.
        let len = bt.dim(1).map_err(model)?;
        let (tin, tout) = (bt.narrow(1, 0, len - 1).map_err(model)?, bt.narrow(1, 1, len - 1).map_err(model)?);
        let w = rebuild(&vars);
        let logits = seq2seq::decode_logits(&bs, &tin, &w).map_err(|e| TrainError::Model(format!("{e:?}")))?;
        let loss = masked_cross_entropy(&logits, &tout).map_err(model)?;
        let value = loss.to_scalar::<f64>().map_err(model)?;
        if !value.is_finite() {
            return Err(TrainError::Diverged);
        }
        losses.push(value);
        let grads = loss.backward().map_err(model)?;
        if vars.iter().any(|v| grads.get(v).is_none()) {
            return Err(TrainError::NoGradient);
        }
        opt.step(&grads).map_err(model)?;
    }
    let w = rebuild(&vars);
    let predictions = seq2seq::greedy_decode(test, &w, 12).map_err(|e| TrainError::Model(format!("{e:?}")))?;
    Ok((losses, predictions))
}

/// Mean cross-entropy over the targets that are not padding.
fn masked_cross_entropy(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    let (b, t, v) = logits.dims3()?;
    let logp = candle_nn::ops::log_softmax(&logits.reshape((b * t, v))?, D::Minus1)?;
    let flat = targets.flatten_all()?;
    let picked = logp.gather(&flat.unsqueeze(1)?, 1)?.squeeze(1)?;
    let mask = flat.ne(PAD)?.to_dtype(picked.dtype())?;
    let count = mask.sum_all()?;
    (picked * mask)?.sum_all()?.neg()?.div(&count)
}

impl Ret<Stage5> for Vec<Vec<u32>> {
    fn ret(self) -> Value {
        Value::List(self.into_iter().map(|s| Value::Ints(s.into_iter().map(i64::from).collect())).collect())
    }
}
