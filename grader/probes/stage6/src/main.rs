//! Probe for Stage 6: each module's `glue!` block maps exercise ids to calls into the crate.

mod abtest;
mod cache;
mod container;
mod convert;
mod drift;
mod edge;
mod features;
mod formats;
mod gate;
mod monitor;
mod quality;
mod queue;
mod registry;
mod repro;
mod scale;
mod serving;
mod tracking;
mod versioning;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    drift::dispatch(id)
        .or_else(|| monitor::dispatch(id))
        .or_else(|| cache::dispatch(id))
        .or_else(|| abtest::dispatch(id))
        .or_else(|| scale::dispatch(id))
        .or_else(|| tracking::dispatch(id))
        .or_else(|| versioning::dispatch(id))
        .or_else(|| repro::dispatch(id))
        .or_else(|| queue::dispatch(id))
        .or_else(|| gate::dispatch(id))
        .or_else(|| container::dispatch(id))
        .or_else(|| edge::dispatch(id))
        .or_else(|| formats::dispatch(id))
        .or_else(|| features::dispatch(id))
        .or_else(|| registry::dispatch(id))
        .or_else(|| serving::dispatch(id))
        .or_else(|| quality::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
