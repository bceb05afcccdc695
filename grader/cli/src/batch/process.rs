//! Process trees: a worker's descendants found in /proc and killed, and a worker's watch on the
//! batch that started it.

use std::time::Duration;

/// Processes below `pid` (children first found, then theirs), with their process groups.
fn descendants(pid: i32) -> Vec<(i32, i32)> {
    let mut parent_of: Vec<(i32, i32, i32)> = Vec::new(); // (pid, ppid, pgid)
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if let (Some(ppid), Some(pgid)) = (f.get(1).and_then(|x| x.parse().ok()), f.get(2).and_then(|x| x.parse().ok()))
        {
            parent_of.push((p, ppid, pgid));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(q) = frontier.pop() {
        for &(p, pp, pg) in &parent_of {
            if pp == q && !out.iter().any(|&(x, _)| x == p) {
                out.push((p, pg));
                frontier.push(p);
            }
        }
    }
    out
}

/// Stops `pid` and everything below it.
pub(super) fn kill_tree(pid: i32) {
    // SAFETY: signals to processes this batch started (the worker and its descendants).
    unsafe {
        // Frozen first, so that it starts nothing new while its tree is read.
        libc::kill(pid, libc::SIGSTOP);
        for (p, pgid) in descendants(pid) {
            if pgid == p {
                libc::killpg(p, libc::SIGKILL);
            }
            libc::kill(p, libc::SIGKILL);
        }
        libc::kill(pid, libc::SIGKILL);
    }
}

/// The batch's pid, handed to its workers.
pub(super) const BATCH_PID_ENV: &str = "GRADER_BATCH_PID";

static TERMINATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    TERMINATE.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// In a worker: when the batch goes (its death signal is SIGTERM) or is already gone, stop
/// every process this worker started (a probe stuck in a loop would otherwise spin on until
/// its CPU limit), then exit.
pub(super) fn watch_for_the_end() {
    // The batch that started this worker; when it is already gone, `parent_id()` is no longer
    // its pid, and the worker stops at once rather than grade for nobody.
    let parent = std::env::var(BATCH_PID_ENV)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(std::os::unix::process::parent_id);
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, on_term as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(20));
        let orphaned = std::os::unix::process::parent_id() != parent;
        if TERMINATE.load(std::sync::atomic::Ordering::SeqCst) || orphaned {
            let me = std::process::id() as i32;
            // SAFETY: signals to this process's own descendants, then its own exit.
            unsafe {
                for (p, pgid) in descendants(me) {
                    if pgid == p {
                        libc::killpg(p, libc::SIGKILL);
                    }
                    libc::kill(p, libc::SIGKILL);
                }
                libc::_exit(1);
            }
        }
    });
}
