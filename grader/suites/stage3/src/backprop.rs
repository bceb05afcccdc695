//! Hidden suites for `stage3::backprop`: gradients by hand, each compared per parameter (the
//! failure names the parameter and the element), the network and loss gradients also against
//! candle's autograd; gradient checking; vanishing gradients measured layer by layer.

use super::forward::{gauss, gauss_vec, layer, network};
use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage3.backprop.mse", mse_cases, check_mse),
        ExerciseSuite::custom("stage3.backprop.softmax_cross_entropy", softmax_ce_cases, check_softmax_ce)
            .with_baseline("stage3.backprop.softmax_cross_entropy.candle"),
        ExerciseSuite::custom("stage3.backprop.dense_backward", dense_backward_cases, check_dense_backward),
        ExerciseSuite::custom("stage3.backprop.activation_backward", activation_cases, check_activation),
        ExerciseSuite::custom("stage3.backprop.two_layer_gradients", two_layer_cases, check_two_layer)
            .with_baseline("stage3.backprop.two_layer_gradients.candle"),
        ExerciseSuite::custom("stage3.backprop.gradient_check", gradient_check_cases, check_gradient_check),
        ExerciseSuite::custom("stage3.backprop.gradient_norms", norms_cases, check_norms),
    ]
}

/// Compares a tuple of gradients one by one, under their names: a failure reads
/// "... at output.dW1: worst at (2, 0) expected ..., got ...". A gradient off by the same factor
/// everywhere gets that factor named (a forgotten `1/batch` or `2`, a flipped sign).
fn gradients(expected: &Value, got: &Value, names: &[&str], tol: Tolerance) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (expected, got) else {
        return compare::values(expected, got, tol);
    };
    if e.len() != names.len() || g.len() != names.len() {
        return compare::values(expected, got, tol);
    }
    for ((name, e), g) in names.iter().zip(e).zip(g) {
        one(name, e, g, tol)?;
    }
    Ok(())
}

/// One named tensor, with the constant-factor and transpose diagnoses.
fn one(name: &str, e: &Value, g: &Value, tol: Tolerance) -> Result<(), Failure> {
    compare::named(name, e, g, tol).map_err(|f| {
        let hint = match (e, g) {
            (Value::Matrix { data: ed, .. }, Value::Matrix { data: gd, .. }) if ed.len() == gd.len() => {
                transposed_hint(name, e, g).or_else(|| factor_hint(ed, gd))
            }
            (Value::Floats(ed), Value::Floats(gd)) if ed.len() == gd.len() => factor_hint(ed, gd),
            _ => None,
        };
        f.diagnosed(hint)
    })
}

/// When `got ≈ k · expected` for one constant `k ≠ 1`, says so.
fn factor_hint(e: &[f64], g: &[f64]) -> Option<String> {
    let ee: f64 = e.iter().map(|x| x * x).sum();
    if ee == 0.0 || !g.iter().all(|x| x.is_finite()) {
        return None;
    }
    let k = e.iter().zip(g).map(|(a, b)| a * b).sum::<f64>() / ee;
    let fits = e.iter().zip(g).all(|(a, b)| (b - k * a).abs() <= 1e-9 * (1.0 + (k * a).abs()));
    if !fits || (k - 1.0).abs() < 1e-6 || k.abs() < 1e-12 {
        return None;
    }
    Some(if (k + 1.0).abs() < 1e-6 {
        "every value has the opposite sign: check the sign of the gradient".to_string()
    } else {
        format!(
            "every value is {} times the expected one: a constant factor is missing or extra — 1/batch? 2?",
            compare::fmt_num(k)
        )
    })
}

