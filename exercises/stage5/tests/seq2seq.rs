//! Public tests for `stage5::seq2seq`: run them with `cargo test -p stage5 --test seq2seq`.
//!
//! Shapes on a tiny model with zero weights; `grader check stage5.seq2seq` trains yours on
//! CMUdict and judges it on words it never saw.

use candle_core::{DType, Device, Tensor};
use stage5::rnn::{Attention, CellWeights, Head};
use stage5::seq2seq::{self, Seq2Seq, BOS};

fn zeros(shape: &[usize]) -> Tensor {
    Tensor::zeros(shape, DType::F64, &Device::Cpu).unwrap()
}

fn gru(i: usize, h: usize) -> CellWeights {
    CellWeights { w_ih: zeros(&[3 * h, i]), w_hh: zeros(&[3 * h, h]), b_ih: zeros(&[3 * h]), b_hh: zeros(&[3 * h]) }
}

fn model(e: usize, h: usize, v: usize) -> Seq2Seq {
    Seq2Seq {
        src_embedding: zeros(&[27, e]),
        encoder: gru(e, h),
        tgt_embedding: zeros(&[v, e]),
        attention: Attention { w_q: zeros(&[4, h]), w_k: zeros(&[4, h]), v: zeros(&[4]) },
        decoder: gru(e + h, h),
        out: Head { w: zeros(&[v, 2 * h]), b: zeros(&[v]) },
    }
}

#[test]
fn shapes_of_the_encoder_and_the_teacher_forced_logits() {
    let w = model(3, 5, 7);
    // "CAT" and "AT" padded with 0.
    let src = Tensor::new(&[[3u32, 1, 20], [1, 20, 0]], &Device::Cpu).unwrap();
    let (outputs, last, mask) = seq2seq::encode(&src, &w).unwrap();
    assert_eq!((outputs.dims(), last.dims()), (&[2, 3, 5][..], &[2, 5][..]));
    assert_eq!(mask.to_dtype(DType::F64).unwrap().to_vec2::<f64>().unwrap(), vec![vec![1., 1., 1.], vec![1., 1., 0.]]);
    let tgt_in = Tensor::new(&[[BOS, 5], [BOS, 6]], &Device::Cpu).unwrap();
    let logits = seq2seq::decode_logits(&src, &tgt_in, &w).unwrap();
    assert_eq!(logits.dims(), &[2, 2, 7]);
}
