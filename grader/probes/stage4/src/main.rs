//! Probe for stage4: each module's `glue!` block maps exercise ids to calls into the crate.

mod arch;
mod blocks;
mod convert;
mod hparams;
mod norm;
mod reg;
mod stability;
mod transfer;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    let _ = id;
    norm::dispatch(id)
        .or_else(|| stability::dispatch(id))
        .or_else(|| reg::dispatch(id))
        .or_else(|| arch::dispatch(id))
        .or_else(|| blocks::dispatch(id))
        .or_else(|| hparams::dispatch(id))
        .or_else(|| transfer::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
