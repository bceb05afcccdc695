//! Hidden suites for `stage3::perceptron`: threshold units, the learning rule on separable and
//! non-separable data (logic gates, XOR, two pairs of iris species), MLPs as layers and as
//! graphs.
//!
//! Wire shapes (see the glue): a layer is `(weight, bias, activation name)`; a graph is
//! `(x, n_inputs, [(bias, activation)...], [(from, to, weight)...])`; training returns
//! `(weights, bias, mistakes per epoch, converged)`.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage3.perceptron.predict", predict_cases),
        ExerciseSuite::custom("stage3.perceptron.train", train_cases, check_train),
        ExerciseSuite::plain("stage3.perceptron.mlp_forward", mlp_cases),
        ExerciseSuite::custom("stage3.perceptron.xor_network", xor_network_cases, check_xor_network),
        ExerciseSuite::custom("stage3.perceptron.graph_forward", graph_cases, check_graph),
        ExerciseSuite::plain("stage3.perceptron.count_parameters", count_cases),
    ]
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn matrix(rows: &[Vec<f64>]) -> Value {
    let cols = rows.first().map_or(0, Vec::len);
    Value::matrix(rows.len(), cols, rows.iter().flatten().copied().collect())
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// A random permutation of `0..n` drawn from the case generator (Fisher–Yates).
fn permutation(g: &mut Gen, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        idx.swap(i, g.size(0, i));
    }
    idx
}

/// Iris measurements in millimetres (the file has centimetres with one decimal, so these are
/// whole numbers: every perceptron update on them is exact) and species names.
fn iris_mm() -> Vec<(Vec<f64>, String)> {
    data::text("iris")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.trim().split(',').collect();
            let x = fields[..4].iter().map(|f| (f.parse::<f64>().expect("iris feature") * 10.0).round()).collect();
            (x, fields[4].to_string())
        })
        .collect()
}

/// Rows of two species (label 0 for `zero`, 1 for `one`), columns `cols`, in a random order.
fn iris_pair(g: &mut Gen, zero: &str, one: &str, cols: &[usize]) -> (Vec<Vec<f64>>, Vec<i64>) {
    let rows: Vec<(Vec<f64>, i64)> = iris_mm()
        .into_iter()
        .filter(|(_, s)| s == zero || s == one)
        .map(|(x, s)| (cols.iter().map(|&c| x[c]).collect(), i64::from(s == one)))
        .collect();
    let order = permutation(g, rows.len());
    (order.iter().map(|&i| rows[i].0.clone()).collect(), order.iter().map(|&i| rows[i].1).collect())
}

// ---------------------------------------------------------------------------------------------
// Perceptron::predict: input (x, weights, bias)

fn predict_input(x: &[Vec<f64>], w: &[f64], b: f64, cols: usize) -> Value {
    let x = if x.is_empty() { Value::matrix(0, cols, vec![]) } else { matrix(x) };
    Value::List(vec![x, w.to_vec().into(), b.into()])
}

fn predict_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, d) in [(10, 3), (25, 6)] {
        let w = g.floats(d, -1.0, 1.0);
        let b = g.float(-0.5, 0.5);
        // Points clearly off the boundary, so that rounding in the dot product cannot flip them.
        let mut x = Vec::new();
        while x.len() < n {
            let row = g.floats(d, -1.0, 1.0);
            let z: f64 = row.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + b;
            if z.abs() > 1e-6 {
                x.push(row);
            }
        }
        cases.push(Case::new(format!("random {n}x{d}"), predict_input(&x, &w, b, d)));
    }
    // w = (1, -2), b = 1: z = x1 - 2 x2 + 1, exactly 0 on three of these points.
    let x = vec![vec![1.0, 1.0], vec![3.0, 2.0], vec![0.0, 0.0], vec![-1.0, 0.0], vec![2.0, 0.0], vec![0.0, 1.0]];
    cases.push(Case::new("points exactly on the boundary (z = 0 is class 0)", predict_input(&x, &[1.0, -2.0], 1.0, 2)));
    let x: Vec<Vec<f64>> = (0..4).map(|_| g.floats(3, -1.0, 1.0)).collect();
    cases.push(Case::new("all-zero perceptron (w = 0, b = 0)", predict_input(&x, &[0.0; 3], 0.0, 3)));
    let w = g.floats(4, 0.1, 1.0);
    cases.push(Case::new("one sample", predict_input(&[vec![1.0, 2.0, 3.0, 4.0]], &w, -1.0, 4)));
    cases.push(Case::new("empty batch (0x3)", predict_input(&[], &[0.5, -0.5, 1.0], 0.1, 3)));
    cases
}

