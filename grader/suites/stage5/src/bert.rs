//! Hidden suites for `stage5::bert`: all-MiniLM-L6-v2's tokenizer through `tokenizers` (exact
//! ids and masks on texts drawn from a hidden pool: punctuation, accents, capitals, unknown and
//! long words, empty texts, truncation at 128), BERT's forward pass on tiny random BERTs (`F32`,
//! to 1e-5: heads, layers, layer-norm eps, padding masks all vary), and MiniLM's sentence
//! embeddings on hidden batches (`F32`, to 1e-4), with their cosine similarities in the report.
//!
//! The model's files are the data sets `minilm_model` and `minilm_tokenizer` (fetched at set-up
//! into an hf-hub cache, opened by the grader through `hf_hub`); they reach the probe as bytes.

use grader_protocol::Value;
use grader_report::Figure;
use grader_suite_api::compare::{self, Tolerance};
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage5.bert.tokenize", tokenize_cases, check_tokenize),
        ExerciseSuite::custom("stage5.bert.forward", forward_cases, check_forward),
        ExerciseSuite::custom("stage5.bert.embed", embed_cases, check_embed),
    ]
}

/// Sentences the cases draw from: everyday English, with punctuation, numbers and capitals.
const SENTENCES: &[&str] = &[
    "The cat sits on the mat.",
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "Two dogs play in the snow, chasing a red ball!",
    "Stock markets fell 3% on Tuesday after the central bank raised rates.",
    "How do I reset my password?",
    "I forgot my login credentials and cannot sign in.",
    "The recipe needs two eggs, 200 g of flour and a pinch of salt.",
    "Rust's borrow checker rejects this program at compile time.",
    "It rained all weekend in Paris.",
    "The weather in Paris was wet on Saturday and Sunday.",
    "Quantum computers use qubits instead of bits.",
    "Please send the invoice to accounting before Friday.",
    "He plays the violin in an orchestra.",
];

/// Texts that exercise the tokenizer's normalizer and WordPiece model.
const ODD_TEXTS: &[&str] = &[
    "Café CRÈME brûlée, naïve résumé.",
    "antidisestablishmentarianism",
    "e-mail: someone@example.com (urgent!!!)",
    "Ünïcödé ΑΒΓ 東京 🙂",
    "   leading and trailing spaces   ",
    "tabs\tand\nnewlines",
    "x",
    "",
    "GPT-4o vs. BERT-base: 110M parameters?",
];

fn tokenizer_bytes() -> Value {
    Value::Bytes(data::bytes("minilm_tokenizer").to_vec())
}

fn texts(t: &[&str]) -> Value {
    Value::List(t.iter().map(|s| Value::Text(s.to_string())).collect())
}

/// `k` distinct items of `pool`, in a seeded order.
fn pick<'a>(g: &mut Gen, pool: &[&'a str], k: usize) -> Vec<&'a str> {
    let mut order: Vec<usize> = (0..pool.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, g.size(0, i));
    }
    order.into_iter().take(k).map(|i| pool[i]).collect()
}

