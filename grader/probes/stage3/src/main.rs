//! Probe for Stage 3: maps exercise ids to calls into the `stage3` crate, and baseline ids
//! (`*.candle`) to candle's own implementations (autograd gradients, candle-nn optimisers).

mod convert;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    let _ = id;
    None
}

fn main() {
    probe_runtime::serve(dispatch)
}
