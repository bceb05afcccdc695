//! Glue for `stage5::rnn`. A cell's weights travel as `(w_ih, w_hh, b_ih, b_hh)`, a head as
//! `(w, b)`, attention's as `(w_q, w_k, v)`, a cell kind by name. The `*.candle` ids answer with
//! candle-nn's `LSTM` and `GRU` built from the same weights (under PyTorch's names, as a
//! checkpoint holds them) and with candle's autograd for BPTT.

use crate::convert::Stage5;
use candle_core::{DType, Device, IndexOp, Tensor, Var};
use candle_nn::rnn::{GRUConfig, LSTMConfig, LSTMState, GRU, LSTM, RNN};
use candle_nn::VarBuilder;
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage5::rnn::{self, Attention, Cell, CellWeights, Head};
use std::collections::HashMap;

probe_runtime::glue! { Stage5;
    "stage5.rnn.rnn_forward" => |x: Tensor, h0: Tensor, w: W| rnn::rnn_forward(&x, &h0, &w.0) => (outputs, h_last);
    "stage5.rnn.lstm" => |x: Tensor, h0: Tensor, c0: Tensor, w: W| {
        rnn::lstm_forward(&x, &h0, &c0, &w.0)
    } => (outputs, h_last, c_last);
    "stage5.rnn.lstm.candle" => |x: Tensor, h0: Tensor, c0: Tensor, w: W| candle_lstm(&x, &h0, &c0, &w.0);
    "stage5.rnn.gru" => |x: Tensor, h0: Tensor, w: W| rnn::gru_forward(&x, &h0, &w.0) => (outputs, h_last);
    "stage5.rnn.gru.candle" => |x: Tensor, h0: Tensor, w: W| candle_gru(&x, &h0, &w.0);
    "stage5.rnn.bidirectional" => |x: Tensor, cell: &str, forward: W, backward: W| {
        rnn::bidirectional(&x, cell_of(cell), &forward.0, &backward.0)
    };
    "stage5.rnn.bptt" => |x: Tensor, h0: Tensor, w: W, dout: Tensor, chunk: usize| {
        rnn::bptt(&x, &h0, &w.0, &dout, chunk)
    } => (dw_ih, dw_hh, db, dh0);
    "stage5.rnn.bptt.candle" => |x: Tensor, h0: Tensor, w: W, dout: Tensor, chunk: usize| {
        autograd_bptt(&x, &h0, &w.0, &dout, chunk)
    };
    "stage5.rnn.long_deps" => |x: Tensor, u: Tensor, w_rnn: W, w_lstm: W, w_gru: W, sizes: Vec<usize>| {
        let norms = |cell, w: &W| rnn::state_gradient_norms(cell, &x, &w.0, &u);
        let params: Vec<usize> =
            [Cell::Rnn, Cell::Lstm, Cell::Gru].iter().map(|&c| rnn::cell_params(c, sizes[0], sizes[1])).collect();
        (norms(Cell::Rnn, &w_rnn), norms(Cell::Lstm, &w_lstm), norms(Cell::Gru, &w_gru), params)
    } => (rnn, lstm, gru, params);
    "stage5.rnn.task_types" => |x: Tensor, w: W, head: H, x0: Tensor, steps: usize, feedback: H| {
        (
            rnn::many_to_one(&x, &w.0, &head.0),
            rnn::many_to_many(&x, &w.0, &head.0),
            rnn::one_to_many(&x0, steps, &w.0, &feedback.0),
        )
    } => (many_to_one, many_to_many, one_to_many);
    "stage5.rnn.attention" => |query: Tensor, keys: Tensor, mask: Tensor, att: A| {
        rnn::additive_attention(&query, &keys, &mask, &att.0)
    } => (context, weights);
}

fn cell_of(name: &str) -> Cell {
    match name {
        "rnn" => Cell::Rnn,
        "lstm" => Cell::Lstm,
        "gru" => Cell::Gru,
        other => panic!("glue: no cell {other}"),
    }
}

/// A cell's weights.
pub struct W(CellWeights);

impl Arg<'_, Stage5> for W {
    fn arg(v: &Value) -> W {
        let t = |i: usize| <Tensor as Arg<Stage5>>::arg(v.at(i));
        W(CellWeights { w_ih: t(0), w_hh: t(1), b_ih: t(2), b_hh: t(3) })
    }
}

/// A head's weights.
pub struct H(Head);

impl Arg<'_, Stage5> for H {
    fn arg(v: &Value) -> H {
        H(Head { w: <Tensor as Arg<Stage5>>::arg(v.at(0)), b: <Tensor as Arg<Stage5>>::arg(v.at(1)) })
    }
}

