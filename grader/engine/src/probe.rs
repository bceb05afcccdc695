//! Running a probe process: one request at a time, with a time limit, and a post-mortem when
//! it dies. A crash costs the case that caused it; the next case gets a fresh process.

use grader_protocol::{read_frame_with, write_frame, Layer, Outcome, Reply, Request, Value};
use grader_report::CaseStatus;
use std::io::{BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Threads (and processes) of one probe process. Each probe runs as a user of its own, so
    /// this budget is its alone: no submission can use up another's.
    pub threads: u64,
    /// Bytes and inodes of the probe's scratch file system (a private tmpfs where the grader may
    /// mount one).
    pub scratch_bytes: u64,
    pub scratch_inodes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 4 << 30,
            file_bytes: 16 << 20,
            stderr_bytes: 64 << 10,
            cpu_seconds: 600,
            sandbox: true,
            threads: 128,
            scratch_bytes: 64 << 20,
            scratch_inodes: 4096,
        }
    }
}

/// Probes run as `UID_BASE + their pid` when the grader is root: a user of their own for each
/// probe process (pids are unique among live processes, and a probe cannot start another), so
/// the kernel's per-user process limit is a per-probe thread limit, and no probe can signal,
/// trace or starve another.
pub const UID_BASE: u32 = 1_800_000_000;

/// Whether `uid` is one of the probes' users.
pub fn is_probe_uid(uid: u32) -> bool {
    (UID_BASE..UID_BASE.saturating_add(1 << 26)).contains(&uid)
}

/// A service's data directory that outlives its processes (see [`Probe::persist`]): a tmpfs of
/// its own mounted by the grader (capped like a scratch directory) where the grader is root, else
/// a plain directory; owned by one user for its whole life, so that a restarted process (a new
/// pid) can read what the killed one wrote. Unmounted and removed when dropped.
struct DataDir {
    path: PathBuf,
    uid: Option<u32>,
    mounted: bool,
}

impl DataDir {
    fn new(limits: &Limits) -> std::io::Result<DataDir> {
        use std::os::unix::fs::PermissionsExt;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = tempfile::Builder::new().prefix(".d").tempdir()?.keep();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        // SAFETY: geteuid and getpid have no preconditions.
        let root = limits.sandbox && unsafe { libc::geteuid() } == 0;
        if !root {
            return Ok(DataDir { path, uid: None, mounted: false });
        }
        // Above the per-pid users: this grader's pid (at most 2^22) and one of 8 slots.
        let pid = unsafe { libc::getpid() } as u32 & ((1 << 22) - 1);
        let slot = (NEXT.fetch_add(1, Ordering::SeqCst) % 8) as u32;
        let uid = UID_BASE + (1 << 23) + pid * 8 + slot;
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other)?;
        let opts = std::ffi::CString::new(format!(
            "size={},nr_inodes={},mode=0700,uid={uid},gid={uid}",
            limits.scratch_bytes.max(1 << 20),
            limits.scratch_inodes.max(16)
        ))
        .map_err(std::io::Error::other)?;
        // SAFETY: mount(2) and chown(2) on a directory this process just made.
        let mounted = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                c.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                opts.as_ptr().cast(),
            ) == 0
        };
        if !mounted && unsafe { libc::chown(c.as_ptr(), uid, uid) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(DataDir { path, uid: Some(uid), mounted })
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if self.mounted {
            if let Ok(c) = std::ffi::CString::new(self.path.as_os_str().as_encoded_bytes()) {
                // SAFETY: unmounting the tmpfs this process mounted.
                unsafe {
                    libc::umount2(c.as_ptr(), libc::MNT_DETACH);
                }
            }
        }
        if let Err(e) = remove_tree(&self.path) {
            eprintln!("grader: could not remove a service's data directory {}: {e}", self.path.display());
        }
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
    /// The grader could not start the probe, even after retrying: the grader's (or the
    /// machine's) failure, never the code's, since nothing of it had run yet.
    NotStarted(String),
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
    /// The largest reply frame the reader accepts, set before each call.
    reply_limit: Arc<AtomicUsize>,
    /// Stopped (SIGSTOP) between calls.
    frozen: bool,
    /// A service's endpoint (see [`Probe::listen`]).
    endpoint: Option<crate::loopback::Endpoint>,
    /// A service's dependency, played by the grader.
    dependency: Option<crate::dependency::Dependency>,
    /// Removed when the process is gone (declared last: dropped after the process is reaped).
    _dir: ProbeDir,
}

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
    /// Hand each process a listening socket (fd 3, `LISTEN_FDS=1`) on a loopback of its own:
    /// a service exercise's probe.
    pub listen: bool,
    /// Keep the scratch directory across processes (a service's data, which must survive a
    /// SIGKILL and a restart): set it, and the next process and every one after it get the same
    /// directory, until [`Probe::forget_data`].
    pub persist: bool,
    data: Option<DataDir>,
    /// The last call (exercise, input, time limit, reply limit), which [`Probe::restart`] repeats.
    last: Option<(String, Value, Duration, usize)>,
}

