//! Hidden suites for `stage5::seq2seq`: the encoder-decoder with attention on the grader's random
//! weights (outputs against the reference's), then trained by the grader on CMUdict's
//! spelling-to-pronunciation pairs and judged on words it never saw, against the reference
//! trained the same way.

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::named("stage5.seq2seq.forward", forward_cases),
        ExerciseSuite::custom("stage5.seq2seq.train", train_cases, check_training),
    ]
}

const E: usize = 32;
const H: usize = 64;
const A: usize = 64;
const BOS: f64 = 1.0;
const EOS: f64 = 2.0;

/// The 39 phonemes of CMUdict, in the order of their ids (3, 4, ...).
fn phonemes(pairs: &[(String, Vec<String>)]) -> Vec<String> {
    let mut all: Vec<String> = pairs.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
    all.sort();
    all.dedup();
    all
}

fn pairs() -> Vec<(String, Vec<String>)> {
    data::text("cmudict_g2p")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(w, p)| (w.to_string(), p.split(' ').map(str::to_string).collect()))
        .collect()
}

fn vocab(phones: &[String]) -> usize {
    3 + phones.len()
}

fn mat(g: &mut Gen, r: usize, c: usize, scale: f64) -> Value {
    Value::matrix(r, c, g.normals(r * c).iter().map(|v| v * scale).collect())
}

fn vec_(g: &mut Gen, n: usize, scale: f64) -> Value {
    Value::Floats(g.normals(n).iter().map(|v| v * scale).collect())
}

fn gru(g: &mut Gen, i: usize, h: usize) -> Value {
    let s = 1.0 / (h as f64).sqrt();
    Value::List(vec![mat(g, 3 * h, i, s), mat(g, 3 * h, h, s), vec_(g, 3 * h, s), vec_(g, 3 * h, s)])
}

/// Initial weights, as PyTorch would draw them (scaled normals).
fn weights(g: &mut Gen, v: usize) -> Value {
    Value::List(vec![
        mat(g, 27, E, 1.0),
        gru(g, E, H),
        mat(g, v, E, 1.0),
        Value::List(vec![
            mat(g, A, H, 1.0 / (H as f64).sqrt()),
            mat(g, A, H, 1.0 / (H as f64).sqrt()),
            vec_(g, A, 1.0 / (A as f64).sqrt()),
        ]),
        gru(g, E + H, H),
        Value::List(vec![mat(g, v, 2 * H, 1.0 / (2.0 * H as f64).sqrt()), vec_(g, v, 0.1)]),
    ])
}

/// Letter ids, padded with 0 at the end to the longest word.
fn sources(words: &[&str]) -> Value {
    let t = words.iter().map(|w| w.len()).max().unwrap_or(0);
    let mut d = Vec::with_capacity(words.len() * t);
    for w in words {
        let ids: Vec<f64> = w.bytes().map(|b| f64::from(b - b'A' + 1)).collect();
        d.extend(ids.iter().copied().chain(std::iter::repeat(0.0)).take(t));
    }
    Value::matrix(words.len(), t, d)
}

/// `BOS p1 .. pn EOS`, padded with 0 to the longest.
fn targets(prons: &[&[String]], phones: &[String]) -> Value {
    let t = prons.iter().map(|p| p.len() + 2).max().unwrap_or(2);
    let id = |p: &String| (3 + phones.iter().position(|q| q == p).expect("suite: a phoneme")) as f64;
    let mut d = Vec::with_capacity(prons.len() * t);
    for p in prons {
        let row: Vec<f64> = std::iter::once(BOS).chain(p.iter().map(id)).chain(std::iter::once(EOS)).collect();
        d.extend(row.iter().copied().chain(std::iter::repeat(0.0)).take(t));
    }
    Value::matrix(prons.len(), t, d)
}

fn forward_cases(g: &mut Gen) -> Vec<Case> {
    let all = pairs();
    let phones = phonemes(&all);
    let v = vocab(&phones);
    let pick = |g: &mut Gen, n: usize| -> Vec<usize> { (0..n).map(|_| g.size(0, all.len() - 1)).collect() };
    let idx = pick(g, 6);
    let words: Vec<&str> = idx.iter().map(|&i| all[i].0.as_str()).collect();
    let prons: Vec<&[String]> = idx.iter().map(|&i| all[i].1.as_slice()).collect();
    let tgt = targets(&prons, &phones);
    let (r, c, d) = tgt.matrix_parts();
    let tin = Value::matrix(r, c - 1, (0..r).flat_map(|i| d[i * c..i * c + c - 1].to_vec()).collect());
    let one = vec![all[idx[0]].0.as_str()];
    vec![
        Case::new(
            "6 words of different lengths (padding at the end), teacher-forced",
            Value::List(vec![weights(g, v), sources(&words), tin.clone()]),
        ),
        Case::new(
            "one word, BOS only",
            Value::List(vec![weights(g, v), sources(&one), Value::matrix(1, 1, vec![BOS])]),
        ),
        Case::new(
            "sources and targets of different batch sizes (ShapeMismatch)",
            Value::List(vec![weights(g, v), sources(&words[..2]), Value::matrix(1, 1, vec![BOS])]),
        ),
    ]
}

const TRAIN: usize = 3000;
const TEST: usize = 300;
const STEPS: usize = 400;
const BATCH: usize = 64;
const LR: f64 = 0.01;

