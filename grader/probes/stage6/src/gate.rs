//! Glue for `stage6::gate`: an evaluation travels as `[accuracy, slice names, slice accuracies,
//! p99 latency, size]` (unit for no production model), the rules as their four numbers and the
//! size budget; a verdict comes back as its reasons (empty: promote).

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::gate::{self, Evaluation, Rules, Verdict};

fn evaluation(v: &Value) -> Evaluation {
    Evaluation {
        accuracy: v.at(0).float(),
        slices: v.at(1).list().iter().map(|n| n.text().to_string()).zip(v.at(2).floats().iter().copied()).collect(),
        p99_latency_ms: v.at(3).float(),
        size_bytes: v.at(4).int() as u64,
    }
}

probe_runtime::glue! { Stage6;
    "stage6.gate.judge" => |candidate: &Value, production: &Value, limits: Vec<f64>, max_size_bytes: u64| {
        let rules = Rules {
            min_accuracy: limits[0],
            max_regression: limits[1],
            max_slice_regression: limits[2],
            max_latency_ratio: limits[3],
            max_size_bytes,
        };
        let production = match production {
            Value::Unit => None,
            p => Some(evaluation(p)),
        };
        gate::gate(&evaluation(candidate), production.as_ref(), &rules).map(|v| match v {
            Verdict::Promote => Vec::<Value>::new(),
            Verdict::Reject(reasons) => reasons.into_iter().map(Value::from).collect(),
        })
    };
}
