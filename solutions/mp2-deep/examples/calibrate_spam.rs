//! How the reference's settings and the grader's pass marks for the task "spam" were measured:
//! the reference trained on many hidden-split-sized draws (2000 training, 1000 held-out
//! e-mails), and beside it, on the same draws, the same pipeline without its hidden layer (a
//! linear model of the word counts: the baseline), with accuracy, spam F1 and training time.
//!
//! ```text
//! cargo run --profile grade -p mp2-solution --example calibrate_spam -- DRAWS [EPOCHS BATCH LR DIM HIDDEN]
//! ```

use mp2::data::{accuracy, f1, Emails};
use mp2::spam::{train_with, Config};
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
    if let Some(d) = arg(4) {
        config.dim = d.parse().unwrap();
    }
    if let Some(h) = arg(5) {
        config.hidden = h.parse().unwrap();
    }
    let path = format!("{}/../../datasets/spamassassin/spam.tsv", env!("CARGO_MANIFEST_DIR"));
    let data = Emails::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    println!("{config:?}, {draws} draws; baseline: the same without the hidden layer");
    let (mut accs, mut f1s, mut times, mut base_accs, mut base_f1s, mut margins) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for draw in 0..draws {
        let (train, valid) = data.stratified_split(2000, 1000, 5000 + draw);
        config.seed = 100 + draw;
        let started = Instant::now();
        let (model, losses) = train_with(&train.texts(), &train.labels, &config).unwrap();
        times.push(started.elapsed().as_secs_f64());
        let p = model.predict(&valid.texts()).unwrap();
        let (acc, f) = (accuracy(&valid.labels, &p), f1(&valid.labels, &p, 1));
        let baseline = Config { hidden: 0, ..config.clone() };
        let (base, _) = train_with(&train.texts(), &train.labels, &baseline).unwrap();
        let pb = base.predict(&valid.texts()).unwrap();
        let (acc_b, f_b) = (accuracy(&valid.labels, &pb), f1(&valid.labels, &pb, 1));
        println!(
            "draw {draw}: accuracy {acc:.4}, F1 {f:.4}, {:.2} s, losses {losses:.4?}; baseline accuracy {acc_b:.4}, F1 {f_b:.4}",
            times[times.len() - 1],
        );
        accs.push(acc);
        f1s.push(f);
        base_accs.push(acc_b);
        base_f1s.push(f_b);
        margins.push(acc - acc_b);
    }
    let show = |name: &str, v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        println!("{name}: min {:.4}, median {:.4}, max {:.4}", v[0], v[v.len() / 2], v[v.len() - 1]);
    };
    show("accuracy", &accs);
    show("F1 (spam)", &f1s);
    show("time (s)", &times);
    show("baseline accuracy", &base_accs);
    show("baseline F1", &base_f1s);
    show("accuracy - baseline's", &margins);
}
