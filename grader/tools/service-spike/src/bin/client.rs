//! Prototype of the grader's side: a loopback listener handed to the service as fd 3, a load
//! client (ureq, hdrhistogram) at fixed concurrency, then SIGTERM with a slow request in flight.
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

fn main() {
    let svc = std::env::args().nth(1).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fd = listener.as_raw_fd();
    let mut cmd = std::process::Command::new(&svc);
    cmd.arg("/tmp");
    unsafe {
        cmd.pre_exec(move || {
            if fd == 3 {
                let fl = libc::fcntl(3, libc::F_GETFD);
                libc::fcntl(3, libc::F_SETFD, fl & !libc::FD_CLOEXEC);
            } else if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let t0 = Instant::now();
    let mut child = cmd.spawn().unwrap();
    drop(listener);
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(5))).build().into();
    let url = format!("http://{addr}");
    // Readiness (the listener exists before the service: connections queue in the backlog).
    let r = agent.get(&format!("{url}/health")).call().unwrap();
    eprintln!("health {} after {:?}", r.status(), t0.elapsed());
    let n = 2000;
    let conc = 8;
    let start = Instant::now();
    let hists: Vec<hdrhistogram::Histogram<u64>> = std::thread::scope(|s| {
        (0..conc)
            .map(|_| {
                let agent = agent.clone();
                let url = url.clone();
                s.spawn(move || {
                    let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
                    for i in 0..n / conc {
                        let t = Instant::now();
                        let body = serde_json::json!({"x": [i as f64, 1.0]});
                        let mut r = agent.post(&format!("{url}/predict")).send_json(&body).unwrap();
                        let _v: serde_json::Value = r.body_mut().read_json().unwrap();
                        h.record(t.elapsed().as_micros() as u64).unwrap();
                    }
                    h
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|j| j.join().unwrap())
            .collect()
    });
    let mut all = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for h in &hists {
        all.add(h).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} requests, concurrency {conc}: {:.0} req/s, p50 {} us, p99 {} us",
        n as f64 / secs,
        all.value_at_quantile(0.5),
        all.value_at_quantile(0.99)
    );
    // SIGTERM with a slow request in flight.
    let slow = {
        let agent = agent.clone();
        let url = url.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = agent.post(&format!("{url}/predict")).send_json(serde_json::json!({"x": [-1.0]}));
            (r.map(|r| r.status().as_u16()), t.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let t = Instant::now();
    let after = agent.get(&format!("{url}/health")).call();
    eprintln!("a new request after SIGTERM: {:?}", after.map(|r| r.status().as_u16()).map_err(|e| e.to_string()));
    let status = child.wait().unwrap();
    eprintln!("exit {status:?} {:?} after SIGTERM; slow request: {:?}", t.elapsed(), slow.join().unwrap());
}
