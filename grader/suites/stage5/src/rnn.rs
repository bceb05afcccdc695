//! Hidden suites for `stage5::rnn`: the vanilla RNN unrolled, LSTM and GRU against candle-nn's
//! layers on the same weights, bidirectional layers, BPTT (full and truncated) against candle's
//! autograd, the gradient reaching early states for the three cells (drawn), the task types, and
//! additive attention with masks.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare::Tolerance;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::named("stage5.rnn.rnn_forward", rnn_cases),
        ExerciseSuite::custom("stage5.rnn.lstm", lstm_cases, with_library)
            .with_baseline("stage5.rnn.lstm.candle")
            .timed(lstm_speed),
        ExerciseSuite::custom("stage5.rnn.gru", gru_cases, with_library).with_baseline("stage5.rnn.gru.candle"),
        ExerciseSuite::plain("stage5.rnn.bidirectional", bidirectional_cases),
        ExerciseSuite::custom("stage5.rnn.bptt", bptt_cases, with_library).with_baseline("stage5.rnn.bptt.candle"),
        ExerciseSuite::custom("stage5.rnn.long_deps", long_deps_cases, check_long_deps),
        ExerciseSuite::named("stage5.rnn.task_types", task_cases),
        ExerciseSuite::named("stage5.rnn.attention", attention_cases),
    ]
}

/// How far the reference may be from candle-nn and candle's autograd (the same formulas in
/// `F64`; candle-nn's sigmoid is its own kernel).
const LIBRARY: Tolerance = Tolerance { atol: 1e-12, rtol: 1e-10 };

fn with_library(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library_always(LIBRARY)
}

fn int(n: usize) -> Value {
    Value::Int(n as i64)
}

fn seq(g: &mut Gen, b: usize, t: usize, i: usize) -> Value {
    Value::tensor(vec![b, t, i], g.normals(b * t * i))
}

fn mat(g: &mut Gen, r: usize, c: usize, scale: f64) -> Value {
    Value::matrix(r, c, g.normals(r * c).iter().map(|v| v * scale).collect())
}

fn vec_(g: &mut Gen, n: usize, scale: f64) -> Value {
    Value::Floats(g.normals(n).iter().map(|v| v * scale).collect())
}

/// A cell's weights `(w_ih, w_hh, b_ih, b_hh)` with `gates` gates, scaled by `1/√H` as PyTorch
/// initialises them (times `gain` on the recurrent matrix).
fn weights(g: &mut Gen, gates: usize, i: usize, h: usize, gain: f64) -> Value {
    let s = 1.0 / (h as f64).sqrt();
    Value::List(vec![
        mat(g, gates * h, i, s),
        mat(g, gates * h, h, s * gain),
        vec_(g, gates * h, s),
        vec_(g, gates * h, s),
    ])
}

// ---------------------------------------------------------------------------------------------
// Vanilla RNN: (x, h0, w)

