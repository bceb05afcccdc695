//! Recurrent networks from scratch on candle tensors: the vanilla RNN unrolled in time, LSTM and
//! GRU cells (checked against `candle_nn::rnn` with the same weights), bidirectional wrappers,
//! backpropagation through time by hand (full and truncated), the gradient that flows back to
//! early states (why plain RNNs forget), the task types, and additive attention.
//!
//! A recurrent network reads a sequence one step at a time and carries a hidden state `h_t`
//! from step to step: the same weights at every step ("unrolling in time" draws one copy per
//! step). Shapes follow candle and PyTorch with `batch_first = true`:
//!
//! | tensor | shape |
//! |---|---|
//! | a sequence batch `x` | `(B, T, I)`: batch, time, input features |
//! | a state `h` (and the LSTM's cell `c`) | `(B, H)` |
//! | the outputs (every step's `h`) | `(B, T, H)` |
//! | `w_ih`, `w_hh` | `(G·H, I)`, `(G·H, H)`, with `G` gates: 1 (RNN), 4 (LSTM), 3 (GRU) |
//! | `b_ih`, `b_hh` | `(G·H,)` |
//!
//! The weights are laid out as PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU` and candle-nn's
//! `LSTM`/`GRU` store them (`weight_ih_l0`, ...): the gates' rows are stacked in the order given
//! with each cell, and both biases are added. `σ` is the logistic sigmoid `1 / (1 + e^(−x))`;
//! write it with tensor operations (`neg`, `exp`, `recip`): this file may not use candle-nn,
//! whose `LSTM` and `GRU` are what the grader compares yours with.

use candle_core::Tensor;

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum RnnError {
    /// A tensor of the wrong rank or size: weights that do not fit the cell, a state that is
    /// not `(B, H)`, an input whose feature count is not `I`, a gradient not shaped as the
    /// outputs.
    ShapeMismatch,
    /// A sequence of length 0, a step count of 0, or attention over positions all masked.
    EmptySequence,
    /// A truncation length of 0.
    InvalidParameter,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`RnnError::Candle`].
impl From<candle_core::Error> for RnnError {
    fn from(e: candle_core::Error) -> Self {
        RnnError::Candle(e.to_string())
    }
}

/// A recurrent cell's weights (see the module documentation for the shapes).
#[derive(Debug, Clone)]
pub struct CellWeights {
    pub w_ih: Tensor,
    pub w_hh: Tensor,
    pub b_ih: Tensor,
    pub b_hh: Tensor,
}

/// The three cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Rnn,
    Lstm,
    Gru,
}

