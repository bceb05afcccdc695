//! Glue for `stage6::tracking`: a case is a script of operations on one store, each a list
//! whose first entry names it; the answers come back in order (an error as its variant).
//!
//! `["start", experiment, [[name, value], ...]]` → the run id; `["log", run, key, step, value]`;
//! `["finish", run]`; `["params", run]` → `[[name, value], ...]`; `["history", run, key]` →
//! `[[step, value], ...]`; `["best", experiment, key, maximize]` → `[run, value]` or unit;
//! `["with_param", experiment, name, value]` → run ids.

use crate::convert::Stage6;
use grader_protocol::Value;
use probe_runtime::glue::Ret;
use stage6::tracking::{TrackError, Tracker};

fn answer<T: Ret<Stage6>>(r: Result<T, TrackError>) -> Value {
    r.ret()
}

fn pairs<A: Into<Value>, B: Into<Value>>(v: Vec<(A, B)>) -> Value {
    Value::List(v.into_iter().map(|(a, b)| Value::List(vec![a.into(), b.into()])).collect())
}

probe_runtime::glue! { Stage6;
    "stage6.tracking.store" => |ops: &Value| {
        let mut store = match Tracker::open() {
            Ok(s) => s,
            Err(e) => return answer::<Value>(Err(e)),
        };
        let text = |v: &Value| v.text().to_string();
        let out: Vec<Value> = ops
            .list()
            .iter()
            .map(|op| match op.at(0).text() {
                "start" => {
                    let params: Vec<(String, String)> =
                        op.at(2).list().iter().map(|p| (text(p.at(0)), text(p.at(1)))).collect();
                    answer(store.start_run(op.at(1).text(), &params))
                }
                "log" => answer(
                    store.log_metric(op.at(1).int(), op.at(2).text(), op.at(3).int(), op.at(4).float()).map(|()| Value::Unit),
                ),
                "finish" => answer(store.finish_run(op.at(1).int()).map(|()| Value::Unit)),
                "params" => answer(store.params(op.at(1).int()).map(pairs)),
                "history" => answer(store.history(op.at(1).int(), op.at(2).text()).map(pairs)),
                "best" => answer(
                    store
                        .best_run(op.at(1).text(), op.at(2).text(), op.at(3).bool())
                        .map(|b| b.map_or(Value::Unit, |(run, v)| Value::List(vec![run.into(), v.into()]))),
                ),
                "with_param" => answer(store.runs_with_param(op.at(1).text(), op.at(2).text(), op.at(3).text())),
                other => panic!("glue: unknown operation {other}"),
            })
            .collect();
        Value::List(out)
    };
}