/// When a square gradient equals the transpose of the expected one.
fn transposed_hint(name: &str, e: &Value, g: &Value) -> Option<String> {
    let (Value::Matrix { rows, cols, data: ed }, Value::Matrix { data: gd, .. }) = (e, g) else {
        return None;
    };
    if rows != cols || *rows < 2 {
        return None;
    }
    let n = *rows;
    let tr =
        (0..n).all(|i| (0..n).all(|j| (gd[i * n + j] - ed[j * n + i]).abs() <= 1e-9 * (1.0 + ed[j * n + i].abs())));
    tr.then(|| {
        format!("{name} is the transpose of the expected one: the gradient of W (out, in) is dyᵀ · x, (out, in) too")
    })
}

fn labels(ys: Vec<i64>) -> Value {
    Value::Ints(ys)
}

fn random_labels(g: &mut Gen, n: usize, classes: usize) -> Value {
    labels((0..n).map(|_| g.int(0, classes as i64 - 1)).collect())
}

// ---------------------------------------------------------------------------------------------
// Mean squared error

fn mse_cases(g: &mut Gen) -> Vec<Case> {
    let pair = |a: Value, b: Value| Value::List(vec![a, b]);
    vec![
        Case::new("batch 16 x 3", pair(g.matrix(16, 3), g.matrix(16, 3))),
        Case::new("batch 40 x 1 (regression)", pair(gauss(g, 40, 1, 5.0), gauss(g, 40, 1, 5.0))),
        Case::new("1 x 1", pair(g.matrix(1, 1), g.matrix(1, 1))),
        Case::new("1-D vectors of length 10", pair(g.floats(10, -2.0, 2.0).into(), g.floats(10, -2.0, 2.0).into())),
        Case::new("predictions equal to the targets (loss 0, gradient 0)", {
            let m = g.matrix(4, 2);
            pair(m.clone(), m)
        }),
        Case::new("(4, 1) predictions against a (4,) target", pair(g.matrix(4, 1), g.floats(4, -1.0, 1.0).into())),
        Case::new("(3, 2) predictions against (2, 3) targets", pair(g.matrix(3, 2), g.matrix(2, 3))),
        Case::new("no elements (0 x 3)", pair(Value::matrix(0, 3, vec![]), Value::matrix(0, 3, vec![]))),
    ]
}

