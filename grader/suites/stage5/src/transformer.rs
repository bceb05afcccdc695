//! Hidden suites for `stage5::transformer`: attention with masks (against candle-nn's softmax;
//! timed), multi-head attention, the positional encoding, the feed-forward network, pre- and
//! post-norm encoder and decoder layers, the full encoder-decoder, a decoder-only model whose
//! earlier logits must not move when later tokens change (bit for bit), its KV cache against
//! full recomputation, encoder against decoder on the same text, and Table 1's per-layer costs.

use grader_protocol::Value;
use grader_suite_api::compare::Tolerance;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage5.transformer.attention", attention_cases, with_library)
            .with_baseline("stage5.transformer.attention.candle")
            .timed(attention_speed),
        ExerciseSuite::custom("stage5.transformer.attention_gpu", attention_gpu_cases, with_library)
            .with_baseline("stage5.transformer.attention.candle")
            .timed(attention_speed_gpu),
        ExerciseSuite::named("stage5.transformer.multi_head", multi_head_cases),
        ExerciseSuite::plain("stage5.transformer.positional", positional_cases),
        ExerciseSuite::plain("stage5.transformer.ffn", ffn_cases),
        ExerciseSuite::plain("stage5.transformer.encoder_layer", encoder_cases),
        ExerciseSuite::plain("stage5.transformer.decoder_layer", decoder_cases),
        ExerciseSuite::plain("stage5.transformer.transformer", transformer_cases),
        ExerciseSuite::custom("stage5.transformer.gpt", gpt_cases, check_gpt),
        ExerciseSuite::custom("stage5.transformer.kv_cache", kv_cases, check_kv),
        ExerciseSuite::custom("stage5.transformer.encoder_vs_decoder", influence_cases, check_influence),
        ExerciseSuite::named("stage5.transformer.layer_costs", cost_cases),
    ]
}

/// How far the reference may be from candle-nn's softmax (the same sums, another kernel).
const LIBRARY: Tolerance = Tolerance { atol: 1e-12, rtol: 1e-10 };

fn with_library(ctx: &CheckCtx) -> Result<(), Failure> {
    ctx.with_library(LIBRARY)
}

fn int(n: usize) -> Value {
    Value::Int(n as i64)
}

fn tensor(g: &mut Gen, shape: &[usize], scale: f64) -> Value {
    let n = shape.iter().product();
    let data: Vec<f64> = g.normals(n).iter().map(|v| v * scale).collect();
    match shape {
        [r, c] => Value::matrix(*r, *c, data),
        [_] => Value::Floats(data),
        _ => Value::tensor(shape.to_vec(), data),
    }
}

// ---------------------------------------------------------------------------------------------
// Weights

fn linear(g: &mut Gen, out: usize, inp: usize) -> Value {
    Value::List(vec![tensor(g, &[out, inp], 1.0 / (inp as f64).sqrt()), tensor(g, &[out], 0.1)])
}

fn norm(g: &mut Gen, d: usize) -> Value {
    Value::List(vec![Value::Floats(g.floats(d, 0.7, 1.3)), tensor(g, &[d], 0.1)])
}

fn mha(g: &mut Gen, d: usize, heads: usize) -> Value {
    Value::List(vec![linear(g, d, d), linear(g, d, d), linear(g, d, d), linear(g, d, d), int(heads)])
}

fn ffn(g: &mut Gen, d: usize, dff: usize) -> Value {
    Value::List(vec![linear(g, dff, d), linear(g, d, dff)])
}

fn enc(g: &mut Gen, d: usize, heads: usize) -> Value {
    Value::List(vec![mha(g, d, heads), ffn(g, d, 2 * d), norm(g, d), norm(g, d)])
}

fn dec(g: &mut Gen, d: usize, heads: usize) -> Value {
    Value::List(vec![mha(g, d, heads), mha(g, d, heads), ffn(g, d, 2 * d), norm(g, d), norm(g, d), norm(g, d)])
}

fn ids(g: &mut Gen, b: usize, t: usize, vocab: usize) -> Value {
    Value::matrix(b, t, (0..b * t).map(|_| g.int(0, vocab as i64 - 1) as f64).collect())
}

