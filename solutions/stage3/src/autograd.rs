//! A small automatic differentiation engine of your own (reverse mode on a tape), and an MLP
//! trained with it.
//!
//! Study-plan topics: `s3.backprop.chain_rule`, `s3.backprop.gradients`, `s3.perceptron.mlp`.
//! Run `grader check stage3.autograd` to grade this file.
//!
//! # Reverse-mode automatic differentiation
//!
//! A computation such as `loss = mse(tanh(x · Wᵀ + b), y)` is a graph: every intermediate result
//! is a *node*, computed by an *operation* from the nodes it reads (its *inputs*). Here the graph
//! is a tape: a [`Graph`] owns a `Vec<Node>`, and a node is referred to by its index, a
//! [`NodeId`]. Every operation method (`add`, `matmul`, `tanh`...) computes its value at once
//! (the *forward* pass happens while the graph is built, as in PyTorch or candle) and appends a
//! node that remembers which operation made it and from which inputs. So every node's inputs are
//! further up the tape than the node itself.
//!
//! [`Graph::backward`] then computes `∂loss/∂v` for every node `v` the loss depends on, by the
//! chain rule, walking the tape from the loss back to the leaves:
//!
//! - the gradient of the loss with respect to itself is 1 (a tensor of ones of its shape);
//! - a node `v = f(a, b)` whose gradient `ḡ = ∂loss/∂v` is known passes to each input the
//!   vector-Jacobian product `ḡ · ∂v/∂a` (and `ḡ · ∂v/∂b`): [`Graph::local_backward`] does that
//!   for one node, using only `ḡ`, the values of the inputs and the value of `v`;
//! - a node read by several others (`x * x`, a weight used twice, an activation feeding two
//!   branches) influences the loss along every path, so its gradient is the **sum** of what
//!   every reader passes to it (the multivariable chain rule). Forgetting to accumulate, i.e.
//!   overwriting, is the classic autograd bug;
//! - a node's gradient is complete only once every node that reads it has passed its share:
//!   process nodes in *reverse topological order*. On a tape that is simply from the highest
//!   index down, because readers always come after what they read.
//!
//! One backward pass costs about as much as the forward pass, whatever the number of
//! parameters: that is why neural networks are trained with reverse mode.
//!
//! # Shapes
//!
//! Values are [`candle_core::Tensor`]s of any dtype (the grader uses `F64` on the CPU). The
//! gradient of a node always has the shape of the node's value. Matrices follow the stage's
//! conventions: a batch is `(batch, features)`, a dense weight `(out, in)`, a bias `(out,)`, and a
//! dense layer is `add_bias(matmul(x, transpose(w)), b)`, i.e. `y = x · Wᵀ + b`.

use crate::forward::{Activation, Layer};
use candle_core::{DType, Result, Tensor};

/// Where a node sits on the tape: its index in [`Graph`]'s list of nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub usize);

/// The operation that produced a node, with the nodes it read.
///
/// Local derivatives, for a node `v` whose incoming gradient is `ḡ = ∂loss/∂v` (same shape as
/// `v`); `⊙` is the elementwise product:
///
/// | op | forward `v` | gradient passed to each input |
/// |---|---|---|
/// | `Leaf` | given | none (a leaf has no inputs) |
/// | `Add(a, b)` | `a + b` (same shapes) | `a: ḡ`, `b: ḡ` |
/// | `Mul(a, b)` | `a ⊙ b` (same shapes) | `a: ḡ ⊙ b`, `b: ḡ ⊙ a` |
/// | `MatMul(a, b)` | `a · b`, `(n,k)·(k,m) → (n,m)` | `a: ḡ · bᵀ` `(n,k)`, `b: aᵀ · ḡ` `(k,m)` |
/// | `Transpose(a)` | `aᵀ` (2-D) | `a: ḡᵀ` |
/// | `AddBias(x, b)` | `x + b` on every row, `x: (n,m)`, `b: (m,)` | `x: ḡ`, `b: Σ_rows ḡ` `(m,)` |
/// | `Tanh(a)` | `tanh a` | `a: ḡ ⊙ (1 - v²)` |
/// | `Relu(a)` | `max(a, 0)` | `a: ḡ ⊙ [a > 0]` (the derivative at exactly 0 is taken as 0) |
/// | `Sigmoid(a)` | `σ(a) = 1 / (1 + e^(-a))` | `a: ḡ ⊙ v ⊙ (1 - v)` |
/// | `Sum(a)` | `Σ_i a_i`, a 0-D scalar | `a: ḡ` copied to every element (shape of `a`) |
/// | `Mean(a)` | `Σ_i a_i / N`, a 0-D scalar | `a: ḡ / N` in every element |
/// | `Mse(p, t)` | `Σ_i (p_i - t_i)² / N`, 0-D (same shapes) | `p: ḡ · 2 (p - t) / N`, `t: -ḡ · 2 (p - t) / N` |
///
/// `N` is the number of elements of the input, over all dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Leaf,
    Add(NodeId, NodeId),
    Mul(NodeId, NodeId),
    MatMul(NodeId, NodeId),
    Transpose(NodeId),
    AddBias(NodeId, NodeId),
    Tanh(NodeId),
    Relu(NodeId),
    Sigmoid(NodeId),
    Sum(NodeId),
    Mean(NodeId),
    Mse(NodeId, NodeId),
}