fn check_mse(ctx: &CheckCtx) -> Result<(), Failure> {
    gradients(ctx.expected, ctx.got, &["loss", "dpred"], ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy

fn softmax_ce_cases(g: &mut Gen) -> Vec<Case> {
    let pair = |a: Value, b: Value| Value::List(vec![a, b]);
    let mut cases = Vec::new();
    for (batch, classes) in [(8, 5), (32, 10), (1, 2)] {
        cases.push(Case::new(
            format!("batch {batch}, {classes} classes, logits ~ N(0, 2²)"),
            pair(gauss(g, batch, classes, 2.0), random_labels(g, batch, classes)),
        ));
    }
    cases.push(Case::new(
        "logits in the hundreds (e^z overflows without the max shift)",
        pair(Value::matrix(4, 3, g.floats(12, -1.0, 1.0).iter().map(|x| 800.0 * x).collect()), random_labels(g, 4, 3)),
    ));
    cases.push(Case::new(
        "a confident wrong prediction (logit 800 on a wrong class: p of the right one underflows to 0)",
        pair(Value::matrix(2, 3, vec![800.0, 0.0, 0.0, 0.0, 0.0, 800.0]), labels(vec![1, 0])),
    ));
    cases.push(Case::new("every sample of class 0", pair(gauss(g, 6, 4, 1.0), labels(vec![0; 6]))));
    cases.push(Case::new("one class only (loss 0, gradient 0)", pair(gauss(g, 3, 1, 1.0), labels(vec![0; 3]))));
    cases.push(Case::new("label 5 with 5 classes", pair(gauss(g, 3, 5, 1.0), labels(vec![0, 5, 1]))));
    cases.push(Case::new("3 labels for 4 rows", pair(gauss(g, 4, 3, 1.0), labels(vec![0, 1, 2]))));
    cases.push(Case::new("logits given as a 1-D vector", pair(gauss_vec(g, 3, 1.0), labels(vec![1]))));
    cases.push(Case::new("empty batch", pair(Value::matrix(0, 3, vec![]), labels(vec![]))));
    cases
}

/// Named comparison with the reference, then with candle's autograd
/// (`candle_nn::loss::cross_entropy` + `backward()`).
fn check_softmax_ce(ctx: &CheckCtx) -> Result<(), Failure> {
    let names = ["loss", "dlogits"];
    if let (Some(b @ Value::List(bl)), Value::List(gl)) = (ctx.baseline, ctx.got) {
        if let (Some(Value::Float(bloss)), Some(Value::Float(gloss))) = (bl.first(), gl.first()) {
            let eloss = match ctx.expected {
                Value::List(el) => el.first().and_then(|v| if let Value::Float(x) = v { Some(*x) } else { None }),
                _ => None,
            };
            ctx.metric("loss", *gloss, eloss, Some(("candle", *bloss)));
        }
        gradients(ctx.expected, ctx.got, &names, ctx.tol)?;
        return against_candle(b, ctx.got, &names);
    }
    gradients(ctx.expected, ctx.got, &names, ctx.tol)
}

/// The student's values against candle's autograd, with a tolerance for rounding only.
fn against_candle(baseline: &Value, got: &Value, names: &[&str]) -> Result<(), Failure> {
    gradients(baseline, got, names, Tolerance::new(1e-10, 1e-8)).map_err(|f| f.within("against candle's autograd"))
}

// ---------------------------------------------------------------------------------------------
// Dense layer backward

fn dense_backward_cases(g: &mut Gen) -> Vec<Case> {
    let triple = |x: Value, w: Value, dy: Value| Value::List(vec![x, w, dy]);
    let mut cases = Vec::new();
    for (batch, n_in, n_out) in [(8, 5, 3), (32, 16, 10), (1, 4, 2)] {
        cases.push(Case::new(
            format!("batch {batch}, {n_in} -> {n_out}"),
            triple(g.matrix(batch, n_in), gauss(g, n_out, n_in, 0.5), gauss(g, batch, n_out, 0.1)),
        ));
    }
    cases.push(Case::new(
        "square layer 6 -> 6 (a transposed dW has the right shape)",
        triple(g.matrix(10, 6), gauss(g, 6, 6, 0.5), gauss(g, 10, 6, 0.1)),
    ));
    cases.push(Case::new(
        "upstream gradient zero except one element",
        triple(g.matrix(5, 4), gauss(g, 3, 4, 0.5), {
            let mut d = vec![0.0; 15];
            d[7] = 1.0;
            Value::matrix(5, 3, d)
        }),
    ));
    cases.push(Case::new(
        "empty batch (dW and db are zeros, dx is 0 x in)",
        triple(Value::matrix(0, 3, vec![]), gauss(g, 2, 3, 0.5), Value::matrix(0, 2, vec![])),
    ));
    cases.push(Case::new("dy has 4 rows, x has 5", triple(g.matrix(5, 3), gauss(g, 2, 3, 0.5), gauss(g, 4, 2, 0.1))));
    cases.push(Case::new(
        "dy has 3 columns, the layer 2 outputs",
        triple(g.matrix(5, 3), gauss(g, 2, 3, 0.5), gauss(g, 5, 3, 0.1)),
    ));
    cases.push(Case::new(
        "x has 4 features, W expects 3",
        triple(g.matrix(5, 4), gauss(g, 2, 3, 0.5), gauss(g, 5, 2, 0.1)),
    ));
    cases
}

fn check_dense_backward(ctx: &CheckCtx) -> Result<(), Failure> {
    gradients(ctx.expected, ctx.got, &["dx", "dW", "db"], ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// Activation backward

fn activation_cases(g: &mut Gen) -> Vec<Case> {
    let case = |act: &str, z: Value, dy: Value| Value::List(vec![Value::Text(act.into()), z, dy]);
    let mut cases = Vec::new();
    for act in ["identity", "relu", "sigmoid", "tanh"] {
        cases.push(Case::new(format!("{act}, batch 8 x 5"), case(act, gauss(g, 8, 5, 2.0), gauss(g, 8, 5, 1.0))));
    }
    // Exact zeros among the pre-activations: ReLU's derivative at 0 is taken as 0.
    let z: Vec<f64> = (0..12).map(|i| if i % 3 == 0 { 0.0 } else { g.float(-2.0, 2.0) }).collect();
    cases.push(Case::new(
        "relu with exact zeros in z (f'(0) = 0)",
        case("relu", Value::matrix(3, 4, z), g.matrix(3, 4)),
    ));
    cases.push(Case::new(
        "sigmoid and large |z| (saturated: the gradient all but vanishes)",
        case("sigmoid", Value::Floats(vec![-40.0, -12.0, 0.0, 12.0, 40.0]), Value::Floats(vec![1.0; 5])),
    ));
    cases.push(Case::new(
        "tanh and large |z|",
        case("tanh", Value::Floats(vec![-25.0, -5.0, 0.0, 5.0, 25.0]), Value::Floats(vec![1.0; 5])),
    ));
    cases.push(Case::new("tanh, 1-D", case("tanh", gauss_vec(g, 7, 1.0), gauss_vec(g, 7, 1.0))));
    cases.push(Case::new("relu, z 3 x 4 but dy 4 x 3", case("relu", g.matrix(3, 4), g.matrix(4, 3))));
    cases.push(Case::new(
        "sigmoid, empty batch",
        case("sigmoid", Value::matrix(0, 3, vec![]), Value::matrix(0, 3, vec![])),
    ));
    cases
}

fn check_activation(ctx: &CheckCtx) -> Result<(), Failure> {
    one("dz", ctx.expected, ctx.got, ctx.tol).map_err(|f| {
        // A ReLU that takes f'(0) = 1 (or 1/2) differs exactly where z = 0.
        let z = match ctx.input.at(1) {
            Value::Matrix { data, .. } => data.as_slice(),
            Value::Floats(data) => data.as_slice(),
            _ => &[],
        };
        let at_zero = f.mismatch.as_ref().is_some_and(|m| {
            m.samples.iter().all(|s| {
                let flat = match (ctx.input.at(1), s.index.as_slice()) {
                    (Value::Matrix { cols, .. }, [r, c]) => r * cols + c,
                    (_, [i]) => *i,
                    _ => usize::MAX,
                };
                z.get(flat) == Some(&0.0)
            })
        });
        if ctx.input.at(0).text() == "relu" && at_zero {
            Failure {
                message: format!(
                    "{} (these are the elements where z = 0 exactly: take ReLU's derivative there as 0)",
                    f.message
                ),
                ..f
            }
        } else {
            f
        }
    })
}

// ---------------------------------------------------------------------------------------------
// A whole two-layer network

/// `(x, labels, W1, b1, activation, W2, b2)`.
fn two_layer(g: &mut Gen, batch: usize, n_in: usize, hidden: usize, classes: usize, act: &str) -> Value {
    Value::List(vec![
        gauss(g, batch, n_in, 1.0),
        random_labels(g, batch, classes),
        gauss(g, hidden, n_in, 1.0 / (n_in as f64).sqrt()),
        gauss_vec(g, hidden, 0.1),
        Value::Text(act.into()),
        gauss(g, classes, hidden, 1.0 / (hidden as f64).sqrt()),
        gauss_vec(g, classes, 0.1),
    ])
}

fn two_layer_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("batch 16, 4 -> 8 (relu) -> 3 classes", two_layer(g, 16, 4, 8, 3, "relu")),
        Case::new("batch 32, 10 -> 16 (tanh) -> 5 classes", two_layer(g, 32, 10, 16, 5, "tanh")),
        Case::new("batch 12, 6 -> 5 (sigmoid) -> 4 classes", two_layer(g, 12, 6, 5, 4, "sigmoid")),
        Case::new("batch 10, 3 -> 4 (identity) -> 2 classes", two_layer(g, 10, 3, 4, 2, "identity")),
        Case::new("a single sample, 5 -> 7 (relu) -> 3 classes", two_layer(g, 1, 5, 7, 3, "relu")),
    ];
    let mut set = |g: &mut Gen, label: &str, act: &str, f: &dyn Fn(&mut Vec<Value>, &mut Gen)| {
        let Value::List(mut v) = two_layer(g, 6, 3, 4, 3, act) else { unreachable!() };
        f(&mut v, g);
        cases.push(Case::new(label, Value::List(v)));
    };
    set(g, "every sample of class 2", "tanh", &|v, _| v[1] = labels(vec![2; 6]));
    set(g, "empty batch", "relu", &|v, _| {
        v[0] = Value::matrix(0, 3, vec![]);
        v[1] = labels(vec![]);
    });
    set(g, "label 3 with 3 classes", "relu", &|v, _| v[1] = labels(vec![0, 1, 2, 3, 0, 1]));
    set(g, "W2 expects 5 hidden units, W1 gives 4", "relu", &|v, g| v[5] = gauss(g, 3, 5, 0.4));
    set(g, "x has 2 features, W1 expects 3", "tanh", &|v, g| v[0] = gauss(g, 6, 2, 1.0));
    cases
}

/// Every gradient by name against the reference, then against candle's autograd; the gradient
/// norms are shown next to the reference's and candle's.
fn check_two_layer(ctx: &CheckCtx) -> Result<(), Failure> {
    let names = ["loss", "dW1", "db1", "dW2", "db2"];
    let check = |expected: &Value, got: &Value, tol: Tolerance| backward_order(expected, got, &names, tol);
    if let (Some(b @ Value::List(bl)), Value::List(gl), Value::List(el)) = (ctx.baseline, ctx.got, ctx.expected) {
        if bl.len() == names.len() && gl.len() == names.len() && el.len() == names.len() {
            for (i, name) in names.iter().enumerate() {
                let (Some(s), Some(r), Some(c)) = (norm(&gl[i]), norm(&el[i]), norm(&bl[i])) else { continue };
                let label = if i == 0 { "loss".to_string() } else { format!("‖{name}‖") };
                ctx.metric(&label, s, Some(r), Some(("candle autograd", c)));
            }
        }
        check(ctx.expected, ctx.got, ctx.tol)?;
        return check(b, ctx.got, Tolerance::new(1e-10, 1e-8)).map_err(|f| f.within("against candle's autograd"));
    }
    check(ctx.expected, ctx.got, ctx.tol)
}

/// The two-layer gradients compared in the order backpropagation computes them (loss, dW2,
/// db2, then dW1, db1), so that the first difference reported is the earliest mistake.
fn backward_order(expected: &Value, got: &Value, names: &[&str], tol: Tolerance) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (expected, got) else {
        return compare::values(expected, got, tol);
    };
    if e.len() != 5 || g.len() != 5 {
        return compare::values(expected, got, tol);
    }
    for i in [0, 3, 4, 1, 2] {
        one(names[i], &e[i], &g[i], tol).map_err(|f| {
            let note = (i == 1 || i == 2).then(|| {
                "the loss, dW2 and db2 are right: look at the activation backward, which needs z1, and at the first \
                 layer's backward, whose input is x"
                    .to_string()
            });
            f.diagnosed(note)
        })?;
    }
    Ok(())
}

/// A number's value, or a tensor's Frobenius norm.
fn norm(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        Value::Floats(d) | Value::Matrix { data: d, .. } => Some(d.iter().map(|x| x * x).sum::<f64>().sqrt()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Gradient checking

/// `(function name, x, analytic gradient, h)`. The analytic gradients are the true ones, built
/// here, or the true ones with a planted error.
fn grad_case(name: &str, x: Value, analytic: Vec<f64>, h: f64) -> Value {
    let analytic = match &x {
        Value::Matrix { rows, cols, .. } => Value::matrix(*rows, *cols, analytic),
        _ => Value::Floats(analytic),
    };
    Value::List(vec![Value::Text(name.into()), x, analytic, h.into()])
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Matrix { data, .. } => data.clone(),
        Value::Floats(d) => d.clone(),
        _ => vec![],
    }
}

/// Gradient of Σ (x³/3 + x).
fn cubic_grad(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v * v + 1.0).collect()
}

fn gradient_check_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let x = g.matrix(3, 4);
    cases.push(Case::new(
        "Σ (x³/3 + x) on a 3 x 4 input, correct gradient, h = 1e-5",
        grad_case("cubic", x.clone(), cubic_grad(&flat(&x)), 1e-5),
    ));
    let x = Value::Floats(g.floats(10, -3.0, 3.0));
    let xs = flat(&x);
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = xs.iter().map(|v| (v - m).exp()).sum();
    cases.push(Case::new(
        "log Σ e^x on 10 inputs (gradient: softmax), correct, h = 1e-5",
        grad_case("logsumexp", x, xs.iter().map(|v| (v - m).exp() / z).collect(), 1e-5),
    ));
    let x = g.matrix(4, 3);
    let mut a = cubic_grad(&flat(&x));
    let bug = g.size(0, 11);
    a[bug] = a[bug] * 1.1 + 0.05;
    cases.push(Case::new(
        format!("Σ (x³/3 + x), one element of the analytic gradient 10% off (flat index {bug})"),
        grad_case("cubic", x, a, 1e-5),
    ));
    let x = g.matrix(2, 5);
    let mut a = cubic_grad(&flat(&x));
    let bug = g.size(0, 9);
    a[bug] *= 1.001;
    cases.push(Case::new(
        format!("Σ (x³/3 + x), one element 0.1% off (flat index {bug}): uncomfortable"),
        grad_case("cubic", x, a, 1e-5),
    ));
    let x = g.matrix(3, 3);
    cases.push(Case::new(
        "Σ (x³/3 + x), correct gradient but h = 0.05 (too large: error h²/3)",
        grad_case("cubic", x.clone(), cubic_grad(&flat(&x)), 0.05),
    ));
    // ReLU: exact away from the kink (both gradients 0 where x < 0), wrong across it.
    let away: Vec<f64> = (0..8).map(|i| if i % 2 == 0 { g.float(0.1, 1.0) } else { -g.float(0.1, 1.0) }).collect();
    let step: Vec<f64> = away.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    cases.push(Case::new(
        "Σ relu(x), inputs away from 0 (half of both gradients are exactly 0)",
        grad_case("relu_sum", Value::Floats(away.clone()), step.clone(), 1e-5),
    ));
    let mut near = away;
    let k = g.size(0, 3) * 2;
    near[k] = 3e-6;
    cases.push(Case::new(
        format!("Σ relu(x), x[{k}] = 3e-6 is within h = 1e-5 of the kink"),
        grad_case("relu_sum", Value::Floats(near), step, 1e-5),
    ));
    // An exact tie: where the analytic gradient is 0 and the numeric one is not, the relative
    // error is |n| / |n| = 1 to the last bit, at [1] and at [4] alike.
    let xs: Vec<f64> = (0..6).map(|i| if i == 1 || i == 4 { g.float(0.2, 1.0) } else { -g.float(0.2, 1.0) }).collect();
    cases.push(Case::new(
        "Σ relu(x), analytic gradient 0 everywhere: [1] and [4] tie at relative error 1 (the lowest index)",
        grad_case("relu_sum", Value::Floats(xs), vec![0.0; 6], 1e-5),
    ));
    // A broken analytic gradient (NaN) is the worst error there is, wherever it sits.
    let x = g.matrix(2, 3);
    let mut a = cubic_grad(&flat(&x));
    a[0] *= 1.5;
    a[4] = f64::NAN;
    cases.push(Case::new(
        "a NaN at [4] of the analytic gradient, a 50% error at [0] (the NaN is the worst)",
        grad_case("cubic", x, a, 1e-5),
    ));
    let x = g.matrix(2, 3);
    cases.push(Case::new(
        "analytic gradient 3 x 2 for a 2 x 3 input",
        Value::List(vec![Value::Text("cubic".into()), x, g.matrix(3, 2), 1e-5.into()]),
    ));
    let x = Value::Floats(g.floats(3, -1.0, 1.0));
    cases.push(Case::new("h = 0", grad_case("cubic", x.clone(), cubic_grad(&flat(&x)), 0.0)));
    cases.push(Case::new("h = -1e-5", grad_case("cubic", x.clone(), cubic_grad(&flat(&x)), -1e-5)));
    cases.push(Case::new("empty input", grad_case("cubic", Value::Floats(vec![]), vec![], 1e-5)));
    cases
}

