//! Hidden suites for `stage3::autograd`: the student's own reverse-mode autograd, from single
//! operations to training a small MLP, next to the reference and candle's autograd.
//!
//! Graph exercises send a *program* (see the glue): a list of `[op, name, args]` instructions,
//! one node each, in tape order. The names let every message say which node is wrong (`dW2`,
//! not "element 3 of output 1").

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::suite::{context, Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage3.autograd.ops_forward", forward_cases, check_forward),
        ExerciseSuite::custom("stage3.autograd.local_elementwise", local_elementwise_cases, check_local),
        ExerciseSuite::custom("stage3.autograd.local_shapes", local_shapes_cases, check_local),
        ExerciseSuite::custom("stage3.autograd.backward", backward_cases, check_backward),
        ExerciseSuite::custom("stage3.autograd.accumulate", accumulate_cases, check_backward),
        ExerciseSuite::custom("stage3.autograd.mlp_gradients", mlp_cases, check_mlp)
            .with_baseline("stage3.autograd.mlp_gradients.candle"),
        ExerciseSuite::custom("stage3.autograd.train", train_cases, check_train)
            .with_baseline("stage3.autograd.train.candle"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Programs: graphs described as data

/// A graph under construction; every method returns the new node's id.
#[derive(Default)]
struct Program {
    instrs: Vec<Value>,
}

impl Program {
    fn push(&mut self, op: &str, name: &str, arg: Value) -> i64 {
        self.instrs.push(Value::List(vec![Value::Text(op.into()), Value::Text(name.into()), arg]));
        self.instrs.len() as i64 - 1
    }

    fn leaf(&mut self, name: &str, value: Value) -> i64 {
        self.push("leaf", name, value)
    }

    fn op(&mut self, op: &str, name: &str, args: &[i64]) -> i64 {
        self.push(op, name, Value::Ints(args.to_vec()))
    }

    fn value(self) -> Value {
        Value::List(self.instrs)
    }
}

/// Name and op of node `id` in a program.
fn node_info(program: &Value, id: usize) -> (String, String) {
    let instr = &program.list()[id];
    (instr.at(1).text().to_string(), instr.at(0).text().to_string())
}

/// How many instruction arguments read node `id` (a reused node has more than one reader).
fn readers(program: &Value, id: usize) -> usize {
    program
        .list()
        .iter()
        .filter(|i| i.at(0).text() != "leaf")
        .map(|i| i.at(2).ints().iter().filter(|&&a| a as usize == id).count())
        .sum()
}

fn matrix(g: &mut Gen, rows: usize, cols: usize, lo: f64, hi: f64) -> Value {
    Value::matrix(rows, cols, g.floats(rows * cols, lo, hi))
}

/// A random value of the given shape (`[]` a number, `[n]` a vector, `[r, c]` a matrix).
fn random(g: &mut Gen, shape: &[usize], lo: f64, hi: f64) -> Value {
    match shape {
        [] => Value::Float(g.float(lo, hi)),
        [n] => Value::Floats(g.floats(*n, lo, hi)),
        [r, c] => matrix(g, *r, *c, lo, hi),
        _ => unreachable!("rank <= 2"),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparisons that name what they compare

fn describe(v: &Value) -> String {
    match v {
        Value::Float(_) => "a 0-D scalar".into(),
        Value::Floats(x) => format!("a vector of length {}", x.len()),
        Value::Matrix { rows, cols, .. } => format!("a {rows}x{cols} matrix"),
        Value::Unit => "no gradient (None)".into(),
        Value::Error(e) => format!("error `{e}`"),
        other => format!("a {}", other.kind()),
    }
}

/// One tensor against the reference's, shapes first; `path` names it in the report (`.dW2`).
fn tensor(path: &str, what: &str, e: &Value, g: &Value, tol: Tolerance) -> Result<(), Failure> {
    let r = match (e, g) {
        (Value::Float(a), Value::Float(b)) => compare::floats(path, &[], &[*a], &[*b], tol),
        (Value::Floats(a), Value::Floats(b)) if a.len() == b.len() => compare::floats(path, &[a.len()], a, b, tol),
        (Value::Matrix { rows: er, cols: ec, data: a }, Value::Matrix { rows: gr, cols: gc, data: b })
            if (er, ec) == (gr, gc) =>
        {
            compare::floats(path, &[*er, *ec], a, b, tol)
        }
        _ => Err(Failure::plain(format!("expected {}, got {}", describe(e), describe(g)))),
    };
    context(what, r)
}

/// The cases where the reference refuses: any error will do (candle's shape errors differ by
/// the operation that noticed), but a value will not.
fn refused(ctx: &CheckCtx) -> Option<Result<(), Failure>> {
    match (ctx.expected, ctx.got) {
        (Value::Error(_), Value::Error(_)) => Some(Ok(())),
        (Value::Error(e), got) => Some(Err(Failure::plain(format!(
            "the shapes do not fit, so the reference returns an error (`{e}`); got {} instead",
            describe(got)
        )))),
        (_, Value::Error(e)) => Some(Err(Failure::plain(format!("unexpected error `{e}`")))),
        _ => None,
    }
}

fn list<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], Failure> {
    match v {
        Value::List(x) => Ok(x),
        other => Err(Failure::plain(format!("expected {what}, got {}", describe(other)))),
    }
}

// ---------------------------------------------------------------------------------------------
// Forward

/// `[program, Ints(nodes to read)]`.
fn forward_input(p: Program, outputs: &[i64]) -> Value {
    Value::List(vec![p.value(), Value::Ints(outputs.to_vec())])
}

/// One op on fresh leaves of the given shapes, values in `[lo, hi)`.
fn single(g: &mut Gen, op: &str, shapes: &[&[usize]], lo: f64, hi: f64) -> (Program, i64) {
    let mut p = Program::default();
    let names = ["a", "b"];
    let args: Vec<i64> = shapes.iter().enumerate().map(|(i, s)| p.leaf(names[i], random(g, s, lo, hi))).collect();
    let out = p.op(op, "v", &args);
    (p, out)
}

fn forward_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut one = |g: &mut Gen, label: &str, op: &str, shapes: &[&[usize]], lo: f64, hi: f64| {
        let (p, out) = single(g, op, shapes, lo, hi);
        cases.push(Case::new(label, forward_input(p, &[out])));
    };
    one(g, "add, 3x4 + 3x4", "add", &[&[3, 4], &[3, 4]], -2.0, 2.0);
    one(g, "mul, 2x5 ⊙ 2x5", "mul", &[&[2, 5], &[2, 5]], -2.0, 2.0);
    one(g, "mul of two 0-D scalars", "mul", &[&[], &[]], -2.0, 2.0);
    one(g, "matmul, (3x4)·(4x2)", "matmul", &[&[3, 4], &[4, 2]], -1.0, 1.0);
    one(g, "matmul, (1x5)·(5x1)", "matmul", &[&[1, 5], &[5, 1]], -1.0, 1.0);
    one(g, "transpose of a 2x5 matrix", "transpose", &[&[2, 5]], -1.0, 1.0);
    one(g, "add_bias, (4x3) + (3,)", "add_bias", &[&[4, 3], &[3]], -1.0, 1.0);
    one(g, "tanh of a 3x4 matrix in [-4, 4)", "tanh", &[&[3, 4]], -4.0, 4.0);
    one(g, "relu of a 3x4 matrix with both signs", "relu", &[&[3, 4]], -2.0, 2.0);
    one(g, "sigmoid of a vector in [-8, 8)", "sigmoid", &[&[7]], -8.0, 8.0);
    one(g, "sum of a 3x4 matrix (a 0-D result)", "sum", &[&[3, 4]], -1.0, 1.0);
    one(g, "mean of a 2x5 matrix (a 0-D result)", "mean", &[&[2, 5]], -1.0, 1.0);
    one(g, "mse of two 4x2 matrices (a 0-D result)", "mse", &[&[4, 2], &[4, 2]], -1.0, 1.0);
    one(g, "mse of two vectors", "mse", &[&[6], &[6]], -1.0, 1.0);

    // A dense layer, every intermediate value read back.
    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 5, 3, -1.0, 1.0));
    let w = p.leaf("W", matrix(g, 4, 3, -1.0, 1.0));
    let b = p.leaf("b", Value::Floats(g.floats(4, -0.5, 0.5)));
    let wt = p.op("transpose", "Wt", &[w]);
    let xw = p.op("matmul", "xWt", &[x, wt]);
    let z = p.op("add_bias", "z", &[xw, b]);
    let h = p.op("tanh", "h", &[z]);
    let m = p.op("mean", "m", &[h]);
    cases.push(Case::new("a dense layer: mean(tanh(x·Wᵀ + b)), every node read", forward_input(p, &[wt, xw, z, h, m])));

    // Refusals: the shapes do not fit.
    let (p, out) = single(g, "add", &[&[2, 3], &[3, 2]], -1.0, 1.0);
    cases.push(Case::new("add of a 2x3 and a 3x2 matrix (an error)", forward_input(p, &[out])));
    let (p, out) = single(g, "matmul", &[&[2, 3], &[2, 3]], -1.0, 1.0);
    cases.push(Case::new("matmul of (2x3)·(2x3) (an error)", forward_input(p, &[out])));
    cases
}