/// A text of about `words` words drawn from the sentences (over 128 tokens when `words` is).
fn long_text(g: &mut Gen, words: usize) -> String {
    let all: Vec<&str> = SENTENCES.iter().flat_map(|s| s.split(' ')).collect();
    (0..words).map(|_| all[g.size(0, all.len() - 1)]).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: (tokenizer.json, texts) -> (ids, mask), exact.

fn tokenize_cases(g: &mut Gen) -> Vec<Case> {
    let tok = tokenizer_bytes;
    let case = |label: &str, t: &[&str]| Case::new(label, Value::List(vec![tok(), texts(t)]));
    let long = long_text(g, 160);
    let short = pick(g, SENTENCES, 1);
    vec![
        case("sentences of different lengths", &pick(g, SENTENCES, 4)),
        case("accents, capitals, unknown and long words", &pick(g, ODD_TEXTS, 5)),
        case("one sentence", &pick(g, SENTENCES, 1)),
        case("an empty text beside a sentence", &["", short[0]]),
        case("a text over 128 tokens (truncated) beside a short one", &[long.as_str(), short[0]]),
        case("an empty batch", &[]),
    ]
}

fn check_tokenize(ctx: &CheckCtx) -> Result<(), Failure> {
    if !matches!(ctx.expected, Value::List(p) if p.iter().all(|m| matches!(m, Value::Matrix { .. }))) {
        return Err(Failure::msg(format!("suite: the reference answered {}, not (ids, mask)", ctx.expected.kind())));
    }
    ctx.named_parts()
}

// ---------------------------------------------------------------------------------------------
// Forward pass on tiny random BERTs: (weights, config, ids, mask) -> (n, T, H), F32.

struct Tiny {
    vocab: usize,
    hidden: usize,
    layers: usize,
    heads: usize,
    inter: usize,
    positions: usize,
    eps: f64,
}

/// Random weights under BERT's names, as safetensors (`F64`, loaded as `F32`). Layer-norm gains near 1, biases
/// and type embeddings non-zero, so that leaving any of them out shows.
fn tiny_weights(g: &mut Gen, c: &Tiny) -> Vec<u8> {
    let mut tensors: Vec<(String, Vec<usize>, Vec<f64>)> = Vec::new();
    let mut add = |name: String, shape: Vec<usize>, data: Vec<f64>| tensors.push((name, shape, data));
    let (h, i) = (c.hidden, c.inter);
    let normal = |g: &mut Gen, n: usize, s: f64| g.normals(n).iter().map(|v| v * s).collect::<Vec<f64>>();
    add("embeddings.word_embeddings.weight".into(), vec![c.vocab, h], normal(g, c.vocab * h, 1.0));
    add("embeddings.position_embeddings.weight".into(), vec![c.positions, h], normal(g, c.positions * h, 0.5));
    add("embeddings.token_type_embeddings.weight".into(), vec![2, h], normal(g, 2 * h, 0.5));
    let norm = |g: &mut Gen, add: &mut dyn FnMut(String, Vec<usize>, Vec<f64>), at: &str| {
        add(format!("{at}.weight"), vec![h], g.floats(h, 0.7, 1.3));
        add(format!("{at}.bias"), vec![h], normal(g, h, 0.1));
    };
    norm(g, &mut add, "embeddings.LayerNorm");
    let linear = |g: &mut Gen, add: &mut dyn FnMut(String, Vec<usize>, Vec<f64>), at: &str, out: usize, inp: usize| {
        add(format!("{at}.weight"), vec![out, inp], normal(g, out * inp, 1.0 / (inp as f64).sqrt()));
        add(format!("{at}.bias"), vec![out], normal(g, out, 0.1));
    };
    for l in 0..c.layers {
        let at = |s: &str| format!("encoder.layer.{l}.{s}");
        for part in ["query", "key", "value"] {
            linear(g, &mut add, &at(&format!("attention.self.{part}")), h, h);
        }
        linear(g, &mut add, &at("attention.output.dense"), h, h);
        norm(g, &mut add, &at("attention.output.LayerNorm"));
        linear(g, &mut add, &at("intermediate.dense"), i, h);
        linear(g, &mut add, &at("output.dense"), h, i);
        norm(g, &mut add, &at("output.LayerNorm"));
    }
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> =
        tensors.into_iter().map(|(n, s, d)| (n, s, d.iter().flat_map(|v| v.to_le_bytes()).collect())).collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = bytes
        .iter()
        .map(|(n, s, d)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F64, s.clone(), d).expect("suite: view"),
            )
        })
        .collect();
    safetensors::serialize(views, None).expect("suite: safetensors")
}

fn forward_case(g: &mut Gen, label: &str, c: Tiny, n: usize, t: usize, padded: bool) -> Case {
    let weights = tiny_weights(g, &c);
    let ids: Vec<f64> = (0..n * t).map(|_| g.size(0, c.vocab - 1) as f64).collect();
    // Row 0 is whole; the others end in padding when `padded` (at least one token each).
    let mask: Vec<f64> = (0..n)
        .flat_map(|r| {
            let len = if r == 0 || !padded { t } else { g.size(1, t.max(2) - 1).min(t) };
            (0..t).map(move |j| if j < len { 1.0 } else { 0.0 })
        })
        .collect();
    let ids: Vec<f64> = ids.iter().zip(&mask).map(|(&i, &m)| if m == 1.0 { i } else { 0.0 }).collect();
    let config = Value::List(vec![
        Value::Int(c.vocab as i64),
        Value::Int(c.hidden as i64),
        Value::Int(c.layers as i64),
        Value::Int(c.heads as i64),
        Value::Int(c.inter as i64),
        Value::Int(c.positions as i64),
        Value::Int(2),
        Value::Float(c.eps),
    ]);
    Case::new(
        label,
        Value::List(vec![Value::Bytes(weights), config, Value::matrix(n, t, ids), Value::matrix(n, t, mask)]),
    )
}