fn gpt(g: &mut Gen, vocab: usize, tmax: usize, d: usize, heads: usize, layers: usize) -> Value {
    Value::List(vec![
        tensor(g, &[vocab, d], 1.0),
        tensor(g, &[tmax, d], 0.5),
        Value::List((0..layers).map(|_| enc(g, d, heads)).collect()),
        norm(g, d),
        linear(g, vocab, d),
    ])
}

// ---------------------------------------------------------------------------------------------
// Attention: (q, k, v, mask)

fn attention_input(
    g: &mut Gen,
    lead: &[usize],
    tq: usize,
    tk: usize,
    d: usize,
    dv: usize,
    mask: Value,
    scale: f64,
) -> Value {
    let shape = |t: usize, w: usize| [lead, &[t, w]].concat();
    Value::List(vec![
        tensor(g, &shape(tq, d), scale),
        tensor(g, &shape(tk, d), 1.0),
        tensor(g, &shape(tk, dv), 1.0),
        mask,
    ])
}

fn attention_cases(g: &mut Gen) -> Vec<Case> {
    let causal = Value::Text("causal".into());
    let band = Value::matrix(4, 6, (0..24).map(|z| if (z % 6) <= z / 6 + 2 { 1.0 } else { 0.0 }).collect());
    let empty_row = Value::matrix(3, 3, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    vec![
        Case::new(
            "self-attention, 2 x 5 positions, d = 4, no mask",
            attention_input(g, &[2], 5, 5, 4, 4, Value::Unit, 1.0),
        ),
        Case::new(
            "cross-attention: 3 queries on 7 keys, dv = 5",
            attention_input(g, &[2], 3, 7, 6, 5, Value::Unit, 1.0),
        ),
        Case::new("the causal mask on 6 positions", attention_input(g, &[1], 6, 6, 4, 3, causal.clone(), 1.0)),
        Case::new("a band mask given as a matrix", attention_input(g, &[2], 4, 6, 3, 3, band, 1.0)),
        Case::new(
            "two heads: (B, heads, T, d) with the causal mask",
            attention_input(g, &[2, 2], 5, 5, 4, 4, causal, 1.0),
        ),
        Case::new(
            "scores in the thousands (subtract the maximum)",
            attention_input(g, &[1], 4, 4, 8, 2, Value::Unit, 3000.0),
        ),
        Case::new("one position", attention_input(g, &[2], 1, 1, 3, 2, Value::Unit, 1.0)),
        Case::new(
            "unbatched (T, d) matrices: 3 queries on 5 keys",
            attention_input(g, &[], 3, 5, 4, 2, Value::Unit, 1.0),
        ),
        Case::new("a mask row of zeros (EmptySequence)", attention_input(g, &[1], 3, 3, 2, 2, empty_row, 1.0)),
        Case::new("keys of another width than the queries (ShapeMismatch)", {
            let mut v = attention_input(g, &[1], 3, 3, 4, 4, Value::Unit, 1.0);
            if let Value::List(p) = &mut v {
                p[1] = tensor(g, &[1, 3, 5], 1.0);
            }
            v
        }),
        Case::new("a mask of the wrong size (ShapeMismatch)", {
            let m = Value::matrix(2, 2, vec![1.0; 4]);
            attention_input(g, &[1], 3, 3, 2, 2, m, 1.0)
        }),
    ]
}

/// Timed: 8 sequences of 512 positions, d = 64, `F64` on the CPU.
fn attention_speed(g: &mut Gen) -> Case {
    Case::new(
        "8 x 512 positions, d = 64, no mask, F64 on the CPU",
        attention_input(g, &[8], 512, 512, 64, 64, Value::Unit, 1.0),
    )
}

fn attention_gpu_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("self-attention, 2 x 5 positions, d = 4", attention_input(g, &[2], 5, 5, 4, 4, Value::Unit, 1.0)),
        Case::new("a band mask given as a matrix", {
            let band = Value::matrix(4, 6, (0..24).map(|z| if (z % 6) <= z / 6 + 2 { 1.0 } else { 0.0 }).collect());
            attention_input(g, &[2], 4, 6, 3, 3, band, 1.0)
        }),
    ]
}

