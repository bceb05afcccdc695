//! Probe for mini-project 1 (being written).

fn dispatch(id: &str) -> Option<probe_runtime::Handler> {
    let _ = id;
    None
}

fn main() {
    probe_runtime::serve(dispatch)
}
