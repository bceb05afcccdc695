//! Glue for `stage3::autograd`, and candle's own autograd as the baseline for the MLP exercises.
//!
//! Graph exercises send a *program*: a list of instructions, one node each, in tape order.
//! An instruction is `[op, name, args]`: `["leaf", name, value]` or `[op, name, Ints(inputs)]`
//! where the inputs are indices of earlier instructions (so instruction `i` is node `i`). The
//! names are for the grader's messages; the glue ignores them.
//!
//! MLP inputs are `[layers, x, y, ...]` with `layers = [[W, b, activation], ...]` and the
//! activations as text (`identity`, `tanh`, `relu`, `sigmoid`).

use crate::convert::{err, scalar, tensor1, tensor2, value};
use candle_core::{Tensor, Var};
use candle_nn::Optimizer;
use grader_protocol::Value;
use probe_runtime::Handler;
use stage3::autograd::{self, Graph, NodeId};
use stage3::forward::{Activation, Layer};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        // [program, Ints(nodes)] -> the values of `nodes`.
        "stage3.autograd.ops_forward" => |v: &Value| match build(v.at(0)) {
            Ok(g) => Value::List(v.at(1).ints().iter().map(|&i| value(g.value(NodeId(i as usize)))).collect()),
            Err(e) => err(e),
        },
        // [program, Int(node), upstream] -> the contributions `local_backward` returns, in order.
        "stage3.autograd.local_elementwise" | "stage3.autograd.local_shapes" => |v: &Value| {
            let r = build(v.at(0)).and_then(|g| g.local_backward(NodeId(v.at(1).usize()), &tensor(v.at(2))));
            match r {
                Ok(parts) => Value::List(
                    parts.iter().map(|(n, t)| Value::List(vec![Value::Int(n.0 as i64), value(t)])).collect(),
                ),
                Err(e) => err(e),
            }
        },
        // [program, Int(loss), Ints(nodes)] -> each node's gradient, or Unit for none.
        "stage3.autograd.backward" | "stage3.autograd.accumulate" => |v: &Value| {
            let r = build(v.at(0)).and_then(|g| g.backward(NodeId(v.at(1).usize())));
            match r {
                Ok(grads) => Value::List(
                    v.at(2).ints().iter().map(|&i| grads.get(NodeId(i as usize)).map_or(Value::Unit, value)).collect(),
                ),
                Err(e) => err(e),
            }
        },
        // [layers, x, y] -> [loss, [[dW, db], ...]].
        "stage3.autograd.mlp_gradients" => {
            |v: &Value| match autograd::mlp_gradients(&layers(v.at(0)), &tensor2(v.at(1)), &tensor2(v.at(2))) {
                Ok((loss, grads)) => Value::List(vec![loss.into(), grads_value(&grads)]),
                Err(e) => err(e),
            }
        }
        // [layers, x, y, lr, steps, ...] -> [losses, predictions].
        "stage3.autograd.train" => |v: &Value| {
            let r = autograd::train(
                &layers(v.at(0)),
                &tensor2(v.at(1)),
                &tensor2(v.at(2)),
                v.at(3).float(),
                v.at(4).usize(),
            );
            match r {
                Ok(t) => Value::List(vec![Value::Floats(t.losses), value(&t.predictions)]),
                Err(e) => err(e),
            }
        },

        // Baselines: candle's autograd (`Var`, `backward`, `candle_nn::SGD`) on the same inputs.
        "stage3.autograd.mlp_gradients.candle" => |v: &Value| match candle_gradients(v) {
            Ok(out) => out,
            Err(e) => err(e),
        },
        "stage3.autograd.train.candle" => |v: &Value| match candle_train(v) {
            Ok(out) => out,
            Err(e) => err(e),
        },
        _ => return None,
    })
}

/// A wire value as a tensor of its rank (float → 0-D, vector → 1-D, matrix → 2-D).
fn tensor(v: &Value) -> Tensor {
    match v {
        Value::Float(_) => scalar(v),
        Value::Floats(_) => tensor1(v),
        _ => tensor2(v),
    }
}

/// Replays a program on a fresh graph with the student's operations.
fn build(program: &Value) -> candle_core::Result<Graph> {
    let mut g = Graph::new();
    for instr in program.list() {
        let op = instr.at(0).text();
        if op == "leaf" {
            g.leaf(tensor(instr.at(2)));
            continue;
        }
        let args: Vec<NodeId> = instr.at(2).ints().iter().map(|&i| NodeId(i as usize)).collect();
        match (op, args.as_slice()) {
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

fn activation(v: &Value) -> Activation {
    match v.text() {
        "identity" => Activation::Identity,
        "tanh" => Activation::Tanh,
        "relu" => Activation::Relu,
        "sigmoid" => Activation::Sigmoid,
        other => panic!("glue: unknown activation {other}"),
    }
}

fn layers(v: &Value) -> Vec<Layer> {
    v.list()
        .iter()
        .map(|l| Layer { weight: tensor2(l.at(0)), bias: tensor1(l.at(1)), activation: activation(l.at(2)) })
        .collect()
}

fn grads_value(grads: &[(Tensor, Tensor)]) -> Value {
    Value::List(grads.iter().map(|(dw, db)| Value::List(vec![value(dw), value(db)])).collect())
}

/// A network's parameters as candle `Var`s, with each layer's activation.
fn candle_params(v: &Value) -> candle_core::Result<Vec<(Var, Var, Activation)>> {
    v.list()
        .iter()
        .map(|l| Ok((Var::from_tensor(&tensor2(l.at(0)))?, Var::from_tensor(&tensor1(l.at(1)))?, activation(l.at(2)))))
        .collect()
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
fn candle_gradients(v: &Value) -> candle_core::Result<Value> {
    let params = candle_params(v.at(0))?;
    let (_, loss) = candle_forward(&params, &tensor2(v.at(1)), &tensor2(v.at(2)))?;
    let grads = loss.backward()?;
    let mut layers = Vec::new();
    for (w, b, _) in &params {
        // candle leaves out a parameter the loss does not depend on; ours always do.
        let get = |p: &Var| grads.get(p.as_tensor()).cloned().map_or_else(|| p.as_tensor().zeros_like(), Ok);
        layers.push(Value::List(vec![value(&get(w)?), value(&get(b)?)]));
    }
    Ok(Value::List(vec![loss.to_scalar::<f64>()?.into(), Value::List(layers)]))
}

/// `[losses, predictions]` from `candle_nn::SGD` driven by candle's autograd.
fn candle_train(v: &Value) -> candle_core::Result<Value> {
    let params = candle_params(v.at(0))?;
    let (x, y) = (tensor2(v.at(1)), tensor2(v.at(2)));
    let vars: Vec<Var> = params.iter().flat_map(|(w, b, _)| [w.clone(), b.clone()]).collect();
    let mut sgd = candle_nn::SGD::new(vars, v.at(3).float())?;
    let mut losses = Vec::new();
    for _ in 0..v.at(4).usize() {
        let (_, loss) = candle_forward(&params, &x, &y)?;
        losses.push(loss.to_scalar::<f64>()?);
        sgd.backward_step(&loss)?;
    }
    let (pred, _) = candle_forward(&params, &x, &y)?;
    Ok(Value::List(vec![Value::Floats(losses), value(&pred)]))
}
