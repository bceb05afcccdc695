//! Running a probe process: one request at a time, with a time limit, and a post-mortem when
//! it dies. A crash costs the case that caused it; the next case gets a fresh process.

use grader_protocol::{read_frame, write_frame, Layer, Outcome, Reply, Request, Value};
use grader_report::CaseStatus;
use std::io::{BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Resource limits of a probe process.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Address-space limit in bytes.
    pub memory_bytes: u64,
    /// Largest file the process may write, in bytes.
    pub file_bytes: u64,
    /// How much of stderr is kept (the tail).
    pub stderr_bytes: usize,
    /// CPU seconds over the process's whole life (a backstop: each call has a wall-clock limit).
    pub cpu_seconds: u64,
    /// Confine the probe (user, network namespace, Landlock, seccomp). Off only to measure what
    /// the sandbox costs (`grader bench`); a grade without it is never fully sandboxed.
    pub sandbox: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_bytes: 4 << 30, file_bytes: 16 << 20, stderr_bytes: 64 << 10, cpu_seconds: 600, sandbox: true }
    }
}

/// How one call ended.
#[derive(Debug, Clone)]
pub enum CallResult {
    /// The function returned; `elapsed` is the grader's clock from `Call` to `Done`.
    Returned {
        value: Value,
        elapsed: Duration,
    },
    Panicked {
        message: String,
        location: Option<String>,
    },
    /// The process was lost: killed after the time limit, or died by itself.
    Died {
        status: CaseStatus,
        message: String,
    },
}

/// Bounded tail of a stream.
#[derive(Default)]
struct Tail {
    buf: Vec<u8>,
    cap: usize,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        if self.buf.len() > self.cap {
            let cut = self.buf.len() - self.cap;
            self.buf.drain(..cut);
        }
    }
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<std::io::Result<Option<Reply>>>,
    stderr: Arc<Mutex<Tail>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
    /// Removed when the process is gone.
    _scratch: tempfile::TempDir,
}

/// The unprivileged user probes run as when the grader is root.
const NOBODY: u32 = 65534;

/// A probe executable and, while alive, its process.
pub struct Probe {
    exe: PathBuf,
    limits: Limits,
    running: Option<Running>,
    /// Processes started so far (1 + restarts).
    pub spawned: usize,
    /// Sandbox layers of the last process started, as the grader set them up and the probe
    /// reported them.
    pub layers: Vec<Layer>,
    /// `cuda` when GPU targets run: then exported as `COMPUTE_DEVICE`, which the glue reads to
    /// put timed tensors on the GPU (a CPU run exports nothing, keeping the environment small).
    pub device: &'static str,
}

impl Probe {
    pub fn new(exe: &Path, limits: Limits) -> Probe {
        Probe { exe: exe.to_path_buf(), limits, running: None, spawned: 0, layers: Vec::new(), device: "cpu" }
    }

