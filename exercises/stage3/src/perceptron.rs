//! The perceptron, its limits, and the multilayer perceptron seen as layers and as a graph.
//!
//! A perceptron is one neuron with a hard threshold: it answers 1 when `w·x + b > 0` and 0
//! otherwise. Rosenblatt's learning rule moves the weights towards every sample it gets wrong;
//! when the two classes can be separated by a hyperplane it is guaranteed to stop making
//! mistakes (Novikoff, 1962), and when they cannot (XOR) it never does. Stacking neurons in
//! layers (an MLP) removes that limit: two layers of threshold units already compute XOR.
//!
//! A network is also a graph: nodes (inputs and neurons, each neuron with a bias and an
//! activation) and weighted edges. A layered MLP is the special case where every node of one
//! layer feeds every node of the next.
//!
//! candle in brief: `a.matmul(&b)` multiplies 2-D tensors, `w.t()` transposes, `broadcast_add`
//! / `broadcast_mul` stretch a `(k,)` tensor over the rows of an `(n, k)` one, `t.sum(1)` sums
//! along dimension 1, `t.affine(mul, add)` computes `t * mul + add` with plain numbers,
//! `t.gt(0.0)` gives a `U8` mask (1 where `t > 0`) that `to_dtype(t.dtype())` turns back into
//! numbers, `x.get(i)` is row `i`, `x.dims2()` is `(rows, cols)`. To read one number back,
//! `t.to_dtype(DType::F64)?.to_scalar::<f64>()?` (a 0-D tensor, e.g. after `sum_all`).

use candle_core::{Device, Tensor};

/// Why a function refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum PerceptronError {
    /// No samples (zero rows), or fewer than two layer sizes in an architecture.
    Empty,
    /// Shapes that do not fit together: labels vs rows, a layer's weight vs the width of its
    /// input, a bias vs its weight, the columns of `x` vs a graph's inputs, `x` not 2-D.
    ShapeMismatch,
    /// A class label other than 0 or 1.
    InvalidLabel,
    /// A parameter out of range: learning rate not positive and finite, zero epochs, a layer of
    /// width zero.
    InvalidParameter,
    /// An edge whose end is not a node of the graph, or that points into an input node.
    InvalidEdge,
    /// An edge that does not go from a lower to a higher node index: the nodes are not in
    /// topological order (a self-loop, an edge backwards, a cycle).
    NotTopological,
    /// A tensor operation failed (the message of candle's error). `?` on a candle result
    /// converts into this variant; the grader never expects it.
    Candle(String),
}