/// One entry of the tape: how it was made and the value the forward pass computed.
#[derive(Debug, Clone)]
pub struct Node {
    pub op: Op,
    pub value: Tensor,
}

/// A computation graph recorded as a tape (given: the data structure and its plumbing; the
/// operations and the backward pass are yours).
///
/// Build it with [`Graph::leaf`] for inputs and parameters, then the operation methods; every
/// call returns the new node's [`NodeId`]. Read values back with [`Graph::value`].
///
/// ```no_run
/// use stage3::autograd::Graph;
/// use stage3::candle_core::{Device, Tensor};
///
/// # fn main() -> stage3::candle_core::Result<()> {
/// let mut g = Graph::new();
/// let x = g.leaf(Tensor::new(&[1.0f64, -2.0, 3.0], &Device::Cpu)?);
/// let sq = g.mul(x, x)?; // x used twice
/// let loss = g.sum(sq)?;
/// let grads = g.backward(loss)?;
/// // d(Σ x²)/dx = 2x
/// assert_eq!(grads.get(x).unwrap().to_vec1::<f64>()?, vec![2.0, -4.0, 6.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
}

/// The result of [`Graph::backward`]: one optional gradient per node of the graph, indexed by
/// [`NodeId`]. A node the loss does not depend on (an unused leaf, a node built after the loss)
/// has no gradient (`None`), as in candle's `GradStore`.
#[derive(Debug, Clone, Default)]
pub struct Grads {
    pub grads: Vec<Option<Tensor>>,
}

impl Grads {
    /// `∂loss/∂node`, if the loss depends on `node`.
    pub fn get(&self, node: NodeId) -> Option<&Tensor> {
        self.grads.get(node.0).and_then(Option::as_ref)
    }
}

impl Graph {
    /// An empty tape.
    pub fn new() -> Graph {
        Graph { nodes: Vec::new() }
    }

    /// Appends a leaf: an input, a target or a parameter. Leaves have no inputs; their gradient
    /// is what you read after `backward` to update parameters.
    pub fn leaf(&mut self, value: Tensor) -> NodeId {
        self.push(Op::Leaf, value)
    }

    /// The value the forward pass computed for `node`.
    pub fn value(&self, node: NodeId) -> &Tensor {
        &self.nodes[node.0].value
    }

    /// The whole entry of `node` (its op and value).
    pub fn node(&self, node: NodeId) -> &Node {
        &self.nodes[node.0]
    }

    /// How many nodes the tape holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Appends a node computed by `op` and returns its id: the last step of every operation.
    fn push(&mut self, op: Op, value: Tensor) -> NodeId {
        self.nodes.push(Node { op, value });
        NodeId(self.nodes.len() - 1)
    }

