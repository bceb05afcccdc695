//! Glue for `stage6::scale`: names and keys travel as texts, jobs as their arrival and service
//! times, a policy as `"round_robin"` or `"least_outstanding"`.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::scale::{self, Job, Policy};

probe_runtime::glue! { Stage6;
    "stage6.scale.ring" => |replicas: &Value, vnodes: usize, keys: &Value| {
        let texts = |v: &Value| v.list().iter().map(|t| t.text().to_string()).collect::<Vec<String>>();
        scale::ring_route(&texts(replicas), vnodes, &texts(keys))
    };
    "stage6.scale.balance" => |arrive: Vec<u64>, service: Vec<u64>, replicas: usize, policy: &str| {
        let policy = match policy {
            "round_robin" => Policy::RoundRobin,
            "least_outstanding" => Policy::LeastOutstanding,
            other => panic!("glue: unknown policy {other}"),
        };
        let jobs: Vec<Job> = arrive.into_iter().zip(service).map(|(arrive_ms, service_ms)| Job { arrive_ms, service_ms }).collect();
        scale::balance(&jobs, replicas, policy).map(|b| (b.replica, b.finish_ms))
    } => (replica, finish_ms);
}
