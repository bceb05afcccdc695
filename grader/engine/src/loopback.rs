//! Where a service listens: a loopback address nothing outside the grading can reach.
//!
//! As root, the grader opens each service's listener in a network namespace of its own (made by a
//! short-lived thread: `unshare(CLONE_NEWNET)`, loopback up, bind `127.0.0.1:0`), keeps a handle
//! on that namespace, and its client threads enter it ([`Loopback::enter`]) before they connect.
//! No other process of the machine shares that loopback, and the service itself, in a network
//! namespace of its own again and without the right to open sockets, only accepts on the
//! descriptor it was given. Without root, the listener is on the host's loopback, reachable by
//! the machine's other local processes: the report says so.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;

/// A service's listener, before it is handed over.
pub struct Loopback {
    pub listener: TcpListener,
    pub addr: SocketAddr,
    /// The private namespace, when there is one.
    pub netns: Option<std::sync::Arc<File>>,
}

/// Where a running service is reached.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub netns: Option<std::sync::Arc<File>>,
}

impl Endpoint {
    /// Moves the calling thread into the service's namespace (a thread of the client's own:
    /// never the grader's main thread).
    pub fn enter(&self) -> std::io::Result<()> {
        if let Some(ns) = &self.netns {
            // SAFETY: setns with a namespace descriptor we own.
            if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// Whether the namespace is private.
    pub fn private(&self) -> bool {
        self.netns.is_some()
    }
}

impl Loopback {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint { addr: self.addr, netns: self.netns.clone() }
    }
}

/// Opens a listener: in a private namespace where the grader may make one, else on the host's
/// loopback.
pub fn open() -> std::io::Result<Loopback> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        if let Ok(lb) = private() {
            return Ok(lb);
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    Ok(Loopback { listener, addr, netns: None })
}

fn private() -> std::io::Result<Loopback> {
    std::thread::spawn(|| -> std::io::Result<Loopback> {
        // SAFETY: unshare on this thread only (a network namespace is per thread).
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        loopback_up()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let ns = File::open("/proc/thread-self/ns/net")?;
        Ok(Loopback { listener, addr, netns: Some(std::sync::Arc::new(ns)) })
    })
    .join()
    .map_err(|_| std::io::Error::other("the namespace thread panicked"))?
}

/// Brings `lo` up in the calling thread's network namespace.
fn loopback_up() -> std::io::Result<()> {
    // SAFETY: a datagram socket for the interface ioctls, closed below; the ifreq is zeroed and
    // holds a NUL-terminated name.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            ifr.ifr_name[i] = *b as libc::c_char;
        }
        let ok = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr) == 0 && {
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr) == 0
        };
        let err = std::io::Error::last_os_error();
        libc::close(fd);
        if ok {
            Ok(())
        } else {
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_listener_is_reached_from_its_own_namespace_only() {
        let lb = open().unwrap();
        let ep = lb.endpoint();
        let listener = lb.listener;
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"hi").unwrap();
        });
        let e2 = ep.clone();
        let got = std::thread::spawn(move || {
            e2.enter().unwrap();
            let mut s = std::net::TcpStream::connect(e2.addr).unwrap();
            let mut b = String::new();
            s.read_to_string(&mut b).unwrap();
            b
        })
        .join()
        .unwrap();
        assert_eq!(got, "hi");
        server.join().unwrap();
        if ep.private() {
            // From the host's namespace, the same address is someone else's (or no one's).
            let from_host = std::net::TcpStream::connect_timeout(&ep.addr, std::time::Duration::from_millis(300));
            assert!(from_host.is_err(), "the private listener was reached from the host's namespace");
        }
    }
}
