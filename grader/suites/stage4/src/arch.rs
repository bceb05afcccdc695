//! Hidden suites for `stage4::arch`: exact costs of dense networks, from an MNIST classifier to a
//! layer of language-model size, at the edges (a batch of 0, a `u64` overflow, shapes refused);
//! ReLU networks the student builds (the sawtooth, the interpolant), judged by what they compute
//! on many points, not by their weights; linear regions counted exactly; depth against width.

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::named("stage4.arch.mlp_cost", cost_cases),
        ExerciseSuite::custom("stage4.arch.sawtooth_network", sawtooth_cases, check_sawtooth),
        ExerciseSuite::custom("stage4.arch.interpolating_network", interpolating_cases, check_interpolating),
        ExerciseSuite::plain("stage4.arch.linear_regions", regions_cases),
        ExerciseSuite::named("stage4.arch.depth_vs_width", depth_width_cases),
    ]
}

fn input(widths: &[usize], batch: usize, bytes: usize) -> Value {
    Value::List(vec![Value::Ints(widths.iter().map(|&w| w as i64).collect()), batch.into(), bytes.into()])
}

fn cost_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("MNIST classifier 784-256-10, batch 64, F32", input(&[784, 256, 10], 64, 4)),
        Case::new(
            "ten hidden layers of 32, batch 128, F16",
            input(&[16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 4], 128, 2),
        ),
        Case::new("one layer 3 -> 1, one sample, F64", input(&[3, 1], 1, 8)),
        Case::new("batch 0 (no FLOPs, no activations)", input(&[100, 50, 2], 0, 4)),
        Case::new(
            "a language-model-sized block 4096-16384-4096, batch 8192 tokens, F32",
            input(&[4096, 16384, 4096], 8192, 4),
        ),
    ];
    let depth = g.size(2, 6);
    let widths: Vec<usize> = (0..=depth).map(|_| g.size(1, 512)).collect();
    let batch = g.size(1, 1000);
    cases.push(Case::new(format!("random widths {widths:?}, batch {batch}, F32"), input(&widths, batch, 4)));
    cases.push(Case::new(
        "widths of 4e9: the FLOPs overflow a u64 (Overflow)",
        input(&[4_000_000_000, 4_000_000_000], 2, 4),
    ));
    cases.push(Case::new("one width only (InvalidShape)", input(&[10], 4, 4)));
    cases.push(Case::new("a width of 0 (InvalidShape)", input(&[10, 0, 3], 4, 4)));
    cases.push(Case::new("no widths (InvalidShape)", input(&[], 4, 4)));
    cases
}

// ---------------------------------------------------------------------------------------------
// ReLU networks of one input: layers `[w, b]`

/// A layer's weights (rows of `cols`) and biases, as read from the wire.
struct Layer<'a> {
    rows: usize,
    cols: usize,
    w: &'a [f64],
    b: &'a [f64],
}

/// The layers of a network, or what is wrong with their shapes (named by layer).
fn layers(v: &Value) -> Result<Vec<Layer<'_>>, Failure> {
    let Value::List(ls) = v else { return Err(Failure::plain(format!("expected a list of layers, got {}", v.kind()))) };
    let mut out = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        match l {
            Value::List(p) => match (&p[0], &p[1]) {
                (Value::Matrix { rows, cols, data }, Value::Floats(b)) => {
                    if b.len() != *rows {
                        return Err(Failure::plain(format!(
                            "layer {i}: w has {rows} rows (units) but b has {} biases",
                            b.len()
                        )));
                    }
                    out.push(Layer { rows: *rows, cols: *cols, w: data, b });
                }
                _ => return Err(Failure::plain(format!("layer {i}: the rows of w have different lengths"))),
            },
            other => return Err(Failure::plain(format!("layer {i}: expected (w, b), got {}", other.kind()))),
        }
    }
    for (i, p) in out.windows(2).enumerate() {
        if p[1].cols != p[0].rows {
            return Err(Failure::plain(format!(
                "layer {} takes {} inputs but layer {i} has {} units",
                i + 1,
                p[1].cols,
                p[0].rows
            )));
        }
    }
    Ok(out)
}

