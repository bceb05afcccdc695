//! Probe for stage7: each module's `glue!` block maps exercise ids to calls into the crate.

mod breaker;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    breaker::dispatch(id)
}

fn main() {
    probe_runtime::serve(dispatch)
}