    /// `a + b`, elementwise; the shapes must be equal.
    ///
    /// Every operation has the same three steps: read the inputs' values ([`Graph::value`]),
    /// compute the result with candle (here `Tensor::add`; `?` passes candle's shape error on),
    /// and record it with `self.push(Op::Add(a, b), value)`, whose id you return.
    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let v = self.value(a).add(self.value(b))?;
        Ok(self.push(Op::Add(a, b), v))
    }

    /// `a ⊙ b`, elementwise; the shapes must be equal.
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let v = self.value(a).mul(self.value(b))?;
        Ok(self.push(Op::Mul(a, b), v))
    }

    /// The matrix product `a · b` of a `(n, k)` and a `(k, m)` matrix, `(n, m)`.
    pub fn matmul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let v = self.value(a).matmul(self.value(b))?;
        Ok(self.push(Op::MatMul(a, b), v))
    }

    /// The transpose `aᵀ` of a 2-D `a`.
    ///
    /// candle's `t()` returns a strided *view*; `.contiguous()` copies it into row-major order,
    /// which later products prefer.
    pub fn transpose(&mut self, a: NodeId) -> Result<NodeId> {
        // `t()` is a strided view; copying it keeps later products on the fast path.
        let v = self.value(a).t()?.contiguous()?;
        Ok(self.push(Op::Transpose(a), v))
    }

    /// `x + b` with the bias `b: (m,)` added to every row of `x: (n, m)` (candle's
    /// `broadcast_add` lines the shapes up from the right).
    pub fn add_bias(&mut self, x: NodeId, b: NodeId) -> Result<NodeId> {
        let v = self.value(x).broadcast_add(self.value(b))?;
        Ok(self.push(Op::AddBias(x, b), v))
    }

    /// `tanh a`, elementwise.
    pub fn tanh(&mut self, a: NodeId) -> Result<NodeId> {
        let v = self.value(a).tanh()?;
        Ok(self.push(Op::Tanh(a), v))
    }

    /// `max(a, 0)`, elementwise.
    pub fn relu(&mut self, a: NodeId) -> Result<NodeId> {
        let v = self.value(a).relu()?;
        Ok(self.push(Op::Relu(a), v))
    }

    /// `σ(a) = 1 / (1 + e^(-a))`, elementwise. Write it from `neg`, `exp`, `+ 1.0` and `recip`
    /// (or candle-nn's `ops::sigmoid`): the formula is the point, not the speed.
    pub fn sigmoid(&mut self, a: NodeId) -> Result<NodeId> {
        let v = (self.value(a).neg()?.exp()? + 1.0)?.recip()?;
        Ok(self.push(Op::Sigmoid(a), v))
    }

    /// The sum of all elements of `a`, a 0-D tensor (`sum_all`).
    pub fn sum(&mut self, a: NodeId) -> Result<NodeId> {
        let v = self.value(a).sum_all()?;
        Ok(self.push(Op::Sum(a), v))
    }

    /// The mean of all elements of `a`, a 0-D tensor (`mean_all`).
    pub fn mean(&mut self, a: NodeId) -> Result<NodeId> {
        let v = self.value(a).mean_all()?;
        Ok(self.push(Op::Mean(a), v))
    }

    /// The mean squared error `Σ_i (p_i - t_i)² / N` of predictions `p` against targets `t` of
    /// the same shape, a 0-D tensor. One node, not a small graph of `sub`, `mul` and `mean`:
    /// losses get their own node in real frameworks too, with a simple local derivative.
    pub fn mse(&mut self, p: NodeId, t: NodeId) -> Result<NodeId> {
        let v = self.value(p).sub(self.value(t))?.sqr()?.mean_all()?;
        Ok(self.push(Op::Mse(p, t), v))
    }

    /// One node's share of the chain rule: given `grad_out = ∂loss/∂node` (the shape of the
    /// node's value), the gradient contributions `(input, ḡ · ∂node/∂input)` for each of the
    /// node's inputs, in the order of the op's fields (see the table on [`Op`]). A leaf returns
    /// an empty list; `Mul(a, a)` returns two entries for `a`: adding them up is `backward`'s job.
    ///
    /// `match` on `self.node(node).op`; each arm is a line or two of candle. Check every arm's
    /// shapes: each contribution must have the shape of the *input* it goes to. That rule tells
    /// you on which side to multiply for `MatMul`, and that the bias of `AddBias` needs its
    /// gradient summed over the rows (`sum(0)`). `Sum`, `Mean` and `Mse` receive a 0-D `ḡ`:
    /// `broadcast_as(shape)` spreads it over a shape, `broadcast_mul` multiplies by it.
    /// Derivatives of `tanh` and `σ` are cheapest in terms of the node's own value `v`, which is
    /// already stored; `Relu` needs the input's sign (`gt(0.0)` gives a 0/1 mask of dtype `u8`:
    /// convert it with `to_dtype` before multiplying).
    pub fn local_backward(&self, node: NodeId, grad_out: &Tensor) -> Result<Vec<(NodeId, Tensor)>> {
        let g = grad_out;
        let v = self.value(node);
        Ok(match self.node(node).op {
            Op::Leaf => vec![],
            Op::Add(a, b) => vec![(a, g.clone()), (b, g.clone())],
            Op::Mul(a, b) => vec![(a, g.mul(self.value(b))?), (b, g.mul(self.value(a))?)],
            Op::MatMul(a, b) => {
                // v = a·b: ∂loss/∂a = ḡ·bᵀ, ∂loss/∂b = aᵀ·ḡ (the shapes tell you which side).
                let da = g.matmul(&self.value(b).t()?)?;
                let db = self.value(a).t()?.matmul(g)?;
                vec![(a, da), (b, db)]
            }
            Op::Transpose(a) => vec![(a, g.t()?.contiguous()?)],
            Op::AddBias(x, b) => {
                // The bias reached every row, so its gradient sums the rows' gradients.
                vec![(x, g.clone()), (b, g.sum(0)?)]
            }
            // Both derivatives are cheapest in terms of the output v, which is already stored.
            Op::Tanh(a) => vec![(a, g.mul(&v.sqr()?.affine(-1.0, 1.0)?)?)],
            Op::Sigmoid(a) => vec![(a, g.mul(&v.mul(&v.affine(-1.0, 1.0)?)?)?)],
            Op::Relu(a) => {
                let mask = self.value(a).gt(0.0)?.to_dtype(v.dtype())?;
                vec![(a, g.mul(&mask)?)]
            }
            Op::Sum(a) => {
                // Every element contributed with weight 1: spread ḡ over the input's shape.
                let x = self.value(a);
                vec![(a, g.broadcast_as(x.shape())?.contiguous()?)]
            }
            Op::Mean(a) => {
                let x = self.value(a);
                let n = x.elem_count() as f64;
                vec![(a, (g.broadcast_as(x.shape())? / n)?)]
            }
            Op::Mse(p, t) => {
                let diff = self.value(p).sub(self.value(t))?;
                let n = diff.elem_count() as f64;
                let dp = diff.affine(2.0 / n, 0.0)?.broadcast_mul(g)?;
                let dt = dp.neg()?;
                vec![(p, dp), (t, dt)]
            }
        })
    }

    /// Reverse-mode differentiation: `∂loss/∂v` for every node `v` that `loss` depends on.
    ///
    /// The gradient of `loss` with respect to itself is a tensor of ones of its shape (just `1`
    /// for a scalar loss; for a non-scalar node this gives the gradient of the sum of its
    /// elements, as candle does). Then, from `loss` down to the first node, every node that has a
    /// gradient passes its contributions to its inputs ([`Graph::local_backward`]), which are
    /// **added** to whatever the input already received. Nodes the loss does not depend on, and
    /// nodes after `loss` on the tape, get `None`.
    ///
    /// Keep one `Option<Tensor>` per node (`vec![None; self.len()]`). Two things to get right:
    /// the order (a node may pass its gradient on only after *all* its readers have passed
    /// theirs to it — which order of the indices guarantees that?) and accumulation (a second
    /// contribution to the same node is added, never written over the first).
    pub fn backward(&self, loss: NodeId) -> Result<Grads> {
        let mut grads: Vec<Option<Tensor>> = vec![None; self.nodes.len()];
        grads[loss.0] = Some(self.value(loss).ones_like()?);
        // Readers come after what they read, so walking down from `loss` finishes every node's
        // gradient (all its readers are done) before the node passes it on.
        for i in (0..=loss.0).rev() {
            let Some(g) = grads[i].take() else { continue };
            for (input, contribution) in self.local_backward(NodeId(i), &g)? {
                grads[input.0] = Some(match grads[input.0].take() {
                    Some(sum) => sum.add(&contribution)?,
                    None => contribution,
                });
            }
            grads[i] = Some(g);
        }
        Ok(Grads { grads })
    }
}

