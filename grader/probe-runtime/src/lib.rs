//! The loop every probe runs: read a request, call the glue, answer.
//!
//! The glue (one crate per stage, `grader/probes/`) maps an exercise id to a [`Handler`] that
//! decodes a [`Value`], calls the student's (or the reference) function and encodes the result.
//! This runtime owns everything else: framing, panics, and keeping the student's own prints off
//! the reply channel. It decides nothing: the grader compares what comes back.

use grader_protocol::{read_frame, write_frame, Outcome, Reply, Request};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::os::fd::FromRawFd;
use std::panic::{self, AssertUnwindSafe};

pub mod glue;
mod sandbox;
#[cfg(feature = "service")]
pub mod service;
#[cfg(feature = "candle")]
pub mod tensor;

pub use grader_protocol::Value;

/// Decodes an input, calls one exercise function and encodes its output.
pub type Handler = fn(&Value) -> Value;

thread_local! {
    static LAST_PANIC: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
}

/// The most bytes of a panic message sent to the grader.
const MAX_PANIC_BYTES: usize = 4096;

/// `s` cut to at most `max` bytes, on a character boundary.
fn bounded(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let cut = s.len() - end;
        s.truncate(end);
        s.push_str(&format!("… ({cut} more bytes cut)"));
    }
    s
}

/// Serves requests until the grader closes standard input. Never returns.
pub fn serve(dispatch: fn(&str) -> Option<Handler>) -> ! {
    // Replies travel on a private duplicate of the original stdout; fd 1 is pointed at stderr so
    // that anything the student prints lands in the captured (bounded) error stream instead.
    // SAFETY: plain fd syscalls on descriptors this process owns, before any other thread runs.
    let reply_fd = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("probe: cannot set up the reply channel");
            std::process::exit(70);
        }
        fd
    };
    // SAFETY: `reply_fd` was just created by `dup` and is owned by nobody else.
    let mut out = BufWriter::new(unsafe { File::from_raw_fd(reply_fd) });
    let mut input = BufReader::new(io::stdin().lock());

    // The sandbox goes up before anything of the student's can run. The grader names the
    // scratch directory as the only argument; without it (a developer running the probe by
    // hand) nothing is confined, and the grader would say so.
    // A service's SIGTERM pipe goes up before the sandbox; its runtime after it, so that every
    // thread of the runtime inherits every layer.
    #[cfg(feature = "service")]
    let term = service::listener_given().then(service::install_sigterm);
    let layers = match std::env::args_os().nth(1) {
        Some(scratch) => sandbox::confine(std::path::Path::new(&scratch)),
        None => vec![grader_protocol::Layer {
            name: "sandbox".into(),
            enforced: false,
            detail: "started without a scratch directory".into(),
        }],
    };
    #[cfg(feature = "service")]
    if let Some(term) = term {
        if let Err(e) = term.map_err(|e| e.to_string()).and_then(service::prepare) {
            eprintln!("probe: cannot prepare the service: {e}");
            std::process::exit(74);
        }
    }
    if write_frame(&mut out, &Reply::Hello { layers }).is_err() {
        std::process::exit(0);
    }

    panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-text payload".to_string()
        };
        // Bounded here, and again by the grader: a panic message is the student's text, and one of
        // hundreds of megabytes must not travel, nor be kept.
        let message = bounded(message, MAX_PANIC_BYTES);
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        eprintln!("panicked at {}: {message}", location.as_deref().unwrap_or("?"));
        LAST_PANIC.with(|p| *p.borrow_mut() = Some((message, location)));
    }));

    let mut prepared: Option<(Handler, Value)> = None;
    let mut last: Option<Outcome> = None;
    loop {
        let request: Request = match read_frame(&mut input) {
            Ok(Some(r)) => r,
            Ok(None) => std::process::exit(0),
            Err(e) => {
                eprintln!("probe: bad request: {e}");
                std::process::exit(71);
            }
        };
        let reply = match request {
            Request::Prepare { exercise, input } => match dispatch(&exercise) {
                Some(h) => {
                    prepared = Some((h, input));
                    Reply::Ready
                }
                None => Reply::UnknownExercise(exercise),
            },
            Request::Call => {
                let (handler, value) = prepared.as_ref().expect("Call before Prepare");
                #[cfg(feature = "service")]
                let result = panic::catch_unwind(AssertUnwindSafe(|| service::within(|| handler(value))))
                    .map(|v| service::start().unwrap_or(v));
                #[cfg(not(feature = "service"))]
                let result = panic::catch_unwind(AssertUnwindSafe(|| handler(value)));
                last = Some(match result {
                    Ok(v) => Outcome::Returned(v),
                    Err(_) => {
                        let (message, location) =
                            LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| ("panic".to_string(), None));
                        Outcome::Panicked { message, location }
                    }
                });
                Reply::Done
            }
            Request::Fetch => Reply::Output(last.take().expect("Fetch before Call")),
        };
        if write_frame(&mut out, &reply).is_err() {
            std::process::exit(0);
        }
    }
}
