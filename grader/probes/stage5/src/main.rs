//! Probe for stage5: each module's `glue!` block maps exercise ids to calls into the crate.

mod bert;
mod cnn;
mod conv;
mod convert;
mod rnn;
mod seq2seq;
mod transformer;

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    conv::dispatch(id)
        .or_else(|| bert::dispatch(id))
        .or_else(|| cnn::dispatch(id))
        .or_else(|| rnn::dispatch(id))
        .or_else(|| seq2seq::dispatch(id))
        .or_else(|| transformer::dispatch(id))
}

fn main() {
    probe_runtime::serve(dispatch)
}
