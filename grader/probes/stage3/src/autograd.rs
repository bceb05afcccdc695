//! Glue for `stage3::autograd`, and candle's own autograd as the baseline for the MLP exercises.
//!
//! Graph exercises send a *program*: a list of instructions, one node each, in tape order.
//! An instruction is `[op, name, args]`: `["leaf", name, value]` or `[op, name, Ints(inputs)]`
//! where the inputs are indices of earlier instructions (so instruction `i` is node `i`). The
//! names are for the grader's messages; the glue ignores them. The glue replays the program on
//! a fresh graph with the student's operations ([`Program::build`]), then reads what the
//! exercise asks for: the values of some nodes (`ops_forward`), the contributions
//! `local_backward` returns for a node, as `(node, gradient)` pairs (`local_*`), or the
//! gradients of some nodes after `backward`, `Unit` for none (`backward`, `accumulate`).
//!
//! MLP inputs are `[layers, x, y, ...]` with `layers = [[W, b, activation], ...]` and the
//! activations as text (`identity`, `tanh`, `relu`, `sigmoid`); gradients come back as
//! `[loss, [[dW, db], ...]]`, training as `[losses, predictions]`. Training inputs end with
//! the check's thresholds (`max final loss, min accuracy`), which the glue does not use.

use crate::convert::{value, Stage3};
use candle_core::{Tensor, Var};
use candle_nn::Optimizer;
use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage3::autograd::{self, Grads, Graph, NodeId, Training};
use stage3::forward::{Activation, Layer};

probe_runtime::glue! { Stage3;
    "stage3.autograd.ops_forward" => |program: Program, nodes: Vec<usize>| program.build().map(|g| values(&g, &nodes));
    "stage3.autograd.local_elementwise" => |program: Program, node: usize, upstream: Tensor| {
        program.build().and_then(|g| g.local_backward(NodeId(node), &upstream))
    };
    "stage3.autograd.local_shapes" => |program: Program, node: usize, upstream: Tensor| {
        program.build().and_then(|g| g.local_backward(NodeId(node), &upstream))
    };
    "stage3.autograd.backward" => |program: Program, loss: usize, nodes: Vec<usize>| {
        program.build().and_then(|g| g.backward(NodeId(loss))).map(|grads| gradients(&grads, &nodes))
    };
    "stage3.autograd.accumulate" => |program: Program, loss: usize, nodes: Vec<usize>| {
        program.build().and_then(|g| g.backward(NodeId(loss))).map(|grads| gradients(&grads, &nodes))
    };
    "stage3.autograd.mlp_gradients" => |layers: Vec<Layer>, x: Tensor, y: Tensor| autograd::mlp_gradients(&layers, &x, &y);
    "stage3.autograd.train" => |layers: Vec<Layer>, x: Tensor, y: Tensor, lr: f64, steps: usize, _max_loss: &Value, _min_accuracy: &Value| {
        autograd::train(&layers, &x, &y, lr, steps)
    };

    // Baselines: candle's autograd (`Var`, `backward`, `candle_nn::SGD`) on the same inputs.
    "stage3.autograd.mlp_gradients.candle" => |layers: Vec<Layer>, x: Tensor, y: Tensor| candle_gradients(&layers, &x, &y);
    "stage3.autograd.train.candle" => |layers: Vec<Layer>, x: Tensor, y: Tensor, lr: f64, steps: usize, _max_loss: &Value, _min_accuracy: &Value| {
        candle_train(&layers, &x, &y, lr, steps)
    };
}

/// A program's instructions, decoded; [`Program::build`] replays them.
struct Program(Vec<Instruction>);

enum Instruction {
    Leaf(Tensor),
    Op(String, Vec<NodeId>),
}

impl Arg<'_, Stage3> for Program {
    fn arg(v: &Value) -> Program {
        Program(
            v.list()
                .iter()
                .map(|instr| match instr.at(0).text() {
                    "leaf" => Instruction::Leaf(<Tensor as Arg<Stage3>>::arg(instr.at(2))),
                    op => Instruction::Op(
                        op.to_string(),
                        instr.at(2).ints().iter().map(|&i| NodeId(i as usize)).collect(),
                    ),
                })
                .collect(),
        )
    }
}

