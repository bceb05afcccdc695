//! `final.<task>.quality`: the held-out examples of the case's draw, one `POST /v1/predict` each,
//! to the student's service and the reference's; the grader scores the labels (their true labels
//! are the case's secret) against the stated targets and the reference's on the same examples.

use super::{wait_ready, Start, Task};
use grader_protocol::Value;
use grader_report::Figure;
use grader_suite_api::service::Scenario;
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

/// Held-out examples per case.
const N_HELD_OUT: usize = 200;

/// Pass marks (README's targets): spam accuracy and F1 of the spam class; digits accuracy.
const MIN_ACCURACY_SPAM: f64 = 0.90;
const MIN_F1_SPAM: f64 = 0.85;
const MIN_ACCURACY_DIGITS: f64 = 0.85;
/// How far below the reference's accuracy on the same examples a case may fall.
const REFERENCE_MARGIN: f64 = 0.05;

pub(crate) fn cases(task: Task, g: &mut Gen) -> Vec<Case> {
    (0..2)
        .map(|k| {
            let st = Start::draw(task, g, N_HELD_OUT);
            let mut s = wait_ready(Scenario::new());
            for (i, x) in st.held_out.iter().enumerate() {
                s = s.request(format!("held-out example {}", i + 1), st.predict(x));
            }
            Case::service(format!("{N_HELD_OUT} held-out examples, draw {}", k + 1), st.input.clone(), s)
                .with_secret(Value::Ints(st.held_out_labels))
        })
        .collect()
}

/// The labels a service answered, `None` where the answer was not a 200 with a valid label.
fn labels(o: &grader_suite_api::service::Observation, n: usize, classes: usize) -> Vec<Option<i64>> {
    (1..=n)
        .map(|i| {
            let r = o.response(i);
            (r.status == 200)
                .then(|| super::field(r, "label")?.as_i64())
                .flatten()
                .filter(|&l| (0..classes as i64).contains(&l))
        })
        .collect()
}

fn f1(y: &[i64], p: &[i64], positive: i64) -> f64 {
    let tp = y.iter().zip(p).filter(|(a, b)| **a == positive && **b == positive).count() as f64;
    let fp = y.iter().zip(p).filter(|(a, b)| **a != positive && **b == positive).count() as f64;
    let fneg = y.iter().zip(p).filter(|(a, b)| **a == positive && **b != positive).count() as f64;
    if tp == 0.0 {
        0.0
    } else {
        2.0 * tp / (2.0 * tp + fp + fneg)
    }
}

fn accuracy(y: &[i64], p: &[i64]) -> f64 {
    y.iter().zip(p).filter(|(a, b)| a == b).count() as f64 / y.len().max(1) as f64
}

fn confusion(task: Task, y: &[i64], p: &[i64]) -> Figure {
    let k = task.classes();
    let mut m = vec![vec![0.0; k]; k];
    for (&t, &q) in y.iter().zip(p) {
        m[t as usize][q as usize] += 1.0;
    }
    Figure {
        title: "Your confusion matrix on the held-out examples (counts; rows: true class, columns: predicted)".into(),
        kind: "heatmap".into(),
        x_label: "predicted".into(),
        y_label: "true".into(),
        series: vec![],
        matrix: m,
        labels: match task {
            Task::Spam => vec!["ham".into(), "spam".into()],
            Task::Digits => (0..10).map(|c| c.to_string()).collect(),
        },
    }
}

pub(crate) fn check(task: Task, ctx: &CheckCtx) -> Result<(), Failure> {
    let s = ctx.served();
    let Value::Ints(y) = ctx.secret else { panic!("suite: the held-out labels are the secret") };
    let n = y.len();
    let ref_labels = labels(s.reference, n, task.classes());
    if ref_labels.iter().any(Option::is_none) {
        return Err(Failure::plain(
            "the reference's service did not answer every held-out example (a bug in the grader, not in your code: \
             please report it)",
        ));
    }
    let e: Vec<i64> = ref_labels.into_iter().flatten().collect();
    let got = labels(s.student, n, task.classes());
    if let Some(i) = got.iter().position(Option::is_none) {
        let r = s.student.response(i + 1);
        return Err(Failure::plain(format!(
            "{}: expected status 200 and a JSON body with an integer \"label\" in 0..{}, got {}",
            s.scenario.name(i + 1),
            task.classes(),
            r.describe()
        )));
    }
    let p: Vec<i64> = got.into_iter().flatten().collect();
    ctx.figure(confusion(task, y, &p));
    let (acc, acc_ref) = (accuracy(y, &p), accuracy(y, &e));
    ctx.metric("held-out accuracy", acc, Some(acc_ref), None);
    let min = match task {
        Task::Spam => MIN_ACCURACY_SPAM,
        Task::Digits => MIN_ACCURACY_DIGITS,
    };
    if task == Task::Spam {
        let (f, f_ref) = (f1(y, &p, 1), f1(y, &e, 1));
        ctx.metric("held-out F1 of the spam class", f, Some(f_ref), None);
        if f < MIN_F1_SPAM {
            return Err(Failure::plain(format!(
                "F1 of the spam class {f:.3} on the held-out e-mails, below the target {MIN_F1_SPAM}"
            )));
        }
    }
    if acc < min {
        return Err(Failure::plain(format!("held-out accuracy {acc:.3}, below the target {min}")));
    }
    if acc < acc_ref - REFERENCE_MARGIN {
        return Err(Failure::plain(format!(
            "held-out accuracy {acc:.3}, more than {REFERENCE_MARGIN} below the reference's {acc_ref:.3} on the same \
             examples"
        )));
    }
    Ok(())
}
