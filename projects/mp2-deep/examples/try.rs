//! Try your model locally on the course's MNIST file: several stratified train/validation
//! draws, the validation accuracy of each, the training time and loss curve, whether training
//! twice with the same seed gives the same model, and a confusion matrix.
//!
//! ```text
//! cargo run --release -p mp2 --example try                  # 2000 training images, 3 draws
//! cargo run --release -p mp2 --example try -- 5000 10       # 5000 training images, 10 draws
//! ```
//!
//! The grader does the same with hidden draws and its own seeds, with 2000 training and 1000
//! held-out images, and compares your accuracy with a pass mark and the reference's: see the
//! README.

use mp2::candle_core::Device;
use mp2::data::{accuracy, confusion, Digits};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
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
