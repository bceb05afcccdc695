//! Probe for stage7: each module's `glue!` block maps exercise ids to calls into the crate; a
//! service exercise's line returns a `Router`, which the runtime serves.

mod api;
mod batching;
mod breaker;
mod convert;
mod jobs;
mod perf;
mod privacy;
mod recover;
mod resilient;
mod secure;
mod stream;

pub use convert::Stage7;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    api::dispatch(id)
        .or_else(|| batching::dispatch(id))
        .or_else(|| jobs::dispatch(id))
        .or_else(|| perf::dispatch(id))
        .or_else(|| recover::dispatch(id))
        .or_else(|| resilient::dispatch(id))
        .or_else(|| secure::dispatch(id))
        .or_else(|| breaker::dispatch(id))
        .or_else(|| stream::dispatch(id))
        .or_else(|| privacy::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