/// Attention's weights.
pub struct A(Attention);

impl Arg<'_, Stage5> for A {
    fn arg(v: &Value) -> A {
        let t = |i: usize| <Tensor as Arg<Stage5>>::arg(v.at(i));
        A(Attention { w_q: t(0), w_k: t(1), v: t(2) })
    }
}

/// The weights under PyTorch's names, as candle-nn's recurrent layers load them.
fn checkpoint(w: &CellWeights) -> VarBuilder<'static> {
    let map: HashMap<String, Tensor> =
        [("weight_ih_l0", &w.w_ih), ("weight_hh_l0", &w.w_hh), ("bias_ih_l0", &w.b_ih), ("bias_hh_l0", &w.b_hh)]
            .into_iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect();
    VarBuilder::from_tensors(map, DType::F64, &Device::Cpu)
}

/// `(outputs, h_T, c_T)` by candle-nn's `LSTM`, or `Unit` where the course refuses the input.
fn candle_lstm(x: &Tensor, h0: &Tensor, c0: &Tensor, w: &CellWeights) -> Value {
    let run = || -> candle_core::Result<Value> {
        let (i, h) = (x.dim(2)?, h0.dim(1)?);
        let layer = LSTM::new(i, h, LSTMConfig::default(), checkpoint(w))?;
        let states = layer.seq_init(x, &LSTMState::new(h0.clone(), c0.clone()))?;
        let last = states.last().ok_or_else(|| candle_core::Error::Msg("empty".into()))?;
        let hs: Vec<Tensor> = states.iter().map(|s| s.h().clone()).collect();
        Ok(<_ as Ret<Stage5>>::ret((Tensor::stack(&hs, 1)?, last.h().clone(), last.c().clone())))
    };
    run().unwrap_or(Value::Unit)
}

/// `(outputs, h_T)` by candle-nn's `GRU`, or `Unit` where the course refuses the input.
fn candle_gru(x: &Tensor, h0: &Tensor, w: &CellWeights) -> Value {
    let run = || -> candle_core::Result<Value> {
        let (i, h) = (x.dim(2)?, h0.dim(1)?);
        let layer = GRU::new(i, h, GRUConfig::default(), checkpoint(w))?;
        let mut state = candle_nn::rnn::GRUState { h: h0.clone() };
        let mut hs = Vec::new();
        for t in 0..x.dim(1)? {
            state = layer.step(&x.i((.., t, ..))?.contiguous()?, &state)?;
            hs.push(state.h().clone());
        }
        if hs.is_empty() {
            candle_core::bail!("empty");
        }
        Ok(<_ as Ret<Stage5>>::ret((Tensor::stack(&hs, 1)?, state.h().clone())))
    };
    run().unwrap_or(Value::Unit)
}

/// Truncated BPTT by candle's autograd: the vanilla RNN run with the state detached at every
/// chunk boundary, then `backward` on `Σ dout ⊙ outputs`.
fn autograd_bptt(x: &Tensor, h0: &Tensor, w: &CellWeights, dout: &Tensor, chunk: usize) -> Value {
    let run = || -> candle_core::Result<Value> {
        if chunk == 0 {
            candle_core::bail!("chunk 0");
        }
        let vars: Vec<Var> =
            [&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh, h0].iter().map(|t| Var::from_tensor(t)).collect::<Result<_, _>>()?;
        let (wih, whh, bih, bhh, h0v) =
            (vars[0].as_tensor(), vars[1].as_tensor(), vars[2].as_tensor(), vars[3].as_tensor(), vars[4].as_tensor());
        let mut h = h0v.clone();
        let mut outs = Vec::new();
        for t in 0..x.dim(1)? {
            if t > 0 && t % chunk == 0 {
                h = h.detach();
            }
            let xt = x.i((.., t, ..))?.contiguous()?;
            h = (xt.matmul(&wih.t()?)?.broadcast_add(bih)? + h.matmul(&whh.t()?)?.broadcast_add(bhh)?)?.tanh()?;
            outs.push(h.clone());
        }
        let out = Tensor::stack(&outs, 1)?;
        if out.dims() != dout.dims() {
            candle_core::bail!("dout shape");
        }
        let grads = (out * dout)?.sum_all()?.backward()?;
        let get = |v: &Var| grads.get(v).cloned().ok_or_else(|| candle_core::Error::Msg("no gradient".into()));
        let dh0 = grads.get(&vars[4]).cloned().unwrap_or(h0.zeros_like()?);
        Ok(<_ as Ret<Stage5>>::ret((get(&vars[0])?, get(&vars[1])?, get(&vars[2])?, dh0)))
    };
    run().unwrap_or(Value::Unit)
}
