//! Trains a model on the course's data and saves it as a version of a data directory, for local
//! runs and Docker images (the grader calls your `train` itself, with its own data).
//!
//! ```text
//! cargo run --release -p capstone --example train -- --task spam --seed 1 --data-dir data
//! cargo run --release -p capstone --example train -- --task digits --seed 2 --data-dir data --version 2
//! ```
//!
//! Options: `--task spam|digits` (default: `project.toml`'s, else spam), `--seed N` (1),
//! `--data-dir DIR` (`data`), `--version N` (the newest + 1), `--examples N` (training examples,
//! 2000), `--datasets DIR` (the checkout's `datasets/`). It draws `--examples` training and up
//! to 1000 held-out examples (stratified, from the seed), trains, prints the loss per epoch, the
//! time and the held-out accuracy, and writes `DIR/models/v{N}.bin` through your `Store`.

use capstone::given::{accuracy, parse_digits, parse_emails, version_name, Task};
use capstone::store::Store;
use std::path::PathBuf;
use std::time::Instant;

fn usage(why: &str) -> ! {
    eprintln!("train: {why}");
    eprintln!(
        "usage: train [--task spam|digits] [--seed N] [--data-dir DIR] [--version N] [--examples N] [--datasets DIR]"
    );
    std::process::exit(2)
}

/// `value` as a number, or the usage.
fn number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| usage(&format!("{flag} {value:?}: not a number")))
}

/// `project.toml`'s task, when the file is there and says one.
fn project_task() -> Option<Task> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/project.toml")).ok()?;
    let line = text.lines().map(str::trim).find(|l| l.starts_with("task"))?;
    line.split_once('=')?.1.trim().trim_matches('"').parse().ok()
}

fn main() {
    let mut task = project_task().unwrap_or(Task::Spam);
    let (mut seed, mut data_dir, mut version, mut examples) = (1u64, PathBuf::from("data"), None, 2000usize);
    let mut datasets = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets"));
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            usage("trains a model and saves it as a version");
        }
        let value = args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--task" => task = value.parse().unwrap_or_else(|e| usage(&format!("{e}"))),
            "--seed" => seed = number(&flag, &value),
            "--data-dir" => data_dir = PathBuf::from(&value),
            "--version" => version = Some(number(&flag, &value)),
            "--examples" => examples = number(&flag, &value),
            "--datasets" => datasets = PathBuf::from(&value),
            other => usage(&format!("unknown option {other}")),
        }
    }
    let all = match task {
        Task::Spam => {
            let path = datasets.join("spamassassin/spam.tsv");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| usage(&format!("{}: {e}", path.display())));
            parse_emails(&text)
        }
        Task::Digits => {
            let path = datasets.join("mnist/mnist-10k.bin");
            let bytes = std::fs::read(&path).unwrap_or_else(|e| usage(&format!("{}: {e}", path.display())));
            parse_digits(&bytes)
        }
    }
    .unwrap_or_else(|e| usage(&e.to_string()));
    let examples = examples.min(all.len() - 1);
    let held_out = 1000.min(all.len() - examples);
    let (train, test) = all.stratified_split(examples, held_out, seed);

    let started = Instant::now();
    let (model, losses) = capstone::model::train(&train, seed).unwrap_or_else(|e| usage(&format!("training: {e}")));
    let seconds = started.elapsed().as_secs_f64();
    let predicted: Vec<u32> = (0..test.len())
        .map(|i| model.predict(&test.input(i)).unwrap_or_else(|e| usage(&format!("predict: {e}"))))
        .collect();
    let curve: Vec<String> = losses.iter().map(|l| format!("{l:.4}")).collect();
    println!(
        "{task}: {} training examples, trained in {seconds:.2} s, loss per epoch [{}]",
        train.len(),
        curve.join(", ")
    );
    print!("held-out accuracy {:.4} on {} examples", accuracy(&test.labels, &predicted), test.len());
    println!();

    let store = Store::open(&data_dir).unwrap_or_else(|e| usage(&format!("{}: {e}", data_dir.display())));
    let version = version
        .unwrap_or_else(|| store.versions().unwrap_or_else(|e| usage(&e.to_string())).last().map_or(1, |v| v + 1));
    store.save_model(version, &model).unwrap_or_else(|e| usage(&format!("saving: {e}")));
    println!("saved {} in {}", version_name(version), data_dir.display());
}
