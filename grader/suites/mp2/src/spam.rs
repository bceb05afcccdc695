//! Task "spam": the student's network (`projects/mp2-deep`, module `spam`) is trained by the
//! grader from a seed on the training e-mails of a hidden stratified draw from the course's 3000
//! SpamAssassin e-mails, and labels the held-out e-mails of the same draw (0 ham, 1 spam); the
//! grader scores the labels (accuracy, and F1 of the spam class) against pass marks and against
//! the reference trained on the same e-mails, shows the training curve and the confusion matrix,
//! and checks that training twice with the same seed gives the same model.
//!
//! Inputs are `(texts_train, labels_train, texts_held_out, seed)`, each e-mail one text: its
//! subject, a newline, its body. The held-out labels are the case's secret; odd e-mails slipped
//! into the held-out set (empty, no words, very long, another script) have the label -1: they
//! must get a label, but do not count in the scores.

use super::{below, held_out_labels, reference_run, shuffle, Task};
use grader_protocol::Value;
use grader_report::Figure;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("mp2.spam.accuracy", accuracy_cases, check_accuracy),
        ExerciseSuite::custom("mp2.spam.reproducible", reproducible_cases, check_reproducible),
    ]
}

// ---------------------------------------------------------------------------------------------
// Pass marks (chosen from measurements of the reference and of a linear baseline: see the
// manifest, grader/course/mp2/spam.toml).

/// Held-out accuracy a case needs, whatever the reference scored.
const MIN_ACCURACY: f64 = 0.95;
/// Held-out F1 of the spam class a case needs.
const MIN_F1: f64 = 0.92;
/// How far below the reference's accuracy on the same draw a case may fall.
const REFERENCE_MARGIN: f64 = 0.02;

/// Training and held-out e-mails per case.
const N_TRAIN: usize = 2000;
const N_HELD_OUT: usize = 1000;

