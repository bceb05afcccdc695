//! The layers a probe applies to itself before any student code runs: no new privileges,
//! Landlock (file system: read system libraries, write only the scratch directory; no signals to
//! processes outside; no TCP), and a seccomp filter (no new processes, no programs, no sockets,
//! no tracing, no signals to other processes). Each layer says whether it took effect; the grader
//! puts that in the report instead of assuming.

use grader_protocol::Layer;
use std::path::Path;

fn layer(name: &str, enforced: bool, detail: impl Into<String>) -> Layer {
    Layer { name: name.to_string(), enforced, detail: detail.into() }
}

/// Confines the current process; `scratch` is the only writable directory.
pub fn confine(scratch: &Path) -> Vec<Layer> {
    let mut layers = Vec::new();
    layers.push(network_isolation());
    layers.push(scratch_quota(scratch));
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with constant arguments.
        let nnp = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } == 0;
        layers.push(layer("no-new-privileges", nnp, "setuid binaries cannot raise privileges"));
        layers.push(landlock_layer(scratch));
        layers.push(seccomp_layer());
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = scratch;
        layers.push(layer("landlock", false, "not Linux"));
        layers.push(layer("seccomp", false, "not Linux"));
    }
    layers
}

/// Whether the scratch directory is a private, size-limited file system of this process's own
/// (the grader mounts a tmpfs there in the probe's mount namespace, where it may): then its bytes
/// and inodes are capped, and it vanishes with the process however deep a tree was dug in it.
fn scratch_quota(scratch: &Path) -> Layer {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(path) = std::ffi::CString::new(scratch.as_os_str().as_bytes()) else {
            return layer("scratch-quota", false, "the scratch path is not a C string");
        };
        // SAFETY: statfs writes into the zeroed struct we own; `path` is a valid C string.
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statfs(path.as_ptr(), &mut st) } != 0 {
            return layer("scratch-quota", false, "cannot tell: statfs failed");
        }
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        if st.f_type as i64 == TMPFS_MAGIC {
            let mib = (st.f_blocks as u64).saturating_mul(st.f_bsize as u64) >> 20;
            return layer(
                "scratch-quota",
                true,
                format!(
                    "scratch is a private file system of {mib} MiB and {} inodes, gone with the process",
                    st.f_files
                ),
            );
        }
        layer("scratch-quota", false, "scratch is a plain directory: its size and inodes are not capped")
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = scratch;
        layer("scratch-quota", false, "not Linux")
    }
}

/// Whether this process sees any network interface besides loopback (the grader starts it in a
/// fresh network namespace where it can).
fn network_isolation() -> Layer {
    match std::fs::read_to_string("/proc/net/dev") {
        Ok(text) => {
            let others: Vec<&str> = text
                .lines()
                .skip(2)
                .filter_map(|l| l.split(':').next().map(str::trim))
                .filter(|n| *n != "lo")
                .collect();
            if others.is_empty() {
                layer("network-namespace", true, "a private network namespace: no interfaces but a down loopback")
            } else {
                layer("network-namespace", false, format!("shares the host's network ({})", others.join(", ")))
            }
        }
        Err(e) => layer("network-namespace", false, format!("cannot tell: {e}")),
    }
}

#[cfg(target_os = "linux")]
fn landlock_layer(scratch: &Path) -> Layer {
    use landlock::{
        path_beneath_rules, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
        Scope, ABI,
    };
    let abi = ABI::V6;
    let result = (|| -> Result<RulesetStatus, landlock::RulesetError> {
        let status = Ruleset::default()
            .handle_access(AccessFs::from_all(abi))?
            .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?
            .scope(Scope::Signal | Scope::AbstractUnixSocket)?
            .create()?
            .add_rules(path_beneath_rules(
                ["/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/dev/null", "/dev/zero", "/dev/urandom"],
                AccessFs::from_read(abi),
            ))?
            .add_rules(path_beneath_rules([scratch], AccessFs::from_all(abi)))?
            .restrict_self()?;
        Ok(status.ruleset)
    })();
    match result {
        Ok(RulesetStatus::FullyEnforced) => layer(
            "landlock",
            true,
            "files: read-only system libraries, read-write scratch directory, nothing else; no TCP; no signals outside",
        ),
        Ok(RulesetStatus::PartiallyEnforced) => {
            layer("landlock", false, "only partly enforced: this kernel's Landlock is older than ABI 6")
        }
        Ok(RulesetStatus::NotEnforced) => {
            layer("landlock", false, "not enforced: Landlock is not enabled in this kernel")
        }
        Err(e) => layer("landlock", false, format!("failed: {e}")),
    }
}

