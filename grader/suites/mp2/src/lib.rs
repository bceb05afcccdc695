//! Mini-project 2's hidden evaluation, one module per task (task "spam" in [`spam`]). Task
//! "digits", here: the student's network (`projects/mp2-deep`, module `digits`) is trained by the grader from a seed on the training
//! images of a hidden stratified draw from the course's 10,000 MNIST digits, and predicts the
//! held-out images of the same draw; the grader scores the predictions against a pass mark and
//! against the reference trained on the same images, shows the training curve (the mean loss of
//! each epoch, which `train` returns) and the confusion matrix, and checks that training twice
//! with the same seed gives the same model.
//!
//! Inputs are `(images_train, labels_train, images_held_out, seed)`. The held-out labels are
//! *not* in the input (the probe runs student code): they are the case's secret, which stays in
//! the grader's process and reaches only the check.

// `Failure` carries a `Mismatch` by value on purpose: it is built once per failing case.
#![allow(clippy::result_large_err)]

use grader_protocol::Value;
use grader_report::{Figure, Series};
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

mod spam;

pub fn suites() -> Vec<ExerciseSuite> {
    let mut suites = vec![
        ExerciseSuite::custom("mp2.digits.accuracy", accuracy_cases, check_accuracy),
        ExerciseSuite::custom("mp2.digits.reproducible", reproducible_cases, check_reproducible),
    ];
    suites.extend(spam::suites());
    suites
}

// ---------------------------------------------------------------------------------------------
// Pass marks (chosen from measurements of the reference and of plainer models: see the
// manifest, grader/course/mp2/digits.toml).

/// Held-out accuracy a case needs, whatever the reference scored.
const MIN_ACCURACY: f64 = 0.90;
/// How far below the reference's accuracy on the same draw a case may fall.
const REFERENCE_MARGIN: f64 = 0.04;

/// Training and held-out images per case.
const N_TRAIN: usize = 2000;
const N_HELD_OUT: usize = 1000;

const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;
const CLASSES: usize = 10;

// ---------------------------------------------------------------------------------------------
// Data

/// `datasets/mnist/mnist-10k.bin`: records of a label byte and 784 pixel bytes.
struct Digits {
    pixels: &'static [u8],
    labels: Vec<i64>,
}

fn digits() -> Digits {
    let bytes = data::bytes("mnist");
    assert_eq!(bytes.len() % (1 + PIXELS), 0, "mnist: whole records");
    let labels: Vec<i64> = bytes.chunks(1 + PIXELS).map(|r| r[0] as i64).collect();
    assert!(labels.iter().all(|&c| (0..CLASSES as i64).contains(&c)), "mnist: labels are digits");
    Digits { pixels: bytes, labels }
}

impl Digits {
    /// The images `idx` as an `(n, 1, 28, 28)` tensor of pixel / 255.
    fn images(&self, idx: &[usize]) -> Value {
        let data = idx
            .iter()
            .flat_map(|&i| self.pixels[i * (1 + PIXELS) + 1..(i + 1) * (1 + PIXELS)].iter().map(|&b| b as f64 / 255.0))
            .collect();
        Value::tensor(vec![idx.len(), 1, SIDE, SIDE], data)
    }
}

/// A uniform index in `0..n`.
pub(crate) fn below(g: &mut Gen, n: usize) -> usize {
    g.size(0, n - 1)
}

pub(crate) fn shuffle<T>(g: &mut Gen, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(g, i + 1));
    }
}

/// A stratified draw of `N_TRAIN` training and `N_HELD_OUT` held-out images, disjoint, each
/// digit in proportion to its count (rounded); both sets shuffled. Returns the case, whose
/// secret is the held-out labels.
fn draw_case(g: &mut Gen, d: &Digits, label: &str) -> Case {
    let n = d.labels.len() as f64;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..CLASSES as i64 {
        let mut rows: Vec<usize> = (0..d.labels.len()).filter(|&i| d.labels[i] == class).collect();
        shuffle(g, &mut rows);
        let share = rows.len() as f64 / n;
        let k_test = ((N_HELD_OUT as f64 * share).round() as usize).min(rows.len());
        let k_train = ((N_TRAIN as f64 * share).round() as usize).min(rows.len() - k_test);
        test.extend_from_slice(&rows[..k_test]);
        train.extend_from_slice(&rows[k_test..k_test + k_train]);
    }
    shuffle(g, &mut train);
    shuffle(g, &mut test);
    let seed = g.seed() >> 1;
    let y_train = Value::Ints(train.iter().map(|&i| d.labels[i]).collect());
    let y_test: Vec<i64> = test.iter().map(|&i| d.labels[i]).collect();
    Case::new(
        format!("{label}: {} training images, {} held out, seed {seed}", train.len(), test.len()),
        Value::List(vec![d.images(&train), y_train, d.images(&test), Value::Int(seed as i64)]),
    )
    .with_secret(Value::Ints(y_test))
}

// ---------------------------------------------------------------------------------------------
// Cases

fn accuracy_cases(g: &mut Gen) -> Vec<Case> {
    let d = digits();
    (1..=3).map(|i| draw_case(g, &d, &format!("hidden draw {i}"))).collect()
}