// ---------------------------------------------------------------------------------------------
// A multilayer perceptron on your graph
//
// The network is a list of [`Layer`]s from the `forward` module (weight `(out, in)`, bias
// `(out,)`, an [`Activation`]): layer `l` computes `h_{l+1} = f_l(h_l · W_lᵀ + b_l)`, `h_0 = x`.

/// The outcome of [`train`].
#[derive(Debug, Clone)]
pub struct Training {
    /// The network after the last step (same activations, updated weights and biases).
    pub layers: Vec<Layer>,
    /// `losses[t]`: the loss with the parameters *before* update `t` (so `losses[0]` is the
    /// loss of the initial network); one entry per step.
    pub losses: Vec<f64>,
    /// The trained network's outputs on `x`, `(batch, out)`.
    pub predictions: Tensor,
}

/// The nodes of one forward pass: the output, the loss, and each layer's `(weight, bias)` leaves.
struct Forward {
    output: NodeId,
    loss: NodeId,
    params: Vec<(NodeId, NodeId)>,
}

fn activate(g: &mut Graph, z: NodeId, f: Activation) -> Result<NodeId> {
    match f {
        Activation::Identity => Ok(z),
        Activation::Tanh => g.tanh(z),
        Activation::Relu => g.relu(z),
        Activation::Sigmoid => g.sigmoid(z),
    }
}

