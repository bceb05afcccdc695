//! Hidden suites for `stage3::optim`.
//!
//! - Optimisers (`sgd`, `momentum`, `rmsprop`, `adam`): the probe builds the optimiser, feeds it a
//!   sequence of gradients and reports the parameters *and* the state after every step. Input:
//!   `(hyper-parameters, params, grads per step, parameter names)`; the names are for messages
//!   only. Output: an error (hyper-parameters refused) or, per step, an error (step refused) or
//!   `(params, state...)`. A failure names the step, the parameter, the tensor and the element.
//!   SGD and Adam are also run through candle-nn's `SGD` and `AdamW` (weight decay 0).
//! - `minimise`: loss trajectories on Rosenbrock and an ill-conditioned quadratic, drawn as curves.
//! - Schedules: each case evaluates the schedule at a list of steps (edge steps included).
//! - `lr_stability`: gradient descent on a quadratic below and above `lr = 2/L`.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::suite::{context, Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage3.optim.sgd", sgd_cases, check_sgd).with_baseline("stage3.optim.sgd.candle"),
        ExerciseSuite::custom("stage3.optim.momentum", momentum_cases, check_momentum),
        ExerciseSuite::custom("stage3.optim.rmsprop", rmsprop_cases, check_rmsprop),
        ExerciseSuite::custom("stage3.optim.adam", adam_cases, check_adam).with_baseline("stage3.optim.adam.candle"),
        ExerciseSuite::custom("stage3.optim.minimise", minimise_cases, check_minimise),
        ExerciseSuite::custom("stage3.optim.step_decay", step_decay_cases, check_schedule),
        ExerciseSuite::custom("stage3.optim.exponential_decay", exponential_decay_cases, check_schedule),
        ExerciseSuite::custom("stage3.optim.cosine_annealing", cosine_cases, check_schedule),
        ExerciseSuite::custom("stage3.optim.warmup_cosine", warmup_cosine_cases, check_schedule),
        ExerciseSuite::custom("stage3.optim.lr_stability", lr_stability_cases, check_lr_stability),
    ]
}

// ---------------------------------------------------------------------------------------------
// Tensors on the wire: a float (0-D), a vector (1-D) or a matrix (2-D)

fn tensor(shape: &[usize], data: Vec<f64>) -> Value {
    match shape {
        [] => Value::Float(data[0]),
        [_] => Value::Floats(data),
        [r, c] => Value::matrix(*r, *c, data),
        _ => unreachable!("the optim suites use tensors of rank 2 at most"),
    }
}

/// Shape and flat data of a tensor on the wire; `None` for anything else.
fn parts(v: &Value) -> Option<(Vec<usize>, &[f64])> {
    match v {
        Value::Float(x) => Some((vec![], std::slice::from_ref(x))),
        Value::Floats(d) => Some((vec![d.len()], d)),
        Value::Matrix { rows, cols, data } => Some((vec![*rows, *cols], data)),
        _ => None,
    }
}

fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [] => "a scalar".to_string(),
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// Uniform in `[-scale, scale)`.
fn random(g: &mut Gen, shape: &[usize], scale: f64) -> Value {
    let n = shape.iter().product();
    tensor(shape, g.floats(n, -scale, scale))
}

// ---------------------------------------------------------------------------------------------
// Optimisers: cases

/// One case of an optimiser suite: hyper-parameters, named parameters, gradients per step.
fn opt_case(label: impl Into<String>, hyper: &[f64], params: Vec<(&str, Value)>, grads: Vec<Vec<Value>>) -> Case {
    let names = params.iter().map(|(n, _)| Value::Text(n.to_string())).collect();
    let values = params.into_iter().map(|(_, v)| v).collect();
    let grads = grads.into_iter().map(Value::List).collect();
    Case::new(
        label,
        Value::List(vec![hyper.to_vec().into(), Value::List(values), Value::List(grads), Value::List(names)]),
    )
}