// ---------------------------------------------------------------------------------------------
// train: input (x, labels, lr, max_epochs)

fn train_input(x: &[Vec<f64>], y: &[i64], lr: f64, max_epochs: usize) -> Value {
    Value::List(vec![matrix(x), Value::Ints(y.to_vec()), lr.into(), max_epochs.into()])
}

const CORNERS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

/// The four corners of `{0, 1}²` with a gate's labels, in the given order.
fn gate(labels: [i64; 4], order: &[usize]) -> (Vec<Vec<f64>>, Vec<i64>) {
    (order.iter().map(|&i| CORNERS[i].to_vec()).collect(), order.iter().map(|&i| labels[i]).collect())
}

fn train_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let natural = [0, 1, 2, 3];
    let (x, y) = gate([0, 0, 0, 1], &natural);
    cases.push(Case::new("AND, lr 1, up to 20 epochs", train_input(&x, &y, 1.0, 20)));
    let order = permutation(g, 4);
    let (x, y) = gate([0, 1, 1, 1], &order);
    cases.push(Case::new(format!("OR in the order {order:?}, lr 1, up to 20 epochs"), train_input(&x, &y, 1.0, 20)));
    let (x, y) = gate([1, 1, 1, 0], &natural);
    cases.push(Case::new("NAND, lr 0.5, up to 20 epochs", train_input(&x, &y, 0.5, 20)));
    let (x, y) = gate([0, 1, 1, 0], &natural);
    cases.push(Case::new(
        "XOR, lr 1, 25 epochs (not linearly separable: never converges)",
        train_input(&x, &y, 1.0, 25),
    ));
    let order = permutation(g, 4);
    let (x, y) = gate([0, 1, 1, 0], &order);
    let lifted: Vec<Vec<f64>> = x.iter().map(|r| vec![r[0], r[1], r[0] * r[1]]).collect();
    cases.push(Case::new(
        "XOR with a third feature x1·x2 (separable in 3-D), lr 1, up to 50 epochs",
        train_input(&lifted, &y, 1.0, 50),
    ));
    let (x, y) = iris_pair(g, "setosa", "versicolor", &[0, 1, 2, 3]);
    cases.push(Case::new(
        "iris setosa vs versicolor, 4 features in mm, shuffled (separable), lr 1, up to 50 epochs",
        train_input(&x, &y, 1.0, 50),
    ));
    let (x, y) = iris_pair(g, "versicolor", "virginica", &[2, 3]);
    cases.push(Case::new(
        "iris versicolor vs virginica, petal length and width in mm, shuffled (the classes overlap), lr 1, 20 epochs",
        train_input(&x, &y, 1.0, 20),
    ));

    // Refusals.
    let (x, y) = gate([0, 0, 0, 1], &natural);
    cases.push(Case::new(
        "no samples",
        Value::List(vec![Value::matrix(0, 2, vec![]), Value::Ints(vec![]), 1.0.into(), 10usize.into()]),
    ));
    cases.push(Case::new("4 samples, 3 labels", train_input(&x, &y[..3], 1.0, 10)));
    cases.push(Case::new("label 2", train_input(&x, &[0, 2, 0, 1], 1.0, 10)));
    cases.push(Case::new("learning rate 0", train_input(&x, &y, 0.0, 10)));
    cases.push(Case::new("negative learning rate", train_input(&x, &y, -1.0, 10)));
    cases.push(Case::new("learning rate NaN", train_input(&x, &y, f64::NAN, 10)));
    cases.push(Case::new("max_epochs 0", train_input(&x, &y, 1.0, 0)));
    cases
}

