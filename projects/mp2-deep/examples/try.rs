//! Try your model locally on the course's MNIST file (task "digits") or e-mails (task "spam"):
//! several stratified train/validation draws, the validation accuracy of each (and the spam
//! class's F1), the training time and loss curve, whether training twice with the same seed
//! gives the same model, and a confusion matrix.
//!
//! ```text
//! cargo run --release -p mp2 --example try                  # digits: 2000 training images, 3 draws
//! cargo run --release -p mp2 --example try -- 5000 10       # 5000 training images, 10 draws
//! cargo run --release -p mp2 --example try -- spam          # spam: 2000 training e-mails, 3 draws
//! cargo run --release -p mp2 --example try -- spam 1000 10  # 1000 training e-mails, 10 draws
//! ```
//!
//! The grader does the same with hidden draws and its own seeds, with 2000 training and 1000
//! held-out images or e-mails, and compares your scores with pass marks and the reference's:
//! see the README.

use mp2::candle_core::Device;
use mp2::data::{accuracy, confusion, confusion_of, f1, Digits, Emails};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("spam") {
        args.next();
        let n_train: usize = args.next().map_or(2000, |s| s.parse().expect("number of training e-mails"));
        let draws: u64 = args.next().map_or(3, |s| s.parse().expect("number of draws"));
        return try_spam(n_train, draws);
    }
    let n_train: usize = args.next().map_or(2000, |s| s.parse().expect("number of training images"));
    let draws: u64 = args.next().map_or(3, |s| s.parse().expect("number of draws"));
    let path = format!("{}/../../datasets/mnist/mnist-10k.bin", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let data = Digits::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!(
        "{} images; {draws} stratified draws of {n_train} training and 1000 (rounded per digit) validation images",
        data.len()
    );
    let device = Device::Cpu;
    let mut total = 0.0;
    for draw in 0..draws {
        let (train, valid) = data.stratified_split(n_train, 1000, 1000 + draw);
        let (x, xv) = (train.images(&device).unwrap(), valid.images(&device).unwrap());
        let seed = 7 + draw;
        let started = Instant::now();
        let (model, losses) = mp2::digits::train(&x, &train.labels, seed).expect("train");
        let elapsed = started.elapsed();
        let predicted = model.predict(&xv).expect("predict");
        let acc = accuracy(&valid.labels, &predicted);
        total += acc;
        // Reproducibility: the same seed must give exactly the same losses and predictions.
        let (again, losses_again) = mp2::digits::train(&x, &train.labels, seed).expect("train");
        let same = losses.iter().map(|l| l.to_bits()).eq(losses_again.iter().map(|l| l.to_bits()))
            && again.predict(&xv).expect("predict") == predicted;
        let curve: Vec<String> = losses.iter().map(|l| format!("{l:.3}")).collect();
        println!(
            "draw {draw}: accuracy {acc:.4}, trained in {:.2} s, loss per epoch [{}], reproducible: {}",
            elapsed.as_secs_f64(),
            curve.join(", "),
            if same { "yes" } else { "NO" }
        );
        if draw + 1 == draws {
            println!("confusion matrix of the last draw (rows: true digit, columns: predicted):");
            for (digit, row) in confusion(&valid.labels, &predicted).iter().enumerate() {
                let cells: Vec<String> = row.iter().map(|c| format!("{c:4}")).collect();
                println!("  {digit}: {}", cells.join(""));
            }
        }
    }
    println!("mean validation accuracy {:.4}", total / draws as f64);
}

/// The same for the task "spam", on `datasets/spamassassin/spam.tsv`.
fn try_spam(n_train: usize, draws: u64) {
    let path = format!("{}/../../datasets/spamassassin/spam.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let data = Emails::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let n_valid = 1000.min(data.len() - n_train);
    println!("{} e-mails; {draws} stratified draws of {n_train} training and {n_valid} validation e-mails", data.len());
    let mut total = 0.0;
    for draw in 0..draws {
        let (train, valid) = data.stratified_split(n_train, n_valid, 1000 + draw);
        let seed = 7 + draw;
        let started = Instant::now();
        let (model, losses) = mp2::spam::train(&train.texts(), &train.labels, seed).expect("train");
        let elapsed = started.elapsed();
        let predicted = model.predict(&valid.texts()).expect("predict");
        let acc = accuracy(&valid.labels, &predicted);
        total += acc;
        let (again, losses_again) = mp2::spam::train(&train.texts(), &train.labels, seed).expect("train");
        let same = losses.iter().map(|l| l.to_bits()).eq(losses_again.iter().map(|l| l.to_bits()))
            && again.predict(&valid.texts()).expect("predict") == predicted;
        let curve: Vec<String> = losses.iter().map(|l| format!("{l:.3}")).collect();
        println!(
            "draw {draw}: accuracy {acc:.4}, spam F1 {:.4}, trained in {:.2} s, loss per epoch [{}], reproducible: {}",
            f1(&valid.labels, &predicted, 1),
            elapsed.as_secs_f64(),
            curve.join(", "),
            if same { "yes" } else { "NO" }
        );
        if draw + 1 == draws {
            let m = confusion_of(2, &valid.labels, &predicted);
            println!("confusion matrix of the last draw (rows: true class, columns: predicted ham, spam):");
            println!("  ham:  {:5}{:5}\n  spam: {:5}{:5}", m[0][0], m[0][1], m[1][0], m[1][1]);
        }
    }
    println!("mean validation accuracy {:.4}", total / draws as f64);
}