impl Probe {
    pub fn new(exe: &Path, limits: Limits) -> Probe {
        Probe {
            exe: exe.to_path_buf(),
            limits,
            running: None,
            spawned: 0,
            layers: Vec::new(),
            device: "cpu",
            listen: false,
            persist: false,
            data: None,
            last: None,
        }
    }

    /// Drops the data directory kept for [`Probe::persist`] (after killing the process).
    pub fn forget_data(&mut self) {
        self.kill();
        self.data = None;
        self.persist = false;
    }

    /// Starts a process if none runs (retrying as a call does) and returns its endpoint.
    pub fn start(&mut self) -> Result<Option<crate::loopback::Endpoint>, String> {
        let mut waits = [200u64, 1000, 3000].into_iter();
        loop {
            match self.spawn() {
                Ok(r) => return Ok(r.endpoint.clone()),
                Err(e) => match waits.next() {
                    Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
                    None => return Err(format!("could not start the probe: {e}")),
                },
            }
        }
    }

    /// Repeats the last call in the running process (starting one if none runs): a service
    /// started again after a SIGKILL.
    pub fn recall(&mut self) -> CallResult {
        match self.last.clone() {
            Some((exercise, input, timeout, max_reply)) => self.call_bounded(&exercise, &input, timeout, max_reply),
            None => CallResult::NotStarted("nothing to restart: no call was made".into()),
        }
    }