/// Records `loss = mse(network(x), y)` on a fresh graph, with every weight and bias a leaf.
fn record(layers: &[Layer], x: &Tensor, y: &Tensor) -> Result<(Graph, Forward)> {
    let mut g = Graph::new();
    let mut h = g.leaf(x.clone());
    let target = g.leaf(y.clone());
    let mut params = Vec::with_capacity(layers.len());
    for layer in layers {
        let w = g.leaf(layer.weight.clone());
        let b = g.leaf(layer.bias.clone());
        params.push((w, b));
        let wt = g.transpose(w)?;
        let xw = g.matmul(h, wt)?;
        let z = g.add_bias(xw, b)?;
        h = activate(&mut g, z, layer.activation)?;
    }
    let loss = g.mse(h, target)?;
    Ok((g, Forward { output: h, loss, params }))
}

/// A 0-D tensor of any float dtype as an `f64`.
fn scalar(t: &Tensor) -> Result<f64> {
    t.to_dtype(DType::F64)?.to_scalar::<f64>()
}

/// The mean squared error of the network `layers` on `(x, y)` and its gradient with respect to
/// every weight and bias, computed with your [`Graph`]: `(loss, gradients)` where
/// `gradients[l] = (∂loss/∂W_l, ∂loss/∂b_l)`, shaped like layer `l`'s weight and bias.
///
/// `x` is `(batch, in)`, `y` is `(batch, out)`; shapes that do not fit are candle's shape error.
///
/// Record the forward pass on a new graph: `x`, `y` and every weight and bias are leaves (keep
/// the parameters' ids); each layer is `add_bias(matmul(h, transpose(w)), b)` followed by its
/// activation (`Identity` adds no node); the loss is `mse(output, y)`. Then one `backward`, and
/// read the parameters' gradients. [`train`] needs the same forward pass: write it once, as a
/// private helper. A 0-D loss becomes a number with `to_dtype(DType::F64)?.to_scalar::<f64>()`.
pub fn mlp_gradients(layers: &[Layer], x: &Tensor, y: &Tensor) -> Result<(f64, Vec<(Tensor, Tensor)>)> {
    let (g, f) = record(layers, x, y)?;
    let grads = g.backward(f.loss)?;
    let gradients = f
        .params
        .iter()
        .map(|&(w, b)| {
            // Every parameter feeds the loss, so it has a gradient.
            let dw = grads.get(w).expect("the loss depends on every weight").clone();
            let db = grads.get(b).expect("the loss depends on every bias").clone();
            (dw, db)
        })
        .collect();
    Ok((scalar(g.value(f.loss))?, gradients))
}

/// Trains the network `layers` on `(x, y)` by full-batch gradient descent on the mean squared
/// error, for `steps` steps with learning rate `lr`: each step records the loss of the current
/// network, computes the gradients with your graph and updates every parameter
/// `p ← p - lr · ∂loss/∂p`.
///
/// Each step builds a *fresh* graph from the current parameters (define-by-run, as in PyTorch):
/// a graph records one forward pass. The loss of a step is read *before* its update; after the
/// last step, one more forward pass gives `predictions`. With `steps == 0` the network is
/// returned unchanged, with no losses. Nothing here is random: the same inputs must give the
/// same losses, step for step, as the reference.
pub fn train(layers: &[Layer], x: &Tensor, y: &Tensor, lr: f64, steps: usize) -> Result<Training> {
    let mut layers = layers.to_vec();
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        // A fresh tape every step: the graph records one forward pass (define-by-run).
        let (g, f) = record(&layers, x, y)?;
        losses.push(scalar(g.value(f.loss))?);
        let grads = g.backward(f.loss)?;
        for (layer, &(w, b)) in layers.iter_mut().zip(&f.params) {
            let dw = grads.get(w).expect("the loss depends on every weight");
            let db = grads.get(b).expect("the loss depends on every bias");
            layer.weight = layer.weight.sub(&dw.affine(lr, 0.0)?)?;
            layer.bias = layer.bias.sub(&db.affine(lr, 0.0)?)?;
        }
    }
    let (g, f) = record(&layers, x, y)?;
    let predictions = g.value(f.output).clone();
    Ok(Training { layers, losses, predictions })
}