/// Timed on the GPU: 16 x 8 heads x 1024 positions, d = 64, `F32`.
fn attention_speed_gpu(g: &mut Gen) -> Case {
    let Value::List(mut p) = attention_input(g, &[16, 8], 1024, 1024, 64, 64, Value::Unit, 1.0) else { unreachable!() };
    p.push(Value::Text("cuda".into()));
    Case::new("16 x 8 heads x 1024 positions, d = 64, F32 on the GPU", Value::List(p))
}

// ---------------------------------------------------------------------------------------------
// Multi-head: (x_q, x_kv, weights, mask)

fn multi_head_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, b, tq, tk, d, heads, mask: Value| {
        Value::List(vec![tensor(g, &[b, tq, d], 1.0), tensor(g, &[b, tk, d], 1.0), mha(g, d, heads), mask])
    };
    let self_attn = |g: &mut Gen, b, t, d, heads, mask: Value| {
        let x = tensor(g, &[b, t, d], 1.0);
        Value::List(vec![x.clone(), x, mha(g, d, heads), mask])
    };
    vec![
        Case::new("self-attention, 2 x 5 positions, D = 8, 2 heads", self_attn(g, 2, 5, 8, 2, Value::Unit)),
        Case::new("4 heads of 3 with the causal mask", self_attn(g, 2, 6, 12, 4, Value::Text("causal".into()))),
        Case::new("cross-attention: 3 queries on 5 keys, 1 head", case(g, 2, 3, 5, 6, 1, Value::Unit)),
        Case::new("3 heads on a width of 8 (InvalidParameter)", self_attn(g, 1, 3, 8, 3, Value::Unit)),
        Case::new("0 heads (InvalidParameter)", self_attn(g, 1, 3, 4, 0, Value::Unit)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Positional encoding: (len, d)

fn positional_cases(g: &mut Gen) -> Vec<Case> {
    let c = |len: usize, d: usize| Value::List(vec![int(len), int(d)]);
    let (len, d) = (g.size(5, 60), g.size(2, 32) * 2);
    vec![
        Case::new("50 positions, width 16", c(50, 16)),
        Case::new("2048 positions, width 512 (the paper's width, long wavelengths)", c(2048, 512)),
        Case::new(format!("{len} positions, width {d}"), c(len, d)),
        Case::new("width 2 (one frequency)", c(10, 2)),
        Case::new("an odd width (InvalidParameter)", c(10, 7)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Feed-forward, encoder and decoder layers

fn ffn_cases(g: &mut Gen) -> Vec<Case> {
    vec![
        Case::new("2 x 5 positions, D = 6, D_ff = 24", Value::List(vec![tensor(g, &[2, 5, 6], 1.0), ffn(g, 6, 24)])),
        Case::new("one position", Value::List(vec![tensor(g, &[1, 1, 4], 1.0), ffn(g, 4, 8)])),
        Case::new(
            "weights for another width (ShapeMismatch)",
            Value::List(vec![tensor(g, &[1, 3, 4], 1.0), ffn(g, 5, 8)]),
        ),
    ]
}

fn encoder_cases(g: &mut Gen) -> Vec<Case> {
    let c = |g: &mut Gen, b, t, d, heads, mask: Value, pre: bool| {
        Value::List(vec![tensor(g, &[b, t, d], 1.0), enc(g, d, heads), mask, Value::Bool(pre)])
    };
    vec![
        Case::new("post-norm (the paper), 2 x 5 positions, D = 8, 2 heads", c(g, 2, 5, 8, 2, Value::Unit, false)),
        Case::new("pre-norm, same sizes", c(g, 2, 5, 8, 2, Value::Unit, true)),
        Case::new("pre-norm with the causal mask (a GPT block)", c(g, 1, 6, 8, 4, Value::Text("causal".into()), true)),
        Case::new("post-norm, one position", c(g, 2, 1, 4, 1, Value::Unit, false)),
    ]
}

fn decoder_cases(g: &mut Gen) -> Vec<Case> {
    let c = |g: &mut Gen, b, tt, ts, d, heads, pre: bool| {
        Value::List(vec![tensor(g, &[b, tt, d], 1.0), tensor(g, &[b, ts, d], 1.0), dec(g, d, heads), Value::Bool(pre)])
    };
    vec![
        Case::new("post-norm, 4 target and 6 source positions, D = 8, 2 heads", c(g, 2, 4, 6, 8, 2, false)),
        Case::new("pre-norm, same sizes", c(g, 2, 4, 6, 8, 2, true)),
        Case::new("one target position", c(g, 1, 1, 3, 4, 2, false)),
        Case::new("memory of another width (ShapeMismatch)", {
            let mut v = c(g, 1, 3, 3, 4, 2, false);
            if let Value::List(p) = &mut v {
                p[1] = tensor(g, &[1, 3, 6], 1.0);
            }
            v
        }),
    ]
}

fn transformer_cases(g: &mut Gen) -> Vec<Case> {
    let model = |g: &mut Gen, vs: usize, vt: usize, d: usize, heads: usize, layers: usize| {
        Value::List(vec![
            tensor(g, &[vs, d], 1.0),
            tensor(g, &[vt, d], 1.0),
            Value::List((0..layers).map(|_| enc(g, d, heads)).collect()),
            Value::List((0..layers).map(|_| dec(g, d, heads)).collect()),
            linear(g, vt, d),
        ])
    };
    vec![
        Case::new(
            "2 layers, D = 8, 2 heads: 2 sources of 6 tokens, targets of 5",
            Value::List(vec![ids(g, 2, 6, 11), ids(g, 2, 5, 13), model(g, 11, 13, 8, 2, 2)]),
        ),
        Case::new(
            "1 layer, 1 head, one target token",
            Value::List(vec![ids(g, 1, 4, 7), ids(g, 1, 1, 5), model(g, 7, 5, 4, 1, 1)]),
        ),
        Case::new("a source token beyond the vocabulary (InvalidParameter)", {
            let m = model(g, 5, 5, 4, 1, 1);
            Value::List(vec![Value::matrix(1, 3, vec![1.0, 5.0, 2.0]), ids(g, 1, 2, 5), m])
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Decoder-only: (ids, changed, model); KV cache: (ids, prompt, steps, model)

/// `ids` with its last token of each row changed.
fn changed_last(ids: &Value, vocab: usize) -> Value {
    let (r, c, d) = ids.matrix_parts();
    let mut d = d.to_vec();
    for row in 0..r {
        let at = row * c + c - 1;
        d[at] = ((d[at] as usize + 1 + row) % vocab) as f64;
    }
    Value::matrix(r, c, d)
}

fn gpt_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, b, t, vocab, tmax, d, heads, layers| {
        let x = ids(g, b, t, vocab);
        let changed = changed_last(&x, vocab);
        Value::List(vec![x, changed, gpt(g, vocab, tmax, d, heads, layers)])
    };
    vec![
        Case::new("2 layers, D = 8, 2 heads, 2 sequences of 7 tokens", case(g, 2, 7, 17, 16, 8, 2, 2)),
        Case::new("1 layer, 4 heads, 1 sequence of 12", case(g, 1, 12, 9, 12, 8, 4, 1)),
        Case::new("a sequence longer than the position table (InvalidParameter)", case(g, 1, 9, 9, 8, 4, 1, 1)),
    ]
}

/// The student's own logits must not move before the changed (last) position, bit for bit;
/// then both outputs against the reference's.
fn check_gpt(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::List(s) = ctx.got {
        if let (Some(Value::Tensor { shape, data: a }), Some(Value::Tensor { data: b, .. })) = (s.first(), s.get(1)) {
            if let [bs, t, v] = shape[..] {
                for row in 0..bs {
                    for pos in 0..t.saturating_sub(1) {
                        let at = (row * t + pos) * v;
                        if let Some(j) = (0..v).find(|&j| a[at + j].to_bits() != b[at + j].to_bits()) {
                            return Err(Failure::msg(format!(
                                "changing the last token changed the logits at position {pos} (sequence {row}, \
                                 logit {j}): {} -> {}. A causal model's earlier positions must not see later tokens: \
                                 a masked weight must be exactly 0",
                                a[at + j],
                                b[at + j]
                            )));
                        }
                    }
                }
            }
        }
    }
    ctx.named_parts()
}

fn kv_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, b, t, prompt, steps, vocab, tmax, d, heads, layers| {
        Value::List(vec![ids(g, b, t, vocab), int(prompt), int(steps), gpt(g, vocab, tmax, d, heads, layers)])
    };
    vec![
        Case::new(
            "2 layers, a prompt of 3 then 5 tokens one at a time; 6 generated",
            case(g, 2, 8, 3, 6, 19, 16, 8, 2, 2),
        ),
        Case::new("1 layer, a prompt of 1 then 6 tokens; 4 generated", case(g, 1, 7, 1, 4, 7, 12, 4, 1, 1)),
        Case::new("the whole sequence as the prompt; 0 generated", case(g, 1, 5, 5, 0, 11, 8, 8, 2, 1)),
    ]
}

/// The cached logits against the student's own full forward pass (to rounding), then every part
/// against the reference.
fn check_kv(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::List(s) = ctx.got {
        if let (Some(full @ Value::Tensor { .. }), Some(step @ Value::Tensor { .. })) = (s.first(), s.get(1)) {
            grader_suite_api::compare::named("stepwise_logits", full, step, Tolerance { atol: 1e-9, rtol: 1e-9 })
                .map_err(|f| f.within("the logits computed with your cache differ from your full forward pass"))?;
        }
    }
    ctx.named_parts()
}

fn influence_cases(g: &mut Gen) -> Vec<Case> {
    let case = |g: &mut Gen, b, t, vocab, d, heads, layers| {
        let x = ids(g, b, t, vocab);
        let changed = changed_last(&x, vocab);
        Value::List(vec![x, changed, gpt(g, vocab, t + 2, d, heads, layers)])
    };
    vec![
        Case::new("2 layers, 2 sequences of 8 tokens: change the last token", case(g, 2, 8, 13, 8, 2, 2)),
        Case::new("1 layer, one sequence of 5", case(g, 1, 5, 7, 4, 1, 1)),
    ]
}

/// The student's decoder must show exactly 0 before the last position; the reference's encoder
/// must show a change everywhere (the demonstration); then both against the reference.
fn check_influence(ctx: &CheckCtx) -> Result<(), Failure> {
    if let (Value::List(e), Value::List(s)) = (ctx.expected, ctx.got) {
        if let Some(Value::Floats(enc)) = e.first() {
            if enc.iter().any(|&x| !(x > 0.0)) {
                return Err(Failure::plain(
                    "the grader's reference encoder shows no change at some position: a bug in the grader, please \
                     report it",
                ));
            }
        }
        if let Some(Value::Floats(dec)) = s.get(1) {
            if let Some(t) = dec.iter().take(dec.len().saturating_sub(1)).position(|&x| x != 0.0) {
                return Err(Failure::msg(format!(
                    "your decoder's state at position {t} moved by {} when only the last token changed: with the \
                     causal mask it must not move at all",
                    dec[t]
                )));
            }
        }
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// Layer costs: (n, d, k)

fn cost_cases(g: &mut Gen) -> Vec<Case> {
    let c = |n: u64, d: u64, k: usize| Value::List(vec![Value::Int(n as i64), Value::Int(d as i64), int(k)]);
    let (n, d, k) = (g.int(2, 5000) as u64, g.int(1, 1024) as u64, g.size(2, 9));
    vec![
        Case::new("n = 512 positions, d = 512, kernel 3 (the paper's base model)", c(512, 512, 3)),
        Case::new("n = 4096, d = 64 (long sequences: attention's n² shows)", c(4096, 64, 5)),
        Case::new(format!("n = {n}, d = {d}, kernel {k}"), c(n, d, k)),
        Case::new("one position (paths of 0)", c(1, 8, 3)),
        Case::new("kernel 2, the narrowest (n - 1 layers to connect the ends)", c(100, 16, 2)),
        Case::new("kernel 1 (InvalidParameter for the convolution)", c(10, 8, 1)),
        Case::new("d = 0 (InvalidParameter)", c(10, 0, 3)),
    ]
}
