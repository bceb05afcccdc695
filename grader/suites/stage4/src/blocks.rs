//! Hidden suites for `stage4::blocks`: residual and dense blocks on random batches, where the
//! order of the skip connection and the last ReLU shows (inputs of both signs), plus shapes that
//! must be refused. Deep networks, plain and residual: gradient norms per layer (vanishing,
//! exploding, and the skip connection's remedy) and training curves, drawn as figures.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage4.blocks.residual_block", residual_cases),
        ExerciseSuite::plain("stage4.blocks.dense_block", dense_cases),
        ExerciseSuite::custom("stage4.blocks.gradient_norms", norms_cases, check_norms),
        ExerciseSuite::custom("stage4.blocks.train_deep", train_cases, check_train),
    ]
}

/// A `(rows, cols)` matrix of normals times `scale`.
fn gauss(g: &mut Gen, rows: usize, cols: usize, scale: f64) -> Value {
    Value::matrix(rows, cols, g.normals(rows * cols).iter().map(|v| v * scale).collect())
}

fn vector(g: &mut Gen, n: usize, scale: f64) -> Value {
    Value::Floats(g.normals(n).iter().map(|v| v * scale).collect())
}

fn residual_input(g: &mut Gen, batch: usize, d: usize, hidden: usize) -> Value {
    let (x, w1, b1) = (gauss(g, batch, d, 1.0), gauss(g, hidden, d, 0.5), vector(g, hidden, 0.1));
    let (w2, b2) = (gauss(g, d, hidden, 0.5), vector(g, d, 0.1));
    Value::List(vec![x, w1, b1, w2, b2])
}

fn residual_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, d, hidden) in [(4, 3, 5), (16, 8, 8), (32, 16, 4)] {
        cases.push(Case::new(format!("batch {batch}, d = {d}, hidden {hidden}"), residual_input(g, batch, d, hidden)));
    }
    // Zero weights: F(x) = b2 only, so y = relu(x + b2): the skip path alone.
    let x = gauss(g, 5, 4, 1.0);
    let b2 = vector(g, 4, 0.5);
    cases.push(Case::new(
        "all weights 0: only the skip connection and b2 remain",
        Value::List(vec![
            x,
            Value::matrix(3, 4, vec![0.0; 12]),
            vector(g, 3, 1.0),
            Value::matrix(4, 3, vec![0.0; 12]),
            b2,
        ]),
    ));
    let Value::List(mut bad) = residual_input(g, 4, 3, 5) else { unreachable!() };
    bad[3] = gauss(g, 2, 5, 0.5);
    cases.push(Case::new(
        "W2 maps to 2 features, x has 3 (ShapeMismatch: the sum needs equal widths)",
        Value::List(bad),
    ));
    let Value::List(mut bad) = residual_input(g, 4, 3, 5) else { unreachable!() };
    bad[2] = vector(g, 4, 0.1);
    cases.push(Case::new("b1 of length 4 for 5 hidden units (ShapeMismatch)", Value::List(bad)));
    cases
}

fn dense_input(g: &mut Gen, batch: usize, d: usize, growth: usize, layers: usize) -> Value {
    let x = gauss(g, batch, d, 1.0);
    let list =
        (0..layers).map(|k| Value::List(vec![gauss(g, growth, d + k * growth, 0.5), vector(g, growth, 0.1)])).collect();
    Value::List(vec![x, Value::List(list)])
}