/// The e-mails with no label of their own that the third draw hides among its held-out ones.
fn odd_emails() -> Vec<String> {
    let long = "Re: minutes\n".to_string() + &"the meeting moved to thursday, see the agenda attached. ".repeat(400);
    vec![
        String::new(),
        "\n!!! $$$ *** ??? --- ...".into(),
        long,
        "Привет\nЭто письмо написано по-русски: 今日は, 😀 — ничего латинского.".into(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Data

/// `datasets/spamassassin/spam.tsv`: `label TAB subject TAB body` per line.
struct Emails {
    texts: Vec<String>,
    labels: Vec<i64>,
}

fn emails() -> Emails {
    let (texts, labels) = data::emails("spamassassin");
    Emails { texts, labels }
}

fn texts(d: &Emails, idx: &[usize]) -> Vec<Value> {
    idx.iter().map(|&i| Value::Text(d.texts[i].clone())).collect()
}

/// A stratified draw of `N_TRAIN` training and `N_HELD_OUT` held-out e-mails, disjoint, spam and
/// ham in proportion to their counts (rounded); both sets shuffled; with `odd`, the odd e-mails
/// at random places among the held-out ones. The case's secret is the held-out labels.
fn draw_case(g: &mut Gen, d: &Emails, label: &str, odd: bool) -> Case {
    let n = d.labels.len() as f64;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..2 {
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
    let mut held_out = texts(d, &test);
    let mut y_test: Vec<i64> = test.iter().map(|&i| d.labels[i]).collect();
    let mut what = format!("{label}: {} training e-mails, {} held out", train.len(), test.len());
    if odd {
        let odd = odd_emails();
        what += &format!(" and {} odd ones (empty, no words, 22,000 characters, Cyrillic)", odd.len());
        for text in odd {
            let at = below(g, held_out.len() + 1);
            held_out.insert(at, Value::Text(text));
            y_test.insert(at, -1);
        }
    }
    Case::new(
        format!("{what}, seed {seed}"),
        Value::List(vec![Value::List(texts(d, &train)), y_train, Value::List(held_out), Value::Int(seed as i64)]),
    )
    .with_secret(Value::Ints(y_test))
}

// ---------------------------------------------------------------------------------------------
// Cases

fn accuracy_cases(g: &mut Gen) -> Vec<Case> {
    let d = emails();
    (1..=3).map(|i| draw_case(g, &d, &format!("hidden draw {i}"), i == 3)).collect()
}

fn reproducible_cases(g: &mut Gen) -> Vec<Case> {
    vec![draw_case(g, &emails(), "trained twice, same seed", false)]
}

// ---------------------------------------------------------------------------------------------
// Checks

fn held_out_count(ctx: &CheckCtx) -> usize {
    match ctx.input.at(2) {
        Value::List(t) => t.len(),
        _ => 0,
    }
}

/// The labels a run returned, or why they are unusable.
fn labels<'a>(v: &'a Value, n: usize, what: &str) -> Result<&'a [i64], Failure> {
    match v {
        Value::Ints(p) if p.len() == n => match p.iter().position(|&c| !(0..2).contains(&c)) {
            Some(i) => {
                Err(Failure::plain(format!("{what}: label {} for e-mail {i} is neither 0 (ham) nor 1 (spam)", p[i])))
            }
            None => Ok(p),
        },
        Value::Ints(p) => Err(Failure::plain(format!("{what}: {} labels for {n} held-out e-mails", p.len()))),
        other => Err(Failure::plain(format!("{what}: expected a list of labels, got {}", other.kind()))),
    }
}

/// `(accuracy, F1 of spam, confusion [true][predicted])` over the e-mails with a label (>= 0).
fn scores(y: &[i64], predicted: &[i64]) -> (f64, f64, Vec<Vec<f64>>) {
    let mut m = vec![vec![0.0; 2]; 2];
    for (&t, &p) in y.iter().zip(predicted).filter(|(&t, _)| t >= 0) {
        m[t as usize][p as usize] += 1.0;
    }
    let total = m[0][0] + m[0][1] + m[1][0] + m[1][1];
    let (tp, wrong) = (m[1][1], m[0][1] + m[1][0]);
    let f1 = if tp > 0.0 { 2.0 * tp / (2.0 * tp + wrong) } else { 0.0 };
    ((m[0][0] + m[1][1]) / total, f1, m)
}

fn confusion_figure(whose: &str, matrix: Vec<Vec<f64>>) -> Figure {
    Figure {
        title: format!("{whose} confusion matrix on the held-out e-mails (rows: true class, columns: predicted)"),
        kind: "heatmap".into(),
        x_label: "predicted".into(),
        y_label: "true".into(),
        series: vec![],
        matrix,
        labels: vec!["ham".into(), "spam".into()],
    }
}

/// Accuracy and spam F1 against the pass marks, accuracy against the reference's; the numbers,
/// the training curves and the confusion matrices go in the report.
fn judge(ctx: &CheckCtx, curve: &[f64], predicted: &[i64]) -> Result<(), Failure> {
    let y = held_out_labels(ctx)?;
    let (ref_curve, ref_labels) = reference_run(ctx, y.len(), labels);
    let (acc, f1, matrix) = scores(&y, predicted);
    let reference = ref_labels.map(|r| scores(&y, r));
    ctx.metric("held-out accuracy", acc, reference.as_ref().map(|r| r.0), None);
    ctx.metric("held-out F1 (spam)", f1, reference.as_ref().map(|r| r.1), None);
    ctx.metric("final training loss", curve[curve.len() - 1], ref_curve.map(|r| r[r.len() - 1]), None);
    ctx.figure(TASK.loss_figure(curve, ref_curve));
    let missed = matrix[1][0];
    let false_alarms = matrix[0][1];
    ctx.figure(confusion_figure("Your", matrix));
    let reference_text = reference.as_ref().map_or("-".into(), |r| format!("accuracy {:.4}, F1 {:.4}", r.0, r.1));
    let fail = |message: String| {
        if let Some(r) = reference.clone() {
            ctx.figure(confusion_figure("Reference", r.2));
        }
        Err(Failure::msg(message))
    };
    if acc < MIN_ACCURACY {
        return fail(format!(
            "held-out accuracy {acc:.4} is below the pass mark {MIN_ACCURACY:.2} ({missed} spam let through, \
             {false_alarms} ham flagged; reference {reference_text})"
        ));
    }
    if f1 < MIN_F1 {
        return fail(format!(
            "held-out F1 of the spam class {f1:.4} is below the pass mark {MIN_F1:.2} ({missed} spam let through, \
             {false_alarms} ham flagged; reference {reference_text})"
        ));
    }
    if let Some(r) = &reference {
        if acc < r.0 - REFERENCE_MARGIN - 1e-12 {
            return fail(format!(
                "held-out accuracy {acc:.4} is more than {REFERENCE_MARGIN:.2} below the reference's on the same \
                 e-mails ({reference_text})"
            ));
        }
    }
    Ok(())
}

const TASK: Task = Task {
    items: "e-mails",
    held_out: held_out_count,
    labels,
    judge,
    seeding_advice: "Draw every random number (initial weights, shuffles, dropout masks) from a generator \
                     seeded with `seed`, and let no `HashMap` iteration order decide word ids or batches.",
};

fn check_accuracy(ctx: &CheckCtx) -> Result<(), Failure> {
    TASK.check_accuracy(ctx)
}

fn check_reproducible(ctx: &CheckCtx) -> Result<(), Failure> {
    TASK.check_reproducible(ctx)
}
