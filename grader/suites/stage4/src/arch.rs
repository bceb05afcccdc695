//! Hidden suites for `stage4::arch`: exact costs of dense networks, from an MNIST classifier to a
//! layer of language-model size, at the edges (a batch of 0, a `u64` overflow, shapes refused).

use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::named("stage4.arch.mlp_cost", cost_cases)]
}

fn input(widths: &[usize], batch: usize, bytes: usize) -> Value {
    Value::List(vec![Value::Ints(widths.iter().map(|&w| w as i64).collect()), batch.into(), bytes.into()])
}

fn cost_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("MNIST classifier 784-256-10, batch 64, F32", input(&[784, 256, 10], 64, 4)),
        Case::new(
            "ten hidden layers of 32, batch 128, F16",
            input(&[16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 4], 128, 2),
        ),
        Case::new("one layer 3 -> 1, one sample, F64", input(&[3, 1], 1, 8)),
        Case::new("batch 0 (no FLOPs, no activations)", input(&[100, 50, 2], 0, 4)),
        Case::new(
            "a language-model-sized block 4096-16384-4096, batch 8192 tokens, F32",
            input(&[4096, 16384, 4096], 8192, 4),
        ),
    ];
    let depth = g.size(2, 6);
    let widths: Vec<usize> = (0..=depth).map(|_| g.size(1, 512)).collect();
    let batch = g.size(1, 1000);
    cases.push(Case::new(format!("random widths {widths:?}, batch {batch}, F32"), input(&widths, batch, 4)));
    cases.push(Case::new(
        "widths of 4e9: the FLOPs overflow a u64 (Overflow)",
        input(&[4_000_000_000, 4_000_000_000], 2, 4),
    ));
    cases.push(Case::new("one width only (InvalidShape)", input(&[10], 4, 4)));
    cases.push(Case::new("a width of 0 (InvalidShape)", input(&[10, 0, 3], 4, 4)));
    cases.push(Case::new("no widths (InvalidShape)", input(&[], 4, 4)));
    cases
}