/// The sequences every optimiser is tried on, with the hyper-parameters `hyper`.
fn sequences(g: &mut Gen, name: &str, hyper: &[f64]) -> Vec<Case> {
    const W: &[usize] = &[3, 4];
    const B: &[usize] = &[3];
    let mut cases = Vec::new();

    // A layer's weight and bias, random gradients.
    let (w, b) = (random(g, W, 1.0), random(g, B, 1.0));
    let grads = (0..5).map(|_| vec![random(g, W, 1.0), random(g, B, 1.0)]).collect();
    cases.push(opt_case(
        format!("W 3x4 and b (3,), 5 steps of random gradients, {name}"),
        hyper,
        vec![("W", w), ("b", b)],
        grads,
    ));

    // The same direction every step (plus a little noise): momentum and averages build up.
    let m = random(g, &[6, 2], 1.0);
    let Value::Matrix { data: base, .. } = random(g, &[6, 2], 1.0) else { unreachable!() };
    let grads = (0..8)
        .map(|_| {
            let noise = g.floats(12, -0.05, 0.05);
            vec![tensor(&[6, 2], base.iter().zip(&noise).map(|(b, n)| b + n).collect())]
        })
        .collect();
    cases.push(opt_case(
        format!("one 6x2 matrix, 8 steps of nearly the same gradient, {name}"),
        hyper,
        vec![("M", m)],
        grads,
    ));

    // Sign flips every step: momentum cancels.
    let v = random(g, &[5], 1.0);
    let base = g.floats(5, 0.2, 1.0);
    let grads =
        (0..6).map(|k| vec![tensor(&[5], base.iter().map(|x| if k % 2 == 0 { *x } else { -x }).collect())]).collect();
    cases.push(opt_case(
        format!("a (5,) vector whose gradient flips sign every step, 6 steps, {name}"),
        hyper,
        vec![("v", v)],
        grads,
    ));

    // Elements on very different scales; one column of W never gets a gradient.
    let w = random(g, W, 1.0);
    let b = random(g, B, 1.0);
    let scales = [1e-3, 1.0, 1e3, 0.0];
    let grads = (0..4)
        .map(|_| {
            let gw: Vec<f64> = (0..12).map(|i| scales[i % 4] * g.float(-1.0, 1.0)).collect();
            vec![tensor(W, gw), random(g, B, 1.0)]
        })
        .collect();
    cases.push(opt_case(
        format!("W's columns get gradients of scale 1e-3, 1, 1e3 and 0 (never updated), 4 steps, {name}"),
        hyper,
        vec![("W", w), ("b", b)],
        grads,
    ));

    // Gradients as small as ε.
    let w = random(g, &[2, 3], 1.0);
    let grads = (0..4).map(|_| vec![random(g, &[2, 3], 1e-9)]).collect();
    cases.push(opt_case(
        format!("gradients of about 1e-9 (where ε matters), 4 steps, {name}"),
        hyper,
        vec![("W", w)],
        grads,
    ));

    // A refused step in the middle: a transposed gradient (same number of elements).
    let (w, b) = (random(g, W, 1.0), random(g, B, 1.0));
    let mut grads: Vec<Vec<Value>> = (0..4).map(|_| vec![random(g, W, 1.0), random(g, B, 1.0)]).collect();
    grads[1][0] = random(g, &[4, 3], 1.0);
    cases.push(opt_case(
        format!(
            "step 2 gives a 4x3 gradient for the 3x4 W (must be refused, changing nothing), then 2 more steps, {name}"
        ),
        hyper,
        vec![("W", w), ("b", b)],
        grads,
    ));

    // A refused step: one gradient missing.
    let (w, b) = (random(g, W, 1.0), random(g, B, 1.0));
    let mut grads: Vec<Vec<Value>> = (0..3).map(|_| vec![random(g, W, 1.0), random(g, B, 1.0)]).collect();
    grads[0].pop();
    cases.push(opt_case(
        format!("step 1 gives 1 gradient for 2 parameters (must be refused), then 2 more steps, {name}"),
        hyper,
        vec![("W", w), ("b", b)],
        grads,
    ));

    cases.push(opt_case(format!("no parameters at all, 2 steps, {name}"), hyper, vec![], vec![vec![], vec![]]));
    cases
}

/// A short run with other hyper-parameters.
fn short_run(g: &mut Gen, label: &str, hyper: &[f64]) -> Case {
    let (w, b) = (random(g, &[2, 3], 1.0), random(g, &[2], 1.0));
    let grads = (0..3).map(|_| vec![random(g, &[2, 3], 1.0), random(g, &[2], 1.0)]).collect();
    opt_case(label, hyper, vec![("W", w), ("b", b)], grads)
}

fn sgd_cases(g: &mut Gen) -> Vec<Case> {
    let lr = g.float(0.05, 0.5);
    let mut cases = sequences(g, &format!("lr {lr:.3}"), &[lr]);
    cases.push(short_run(g, "lr 0 (parameters frozen)", &[0.0]));
    cases.push(short_run(g, "negative lr (must be refused)", &[-0.1]));
    cases.push(short_run(g, "lr NaN (must be refused)", &[f64::NAN]));
    cases
}

fn momentum_cases(g: &mut Gen) -> Vec<Case> {
    let lr = g.float(0.01, 0.1);
    let mu = g.float(0.8, 0.95);
    let mut cases = sequences(g, &format!("lr {lr:.3}, momentum {mu:.3}"), &[lr, mu]);
    cases.push(short_run(g, "momentum 0 (plain SGD)", &[0.1, 0.0]));
    cases.push(short_run(g, "momentum 1 (must be refused)", &[0.1, 1.0]));
    cases.push(short_run(g, "negative momentum (must be refused)", &[0.1, -0.5]));
    cases.push(short_run(g, "negative lr (must be refused)", &[-0.1, 0.9]));
    cases
}

fn rmsprop_cases(g: &mut Gen) -> Vec<Case> {
    let lr = g.float(0.005, 0.05);
    let mut cases = sequences(g, &format!("lr {lr:.4}, alpha 0.99, eps 1e-8"), &[lr, 0.99, 1e-8]);
    cases.push(short_run(g, "alpha 0 (the last squared gradient only)", &[0.01, 0.0, 1e-8]));
    cases.push(short_run(g, "alpha 0.9, eps 1e-3", &[0.01, 0.9, 1e-3]));
    cases.push(short_run(g, "alpha 1 (must be refused)", &[0.01, 1.0, 1e-8]));
    cases.push(short_run(g, "eps 0 (must be refused)", &[0.01, 0.99, 0.0]));
    cases.push(short_run(g, "negative lr (must be refused)", &[-0.01, 0.99, 1e-8]));
    cases
}

