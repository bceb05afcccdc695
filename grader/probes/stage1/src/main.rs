//! Probe for Stage 1: maps exercise ids to calls into the `stage1` crate.
//!
//! Each module of glue has a `dispatch(id) -> Option<Handler>`; a handler decodes the input
//! [`Value`], calls exactly one function of the crate and encodes what it returned.

mod calculus;
mod convert;
mod linalg;
mod probability;
mod statistics;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    linalg::dispatch(id)
        .or_else(|| calculus::dispatch(id))
        .or_else(|| probability::dispatch(id))
        .or_else(|| statistics::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