impl Cell {
    /// How many gates the cell stacks in its weights: 1, 4 or 3.
    pub fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

/// One step of the vanilla (Elman) RNN: `h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`, with
/// `x` `(B, I)` and `h` `(B, H)`.
pub fn rnn_step(x: &Tensor, h: &Tensor, w: &CellWeights) -> Result<Tensor, RnnError> {
    todo!()
}

/// The vanilla RNN over a whole sequence: `x` `(B, T, I)` from the state `h0` `(B, H)`.
/// Returns `(outputs, h_T)`: every step's state stacked along time `(B, T, H)`, and the last.
///
/// Unrolling in time is a loop: step `t` reads `x[:, t, :]` (`x.i((.., t, ..))`, then
/// `contiguous()`) and the state left by step `t − 1`. The same weights at every step is what
/// lets an RNN read sequences of any length, and also what makes it slow: step `t` cannot start
/// before step `t − 1` ends.
///
/// # Errors
/// [`RnnError::ShapeMismatch`] when the weights do not form an RNN cell (`w_ih` `(H, I)`,
/// `w_hh` `(H, H)`, biases `(H,)`), `x` is not `(B, T, I)` or `h0` not `(B, H)`;
/// [`RnnError::EmptySequence`] when `T = 0`.
pub fn rnn_forward(x: &Tensor, h0: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    todo!()
}

/// One LSTM step. With `g = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh` `(B, 4H)` cut into four `(B, H)`
/// blocks in the order **input, forget, cell, output** (`chunk(4, 1)`):
///
/// - input gate `i = σ(g₀)`: how much of the candidate to write;
/// - forget gate `f = σ(g₁)`: how much of the old cell to keep;
/// - candidate `ĉ = tanh(g₂)`;
/// - output gate `o = σ(g₃)`;
/// - `c' = f ⊙ c + i ⊙ ĉ` and `h' = o ⊙ tanh(c')`. Returns `(h', c')`.
///
/// The cell `c` is a conveyor belt: when `f ≈ 1` and `i ≈ 0` it carries information (and
/// gradients) across many steps unchanged, which a vanilla RNN's repeated `tanh(W·h)` cannot.
pub fn lstm_step(x: &Tensor, h: &Tensor, c: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    todo!()
}

/// The LSTM over a sequence from `(h0, c0)`: returns `(outputs (B, T, H), h_T, c_T)`.
///
/// Timed against the reference (`B = 32`, `T = 50`, `H = 128`, the CPU): keep each step a few
/// tensor operations (two matrix products for all four gates at once), not loops over elements.
///
/// # Errors
/// As [`rnn_forward`], for a cell of 4 gates; `c0` must be `(B, H)` too.
pub fn lstm_forward(
    x: &Tensor,
    h0: &Tensor,
    c0: &Tensor,
    w: &CellWeights,
) -> Result<(Tensor, Tensor, Tensor), RnnError> {
    todo!()
}

/// One GRU step. With `a = x·W_ihᵀ + b_ih` and `b = h·W_hhᵀ + b_hh`, both `(B, 3H)` cut into
/// blocks in the order **reset, update, new**:
///
/// - reset gate `r = σ(a₀ + b₀)`; update gate `z = σ(a₁ + b₁)`;
/// - candidate `n = tanh(a₂ + r ⊙ b₂)` (the reset gate scales the *recurrent* part only, after
///   its bias: PyTorch's and candle's convention);
/// - `h' = (1 − z) ⊙ n + z ⊙ h`.
///
/// Two gates instead of three and no separate cell: a GRU has 3/4 of an LSTM's parameters.
pub fn gru_step(x: &Tensor, h: &Tensor, w: &CellWeights) -> Result<Tensor, RnnError> {
    todo!()
}

/// The GRU over a sequence from `h0`: returns `(outputs (B, T, H), h_T)`.
///
/// # Errors
/// As [`rnn_forward`], for a cell of 3 gates.
pub fn gru_forward(x: &Tensor, h0: &Tensor, w: &CellWeights) -> Result<(Tensor, Tensor), RnnError> {
    todo!()
}

/// A bidirectional layer: one `cell` reads the sequence forwards with `fwd`'s weights,
/// another reads it backwards (from the last step to the first) with `bwd`'s, both from
/// zero states; output `t` is the concatenation of the forward state after step `t` and the
/// backward state after it has read steps `T − 1` down to `t`: `(B, T, 2H)`, forward half
/// first.
///
/// Each position then sees both its past and its future, which tagging tasks (a word's part of
/// speech, a phoneme's boundary) need. Reversing along time: `index_select` with the indices
/// `T − 1, …, 0` on dimension 1.
///
/// # Errors
/// As the cell's `*_forward`; [`RnnError::ShapeMismatch`] when the two directions' hidden sizes
/// differ.
pub fn bidirectional(x: &Tensor, cell: Cell, fwd: &CellWeights, bwd: &CellWeights) -> Result<Tensor, RnnError> {
    todo!()
}

/// Backpropagation through time for the vanilla RNN, by hand: the gradients of
/// `L = Σ_t Σ dout[:, t, :] ⊙ h_t` (so `∂L/∂h_t` receives `dout[:, t, :]` directly) with respect
/// to `W_ih`, `W_hh`, the bias (`b_ih` and `b_hh` get the same gradient: return it once) and
/// `h0`. Returns `(dW_ih, dW_hh, db, dh0)`.
///
/// Going backwards from `t = T − 1`, with `dh` the gradient arriving at `h_t` (from `dout` and
/// from step `t + 1`):
/// - `da = dh ⊙ (1 − h_t²)` (the derivative of `tanh` at the pre-activation `a_t`);
/// - `dW_ih += daᵀ · x_t`, `dW_hh += daᵀ · h_{t−1}`, `db += Σ_batch da`;
/// - the gradient sent to `h_{t−1}` is `da · W_hh`.
///
/// **Truncated** BPTT splits the sequence into chunks of `chunk` steps (`[0, k)`, `[k, 2k)`, …)
/// and treats each chunk's initial state as a constant (PyTorch's `h.detach()` between chunks):
/// no gradient crosses a chunk boundary, so the cost of the backward pass no longer grows with
/// `T`, at the price of dependencies longer than a chunk. `chunk ≥ T` is full BPTT. `dh0` is
/// what reaches `h0` through the first chunk.
///
/// Checked against candle's autograd; no `Var`, no `.backward()` here.
///
/// # Errors
/// [`RnnError::InvalidParameter`] when `chunk = 0`; the errors of [`rnn_forward`];
/// [`RnnError::ShapeMismatch`] when `dout` is not `(B, T, H)`.
pub fn bptt(
    x: &Tensor,
    h0: &Tensor,
    w: &CellWeights,
    dout: &Tensor,
    chunk: usize,
) -> Result<(Tensor, Tensor, Tensor, Tensor), RnnError> {
    todo!()
}

/// Long-term dependencies, measured: run `cell` over `x` `(B, T, I)` from zero states
/// (and a zero cell for the LSTM), take the loss `L = Σ u ⊙ h_{T−1}` on the last state only
/// (`u` `(B, H)`), and return `‖∂L/∂h_t‖₂` for every step `t = 0, …, T − 1`: how much the loss at
/// the end still depends on the state at step `t`.
///
/// Use candle's autograd here. It keeps the gradients of *variables* only (it frees the others
/// as it goes back), so give each state a probe: a `candle_core::Var` of zeros `(B, H)` added to
/// the state as it leaves step `t` (`h_t = step(...) + z_t`, which changes no value); after
/// `loss.backward()`, `grads.get(z_t.as_tensor())` is `∂L/∂h_t`. For a vanilla RNN the norms shrink
/// geometrically as `t` goes back (each step multiplies by `W_hhᵀ·diag(1 − h²)`); an LSTM with
/// its forget gate open keeps them far longer. The grader draws the three cells' curves.
///
/// # Errors
/// As the cell's `*_forward`; [`RnnError::ShapeMismatch`] when `u` is not `(B, H)`.
pub fn state_gradient_norms(cell: Cell, x: &Tensor, w: &CellWeights, u: &Tensor) -> Result<Vec<f64>, RnnError> {
    todo!()
}

/// The number of learned parameters of one layer of `cell` with `input` features and `hidden`
/// units, counted as PyTorch stores them (two bias vectors).
pub fn cell_params(cell: Cell, input: usize, hidden: usize) -> usize {
    todo!()
}

/// A linear read-out on the hidden states: `y = h·Wᵀ + b`, `W` `(C, H)`, `b` `(C,)`.
#[derive(Debug, Clone)]
pub struct Head {
    pub w: Tensor,
    pub b: Tensor,
}

/// Many-to-one (classify a sequence: sentiment of a sentence, the class of a time series): a
/// vanilla RNN reads `x` `(B, T, I)` from a zero state; the head reads the **last** state.
/// Returns `(B, C)`.
///
/// # Errors
/// As [`rnn_forward`].
pub fn many_to_one(x: &Tensor, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    todo!()
}

/// Many-to-many, aligned (tag every step: a part of speech per word, a label per frame): the
/// head reads **every** state. Returns `(B, T, C)`.
///
/// # Errors
/// As [`rnn_forward`].
pub fn many_to_many(x: &Tensor, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    todo!()
}

/// One-to-many (generate a sequence from one input: a caption from an image, a melody from a
/// seed): from a zero state, step the vanilla RNN on `x0` `(B, I)`; the head maps the new state
/// back to an input-sized vector `y_1` (`head.w` is `(I, H)`), which is both the first output and
/// the next step's input; repeat for `steps` outputs. Returns `(B, steps, I)`.
///
/// (Many-to-many *unaligned*, where input and output lengths differ, is the encoder-decoder of
/// sequence-to-sequence models: an encoder reads, a decoder generates.)
///
/// # Errors
/// [`RnnError::ShapeMismatch`] when `x0` is not `(B, I)` or the head does not map `H` to `I`;
/// [`RnnError::EmptySequence`] when `steps = 0`.
pub fn one_to_many(x0: &Tensor, steps: usize, w: &CellWeights, head: &Head) -> Result<Tensor, RnnError> {
    todo!()
}

/// Additive (Bahdanau) attention's weights.
#[derive(Debug, Clone)]
pub struct Attention {
    /// `(A, Hq)`: projects the query.
    pub w_q: Tensor,
    /// `(A, Hk)`: projects each key.
    pub w_k: Tensor,
    /// `(A,)`: scores the combination.
    pub v: Tensor,
}

/// Additive attention (Bahdanau et al., 2015): a decoder state `query` `(B, Hq)` looks at every
/// encoder state `keys` `(B, T, Hk)` and takes a weighted average of them.
///
/// - score `e_t = vᵀ · tanh(W_q·q + W_k·k_t)` for each position `t`;
/// - positions where `mask` `(B, T)` is 0 (padding of shorter sequences) score `−∞`;
/// - weights `α = softmax_t(e)` (subtract each row's maximum before `exp`);
/// - context `= Σ_t α_t · k_t` `(B, Hk)`.
///
/// Returns `(context, α)`. Before attention, a sequence-to-sequence decoder saw the whole input
/// only through the encoder's last state, a bottleneck for long inputs; attention lets every
/// output step look back at the input step it needs.
///
/// # Errors
/// [`RnnError::ShapeMismatch`] for shapes that do not fit; [`RnnError::EmptySequence`] when a
/// row of the mask has no 1 (nothing to attend to: softmax over nothing is undefined).
pub fn additive_attention(
    query: &Tensor,
    keys: &Tensor,
    mask: &Tensor,
    att: &Attention,
) -> Result<(Tensor, Tensor), RnnError> {
    todo!()
}
