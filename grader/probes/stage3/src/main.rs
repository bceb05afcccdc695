//! Probe for Stage 3: maps exercise ids to calls into the `stage3` crate, and baseline ids
//! (`*.candle`) to candle's own implementations (autograd gradients, candle-nn optimisers).

mod activations;
mod autograd;
mod backprop;
mod convert;
mod forward;
mod optim;
mod perceptron;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    perceptron::dispatch(id)
        .or_else(|| activations::dispatch(id))
        .or_else(|| forward::dispatch(id))
        .or_else(|| backprop::dispatch(id))
        .or_else(|| optim::dispatch(id))
        .or_else(|| autograd::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