/// The network at `x`: ReLU after every layer but the last.
fn eval(ls: &[Layer], x: f64) -> f64 {
    let mut h = vec![x];
    for (l, layer) in ls.iter().enumerate() {
        let mut next: Vec<f64> = (0..layer.rows)
            .map(|r| layer.b[r] + (0..layer.cols).map(|c| layer.w[r * layer.cols + c] * h[c]).sum::<f64>())
            .collect();
        if l + 1 < ls.len() {
            next.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        h = next;
    }
    h.first().copied().unwrap_or(f64::NAN)
}

fn tent_power(x: f64, k: usize) -> f64 {
    (0..k).fold(x, |y, _| if y <= 0.5 { 2.0 * y } else { 2.0 - 2.0 * y })
}

fn sawtooth_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases: Vec<Case> = [1usize, 2, 3, 5, 8]
        .iter()
        .map(|&k| Case::new(format!("k = {k}: {} linear pieces", 1u64 << k), Value::Int(k as i64)))
        .collect();
    let k = g.size(10, 14);
    cases.push(Case::new(format!("k = {k}: {} pieces from {} parameters", 1u64 << k, 6 * k + 1), Value::Int(k as i64)));
    cases.push(Case::new("k = 0: the identity", Value::Int(0)));
    cases
}

/// Shapes as the doc states them, then the values on a fine grid and at the pieces' corners.
fn check_sawtooth(ctx: &CheckCtx) -> Result<(), Failure> {
    let k = ctx.input.int() as usize;
    let ls = layers(ctx.got)?;
    if ls.len() != k + 1 {
        return Err(Failure::plain(format!(
            "expected {} layers ({k} hidden layers and the output), got {}",
            k + 1,
            ls.len()
        )));
    }
    for (i, l) in ls.iter().enumerate() {
        let want = match (k, i) {
            (0, _) => (1, 1),
            (_, 0) => (2, 1),
            (_, i) if i == k => (1, 2),
            _ => (2, 2),
        };
        if (l.rows, l.cols) != want {
            return Err(Failure::plain(format!(
                "layer {i}: w is {}x{}, expected {}x{} (two ReLU units per hidden layer)",
                l.rows, l.cols, want.0, want.1
            )));
        }
    }
    let n = 4096usize.max(1 << (k + 2));
    for j in 0..=n {
        // Dyadic points (corners of the pieces included) and points in between.
        for x in [j as f64 / n as f64, (j as f64 + 0.377) / n as f64] {
            if x > 1.0 {
                continue;
            }
            let (want, got) = (tent_power(x, k), eval(&ls, x));
            if !((want - got).abs() <= 1e-9) {
                return Err(Failure::plain(format!(
                    "at x = {x}: your network gives {}, the tent map composed {k} times gives {}",
                    compare::fmt_num(got),
                    compare::fmt_num(want)
                )));
            }
        }
    }
    Ok(())
}

fn interp_input(knots: Vec<f64>, values: Vec<f64>) -> Value {
    Value::List(vec![knots.into(), values.into()])
}