/// Weights, bias, mistakes and the converged flag equal to the reference's (the data and
/// learning rates make every update exact), with both mistake curves drawn.
fn check_train(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let curve = |v: Option<&Value>| match v {
        Some(Value::Ints(m)) => Some(m.iter().enumerate().map(|(i, &m)| [(i + 1) as f64, m as f64]).collect()),
        _ => None,
    };
    if let Some(reference) = curve(e.get(2)) {
        let mut series = Vec::new();
        if let Some(yours) = curve(g.get(2)) {
            series.push(Series { name: "your mistakes".into(), points: yours });
        }
        series.push(Series { name: "reference mistakes".into(), points: reference });
        ctx.figure(Figure {
            title: "Mistakes per epoch".into(),
            kind: "lines".into(),
            x_label: "epoch".into(),
            y_label: "misclassified samples".into(),
            series,
            matrix: vec![],
            labels: vec![],
        });
    }
    if let (Some(Value::Ints(me)), Some(Value::Ints(mg))) = (e.get(2), g.get(2)) {
        ctx.metric("epochs run", mg.len() as f64, Some(me.len() as f64), None);
    }
    if let (Some(Value::Bool(ce)), Some(Value::Bool(cg)), Some(Value::Ints(me))) = (e.get(3), g.get(3), e.get(2)) {
        if ce != cg {
            return Err(Failure::msg(format!(
                "converged: expected {ce}, got {cg} (the reference ran {} epoch{}, {} mistake{} in the last)",
                me.len(),
                if me.len() == 1 { "" } else { "s" },
                me.last().copied().unwrap_or(0),
                if me.last() == Some(&1) { "" } else { "s" },
            )));
        }
    }
    // The first epoch where the runs part ways says most about what went wrong.
    if let (Some(Value::Ints(me)), Some(Value::Ints(mg))) = (e.get(2), g.get(2)) {
        if let Some(epoch) = (0..me.len().max(mg.len())).find(|&i| me.get(i) != mg.get(i)) {
            let count = |m: Option<&i64>| m.map_or("no epoch".to_string(), |m| format!("{m} mistake(s)"));
            return Err(Failure::msg(format!(
                "mistakes_per_epoch: the runs part ways at epoch {}: expected {}, got {} (reference {:?}, yours {:?})",
                epoch + 1,
                count(me.get(epoch)),
                count(mg.get(epoch)),
                me,
                mg
            )));
        }
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// mlp_forward: input (x, [(weight, bias, activation)...])

fn layer(w: Value, b: Vec<f64>, activation: &str) -> Value {
    Value::List(vec![w, b.into(), text(activation)])
}

fn random_layer(g: &mut Gen, inp: usize, out: usize, activation: &str) -> Value {
    let scale = 1.0 / (inp as f64).sqrt();
    let w: Vec<f64> = g.normals(out * inp).iter().map(|v| v * scale).collect();
    let b: Vec<f64> = g.normals(out).iter().map(|v| v * 0.1).collect();
    layer(Value::matrix(out, inp, w), b, activation)
}

/// The 2-2-1 threshold network for XOR (OR and AND hidden units), as the course writes it.
fn xor_layers() -> Vec<Value> {
    vec![
        layer(Value::matrix(2, 2, vec![1.0, 1.0, 1.0, 1.0]), vec![-0.5, -1.5], "Step"),
        layer(Value::matrix(1, 2, vec![1.0, -1.0]), vec![-0.5], "Step"),
    ]
}

fn mlp_cases(g: &mut Gen) -> Vec<Case> {
    let corners: Vec<Vec<f64>> = CORNERS.iter().map(|c| c.to_vec()).collect();
    let mut cases = vec![Case::new(
        "XOR network of threshold units (2-2-1) on the four corners",
        Value::List(vec![matrix(&corners), Value::List(xor_layers())]),
    )];
    let x = |g: &mut Gen, n: usize, d: usize| Value::matrix(n, d, g.normals(n * d));
    let input = x(g, 5, 4);
    let layers = vec![random_layer(g, 4, 3, "Tanh"), random_layer(g, 3, 2, "Identity")];
    cases.push(Case::new("4-3-2, tanh then identity, batch 5", Value::List(vec![input, Value::List(layers)])));
    let input = x(g, 16, 8);
    let layers = vec![random_layer(g, 8, 16, "Relu"), random_layer(g, 16, 8, "Relu"), random_layer(g, 8, 1, "Sigmoid")];
    cases.push(Case::new("8-16-8-1, relu, relu, sigmoid, batch 16", Value::List(vec![input, Value::List(layers)])));
    let input = x(g, 3, 5);
    let layers = vec![random_layer(g, 5, 2, "Identity")];
    cases
        .push(Case::new("one identity layer (a linear model), batch 3", Value::List(vec![input, Value::List(layers)])));
    let input = x(g, 1, 3);
    let layers = vec![random_layer(g, 3, 4, "Sigmoid"), random_layer(g, 4, 3, "Tanh")];
    cases.push(Case::new("3-4-3, sigmoid then tanh, one sample", Value::List(vec![input, Value::List(layers)])));
    let input = x(g, 4, 3);
    cases.push(Case::new("no layers: the identity", Value::List(vec![input, Value::List(vec![])])));
    let layers = vec![random_layer(g, 4, 3, "Relu"), random_layer(g, 3, 2, "Identity")];
    cases.push(Case::new("empty batch (0x4)", Value::List(vec![Value::matrix(0, 4, vec![]), Value::List(layers)])));

    // Refusals.
    let input = x(g, 2, 4);
    let layers = vec![random_layer(g, 4, 3, "Relu"), random_layer(g, 5, 2, "Identity")];
    cases.push(Case::new(
        "layer 2 expects 5 inputs, layer 1 gives 3",
        Value::List(vec![input.clone(), Value::List(layers)]),
    ));
    let layers = vec![random_layer(g, 3, 2, "Relu")];
    cases.push(Case::new("x has 4 columns, layer 1 expects 3", Value::List(vec![input.clone(), Value::List(layers)])));
    let w = Value::matrix(3, 4, g.normals(12));
    let layers = vec![layer(w, vec![0.1, 0.2], "Relu")];
    cases.push(Case::new("bias of length 2 for 3 outputs", Value::List(vec![input, Value::List(layers)])));
    cases
}

// ---------------------------------------------------------------------------------------------
// xor_network: no input; the student's layers are run by this check.

fn xor_network_cases(_: &mut Gen) -> Vec<Case> {
    vec![Case::new("the four corners of {0, 1}²", Value::Unit)]
}

fn activate(name: &str, z: f64) -> Option<f64> {
    Some(match name {
        "Identity" => z,
        "Step" => f64::from(u8::from(z > 0.0)),
        "Relu" => z.max(0.0),
        "Sigmoid" => 1.0 / (1.0 + (-z).exp()),
        "Tanh" => z.tanh(),
        _ => return None,
    })
}

/// One dense layer in plain f64: `(weight rows, bias, activation)`.
struct DenseF64 {
    rows: usize,
    cols: usize,
    w: Vec<f64>,
    b: Vec<f64>,
    activation: String,
}

impl DenseF64 {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        (0..self.rows)
            .map(|j| {
                let z = self.b[j] + (0..self.cols).map(|i| self.w[j * self.cols + i] * x[i]).sum::<f64>();
                activate(&self.activation, z).unwrap_or(f64::NAN)
            })
            .collect()
    }
}

/// The student's layers, shapes checked against 2-2-1.
fn xor_layers_of(got: &Value) -> Result<Vec<DenseF64>, Failure> {
    let layers = match got {
        Value::List(layers) => layers,
        Value::Error(e) => return Err(Failure::plain(format!("expected 2 layers, got error `{e}`"))),
        other => return Err(Failure::plain(format!("expected a list of 2 layers, got {}", other.kind()))),
    };
    if layers.len() != 2 {
        return Err(Failure::plain(format!("expected 2 layers (hidden, output), got {}", layers.len())));
    }
    let mut out = Vec::new();
    for (layer, ((rows, cols), name)) in layers.iter().zip([((2, 2), "hidden"), ((1, 2), "output")]) {
        let bad = |what: String| Failure::plain(format!("{name} layer: {what}"));
        let parts = match layer {
            Value::List(parts) => parts.as_slice(),
            _ => &[],
        };
        let (Some(Value::Matrix { rows: r, cols: c, data }), Some(Value::Floats(b)), Some(Value::Text(act))) =
            (parts.first(), parts.get(1), parts.get(2))
        else {
            return Err(bad("expected (weight matrix, bias vector, activation)".into()));
        };
        if (*r, *c) != (rows, cols) {
            return Err(bad(format!("weight should be {rows}x{cols}, got {r}x{c}")));
        }
        if b.len() != rows {
            return Err(bad(format!("bias should have length {rows}, got {}", b.len())));
        }
        if activate(act, 0.0).is_none() {
            return Err(bad(format!("unknown activation {act}")));
        }
        out.push(DenseF64 { rows, cols, w: data.clone(), b: b.clone(), activation: act.clone() });
    }
    Ok(out)
}

/// Runs the student's network on the four corners (XOR within the tolerance's `atol`), and
/// draws its output over the unit square.
fn check_xor_network(ctx: &CheckCtx) -> Result<(), Failure> {
    let layers = xor_layers_of(ctx.got)?;
    let run = |x: [f64; 2]| layers.iter().fold(x.to_vec(), |a, l| l.forward(&a))[0];
    let steps = 11;
    let grid: Vec<Vec<f64>> = (0..steps)
        .map(|i| (0..steps).map(|j| run([j as f64 / (steps - 1) as f64, i as f64 / (steps - 1) as f64])).collect())
        .collect();
    ctx.figure(Figure {
        title: "Your network's output on [0, 1]²".into(),
        kind: "heatmap".into(),
        x_label: "x1 (columns); rows are x2, from 0 at the top".into(),
        y_label: "x2".into(),
        series: vec![],
        matrix: grid,
        labels: (0..steps).map(|i| format!("{:.1}", i as f64 / (steps - 1) as f64)).collect(),
    });
    for (corner, target) in CORNERS.iter().zip([0.0, 1.0, 1.0, 0.0]) {
        let out = run(*corner);
        // Written so that NaN fails.
        let close = (out - target).abs() <= ctx.tol.atol;
        if !close {
            return Err(Failure::plain(format!(
                "on ({}, {}) your network outputs {}, XOR is {} (allowed error {})",
                corner[0],
                corner[1],
                compare::fmt_num(out),
                target,
                ctx.tol.atol
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Graph::forward: input (x, n_inputs, [(bias, activation)...], [(from, to, weight)...])

fn neuron(bias: f64, activation: &str) -> Value {
    Value::List(vec![bias.into(), text(activation)])
}

fn edge(from: usize, to: usize, weight: f64) -> Value {
    Value::List(vec![from.into(), to.into(), weight.into()])
}

fn graph_input(x: Value, n_inputs: usize, neurons: Vec<Value>, edges: Vec<Value>) -> Value {
    Value::List(vec![x, n_inputs.into(), Value::List(neurons), Value::List(edges)])
}

/// XOR as a graph: inputs 0, 1; node 2 is OR, node 3 is AND, node 4 the output.
fn xor_graph(x: Value) -> Value {
    graph_input(
        x,
        2,
        vec![neuron(-0.5, "Step"), neuron(-1.5, "Step"), neuron(-0.5, "Step")],
        vec![edge(0, 2, 1.0), edge(1, 2, 1.0), edge(0, 3, 1.0), edge(1, 3, 1.0), edge(2, 4, 1.0), edge(3, 4, -1.0)],
    )
}

const SMOOTH: [&str; 4] = ["Identity", "Relu", "Sigmoid", "Tanh"];

fn graph_cases(g: &mut Gen) -> Vec<Case> {
    let corners: Vec<Vec<f64>> = CORNERS.iter().map(|c| c.to_vec()).collect();
    let mut cases = vec![Case::new(
        "XOR as a graph: OR and AND neurons feeding an output, on the four corners",
        xor_graph(matrix(&corners)),
    )];

    // A random DAG with skip connections: every earlier node feeds a neuron with probability 1/2.
    let (n_inputs, n_neurons) = (3, 6);
    let mut neurons = Vec::new();
    let mut edges = Vec::new();
    for k in 0..n_neurons {
        let to = n_inputs + k;
        let activation = SMOOTH[g.size(0, SMOOTH.len() - 1)];
        neurons.push(neuron(g.float(-0.5, 0.5), activation));
        for from in 0..to {
            if g.float(0.0, 1.0) < 0.5 {
                edges.push(edge(from, to, g.float(-1.5, 1.5)));
            }
        }
    }
    let x = Value::matrix(5, n_inputs, g.normals(5 * n_inputs));
    cases.push(Case::new(
        "random DAG: 3 inputs, 6 neurons, skip connections, batch 5",
        graph_input(x, n_inputs, neurons.clone(), edges.clone()),
    ));
    // The same graph with its edge list reversed: the order of edges does not matter.
    let x = Value::matrix(4, n_inputs, g.normals(4 * n_inputs));
    let reversed: Vec<Value> = edges.iter().rev().cloned().collect();
    cases.push(Case::new(
        "the same DAG, edges listed in reverse order, batch 4",
        graph_input(x, n_inputs, neurons, reversed),
    ));

    // A layered 2-3-1 MLP written as a graph.
    let mut edges = Vec::new();
    for h in 2..5 {
        for i in 0..2 {
            edges.push(edge(i, h, g.float(-1.0, 1.0)));
        }
        edges.push(edge(h, 5, g.float(-1.0, 1.0)));
    }
    let neurons = vec![
        neuron(g.float(-0.5, 0.5), "Tanh"),
        neuron(g.float(-0.5, 0.5), "Tanh"),
        neuron(g.float(-0.5, 0.5), "Tanh"),
        neuron(g.float(-0.5, 0.5), "Sigmoid"),
    ];
    let x = Value::matrix(6, 2, g.normals(12));
    cases.push(Case::new("a 2-3-1 MLP (tanh, sigmoid) as a graph, batch 6", graph_input(x, 2, neurons, edges)));

    // Node 2 has no incoming edge (its value is f(bias)); node 3 has two parallel edges from 0.
    let x = Value::matrix(3, 2, g.normals(6));
    cases.push(Case::new(
        "a neuron without incoming edges, and two parallel edges (weights add up)",
        graph_input(
            x,
            2,
            vec![neuron(0.5, "Identity"), neuron(0.0, "Identity")],
            vec![edge(0, 3, 1.0), edge(0, 3, 2.0), edge(2, 3, 1.0), edge(1, 3, -1.0)],
        ),
    ));
    cases.push(Case::new("empty batch (0x2)", xor_graph(Value::matrix(0, 2, vec![]))));

    // Refusals.
    let x = matrix(&corners);
    let xor_neurons = || vec![neuron(-0.5, "Step"), neuron(-1.5, "Step"), neuron(-0.5, "Step")];
    cases.push(Case::new(
        "edge 4 → 2 (backwards)",
        graph_input(x.clone(), 2, xor_neurons(), vec![edge(0, 2, 1.0), edge(4, 2, 1.0)]),
    ));
    cases.push(Case::new(
        "self-loop 3 → 3",
        graph_input(x.clone(), 2, xor_neurons(), vec![edge(0, 3, 1.0), edge(3, 3, 1.0)]),
    ));
    cases.push(Case::new(
        "edge 0 → 1 into an input node",
        graph_input(x.clone(), 2, xor_neurons(), vec![edge(0, 1, 1.0), edge(1, 2, 1.0)]),
    ));
    cases.push(Case::new(
        "edge 2 → 5 in a graph of 5 nodes (one past the last)",
        graph_input(x.clone(), 2, xor_neurons(), vec![edge(0, 2, 1.0), edge(2, 5, 1.0)]),
    ));
    cases.push(Case::new(
        "edge 2 → 9 in a graph of 5 nodes",
        graph_input(x.clone(), 2, xor_neurons(), vec![edge(0, 2, 1.0), edge(2, 9, 1.0)]),
    ));
    cases.push(Case::new(
        "x has 3 columns, the graph 2 inputs",
        graph_input(Value::matrix(2, 3, g.normals(6)), 2, xor_neurons(), vec![edge(0, 2, 1.0)]),
    ));
    cases
}

/// Allclose with the reference; a wrong value is reported as (sample, node), and the node named.
fn check_graph(ctx: &CheckCtx) -> Result<(), Failure> {
    compare::values(ctx.expected, ctx.got, ctx.tol).map_err(|f| match &f.mismatch {
        Some(m) if m.worst_index.len() == 2 => {
            let (node, n_inputs) = (m.worst_index[1], ctx.input.at(1).usize());
            let what = if node < n_inputs {
                format!("input {node}, a copy of column {node} of x")
            } else {
                format!("neurons[{}]", node - n_inputs)
            };
            f.diagnosed(Some(format!("index = (sample, node); node {node} is {what}")))
        }
        _ => f,
    })
}

// ---------------------------------------------------------------------------------------------
// count_parameters: input the layer sizes

fn count_cases(g: &mut Gen) -> Vec<Case> {
    let random: Vec<i64> = (0..g.size(3, 6)).map(|_| g.int(1, 300)).collect();
    vec![
        Case::new("[2, 2, 1] (the XOR network)", Value::Ints(vec![2, 2, 1])),
        Case::new("[784, 128, 10] (an MNIST classifier)", Value::Ints(vec![784, 128, 10])),
        Case::new("[3, 1] (one perceptron)", Value::Ints(vec![3, 1])),
        Case::new(format!("{random:?}"), Value::Ints(random)),
        Case::new("[4] (no layer)", Value::Ints(vec![4])),
        Case::new("[] (nothing)", Value::Ints(vec![])),
        Case::new("[4, 0, 3] (a layer of width 0)", Value::Ints(vec![4, 0, 3])),
    ]
}
