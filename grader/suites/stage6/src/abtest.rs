//! Hidden suites for `stage6::abtest`: exact arms, z and p-values to a relative 1e-9 (the
//! reference agrees with scipy's normal distribution to 5e-11 relative, p-values near 1e-206
//! included), the SPRT's decision and stopping point exactly.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.abtest.assign", assign_cases, exact),
        ExerciseSuite::custom("stage6.abtest.z_test", z_cases, exact),
        ExerciseSuite::custom("stage6.abtest.sprt", sprt_cases, exact),
    ]
}

fn assign_case(label: &str, experiment: &str, users: &[String], weights: &[i64]) -> Case {
    let users = users.iter().map(|u| Value::Text(u.clone())).collect();
    Case::new(
        label,
        Value::List(vec![Value::Text(experiment.into()), Value::List(users), Value::Ints(weights.to_vec())]),
    )
}

fn users(g: &mut Gen, n: usize) -> Vec<String> {
    (0..n).map(|_| format!("user-{}", g.int(0, 1 << 40))).collect()
}

fn assign_cases(g: &mut Gen) -> Vec<Case> {
    let many = users(g, 2000);
    let experiment = format!("ranker-v{}", g.int(2, 99));
    vec![
        assign_case("an even split of 2000 users", &experiment, &many, &[1, 1]),
        assign_case("the same users in another experiment", "checkout-button", &many, &[1, 1]),
        assign_case("weighted 90/5/5", &experiment, &many[..500], &[90, 5, 5]),
        assign_case("an arm of weight 0 is never chosen", &experiment, &many[..500], &[1, 0, 3]),
        assign_case("one arm", &experiment, &many[..20], &[7]),
        assign_case(
            "weights whose total overflows a u32",
            &experiment,
            &many[..300],
            &[4_000_000_000, 4_000_000_000, 1],
        ),
        assign_case(
            "an empty user id and unicode ids",
            &experiment,
            &["".into(), "Zoë".into(), "用户".into()],
            &[1, 2],
        ),
        assign_case("no arms", &experiment, &many[..3], &[]),
        assign_case("weights that sum to 0", &experiment, &many[..3], &[0, 0]),
    ]
}

fn z_case(label: &str, s_a: i64, n_a: i64, s_b: i64, n_b: i64) -> Case {
    Case::new(label, Value::List(vec![Value::Int(s_a), Value::Int(n_a), Value::Int(s_b), Value::Int(n_b)]))
}

fn z_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        z_case("equal rates: z = 0, p = 1", 100, 1000, 200, 2000),
        z_case("a small lift on a large sample", 1200, 10_000, 1300, 10_000),
        z_case("B converts less: z below 0", 300, 1000, 250, 1000),
        z_case("a huge lift: a p-value near 1e-206 (z = 30.7)", 10_000, 100_000, 14_500, 100_000),
        z_case("arms of very different sizes", 5, 40, 4000, 20_000),
        z_case("nothing converted in A", 0, 500, 3, 500),
        z_case("an arm with no trials", 0, 0, 3, 10),
        z_case("more successes than trials", 11, 10, 3, 10),
        z_case("nobody converted: no variance", 0, 100, 0, 100),
        z_case("everybody converted: no variance", 100, 100, 50, 50),
    ];
    for k in 0..4 {
        let (n_a, n_b) = (g.int(10, 1_000_000), g.int(10, 1_000_000));
        let (p_a, lift) = (g.float(0.001, 0.5), g.float(0.8, 1.3));
        let s_a = (n_a as f64 * p_a).round() as i64;
        let s_b = ((n_b as f64 * p_a * lift).round() as i64).min(n_b);
        cases.push(z_case(&format!("random arms {} ({n_a} and {n_b} users)", k + 1), s_a, n_a, s_b, n_b));
    }
    cases
}

fn sprt_case(label: &str, outcomes: &[bool], p0: f64, p1: f64, alpha: f64, beta: f64) -> Case {
    let o = outcomes.iter().map(|&b| i64::from(b)).collect();
    Case::new(label, Value::List(vec![Value::Ints(o), p0.into(), p1.into(), alpha.into(), beta.into()]))
}

fn bernoulli(g: &mut Gen, n: usize, p: f64) -> Vec<bool> {
    (0..n).map(|_| g.float(0.0, 1.0) < p).collect()
}

fn sprt_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        sprt_case("5000 outcomes at the rate of H1", &bernoulli(g, 5000, 0.12), 0.10, 0.12, 0.05, 0.2),
        sprt_case("5000 outcomes at the rate of H0", &bernoulli(g, 5000, 0.10), 0.10, 0.12, 0.05, 0.2),
        sprt_case("too few outcomes to decide: continue", &bernoulli(g, 30, 0.11), 0.10, 0.12, 0.05, 0.2),
        sprt_case("every outcome a success: H1 within a few", &[true; 50], 0.2, 0.5, 0.01, 0.01),
        sprt_case("no outcomes", &[], 0.1, 0.2, 0.05, 0.1),
        sprt_case("strict error rates take longer", &bernoulli(g, 20_000, 0.11), 0.10, 0.12, 0.001, 0.001),
        sprt_case("p0 = p1", &[true], 0.1, 0.1, 0.05, 0.1),
        sprt_case("p1 below p0", &[true], 0.2, 0.1, 0.05, 0.1),
        sprt_case("alpha + beta = 1", &[true], 0.1, 0.2, 0.5, 0.5),
        sprt_case("p1 = 1", &[true], 0.1, 1.0, 0.05, 0.1),
        sprt_case("alpha NaN", &[true], 0.1, 0.2, f64::NAN, 0.1),
    ];
    for k in 0..4 {
        let p0 = g.float(0.01, 0.4);
        let p1 = p0 * g.float(1.05, 1.5);
        let truth = if k % 2 == 0 { p0 } else { p1 };
        let o = bernoulli(g, 20_000, truth);
        let (alpha, beta) = (g.float(0.001, 0.1), g.float(0.01, 0.3));
        cases.push(sprt_case(
            &format!("a random test {} ({})", k + 1, if k % 2 == 0 { "H0 true" } else { "H1 true" }),
            &o,
            p0,
            p1,
            alpha,
            beta,
        ));
    }
    cases
}