fn interpolating_cases(g: &mut Gen) -> Vec<Case> {
    let even: Vec<f64> = (0..9).map(|i| i as f64 * std::f64::consts::PI / 4.0).collect();
    let mut uneven: Vec<f64> = g.floats(12, -3.0, 3.0);
    uneven.sort_by(f64::total_cmp);
    uneven.dedup();
    let cubic: Vec<f64> = uneven.iter().map(|x| x * x * x - 2.0 * x).collect();
    let big: Vec<f64> = even.iter().map(|x| 1e6 * x.cos()).collect();
    vec![
        Case::new(
            "sin on 9 evenly spaced knots of [0, 2π]",
            interp_input(even.clone(), even.iter().map(|x| x.sin()).collect()),
        ),
        Case::new("x³ − 2x on 12 random knots of [-3, 3]", interp_input(uneven, cubic)),
        Case::new("values of size 1e6", interp_input(even.clone(), big)),
        Case::new("two knots: a line", interp_input(vec![-1.0, 2.0], vec![3.0, -3.0])),
        Case::new("one knot: a constant", interp_input(vec![0.5], vec![-2.5])),
        Case::new("no knots (InvalidShape)", interp_input(vec![], vec![])),
        Case::new("knots not increasing (InvalidShape)", interp_input(vec![0.0, 2.0, 1.0], vec![1.0, 2.0, 3.0])),
        Case::new("a repeated knot (InvalidShape)", interp_input(vec![0.0, 1.0, 1.0], vec![1.0, 2.0, 3.0])),
        Case::new("one value fewer than knots (InvalidShape)", interp_input(vec![0.0, 1.0, 2.0], vec![1.0, 2.0])),
        Case::new("a NaN value (InvalidShape)", interp_input(vec![0.0, 1.0], vec![1.0, f64::NAN])),
    ]
}