fn check_forward(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = refused(ctx) {
        return r;
    }
    let program = ctx.input.at(0);
    let nodes = ctx.input.at(1).ints();
    let (e, g) = (list(ctx.expected, "values")?, list(ctx.got, "values")?);
    if e.len() != g.len() {
        return Err(Failure::plain(format!("expected {} values, got {}", e.len(), g.len())));
    }
    for ((&id, e), g) in nodes.iter().zip(e).zip(g) {
        let (name, op) = node_info(program, id as usize);
        tensor(&format!(".{name}"), &format!("value of node {id} `{name}` ({op})"), e, g, ctx.tol)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Local backward (one node's vector-Jacobian product)

/// `[program, Int(node), upstream gradient]`.
fn local_input(g: &mut Gen, p: Program, node: i64, out_shape: &[usize]) -> Value {
    // Away from 1, so that forgetting to multiply by the upstream gradient shows.
    let upstream = random(g, out_shape, 0.3, 1.7);
    Value::List(vec![p.value(), Value::Int(node), upstream])
}

fn local_elementwise_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut one = |g: &mut Gen, label: &str, op: &str, shapes: &[&[usize]], out: &[usize], lo: f64, hi: f64| {
        let (p, node) = single(g, op, shapes, lo, hi);
        let input = local_input(g, p, node, out);
        cases.push(Case::new(label, input));
    };
    one(g, "add, 3x4 + 3x4", "add", &[&[3, 4], &[3, 4]], &[3, 4], -2.0, 2.0);
    one(g, "mul, 3x4 ⊙ 3x4", "mul", &[&[3, 4], &[3, 4]], &[3, 4], -2.0, 2.0);
    one(g, "mul of two vectors", "mul", &[&[5], &[5]], &[5], -2.0, 2.0);
    one(g, "mul of two 0-D scalars", "mul", &[&[], &[]], &[], -2.0, 2.0);
    one(g, "tanh of a 4x3 matrix in [-3, 3)", "tanh", &[&[4, 3]], &[4, 3], -3.0, 3.0);
    one(g, "relu of a 4x3 matrix with both signs", "relu", &[&[4, 3]], &[4, 3], -2.0, 2.0);
    one(g, "sigmoid of a 4x3 matrix in [-6, 6)", "sigmoid", &[&[4, 3]], &[4, 3], -6.0, 6.0);
    one(g, "tanh of a vector", "tanh", &[&[6]], &[6], -2.0, 2.0);

    // `a * a`: the same input twice, so two contributions for it (summing them is backward's job).
    let mut p = Program::default();
    let a = p.leaf("a", matrix(g, 2, 3, -2.0, 2.0));
    let sq = p.op("mul", "v", &[a, a]);
    cases.push(Case::new("mul(a, a): two contributions, both for a", local_input(g, p, sq, &[2, 3])));

    // A leaf has no inputs.
    let mut p = Program::default();
    let a = p.leaf("a", matrix(g, 2, 2, -1.0, 1.0));
    cases.push(Case::new("a leaf (no contributions)", local_input(g, p, a, &[2, 2])));
    cases
}

fn local_shapes_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut one = |g: &mut Gen, label: &str, op: &str, shapes: &[&[usize]], out: &[usize]| {
        let (p, node) = single(g, op, shapes, -1.5, 1.5);
        let input = local_input(g, p, node, out);
        cases.push(Case::new(label, input));
    };
    one(g, "matmul, (3x4)·(4x2)", "matmul", &[&[3, 4], &[4, 2]], &[3, 2]);
    one(g, "matmul, (1x5)·(5x3)", "matmul", &[&[1, 5], &[5, 3]], &[1, 3]);
    one(g, "matmul, (4x1)·(1x3) (an outer product)", "matmul", &[&[4, 1], &[1, 3]], &[4, 3]);
    one(g, "transpose of a 2x5 matrix", "transpose", &[&[2, 5]], &[5, 2]);
    one(g, "add_bias, (4x3) + (3,): the bias sums over rows", "add_bias", &[&[4, 3], &[3]], &[4, 3]);
    one(g, "add_bias with one row, (1x5) + (5,)", "add_bias", &[&[1, 5], &[5]], &[1, 5]);
    one(g, "sum of a 3x4 matrix", "sum", &[&[3, 4]], &[]);
    one(g, "sum of a vector", "sum", &[&[6]], &[]);
    one(g, "mean of a 2x5 matrix", "mean", &[&[2, 5]], &[]);
    one(g, "mse of two 4x2 matrices: both inputs get a gradient", "mse", &[&[4, 2], &[4, 2]], &[]);
    one(g, "mse of two vectors", "mse", &[&[7], &[7]], &[]);
    cases
}

fn check_local(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = refused(ctx) {
        return r;
    }
    let program = ctx.input.at(0);
    let (name, op) = node_info(program, ctx.input.at(1).usize());
    let (e, g) = (list(ctx.expected, "a list of contributions")?, list(ctx.got, "a list of contributions")?);
    if e.len() != g.len() {
        return Err(Failure::plain(format!(
            "node `{name}` ({op}): expected {} contribution(s), one per input of the op, got {}",
            e.len(),
            g.len()
        )));
    }
    for (k, (e, g)) in e.iter().zip(g).enumerate() {
        let want = e.at(0).int();
        let (got_id, got_grad) = match g {
            Value::List(parts) => match parts.as_slice() {
                [Value::Int(id), grad] => (*id, grad),
                _ => return Err(Failure::plain(format!("contribution {k}: expected an (input, gradient) pair"))),
            },
            _ => return Err(Failure::plain(format!("contribution {k}: expected an (input, gradient) pair"))),
        };
        let (input, _) = node_info(program, want as usize);
        if got_id != want {
            return Err(Failure::plain(format!(
                "node `{name}` ({op}): contribution {k} should go to input `{input}` (node {want}), got node {got_id}"
            )));
        }
        tensor(
            &format!(".d{input}"),
            &format!("node `{name}` ({op}), contribution {k}, to input `{input}`"),
            e.at(1),
            got_grad,
            ctx.tol,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Backward (whole graphs) and accumulation

/// `[program, Int(loss), Ints(nodes whose gradients are read)]`.
fn backward_input(p: Program, loss: i64, wanted: &[i64]) -> Value {
    Value::List(vec![p.value(), Value::Int(loss), Value::Ints(wanted.to_vec())])
}

/// Leaves `x: (n, i)`, `W: (o, i)`, `b: (o,)` and the dense layer `x·Wᵀ + b` on them.
fn dense(g: &mut Gen, p: &mut Program, x: i64, sizes: (usize, usize), tag: &str) -> (i64, i64, i64) {
    let (i, o) = sizes;
    let w = p.leaf(&format!("W{tag}"), matrix(g, o, i, -1.0, 1.0));
    let b = p.leaf(&format!("b{tag}"), Value::Floats(g.floats(o, -0.5, 0.5)));
    let wt = p.op("transpose", &format!("W{tag}t"), &[w]);
    let xw = p.op("matmul", &format!("xW{tag}t"), &[x, wt]);
    let z = p.op("add_bias", &format!("z{tag}"), &[xw, b]);
    (w, b, z)
}

fn backward_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 3, 4, -2.0, 2.0));
    let t = p.op("tanh", "t", &[x]);
    let s = p.op("sum", "loss", &[t]);
    cases.push(Case::new("sum(tanh(x))", backward_input(p, s, &[x, t, s])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 5, 3, -1.0, 1.0));
    let (w, b, z) = dense(g, &mut p, x, (3, 4), "");
    let loss = p.op("sum", "loss", &[z]);
    cases.push(Case::new("a dense layer: sum(x·Wᵀ + b)", backward_input(p, loss, &[x, w, b, z])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 6, 3, -1.0, 1.0));
    let y = p.leaf("y", matrix(g, 6, 1, 0.0, 1.0));
    let (w1, b1, z1) = dense(g, &mut p, x, (3, 5), "1");
    let h = p.op("tanh", "h", &[z1]);
    let (w2, b2, z2) = dense(g, &mut p, h, (5, 1), "2");
    let out = p.op("sigmoid", "out", &[z2]);
    let loss = p.op("mse", "loss", &[out, y]);
    cases.push(Case::new(
        "two layers: mse(sigmoid(tanh(x·W1ᵀ + b1)·W2ᵀ + b2), y)",
        backward_input(p, loss, &[w1, b1, w2, b2, h, x, y]),
    ));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 4, 3, -2.0, 2.0));
    let w = p.leaf("w", matrix(g, 4, 3, -2.0, 2.0));
    let m = p.op("mul", "xw", &[x, w]);
    let r = p.op("relu", "r", &[m]);
    let loss = p.op("mean", "loss", &[r]);
    cases.push(Case::new("mean(relu(x ⊙ w))", backward_input(p, loss, &[x, w, m])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 3, 2, -1.0, 1.0));
    cases.push(Case::new("the loss is a leaf: its gradient is ones", backward_input(p, x, &[x])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 3, 4, -1.0, 1.0));
    let w = p.leaf("W", matrix(g, 2, 4, -1.0, 1.0));
    let wt = p.op("transpose", "Wt", &[w]);
    let xw = p.op("matmul", "xWt", &[x, wt]);
    let root = p.op("tanh", "root", &[xw]);
    cases.push(Case::new(
        "backward from a 3x2 node: seeded with ones (the gradient of its sum)",
        backward_input(p, root, &[x, w, root]),
    ));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 2, 3, -1.0, 1.0));
    let unused = p.leaf("unused", matrix(g, 2, 3, -1.0, 1.0));
    let s = p.op("sigmoid", "s", &[x]);
    let loss = p.op("sum", "loss", &[s]);
    let after = p.op("tanh", "after", &[s]);
    cases.push(Case::new(
        "a leaf the loss does not use, and a node after the loss: no gradient (None)",
        backward_input(p, loss, &[x, unused, s, after]),
    ));

    let mut p = Program::default();
    let x = p.leaf("x", Value::Floats(g.floats(5, -1.0, 1.0)));
    let t = p.op("tanh", "t", &[x]);
    let mid = p.op("sum", "mid", &[t]);
    let big = p.op("mul", "mid2", &[mid, mid]);
    cases.push(Case::new(
        "backward from an intermediate node (later nodes get no gradient)",
        backward_input(p, mid, &[x, t, mid, big]),
    ));
    cases
}

