//! `final.<task>.train`: the student's `train` three times in one call, on 1,000 examples of a
//! hidden draw: the seed, the same seed, the seed + 1. The glue hashes each model's bytes
//! (`to_bytes`): the same seed must give the same digest (a model can be rebuilt from its seed
//! and its data), another seed another digest (the seed is used). The part's time limit is the
//! training budget.

use super::{data, Task, N_TRAIN};
use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

pub(crate) fn cases(task: Task, g: &mut Gen) -> Vec<Case> {
    (0..2)
        .map(|k| {
            let d = data::draw(task, g, N_TRAIN, 0);
            let seed = g.size(1, 1 << 30) as i64;
            Case::new(
                format!("{} training examples, seed draw {}", N_TRAIN, k + 1),
                Value::List(vec![d.train, Value::Ints(d.train_labels), Value::Int(seed)]),
            )
        })
        .collect()
}

/// `[losses, digest, digest_again, digest_other, bytes]`.
struct Runs<'a> {
    losses: &'a [f64],
    digests: [&'a str; 3],
    bytes: i64,
    round_trip: bool,
    damaged_refused: bool,
}

fn runs<'a>(v: &'a Value, whose: &str) -> Result<Runs<'a>, Failure> {
    if let Value::Error(e) = v {
        return Err(Failure::plain(format!("{whose} training returned an error: {e}")));
    }
    let Value::List(p) = v else { return Err(Failure::plain(format!("{whose} answer is not the glue's list"))) };
    match p.as_slice() {
        [Value::Floats(l), Value::Text(a), Value::Text(b), Value::Text(c), Value::Int(n), Value::Bool(r), Value::Bool(d)] => {
            Ok(Runs { losses: l, digests: [a, b, c], bytes: *n, round_trip: *r, damaged_refused: *d })
        }
        _ => Err(Failure::plain(format!("{whose} answer is not the glue's list"))),
    }
}

fn curve(name: &str, l: &[f64]) -> Series {
    Series { name: name.into(), points: l.iter().enumerate().map(|(i, &x)| [(i + 1) as f64, x]).collect() }
}

pub(crate) fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let e = runs(ctx.expected, "the reference's")
        .map_err(|f| Failure::plain(format!("{} (a bug in the grader: please report it)", f.message)))?;
    let g = runs(ctx.got, "your")?;
    ctx.figure(Figure {
        title: "Training curve: the loss of each epoch (the first run)".into(),
        kind: "lines".into(),
        x_label: "epoch".into(),
        y_label: "training loss".into(),
        series: vec![curve("yours", g.losses), curve("reference", e.losses)],
        matrix: vec![],
        labels: vec![],
    });
    ctx.metric("model size (bytes)", g.bytes as f64, Some(e.bytes as f64), None);
    ctx.metric("epochs", g.losses.len() as f64, Some(e.losses.len() as f64), None);
    if g.digests[0] != g.digests[1] {
        return Err(Failure::plain(
            "not reproducible: two trainings with the same seed gave models whose bytes differ (compare \
             `to_bytes` of two runs in a test of your own)",
        ));
    }
    if g.digests[0] == g.digests[2] {
        return Err(Failure::plain(
            "the seed is not used: seeds s and s + 1 gave the same model, byte for byte (every shuffle and initial \
             weight must be drawn from the seed)",
        ));
    }
    if g.bytes <= 0 {
        return Err(Failure::plain("`to_bytes` returned no bytes"));
    }
    if !g.round_trip {
        return Err(Failure::plain(
            "`from_bytes(to_bytes(model))` did not give back a model with the same bytes (or returned an error): \
             the service could not load what training saved",
        ));
    }
    if !g.damaged_refused {
        return Err(Failure::plain(
            "damaged model bytes (cut in half, or one byte flipped in the middle) were accepted by `from_bytes`: a \
             torn or corrupted file must be an `Err` (a length check, a checksum)",
        ));
    }
    if g.losses.is_empty() || g.losses.iter().any(|l| !l.is_finite()) {
        return Err(Failure::plain(
            "`train` must return the loss of each epoch, finite: the report draws the training curve from them",
        ));
    }
    Ok(())
}
