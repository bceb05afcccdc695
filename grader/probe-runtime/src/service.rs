//! Serving a student's axum `Router` (the `service` feature).
//!
//! The grader opens the listener (on a loopback address of a network namespace of its own, where
//! it can) and hands it over as file descriptor 3 with `LISTEN_FDS=1`, as systemd's socket
//! activation does. The student's code cannot open a socket (the sandbox refuses `socket`): it
//! can only answer connections on that listener.
//!
//! A service exercise's glue line returns the student's `Router`; [`Ret`] keeps it here, and the
//! serving loop starts it once the call returns ([`start`]). The tokio runtime is built after the
//! sandbox is up, so its worker threads inherit every layer. SIGTERM reaches it through a pipe
//! (a plain signal handler writes a byte): on it, [`Draining`] turns true, the glue waits
//! [`DRAIN_DELAY`] (a load balancer's time to see readiness fail), then stops accepting, lets the
//! requests in flight finish, and exits with status 0.

use crate::glue::Ret;
use grader_protocol::Value;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How long the glue keeps accepting after SIGTERM, with readiness off, before it drains.
pub const DRAIN_DELAY: Duration = Duration::from_millis(250);

/// Whether the service is shutting down (true once SIGTERM has arrived): readiness must answer
/// 503 from then on.
pub type Draining = tokio::sync::watch::Receiver<bool>;

struct Prepared {
    runtime: tokio::runtime::Runtime,
    listener: Option<std::net::TcpListener>,
    draining: tokio::sync::watch::Sender<bool>,
    /// The dependency's socket until its first use, then the handle that owns it.
    dependency_fd: Option<std::os::unix::net::UnixStream>,
    dependency: Option<Dependency>,
}

static PREPARED: Mutex<Option<Prepared>> = Mutex::new(None);
static ROUTER: Mutex<Option<axum::Router>> = Mutex::new(None);
/// The write end of the SIGTERM pipe, for the signal handler.
static TERM_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Whether the grader handed this process a listener (fd 3; with `LISTEN_FDS=2` the dependency's
/// socket too, fd 4).
pub(crate) fn listener_given() -> bool {
    std::env::var_os("LISTEN_FDS").is_some_and(|v| v == "1" || v == "2")
}

extern "C" fn on_term(_: libc::c_int) {
    let fd = TERM_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; one byte from a static.
        unsafe {
            libc::write(fd, b"t".as_ptr().cast(), 1);
        }
    }
}

/// Before the sandbox: the SIGTERM pipe and handler. Returns the pipe's read end.
pub(crate) fn install_sigterm() -> std::io::Result<i32> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own; sigaction with a handler that
    // only calls write(2).
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        TERM_PIPE.store(fds[1], Ordering::Relaxed);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_term as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(fds[0])
}

/// After the sandbox: the runtime (its threads confined like this one) and the listener.
/// `term` is the SIGTERM pipe's read end.
pub(crate) fn prepare(term: i32) -> Result<(), String> {
    use std::os::fd::FromRawFd;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build the runtime: {e}"))?;
    // SAFETY: fd 3 was handed over by the grader for exactly this (LISTEN_FDS=1); nothing else
    // in this process owns it.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    listener.set_nonblocking(true).map_err(|e| format!("the listener (fd 3) is unusable: {e}"))?;
    let dependency_fd = if std::env::var_os("LISTEN_FDS").is_some_and(|v| v == "2") {
        // SAFETY: fd 4 was handed over by the grader for exactly this (LISTEN_FDS=2).
        let s = unsafe { std::os::unix::net::UnixStream::from_raw_fd(4) };
        s.set_nonblocking(true).map_err(|e| format!("the dependency's socket (fd 4) is unusable: {e}"))?;
        Some(s)
    } else {
        None
    };
    let (draining, _) = tokio::sync::watch::channel(false);
    let tx = draining.clone();
    // A thread of its own waits for SIGTERM's byte.
    std::thread::Builder::new()
        .name("sigterm".into())
        .spawn(move || {
            let mut b = [0u8; 1];
            loop {
                // SAFETY: read(2) into a buffer we own, on the pipe's read end.
                let n = unsafe { libc::read(term, b.as_mut_ptr().cast(), 1) };
                if n == 1 {
                    let _ = tx.send(true);
                    return;
                }
                if n == 0 {
                    return;
                }
            }
        })
        .map_err(|e| format!("cannot start the signal thread: {e}"))?;
    *PREPARED.lock().unwrap() =
        Some(Prepared { runtime, listener: Some(listener), draining, dependency_fd, dependency: None });
    Ok(())
}

/// Runs `f` inside the runtime's context (a glue line may need it to build its state), or
/// plainly where no listener was given.
pub(crate) fn within<T>(f: impl FnOnce() -> T) -> T {
    let handle = PREPARED.lock().unwrap().as_ref().map(|p| p.runtime.handle().clone());
    match handle {
        Some(h) => {
            let _g = h.enter();
            f()
        }
        None => f(),
    }
}

