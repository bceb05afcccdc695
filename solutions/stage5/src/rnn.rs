//! Recurrent networks from scratch (reference solutions).

use candle_core::{DType, IndexOp, Tensor, D};

#[derive(Debug, Clone, PartialEq)]
pub enum RnnError {
    ShapeMismatch,
    EmptySequence,
    InvalidParameter,
    Candle(String),
}

impl From<candle_core::Error> for RnnError {
    fn from(e: candle_core::Error) -> Self {
        RnnError::Candle(e.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct CellWeights {
    pub w_ih: Tensor,
    pub w_hh: Tensor,
    pub b_ih: Tensor,
    pub b_hh: Tensor,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Rnn,
    Lstm,
    Gru,
}

impl Cell {
    pub fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

/// Checks `w` for `cell` and returns `(input, hidden)`.
fn sizes(w: &CellWeights, cell: Cell) -> Result<(usize, usize), RnnError> {
    let (gh, i) = w.w_ih.dims2().map_err(|_| RnnError::ShapeMismatch)?;
    let g = cell.gates();
    if gh % g != 0 || gh == 0 {
        return Err(RnnError::ShapeMismatch);
    }
    let h = gh / g;
    if w.w_hh.dims() != [gh, h] || w.b_ih.dims() != [gh] || w.b_hh.dims() != [gh] {
        return Err(RnnError::ShapeMismatch);
    }
    Ok((i, h))
}

fn check_seq(x: &Tensor, input: usize) -> Result<(usize, usize), RnnError> {
    let (b, t, i) = x.dims3().map_err(|_| RnnError::ShapeMismatch)?;
    if i != input {
        return Err(RnnError::ShapeMismatch);
    }
    if t == 0 {
        return Err(RnnError::EmptySequence);
    }
    Ok((b, t))
}

fn check_state(s: &Tensor, b: usize, h: usize) -> Result<(), RnnError> {
    if s.dims() != [b, h] {
        return Err(RnnError::ShapeMismatch);
    }
    Ok(())
}

fn sigmoid(x: &Tensor) -> candle_core::Result<Tensor> {
    (x.neg()?.exp()? + 1.0)?.recip()
}

/// `x·W_ihᵀ + b_ih` and `h·W_hhᵀ + b_hh`.
fn affine(x: &Tensor, h: &Tensor, w: &CellWeights) -> candle_core::Result<(Tensor, Tensor)> {
    let gi = x.matmul(&w.w_ih.t()?)?.broadcast_add(&w.b_ih)?;
    let gh = h.matmul(&w.w_hh.t()?)?.broadcast_add(&w.b_hh)?;
    Ok((gi, gh))
}

pub fn rnn_step(x: &Tensor, h: &Tensor, w: &CellWeights) -> Result<Tensor, RnnError> {
    let (gi, gh) = affine(x, h, w)?;
    Ok((gi + gh)?.tanh()?)
}

pub fn rnn_forward(x: &Tensor, h0: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    let (i, hd) = sizes(w, Cell::Rnn)?;
    let (b, t) = check_seq(x, i)?;
    check_state(h0, b, hd)?;
    let mut h = h0.clone();
    let mut outs = Vec::with_capacity(t);
    for s in 0..t {
        h = rnn_step(&x.i((.., s, ..))?.contiguous()?, &h, w)?;
        outs.push(h.clone());
    }
    Ok((Tensor::stack(&outs, 1)?, h))
}

pub fn lstm_step(x: &Tensor, h: &Tensor, c: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    let (gi, gh) = affine(x, h, w)?;
    let g = (gi + gh)?.chunk(4, 1)?;
    let (i, f, cand, o) = (sigmoid(&g[0])?, sigmoid(&g[1])?, g[2].tanh()?, sigmoid(&g[3])?);
    let c = ((f * c)? + (i * cand)?)?;
    let h = (o * c.tanh()?)?;
    Ok((h, c))
}

pub fn lstm_forward(
    x: &Tensor,
    h0: &Tensor,
    c0: &Tensor,
    w: &CellWeights,
) -> Result<(Tensor, Tensor, Tensor), RnnError> {
    let (i, hd) = sizes(w, Cell::Lstm)?;
    let (b, t) = check_seq(x, i)?;
    check_state(h0, b, hd)?;
    check_state(c0, b, hd)?;
    let (mut h, mut c) = (h0.clone(), c0.clone());
    let mut outs = Vec::with_capacity(t);
    for s in 0..t {
        (h, c) = lstm_step(&x.i((.., s, ..))?.contiguous()?, &h, &c, w)?;
        outs.push(h.clone());
    }
    Ok((Tensor::stack(&outs, 1)?, h, c))
}

pub fn gru_step(x: &Tensor, h: &Tensor, w: &CellWeights) -> Result<Tensor, RnnError> {
    let (gi, gh) = affine(x, h, w)?;
    let (a, b) = (gi.chunk(3, 1)?, gh.chunk(3, 1)?);
    let r = sigmoid(&(&a[0] + &b[0])?)?;
    let z = sigmoid(&(&a[1] + &b[1])?)?;
    let n = (&a[2] + (r * &b[2])?)?.tanh()?;
    // h' = (1 − z) ⊙ n + z ⊙ h
    Ok(((n.ones_like()? - &z)? * n)?.add(&(z * h)?)?)
}

pub fn gru_forward(x: &Tensor, h0: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    let (i, hd) = sizes(w, Cell::Gru)?;
    let (b, t) = check_seq(x, i)?;
    check_state(h0, b, hd)?;
    let mut h = h0.clone();
    let mut outs = Vec::with_capacity(t);
    for s in 0..t {
        h = gru_step(&x.i((.., s, ..))?.contiguous()?, &h, w)?;
        outs.push(h.clone());
    }
    Ok((Tensor::stack(&outs, 1)?, h))
}

/// The outputs of `cell` over `x` from a zero state.
fn run_cell(cell: Cell, x: &Tensor, w: &CellWeights) -> Result<Tensor, RnnError> {
    let (i, h) = sizes(w, cell)?;
    let (b, _) = check_seq(x, i)?;
    let zeros = Tensor::zeros((b, h), x.dtype(), x.device())?;
    Ok(match cell {
        Cell::Rnn => rnn_forward(x, &zeros, w)?.0,
        Cell::Lstm => lstm_forward(x, &zeros, &zeros, w)?.0,
        Cell::Gru => gru_forward(x, &zeros, w)?.0,
    })
}

pub fn bidirectional(x: &Tensor, cell: Cell, fwd: &CellWeights, bwd: &CellWeights) -> Result<Tensor, RnnError> {
    let (_, hf) = sizes(fwd, cell)?;
    let (_, hb) = sizes(bwd, cell)?;
    if hf != hb {
        return Err(RnnError::ShapeMismatch);
    }
    let forwards = run_cell(cell, x, fwd)?;
    let t = x.dim(1)?;
    let rev: Vec<u32> = (0..t as u32).rev().collect();
    let rev = Tensor::from_vec(rev, t, x.device())?;
    let backwards = run_cell(cell, &x.index_select(&rev, 1)?, bwd)?.index_select(&rev, 1)?;
    Ok(Tensor::cat(&[forwards, backwards], 2)?)
}

pub fn bptt(
    x: &Tensor,
    h0: &Tensor,
    w: &CellWeights,
    dout: &Tensor,
    chunk: usize,
) -> Result<(Tensor, Tensor, Tensor, Tensor), RnnError> {
    if chunk == 0 {
        return Err(RnnError::InvalidParameter);
    }
    let (outs, _) = rnn_forward(x, h0, w)?;
    let (b, t, hd) = outs.dims3()?;
    if dout.dims() != [b, t, hd] {
        return Err(RnnError::ShapeMismatch);
    }
    let mut dw_ih = w.w_ih.zeros_like()?;
    let mut dw_hh = w.w_hh.zeros_like()?;
    let mut db = w.b_ih.zeros_like()?;
    // Gradient flowing into h_s from later steps of the same chunk.
    let mut carry = h0.zeros_like()?;
    let mut dh0 = h0.zeros_like()?;
    for s in (0..t).rev() {
        let h_s = outs.i((.., s, ..))?;
        let h_prev = if s == 0 { h0.clone() } else { outs.i((.., s - 1, ..))? };
        let dh = (dout.i((.., s, ..))? + &carry)?;
        // h_s = tanh(a_s): da = dh ⊙ (1 − h_s²)
        let da = (dh * (h_s.sqr()?.ones_like()? - h_s.sqr()?)?)?;
        let x_s = x.i((.., s, ..))?;
        dw_ih = (dw_ih + da.t()?.matmul(&x_s)?)?;
        dw_hh = (dw_hh + da.t()?.matmul(&h_prev)?)?;
        db = (db + da.sum(0)?)?;
        let back = da.matmul(&w.w_hh)?;
        if s % chunk == 0 {
            // A chunk starts here: its initial state is a constant for the chunk.
            carry = back.zeros_like()?;
            if s == 0 {
                dh0 = back;
            }
        } else {
            carry = back;
        }
    }
    Ok((dw_ih, dw_hh, db, dh0))
}

pub fn state_gradient_norms(cell: Cell, x: &Tensor, w: &CellWeights, u: &Tensor) -> Result<Vec<f64>, RnnError> {
    let (i, hd) = sizes(w, cell)?;
    let (b, t) = check_seq(x, i)?;
    check_state(u, b, hd)?;
    let x = x.to_dtype(DType::F64)?;
    // candle keeps the gradients of variables only: each state gets a zero variable added, whose
    // gradient is the state's.
    let mut h = Tensor::zeros((b, hd), DType::F64, x.device())?;
    let mut c = h.clone();
    let mut probes = Vec::with_capacity(t);
    let mut last = h.clone();
    for s in 0..t {
        let xs = x.i((.., s, ..))?.contiguous()?;
        let next = match cell {
            Cell::Rnn => rnn_step(&xs, &h, w)?,
            Cell::Gru => gru_step(&xs, &h, w)?,
            Cell::Lstm => {
                let (h2, c2) = lstm_step(&xs, &h, &c, w)?;
                c = c2;
                h2
            }
        };
        let probe = candle_core::Var::zeros((b, hd), DType::F64, x.device())?;
        h = (next + probe.as_tensor())?;
        probes.push(probe);
        last = h.clone();
    }
    let grads = (last * u)?.sum_all()?.backward()?;
    probes
        .iter()
        .map(|p| match grads.get(p.as_tensor()) {
            Some(g) => Ok(g.sqr()?.sum_all()?.sqrt()?.to_scalar::<f64>()?),
            None => Ok(0.0),
        })
        .collect()
}

pub fn cell_params(cell: Cell, input: usize, hidden: usize) -> usize {
    cell.gates() * hidden * (input + hidden + 2)
}

#[derive(Debug, Clone)]
pub struct Head {
    pub w: Tensor,
    pub b: Tensor,
}

fn apply(head: &Head, h: &Tensor) -> candle_core::Result<Tensor> {
    h.matmul(&head.w.t()?)?.broadcast_add(&head.b)
}

pub fn many_to_one(x: &Tensor, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    let (i, hd) = sizes(w, Cell::Rnn)?;
    let (b, _) = check_seq(x, i)?;
    let (_, h) = rnn_forward(x, &Tensor::zeros((b, hd), x.dtype(), x.device())?, w)?;
    Ok(apply(head, &h)?)
}

pub fn many_to_many(x: &Tensor, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    let (i, hd) = sizes(w, Cell::Rnn)?;
    let (b, t) = check_seq(x, i)?;
    let (outs, _) = rnn_forward(x, &Tensor::zeros((b, hd), x.dtype(), x.device())?, w)?;
    let y = apply(head, &outs.reshape((b * t, hd))?)?;
    let c = y.dim(1)?;
    Ok(y.reshape((b, t, c))?)
}

pub fn one_to_many(x0: &Tensor, steps: usize, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    let (i, hd) = sizes(w, Cell::Rnn)?;
    let b = match x0.dims2() {
        Ok((b, i2)) if i2 == i => b,
        _ => return Err(RnnError::ShapeMismatch),
    };
    if head.w.dims() != [i, hd] || head.b.dims() != [i] {
        return Err(RnnError::ShapeMismatch);
    }
    if steps == 0 {
        return Err(RnnError::EmptySequence);
    }
    let mut h = Tensor::zeros((b, hd), x0.dtype(), x0.device())?;
    let mut x = x0.clone();
    let mut ys = Vec::with_capacity(steps);
    for _ in 0..steps {
        h = rnn_step(&x, &h, w)?;
        x = apply(head, &h)?;
        ys.push(x.clone());
    }
    Ok(Tensor::stack(&ys, 1)?)
}

#[derive(Debug, Clone)]
pub struct Attention {
    pub w_q: Tensor,
    pub w_k: Tensor,
    pub v: Tensor,
}

pub fn additive_attention(
    query: &Tensor,
    keys: &Tensor,
    mask: &Tensor,
    att: &Attention,
) -> Result<(Tensor, Tensor), RnnError> {
    let (b, hq) = query.dims2().map_err(|_| RnnError::ShapeMismatch)?;
    let (b2, t, hk) = keys.dims3().map_err(|_| RnnError::ShapeMismatch)?;
    let (a, hq2) = att.w_q.dims2().map_err(|_| RnnError::ShapeMismatch)?;
    if b != b2 || hq != hq2 || att.w_k.dims() != [a, hk] || att.v.dims() != [a] || mask.dims() != [b, t] {
        return Err(RnnError::ShapeMismatch);
    }
    let m = mask.to_dtype(DType::F64)?.to_vec2::<f64>()?;
    if t == 0 || m.iter().any(|row| row.iter().all(|&v| v == 0.0)) {
        return Err(RnnError::EmptySequence);
    }
    let q = query.matmul(&att.w_q.t()?)?; // (B, A)
    let k = keys.reshape((b * t, hk))?.matmul(&att.w_k.t()?)?.reshape((b, t, a))?;
    let e = k.broadcast_add(&q.unsqueeze(1)?)?.tanh()?.broadcast_mul(&att.v)?.sum(D::Minus1)?; // (B, T)
    let neg: Vec<f64> = m.iter().flatten().map(|&v| if v == 0.0 { f64::NEG_INFINITY } else { 0.0 }).collect();
    let neg = Tensor::from_vec(neg, (b, t), e.device())?.to_dtype(e.dtype())?;
    let e = (e + neg)?;
    let max = e.max_keepdim(1)?;
    let p = e.broadcast_sub(&max)?.exp()?;
    let alpha = p.broadcast_div(&p.sum_keepdim(1)?)?;
    let context = alpha.unsqueeze(1)?.matmul(keys)?.squeeze(1)?;
    Ok((context, alpha))
}
