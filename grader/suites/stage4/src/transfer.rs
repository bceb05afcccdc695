//! Hidden suites for `stage4::transfer`, on the 8×8 digits and the course's network pretrained on
//! their even rows (`digits_mlp`). Every case draws a few labelled odd rows per class for
//! training; the other odd rows are the hidden split, whose labels stay in the suite (a case's
//! secret): the student's code returns predictions (or weights the glue predicts with), and the
//! suite counts the hits.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage4.transfer.hidden_features", features_cases),
        ExerciseSuite::custom("stage4.transfer.linear_probe", probe_cases, check_probe),
        ExerciseSuite::custom("stage4.transfer.fine_tune", fine_tune_cases, check_fine_tune),
    ]
}

/// A layer as plain numbers: `w` row-major `(rows, cols)`, `b` of `rows`.
#[derive(Clone)]
struct Layer {
    rows: usize,
    cols: usize,
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Layer {
    fn value(&self) -> Value {
        Value::List(vec![Value::matrix(self.rows, self.cols, self.w.clone()), Value::Floats(self.b.clone())])
    }
}

fn net_value(layers: &[Layer]) -> Value {
    Value::List(layers.iter().map(Layer::value).collect())
}

/// The pretrained network, read from its safetensors file (`F32`, widened to `f64`).
fn pretrained() -> Vec<Layer> {
    ["layer0", "layer1", "head"]
        .iter()
        .map(|n| {
            let (shape, w) = data::tensor("digits_mlp", &format!("{n}.weight"));
            let (_, b) = data::tensor("digits_mlp", &format!("{n}.bias"));
            Layer { rows: shape[0], cols: shape[1], w, b }
        })
        .collect()
}

/// A He-normal network `64 → 32 → 32 → 10` with zero biases (the scratch baseline, and a
/// network that learned nothing).
fn random_net(g: &mut Gen) -> Vec<Layer> {
    [(64, 32), (32, 32), (32, 10)]
        .iter()
        .map(|&(i, o)| {
            let s = (2.0 / i as f64).sqrt();
            Layer { rows: o, cols: i, w: g.normals(o * i).iter().map(|v| v * s).collect(), b: vec![0.0; o] }
        })
        .collect()
}

/// The odd rows of the digits (the part the pretrained network never saw): pixels / 16, digit.
fn odd_rows() -> Vec<(Vec<f64>, u32)> {
    data::text("digits")
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, line)| {
            let v: Vec<f64> = line.split(',').map(|x| x.parse().expect("suite: digits are numbers")).collect();
            (v[..64].iter().map(|p| p / 16.0).collect(), v[64] as u32)
        })
        .collect()
}

/// `per_class` random odd rows of every digit for training, the rest as the hidden split.
struct Split {
    x: Vec<f64>,
    labels: Vec<u32>,
    test_x: Vec<f64>,
    test_labels: Vec<u32>,
}

fn split(g: &mut Gen, per_class: usize) -> Split {
    let rows = odd_rows();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, g.size(0, i));
    }
    let mut taken = [0usize; 10];
    let mut s = Split { x: vec![], labels: vec![], test_x: vec![], test_labels: vec![] };
    for i in order {
        let (p, d) = &rows[i];
        if taken[*d as usize] < per_class {
            taken[*d as usize] += 1;
            s.x.extend(p);
            s.labels.push(*d);
        } else {
            s.test_x.extend(p);
            s.test_labels.push(*d);
        }
    }
    s
}

fn matrix(data: &[f64], cols: usize) -> Value {
    Value::matrix(data.len() / cols, cols, data.to_vec())
}

fn labels(l: &[u32]) -> Value {
    Value::Ints(l.iter().map(|&v| v as i64).collect())
}