fn accumulate_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 2, 3, -2.0, 2.0));
    let sq = p.op("mul", "xx", &[x, x]);
    let loss = p.op("sum", "loss", &[sq]);
    cases.push(Case::new("sum(x ⊙ x): d/dx = 2x", backward_input(p, loss, &[x])));

    let mut p = Program::default();
    let x = p.leaf("x", Value::Floats(g.floats(4, -2.0, 2.0)));
    let xx = p.op("add", "x+x", &[x, x]);
    let t = p.op("tanh", "t", &[xx]);
    let loss = p.op("sum", "loss", &[t]);
    cases.push(Case::new("sum(tanh(x + x))", backward_input(p, loss, &[x])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 3, 3, -2.0, 2.0));
    let t = p.op("tanh", "t", &[x]);
    let s = p.op("sigmoid", "s", &[x]);
    let l1 = p.op("sum", "sum_t", &[t]);
    let l2 = p.op("mean", "mean_s", &[s]);
    let loss = p.op("add", "loss", &[l1, l2]);
    cases.push(Case::new("x feeds two branches: sum(tanh x) + mean(σ(x))", backward_input(p, loss, &[x, t, s])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 4, 3, -1.0, 1.0));
    let (w, b, z) = dense(g, &mut p, x, (3, 3), "");
    let a = p.op("tanh", "a", &[z]);
    let s = p.op("sigmoid", "s", &[a]);
    let m = p.op("mul", "a_s", &[a, s]);
    let loss = p.op("sum", "loss", &[m]);
    cases
        .push(Case::new("a diamond: a = tanh(x·Wᵀ + b), loss = sum(a ⊙ σ(a))", backward_input(p, loss, &[a, w, b, x])));

    // The same weight in two layers (weight sharing).
    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 5, 3, -1.0, 1.0));
    let y = p.leaf("y", matrix(g, 5, 3, -1.0, 1.0));
    let w = p.leaf("W", matrix(g, 3, 3, -1.0, 1.0));
    let wt = p.op("transpose", "Wt", &[w]);
    let h1 = p.op("matmul", "xWt", &[x, wt]);
    let a1 = p.op("tanh", "h", &[h1]);
    let h2 = p.op("matmul", "hWt", &[a1, wt]);
    let loss = p.op("mse", "loss", &[h2, y]);
    cases.push(Case::new(
        "one weight used by two layers: mse(tanh(x·Wᵀ)·Wᵀ, y)",
        backward_input(p, loss, &[w, wt, x, a1]),
    ));

    let mut p = Program::default();
    let x = p.leaf("x", Value::Floats(g.floats(5, -1.5, 1.5)));
    let p2 = p.op("mul", "x2", &[x, x]);
    let p3 = p.op("mul", "x3", &[p2, x]);
    let p4 = p.op("mul", "x4", &[p3, x]);
    let loss = p.op("sum", "loss", &[p4]);
    cases.push(Case::new("x read by four products: sum(((x⊙x)⊙x)⊙x), d/dx = 4x³", backward_input(p, loss, &[x, p2])));

    let mut p = Program::default();
    let x = p.leaf("x", matrix(g, 3, 2, -1.0, 1.0));
    let t = p.op("tanh", "t", &[x]);
    let s = p.op("sigmoid", "s", &[x]);
    let loss = p.op("mse", "loss", &[t, s]);
    cases.push(Case::new("prediction and target from the same x: mse(tanh x, σ(x))", backward_input(p, loss, &[x])));
    cases
}