fn train_cases(g: &mut Gen) -> Vec<Case> {
    let mut all = pairs();
    let phones = phonemes(&all);
    let v = vocab(&phones);
    // A seeded shuffle: which words train and which test changes with the seed.
    for i in (1..all.len()).rev() {
        let j = g.size(0, i);
        all.swap(i, j);
    }
    let (train, rest) = all.split_at(TRAIN);
    let test = &rest[..TEST];
    let words = |s: &[(String, Vec<String>)]| s.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>();
    let prons = |s: &[(String, Vec<String>)]| s.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>();
    let (tw, tp) = (words(train), prons(train));
    let tw: Vec<&str> = tw.iter().map(String::as_str).collect();
    let tp: Vec<&[String]> = tp.iter().map(Vec::as_slice).collect();
    let xw = words(test);
    let xw: Vec<&str> = xw.iter().map(String::as_str).collect();
    // The test pronunciations stay in the grader: ids per word, without BOS and EOS.
    let secret = Value::List(
        test.iter()
            .map(|(_, p)| {
                Value::Ints(p.iter().map(|q| 3 + phones.iter().position(|x| x == q).unwrap() as i64).collect())
            })
            .collect(),
    );
    let input = Value::List(vec![
        weights(g, v),
        sources(&tw),
        targets(&tp, &phones),
        sources(&xw),
        Value::Int(STEPS as i64),
        Value::Int(BATCH as i64),
        Value::Float(LR),
    ]);
    vec![Case::new(
        format!("{TRAIN} words of CMUdict, {STEPS} AdamW steps of {BATCH}; {TEST} unseen words decoded greedily"),
        input,
    )
    .with_secret(secret)]
}

/// Levenshtein distance between two token lists.
fn edits(a: &[i64], b: &[i64]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(x != y)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `(phoneme error rate, word accuracy)` of predictions against the hidden pronunciations.
fn score(predicted: &[Value], truth: &[Value]) -> (f64, f64) {
    let (mut errors, mut total, mut exact) = (0usize, 0usize, 0usize);
    let none = Value::Ints(vec![]);
    let empty: Vec<i64> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        let Value::Ints(t) = t else { continue };
        // A missing or malformed prediction counts as empty: every phoneme of the word is an error.
        let p = match predicted.get(i).unwrap_or(&none) {
            Value::Ints(p) => p,
            _ => &empty,
        };
        let e = edits(p, t);
        errors += e;
        total += t.len();
        exact += usize::from(e == 0);
    }
    (errors as f64 / total.max(1) as f64, exact as f64 / truth.len().max(1) as f64)
}

/// The student's model, trained as the reference's was, must decode the unseen words about as
/// well: a phoneme error rate at most 5 points above the reference's, and at most 35% (the
/// reference reaches about 26% after its 400 steps, 31–34% of the words exactly right; a model that
/// learned nothing stays near 100%).
fn check_training(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::Error(e) = ctx.got {
        let why = match e.as_str() {
            "NoGradient" => {
                "training found no gradient for some weight: decode_logits must compute the logits from the weights with \
                 tensor operations only (a to_vec, or a weight never used, cuts the graph)"
            }
            "Diverged" => "the training loss became NaN or infinite with your functions (the reference's stays finite)",
            _ => "your functions failed during training or decoding",
        };
        return Err(Failure::msg(format!("{why} ({e})")));
    }
    let (Value::List(e), Value::List(s), Value::List(truth)) = (ctx.expected, ctx.got, ctx.secret) else {
        return ctx.named_parts();
    };
    let (Some(Value::List(ep)), Some(Value::List(sp))) = (e.get(1), s.get(1)) else { return ctx.named_parts() };
    if sp.len() != truth.len() {
        return Err(Failure::msg(format!(
            "greedy_decode returned {} pronunciations for {} words: one per source sequence",
            sp.len(),
            truth.len()
        )));
    }
    let (eper, eacc) = score(ep, truth);
    let (sper, sacc) = score(sp, truth);
    if let (Some(Value::Floats(el)), Some(Value::Floats(sl))) = (e.first(), s.first()) {
        let curve = |l: &[f64]| l.iter().enumerate().map(|(i, v)| [i as f64, *v]).collect::<Vec<_>>();
        ctx.figure(Figure {
            title: "training loss (cross-entropy per phoneme)".into(),
            kind: "lines".into(),
            x_label: "step".into(),
            y_label: "loss".into(),
            series: vec![
                Series { name: "yours".into(), points: curve(sl) },
                Series { name: "reference".into(), points: curve(el) },
            ],
            matrix: vec![],
            labels: vec![],
        });
    }
    ctx.metric("phoneme error rate on unseen words", sper, Some(eper), None);
    ctx.metric("words exactly right", sacc, Some(eacc), None);
    if eper > 0.35 {
        return Err(Failure::plain(format!(
            "the grader's reference reached a phoneme error rate of {eper:.3} only: a bug in the grader, please report it"
        )));
    }
    if sper > eper + 0.05 || sper > 0.35 {
        return Err(Failure::msg(format!(
            "your trained model mispronounces {:.1}% of the phonemes of words it never saw (the reference, trained the \
             same way: {:.1}%); within 5 points and under 35% passes",
            100.0 * sper,
            100.0 * eper
        )));
    }
    Ok(())
}