fn adam_cases(g: &mut Gen) -> Vec<Case> {
    let lr = g.float(0.005, 0.05);
    let mut cases = sequences(g, &format!("lr {lr:.4}, betas (0.9, 0.999), eps 1e-8"), &[lr, 0.9, 0.999, 1e-8]);
    // Long enough for the bias correction to fade.
    let (w, b) = (random(g, &[3, 2], 1.0), random(g, &[3], 1.0));
    let grads = (0..15).map(|_| vec![random(g, &[3, 2], 1.0), random(g, &[3], 1.0)]).collect();
    cases.push(opt_case(
        "W 3x2 and b (3,), 15 steps, betas (0.5, 0.9), lr 0.1",
        &[0.1, 0.5, 0.9, 1e-8],
        vec![("W", w), ("b", b)],
        grads,
    ));
    cases.push(short_run(g, "beta1 0 (no momentum: RMSprop with bias correction)", &[0.01, 0.0, 0.999, 1e-8]));
    cases.push(short_run(g, "beta1 1 (must be refused)", &[0.01, 1.0, 0.999, 1e-8]));
    cases.push(short_run(g, "beta2 1 (must be refused)", &[0.01, 0.9, 1.0, 1e-8]));
    cases.push(short_run(g, "eps 0 (must be refused)", &[0.01, 0.9, 0.999, 0.0]));
    cases.push(short_run(g, "negative lr (must be refused)", &[-0.01, 0.9, 0.999, 1e-8]));
    cases
}

// ---------------------------------------------------------------------------------------------
// Optimisers: checks

fn check_sgd(ctx: &CheckCtx) -> Result<(), Failure> {
    let library = "candle-nn SGD";
    candle_metric(ctx, library);
    check_steps(ctx, &[])?;
    check_against_candle(ctx, library)
}

fn check_momentum(ctx: &CheckCtx) -> Result<(), Failure> {
    check_steps(ctx, &["velocity"])
}

fn check_rmsprop(ctx: &CheckCtx) -> Result<(), Failure> {
    check_steps(ctx, &["sq_avg (running mean of g²)"])
}

fn check_adam(ctx: &CheckCtx) -> Result<(), Failure> {
    let library = "candle-nn AdamW (weight decay 0)";
    candle_metric(ctx, library);
    check_steps(ctx, &["m (first moment)", "v (second moment)", "t"])?;
    check_against_candle(ctx, library)
}

/// The name of parameter `i` from the case's input.
fn param_name(input: &Value, i: usize) -> String {
    match input.at(3).list().get(i) {
        Some(Value::Text(n)) => format!("`{n}` (#{i})"),
        _ => format!("#{i}"),
    }
}

/// Why a step's gradients do not fit the parameters (for the message when a step should have
/// been refused).
fn misfit(input: &Value, step: usize) -> String {
    let params = input.at(1).list();
    let grads = input.at(2).at(step).list();
    if params.len() != grads.len() {
        return format!("{} gradient(s) for {} parameter(s)", grads.len(), params.len());
    }
    for (i, (p, g)) in params.iter().zip(grads).enumerate() {
        let (ps, gs) = (parts(p).map(|p| p.0), parts(g).map(|g| g.0));
        if ps != gs {
            return format!(
                "the gradient of {} has shape {}, the parameter {}",
                param_name(input, i),
                gs.map_or("?".into(), |s| fmt_shape(&s)),
                ps.map_or("?".into(), |s| fmt_shape(&s))
            );
        }
    }
    "its gradients do not fit".to_string()
}

/// Allclose on one tensor, with the absolute tolerance taken relative to the tensor's largest
/// expected element: a state of tiny numbers (v for gradients of 1e-9) is compared at its own
/// scale, not waved through by an absolute tolerance made for numbers around 1.
fn tensor_close(path: &str, what: &str, expected: &Value, got: &Value, tol: Tolerance) -> Result<(), Failure> {
    let (Some((es, e)), Some((gs, g))) = (parts(expected), parts(got)) else {
        return context(what, compare::values(expected, got, tol));
    };
    if es != gs {
        return Err(Failure::plain(format!("{what}: expected shape {}, got {}", fmt_shape(&es), fmt_shape(&gs))));
    }
    let scale = e.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let scaled = Tolerance::new(tol.atol * scale.max(f64::MIN_POSITIVE), tol.rtol);
    context(what, compare::floats(path, &es, e, g, scaled))
}

/// A list of tensors (one per parameter) compared one by one.
fn tensors_close(
    step: usize,
    field: usize,
    what: &str,
    input: &Value,
    expected: &Value,
    got: &Value,
    tol: Tolerance,
) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (expected, got) else {
        return context(&format!("after step {step}, {what}"), compare::values(expected, got, tol));
    };
    if e.len() != g.len() {
        return Err(Failure::plain(format!(
            "after step {step}, {what}: expected {} tensor(s) (one per parameter), got {}",
            e.len(),
            g.len()
        )));
    }
    for (i, (e, g)) in e.iter().zip(g).enumerate() {
        let label = match what {
            "" => format!("after step {step}, parameter {}", param_name(input, i)),
            _ => format!("after step {step}, {what} of parameter {}", param_name(input, i)),
        };
        tensor_close(&format!(".{}.{field}.{i}", step - 1), &label, e, g, tol)?;
    }
    Ok(())
}