fn dense_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (batch, d, growth, layers) in [(4, 3, 2, 3), (8, 6, 4, 4), (16, 5, 3, 1)] {
        cases.push(Case::new(
            format!(
                "batch {batch}, {d} features, growth {growth}, {layers} layers ({} features out)",
                d + growth * layers
            ),
            dense_input(g, batch, d, growth, layers),
        ));
    }
    cases.push(Case::new("no layers (x itself)", Value::List(vec![gauss(g, 3, 4, 1.0), Value::List(vec![])])));
    let Value::List(mut v) = dense_input(g, 4, 3, 2, 2) else { unreachable!() };
    if let Value::List(layers) = &mut v[1] {
        layers[1] = Value::List(vec![gauss(g, 2, 3, 0.5), vector(g, 2, 0.1)]);
    }
    cases.push(Case::new(
        "layer 2 expects only the block's input (3 features, not 3 + 2: ShapeMismatch)",
        Value::List(v),
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Deep networks: layers (W, b), the input layer's gain `g0`, the hidden layers' gain `g`
// (weights N(0, gain² / fan_in)), zero biases, and a regression task with two inputs.

fn deep_layers(g: &mut Gen, inputs: usize, width: usize, hidden: usize, g0: f64, gain: f64) -> Value {
    let layer = |g: &mut Gen, out: usize, inp: usize, gain: f64| {
        Value::List(vec![gauss(g, out, inp, gain / (inp as f64).sqrt()), Value::Floats(vec![0.0; out])])
    };
    let mut ls = vec![layer(g, width, inputs, g0)];
    for _ in 0..hidden {
        ls.push(layer(g, width, width, gain));
    }
    ls.push(layer(g, 1, width, 1.0));
    Value::List(ls)
}

/// `n` points of `[-1, 1]²` and `y = sin(3 x_1) + x_2²`.
fn task(g: &mut Gen, n: usize) -> (Value, Value) {
    let x = g.floats(2 * n, -1.0, 1.0);
    let y = (0..n).map(|i| (3.0 * x[2 * i]).sin() + x[2 * i + 1] * x[2 * i + 1]).collect();
    (Value::matrix(n, 2, x), Value::matrix(n, 1, y))
}

fn norms_input(g: &mut Gen, act: &str, residual: bool, hidden: usize, gain: f64) -> Value {
    let (x, y) = task(g, 32);
    let layers = deep_layers(g, 2, 16, hidden, 1.0, gain);
    Value::List(vec![layers, Value::Text(act.into()), residual.into(), x, y])
}

fn norms_cases(g: &mut Gen) -> Vec<Case> {
    let he = std::f64::consts::SQRT_2;
    let mut cases = vec![
        Case::new(
            "20 sigmoid layers, plain: the gradient vanishes towards layer 0",
            norms_input(g, "sigmoid", false, 20, 1.0),
        ),
        Case::new("20 sigmoid layers, residual: it does not", norms_input(g, "sigmoid", true, 20, 1.0)),
        Case::new("20 ReLU layers with He initialisation (gain √2): stable", norms_input(g, "relu", false, 20, he)),
        Case::new("20 ReLU layers with gain 2: the gradient explodes", norms_input(g, "relu", false, 20, 2.0)),
        Case::new("12 tanh layers with gain 1, residual", norms_input(g, "tanh", true, 12, 1.0)),
        Case::new("no hidden layer (input and output layers only)", norms_input(g, "tanh", false, 0, 1.0)),
    ];
    let mut wrong = norms_input(g, "relu", false, 3, he);
    if let Value::List(parts) = &mut wrong {
        parts[4] = Value::matrix(31, 1, vec![0.0; 31]);
    }
    cases.push(Case::new("y has 31 rows for 32 inputs (ShapeMismatch)", wrong));
    let mut wrong = norms_input(g, "relu", true, 3, he);
    if let Value::List(parts) = &mut wrong {
        if let Value::List(ls) = &mut parts[0] {
            ls[2] = Value::List(vec![gauss(g, 12, 16, 0.1), Value::Floats(vec![0.0; 12])]);
        }
    }
    cases.push(Case::new("a hidden layer of 12 units in a network of width 16 (ShapeMismatch)", wrong));
    cases
}

/// `[layer, log10 value]` points, skipping values that are not positive and finite.
fn log_points(values: &[f64]) -> Vec<[f64; 2]> {
    values.iter().enumerate().filter(|(_, v)| **v > 0.0 && v.is_finite()).map(|(i, v)| [i as f64, v.log10()]).collect()
}

/// The loss, then layer by layer (named), with the norms drawn against the reference's.
fn check_norms(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    compare::values(&e[0], &s[0], ctx.tol).map_err(|f| f.within("the loss"))?;
    let (Value::Floats(en), Value::Floats(sn)) = (&e[1], &s[1]) else {
        return compare::values(&e[1], &s[1], ctx.tol).map_err(|f| f.within("the norms"));
    };
    if sn.len() != en.len() {
        return Err(Failure::plain(format!("expected one norm per layer ({}), got {}", en.len(), sn.len())));
    }
    ctx.figure(Figure {
        title: "log10 ‖∂loss/∂W‖ per layer (layer 0 is the input layer)".into(),
        kind: "lines".into(),
        x_label: "layer".into(),
        y_label: "log10 gradient norm".into(),
        series: vec![
            Series { name: "yours".into(), points: log_points(sn) },
            Series { name: "reference".into(), points: log_points(en) },
        ],
        matrix: vec![],
        labels: vec![],
    });
    for (l, (a, b)) in en.iter().zip(sn).enumerate() {
        let what = match l {
            0 => "layer 0 (the input layer, W_0)".to_string(),
            l if l + 1 == en.len() => format!("layer {l} (the output layer, W_{l})"),
            l => format!("layer {l} (hidden, W_{l})"),
        };
        compare::values(&Value::Float(*a), &Value::Float(*b), ctx.tol)
            .map_err(|f| f.within(&format!("the gradient norm of {what}")))?;
    }
    Ok(())
}

fn train_input(g: &mut Gen, act: &str, hidden: usize, gain: f64, lr: f64, steps: usize) -> Value {
    let (x, y) = task(g, 64);
    let layers = deep_layers(g, 2, 16, hidden, 1.5, gain);
    Value::List(vec![layers, Value::Text(act.into()), x, y, lr.into(), steps.into()])
}

fn train_cases(g: &mut Gen) -> Vec<Case> {
    // The demonstration uses fixed weights and data (the same for every seed): its outcome, the
    // plain network stuck and the residual one trained, is checked on the reference below.
    let mut fixed = Gen::new(3, "stage4.blocks.train_deep");
    let mut cases = vec![Case::new(
        "depth 30, tanh, hidden gain 0.1, lr 0.05, 200 steps: plain against residual",
        train_input(&mut fixed, "tanh", 30, 0.1, 0.05, 200),
    )];
    cases.push(Case::new(
        "depth 4, tanh, gain 1, lr 0.05, 60 steps: both train",
        train_input(g, "tanh", 2, 1.0, 0.05, 60),
    ));
    cases.push(Case::new("depth 8, sigmoid, gain 1, lr 0.1, 40 steps", train_input(g, "sigmoid", 6, 1.0, 0.1, 40)));
    cases.push(Case::new("no steps: the initial loss only", train_input(g, "relu", 3, 1.0, 0.05, 0)));
    cases.push(Case::new("lr 0: the loss never moves", train_input(g, "relu", 3, 1.0, 0.0, 5)));
    cases.push(Case::new("lr -0.1 (InvalidRate)", train_input(g, "relu", 3, 1.0, -0.1, 5)));
    cases
}

/// Both curves step by step, drawn against the reference's; on the demonstration case the
/// reference must show the plain network stuck and the residual one trained.
fn check_train(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let curve = |v: &[f64]| -> Vec<[f64; 2]> {
        v.iter().enumerate().filter(|(_, l)| **l > 0.0 && l.is_finite()).map(|(i, l)| [i as f64, l.log10()]).collect()
    };
    if let (Value::Floats(ep), Value::Floats(er)) = (&e[0], &e[1]) {
        if ep.len() > 100 {
            let (plain, residual) = (ep[ep.len() - 1], er[er.len() - 1]);
            assert!(
                residual < 0.25 * plain && plain > 0.8 * ep[0].min(ep[1]),
                "suite: the demonstration must show a stuck plain network and a trained residual one \
                 (plain {plain}, residual {residual})"
            );
        }
        let mut series = vec![
            Series { name: "reference, plain".into(), points: curve(ep) },
            Series { name: "reference, residual".into(), points: curve(er) },
        ];
        if let (Value::Floats(sp), Value::Floats(sr)) = (&s[0], &s[1]) {
            series.insert(0, Series { name: "yours, residual".into(), points: curve(sr) });
            series.insert(0, Series { name: "yours, plain".into(), points: curve(sp) });
        }
        if ep.len() > 2 {
            ctx.figure(Figure {
                title: "training loss (log10), plain and residual, from the same weights".into(),
                kind: "lines".into(),
                x_label: "step".into(),
                y_label: "log10 loss".into(),
                series,
                matrix: vec![],
                labels: vec![],
            });
        }
    }
    for (k, name) in ["the plain network", "the residual network"].iter().enumerate() {
        let (Value::Floats(ev), Value::Floats(sv)) = (&e[k], &s[k]) else {
            compare::values(&e[k], &s[k], ctx.tol).map_err(|f| f.within(&format!("the losses of {name}")))?;
            continue;
        };
        if ev.len() != sv.len() {
            return Err(Failure::plain(format!("{name}: expected {} losses (steps + 1), got {}", ev.len(), sv.len())));
        }
        for (i, (a, b)) in ev.iter().zip(sv).enumerate() {
            let when = if i == 0 { "before the first step".to_string() } else { format!("after step {i}") };
            compare::values(&Value::Float(*a), &Value::Float(*b), ctx.tol)
                .map_err(|f| f.within(&format!("{name}, the loss {when}")))?;
        }
    }
    Ok(())
}