#[cfg(target_os = "linux")]
fn seccomp_layer() -> Layer {
    use seccompiler::{
        apply_filter, BpfProgram, SeccompAction, SeccompCmpArgLen as Len, SeccompCmpOp as Op, SeccompCondition as Cond,
        SeccompFilter, SeccompRule, TargetArch,
    };
    use std::collections::BTreeMap;
    let arch = match std::env::consts::ARCH {
        "x86_64" => TargetArch::x86_64,
        "aarch64" => TargetArch::aarch64,
        "riscv64" => TargetArch::riscv64,
        other => return layer("seccomp", false, format!("no filter for architecture {other}")),
    };
    let pid = std::process::id() as u64;
    let result = (|| -> Result<(), seccompiler::Error> {
        let mut deny: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
        // Unconditionally refused.
        for nr in [
            libc::SYS_fork,
            libc::SYS_vfork,
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_socket,
            libc::SYS_socketpair,
            libc::SYS_ptrace,
            libc::SYS_process_vm_readv,
            libc::SYS_process_vm_writev,
            libc::SYS_pidfd_open,
            libc::SYS_pidfd_send_signal,
            libc::SYS_pidfd_getfd,
            libc::SYS_tkill,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_mount,
            libc::SYS_umount2,
            libc::SYS_chroot,
            libc::SYS_pivot_root,
            libc::SYS_bpf,
            libc::SYS_perf_event_open,
            libc::SYS_userfaultfd,
            libc::SYS_keyctl,
            libc::SYS_add_key,
            libc::SYS_request_key,
            libc::SYS_init_module,
            libc::SYS_finit_module,
            libc::SYS_delete_module,
            libc::SYS_kexec_load,
            libc::SYS_reboot,
            libc::SYS_setuid,
            libc::SYS_setgid,
            libc::SYS_setreuid,
            libc::SYS_setresuid,
        ] {
            deny.insert(nr, vec![]);
        }
        // New processes: `clone` only for threads (CLONE_THREAD set).
        deny.insert(
            libc::SYS_clone,
            vec![SeccompRule::new(vec![Cond::new(0, Len::Qword, Op::MaskedEq(libc::CLONE_THREAD as u64), 0)?])?],
        );
        // Signals only to this process (abort() sends itself SIGABRT with tgkill).
        deny.insert(libc::SYS_kill, vec![SeccompRule::new(vec![Cond::new(0, Len::Dword, Op::Ne, pid)?])?]);
        deny.insert(libc::SYS_tgkill, vec![SeccompRule::new(vec![Cond::new(0, Len::Dword, Op::Ne, pid)?])?]);
        let deny: BpfProgram =
            SeccompFilter::new(deny, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)?
                .try_into()?;
        // clone3 cannot be filtered on its flags (they live in memory): it answers ENOSYS, and the
        // C library falls back to `clone` for threads, which the filter above inspects.
        let mut nosys: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
        nosys.insert(libc::SYS_clone3, vec![]);
        let nosys: BpfProgram =
            SeccompFilter::new(nosys, SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch)?
                .try_into()?;
        apply_filter(&deny)?;
        apply_filter(&nosys)?;
        Ok(())
    })();
    match result {
        Ok(()) => layer(
            "seccomp",
            true,
            "no new processes or programs, no sockets, no tracing, no signals to other processes",
        ),
        Err(e) => layer("seccomp", false, format!("failed: {e}")),
    }
}
