//! Probe for Stage 2: maps exercise ids to calls into the `stage2` crate, and baseline ids
//! (`*.linfa`) to linfa's implementations of the same algorithms.

mod convert;
mod data;
mod metrics;
mod models;
mod problems;
mod rl;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    data::dispatch(id)
        .or_else(|| metrics::dispatch(id))
        .or_else(|| problems::dispatch(id))
        .or_else(|| models::dispatch(id))
        .or_else(|| rl::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
