//! Hidden suites for `stage4::norm`: batch normalisation over several training batches then in
//! evaluation mode, its hand-written backward pass, layer normalisation and RMSNorm.
//!
//! Every case is also answered by a trusted library (`*.candle` baselines: candle-nn's
//! `BatchNorm`, candle's autograd, `candle_nn::ops::{layer_norm, rms_norm}`). The reference must
//! agree with it on every case: a disagreement fails the case as the grader's own bug, so the
//! reference runs in `cargo test` prove the agreement. The student's distance to the library is
//! shown beside the reference's.

use grader_protocol::Value;
use grader_suite_api::compare::Tolerance;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage4.norm.batch_norm", batch_norm_cases, check_with_library)
            .with_baseline("stage4.norm.batch_norm.candle")
            .timed(batch_norm_speed),
        ExerciseSuite::custom("stage4.norm.batch_norm_gpu", batch_norm_gpu_cases, check_with_library)
            .timed(batch_norm_speed_gpu),
        ExerciseSuite::custom("stage4.norm.batch_norm_backward", backward_cases, check_with_library)
            .with_baseline("stage4.norm.batch_norm_backward.candle"),
        ExerciseSuite::named("stage4.norm.covariate_shift", covariate_cases),
        ExerciseSuite::custom("stage4.norm.layer_norm", layer_norm_cases, check_with_library)
            .with_baseline("stage4.norm.layer_norm.candle")
            .timed(layer_norm_speed),
        ExerciseSuite::custom("stage4.norm.layer_norm_gpu", layer_norm_gpu_cases, check_with_library)
            .timed(layer_norm_speed_gpu),
    ]
}

// ---------------------------------------------------------------------------------------------
// The check

/// How far the reference may be from the library (both compute in `F64`; the library takes
/// `eps` as an `f32`, which moves `x̂` by about 1e-13 relative).
const LIBRARY_TOLERANCE: Tolerance = Tolerance { atol: 1e-9, rtol: 1e-9 };

/// The reference against candle-nn and autograd, the student's distance to them as a metric,
/// then the named parts.
fn check_with_library(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library(LIBRARY_TOLERANCE)
}

// ---------------------------------------------------------------------------------------------
// Inputs

fn matrix(rows: usize, cols: usize, data: Vec<f64>) -> Value {
    Value::matrix(rows, cols, data)
}

/// A `(rows, cols)` batch whose column `j` has mean `offset_j` and spread `scale_j`.
fn batch(g: &mut Gen, rows: usize, offsets: &[f64], scales: &[f64]) -> Value {
    let cols = offsets.len();
    let z = g.normals(rows * cols);
    matrix(rows, cols, (0..rows * cols).map(|t| offsets[t % cols] + scales[t % cols] * z[t]).collect())
}

/// A batch with random per-feature means in [-3, 3] and spreads in [0.5, 4]: batch norm must
/// remove both.
fn shifted_batch(g: &mut Gen, rows: usize, cols: usize) -> Value {
    let offsets = g.floats(cols, -3.0, 3.0);
    let scales = g.floats(cols, 0.5, 4.0);
    batch(g, rows, &offsets, &scales)
}

fn bn_input(batches: Vec<Value>, gamma: Vec<f64>, beta: Vec<f64>, momentum: f64, eps: f64, x_eval: Value) -> Value {
    Value::List(vec![Value::List(batches), gamma.into(), beta.into(), momentum.into(), eps.into(), x_eval])
}

// ---------------------------------------------------------------------------------------------
// Batch norm: (batches, γ, β, momentum, eps, x_eval)