fn rnn_cases(g: &mut Gen) -> Vec<Case> {
    let case =
        |g: &mut Gen, b, t, i, h| Value::List(vec![seq(g, b, t, i), mat(g, b, h, 0.5), weights(g, 1, i, h, 1.0)]);
    let mut bad_h0 = case(g, 2, 4, 3, 5);
    if let Value::List(p) = &mut bad_h0 {
        p[1] = mat(g, 2, 4, 0.5);
    }
    let mut lstm_weights = case(g, 2, 4, 3, 5);
    if let Value::List(p) = &mut lstm_weights {
        p[2] = weights(g, 4, 3, 5, 1.0);
    }
    vec![
        Case::new("2 sequences of 5 steps, 3 features, 4 hidden units", case(g, 2, 5, 3, 4)),
        Case::new("one step (the output is the last state)", case(g, 3, 1, 2, 6)),
        Case::new("30 steps, 8 hidden units", case(g, 2, 30, 4, 8)),
        Case::new("an initial state of the wrong size (ShapeMismatch)", bad_h0),
        Case::new("LSTM weights given to an RNN (ShapeMismatch)", lstm_weights),
        Case::new(
            "a sequence of 0 steps (EmptySequence)",
            Value::List(vec![Value::tensor(vec![2, 0, 3], vec![]), mat(g, 2, 4, 0.5), weights(g, 1, 3, 4, 1.0)]),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// LSTM: (x, h0, c0, w); GRU: (x, h0, w)

fn lstm_case(g: &mut Gen, b: usize, t: usize, i: usize, h: usize, forget_bias: f64) -> Value {
    let mut w = weights(g, 4, i, h, 1.0);
    if let Value::List(p) = &mut w {
        if let Value::Floats(bias) = &mut p[2] {
            bias[h..2 * h].iter_mut().for_each(|x| *x += forget_bias);
        }
    }
    Value::List(vec![seq(g, b, t, i), mat(g, b, h, 0.5), mat(g, b, h, 0.5), w])
}

fn lstm_cases(g: &mut Gen) -> Vec<Case> {
    let mut swapped = lstm_case(g, 2, 4, 3, 5, 0.0);
    if let Value::List(p) = &mut swapped {
        p[3] = weights(g, 3, 3, 5, 1.0);
    }
    vec![
        Case::new("2 sequences of 6 steps, 3 features, 5 hidden units", lstm_case(g, 2, 6, 3, 5, 0.0)),
        Case::new("forget gate biased open (+3): the cell carries its start", lstm_case(g, 2, 10, 2, 4, 3.0)),
        Case::new("forget gate biased shut (-3)", lstm_case(g, 1, 8, 3, 6, -3.0)),
        Case::new("one step", lstm_case(g, 3, 1, 4, 3, 0.0)),
        Case::new("GRU weights given to an LSTM (ShapeMismatch)", swapped),
    ]
}

/// Timed: 32 sequences of 50 steps, 64 features, 128 hidden units, `F64` on the CPU.
fn lstm_speed(g: &mut Gen) -> Case {
    Case::new("32 x 50 steps x 64 features, 128 hidden units, F64 on the CPU", lstm_case(g, 32, 50, 64, 128, 1.0))
}

fn gru_case(g: &mut Gen, b: usize, t: usize, i: usize, h: usize, gain: f64) -> Value {
    Value::List(vec![seq(g, b, t, i), mat(g, b, h, 0.5), weights(g, 3, i, h, gain)])
}

fn gru_cases(g: &mut Gen) -> Vec<Case> {
    let mut bad = gru_case(g, 2, 4, 3, 5, 1.0);
    if let Value::List(p) = &mut bad {
        p[0] = seq(g, 2, 4, 2);
    }
    vec![
        Case::new("2 sequences of 6 steps, 3 features, 5 hidden units", gru_case(g, 2, 6, 3, 5, 1.0)),
        Case::new("strong recurrent weights (gain 3)", gru_case(g, 2, 8, 2, 4, 3.0)),
        Case::new("one step", gru_case(g, 3, 1, 4, 3, 1.0)),
        Case::new("inputs with the wrong feature count (ShapeMismatch)", bad),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bidirectional: (x, cell, forward, backward)

fn bidirectional_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, cell: &str, gates, b, t, i, h| {
        Value::List(vec![
            seq(g, b, t, i),
            Value::Text(cell.into()),
            weights(g, gates, i, h, 1.0),
            weights(g, gates, i, h, 1.0),
        ])
    };
    let mut mismatch = case(g, "gru", 3, 2, 4, 3, 4);
    if let Value::List(p) = &mut mismatch {
        p[3] = weights(g, 3, 3, 5, 1.0);
    }
    vec![
        Case::new("a bidirectional vanilla RNN, 2 x 5 steps", case(g, "rnn", 1, 2, 5, 3, 4)),
        Case::new("a bidirectional LSTM, 2 x 6 steps", case(g, "lstm", 4, 2, 6, 3, 4)),
        Case::new("a bidirectional GRU, 3 x 4 steps", case(g, "gru", 3, 3, 4, 2, 5)),
        Case::new("one step (both directions read the same input)", case(g, "lstm", 4, 2, 1, 3, 3)),
        Case::new("directions of different hidden sizes (ShapeMismatch)", mismatch),
    ]
}

// ---------------------------------------------------------------------------------------------
// BPTT: (x, h0, w, dout, chunk)

fn bptt_case(g: &mut Gen, b: usize, t: usize, i: usize, h: usize, chunk: usize) -> Value {
    Value::List(vec![seq(g, b, t, i), mat(g, b, h, 0.5), weights(g, 1, i, h, 1.5), seq(g, b, t, h), int(chunk)])
}

fn bptt_cases(g: &mut Gen) -> Vec<Case> {
    let mut bad = bptt_case(g, 2, 5, 3, 4, 5);
    if let Value::List(p) = &mut bad {
        p[3] = seq(g, 2, 4, 4);
    }
    vec![
        Case::new("full BPTT: 7 steps, chunk 7", bptt_case(g, 2, 7, 3, 4, 7)),
        Case::new("full BPTT with a chunk longer than the sequence", bptt_case(g, 2, 5, 2, 3, 100)),
        Case::new("truncated: chunks of 3 over 8 steps", bptt_case(g, 2, 8, 3, 4, 3)),
        Case::new("truncated: chunks of 1 (no gradient between steps)", bptt_case(g, 1, 6, 2, 3, 1)),
        Case::new("truncated: chunks of 4 over 8 steps (two whole chunks)", bptt_case(g, 3, 8, 2, 5, 4)),
        Case::new("dout shaped as 4 steps for 5 (ShapeMismatch)", bad),
        Case::new("chunk 0 (InvalidParameter)", bptt_case(g, 1, 3, 2, 2, 0)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Long-term dependencies: (x, u, w_rnn, w_lstm, w_gru, (I, H))

fn long_deps_case(g: &mut Gen, t: usize, i: usize, h: usize) -> Value {
    let w_rnn = weights(g, 1, i, h, 1.0);
    // Forget gate open (+3 on its bias); GRU update gate near 1 (+3): both keep their state.
    let mut w_lstm = weights(g, 4, i, h, 1.0);
    let mut w_gru = weights(g, 3, i, h, 1.0);
    for (w, block) in [(&mut w_lstm, 1), (&mut w_gru, 1)] {
        if let Value::List(p) = w {
            if let Value::Floats(bias) = &mut p[2] {
                bias[block * h..(block + 1) * h].iter_mut().for_each(|x| *x += 3.0);
            }
        }
    }
    let sizes = Value::Ints(vec![i as i64, h as i64]);
    Value::List(vec![seq(g, 1, t, i), mat(g, 1, h, 1.0), w_rnn, w_lstm, w_gru, sizes])
}

fn long_deps_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new(
            "40 steps, 8 hidden units: how far back does the last state's gradient reach?",
            long_deps_case(g, 40, 4, 8),
        ),
        Case::new("12 steps, 16 hidden units", long_deps_case(g, 12, 3, 16)),
        Case::new("one step", long_deps_case(g, 1, 2, 3)),
    ]
}

/// Autograd's gradients agree to rounding; then the three curves are drawn, and on the
/// reference the demonstration must hold: on the 40-step case the vanilla RNN's gradient at
/// step 0 is at least 1,000 times smaller than at the last step, the LSTM's and the GRU's at
/// least 100 times larger than the RNN's there.
fn check_long_deps(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) else { return ctx.named_parts() };
    let curve = |v: &Value| -> Vec<[f64; 2]> {
        match v {
            Value::Floats(n) => n.iter().enumerate().map(|(t, x)| [t as f64, x.max(1e-300).log10()]).collect(),
            _ => vec![],
        }
    };
    if let Some(Value::Floats(r)) = e.first() {
        if r.iter().any(|&v| !(v > 0.0)) {
            return Err(Failure::plain(
                "the grader's reference gives a gradient norm of 0 (or NaN): its probe of the states is broken, a bug in \
                 the grader, please report it",
            ));
        }
    }
    if e.len() == 4 && s.len() == 4 {
        let mut series = Vec::new();
        for (k, name) in ["RNN", "LSTM", "GRU"].iter().enumerate() {
            series.push(Series { name: format!("{name} (yours)"), points: curve(&s[k]) });
            series.push(Series { name: format!("{name} (reference)"), points: curve(&e[k]) });
        }
        ctx.figure(Figure {
            title: "log10 ‖∂L/∂h_t‖ over t: the loss on the last state, seen from each step".into(),
            kind: "lines".into(),
            x_label: "step t".into(),
            y_label: "log10 gradient norm".into(),
            series,
            matrix: vec![],
            labels: vec![],
        });
        if let (Value::Floats(r), Value::Floats(l), Value::Floats(gr)) = (&e[0], &e[1], &e[2]) {
            if r.len() >= 40 {
                let (first, last) = (r[0], r[r.len() - 1]);
                let shown = first > 0.0 && first * 1e3 <= last && l[0] >= 100.0 * first && gr[0] >= 100.0 * first;
                if !shown {
                    return Err(Failure::plain(format!(
                        "the grader's reference does not show the effect on this case (RNN {first:e} at step 0 vs \
                         {last:e} at the end; LSTM {:e}, GRU {:e} at step 0): a bug in the grader, please report it",
                        l[0], gr[0]
                    )));
                }
            }
        }
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// Task types: (x, w, head (C, H), x0, steps, feedback head (I, H))

fn task_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, b, t, i, h, c, steps| {
        Value::List(vec![
            seq(g, b, t, i),
            weights(g, 1, i, h, 1.0),
            Value::List(vec![mat(g, c, h, 0.5), vec_(g, c, 0.5)]),
            mat(g, b, i, 1.0),
            int(steps),
            Value::List(vec![mat(g, i, h, 0.5), vec_(g, i, 0.5)]),
        ])
    };
    let mut bad = case(g, 2, 4, 3, 5, 2, 3);
    if let Value::List(p) = &mut bad {
        p[5] = Value::List(vec![mat(g, 2, 5, 0.5), vec_(g, 2, 0.5)]);
    }
    let mut narrow = case(g, 2, 4, 3, 5, 2, 3);
    if let Value::List(p) = &mut narrow {
        p[3] = mat(g, 2, 2, 1.0);
    }
    vec![
        Case::new("2 sequences of 6 steps, 3 classes, 4 generated steps", case(g, 2, 6, 3, 5, 3, 4)),
        Case::new("a first input x0 narrower than the inputs (ShapeMismatch for one-to-many)", narrow),
        Case::new("one input step, one generated step", case(g, 1, 1, 2, 3, 2, 1)),
        Case::new("a feedback head that does not map back to the input size (ShapeMismatch)", bad),
    ]
}

// ---------------------------------------------------------------------------------------------
// Additive attention: (query, keys, mask, (w_q, w_k, v))

fn attention_case(
    g: &mut Gen,
    b: usize,
    t: usize,
    hq: usize,
    hk: usize,
    a: usize,
    mask: Vec<f64>,
    scale: f64,
) -> Value {
    Value::List(vec![
        mat(g, b, hq, 1.0),
        seq(g, b, t, hk),
        Value::matrix(b, t, mask),
        Value::List(vec![mat(g, a, hq, 0.5), mat(g, a, hk, 0.5), vec_(g, a, scale)]),
    ])
}

fn attention_cases(g: &mut Gen) -> Vec<Case> {
    let ones = |n: usize| vec![1.0; n];
    vec![
        Case::new("2 queries over 5 positions, no padding", attention_case(g, 2, 5, 4, 3, 6, ones(10), 1.0)),
        Case::new(
            "padded sequences: the first has 3 real positions of 5, the second 5",
            attention_case(g, 2, 5, 3, 4, 5, vec![1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0], 1.0),
        ),
        Case::new(
            "one real position (all the weight on it)",
            attention_case(g, 1, 4, 2, 2, 3, vec![0.0, 0.0, 1.0, 0.0], 1.0),
        ),
        Case::new(
            "scores in the thousands (subtract the maximum before exp)",
            attention_case(g, 2, 6, 3, 3, 4, ones(12), 2000.0),
        ),
        Case::new(
            "a row with every position masked (EmptySequence)",
            attention_case(g, 2, 3, 2, 2, 2, vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0], 1.0),
        ),
        Case::new("a mask of the wrong length (ShapeMismatch)", {
            let mut v = attention_case(g, 1, 4, 2, 2, 2, ones(4), 1.0);
            if let Value::List(p) = &mut v {
                p[2] = Value::matrix(1, 3, ones(3));
            }
            v
        }),
    ]
}
