//! The course's data for the two tasks: 3,000 SpamAssassin e-mails (`spamassassin`) and 10,000
//! MNIST digits (`mnist`), drawn afresh per case.

use super::Task;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::Gen;

const PIXELS: usize = 784;

/// One case's draw: training examples (as the glue takes them) and held-out ones (each as one
/// request's example), disjoint.
pub(crate) struct Draw {
    pub train: Value,
    pub train_labels: Vec<i64>,
    pub held_out: Vec<Value>,
    pub held_out_labels: Vec<i64>,
}

/// `n_train` and `n_held_out` examples of `task`, in a random order, disjoint.
pub(crate) fn draw(task: Task, g: &mut Gen, n_train: usize, n_held_out: usize) -> Draw {
    match task {
        Task::Spam => {
            let (texts, labels) = data::emails("spamassassin");
            let idx = pick(g, texts.len(), n_train + n_held_out);
            let (tr, ho) = idx.split_at(n_train);
            Draw {
                train: Value::List(tr.iter().map(|&i| Value::Text(texts[i].clone())).collect()),
                train_labels: tr.iter().map(|&i| labels[i]).collect(),
                held_out: ho.iter().map(|&i| Value::Text(texts[i].clone())).collect(),
                held_out_labels: ho.iter().map(|&i| labels[i]).collect(),
            }
        }
        Task::Digits => {
            let bytes = data::bytes("mnist");
            assert_eq!(bytes.len() % (1 + PIXELS), 0, "mnist: whole records");
            let n = bytes.len() / (1 + PIXELS);
            let idx = pick(g, n, n_train + n_held_out);
            let (tr, ho) = idx.split_at(n_train);
            let pixels = |i: usize| -> Vec<f64> {
                bytes[i * (1 + PIXELS) + 1..(i + 1) * (1 + PIXELS)].iter().map(|&b| b as f64 / 255.0).collect()
            };
            let label = |i: usize| bytes[i * (1 + PIXELS)] as i64;
            Draw {
                train: Value::List(tr.iter().map(|&i| Value::Floats(pixels(i))).collect()),
                train_labels: tr.iter().map(|&i| label(i)).collect(),
                held_out: ho.iter().map(|&i| Value::Floats(pixels(i))).collect(),
                held_out_labels: ho.iter().map(|&i| label(i)).collect(),
            }
        }
    }
}

/// `k` distinct indices below `n`, in a random order.
fn pick(g: &mut Gen, n: usize, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let j = g.size(i, n - 1);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}