    fn spawn(&mut self) -> std::io::Result<&mut Running> {
        if self.running.is_none() {
            let limits = self.limits;
            // A fresh scratch directory per process, holding a copy of the probe under a neutral
            // name: the only place it may write, and nothing in its path, name or environment
            // says "grader", "student" or "test".
            let scratch = tempfile::Builder::new().prefix(".w").tempdir()?;
            let exe = scratch.path().join("app");
            std::fs::copy(&self.exe, &exe)?;
            // SAFETY: geteuid has no preconditions.
            let drop_to = if limits.sandbox && unsafe { libc::geteuid() } == 0 { Some(NOBODY) } else { None };
            if let Some(id) = drop_to {
                use std::os::unix::fs::PermissionsExt;
                for p in [scratch.path(), exe.as_path()] {
                    std::os::unix::fs::chown(p, Some(id), Some(id))?;
                }
                std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o700))?;
            }
            let mut cmd = Command::new(&exe);
            if limits.sandbox {
                cmd.arg(scratch.path());
            }
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            // One compute thread: rayon (under candle and polars) would otherwise start a pool per
            // core, whose start-up and hand-offs dominate small tensor operations and make
            // timings depend on what else the machine runs. Student and reference get the same.
            cmd.env_clear().env("PATH", "/usr/bin:/bin").env("LANG", "C.UTF-8").env("RAYON_NUM_THREADS", "1");
            if self.device != "cpu" {
                cmd.env("COMPUTE_DEVICE", self.device);
            }
            cmd.current_dir(scratch.path());
            // SAFETY: only async-signal-safe system calls between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    // Its own process group, so that a kill reaches every process it started.
                    libc::setpgid(0, 0);
                    let set = |res, v: u64| {
                        let lim = libc::rlimit { rlim_cur: v as libc::rlim_t, rlim_max: v as libc::rlim_t };
                        libc::setrlimit(res, &lim);
                    };
                    set(libc::RLIMIT_AS, limits.memory_bytes);
                    set(libc::RLIMIT_FSIZE, limits.file_bytes);
                    set(libc::RLIMIT_CORE, 0);
                    set(libc::RLIMIT_NOFILE, 256);
                    set(libc::RLIMIT_CPU, limits.cpu_seconds);
                    // A private network namespace (needs privileges; the probe reports whether
                    // it got one).
                    if limits.sandbox {
                        private_network();
                    }
                    if let Some(id) = drop_to {
                        // An unprivileged user: cannot signal, trace or read the grader's files.
                        set(libc::RLIMIT_NPROC, 512);
                        if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(id) != 0 || libc::setuid(id) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
            let mut child = cmd.spawn()?;
            self.spawned += 1;
            let stdin = child.stdin.take().expect("piped");
            let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || loop {
                let r = read_frame::<_, Reply>(&mut stdout);
                let end = !matches!(r, Ok(Some(_)));
                if tx.send(r).is_err() || end {
                    break;
                }
            });
            let tail = Arc::new(Mutex::new(Tail { buf: Vec::new(), cap: limits.stderr_bytes }));
            let mut err = child.stderr.take().expect("piped");
            let t2 = Arc::clone(&tail);
            let stderr_thread = std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = err.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    t2.lock().unwrap().push(&chunk[..n]);
                }
            });
            let mut running = Running {
                child,
                stdin,
                replies: rx,
                stderr: tail,
                stderr_thread: Some(stderr_thread),
                _scratch: scratch,
            };
            // The probe's first frame lists the layers it applied to itself.
            let hello = recv(&mut running, Duration::from_secs(20));
            let mut layers = vec![
                Layer {
                    name: "process-group".into(),
                    enforced: true,
                    detail: "killed as a group after a time-out or crash".into(),
                },
                Layer {
                    name: "resource-limits".into(),
                    enforced: true,
                    detail: format!(
                        "memory {} MiB, files {} MiB, CPU {} s, no core dumps, 256 open files",
                        limits.memory_bytes >> 20,
                        limits.file_bytes >> 20,
                        limits.cpu_seconds
                    ),
                },
                Layer {
                    name: "unprivileged-user".into(),
                    enforced: drop_to.is_some(),
                    detail: if drop_to.is_some() {
                        "runs as uid 65534".into()
                    } else {
                        "the grader is not root: runs as the grader's own user".into()
                    },
                },
                Layer {
                    name: "neutral-environment".into(),
                    enforced: true,
                    detail: "cleared environment, neutral names, scratch working directory".into(),
                },
            ];
            match hello {
                Ok(Reply::Hello { layers: theirs }) => layers.extend(theirs),
                Ok(other) => return Err(std::io::Error::other(format!("probe greeted with {other:?}"))),
                Err(_) => {
                    self.running = Some(running);
                    self.kill();
                    return Err(std::io::Error::other("the probe did not start"));
                }
            }
            self.layers = layers;
            self.running = Some(running);
        }
        Ok(self.running.as_mut().expect("just spawned"))
    }

    /// Runs one call of `exercise` on `input` within `timeout`.
    pub fn call(&mut self, exercise: &str, input: &Value, timeout: Duration) -> CallResult {
        match self.call_inner(exercise, input, timeout) {
            Ok(r) => r,
            Err(Lost::Timeout) => {
                self.kill();
                CallResult::Died {
                    status: CaseStatus::TimedOut,
                    message: format!(
                        "no answer within {:.1} s: an endless loop, or far too slow",
                        timeout.as_secs_f64()
                    ),
                }
            }
            Err(Lost::Gone(why)) => self.post_mortem(why),
        }
    }

    fn call_inner(&mut self, exercise: &str, input: &Value, timeout: Duration) -> Result<CallResult, Lost> {
        let r = self.spawn().map_err(|e| Lost::Gone(format!("could not start the probe: {e}")))?;
        send(r, &Request::Prepare { exercise: exercise.to_string(), input: input.clone() })?;
        match recv(r, timeout)? {
            Reply::Ready => {}
            Reply::UnknownExercise(id) => {
                return Ok(CallResult::Died {
                    status: CaseStatus::Crashed,
                    message: format!("the probe has no function for `{id}` (course bug)"),
                })
            }
            other => return Err(Lost::Gone(format!("unexpected reply {other:?}"))),
        }
        let start = Instant::now();
        send(r, &Request::Call)?;
        let done = recv(r, timeout)?;
        let elapsed = start.elapsed();
        if done != Reply::Done {
            return Err(Lost::Gone(format!("unexpected reply {done:?}")));
        }
        send(r, &Request::Fetch)?;
        match recv(r, timeout)? {
            Reply::Output(Outcome::Returned(value)) => Ok(CallResult::Returned { value, elapsed }),
            Reply::Output(Outcome::Panicked { message, location }) => Ok(CallResult::Panicked { message, location }),
            other => Err(Lost::Gone(format!("unexpected reply {other:?}"))),
        }
    }

    /// Kills the whole process group and forgets the process.
    pub fn kill(&mut self) {
        if let Some(mut r) = self.running.take() {
            let pid = r.child.id() as libc::pid_t;
            // SAFETY: signalling a process group we created.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
            let _ = r.child.kill();
            let _ = r.child.wait();
            if let Some(t) = r.stderr_thread.take() {
                // The stderr pipe closes once every process of the group is gone.
                let _ = t.join();
            }
        }
    }

    /// Why the process went away, read from its exit status and the tail of its stderr.
    fn post_mortem(&mut self, why: String) -> CallResult {
        let Some(mut r) = self.running.take() else {
            return CallResult::Died { status: CaseStatus::Crashed, message: why };
        };
        // Give a dying process a moment to finish exiting, then make sure it is gone.
        let deadline = Instant::now() + Duration::from_millis(500);
        let status = loop {
            match r.child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        let pid = r.child.id() as libc::pid_t;
        // SAFETY: signalling the process group we created.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
        let _ = r.child.kill();
        let status = status.or_else(|| r.child.wait().ok());
        if let Some(t) = r.stderr_thread.take() {
            let _ = t.join();
        }
        let stderr = String::from_utf8_lossy(&r.stderr.lock().unwrap().buf).into_owned();
        let tail: String = last_lines(&stderr, 6);
        let (status, message) = if stderr.contains("has overflowed its stack") {
            (CaseStatus::StackOverflow, "stack overflow: unbounded recursion?".to_string())
        } else if stderr.contains("memory allocation of") || stderr.contains("capacity overflow") {
            (CaseStatus::OutOfMemory, format!("ran out of memory (limit {} MiB)", self.limits.memory_bytes >> 20))
        } else {
            match status {
                Some(s) if s.signal().is_some() => {
                    let sig = s.signal().unwrap();
                    (CaseStatus::Crashed, format!("killed by signal {sig} ({})", signal_name(sig)))
                }
                Some(s) => (
                    CaseStatus::Crashed,
                    format!("the process exited with code {} before answering", s.code().unwrap_or(-1)),
                ),
                None => (CaseStatus::Crashed, why),
            }
        };
        let message = if tail.is_empty() { message } else { format!("{message}; its last output:\n{tail}") };
        CallResult::Died { status, message }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.kill();
    }
}