    fn spawn(&mut self) -> std::io::Result<&mut Running> {
        if self.running.is_none() {
            let limits = self.limits;
            // A fresh directory per process, holding a copy of the probe under a neutral name and
            // the scratch directory `w`, the only place it may write: nothing in its path, name or
            // environment says "grader", "student" or "test".
            let dir = ProbeDir(tempfile::Builder::new().prefix(".w").tempdir()?.keep());
            let exe = dir.0.join("app");
            if self.persist && self.data.is_none() {
                self.data = Some(DataDir::new(&limits)?);
            }
            let kept = self.data.as_ref().filter(|_| self.persist);
            // A kept directory is already a tmpfs of its own (or a plain one): no mount over it.
            let fixed_uid: Option<u32> = kept.and_then(|d| d.uid);
            let mount_scratch = kept.is_none();
            let scratch = match kept {
                Some(d) => d.path.clone(),
                None => dir.0.join("w"),
            };
            std::fs::copy(&self.exe, &exe)?;
            if kept.is_none() {
                std::fs::create_dir(&scratch)?;
            }
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755))?;
                std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755))?;
                std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o700))?;
            }
            // SAFETY: geteuid has no preconditions.
            let root = limits.sandbox && unsafe { libc::geteuid() } == 0;
            // The budget is the limit's, or more on a host whose cores would make a library's
            // pool (a thread per core) larger than it.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
            let limits = Limits { threads: limits.threads.max(2 * cores + 16), ..limits };
            let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other);
            let scratch_c = c(&scratch)?;
            // The tmpfs options but the owner, which is known only in the child (its pid).
            let tmpfs_opts = format!(
                "size={},nr_inodes={},mode=0700,uid=",
                limits.scratch_bytes.max(1 << 20),
                limits.scratch_inodes.max(16)
            )
            .into_bytes();
            // A service's listener, opened here and handed over as fd 3; the grader's copy is closed
            // once the process has it, so that connections fail at once when the service is gone.
            let lb = if self.listen { Some(crate::loopback::open()?) } else { None };
            // And one end of a socket pair for its dependency (fd 4), the other end served here.
            let pair = if self.listen { Some(std::os::unix::net::UnixStream::pair()?) } else { None };
            // Both above fd 4 in this process, so that the child's dup2 onto 3 and 4 cannot
            // overwrite one with the other.
            let high = |fd: i32| -> std::io::Result<std::os::fd::OwnedFd> {
                // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor we then own.
                let n = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
                if n < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // SAFETY: `n` was just created and is owned by nobody else.
                Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(n) })
            };
            use std::os::fd::AsRawFd;
            let listen_high = lb.as_ref().map(|l| high(l.listener.as_raw_fd())).transpose()?;
            let dep_high = pair.as_ref().map(|(_, theirs)| high(theirs.as_raw_fd())).transpose()?;
            let listen_fd: i32 = listen_high.as_ref().map_or(-1, |f| f.as_raw_fd());
            let dep_fd: i32 = dep_high.as_ref().map_or(-1, |f| f.as_raw_fd());
            let mut cmd = Command::new(&exe);
            if limits.sandbox {
                cmd.arg(&scratch);
            }
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            // One compute thread: rayon (under candle and polars) would otherwise start a pool per
            // core, whose start-up and hand-offs dominate small tensor operations and make timings
            // depend on what else the machine runs. Student and reference get the same. (Polars'
            // own pool still has a thread per core: the thread budget leaves room for it.)
            cmd.env_clear().env("PATH", "/usr/bin:/bin").env("LANG", "C.UTF-8").env("RAYON_NUM_THREADS", "1");
            if self.device != "cpu" {
                cmd.env("COMPUTE_DEVICE", self.device);
            }
            if listen_fd >= 0 {
                cmd.env("LISTEN_FDS", "2");
            }
            cmd.current_dir(&scratch);
            // SAFETY: only async-signal-safe system calls between fork and exec, on memory
            // prepared before the fork (no allocation).
            unsafe {
                cmd.pre_exec(move || {
                    // Its own process group, so that a kill reaches every process it started.
                    libc::setpgid(0, 0);
                    // A service's listener as fd 3 and its dependency's socket as fd 4, without
                    // close-on-exec (both were duplicated above 9 before the fork).
                    if listen_fd >= 0 && (libc::dup2(listen_fd, 3) < 0 || libc::dup2(dep_fd, 4) < 0) {
                        return Err(std::io::Error::last_os_error());
                    }
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
                    if root {
                        let uid = match fixed_uid {
                            Some(u) => u,
                            None => UID_BASE + libc::getpid() as u32,
                        };
                        // A private tmpfs over the scratch directory, in a mount namespace of its
                        // own: capped in bytes and inodes, and gone with the process (nothing to
                        // remove, however deep a tree it digs). Where it fails, the directory
                        // stays a plain one and the probe reports the layer as missing.
                        if mount_scratch
                            && libc::unshare(libc::CLONE_NEWNS) == 0
                            && libc::mount(
                                c"none".as_ptr(),
                                c"/".as_ptr(),
                                std::ptr::null(),
                                libc::MS_REC | libc::MS_PRIVATE,
                                std::ptr::null(),
                            ) == 0
                        {
                            let mut opts = [0u8; 160];
                            let mut n = 0;
                            let mut push = |b: &[u8]| {
                                for &x in b {
                                    if n < opts.len() - 1 {
                                        opts[n] = x;
                                        n += 1;
                                    }
                                }
                            };
                            push(&tmpfs_opts);
                            let mut digits = [0u8; 10];
                            let d = decimal(uid, &mut digits);
                            push(d);
                            push(b",gid=");
                            push(d);
                            libc::mount(
                                c"tmpfs".as_ptr(),
                                scratch_c.as_ptr(),
                                c"tmpfs".as_ptr(),
                                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                                opts.as_ptr().cast(),
                            );
                        }
                        // An unprivileged user of its own: cannot signal, trace or read the
                        // grader's files or another probe's, and its threads count against no
                        // one else's limit.
                        if libc::chown(scratch_c.as_ptr(), uid, uid) != 0 || libc::chdir(scratch_c.as_ptr()) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        set(libc::RLIMIT_NPROC, limits.threads);
                        if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(uid) != 0 || libc::setuid(uid) != 0
                        {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
            let mut child = cmd.spawn()?;
            self.spawned += 1;
            let endpoint = lb.map(|l| l.endpoint());
            drop((listen_high, dep_high));
            let dependency = match pair {
                Some((ours, _theirs)) => Some(crate::dependency::Dependency::start(ours)?),
                None => None,
            };
            let uid = fixed_uid.unwrap_or(UID_BASE + child.id());
            let stdin = child.stdin.take().expect("piped");
            let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
            let reply_limit = Arc::new(AtomicUsize::new(grader_protocol::MAX_FRAME));
            let (tx, rx) = mpsc::channel();
            let limit = Arc::clone(&reply_limit);
            std::thread::spawn(move || loop {
                // The limit is read when a frame's length arrives: the reply to a call is bounded
                // by what the grader set after the call returned, not by the limit in force
                // while this thread waited.
                let r = read_frame_with::<_, Reply>(&mut stdout, || limit.load(Ordering::SeqCst));
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
                reply_limit,
                frozen: false,
                endpoint,
                dependency,
                _dir: dir,
            };
            // The probe's first frame lists the layers it applied to itself.
            let hello = recv(&mut running, Duration::from_secs(20));
            let mut layers = vec![
                Layer {
                    name: "process-group".into(),
                    enforced: true,
                    detail: "killed as a group after a time-out or crash; stopped between its calls".into(),
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
                    enforced: root,
                    detail: if root {
                        format!(
                            "runs as a user of its own (uid {UID_BASE} + its pid, here {uid}): at most {} threads, \
                             counted against no other probe",
                            limits.threads
                        )
                    } else {
                        "the grader is not root: runs as the grader's own user, sharing its process budget".into()
                    },
                },
                Layer {
                    name: "neutral-environment".into(),
                    enforced: true,
                    detail: "cleared environment, neutral names, scratch working directory".into(),
                },
            ];
            if let Some(ep) = &running.endpoint {
                layers.push(Layer {
                    name: "private-loopback".into(),
                    enforced: ep.private(),
                    detail: if ep.private() {
                        "serves on the loopback of a network namespace of its own, reached by the grader's client only"
                            .into()
                    } else {
                        "serves on the host's loopback (the grader is not root): the machine's other processes could \
                         connect"
                            .into()
                    },
                });
            }
            match hello {
                Ok(Reply::Hello { layers: theirs }) => layers.extend(theirs),
                Ok(other) => {
                    self.running = Some(running);
                    self.kill();
                    return Err(std::io::Error::other(format!("probe greeted with {other:?}")));
                }
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

    /// The executable this probe runs.
    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// Runs one call of `exercise` on `input` within `timeout`.
    pub fn call(&mut self, exercise: &str, input: &Value, timeout: Duration) -> CallResult {
        self.call_bounded(exercise, input, timeout, grader_protocol::MAX_FRAME)
    }

    /// [`Probe::call`], refusing a reply longer than `max_reply` bytes unread (the grader sizes
    /// it from the expected output): a huge output, or a huge error text, costs the case, not
    /// the grader's memory.
    pub fn call_bounded(&mut self, exercise: &str, input: &Value, timeout: Duration, max_reply: usize) -> CallResult {
        if self.listen {
            self.last = Some((exercise.to_string(), input.clone(), timeout, max_reply));
        }
        // A probe that cannot start has run nothing of the student's: retried, and then the
        // grader's error, never a crash of theirs.
        let mut waits = [200u64, 1000, 3000].into_iter();
        loop {
            match self.spawn() {
                Ok(_) => break,
                Err(e) => match waits.next() {
                    Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
                    None => return CallResult::NotStarted(format!("could not start the probe: {e}")),
                },
            }
        }
        match self.call_inner(exercise, input, timeout, max_reply) {
            Ok(r) => {
                // Between its calls the process is stopped, every thread of it: nothing of it
                // runs while the other probe is called and timed.
                if let Some(r) = self.running.as_mut() {
                    freeze(r);
                }
                r
            }
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
            Err(Lost::TooLarge(t)) => {
                self.kill();
                CallResult::Died {
                    status: CaseStatus::Wrong,
                    message: format!(
                        "the answer is {} bytes, more than the {} bytes the expected output justifies: far too large \
                         (it was not read)",
                        t.len, t.max
                    ),
                }
            }
            Err(Lost::Gone(why)) => self.post_mortem(why),
        }
    }

    fn call_inner(
        &mut self,
        exercise: &str,
        input: &Value,
        timeout: Duration,
        max_reply: usize,
    ) -> Result<CallResult, Lost> {
        let r = self.running.as_mut().ok_or_else(|| Lost::Gone("the probe is not running".into()))?;
        thaw(r);
        r.reply_limit.store(grader_protocol::MAX_FRAME, Ordering::SeqCst);
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
        r.reply_limit.store(max_reply, Ordering::SeqCst);
        send(r, &Request::Fetch)?;
        match recv(r, timeout)? {
            Reply::Output(Outcome::Returned(value)) => Ok(CallResult::Returned { value, elapsed }),
            Reply::Output(Outcome::Panicked { message, location }) => Ok(CallResult::Panicked {
                message: grader_report::text::message(&message),
                location: location.map(|l| grader_report::text::clean(&l, 512)),
            }),
            other => Err(Lost::Gone(format!("unexpected reply {other:?}"))),
        }
    }

    /// Where the running service listens (a [`Probe::listen`] probe that has started).
    pub fn endpoint(&self) -> Option<crate::loopback::Endpoint> {
        self.running.as_ref().and_then(|r| r.endpoint.clone())
    }

    /// The running service's dependency, played by the grader.
    pub fn dependency(&self) -> Option<&crate::dependency::Dependency> {
        self.running.as_ref().and_then(|r| r.dependency.as_ref())
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(|r| r.child.id())
    }

    /// Stops every thread of the running process (while the other service is measured).
    pub fn pause(&mut self) {
        if let Some(r) = self.running.as_mut() {
            freeze(r);
        }
    }

    /// Lets the running process go on.
    pub fn resume(&mut self) {
        if let Some(r) = self.running.as_mut() {
            thaw(r);
        }
    }

    /// `None` while the process runs; once it has ended by itself, why (its post-mortem), and the
    /// process is forgotten.
    pub fn ended(&mut self) -> Option<String> {
        let r = self.running.as_mut()?;
        match r.child.try_wait() {
            Ok(None) => None,
            _ => Some(match self.post_mortem("the process ended".into()) {
                CallResult::Died { message, .. } => message,
                _ => "the process ended".into(),
            }),
        }
    }

    /// Sends SIGTERM to the process (not its group: the glue handles it) and waits up to `within`
    /// for it to exit: `Some((after, exit code))` if it did (the code is `None` for a signal),
    /// `None` if it was still running, and then it is killed. The process is gone either way.
    pub fn terminate(&mut self, within: Duration) -> Option<(Duration, Option<i32>)> {
        let r = self.running.as_mut()?;
        thaw(r);
        let pid = r.child.id() as libc::pid_t;
        let start = Instant::now();
        // SAFETY: signalling the process we started.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = start + within;
        let ended = loop {
            match r.child.try_wait() {
                Ok(Some(status)) => break Some((start.elapsed(), status.code())),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                _ => break None,
            }
        };
        self.kill();
        ended
    }

    /// The process's resident memory and its peak, in KiB (`/proc/<pid>/status`).
    pub fn memory(&self) -> Option<(u64, u64)> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| -> Option<u64> {
            text.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.split_whitespace().next()?.parse().ok())
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
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
        let tail: String = grader_report::text::message(&last_lines(&stderr, 6));
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
    TooLarge(grader_protocol::FrameTooLarge),
    Gone(String),
}

fn send(r: &mut Running, req: &Request) -> Result<(), Lost> {
    write_frame(&mut r.stdin, req).map_err(|e| Lost::Gone(format!("the probe stopped reading: {e}")))
}

fn recv(r: &mut Running, timeout: Duration) -> Result<Reply, Lost> {
    match r.replies.recv_timeout(timeout) {
        Ok(Ok(Some(reply))) => Ok(reply),
        Ok(Ok(None)) | Err(RecvTimeoutError::Disconnected) => Err(Lost::Gone("the probe closed its channel".into())),
        Ok(Err(e)) => match e.get_ref().and_then(|i| i.downcast_ref::<grader_protocol::FrameTooLarge>()) {
            Some(t) => Err(Lost::TooLarge(grader_protocol::FrameTooLarge { len: t.len, max: t.max })),
            None => Err(Lost::Gone(format!("garbled reply: {e}"))),
        },
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

/// Stops every thread of the probe (SIGSTOP to its process group) and waits until the kernel
/// reports them stopped, so that nothing of it runs while the other probe is called and timed.
fn freeze(r: &mut Running) {
    if r.frozen {
        return;
    }
    let pid = r.child.id() as libc::pid_t;
    // SAFETY: signalling the process group we created.
    unsafe {
        libc::killpg(pid, libc::SIGSTOP);
    }
    r.frozen = true;
    // The kernel reports the group stop to the parent once every thread has stopped: asked
    // without consuming anything (WNOWAIT), so the exit status stays for `Child::wait`. A
    // process that exits instead is reported too. Bounded, in case a thread sleeps
    // uninterruptibly; then `/proc` says whether it stopped.
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut spins = 0u32;
    loop {
        // SAFETY: waitid writes into the zeroed siginfo we own.
        let reported = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WSTOPPED | libc::WEXITED | libc::WNOWAIT | libc::WNOHANG,
            ) == 0
                && info.si_pid() != 0
        };
        if reported || Instant::now() >= deadline {
            break;
        }
        spins += 1;
        if spins < 200 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    if Instant::now() >= deadline {
        while !all_stopped(pid) && Instant::now() < deadline + Duration::from_millis(500) {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

/// Lets a frozen probe run again.
fn thaw(r: &mut Running) {
    if r.frozen {
        // SAFETY: signalling the process group we created.
        unsafe {
            libc::killpg(r.child.id() as libc::pid_t, libc::SIGCONT);
        }
        r.frozen = false;
    }
}

/// Whether every thread of `pid` is stopped (or gone).
fn all_stopped(pid: libc::pid_t) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return true };
    tasks.flatten().all(|t| {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // The state follows the command name, which is in parentheses and may contain anything.
        match stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next()) {
            Some(state) => matches!(state, "T" | "t" | "Z" | "X"),
            None => true,
        }
    })
}

/// The directory of one probe process (its copy of the executable and its scratch directory),
/// removed when dropped, at any depth; a failure to remove it is reported, never ignored.
struct ProbeDir(PathBuf);

impl Drop for ProbeDir {
    fn drop(&mut self) {
        if let Err(e) = remove_tree(&self.0) {
            eprintln!("grader: could not remove the probe's directory {}: {e}", self.0.display());
        }
    }
}

/// Removes `path` and everything under it with a constant number of open files, however deep the
/// tree (a chain of directories deeper than the open-file limit defeats a recursive removal that
/// keeps one descriptor per level) and whatever the permissions inside. Symbolic links are
/// removed, never followed.
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    use std::ffi::CStr;
    use std::io::Error;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return std::fs::remove_file(path);
    }
    let root = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(Error::other)?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: plain system calls on descriptors this function owns and closes; `readdir`'s
    // entries are read before the next call on the same stream.
    unsafe {
        let mut fd = libc::open(root.as_ptr(), flags);
        if fd < 0 {
            return Err(Error::last_os_error());
        }
        libc::fchmod(fd, 0o700);
        let mut depth = 0usize;
        loop {
            let dup = libc::dup(fd);
            let dir = if dup < 0 { std::ptr::null_mut() } else { libc::fdopendir(dup) };
            if dir.is_null() {
                let e = Error::last_os_error();
                libc::close(fd);
                return Err(e);
            }
            libc::rewinddir(dir);
            let mut descend: Option<std::ffi::CString> = None;
            let mut failure: Option<Error> = None;
            loop {
                let ent = libc::readdir(dir);
                if ent.is_null() {
                    break;
                }
                let name = CStr::from_ptr((*ent).d_name.as_ptr());
                if name.to_bytes() == b"." || name.to_bytes() == b".." {
                    continue;
                }
                if libc::unlinkat(fd, name.as_ptr(), 0) == 0 {
                    continue;
                }
                let errno = Error::last_os_error().raw_os_error();
                if errno == Some(libc::ENOENT) {
                    continue;
                }
                if errno == Some(libc::EISDIR) || errno == Some(libc::EPERM) {
                    if libc::unlinkat(fd, name.as_ptr(), libc::AT_REMOVEDIR) == 0 {
                        continue;
                    }
                    let e = Error::last_os_error();
                    if matches!(e.raw_os_error(), Some(libc::ENOTEMPTY) | Some(libc::EEXIST) | Some(libc::EACCES)) {
                        descend = Some(name.to_owned());
                        break;
                    }
                    failure = Some(e);
                } else {
                    failure = Some(Error::from_raw_os_error(errno.unwrap_or(libc::EIO)));
                }
                break;
            }
            libc::closedir(dir);
            if let Some(e) = failure {
                libc::close(fd);
                return Err(e);
            }
            match descend {
                Some(name) => {
                    let child = libc::openat(fd, name.as_ptr(), flags);
                    if child < 0 {
                        let e = Error::last_os_error();
                        libc::close(fd);
                        return Err(e);
                    }
                    libc::close(fd);
                    libc::fchmod(child, 0o700);
                    fd = child;
                    depth += 1;
                }
                None if depth == 0 => {
                    libc::close(fd);
                    return if libc::rmdir(root.as_ptr()) == 0 { Ok(()) } else { Err(Error::last_os_error()) };
                }
                None => {
                    // Empty now: back to the parent, which removes it on its next pass.
                    let parent = libc::openat(fd, c"..".as_ptr(), flags);
                    libc::close(fd);
                    if parent < 0 {
                        return Err(Error::last_os_error());
                    }
                    fd = parent;
                    depth -= 1;
                }
            }
        }
    }
}

/// `n` in decimal, written into `buf` without allocating (between fork and exec).
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_tree_removes_a_chain_deeper_than_the_open_file_limit() {
        let top = tempfile::tempdir().unwrap();
        let root = top.path().join("scratch");
        std::fs::create_dir(&root).unwrap();
        // 3000 levels, deeper than PATH_MAX allows by path and than a 1024-descriptor limit
        // allows by recursion: built with relative steps.
        let mut fd_dir = std::fs::File::open(&root).unwrap();
        for i in 0..3000 {
            use std::os::fd::AsRawFd;
            let name = std::ffi::CString::new(format!("d{}", i % 7)).unwrap();
            // SAFETY: mkdirat/openat on a descriptor we own.
            let next = unsafe {
                assert_eq!(libc::mkdirat(fd_dir.as_raw_fd(), name.as_ptr(), 0o700), 0);
                let f = libc::openat(fd_dir.as_raw_fd(), name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
                assert!(f >= 0);
                let file = libc::openat(f, c"x".as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o600);
                libc::close(file);
                <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(f)
            };
            fd_dir = next;
        }
        drop(fd_dir);
        // A link pointing outside must be removed, never followed.
        let outside = top.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), b"1").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        remove_tree(&root).unwrap();
        assert!(!root.exists());
        assert!(outside.join("keep").exists());
        remove_tree(&root).unwrap();
    }

    #[test]
    fn a_probe_that_cannot_start_is_the_graders_error_after_retries() {
        let mut p = Probe::new(Path::new("/nonexistent/probe"), Limits::default());
        let t = Instant::now();
        match p.call("stage1.linalg.dot", &Value::Unit, Duration::from_secs(1)) {
            CallResult::NotStarted(why) => assert!(why.contains("could not start the probe"), "{why}"),
            other => panic!("expected NotStarted, got {other:?}"),
        }
        // Three retries, 0.2 + 1 + 3 s apart.
        assert!(t.elapsed() >= Duration::from_millis(4200));
        assert_eq!(p.spawned, 0);
    }

    #[test]
    fn decimal_writes_digits() {
        let mut b = [0u8; 10];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(1_800_032_768, &mut b), b"1800032768");
        assert_eq!(decimal(u32::MAX, &mut b), b"4294967295");
    }
}