/// Every layer's features, the input first (ReLU after each hidden layer; the head's logits are
/// not features), as matrices.
fn features(layers: &[Layer], x: &[f64]) -> Vec<Value> {
    let n = x.len() / 64;
    let mut h = x.to_vec();
    let mut width = 64;
    let mut out = vec![matrix(&h, 64)];
    for l in &layers[..layers.len() - 1] {
        let mut next = vec![0.0; n * l.rows];
        for r in 0..n {
            for u in 0..l.rows {
                let z = l.b[u] + (0..width).map(|c| l.w[u * l.cols + c] * h[r * width + c]).sum::<f64>();
                next[r * l.rows + u] = z.max(0.0);
            }
        }
        h = next;
        width = l.rows;
        out.push(matrix(&h, width));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Hidden features: (layers, x)

fn features_cases(g: &mut Gen) -> Vec<Case> {
    let net = pretrained();
    let s = split(g, 2);
    let rand = random_net(g);
    let mut wrong_x = s.x[..20 * 64].to_vec();
    wrong_x.truncate(20 * 63);
    vec![
        Case::new("the pretrained network on 20 odd rows", Value::List(vec![net_value(&net), matrix(&s.x, 64)])),
        Case::new("a random network on 50 rows", Value::List(vec![net_value(&rand), matrix(&s.test_x[..50 * 64], 64)])),
        Case::new(
            "the head alone (no hidden layer): the input only",
            Value::List(vec![net_value(&net[2..]), matrix(&s.x[..10 * 32], 32)]),
        ),
        Case::new("rows of 63 pixels (ShapeMismatch)", Value::List(vec![net_value(&net), matrix(&wrong_x, 63)])),
        Case::new("no layers (ShapeMismatch)", Value::List(vec![Value::List(vec![]), matrix(&s.x, 64)])),
    ]
}

// ---------------------------------------------------------------------------------------------
// Linear probes: (train features per layer, labels, test features per layer, classes, l2),
// the test labels secret.

fn probe_case(label: &str, layers: &[Layer], s: &Split, l2: f64) -> Case {
    let input = Value::List(vec![
        Value::List(features(layers, &s.x)),
        labels(&s.labels),
        Value::List(features(layers, &s.test_x)),
        10usize.into(),
        l2.into(),
    ]);
    Case::new(label, input).with_secret(labels(&s.test_labels))
}

fn probe_cases(g: &mut Gen) -> Vec<Case> {
    let net = pretrained();
    let (s2, s5) = (split(g, 2), split(g, 5));
    let rand = random_net(g);
    let mut cases = vec![
        probe_case("the pretrained network, 2 labelled rows per digit, l2 = 1", &net, &s2, 1.0),
        probe_case("the pretrained network, 5 labelled rows per digit, l2 = 0.1", &net, &s5, 0.1),
        probe_case("a random (untrained) network, 5 rows per digit: no hierarchy", &rand, &s5, 1.0),
        probe_case("l2 = 1000: a probe that is mostly penalty", &net, &s5, 1000.0),
    ];
    let mut bad = s2;
    bad.labels[0] = 10;
    cases.push(probe_case("a label of 10 for 10 classes (InvalidArgument)", &net, &bad, 1.0));
    cases.push(probe_case("l2 = 0 (InvalidArgument)", &net, &s5, 0.0));
    let mut one_row = probe_case("one test row sent as a vector, not a 1 × d matrix (ShapeMismatch)", &net, &s5, 1.0);
    if let Value::List(parts) = &mut one_row.input {
        let row = |m: &Value| match m {
            Value::Matrix { cols, data, .. } => Value::Floats(data[..*cols].to_vec()),
            other => other.clone(),
        };
        let layers: Vec<Value> = parts[2].list().iter().map(row).collect();
        parts[2] = Value::List(layers);
    }
    cases.push(one_row);
    cases
}

/// The share of hits of every layer's predictions, or the error it returned.
fn accuracies(v: &Value, truth: &[i64]) -> Vec<Option<f64>> {
    let Value::List(layers) = v else { return vec![] };
    layers
        .iter()
        .map(|p| match p {
            Value::Ints(p) if p.len() == truth.len() => {
                Some(p.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64)
            }
            _ => None,
        })
        .collect()
}

fn layer_name(l: usize) -> String {
    if l == 0 {
        "the input (raw pixels)".to_string()
    } else {
        format!("hidden layer {l}")
    }
}

/// Errors as the reference's; otherwise each layer's accuracy on the hidden split within two
/// rows of the reference's (predictions on nearly tied scores may round either way), drawn.
fn check_probe(ctx: &CheckCtx) -> Result<(), Failure> {
    let Value::List(e) = ctx.expected else { return compare::values(ctx.expected, ctx.got, ctx.tol) };
    if e.iter().any(|v| matches!(v, Value::Error(_))) {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    }
    let truth = ctx.secret.ints();
    let (ea, ga) = (accuracies(ctx.expected, truth), accuracies(ctx.got, truth));
    if ga.len() != ea.len() {
        return Err(Failure::plain(format!(
            "expected predictions for each of {} layers' features, got {}",
            ea.len(),
            ga.len()
        )));
    }
    let points = |a: &[Option<f64>]| a.iter().enumerate().filter_map(|(l, v)| v.map(|v| [l as f64, v])).collect();
    ctx.figure(Figure {
        title: "linear-probe accuracy on the hidden split, per layer (0 = raw pixels)".into(),
        kind: "lines".into(),
        x_label: "layer".into(),
        y_label: "accuracy".into(),
        series: vec![
            Series { name: "yours".into(), points: points(&ga) },
            Series { name: "reference".into(), points: points(&ea) },
        ],
        matrix: vec![],
        labels: vec![],
    });
    let slack = 2.0 / truth.len() as f64 + 1e-12;
    for (l, (e, g)) in ea.iter().zip(&ga).enumerate() {
        let e = e.expect("suite: the reference predicts every row");
        match g {
            None => {
                return Err(Failure::plain(format!(
                    "{}: expected one predicted class per test row ({}), got {}",
                    layer_name(l),
                    truth.len(),
                    ctx.got.list().get(l).map_or("nothing".to_string(), |v| v.kind().to_string())
                )))
            }
            Some(g) if (g - e).abs() > slack => {
                return Err(Failure::plain(format!(
                    "{}: your probe's accuracy on the hidden split is {:.1}%, the reference's {:.1}%",
                    layer_name(l),
                    100.0 * g,
                    100.0 * e
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Fine-tuning: (pretrained, frozen, classes, x, labels, steps, lr, x_test, scratch), the test
// labels secret.

fn fine_tune_case(g: &mut Gen, label: &str, per_class: usize, frozen: usize, steps: usize, lr: f64) -> Case {
    let s = split(g, per_class);
    let scratch = random_net(g);
    let input = Value::List(vec![
        net_value(&pretrained()),
        frozen.into(),
        10usize.into(),
        matrix(&s.x, 64),
        labels(&s.labels),
        steps.into(),
        lr.into(),
        matrix(&s.test_x, 64),
        net_value(&scratch),
    ]);
    Case::new(label, input).with_secret(labels(&s.test_labels))
}

fn fine_tune_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        fine_tune_case(g, "5 rows per digit, nothing frozen, 100 steps, lr 0.3", 5, 0, 100, 0.3),
        fine_tune_case(g, "5 rows per digit, layer 0 frozen, 100 steps, lr 0.3", 5, 1, 100, 0.3),
        fine_tune_case(g, "2 rows per digit, layer 0 frozen, 100 steps, lr 0.3", 2, 1, 100, 0.3),
        fine_tune_case(
            g,
            "10 rows per digit, both hidden layers frozen (the head alone), 100 steps, lr 0.3",
            10,
            2,
            100,
            0.3,
        ),
        fine_tune_case(g, "no steps: the new head is all zeros", 2, 1, 0, 0.3),
        fine_tune_case(g, "3 frozen layers of 3 (InvalidArgument)", 2, 3, 10, 0.3),
        fine_tune_case(g, "lr = NaN (InvalidArgument)", 2, 1, 10, f64::NAN),
    ];
    let mut bad = fine_tune_case(g, "a label of 10 for 10 classes (InvalidArgument)", 2, 1, 10, 0.3);
    if let Value::List(parts) = &mut bad.input {
        if let Value::Ints(l) = &mut parts[4] {
            l[3] = 10;
        }
    }
    cases.push(bad);
    cases
}

fn hits(v: &Value, truth: &[i64]) -> Option<f64> {
    match v {
        Value::Ints(p) if p.len() == truth.len() => {
            Some(p.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64)
        }
        _ => None,
    }
}

/// Frozen layers bit for bit; trained layers against the reference's; then the hidden split:
/// fine-tuning must beat the student's own training from scratch at the same budget.
fn check_fine_tune(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if let Value::Error(_) = e[0] {
        return compare::values(&e[0], &s[0], ctx.tol);
    }
    let frozen = ctx.input.at(1).usize();
    let steps = ctx.input.at(5).usize();
    let given = ctx.input.at(0).list();
    let (Value::List(el), Value::List(sl)) = (&e[0], &s[0]) else {
        return compare::values(&e[0], &s[0], ctx.tol).map_err(|f| f.within("the layers"));
    };
    if sl.len() != el.len() {
        return Err(Failure::plain(format!("expected {} layers back, got {}", el.len(), sl.len())));
    }
    for (l, (el, sl)) in el.iter().zip(sl).enumerate() {
        let name = if l == given.len() - 1 { "the new head".to_string() } else { format!("layer {l}") };
        if l < frozen {
            if sl != &given[l] {
                return Err(Failure::plain(format!(
                    "{name} is frozen, but it changed: frozen layers must come back bit for bit as they went in"
                )));
            }
            continue;
        }
        for (k, part) in ["W", "b"].iter().enumerate() {
            compare::values(&el.list()[k], &sl.list()[k], ctx.tol)
                .map_err(|f| f.within(&format!("{name}, {part}, after {steps} steps")))?;
        }
    }
    let truth = ctx.secret.ints();
    let (Some(tuned), Some(scratch)) = (hits(&s[1], truth), hits(&s[2], truth)) else {
        return compare::values(&e[2], &s[2], ctx.tol).map_err(|f| f.within("training from scratch (frozen = 0)"));
    };
    let (Some(ref_tuned), Some(ref_scratch)) = (hits(&e[1], truth), hits(&e[2], truth)) else {
        panic!("suite: the reference predicts the hidden split")
    };
    ctx.metric("hidden-split accuracy, fine-tuned", tuned, Some(ref_tuned), None);
    ctx.metric("hidden-split accuracy, from scratch (same steps and lr)", scratch, Some(ref_scratch), None);
    // The scratch run is the student's own function too: it must train like the reference's, so
    // that "beats scratch" cannot be won by training from scratch badly.
    let slack = 0.01 + 1e-12;
    for (what, mine, theirs) in [("fine-tuned", tuned, ref_tuned), ("trained from scratch", scratch, ref_scratch)] {
        if (mine - theirs).abs() > slack {
            return Err(Failure::plain(format!(
                "{what}, your network classifies {:.1}% of the hidden split, the reference's {:.1}%",
                100.0 * mine,
                100.0 * theirs
            )));
        }
    }
    if steps > 0 {
        assert!(ref_tuned > ref_scratch, "suite: the case must show fine-tuning ahead ({ref_tuned} vs {ref_scratch})");
        if tuned <= scratch {
            return Err(Failure::plain(format!(
                "fine-tuned, your network classifies {:.1}% of the hidden split, no better than the {:.1}% of the same \
                 training from scratch: the pretrained layers are not being used",
                100.0 * tuned,
                100.0 * scratch
            )));
        }
    }
    Ok(())
}
