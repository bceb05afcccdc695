//! Try your model locally on a course data set: several stratified train/validation splits,
//! the validation accuracy of each, the training time, and whether training twice with the same
//! seed gives the same probabilities.
//!
//! ```text
//! cargo run --release -p mp1 --example try                   # breast_cancer, 5 splits
//! cargo run --release -p mp1 --example try -- wine 10        # wine, 10 splits
//! ```
//!
//! The grader does the same with hidden splits (and its own seeds), and compares your accuracy
//! with a threshold and with linfa's logistic regression: see the README.

use mp1::candle_core::Device;
use mp1::data::{accuracy, Dataset};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "breast_cancer".to_string());
    let splits: u64 = args.next().map_or(5, |s| s.parse().expect("number of splits"));
    let path = format!("{}/../../datasets/{name}/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let data = Dataset::parse_csv(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!(
        "{name}: {} rows, {} features, {} classes; {splits} stratified splits, 30% held out",
        data.len(),
        data.feature_names.len(),
        data.n_classes
    );
    let device = Device::Cpu;
    let mut total = 0.0;
    for split in 0..splits {
        let (train, valid) = data.stratified_split(0.3, 1000 + split);
        let (x, xv) = (train.x_tensor(&device).unwrap(), valid.x_tensor(&device).unwrap());
        let seed = 7 + split;
        let started = Instant::now();
        let model = mp1::train(&x, &train.y, data.n_classes, seed).expect("train");
        let elapsed = started.elapsed();
        let predicted = model.predict(&xv).expect("predict");
        let acc = accuracy(&valid.y, &predicted);
        total += acc;
        // Reproducibility: the same seed must give exactly the same probabilities.
        let again = mp1::train(&x, &train.y, data.n_classes, seed).expect("train");
        let p1 = model.predict_proba(&xv).and_then(|p| p.flatten_all()?.to_vec1::<f64>()).expect("predict_proba");
        let p2 = again.predict_proba(&xv).and_then(|p| p.flatten_all()?.to_vec1::<f64>()).expect("predict_proba");
        let same = p1.len() == p2.len() && p1.iter().zip(&p2).all(|(a, b)| a.to_bits() == b.to_bits());
        println!(
            "split {split}: {} train / {} validation, accuracy {acc:.4}, trained in {:.3} s, reproducible: {}",
            train.len(),
            valid.len(),
            elapsed.as_secs_f64(),
            if same { "yes" } else { "NO" }
        );
    }
    println!("mean validation accuracy {:.4}", total / splits as f64);
}