fn check_backward(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = refused(ctx) {
        return r;
    }
    let program = ctx.input.at(0);
    let nodes = ctx.input.at(2).ints();
    let (e, g) = (list(ctx.expected, "gradients")?, list(ctx.got, "gradients")?);
    if e.len() != g.len() {
        return Err(Failure::plain(format!("expected {} gradients, got {}", e.len(), g.len())));
    }
    for ((&id, e), g) in nodes.iter().zip(e).zip(g) {
        let (name, op) = node_info(program, id as usize);
        let what = format!("∂loss/∂{name} (node {id}, {op})");
        let r = match (e, g) {
            (Value::Unit, Value::Unit) => Ok(()),
            (Value::Unit, got) => Err(Failure::plain(format!(
                "{what}: the loss does not depend on `{name}`, so it has no gradient (None); got {}",
                describe(got)
            ))),
            (_, Value::Unit) => {
                Err(Failure::plain(format!("{what}: no gradient (None), but the loss depends on `{name}`")))
            }
            _ => tensor(&format!(".d{name}"), &what, e, g, ctx.tol),
        };
        let n = readers(program, id as usize);
        r.map_err(|mut f| {
            if n > 1 {
                f.message.push_str(&format!(
                    " (note: `{name}` is read by {n} nodes, so its gradient is the sum of their {n} contributions)"
                ));
            }
            f
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// MLP gradients, next to candle's autograd

/// `[layers, x, y]`, `layers = [[W, b, activation], ...]`: Xavier-uniform weights, small random
/// biases, `hidden` after every layer but the last, `output` after the last.
fn mlp_input(g: &mut Gen, sizes: &[usize], hidden: &str, output: &str, x: Value, y: Value) -> Value {
    let n = sizes.len() - 1;
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let (i, o) = (w[0], w[1]);
            let a = (6.0 / (i + o) as f64).sqrt();
            let f = if l + 1 == n { output } else { hidden };
            Value::List(vec![matrix(g, o, i, -a, a), Value::Floats(g.floats(o, -0.1, 0.1)), Value::Text(f.into())])
        })
        .collect();
    Value::List(vec![Value::List(layers), x, y])
}

fn mlp_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let specs: [(&str, &[usize], &str, &str, usize); 5] = [
        ("2-4-1, tanh then sigmoid, 5 samples", &[2, 4, 1], "tanh", "sigmoid", 5),
        ("3-8-2, relu then identity (regression), 16 samples", &[3, 8, 2], "relu", "identity", 16),
        ("2-6-6-1, three layers of tanh then sigmoid, 8 samples", &[2, 6, 6, 1], "tanh", "sigmoid", 8),
        ("4-5-3, sigmoid then identity, one sample", &[4, 5, 3], "sigmoid", "identity", 1),
        ("3-2, one layer (linear regression)", &[3, 2], "tanh", "identity", 10),
    ];
    for (label, sizes, hidden, output, n) in specs {
        let (d_in, d_out) = (sizes[0], sizes[sizes.len() - 1]);
        let x = Value::matrix(n, d_in, g.normals(n * d_in));
        let y = if output == "sigmoid" {
            matrix(g, n, d_out, 0.0, 1.0)
        } else {
            Value::matrix(n, d_out, g.normals(n * d_out))
        };
        let input = mlp_input(g, sizes, hidden, output, x, y);
        cases.push(Case::new(label, input));
    }
    let x = matrix(g, 4, 3, -1.0, 1.0);
    let y = matrix(g, 4, 1, 0.0, 1.0);
    cases.push(Case::new(
        "x has 3 features but W1 expects 2 (an error)",
        mlp_input(g, &[2, 3, 1], "tanh", "sigmoid", x, y),
    ));
    cases
}

/// `(name, value)` for the loss and every `dW_i`, `db_i` of an `[loss, [[dW, db], ...]]` output.
fn mlp_parts(v: &Value) -> Option<Vec<(String, &Value)>> {
    let Value::List(top) = v else { return None };
    let [loss, Value::List(layers)] = top.as_slice() else { return None };
    let mut parts = vec![("loss".to_string(), loss)];
    for (i, l) in layers.iter().enumerate() {
        let Value::List(wb) = l else { return None };
        let [dw, db] = wb.as_slice() else { return None };
        parts.push((format!("dW{}", i + 1), dw));
        parts.push((format!("db{}", i + 1), db));
    }
    Some(parts)
}

fn flat(v: &Value) -> &[f64] {
    match v {
        Value::Float(x) => std::slice::from_ref(x),
        Value::Floats(x) => x,
        Value::Matrix { data, .. } => data,
        _ => &[],
    }
}

/// The largest `max|a - c| / max|c|` over the gradients (the loss excluded): how far `a` is from
/// candle's gradients, relative to their size.
fn rel_to_candle(a: &[(String, &Value)], c: &[(String, &Value)]) -> f64 {
    a.iter()
        .zip(c)
        .skip(1)
        .map(|((_, a), (_, c))| {
            let (a, c) = (flat(a), flat(c));
            if a.len() != c.len() {
                return f64::INFINITY;
            }
            let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
            a.iter().zip(c).fold(0.0f64, |m, (a, c)| m.max((a - c).abs())) / scale
        })
        .fold(0.0, f64::max)
}

fn check_mlp(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = refused(ctx) {
        return r;
    }
    let e = mlp_parts(ctx.expected).ok_or_else(|| Failure::msg("the reference's output is malformed"))?;
    let g = mlp_parts(ctx.got)
        .ok_or_else(|| Failure::plain(format!("expected (loss, gradients per layer), got {}", describe(ctx.got))))?;
    if e.len() != g.len() {
        return Err(Failure::plain(format!(
            "expected gradients for {} layers, got {}",
            (e.len() - 1) / 2,
            (g.len() - 1) / 2
        )));
    }
    let candle = ctx.baseline.and_then(mlp_parts);
    if let Some(c) = candle.as_ref().filter(|c| c.len() == e.len()) {
        ctx.metric(
            "max relative difference from candle's gradients",
            rel_to_candle(&g, c),
            Some(rel_to_candle(&e, c)),
            None,
        );
    }
    for ((name, ev), (_, gv)) in e.iter().zip(&g) {
        let what = if name == "loss" { "the loss".to_string() } else { format!("∂loss/∂{}", &name[1..]) };
        tensor(&format!(".{name}"), &what, ev, gv, ctx.tol)?;
    }
    if let Some(c) = candle.filter(|c| c.len() == e.len()) {
        for ((name, cv), (_, gv)) in c.iter().zip(&g) {
            let what = format!("{name} compared with candle's own autograd (Var, backward)");
            tensor(&format!(".{name}"), &what, cv, gv, ctx.tol)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Training

/// One training run's settings: the layer sizes, the learning rate and step count, and the
/// check's thresholds (`None` for none).
struct Training<'a> {
    sizes: &'a [usize],
    lr: f64,
    steps: usize,
    max_loss: Option<f64>,
    min_acc: Option<f64>,
}

/// `[layers, x, y, lr, steps, max final loss, min accuracy]` (the last two are the check's
/// thresholds; `Unit` for none).
fn train_input(g: &mut Gen, x: Value, y: Value, t: Training) -> Value {
    let Value::List(mut v) = mlp_input(g, t.sizes, "tanh", "sigmoid", x, y) else { unreachable!() };
    v.push(t.lr.into());
    v.push(t.steps.into());
    v.push(t.max_loss.map_or(Value::Unit, Value::Float));
    v.push(t.min_acc.map_or(Value::Unit, Value::Float));
    Value::List(v)
}

fn xor() -> (Value, Value) {
    (Value::matrix(4, 2, vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]), Value::matrix(4, 1, vec![0.0, 1.0, 1.0, 0.0]))
}

/// Two noisy concentric circles, `n` points alternating between the inner one (radius 0.5,
/// label 1) and the outer one (radius 1, label 0): no straight line separates them.
fn circles(g: &mut Gen, n: usize) -> (Value, Value) {
    let (mut x, mut y) = (Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for i in 0..n {
        let label = (i % 2) as f64;
        let r = if label == 1.0 { 0.5 } else { 1.0 };
        let angle = g.float(0.0, std::f64::consts::TAU);
        let noise = g.normals(2);
        x.push(r * angle.cos() + 0.08 * noise[0]);
        x.push(r * angle.sin() + 0.08 * noise[1]);
        y.push(label);
    }
    (Value::matrix(n, 2, x), Value::matrix(n, 1, y))
}

fn train_cases(g: &mut Gen) -> Vec<Case> {
    // Learning rates and step counts chosen so that gradient descent is stable for every
    // initialisation tried (2000 of each): rounding differences between correct implementations
    // (another sigmoid formula, `sum / N` for the mean) stay below 1e-10 relative instead of
    // being amplified, and the thresholds hold with a margin (worst seen: XOR final loss 0.0026,
    // accuracy 1; circles accuracy 0.83, final loss 0.12, where a straight line gets about 0.5).
    let (x, y) = xor();
    let mut cases = vec![Case::new(
        "XOR, 2-8-1 tanh/sigmoid, lr 2, 250 steps (to reach: accuracy 1, final loss <= 0.02)",
        train_input(
            g,
            x,
            y,
            Training { sizes: &[2, 8, 1], lr: 2.0, steps: 250, max_loss: Some(0.02), min_acc: Some(1.0) },
        ),
    )];
    let (x, y) = circles(g, 64);
    cases.push(Case::new(
        "two circles (64 points), 2-16-1 tanh/sigmoid, lr 2, 200 steps (to reach: accuracy >= 0.75, final loss <= 0.2)",
        train_input(
            g,
            x,
            y,
            Training { sizes: &[2, 16, 1], lr: 2.0, steps: 200, max_loss: Some(0.2), min_acc: Some(0.75) },
        ),
    ));
    let (x, y) = xor();
    cases.push(Case::new(
        "XOR, zero steps (the initial network)",
        train_input(g, x, y, Training { sizes: &[2, 4, 1], lr: 2.0, steps: 0, max_loss: None, min_acc: None }),
    ));
    let (x, y) = xor();
    cases.push(Case::new(
        "XOR, learning rate 0 (the loss must not move)",
        train_input(g, x, y, Training { sizes: &[2, 4, 1], lr: 0.0, steps: 5, max_loss: None, min_acc: None }),
    ));
    cases
}

fn losses_and_predictions(v: &Value) -> Option<(&[f64], &[f64])> {
    let Value::List(parts) = v else { return None };
    match parts.as_slice() {
        [Value::Floats(l), Value::Matrix { data, .. }] => Some((l, data)),
        _ => None,
    }
}

fn curve(name: &str, losses: &[f64]) -> Series {
    Series { name: name.into(), points: losses.iter().enumerate().map(|(t, &l)| [t as f64, l]).collect() }
}

/// Mean squared error and accuracy (output > 0.5 as class 1) of predictions against targets.
fn scores(pred: &[f64], y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mse = pred.iter().zip(y).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / n;
    let correct = pred.iter().zip(y).filter(|(p, y)| (**p > 0.5) == (**y > 0.5)).count();
    (mse, correct as f64 / n)
}

fn check_train(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Some(r) = refused(ctx) {
        return r;
    }
    let y = ctx.input.at(2).matrix_parts().2;
    let (e_losses, e_pred) =
        losses_and_predictions(ctx.expected).ok_or_else(|| Failure::msg("the reference's output is malformed"))?;
    let (g_losses, g_pred) = losses_and_predictions(ctx.got).ok_or_else(|| {
        Failure::plain(format!("expected (losses per step, predictions matrix), got {}", describe(ctx.got)))
    })?;
    let candle = ctx.baseline.and_then(losses_and_predictions);

    if !g_losses.is_empty() {
        let mut series = vec![curve("your loss", g_losses), curve("reference", e_losses)];
        if let Some((c, _)) = candle {
            series.push(curve("candle (Var + SGD)", c));
        }
        ctx.figure(Figure {
            title: "Training loss (MSE) per step".into(),
            kind: "lines".into(),
            x_label: "step".into(),
            y_label: "loss".into(),
            series,
            matrix: vec![],
            labels: vec![],
        });
    }
    let e_scores = scores(e_pred, y);
    let g_scores = (g_pred.len() == y.len()).then(|| scores(g_pred, y));
    let c_scores = candle.filter(|(_, p)| p.len() == y.len()).map(|(_, p)| scores(p, y));
    if let Some((loss, acc)) = g_scores {
        ctx.metric("final loss (MSE)", loss, Some(e_scores.0), c_scores.map(|c| ("candle", c.0)));
        ctx.metric("final accuracy", acc, Some(e_scores.1), c_scores.map(|c| ("candle", c.1)));
    }

    if g_losses.len() != e_losses.len() {
        return Err(Failure::plain(format!(
            "expected {} losses (one per step), got {}",
            e_losses.len(),
            g_losses.len()
        )));
    }
    let first_off = e_losses.iter().zip(g_losses).position(|(e, g)| !ctx.tol.accepts(*e, *g));
    if let Some(t) = first_off {
        let what = format!(
            "loss per step (yours leaves the reference's at step {t}: {} instead of {})",
            compare::fmt_num(g_losses[t]),
            compare::fmt_num(e_losses[t])
        );
        let n = e_losses.len();
        let shifted = n > 1 && e_losses[1..].iter().zip(&g_losses[..n - 1]).all(|(e, g)| ctx.tol.accepts(*e, *g));
        let hint = if shifted {
            " — your losses are the reference's one step later: record each step's loss before its update"
        } else if t == 0 {
            " — step 0 is the initial network: check the forward pass and the loss"
        } else {
            ""
        };
        return context(
            &format!("{what}{hint}"),
            compare::floats(".losses", &[e_losses.len()], e_losses, g_losses, ctx.tol),
        );
    }
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else { unreachable!("checked above") };
    tensor(".predictions", "predictions of the trained network", &e[1], &g[1], ctx.tol)?;

    let (loss, acc) = g_scores.expect("same shape as the reference's");
    if let Value::Float(max_loss) = ctx.input.at(5) {
        if loss.is_nan() || loss > *max_loss {
            return Err(Failure::plain(format!("final loss {loss:.5} is above {max_loss}: the network did not learn")));
        }
    }
    if let Value::Float(min_acc) = ctx.input.at(6) {
        if acc < *min_acc {
            return Err(Failure::plain(format!("final accuracy {acc:.3} is below {min_acc}")));
        }
    }
    Ok(())
}