fn reproducible_cases(g: &mut Gen) -> Vec<Case> {
    vec![draw_case(g, &digits(), "trained twice, same seed")]
}

// ---------------------------------------------------------------------------------------------
// Checks

pub(crate) fn held_out_labels(ctx: &CheckCtx) -> Result<Vec<i64>, Failure> {
    match ctx.secret {
        Value::Ints(y) => Ok(y.clone()),
        _ => Err(Failure::msg("course bug: the held-out labels of this case are missing")),
    }
}

fn held_out_count(ctx: &CheckCtx) -> usize {
    match ctx.input.at(2) {
        Value::Tensor { shape, .. } => shape[0],
        _ => 0,
    }
}

/// The parts of a run's output, or why there are none.
fn parts<'a>(v: &'a Value, n: usize, what: &str) -> Result<&'a [Value], Failure> {
    match v {
        Value::List(p) if p.len() == n => Ok(p),
        Value::Error(e) => Err(Failure::plain(format!("{what} returned an error: {e}"))),
        other => Err(Failure::plain(format!("{what}: expected {n} outputs, got {}", other.kind()))),
    }
}

/// The labels a run returned, or why they are unusable.
fn labels<'a>(v: &'a Value, n: usize, what: &str) -> Result<&'a [i64], Failure> {
    match v {
        Value::Ints(p) if p.len() == n => match p.iter().position(|&c| !(0..CLASSES as i64).contains(&c)) {
            Some(i) => Err(Failure::plain(format!("{what}: digit {} for image {i} is outside 0..10", p[i]))),
            None => Ok(p),
        },
        Value::Ints(p) => Err(Failure::plain(format!("{what}: {} labels for {n} held-out images", p.len()))),
        other => Err(Failure::plain(format!("{what}: expected a list of digits, got {}", other.kind()))),
    }
}

/// The loss curve a run returned: at least one epoch, every loss a finite number >= 0.
fn losses<'a>(v: &'a Value, what: &str) -> Result<&'a [f64], Failure> {
    match v {
        Value::Floats(l) if l.is_empty() => Err(Failure::plain(format!(
            "{what} returned an empty loss curve: return the mean training loss of each epoch"
        ))),
        Value::Floats(l) => match l.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
            Some(i) => Err(Failure::plain(format!(
                "{what}: the loss of epoch {} is {} (a cross-entropy is a finite number >= 0: a diverging \
                 learning rate, or a log of 0?)",
                i + 1,
                l[i]
            ))),
            None => Ok(l),
        },
        other => Err(Failure::plain(format!("{what}: expected the loss of each epoch, got {}", other.kind()))),
    }
}

fn accuracy(y: &[i64], predicted: &[i64]) -> f64 {
    y.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

/// Counts `[true digit][predicted digit]`.
fn confusion(y: &[i64], predicted: &[i64]) -> Vec<Vec<f64>> {
    let mut m = vec![vec![0.0; CLASSES]; CLASSES];
    for (&t, &p) in y.iter().zip(predicted) {
        m[t as usize][p as usize] += 1.0;
    }
    m
}

fn confusion_figure(whose: &str, y: &[i64], predicted: &[i64]) -> Figure {
    Figure {
        title: format!("{whose} confusion matrix on the held-out images (rows: true digit, columns: predicted)"),
        kind: "heatmap".into(),
        x_label: "predicted digit".into(),
        y_label: "true digit".into(),
        series: vec![],
        matrix: confusion(y, predicted),
        labels: (0..CLASSES).map(|c| c.to_string()).collect(),
    }
}

fn curve(name: &str, l: &[f64]) -> Series {
    Series { name: name.into(), points: l.iter().enumerate().map(|(i, &x)| [(i + 1) as f64, x]).collect() }
}

/// Accuracy against the pass mark and the reference's; the numbers, the training curves and the
/// confusion matrices go in the report.
fn judge(ctx: &CheckCtx, curve: &[f64], predicted: &[i64]) -> Result<(), Failure> {
    let y = held_out_labels(ctx)?;
    let (ref_curve, ref_labels) = reference_run(ctx, y.len(), labels);
    let acc = accuracy(&y, predicted);
    let acc_ref = ref_labels.map(|r| accuracy(&y, r));
    ctx.metric("held-out accuracy", acc, acc_ref, None);
    ctx.metric("final training loss", curve[curve.len() - 1], ref_curve.map(|r| r[r.len() - 1]), None);
    ctx.figure(TASK.loss_figure(curve, ref_curve));
    ctx.figure(confusion_figure("Your", &y, predicted));
    let reference_text = acc_ref.map_or("-".into(), |a| format!("{a:.4}"));
    let fail = |message: String| {
        // The reference's matrix too when the case fails, to compare where the errors are.
        if let Some(r) = ref_labels {
            ctx.figure(confusion_figure("Reference", &y, r));
        }
        Err(Failure::msg(message))
    };
    if acc < MIN_ACCURACY {
        return fail(format!(
            "held-out accuracy {acc:.4} ({} of {} images right) is below the pass mark {MIN_ACCURACY:.2} \
             (reference {reference_text})",
            (acc * y.len() as f64).round(),
            y.len(),
        ));
    }
    if let Some(r) = acc_ref {
        if acc < r - REFERENCE_MARGIN - 1e-12 {
            return fail(format!(
                "held-out accuracy {acc:.4} is more than {REFERENCE_MARGIN:.2} below the reference's on the same \
                 images ({reference_text})"
            ));
        }
    }
    Ok(())
}

const TASK: Task = Task {
    items: "images",
    held_out: held_out_count,
    labels,
    judge,
    seeding_advice: "Draw every random number (initial weights, shuffles, dropout masks) from a generator \
                     seeded with `seed`: candle's `randn`/`rand` and `candle_nn`'s `VarBuilder` initialisers \
                     are not seeded.",
};

fn check_accuracy(ctx: &CheckCtx) -> Result<(), Failure> {
    TASK.check_accuracy(ctx)
}

fn check_reproducible(ctx: &CheckCtx) -> Result<(), Failure> {
    TASK.check_reproducible(ctx)
}

// ---------------------------------------------------------------------------------------------
// What every task's checks share: the outputs' shapes, the loss curve, reproducibility.

/// The labels a run returned, checked against `n` held-out items and the task's classes.
type Labels = for<'a> fn(&'a Value, usize, &str) -> Result<&'a [i64], Failure>;