/// Errors as the reference; otherwise one hidden layer of `m − 1` units and the interpolant's
/// values at the knots, between them and left of the first.
fn check_interpolating(ctx: &CheckCtx) -> Result<(), Failure> {
    if matches!(ctx.expected, Value::Error(_)) || matches!(ctx.got, Value::Error(_)) {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    let (knots, values) = (ctx.input.at(0).floats(), ctx.input.at(1).floats());
    let m = knots.len();
    let ls = layers(ctx.got)?;
    // A layer of no units has no rows, so its width of 1 input is not visible on the wire.
    let shapes: Vec<(usize, usize)> = ls.iter().map(|l| (l.rows, if l.rows == 0 { 1 } else { l.cols })).collect();
    if shapes != [(m - 1, 1), (1, m - 1)] {
        return Err(Failure::plain(format!(
            "expected one hidden layer of {} units ({}x1) and an output (1x{}), got layers of shapes {shapes:?}",
            m - 1,
            m - 1,
            m - 1
        )));
    }
    let scale = values.iter().fold(1.0f64, |s, v| s.max(v.abs()));
    let interp = |x: f64| -> f64 {
        if x <= knots[0] {
            return values[0];
        }
        let i = knots.windows(2).position(|p| x <= p[1]).unwrap_or(m - 2);
        values[i] + (values[i + 1] - values[i]) * (x - knots[i]) / (knots[i + 1] - knots[i])
    };
    let mut points = vec![knots[0] - 1.0];
    for (i, &k) in knots.iter().enumerate() {
        points.push(k);
        if i + 1 < m {
            points.extend([0.25, 0.5, 0.9].iter().map(|t| k + t * (knots[i + 1] - k)));
        }
    }
    for x in points {
        let (want, got) = (interp(x), eval(&ls, x));
        if !((want - got).abs() <= 1e-9 * scale) {
            let at = match knots.iter().position(|&k| k == x) {
                Some(i) => format!("at knot {i}"),
                None if x < knots[0] => "left of the first knot".to_string(),
                None => format!("at x = {x}, between knots"),
            };
            return Err(Failure::plain(format!(
                "{at}: your network gives {}, the interpolant {}",
                compare::fmt_num(got),
                compare::fmt_num(want)
            )));
        }
    }
    Ok(())
}

fn layer(w: Vec<f64>, rows: usize, cols: usize, b: Vec<f64>) -> Value {
    Value::List(vec![Value::matrix(rows, cols, w), b.into()])
}

fn random_net(g: &mut Gen, widths: &[usize]) -> Value {
    Value::List(
        widths
            .windows(2)
            .map(|p| {
                let w = g.normals(p[0] * p[1]);
                let b = g.normals(p[1]);
                layer(w, p[1], p[0], b)
            })
            .collect(),
    )
}

/// The sawtooth network of depth `k`, built here.
fn tent_net(k: usize) -> Value {
    let mut ls = vec![layer(vec![1.0, 1.0], 2, 1, vec![0.0, -0.5])];
    for _ in 1..k {
        ls.push(layer(vec![2.0, -4.0, 2.0, -4.0], 2, 2, vec![0.0, -0.5]));
    }
    ls.push(layer(vec![2.0, -4.0], 1, 2, vec![0.0]));
    Value::List(ls)
}

fn regions(net: Value, a: f64, b: f64) -> Value {
    Value::List(vec![net, a.into(), b.into()])
}

fn regions_cases(g: &mut Gen) -> Vec<Case> {
    let mut knots: Vec<f64> = g.floats(9, -1.0, 1.0);
    knots.sort_by(f64::total_cmp);
    let interp = layer(vec![1.0; 9], 9, 1, knots.iter().map(|k| -k).collect());
    let out = layer(g.normals(9), 1, 9, vec![0.0]);
    let dead = Value::List(vec![
        layer(vec![1.0, -1.0, 2.0], 3, 1, vec![0.0, 0.5, -1.0]),
        layer(vec![0.0; 9], 3, 3, vec![-1.0, -1.0, -1.0]),
        layer(vec![1.0, 1.0, 1.0], 1, 3, vec![0.0]),
    ]);
    vec![
        Case::new("random 1 → 8 → 8 → 1 on [-3, 3]", regions(random_net(g, &[1, 8, 8, 1]), -3.0, 3.0)),
        Case::new("random 1 → 16 → 16 → 16 → 1 on [-4, 4]", regions(random_net(g, &[1, 16, 16, 16, 1]), -4.0, 4.0)),
        Case::new("random 1 → 64 → 1 (one hidden layer) on [-5, 5]", regions(random_net(g, &[1, 64, 1]), -5.0, 5.0)),
        Case::new("the sawtooth network, k = 6, on [0, 1]", regions(tent_net(6), 0.0, 1.0)),
        Case::new("the sawtooth network, k = 9, on [0.1, 0.7]", regions(tent_net(9), 0.1, 0.7)),
        Case::new(
            "a unit per knot, 9 knots in [-1, 1], on [-2, 2]",
            regions(Value::List(vec![interp.clone(), out.clone()]), -2.0, 2.0),
        ),
        Case::new("the same network on [-0.1, 0.1]", regions(Value::List(vec![interp, out]), -0.1, 0.1)),
        Case::new("a layer whose units never switch on", regions(dead, -2.0, 2.0)),
        Case::new("a single point, a = b", regions(random_net(g, &[1, 8, 1]), 0.3, 0.3)),
        Case::new("no hidden layer: affine, one region", regions(random_net(g, &[1, 1]), -1.0, 1.0)),
        Case::new("a first layer with 2 inputs (InvalidShape)", regions(random_net(g, &[2, 4, 1]), -1.0, 1.0)),
        Case::new("a > b (InvalidShape)", regions(random_net(g, &[1, 4, 1]), 1.0, -1.0)),
    ]
}

fn depth_width_cases(_g: &mut Gen) -> Vec<Case> {
    let dw = |k: usize, samples: usize| Value::List(vec![k.into(), samples.into()]);
    vec![
        Case::new("k = 2, 101 samples", dw(2, 101)),
        Case::new("k = 5, 1001 samples", dw(5, 1001)),
        Case::new("k = 10, 4001 samples", dw(10, 4001)),
        Case::new("k = 1, 2 samples", dw(1, 2)),
        Case::new("k = 0 (InvalidShape)", dw(0, 100)),
        Case::new("one sample (InvalidShape)", dw(3, 1)),
    ]
}
