//! Public tests for `stage5::rnn`: run them with `cargo test -p stage5 --test rnn`.
//!
//! Small examples worked by hand; `grader check stage5.rnn` runs the hidden cases, comparing
//! the LSTM and GRU with candle-nn's and BPTT with candle's autograd.

use candle_core::{DType, Device, Tensor};
use stage5::rnn::{self, Attention, Cell, CellWeights};

fn zeros(shape: &[usize]) -> Tensor {
    Tensor::zeros(shape, DType::F64, &Device::Cpu).unwrap()
}

fn cell(gates: usize, i: usize, h: usize) -> CellWeights {
    CellWeights {
        w_ih: zeros(&[gates * h, i]),
        w_hh: zeros(&[gates * h, h]),
        b_ih: zeros(&[gates * h]),
        b_hh: zeros(&[gates * h]),
    }
}

#[test]
fn parameter_counts() {
    // Each gate: H·I + H·H weights and two biases of H.
    assert_eq!(rnn::cell_params(Cell::Rnn, 10, 20), 20 * (10 + 20 + 2));
    assert_eq!(rnn::cell_params(Cell::Lstm, 10, 20), 4 * 20 * (10 + 20 + 2));
    assert_eq!(rnn::cell_params(Cell::Gru, 10, 20), 3 * 20 * (10 + 20 + 2));
}

#[test]
fn an_rnn_with_a_bias_only() {
    // All weights 0, b_ih = 0.5: every state is tanh(0.5), whatever the input.
    let mut w = cell(1, 2, 3);
    w.b_ih = Tensor::new(&[0.5f64, 0.5, 0.5], &Device::Cpu).unwrap();
    let x = Tensor::ones((2, 4, 2), DType::F64, &Device::Cpu).unwrap();
    let (out, h) = rnn::rnn_forward(&x, &zeros(&[2, 3]), &w).unwrap();
    assert_eq!(out.dims(), &[2, 4, 3]);
    for v in h.flatten_all().unwrap().to_vec1::<f64>().unwrap() {
        assert!((v - 0.5f64.tanh()).abs() < 1e-15);
    }
}

#[test]
fn an_lstm_with_zero_weights_halves_its_cell() {
    // Every gate is σ(0) = 0.5 and the candidate tanh(0) = 0: c' = 0.5·c, h' = 0.5·tanh(c').
    let w = cell(4, 1, 2);
    let c0 = Tensor::new(&[[2.0f64, -4.0]], &Device::Cpu).unwrap();
    let (h, c) = rnn::lstm_step(&zeros(&[1, 1]), &zeros(&[1, 2]), &c0, &w).unwrap();
    assert_eq!(c.to_vec2::<f64>().unwrap(), vec![vec![1.0, -2.0]]);
    let h = h.to_vec2::<f64>().unwrap();
    assert!((h[0][0] - 0.5 * 1f64.tanh()).abs() < 1e-15);
}

#[test]
fn attention_on_one_real_position_takes_it_whole() {
    let att = Attention { w_q: zeros(&[2, 2]), w_k: zeros(&[2, 3]), v: zeros(&[2]) };
    let keys = Tensor::new(&[[[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]]], &Device::Cpu).unwrap();
    let mask = Tensor::new(&[[0.0f64, 1.0]], &Device::Cpu).unwrap();
    let (context, alpha) = rnn::additive_attention(&zeros(&[1, 2]), &keys, &mask, &att).unwrap();
    assert_eq!(alpha.to_vec2::<f64>().unwrap(), vec![vec![0.0, 1.0]]);
    assert_eq!(context.to_vec2::<f64>().unwrap(), vec![vec![4.0, 5.0, 6.0]]);
}