enum Lost {
    Timeout,
    Gone(String),
}

fn send(r: &mut Running, req: &Request) -> Result<(), Lost> {
    write_frame(&mut r.stdin, req).map_err(|e| Lost::Gone(format!("the probe stopped reading: {e}")))
}

fn recv(r: &mut Running, timeout: Duration) -> Result<Reply, Lost> {
    match r.replies.recv_timeout(timeout) {
        Ok(Ok(Some(reply))) => Ok(reply),
        Ok(Ok(None)) | Err(RecvTimeoutError::Disconnected) => Err(Lost::Gone("the probe closed its channel".into())),
        Ok(Err(e)) => Err(Lost::Gone(format!("garbled reply: {e}"))),
        Err(RecvTimeoutError::Timeout) => Err(Lost::Timeout),
    }
}

fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| if l.len() > 300 { format!("{}…", &l[..l.floor_char_boundary(300)]) } else { (*l).to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT, aborted",
        libc::SIGSEGV => "SIGSEGV, invalid memory access",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXFSZ => "SIGXFSZ, file size limit",
        libc::SIGXCPU => "SIGXCPU, CPU time limit",
        _ => "signal",
    }
}

/// Moves the calling process into a new, empty network namespace where the OS allows it (Linux,
/// with privileges); elsewhere it does nothing and the probe reports the layer as missing.
/// Async-signal-safe: one system call.
pub(crate) fn private_network() {
    #[cfg(target_os = "linux")]
    // SAFETY: a plain system call with a constant argument.
    unsafe {
        libc::unshare(libc::CLONE_NEWNET);
    }
}