fn batch_norm_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let x = shifted_batch(g, 8, 4);
    let x_eval = shifted_batch(g, 3, 4);
    cases.push(Case::new(
        "one batch 8x4, γ = 1, β = 0, momentum 0.1",
        bn_input(vec![x], vec![1.0; 4], vec![0.0; 4], 0.1, 1e-5, x_eval),
    ));
    // The same distribution batch after batch: the running statistics approach it.
    let offsets = g.floats(5, -3.0, 3.0);
    let scales = g.floats(5, 0.5, 4.0);
    let batches: Vec<Value> = (0..3).map(|_| batch(g, 16, &offsets, &scales)).collect();
    let x_eval = batch(g, 6, &offsets, &scales);
    let (gamma, beta) = (g.floats(5, 0.5, 2.0), g.floats(5, -1.0, 1.0));
    cases.push(Case::new(
        "three batches of 16x5, random γ and β, momentum 0.1",
        bn_input(batches, gamma.clone(), beta.clone(), 0.1, 1e-5, x_eval),
    ));
    let batches: Vec<Value> = (0..2).map(|_| shifted_batch(g, 10, 3)).collect();
    let x_eval = shifted_batch(g, 4, 3);
    cases.push(Case::new(
        "momentum 1: the running statistics are the last batch's (its unbiased variance)",
        bn_input(batches, g.floats(3, 0.5, 2.0), g.floats(3, -1.0, 1.0), 1.0, 1e-5, x_eval),
    ));
    let x_eval = shifted_batch(g, 4, 3);
    cases.push(Case::new(
        "momentum 0: the running statistics never move (evaluation uses mean 0, variance 1)",
        bn_input(vec![shifted_batch(g, 10, 3)], vec![1.0; 3], vec![0.0; 3], 0.0, 1e-5, x_eval),
    ));
    let x_eval = shifted_batch(g, 2, 4);
    cases.push(Case::new(
        "batch of 2, momentum 0.5: the unbiased running variance is twice the biased one",
        bn_input(vec![shifted_batch(g, 2, 4)], g.floats(4, 0.5, 2.0), g.floats(4, -1.0, 1.0), 0.5, 1e-5, x_eval),
    ));
    let far = batch(g, 12, &[1e6, -2e6, 5e5], &[1.0, 0.5, 2.0]);
    let far_eval = batch(g, 3, &[1e6, -2e6, 5e5], &[1.0, 0.5, 2.0]);
    cases.push(Case::new(
        "features near 1e6 with spread about 1 (centre before squaring)",
        bn_input(vec![far], vec![1.0; 3], vec![0.0; 3], 0.3, 1e-5, far_eval),
    ));
    let mut constant = shifted_batch(g, 6, 3);
    if let Value::Matrix { data, .. } = &mut constant {
        for r in 0..6 {
            data[r * 3 + 1] = 2.5;
        }
    }
    let x_eval = shifted_batch(g, 2, 3);
    cases.push(Case::new(
        "feature 1 is constant (variance 0: its output is β, kept finite by eps)",
        bn_input(vec![constant], vec![1.5; 3], vec![0.25, -0.5, 1.0], 0.1, 1e-3, x_eval),
    ));
    let x_eval = shifted_batch(g, 1, 4);
    cases.push(Case::new(
        "evaluation of a single sample after two batches",
        bn_input(
            vec![shifted_batch(g, 16, 4), shifted_batch(g, 16, 4)],
            gamma[..4].to_vec(),
            beta[..4].to_vec(),
            0.2,
            1e-5,
            x_eval,
        ),
    ));
    // Refusals.
    let x_eval = shifted_batch(g, 2, 3);
    cases.push(Case::new(
        "a training batch of 1 row (BatchTooSmall)",
        bn_input(vec![shifted_batch(g, 1, 3)], vec![1.0; 3], vec![0.0; 3], 0.1, 1e-5, x_eval),
    ));
    let x_eval = shifted_batch(g, 2, 4);
    cases.push(Case::new(
        "x has 3 features, the parameters 4 (ShapeMismatch)",
        bn_input(vec![shifted_batch(g, 5, 3)], vec![1.0; 4], vec![0.0; 4], 0.1, 1e-5, x_eval),
    ));
    let x_eval = shifted_batch(g, 2, 3);
    cases.push(Case::new(
        "evaluation batch with 4 features after training on 3 (ShapeMismatch)",
        bn_input(vec![shifted_batch(g, 5, 3)], vec![1.0; 3], vec![0.0; 3], 0.1, 1e-5, shifted_batch(g, 2, 4)),
    ));
    let _ = x_eval;
    cases.push(Case::new(
        "a 1-D training batch (ShapeMismatch)",
        bn_input(
            vec![Value::Floats(g.floats(4, -1.0, 1.0))],
            vec![1.0; 4],
            vec![0.0; 4],
            0.1,
            1e-5,
            shifted_batch(g, 2, 4),
        ),
    ));
    cases
}

/// Many short rows (32768 samples of 32 features): whole-tensor
/// operations pay candle's per-operation cost a dozen times, a loop over the rows (or over the
/// elements) pays it for every row.
fn speed_batch(g: &mut Gen) -> (Value, Vec<f64>, Vec<f64>) {
    (shifted_batch(g, 32768, 32), g.floats(32, 0.5, 2.0), g.floats(32, -1.0, 1.0))
}

fn batch_norm_speed(g: &mut Gen) -> Case {
    let (x, gamma, beta) = speed_batch(g);
    Case::new(
        "32768 x 32, one training batch, then evaluation on it",
        bn_input(vec![x.clone()], gamma, beta, 0.1, 1e-5, x),
    )
}

