//! How the reference's settings and the grader's pass marks were measured: the reference
//! trained on many hidden-split-sized draws (2000 training, 1000 held-out images), with its
//! accuracy and training time on each.
//!
//! ```text
//! cargo run --profile grade -p mp2-solution --example calibrate -- DRAWS [EPOCHS BATCH LR C1 C2 DECAY]
//! ```

use mp2::candle_core::Device;
use mp2::data::{accuracy, Digits};
use mp2::digits::{train_with, Config};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(|s| s.as_str());
    let draws: u64 = arg(0).map_or(20, |s| s.parse().unwrap());
    let mut config = Config::new(0);
    if let Some(e) = arg(1) {
        config.epochs = e.parse().unwrap();
    }
    if let Some(b) = arg(2) {
        config.batch_size = b.parse().unwrap();
    }
    if let Some(lr) = arg(3) {
        config.learning_rate = lr.parse().unwrap();
    }
    if let Some(d) = arg(6) {
        config.decay = d.parse().unwrap();
    }
    if let (Some(a), Some(b)) = (arg(4), arg(5)) {
        config.channels = (a.parse().unwrap(), b.parse().unwrap());
    }
    let path = format!("{}/../../datasets/mnist/mnist-10k.bin", env!("CARGO_MANIFEST_DIR"));
    let data = Digits::parse(&std::fs::read(&path).unwrap()).unwrap();
    println!("{config:?}, {draws} draws");
    let (mut accs, mut times) = (Vec::new(), Vec::new());
    for draw in 0..draws {
        let (train, valid) = data.stratified_split(2000, 1000, 5000 + draw);
        let (x, xv) = (train.images(&Device::Cpu).unwrap(), valid.images(&Device::Cpu).unwrap());
        config.seed = 100 + draw;
        let started = Instant::now();
        let (model, losses) = train_with(&x, &train.labels, &config).unwrap();
        times.push(started.elapsed().as_secs_f64());
        let acc = accuracy(&valid.labels, &model.predict(&xv).unwrap());
        accs.push(acc);
        println!(
            "draw {draw}: accuracy {acc:.4}, {:.2} s, final loss {:.4}",
            times[times.len() - 1],
            losses[losses.len() - 1]
        );
    }
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, t) = (sorted(&accs), sorted(&times));
    println!(
        "accuracy: min {:.4}, median {:.4}, max {:.4}; time: median {:.2} s, max {:.2} s",
        a[0],
        a[a.len() / 2],
        a[a.len() - 1],
        t[t.len() / 2],
        t[t.len() - 1]
    );
}