/// The draining flag of this process's service (one that never turns where no listener was
/// given).
pub fn draining() -> Draining {
    match PREPARED.lock().unwrap().as_ref() {
        Some(p) => p.draining.subscribe(),
        None => {
            let (tx, rx) = tokio::sync::watch::channel(false);
            std::mem::forget(tx);
            rx
        }
    }
}

/// A service's glue line returns its `Router`: kept until the call returns.
impl<M> Ret<M> for axum::Router {
    fn ret(self) -> Value {
        *ROUTER.lock().unwrap() = Some(self);
        Value::Text("serving".into())
    }
}

/// After a call: serves the router it returned, if any. `Some` replaces the call's output.
pub(crate) fn start() -> Option<Value> {
    let router = ROUTER.lock().unwrap().take()?;
    let mut prepared = PREPARED.lock().unwrap();
    let Some(p) = prepared.as_mut() else {
        return Some(Value::Error("NoListener".into()));
    };
    let Some(listener) = p.listener.take() else {
        return Some(Value::Error("AlreadyServing".into()));
    };
    let mut term = p.draining.subscribe();
    p.runtime.spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("service: the listener is unusable: {e}");
                std::process::exit(72);
            }
        };
        let shutdown = async move {
            let _ = term.wait_for(|d| *d).await;
            tokio::time::sleep(DRAIN_DELAY).await;
        };
        let code = match axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("service: {e}");
                73
            }
        };
        std::process::exit(code);
    });
    Some(Value::Text("serving".into()))
}

/// Why a call to the dependency got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependencyError {
    /// It answered that it failed.
    Failed,
    /// It does not hold the key.
    NotFound,
    /// There is no dependency (a router built outside the grader), or it went away.
    Closed,
}

type Reply = tokio::sync::oneshot::Sender<Result<Vec<u8>, DependencyError>>;
type Pending = std::collections::HashMap<u64, Reply>;

/// The service's dependency (a feature store the grader plays): calls by key, answered
/// asynchronously, many at once. It never times out by itself: timeouts, retries and fallbacks
/// are the service's to choose.
#[derive(Clone, Debug)]
pub struct Dependency {
    calls: Option<tokio::sync::mpsc::UnboundedSender<(Vec<u8>, Reply)>>,
}

impl Dependency {
    /// Asks for `key`.
    pub async fn call(&self, key: Vec<u8>) -> Result<Vec<u8>, DependencyError> {
        let Some(tx) = &self.calls else { return Err(DependencyError::Closed) };
        let (reply, answer) = tokio::sync::oneshot::channel();
        tx.send((key, reply)).map_err(|_| DependencyError::Closed)?;
        answer.await.unwrap_or(Err(DependencyError::Closed))
    }

    fn serve(socket: std::os::unix::net::UnixStream) -> Dependency {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(socket) = tokio::net::UnixStream::from_std(socket) else { return Dependency { calls: None } };
        let (mut rd, mut wr) = socket.into_split();
        let pending: std::sync::Arc<Mutex<Pending>> = std::sync::Arc::default();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Vec<u8>, Reply)>();
        let p = std::sync::Arc::clone(&pending);
        tokio::spawn(async move {
            let mut id = 0u64;
            while let Some((key, reply)) = rx.recv().await {
                id += 1;
                p.lock().unwrap().insert(id, reply);
                let mut frame = Vec::with_capacity(12 + key.len());
                frame.extend_from_slice(&((8 + key.len()) as u32).to_le_bytes());
                frame.extend_from_slice(&id.to_le_bytes());
                frame.extend_from_slice(&key);
                if wr.write_all(&frame).await.is_err() {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            let mut head = [0u8; 13];
            while rd.read_exact(&mut head).await.is_ok() {
                let len = u32::from_le_bytes(head[..4].try_into().unwrap()) as usize;
                let id = u64::from_le_bytes(head[4..12].try_into().unwrap());
                let mut body = vec![0u8; len.saturating_sub(9).min(1 << 20)];
                if rd.read_exact(&mut body).await.is_err() {
                    break;
                }
                let answer = match head[12] {
                    0 => Ok(body),
                    2 => Err(DependencyError::NotFound),
                    _ => Err(DependencyError::Failed),
                };
                // A caller that gave up (its timeout) is gone: the answer is dropped.
                if let Some(reply) = pending.lock().unwrap().remove(&id) {
                    let _ = reply.send(answer);
                }
            }
            // Gone: every waiting call fails.
            for (_, reply) in pending.lock().unwrap().drain() {
                let _ = reply.send(Err(DependencyError::Closed));
            }
        });
        Dependency { calls: Some(tx) }
    }
}

/// This process's dependency (one that answers every call with `Closed` where none was given).
/// Call it from a glue line: it needs the runtime's context.
pub fn dependency() -> Dependency {
    let mut prepared = PREPARED.lock().unwrap();
    let Some(p) = prepared.as_mut() else { return Dependency { calls: None } };
    if p.dependency.is_none() {
        p.dependency = Some(match p.dependency_fd.take() {
            Some(fd) => {
                let _g = p.runtime.enter();
                Dependency::serve(fd)
            }
            None => Dependency { calls: None },
        });
    }
    p.dependency.clone().expect("just set")
}