fn forward_cases(g: &mut Gen) -> Vec<Case> {
    let tiny = |hidden, layers, heads, inter, eps| Tiny { vocab: 40, hidden, layers, heads, inter, positions: 12, eps };
    vec![
        forward_case(g, "one layer, one head, one text", tiny(8, 1, 1, 16, 1e-12), 1, 5, false),
        forward_case(g, "two layers, two heads, padded batch", tiny(8, 2, 2, 24, 1e-12), 3, 6, true),
        forward_case(g, "four heads, layer-norm eps 0.1", tiny(12, 1, 4, 24, 0.1), 2, 4, true),
        forward_case(g, "three layers, three heads, one token", tiny(6, 3, 3, 12, 1e-12), 2, 1, false),
        forward_case(g, "three heads for a width of 8: an error", tiny(8, 1, 3, 16, 1e-12), 1, 3, false),
    ]
}

/// A tensor to compare, or a refusal: any candle error will do (the exercise asks for an error,
/// not a particular one), a panic will not. Only the case built to be refused may be one.
fn check_forward(ctx: &CheckCtx) -> Result<(), Failure> {
    let heads = ctx.input.at(1).at(3).int();
    let refused = ctx.input.at(1).at(1).int() % heads != 0;
    match (ctx.expected, ctx.got) {
        (Value::Error(_), Value::Error(_)) if refused => Ok(()),
        (Value::Error(_), got) if refused => {
            Err(Failure::msg(format!("expected an error ({heads} heads do not divide the width), got {}", got.kind())))
        }
        (Value::Tensor { .. }, _) if !refused => compare::values(ctx.expected, ctx.got, ctx.tol),
        (e, _) => Err(Failure::msg(format!("suite: the reference answered {}", e.kind()))),
    }
}

// ---------------------------------------------------------------------------------------------
// MiniLM's sentence embeddings: (model, tokenizer.json, texts) -> (n, 384), F32.

/// F32 sums in another order: far below what a wrong layer moves (≥ 1e-2 on unit vectors).
const EMBEDDING: Tolerance = Tolerance { atol: 1e-4, rtol: 0.0 };

fn embed_cases(g: &mut Gen) -> Vec<Case> {
    let model = || Value::Bytes(data::bytes("minilm_model").to_vec());
    let case = |label: &str, t: &[&str]| Case::new(label, Value::List(vec![model(), tokenizer_bytes(), texts(t)]));
    let k = g.size(4, 6);
    vec![
        case("a batch of sentences of different lengths", &pick(g, SENTENCES, k)),
        case("one sentence", &pick(g, SENTENCES, 1)),
    ]
}

fn check_embed(ctx: &CheckCtx) -> Result<(), Failure> {
    let shown = |v: &Value| -> Option<Vec<Vec<f64>>> {
        let Value::Matrix { rows, cols, data } = v else { return None };
        (*rows > 1).then(|| {
            (0..*rows)
                .map(|i| {
                    (0..*rows).map(|j| (0..*cols).map(|c| data[i * cols + c] * data[j * cols + c]).sum()).collect()
                })
                .collect()
        })
    };
    if !matches!(ctx.expected, Value::Matrix { .. }) {
        return Err(Failure::msg(format!("suite: the reference answered {}, not a matrix", ctx.expected.kind())));
    }
    if let Some(sim) = shown(ctx.got) {
        let labels = ctx.input.at(2).list().iter().map(|t| t.text().chars().take(24).collect()).collect();
        ctx.figure(Figure {
            title: "cosine similarities of your embeddings".into(),
            kind: "heatmap".into(),
            x_label: "text".into(),
            y_label: "text".into(),
            series: vec![],
            matrix: sim,
            labels,
        });
    }
    compare::values(ctx.expected, ctx.got, EMBEDDING)
}