/// Step by step: the step refused or not as the reference's, then the parameters, then each
/// part of the state (`state` names them; a last `t` is the step count, an integer).
fn check_steps(ctx: &CheckCtx, state: &[&str]) -> Result<(), Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        if let Value::Error(e) = ctx.expected {
            if !matches!(ctx.got, Value::Error(_)) {
                let got = match ctx.got {
                    Value::List(_) => "an optimiser".to_string(),
                    other => other.kind().to_string(),
                };
                return Err(Failure::plain(format!(
                    "these hyper-parameters must be refused by `new` with `{e}`, got {got}"
                )));
            }
        }
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if expected.len() != got.len() {
        return Err(Failure::plain(format!("expected {} step results, got {}", expected.len(), got.len())));
    }
    for (s, (es, gs)) in expected.iter().zip(got).enumerate() {
        let step = s + 1;
        match (es, gs) {
            (Value::Error(e), Value::Error(g)) if e == g => continue,
            (Value::Error(e), _) => {
                return Err(Failure::plain(format!(
                    "step {step} must be refused with `{e}` ({}), and leave the state as it was; got {}",
                    misfit(ctx.input, s),
                    describe(gs)
                )))
            }
            (_, Value::Error(g)) => {
                return Err(Failure::plain(format!("step {step} was refused with `{g}`, but its gradients fit")))
            }
            (Value::List(ef), Value::List(gf)) if ef.len() == gf.len() && ef.len() == state.len() + 1 => {
                // The step count first: when it is off, everything else is off because of it.
                for (k, name) in state.iter().enumerate() {
                    if let (Value::Int(te), Value::Int(tg)) = (&ef[k + 1], &gf[k + 1]) {
                        if te != tg {
                            return Err(Failure::msg(format!(
                                "after step {step}, the step count {name}: expected {te}, got {tg}"
                            )));
                        }
                    }
                }
                tensors_close(step, 0, "", ctx.input, &ef[0], &gf[0], ctx.tol)?;
                for (k, name) in state.iter().enumerate() {
                    let (e, g) = (&ef[k + 1], &gf[k + 1]);
                    if matches!(e, Value::Int(_)) {
                        continue;
                    }
                    tensors_close(step, k + 1, name, ctx.input, e, g, ctx.tol)?;
                }
            }
            _ => context(&format!("step {step}"), compare::values(es, gs, ctx.tol))?,
        }
    }
    Ok(())
}

fn describe(v: &Value) -> String {
    match v {
        Value::Error(e) => format!("error `{e}`"),
        Value::List(_) => "new parameters".to_string(),
        other => other.kind().to_string(),
    }
}

/// The largest difference between the parameters and candle-nn's after any step, for the
/// student's and the reference's runs (steps where either side has no parameters are skipped).
fn candle_metric(ctx: &CheckCtx, library: &str) {
    let Some(Value::List(base)) = ctx.baseline else { return };
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else { return };
    let max_diff = |side: &[Value]| -> f64 {
        let mut worst = 0.0f64;
        for (b, s) in base.iter().zip(side) {
            let (Value::List(b), Value::List(s)) = (b, s) else { continue };
            let (Some(Value::List(bp)), Some(Value::List(sp))) = (b.first(), s.first()) else { continue };
            for (bt, st) in bp.iter().zip(sp) {
                if let (Some((bs, bd)), Some((ss, sd))) = (parts(bt), parts(st)) {
                    if bs == ss {
                        for (x, y) in bd.iter().zip(sd) {
                            let d = (x - y).abs();
                            worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
                        }
                    }
                }
            }
        }
        worst
    };
    ctx.metric(&format!("max |θ − θ_candle| vs {library}"), max_diff(got), Some(max_diff(expected)), None);
}