impl From<candle_core::Error> for PerceptronError {
    fn from(e: candle_core::Error) -> Self {
        PerceptronError::Candle(e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// The perceptron

/// A single threshold neuron: `ŷ = 1` if `x · weights + bias > 0`, else `0`.
#[derive(Debug, Clone)]
pub struct Perceptron {
    /// Shape `(features,)`.
    pub weights: Tensor,
    pub bias: f64,
}

impl Perceptron {
    /// Predictions for a batch `x` of shape `(n, features)`: a tensor of shape `(n,)` holding
    /// `0.0` or `1.0`, in `x`'s dtype and on its device.
    ///
    /// `ŷ_i = step(x_i · w + b)` with `step(z) = 1` if `z > 0` and `0` if `z <= 0`: a point
    /// exactly on the decision boundary (`z = 0`) is class 0, so a perceptron whose weights and
    /// bias are all zero predicts 0 everywhere.
    ///
    /// Compute all `n` weighted sums at once (no loop over rows). An empty batch `(0, features)`
    /// gives an empty `(0,)` tensor. The grader only sends `x` with `features` columns.
    pub fn predict(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        todo!()
    }
}

/// The outcome of [`train`].
#[derive(Debug, Clone)]
pub struct Training {
    pub perceptron: Perceptron,
    /// How many samples were misclassified (and so caused an update) in each epoch run, one
    /// entry per epoch, in order.
    pub mistakes_per_epoch: Vec<usize>,
    /// Whether the last epoch run made no mistake.
    pub converged: bool,
}

/// Rosenblatt's perceptron learning rule, one sample at a time in the given order.
///
/// `x` is `(n, features)`, `y` holds `n` labels, each 0 or 1. Start from `w = 0` (shape
/// `(features,)`, `x`'s dtype and device) and `b = 0`. One epoch visits the samples
/// `i = 0, 1, ..., n-1` in exactly this order (no shuffling: the order is part of the input, and
/// the same order gives the same weights as the reference). For each sample:
///
/// 1. predict with the *current* parameters: `ŷ = step(x_i · w + b)`, the same step as
///    [`Perceptron::predict`] (`z = 0` gives 0);
/// 2. if `ŷ == y_i` nothing changes; otherwise, with `error = y_i - ŷ` (`+1` or `-1`),
///    `w ← w + lr · error · x_i` and `b ← b + lr · error`, and the sample counts as a mistake.
///
/// After each epoch, append its number of mistakes to `mistakes_per_epoch`. Stop after the
/// first epoch without a mistake (`converged = true`: every sample is now classified right),
/// or after `max_epochs` epochs (`converged` is then whether that last epoch had no mistake).
///
/// The perceptron convergence theorem says that when some hyperplane separates the two
/// classes with a margin, the rule makes only finitely many mistakes and stops: AND and OR
/// converge in a few epochs. XOR has no separating line (`(0,1)` and `(1,0)` on one side,
/// `(0,0)` and `(1,1)` on the other is impossible), so the rule keeps making mistakes for as
/// many epochs as it is given and `converged` stays `false`.
///
/// Errors, checked in this order: `x` not 2-D → `ShapeMismatch`; zero rows → `Empty`;
/// `y.len() != n` → `ShapeMismatch`; a label other than 0 or 1 → `InvalidLabel`; `lr` not a
/// positive finite number, or `max_epochs == 0` → `InvalidParameter`.
pub fn train(x: &Tensor, y: &[u32], lr: f64, max_epochs: usize) -> Result<Training, PerceptronError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// Multilayer perceptron

/// The nonlinearity applied after a layer's (or a node's) weighted sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `f(z) = z`.
    Identity,
    /// The perceptron's threshold: `1` if `z > 0`, else `0` (also at exactly 0).
    Step,
    /// `max(z, 0)`.
    Relu,
    /// `1 / (1 + e^(-z))`.
    Sigmoid,
    /// `tanh(z)`.
    Tanh,
}

impl Activation {
    /// The activation applied elementwise to `z`: same shape, same dtype. candle has `relu`,
    /// `tanh`, and `candle_nn::ops::sigmoid`; the next module, `activations`, has you write
    /// them yourself.
    pub fn apply(&self, z: &Tensor) -> candle_core::Result<Tensor> {
        todo!()
    }
}

/// One dense layer: `a = activation(x · weightᵀ + bias)`, as in `candle_nn::Linear` followed by
/// an activation.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Shape `(out, in)`: row `j` holds the weights of the edges into output unit `j`.
    pub weight: Tensor,
    /// Shape `(out,)`.
    pub bias: Tensor,
    pub activation: Activation,
}

/// The forward pass of an MLP for a batch `x` of shape `(n, in)`.
///
/// `a_0 = x`; for each layer `l` in order, `z_l = a_{l-1} · W_lᵀ + b_l` (shape `(n, out_l)`,
/// the bias added to every row) and `a_l = f_l(z_l)`. Return the last `a` (shape
/// `(n, out_last)`). With no layers at all the network is the identity: return `x`.
///
/// Check every shape before computing anything: `x` must be 2-D, each weight 2-D with as many
/// columns as the previous activation has (the first layer: as many as `x` has), and each bias
/// of shape `(out,)` for its weight's `out` rows; anything else is `ShapeMismatch`. An empty
/// batch `(0, in)` is fine and gives `(0, out_last)`.
pub fn mlp_forward(x: &Tensor, layers: &[Layer]) -> Result<Tensor, PerceptronError> {
    todo!()
}

/// A 2-2-1 network that computes XOR, weights chosen by you.
///
/// Return two layers, `F64` tensors on `device`: a hidden layer with weight `(2, 2)` and bias
/// `(2,)`, then an output layer with weight `(1, 2)` and bias `(1,)`; pick the activations
/// too. The grader runs your network (with its own forward pass) on `(0,0), (0,1), (1,0),
/// (1,1)` and wants `0, 1, 1, 0` within 0.1.
///
/// A single perceptron draws one line and XOR needs two. Each hidden unit is a perceptron
/// that can compute a simpler function of `x1, x2` (which ones do you know how to build?);
/// the output unit then combines the two answers. Sketch the four points first.
pub fn xor_network(device: &Device) -> candle_core::Result<Vec<Layer>> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// The network as a graph

/// A computed node: its bias and activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neuron {
    pub bias: f64,
    pub activation: Activation,
}

/// A weighted edge `from → to` between node indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub weight: f64,
}

/// A feed-forward network as a graph. Nodes `0..n_inputs` are the inputs; node
/// `n_inputs + k` is `neurons[k]`. Nodes are numbered in topological order: every edge goes
/// from a lower index to a higher one.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub n_inputs: usize,
    pub neurons: Vec<Neuron>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Every node's value for every sample of `x` (shape `(n, n_inputs)`): a tensor of shape
    /// `(n, n_inputs + neurons.len())` whose column `j` is node `j`.
    ///
    /// Input node `j` takes column `j` of `x`. Neuron node `v` computes
    /// `value_v = f_v(bias_v + Σ_{edges u → v} weight · value_u)`: a neuron with no incoming
    /// edge is `f_v(bias_v)`, and two edges between the same nodes both count (their weights
    /// add up). Because of the topological numbering, computing the nodes in index order
    /// always finds a node's inputs ready. Work on whole columns (`(n,)` tensors, one per
    /// node), then put them side by side with `Tensor::stack(&columns, 1)`.
    ///
    /// Errors, checked before computing anything: first every edge in list order (an end that
    /// is not a node, or `to` being an input node → `InvalidEdge`; otherwise `from >= to` →
    /// `NotTopological`); then `x` not 2-D or its column count not `n_inputs` →
    /// `ShapeMismatch`. An empty batch `(0, n_inputs)` gives `(0, nodes)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, PerceptronError> {
        todo!()
    }
}

/// How many numbers an MLP learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterCount {
    /// One per edge of the fully connected graph.
    pub weights: usize,
    /// One per neuron (every node but the inputs).
    pub biases: usize,
}

/// The parameters of a fully connected MLP with layer widths `layer_sizes`, inputs first:
/// `[784, 128, 10]` is 784 inputs, a hidden layer of 128 units and 10 outputs.
///
/// Between two consecutive layers of widths `a` and `b` every one of the `a` nodes is joined
/// to every one of the `b` nodes (the weight matrix is `(b, a)`), and each of the `b` nodes
/// has a bias.
///
/// Errors: fewer than two sizes (no layer at all) → `Empty`; a width of zero →
/// `InvalidParameter`.
pub fn count_parameters(layer_sizes: &[usize]) -> Result<ParameterCount, PerceptronError> {
    todo!()
}