/// `(numeric, max_rel_error, worst_index, band)`: the numerical gradient allclose; the maximum
/// relative error within 1e-8 + 1e-3 relative (below 1e-8 it is rounding noise); the index, or
/// another whose relative error (from the reference's numerical gradient) ties with the maximum;
/// the band.
fn check_gradient_check(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if e.len() != 4 || g.len() != 4 {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    one("numeric", &e[0], &g[0], ctx.tol)?;
    let (Value::Float(emax), Value::Float(gmax)) = (&e[1], &g[1]) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    ctx.metric("max relative error", *gmax, Some(*emax), None);
    compare::floats(".max_rel_error", &[], &[*emax], &[*gmax], Tolerance::new(1e-8, 1e-3)).map_err(|f| Failure {
        message: format!(
            "{} (relative error |a - n| / max(|a|, |n|, TINY), elementwise; the maximum over all elements)",
            f.message
        ),
        ..f
    })?;
    let (Value::Int(ei), Value::Int(gi)) = (&e[2], &g[2]) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if ei != gi {
        let analytic = flat(ctx.input.at(2));
        let rel_with = |numeric: &[f64], i: usize| {
            let (a, n) = (analytic[i], numeric[i]);
            (a - n).abs() / a.abs().max(n.abs()).max(1e-12)
        };
        let numeric = flat(&e[0]);
        let rel = |i: usize| rel_with(&numeric, i);
        let gi_index = usize::try_from(*gi).ok().filter(|&i| i < analytic.len());
        // Rounding may order two near-equal errors differently from the reference: within 1e-6
        // either index is accepted.
        let tie = gi_index.is_some_and(|i| rel(i) >= emax * (1.0 - 1e-6));
        if !tie {
            return Err(Failure::msg(format!(
                "worst_index: expected {ei} (relative error {}), got {gi}",
                compare::fmt_num(*emax)
            )));
        }
        // But where the student's own numeric gradient makes the two errors equal to the last
        // bit, the rule decides: the lowest index.
        let yours = flat(&g[0]);
        if let (Some(i), Ok(e_index)) = (gi_index, usize::try_from(*ei)) {
            if i > e_index
                && e_index < yours.len()
                && i < yours.len()
                && rel_with(&yours, i) == rel_with(&yours, e_index)
            {
                return Err(Failure::msg(format!(
                    "worst_index: elements {e_index} and {i} tie exactly (relative error {}); on a tie, report \
                     the lowest index",
                    compare::fmt_num(rel_with(&yours, i))
                )));
            }
        }
    }
    compare::values(&e[3], &g[3], ctx.tol).map_err(|f| f.within("band"))
}

// ---------------------------------------------------------------------------------------------
// Vanishing gradients

/// `(x, layers, dout)`.
fn deep(g: &mut Gen, widths: &[usize], gain: f64, hidden: &str, batch: usize) -> Value {
    let layers = network(g, widths, gain, hidden, "identity");
    let out = *widths.last().expect("widths");
    Value::List(vec![gauss(g, batch, widths[0], 1.0), layers, gauss(g, batch, out, 1.0 / batch as f64)])
}

fn norms_cases(g: &mut Gen) -> Vec<Case> {
    let widths = [16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 4];
    let mut cases = vec![
        Case::new("10 layers, sigmoid, weights N(0, 1/fan_in), batch 64", deep(g, &widths, 1.0, "sigmoid", 64)),
        Case::new(
            "10 layers, relu, He weights N(0, 2/fan_in), batch 64",
            deep(g, &widths, std::f64::consts::SQRT_2, "relu", 64),
        ),
        Case::new("10 layers, tanh, weights N(0, 1/fan_in), batch 64", deep(g, &widths, 1.0, "tanh", 64)),
        Case::new("a single layer", deep(g, &[5, 3], 1.0, "relu", 8)),
    ];
    let Value::List(mut v) = deep(g, &[5, 4, 3], 1.0, "tanh", 8) else { unreachable!() };
    v[1] = Value::List(vec![]);
    cases.push(Case::new("no layers", Value::List(v)));
    let Value::List(mut v) = deep(g, &[5, 4, 3], 1.0, "tanh", 8) else { unreachable!() };
    v[2] = gauss(g, 8, 4, 0.1);
    cases.push(Case::new("dout 8 x 4 for an output of 8 x 3", Value::List(v)));
    let Value::List(mut v) = deep(g, &[5, 4, 3], 1.0, "tanh", 8) else { unreachable!() };
    if let Value::List(layers) = &mut v[1] {
        layers[1] = layer(g, 6, 3, 0.5, "identity");
    }
    cases.push(Case::new("layer 2 expects 6 inputs, layer 1 gives 4", Value::List(v)));
    cases
}

/// The norms allclose with the reference's, with a figure of log10 of the norm per layer and
/// the ratio of the first layer's norm to the last's.
fn check_norms(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Value::Floats(e), Value::Floats(g)) = (ctx.expected, ctx.got) {
        if e.len() > 1 {
            let points = |v: &[f64]| -> Vec<[f64; 2]> {
                v.iter().enumerate().filter(|(_, x)| **x > 0.0).map(|(i, x)| [(i + 1) as f64, x.log10()]).collect()
            };
            let mut series = Vec::new();
            if g.len() == e.len() {
                series.push(Series { name: "yours".into(), points: points(g) });
            }
            series.push(Series { name: "reference".into(), points: points(e) });
            let act = ctx.input.at(1).list().first().map(|l| l.at(2).text().to_string()).unwrap_or_default();
            ctx.figure(Figure {
                title: format!("Weight-gradient norm per layer ({act} network)"),
                kind: "lines".into(),
                x_label: "layer (1 = closest to the input)".into(),
                y_label: "log10 ‖∂L/∂W‖".into(),
                series,
                matrix: vec![],
                labels: vec![],
            });
            let ratio = |v: &[f64]| (v[0] / v[v.len() - 1]).log10();
            if g.len() == e.len() && e[e.len() - 1] > 0.0 && e[0] > 0.0 {
                ctx.metric("log10(‖dW first layer‖ / ‖dW last layer‖)", ratio(g), Some(ratio(e)), None);
            }
        }
        if e.len() != g.len() {
            return Err(Failure::plain(format!("expected one norm per layer ({}), got {}", e.len(), g.len())));
        }
        return compare::floats(".norms", &[e.len()], e, g, ctx.tol).map_err(|f| Failure {
            message: format!("{} (index = layer, 0 = the first layer, closest to the input)", f.message),
            ..f
        });
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}