/// The parameters after every step against candle-nn's, run on the same gradients, at the
/// exercise's tolerance (the reference agrees with candle to rounding).
fn check_against_candle(ctx: &CheckCtx, library: &str) -> Result<(), Failure> {
    let (Some(Value::List(base)), Value::List(got)) = (ctx.baseline, ctx.got) else { return Ok(()) };
    for (s, (b, st)) in base.iter().zip(got).enumerate() {
        let (Value::List(b), Value::List(st)) = (b, st) else { continue };
        if let (Some(bp), Some(sp)) = (b.first(), st.first()) {
            let r = tensors_close(s + 1, 0, "", ctx.input, bp, sp, ctx.tol);
            context(&format!("compared with {library}"), r)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Minimising a function

fn config(kind: &str, hyper: &[f64]) -> Value {
    Value::List(vec![Value::Text(kind.into()), hyper.to_vec().into()])
}

/// The four optimisers with settings that suit each problem (and keep the trajectories
/// reproducible to rounding: no chaotic bouncing at the bottom of the valley).
fn configs(problem: &str) -> [(&'static str, Vec<f64>); 4] {
    match problem {
        "rosenbrock" => [
            ("sgd", vec![1e-3]),
            ("momentum", vec![5e-4, 0.9]),
            ("rmsprop", vec![3e-3, 0.99, 1e-8]),
            ("adam", vec![5e-2, 0.9, 0.999, 1e-8]),
        ],
        _ => [
            ("sgd", vec![0.035]),
            ("momentum", vec![0.02, 0.8]),
            ("rmsprop", vec![3e-3, 0.999, 1e-8]),
            ("adam", vec![5e-2, 0.9, 0.999, 1e-8]),
        ],
    }
}

fn describe_config(kind: &str, h: &[f64]) -> String {
    match kind {
        "sgd" => format!("SGD (lr {})", h[0]),
        "momentum" => format!("momentum (lr {}, momentum {})", h[0], h[1]),
        "rmsprop" => format!("RMSprop (lr {}, alpha {}, eps {:e})", h[0], h[1], h[2]),
        _ => format!("Adam (lr {}, betas ({}, {}), eps {:e})", h[0], h[1], h[2], h[3]),
    }
}

fn rosenbrock() -> Value {
    Value::List(vec![Value::Text("rosenbrock".into()), vec![1.0, 100.0].into()])
}

/// `H = Q diag(λ) Qᵀ` for a random rotation `Q`, made exactly symmetric.
fn spd(g: &mut Gen, eigenvalues: &[f64]) -> Value {
    spd_with_basis(g, eigenvalues).0
}

/// `H` and its eigenvectors (the rows of `Q`).
fn spd_with_basis(g: &mut Gen, eigenvalues: &[f64]) -> (Value, Vec<Vec<f64>>) {
    let n = eigenvalues.len();
    let q = g.orthonormal(n, n);
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] = (0..n).map(|k| q[k][i] * eigenvalues[k] * q[k][j]).sum();
        }
    }
    for i in 0..n {
        for j in 0..i {
            let a = 0.5 * (h[i * n + j] + h[j * n + i]);
            h[i * n + j] = a;
            h[j * n + i] = a;
        }
    }
    (Value::matrix(n, n, h), q)
}

fn minimise_input(objective: Value, kind: &str, hyper: &[f64], start: Vec<f64>, steps: usize) -> Value {
    Value::List(vec![objective, config(kind, hyper), start.into(), steps.into()])
}

fn minimise_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    let start = vec![g.float(-1.5, -0.5), g.float(0.5, 1.5)];
    for (kind, hyper) in configs("rosenbrock") {
        cases.push(Case::new(
            format!(
                "Rosenbrock (a 1, b 100) from ({:.3}, {:.3}), {}, 500 steps",
                start[0],
                start[1],
                describe_config(kind, &hyper)
            ),
            minimise_input(rosenbrock(), kind, &hyper, start.clone(), 500),
        ));
    }
    let h = spd(g, &[1.0, 5.0, 20.0, 50.0]);
    let quadratic = Value::List(vec![Value::Text("quadratic".into()), h.clone()]);
    let start = g.floats(4, -2.0, 2.0);
    for (kind, hyper) in configs("quadratic") {
        cases.push(Case::new(
            format!(
                "quadratic ½θᵀHθ in 4-D, eigenvalues 1, 5, 20, 50 (condition number 50), {}, 200 steps",
                describe_config(kind, &hyper)
            ),
            minimise_input(quadratic.clone(), kind, &hyper, start.clone(), 200),
        ));
    }
    let adam = [0.05, 0.9, 0.999, 1e-8];
    cases.push(Case::new(
        "Rosenbrock, 0 steps (the loss at the start only)",
        minimise_input(rosenbrock(), "adam", &adam, vec![g.float(-2.0, 2.0), g.float(-1.0, 3.0)], 0),
    ));
    cases.push(Case::new(
        "Rosenbrock from a 3-element start (must be refused)",
        minimise_input(rosenbrock(), "sgd", &[1e-3], g.floats(3, -1.0, 1.0), 10),
    ));
    cases.push(Case::new(
        "4x4 quadratic from a 3-element start (must be refused)",
        minimise_input(quadratic.clone(), "sgd", &[0.01], g.floats(3, -1.0, 1.0), 10),
    ));
    cases.push(Case::new(
        "Adam with beta1 1 (must be refused)",
        minimise_input(quadratic, "adam", &[0.05, 1.0, 0.999, 1e-8], g.floats(4, -1.0, 1.0), 10),
    ));
    cases.push(Case::new(
        "momentum with a negative lr (must be refused)",
        minimise_input(rosenbrock(), "momentum", &[-1e-3, 0.9], vec![-1.0, 1.0], 10),
    ));
    cases
}

/// `(step, log10 loss)` for the finite, positive losses.
fn log_curve(losses: &[f64]) -> Vec<[f64; 2]> {
    losses.iter().enumerate().filter(|(_, l)| l.is_finite() && **l > 0.0).map(|(k, l)| [k as f64, l.log10()]).collect()
}