/// The GPU variant takes `(x, γ, β)` (momentum 0.1, eps 1e-5); its correctness cases run on the
/// CPU in `F64`, its speed input (ending with `Text("cuda")`) in `F32` on the GPU.
fn batch_norm_gpu_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, d) in [(8, 4), (32, 16)] {
        let x = shifted_batch(g, n, d);
        cases.push(Case::new(
            format!("one batch {n}x{d}, then evaluation on it"),
            Value::List(vec![x, g.floats(d, 0.5, 2.0).into(), g.floats(d, -1.0, 1.0).into()]),
        ));
    }
    cases
}

fn batch_norm_speed_gpu(g: &mut Gen) -> Case {
    let x = shifted_batch(g, 8192, 1024);
    let (gamma, beta) = (g.floats(1024, 0.5, 2.0), g.floats(1024, -1.0, 1.0));
    Case::new(
        "8192 x 1024, one training batch then evaluation, F32 on the GPU",
        Value::List(vec![x, gamma.into(), beta.into(), Value::Text("cuda".into())]),
    )
}

// ---------------------------------------------------------------------------------------------
// Batch norm backward: (x, γ, dout, eps)

fn backward_input(x: Value, gamma: Vec<f64>, dout: Value, eps: f64) -> Value {
    Value::List(vec![x, gamma.into(), dout, eps.into()])
}

fn backward_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, d) in [(8, 4), (64, 16)] {
        let x = shifted_batch(g, n, d);
        let dout = matrix(n, d, g.normals(n * d));
        cases.push(Case::new(
            format!("random {n}x{d} batch, γ and upstream gradient"),
            backward_input(x, g.floats(d, 0.5, 2.0), dout, 1e-5),
        ));
    }
    let dout = matrix(2, 3, g.normals(6));
    cases.push(Case::new(
        "batch of 2 (every sample's gradient reaches the other)",
        backward_input(shifted_batch(g, 2, 3), g.floats(3, 0.5, 2.0), dout, 1e-5),
    ));
    // y shifts by dout's column constants: β absorbs them, x̂ cannot move, dx = 0.
    let c = g.floats(4, -1.0, 1.0);
    let dout = matrix(6, 4, (0..24).map(|t| c[t % 4]).collect());
    cases.push(Case::new(
        "upstream gradient constant down each column (dx = 0, all of it goes to β)",
        backward_input(shifted_batch(g, 6, 4), g.floats(4, 0.5, 2.0), dout, 1e-5),
    ));
    let dout = matrix(5, 3, g.normals(15));
    cases.push(Case::new("γ = 0 (dx = 0)", backward_input(shifted_batch(g, 5, 3), vec![0.0; 3], dout, 1e-5)));
    let dout = matrix(10, 3, g.normals(30));
    cases.push(Case::new(
        "large eps = 1 (σ is not the standard deviation)",
        backward_input(shifted_batch(g, 10, 3), g.floats(3, 0.5, 2.0), dout, 1.0),
    ));
    let dout = matrix(1, 3, g.normals(3));
    cases.push(Case::new(
        "a batch of 1 row (BatchTooSmall)",
        backward_input(shifted_batch(g, 1, 3), vec![1.0; 3], dout, 1e-5),
    ));
    let dout = matrix(4, 2, g.normals(8));
    cases.push(Case::new(
        "upstream gradient 4x2 for a 4x3 batch (ShapeMismatch)",
        backward_input(shifted_batch(g, 4, 3), vec![1.0; 3], dout, 1e-5),
    ));
    let dout = matrix(4, 3, g.normals(12));
    cases.push(Case::new(
        "γ of length 2 for 3 features (ShapeMismatch)",
        backward_input(shifted_batch(g, 4, 3), vec![1.0; 2], dout, 1e-5),
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// Layer norm and RMSNorm: (x, γ, β, eps)

fn ln_input(x: Value, gamma: Vec<f64>, beta: Vec<f64>, eps: f64) -> Value {
    Value::List(vec![x, gamma.into(), beta.into(), eps.into()])
}

/// A batch whose rows (samples) have their own means and spreads: layer norm removes those.
fn rows_shifted(g: &mut Gen, rows: usize, cols: usize) -> Value {
    let (m, s) = (g.floats(rows, -3.0, 3.0), g.floats(rows, 0.5, 4.0));
    let z = g.normals(rows * cols);
    matrix(rows, cols, (0..rows * cols).map(|t| m[t / cols] + s[t / cols] * z[t]).collect())
}

fn layer_norm_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, d) in [(4, 8), (16, 32)] {
        cases.push(Case::new(
            format!("random {n}x{d}, random γ and β"),
            ln_input(rows_shifted(g, n, d), g.floats(d, 0.5, 2.0), g.floats(d, -1.0, 1.0), 1e-5),
        ));
    }
    cases.push(Case::new(
        "one sample (no batch statistics needed)",
        ln_input(rows_shifted(g, 1, 6), g.floats(6, 0.5, 2.0), g.floats(6, -1.0, 1.0), 1e-5),
    ));
    let z = g.normals(15);
    let far = matrix(3, 5, (0..15).map(|t| [1e6, -3e6, 2e5][t / 5] + z[t]).collect());
    cases.push(Case::new(
        "rows near 1e6 with spread about 1 (centre before squaring)",
        ln_input(far, vec![1.0; 5], vec![0.0; 5], 1e-5),
    ));
    let mut constant = rows_shifted(g, 3, 4);
    if let Value::Matrix { data, .. } = &mut constant {
        data[4..8].iter_mut().for_each(|v| *v = -1.5);
        data[8..12].iter_mut().for_each(|v| *v = 0.0);
    }
    cases.push(Case::new(
        "row 1 constant, row 2 all zeros (variance 0: eps keeps both finite)",
        ln_input(constant, g.floats(4, 0.5, 2.0), g.floats(4, -1.0, 1.0), 1e-3),
    ));
    cases.push(Case::new(
        "γ of length 3 for 4 features (ShapeMismatch)",
        ln_input(rows_shifted(g, 2, 4), vec![1.0; 3], vec![0.0; 4], 1e-5),
    ));
    cases.push(Case::new(
        "a 1-D x (ShapeMismatch)",
        ln_input(Value::Floats(g.floats(4, -1.0, 1.0)), vec![1.0; 4], vec![0.0; 4], 1e-5),
    ));
    cases
}