/// Scores a run's loss curve and labels against the pass marks and the reference.
type Judge = fn(&CheckCtx, &[f64], &[i64]) -> Result<(), Failure>;

/// What differs between the tasks in the shared checks.
pub(crate) struct Task {
    /// What the held-out items are, in messages (`images`).
    items: &'static str,
    /// How many held-out items a case's input has.
    held_out: fn(&CheckCtx) -> usize,
    labels: Labels,
    judge: Judge,
    /// What to do when two runs with one seed differ.
    seeding_advice: &'static str,
}

impl Task {
    fn loss_figure(&self, mine: &[f64], reference: Option<&[f64]>) -> Figure {
        let mut series = vec![curve("yours", mine)];
        series.extend(reference.map(|r| curve("reference", r)));
        Figure {
            title: format!("Training curve: mean cross-entropy on the training {}, per epoch", self.items),
            kind: "lines".into(),
            x_label: "epoch".into(),
            y_label: "training loss".into(),
            series,
            matrix: vec![],
            labels: vec![],
        }
    }

    /// `[losses, labels]` of one training run.
    fn check_accuracy(&self, ctx: &CheckCtx) -> Result<(), Failure> {
        let n = (self.held_out)(ctx);
        let got = parts(ctx.got, 2, "train or predict")?;
        let curve = losses(&got[0], "train")?;
        let predicted = (self.labels)(&got[1], n, "predict")?;
        (self.judge)(ctx, curve, predicted)
    }

    /// `[losses_1, losses_2, labels_1, labels_2]` from two trainings with the same seed: the loss
    /// curves identical bit for bit, the labels identical, and the first run as accurate as the
    /// pass marks ask (a model that learns nothing is reproducible too).
    fn check_reproducible(&self, ctx: &CheckCtx) -> Result<(), Failure> {
        let n = (self.held_out)(ctx);
        let seed = ctx.input.at(3).int();
        let got = parts(ctx.got, 4, "train or predict")?;
        let (c1, c2) = (losses(&got[0], "train")?, losses(&got[1], "train (second run)")?);
        if c1.len() != c2.len() {
            return Err(Failure::plain(format!(
                "training twice with seed {seed} gave loss curves of {} and {} epochs",
                c1.len(),
                c2.len()
            )));
        }
        if let Some(i) = (0..c1.len()).find(|&i| c1[i].to_bits() != c2[i].to_bits()) {
            return Err(Failure::plain(format!(
                "training twice with seed {seed} gave different losses: epoch {} was {} then {}. {}",
                i + 1,
                c1[i],
                c2[i],
                self.seeding_advice
            )));
        }
        let (l1, l2) = ((self.labels)(&got[2], n, "predict")?, (self.labels)(&got[3], n, "predict (second run)")?);
        if let Some(i) = (0..n).find(|&i| l1[i] != l2[i]) {
            return Err(Failure::plain(format!(
                "training twice with seed {seed} gave the same losses but different predictions: held-out item {i} \
                 is labelled {} then {} (does `predict` draw random numbers?)",
                l1[i], l2[i]
            )));
        }
        (self.judge)(ctx, c1, l1)
    }
}

/// The reference's loss curve and labels (both runs' outputs start with them).
pub(crate) fn reference_run<'a>(
    ctx: &CheckCtx<'a>,
    n: usize,
    labels: Labels,
) -> (Option<&'a [f64]>, Option<&'a [i64]>) {
    match ctx.expected {
        Value::List(e) if e.len() == 2 || e.len() == 4 => {
            (losses(&e[0], "reference").ok(), labels(&e[e.len() / 2], n, "reference").ok())
        }
        _ => (None, None),
    }
}