fn loss_figure(ctx: &CheckCtx, title: String, expected: &[f64], got: &[f64]) {
    ctx.figure(Figure {
        title,
        kind: "lines".into(),
        x_label: "step".into(),
        y_label: "log10(loss)".into(),
        series: vec![
            Series { name: "your loss".into(), points: log_curve(got) },
            Series { name: "reference".into(), points: log_curve(expected) },
        ],
        matrix: vec![],
        labels: vec![],
    });
}

/// Losses compared step by step (index k = the loss after k steps).
fn check_losses(ctx: &CheckCtx, expected: &[f64], got: &[f64]) -> Result<(), Failure> {
    if expected.len() != got.len() {
        return Err(Failure::plain(format!(
            "expected {} losses (the loss at the start, then one after each of the {} steps), got {}",
            expected.len(),
            expected.len() - 1,
            got.len()
        )));
    }
    context(
        "loss trajectory (index k = the loss after k steps; [0] is the loss at the start)",
        compare::floats(".0", &[expected.len()], expected, got, ctx.tol),
    )
}

fn check_minimise(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let (Some(Value::Floats(le)), Some(Value::Floats(lg))) = (e.first(), g.first()) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let objective = match ctx.input.at(0).at(0).text() {
        "rosenbrock" => "Rosenbrock",
        _ => "the quadratic",
    };
    let cfg = ctx.input.at(1);
    let what = describe_config(cfg.at(0).text(), cfg.at(1).floats());
    if le.len() > 1 {
        loss_figure(ctx, format!("{objective} with {what}: loss per step"), le, lg);
    }
    if let (Some(a), Some(b)) = (lg.last(), le.last()) {
        ctx.metric("final loss", *a, Some(*b), None);
    }
    check_losses(ctx, le, lg)?;
    context("the final point θ", compare::values(&e[1], &g[1], ctx.tol))?;
    compare::values(ctx.expected, ctx.got, ctx.tol)
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules

fn ints(v: &[usize]) -> Value {
    Value::Ints(v.iter().map(|&s| s as i64).collect())
}

fn step_decay_cases(g: &mut Gen) -> Vec<Case> {
    let input = |lr0: f64, gamma: f64, size: usize, steps: &[usize]| {
        Value::List(vec![vec![lr0, gamma].into(), size.into(), ints(steps)])
    };
    let mut cases = Vec::new();
    for gamma in [0.1, 0.5, g.float(0.2, 0.9)] {
        let lr0 = g.float(0.01, 1.0);
        let size = g.size(5, 50);
        let steps = [0, 1, size - 1, size, size + 1, 2 * size, 3 * size - 1, 10 * size + 3, 1000];
        cases.push(Case::new(
            format!("lr0 {lr0:.4}, gamma {gamma:.3}, step_size {size}: steps 0, 1, around each boundary, 1000"),
            input(lr0, gamma, size, &steps),
        ));
    }
    let dense: Vec<usize> = (0..=60).collect();
    cases.push(Case::new("lr0 0.1, gamma 0.5, step_size 10: every step 0..=60", input(0.1, 0.5, 10, &dense)));
    cases.push(Case::new("step_size 1 (decays every step)", input(0.3, 0.9, 1, &[0, 1, 2, 5, 50])));
    cases.push(Case::new("gamma 1 (constant)", input(0.3, 1.0, 7, &[0, 6, 7, 700])));
    cases.push(Case::new("lr0 0 (always 0)", input(0.0, 0.5, 3, &[0, 3, 30])));
    cases.push(Case::new("step_size 0 (must be refused)", input(0.1, 0.5, 0, &[0, 1])));
    cases.push(Case::new("gamma 0 (must be refused)", input(0.1, 0.0, 5, &[0, 5])));
    cases.push(Case::new("gamma 1.5 (must be refused)", input(0.1, 1.5, 5, &[0, 5])));
    cases.push(Case::new("negative lr0 (must be refused)", input(-0.1, 0.5, 5, &[0, 5])));
    cases
}

fn exponential_decay_cases(g: &mut Gen) -> Vec<Case> {
    let input = |lr0: f64, gamma: f64, steps: &[usize]| Value::List(vec![vec![lr0, gamma].into(), ints(steps)]);
    let mut cases = Vec::new();
    for _ in 0..2 {
        let (lr0, gamma) = (g.float(0.01, 1.0), g.float(0.9, 0.999));
        cases.push(Case::new(
            format!("lr0 {lr0:.4}, gamma {gamma:.4}: steps 0, 1, 2, 10, 100, 1000, 5000"),
            input(lr0, gamma, &[0, 1, 2, 10, 100, 1000, 5000]),
        ));
    }
    let dense: Vec<usize> = (0..=100).collect();
    cases.push(Case::new("lr0 0.1, gamma 0.97: every step 0..=100", input(0.1, 0.97, &dense)));
    cases.push(Case::new("gamma 1 (constant)", input(0.05, 1.0, &[0, 1, 1000])));
    cases.push(Case::new("gamma 0.5 at step 2000 (underflows to 0)", input(0.1, 0.5, &[0, 1, 10, 2000])));
    cases.push(Case::new("gamma 0 (must be refused)", input(0.1, 0.0, &[0, 1])));
    cases.push(Case::new("gamma 1.01 (must be refused)", input(0.1, 1.01, &[0, 1])));
    cases.push(Case::new("lr0 NaN (must be refused)", input(f64::NAN, 0.9, &[0, 1])));
    cases
}

fn cosine_cases(g: &mut Gen) -> Vec<Case> {
    let input = |max: f64, min: f64, total: usize, steps: &[usize]| {
        Value::List(vec![vec![max, min].into(), total.into(), ints(steps)])
    };
    let mut cases = Vec::new();
    for with_floor in [true, false] {
        let lr_max = g.float(0.01, 1.0);
        let lr_min = if with_floor { lr_max * g.float(0.01, 0.1) } else { 0.0 };
        let total = g.size(50, 1000);
        let steps = [0, 1, total / 4, total / 2, 3 * total / 4, total - 1, total, total + 1, 10 * total];
        cases.push(Case::new(
            format!(
                "lr_max {lr_max:.4}, lr_min {lr_min:.4}, total {total}: steps 0, 1, quarters, total - 1, total, beyond"
            ),
            input(lr_max, lr_min, total, &steps),
        ));
    }
    let dense: Vec<usize> = (0..=50).collect();
    cases.push(Case::new("lr_max 0.1, lr_min 0.01, total 40: every step 0..=50", input(0.1, 0.01, 40, &dense)));
    cases.push(Case::new("total 1 (lr_max at step 0, then lr_min)", input(0.2, 0.02, 1, &[0, 1, 2])));
    cases.push(Case::new("lr_min = lr_max (constant)", input(0.05, 0.05, 10, &[0, 5, 10, 20])));
    cases.push(Case::new("total 0 (must be refused)", input(0.1, 0.0, 0, &[0, 1])));
    cases.push(Case::new("lr_min above lr_max (must be refused)", input(0.1, 0.2, 10, &[0, 1])));
    cases.push(Case::new("negative lr_min (must be refused)", input(0.1, -0.01, 10, &[0, 1])));
    cases
}

fn warmup_cosine_cases(g: &mut Gen) -> Vec<Case> {
    let input = |max: f64, min: f64, warmup: usize, total: usize, steps: &[usize]| {
        Value::List(vec![vec![max, min].into(), warmup.into(), total.into(), ints(steps)])
    };
    let mut cases = Vec::new();
    let lr_max = g.float(0.001, 0.5);
    let lr_min = lr_max * g.float(0.0, 0.1);
    let warmup = g.size(5, 50);
    let total = warmup + g.size(50, 1000);
    let mid = (warmup + total) / 2;
    let steps = [0, 1, warmup - 1, warmup, warmup + 1, mid, total - 1, total, total + 1, 5 * total];
    cases.push(Case::new(
        format!(
            "lr_max {lr_max:.4}, lr_min {lr_min:.5}, warm-up {warmup}, total {total}: steps around the warm-up, middle, end, beyond"
        ),
        input(lr_max, lr_min, warmup, total, &steps),
    ));
    let dense: Vec<usize> = (0..=70).collect();
    cases.push(Case::new(
        "lr_max 0.1, lr_min 0.005, warm-up 10, total 60: every step 0..=70",
        input(0.1, 0.005, 10, 60, &dense),
    ));
    let total = g.size(20, 200);
    cases.push(Case::new(
        format!("warm-up 0 (cosine annealing from step 0), total {total}"),
        input(0.1, 0.001, 0, total, &[0, 1, total / 2, total - 1, total, total + 7]),
    ));
    cases.push(Case::new("warm-up 1 (0 at step 0, lr_max at step 1)", input(0.1, 0.0, 1, 10, &[0, 1, 2, 10])));
    cases.push(Case::new("warm-up = total - 1 (a single cosine step)", input(0.1, 0.01, 9, 10, &[0, 5, 8, 9, 10, 11])));
    cases.push(Case::new("warm-up = total (must be refused)", input(0.1, 0.01, 10, 10, &[0, 5])));
    cases.push(Case::new("warm-up above total (must be refused)", input(0.1, 0.01, 20, 10, &[0, 5])));
    cases.push(Case::new("total 0 (must be refused)", input(0.1, 0.0, 0, 0, &[0])));
    cases.push(Case::new("lr_min above lr_max (must be refused)", input(0.1, 0.5, 5, 50, &[0, 5])));
    cases.push(Case::new(
        "lr_min = lr_max (constant after the warm-up)",
        input(0.05, 0.05, 4, 20, &[0, 2, 4, 10, 20, 30]),
    ));
    cases.push(Case::new("lr_max infinite, lr_min 0.1 (must be refused)", input(f64::INFINITY, 0.1, 5, 50, &[0, 5])));
    cases
}

/// Each step's rate (or error) against the reference's, naming the step; the whole schedule as
/// a curve when the case asks for many steps.
fn check_schedule(ctx: &CheckCtx) -> Result<(), Failure> {
    let input = ctx.input.list();
    let steps = input.last().expect("steps").ints();
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    if e.len() != g.len() {
        return Err(Failure::plain(format!(
            "expected {} learning rates (one per step asked), got {}",
            e.len(),
            g.len()
        )));
    }
    if steps.len() > 20 {
        let curve = |v: &[Value]| -> Vec<[f64; 2]> {
            steps
                .iter()
                .zip(v)
                .filter_map(|(s, x)| match x {
                    Value::Float(x) if x.is_finite() => Some([*s as f64, *x]),
                    _ => None,
                })
                .collect()
        };
        ctx.figure(Figure {
            title: "learning rate per step".into(),
            kind: "lines".into(),
            x_label: "step".into(),
            y_label: "learning rate".into(),
            series: vec![
                Series { name: "your schedule".into(), points: curve(g) },
                Series { name: "reference".into(), points: curve(e) },
            ],
            matrix: vec![],
            labels: vec![],
        });
    }
    let wrong: Vec<(usize, Failure)> = e
        .iter()
        .zip(g)
        .enumerate()
        .filter_map(|(i, (ev, gv))| compare::values(ev, gv, ctx.tol).err().map(|f| (i, f)))
        .collect();
    let Some((i, first)) = wrong.first() else { return Ok(()) };
    let detail = match (&e[*i], &g[*i]) {
        (Value::Float(x), Value::Float(y)) => {
            format!("expected {}, got {}", compare::fmt_num(*x), compare::fmt_num(*y))
        }
        _ => first.message.clone(),
    };
    Err(Failure {
        message: format!("wrong at {} of {} steps; first at step {}: {detail}", wrong.len(), steps.len(), steps[*i]),
        mismatch: first.mismatch.clone().map(|mut m| {
            m.path = format!(".{i}");
            m.worst_index = vec![*i];
            m
        }),
        diagnosis: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Why the learning rate matters

/// `(H, start, lr, steps, L)`: `L`, the largest eigenvalue of H, is for the check only.
fn lr_stability_cases(g: &mut Gen) -> Vec<Case> {
    let big = g.float(2.0, 20.0);
    let eigenvalues = [big, big * g.float(0.3, 0.7), big * g.float(0.05, 0.2)];
    let (h, q) = spd_with_basis(g, &eigenvalues);
    // A start with a clear component along every eigenvector: the top one decides divergence.
    let mut start = [0.0; 3];
    for qk in &q {
        let c = g.float(0.5, 1.5) * if g.float(0.0, 1.0) < 0.5 { -1.0 } else { 1.0 };
        for j in 0..3 {
            start[j] += c * qk[j];
        }
    }
    let input = |lr: f64, steps: usize| {
        Value::List(vec![h.clone(), start.to_vec().into(), lr.into(), steps.into(), big.into()])
    };
    let mut cases = Vec::new();
    for r in [0.5, 1.0, 1.5, 1.95, 2.05, 2.5, 3.0] {
        let verdict = if r < 2.0 { "converges" } else { "diverges" };
        cases.push(Case::new(
            format!("3x3 H, L = {big:.3}: lr = {r}/L = {:.4}, 100 steps ({verdict})", r / big),
            input(r / big, 100),
        ));
    }
    cases.push(Case::new(
        format!("lr = 2.1/L = {:.4}, only 20 steps (diverges: the loss ends 5 to 45 times its start)", 2.1 / big),
        input(2.1 / big, 20),
    ));
    cases.push(Case::new("lr 0 (nothing moves: not diverged)", input(0.0, 10)));
    cases.push(Case::new("0 steps", input(1.0 / big, 0)));
    cases.push(Case::new("negative lr (must be refused)", input(-0.1, 10)));
    cases.push(Case::new(
        "H 3x2 (must be refused)",
        Value::List(vec![g.matrix(3, 2), start.to_vec().into(), 0.1.into(), 10usize.into(), big.into()]),
    ));
    cases.push(Case::new(
        "start of 2 elements for a 3x3 H (must be refused)",
        Value::List(vec![h.clone(), vec![1.0, 1.0].into(), 0.1.into(), 10usize.into(), big.into()]),
    ));
    cases
}

fn check_lr_stability(ctx: &CheckCtx) -> Result<(), Failure> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let (Some(Value::Floats(le)), Some(Value::Floats(lg))) = (e.first(), g.first()) else {
        return compare::values(ctx.expected, ctx.got, ctx.tol);
    };
    let (lr, big) = (ctx.input.at(2).float(), ctx.input.at(4).float());
    if le.len() > 1 {
        loss_figure(ctx, format!("gradient descent with lr = {:.2}/L: loss per step", lr * big), le, lg);
    }
    if let (Some(a), Some(b), Some(a0), Some(b0)) = (lg.last(), le.last(), lg.first(), le.first()) {
        ctx.metric("final loss / initial loss", a / a0, Some(b / b0), None);
    }
    check_losses(ctx, le, lg)?;
    if let (Some(Value::Bool(de)), Some(Value::Bool(dg))) = (e.get(1), g.get(1)) {
        if de != dg {
            let side = if lr * big > 2.0 { "above" } else { "below" };
            return Err(Failure::plain(format!(
                "lr = {:.3}/L is {side} 2/L: the run {}, so `diverged` must be {de}, got {dg}",
                lr * big,
                if *de { "ends above its starting loss" } else { "ends at or below its starting loss" }
            )));
        }
    }
    compare::values(ctx.expected, ctx.got, ctx.tol)
}