impl Program {
    /// Replays the program on a fresh graph with the student's operations.
    fn build(&self) -> candle_core::Result<Graph> {
        let mut g = Graph::new();
        for instr in &self.0 {
            let (op, args) = match instr {
                Instruction::Leaf(t) => {
                    g.leaf(t.clone());
                    continue;
                }
                Instruction::Op(op, args) => (op.as_str(), args.as_slice()),
            };
            match (op, args) {
                ("add", &[a, b]) => g.add(a, b)?,
                ("mul", &[a, b]) => g.mul(a, b)?,
                ("matmul", &[a, b]) => g.matmul(a, b)?,
                ("transpose", &[a]) => g.transpose(a)?,
                ("add_bias", &[a, b]) => g.add_bias(a, b)?,
                ("tanh", &[a]) => g.tanh(a)?,
                ("relu", &[a]) => g.relu(a)?,
                ("sigmoid", &[a]) => g.sigmoid(a)?,
                ("sum", &[a]) => g.sum(a)?,
                ("mean", &[a]) => g.mean(a)?,
                ("mse", &[a, b]) => g.mse(a, b)?,
                _ => panic!("glue: unknown instruction {op} {args:?}"),
            };
        }
        Ok(g)
    }
}

/// The values of `nodes`.
fn values(g: &Graph, nodes: &[usize]) -> Vec<Value> {
    nodes.iter().map(|&i| value(g.value(NodeId(i)))).collect()
}

/// The gradients of `nodes`, `Unit` for a node without one.
fn gradients(grads: &Grads, nodes: &[usize]) -> Vec<Value> {
    nodes.iter().map(|&i| grads.get(NodeId(i)).map_or(Value::Unit, value)).collect()
}

/// A node by its index.
impl Ret<Stage3> for NodeId {
    fn ret(self) -> Value {
        Value::Int(self.0 as i64)
    }
}

/// `[losses, predictions]`.
impl Ret<Stage3> for Training {
    fn ret(self) -> Value {
        Value::List(vec![Value::Floats(self.losses), value(&self.predictions)])
    }
}

/// A network's parameters as candle `Var`s, with each layer's activation.
fn candle_params(layers: &[Layer]) -> candle_core::Result<Vec<(Var, Var, Activation)>> {
    layers.iter().map(|l| Ok((Var::from_tensor(&l.weight)?, Var::from_tensor(&l.bias)?, l.activation))).collect()
}

/// The same network on candle's own tensors: `(output, mse loss)`.
fn candle_forward(params: &[(Var, Var, Activation)], x: &Tensor, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
    let mut h = x.clone();
    for (w, b, f) in params {
        let z = h.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())?;
        h = match f {
            Activation::Identity => z,
            Activation::Tanh => z.tanh()?,
            Activation::Relu => z.relu()?,
            Activation::Sigmoid => candle_nn::ops::sigmoid(&z)?,
        };
    }
    let loss = h.sub(y)?.sqr()?.mean_all()?;
    Ok((h, loss))
}

/// `[loss, [[dW, db], ...]]` from candle's `loss.backward()`.
fn candle_gradients(layers: &[Layer], x: &Tensor, y: &Tensor) -> candle_core::Result<(f64, Vec<(Tensor, Tensor)>)> {
    let params = candle_params(layers)?;
    let (_, loss) = candle_forward(&params, x, y)?;
    let grads = loss.backward()?;
    let mut out = Vec::new();
    for (w, b, _) in &params {
        // candle leaves out a parameter the loss does not depend on; ours always do.
        let get = |p: &Var| grads.get(p.as_tensor()).cloned().map_or_else(|| p.as_tensor().zeros_like(), Ok);
        out.push((get(w)?, get(b)?));
    }
    Ok((loss.to_scalar::<f64>()?, out))
}

/// `[losses, predictions]` from `candle_nn::SGD` driven by candle's autograd.
fn candle_train(
    layers: &[Layer],
    x: &Tensor,
    y: &Tensor,
    lr: f64,
    steps: usize,
) -> candle_core::Result<(Vec<f64>, Tensor)> {
    let params = candle_params(layers)?;
    let vars: Vec<Var> = params.iter().flat_map(|(w, b, _)| [w.clone(), b.clone()]).collect();
    let mut sgd = candle_nn::SGD::new(vars, lr)?;
    let mut losses = Vec::new();
    for _ in 0..steps {
        let (_, loss) = candle_forward(&params, x, y)?;
        losses.push(loss.to_scalar::<f64>()?);
        sgd.backward_step(&loss)?;
    }
    let (pred, _) = candle_forward(&params, x, y)?;
    Ok((losses, pred))
}