fn layer_norm_speed(g: &mut Gen) -> Case {
    let (x, gamma, beta) = (rows_shifted(g, 32768, 32), g.floats(32, 0.5, 2.0), g.floats(32, -1.0, 1.0));
    Case::new("32768 x 32 (many short rows)", ln_input(x, gamma, beta, 1e-5))
}

/// The GPU variant takes `(x, γ, β)` with eps 1e-5 (see [`batch_norm_gpu_cases`]).
fn layer_norm_gpu_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, d) in [(4, 8), (16, 32)] {
        cases.push(Case::new(
            format!("random {n}x{d}"),
            Value::List(vec![rows_shifted(g, n, d), g.floats(d, 0.5, 2.0).into(), g.floats(d, -1.0, 1.0).into()]),
        ));
    }
    cases
}

fn layer_norm_speed_gpu(g: &mut Gen) -> Case {
    let x = rows_shifted(g, 8192, 1024);
    let (gamma, beta) = (g.floats(1024, 0.5, 2.0), g.floats(1024, -1.0, 1.0));
    Case::new(
        "8192 x 1024, F32 on the GPU",
        Value::List(vec![x, gamma.into(), beta.into(), Value::Text("cuda".into())]),
    )
}

// ---------------------------------------------------------------------------------------------
// Covariate shift: (x, layers as (W, b) lists, normalise)

/// A deep square `tanh` network of `depth` layers of width `d`, weights `N(0, (gain² / d))`.
fn deep_net(g: &mut Gen, depth: usize, d: usize, gain: f64) -> Value {
    let s = gain / (d as f64).sqrt();
    Value::List(
        (0..depth)
            .map(|_| {
                let w = g.normals(d * d).iter().map(|v| v * s).collect();
                Value::List(vec![matrix(d, d, w), Value::Floats(g.normals(d).iter().map(|v| 0.1 * v).collect())])
            })
            .collect(),
    )
}

fn covariate_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (gain, what) in
        [(3.0, "too large (tanh saturates)"), (0.5, "too small (the signal shrinks)"), (1.0, "unit gain")]
    {
        for normalise in [false, true] {
            let x = shifted_batch(g, 64, 16);
            let with = if normalise { "with" } else { "without" };
            cases.push(Case::new(
                format!("10 layers of 16, weights {what}, {with} batch normalisation"),
                Value::List(vec![x, deep_net(g, 10, 16, gain), normalise.into()]),
            ));
        }
    }
    cases.push(Case::new(
        "a layer whose weight expects 8 inputs after one of width 16 (ShapeMismatch)",
        Value::List(vec![
            shifted_batch(g, 8, 16),
            Value::List(vec![
                Value::List(vec![matrix(16, 16, g.normals(256)), Value::Floats(vec![0.0; 16])]),
                Value::List(vec![matrix(4, 8, g.normals(32)), Value::Floats(vec![0.0; 4])]),
            ]),
            false.into(),
        ]),
    ));
    cases.push(Case::new(
        "one sample with normalisation (BatchTooSmall)",
        Value::List(vec![shifted_batch(g, 1, 16), deep_net(g, 2, 16, 1.0), true.into()]),
    ));
    cases
}
