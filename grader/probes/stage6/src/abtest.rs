//! Glue for `stage6::abtest`: users and experiments travel as texts, outcomes as 0/1 integers,
//! a decision as its variant's name.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::abtest;

probe_runtime::glue! { Stage6;
    "stage6.abtest.assign" => |experiment: &str, users: &Value, weights: Vec<u32>| {
        users.list().iter().map(|u| abtest::assign_arm(experiment, u.text(), &weights)).collect::<Result<Vec<usize>, _>>()
    };
    "stage6.abtest.z_test" => |s_a: u64, n_a: u64, s_b: u64, n_b: u64| {
        abtest::two_proportion_z(s_a, n_a, s_b, n_b).map(|t| (t.z, t.p_value))
    } => (z, p_value);
    "stage6.abtest.sprt" => |outcomes: Vec<i64>, p0: f64, p1: f64, alpha: f64, beta: f64| {
        let outcomes: Vec<bool> = outcomes.iter().map(|&o| o != 0).collect();
        abtest::sprt(&outcomes, p0, p1, alpha, beta).map(|s| (format!("{:?}", s.decision), s.used, s.llr))
    } => (decision, used, llr);
}
