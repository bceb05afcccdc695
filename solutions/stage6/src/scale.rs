//! Inference across replicas: which replica serves which key (a consistent-hash ring), and how
//! a load balancer's policy shapes the latency of a burst.
//!
//! - [`ring_route`]: keys (a user, a model shard, a cached feature) go to replicas on a ring of
//!   hashed points, so that adding or removing a replica moves only the keys next to its points,
//!   not almost all of them as `hash % replicas` would.
//! - [`balance`]: a stream of requests with known service times, each replica serving one at a
//!   time in arrival order, under round robin or "least outstanding requests".

use crate::abtest::hash64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleError {
    /// No replicas, no virtual nodes, or two replicas with one name.
    InvalidReplicas,
    /// Arrival times decrease somewhere.
    Unordered,
}

/// The replica (an index into `replicas`) of each key, on a consistent-hash ring.
///
/// - Each replica `r` places `vnodes` points on the ring: `hash64(format!("{r}#{v}"))` for
///   `v = 0..vnodes` ([`crate::abtest::hash64`]). More points per replica spread the keys more
///   evenly.
/// - Points are ordered by hash; equal hashes (never seen in practice) by replica index.
/// - A key goes to the replica of the first point whose hash is at least `hash64(key)`, and to
///   the first point of the ring when there is none (the ring wraps around).
///
/// # Errors
/// `InvalidReplicas` when `replicas` is empty, `vnodes` is 0, or a name appears twice.
pub fn ring_route(replicas: &[String], vnodes: usize, keys: &[String]) -> Result<Vec<usize>, ScaleError> {
    if replicas.is_empty() || vnodes == 0 {
        return Err(ScaleError::InvalidReplicas);
    }
    let mut names: Vec<&String> = replicas.iter().collect();
    names.sort();
    names.dedup();
    if names.len() != replicas.len() {
        return Err(ScaleError::InvalidReplicas);
    }
    let mut ring: Vec<(u64, usize)> = replicas
        .iter()
        .enumerate()
        .flat_map(|(i, r)| (0..vnodes).map(move |v| (hash64(&format!("{r}#{v}")), i)))
        .collect();
    ring.sort_unstable();
    Ok(keys
        .iter()
        .map(|k| {
            let h = hash64(k);
            let at = ring.partition_point(|p| p.0 < h);
            ring[if at == ring.len() { 0 } else { at }].1
        })
        .collect())
}

/// How a load balancer picks a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Request `i` (0-based, in arrival order) to replica `i % replicas`.
    RoundRobin,
    /// To the replica with the fewest requests outstanding (assigned, not yet finished) at the
    /// request's arrival; ties to the lowest index.
    LeastOutstanding,
}

/// One request: when it arrives and how long the model takes to serve it (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    pub arrive_ms: u64,
    pub service_ms: u64,
}

/// Where each request went and when it finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balanced {
    pub replica: Vec<usize>,
    pub finish_ms: Vec<u64>,
}

/// Replays `jobs` (in arrival order) through a load balancer with `replicas` replicas.
///
/// Each replica serves one request at a time, in the order they were assigned to it: a request
/// starts at `max(its arrival, the replica's previous request's finish)` and finishes
/// `service_ms` later. A request is *outstanding* on its replica from its arrival until its
/// finish: at a time `t`, the ones with `finish > t` (a request finishing exactly at `t` no longer
/// counts).
///
/// # Errors
/// `InvalidReplicas` when `replicas` is 0; `Unordered` when arrivals decrease (equal arrivals
/// are served in the given order).
pub fn balance(jobs: &[Job], replicas: usize, policy: Policy) -> Result<Balanced, ScaleError> {
    if replicas == 0 {
        return Err(ScaleError::InvalidReplicas);
    }
    if jobs.windows(2).any(|w| w[1].arrive_ms < w[0].arrive_ms) {
        return Err(ScaleError::Unordered);
    }
    // Per replica: the finish times of its requests, in order (non-decreasing).
    let mut finishes: Vec<Vec<u64>> = vec![Vec::new(); replicas];
    let mut out = Balanced { replica: Vec::with_capacity(jobs.len()), finish_ms: Vec::with_capacity(jobs.len()) };
    for (i, j) in jobs.iter().enumerate() {
        let r = match policy {
            Policy::RoundRobin => i % replicas,
            Policy::LeastOutstanding => (0..replicas)
                .min_by_key(|&r| {
                    let f = &finishes[r];
                    f.len() - f.partition_point(|&t| t <= j.arrive_ms)
                })
                .expect("replicas > 0"),
        };
        let start = finishes[r].last().map_or(j.arrive_ms, |&f| f.max(j.arrive_ms));
        let finish = start + j.service_ms;
        finishes[r].push(finish);
        out.replica.push(r);
        out.finish_ms.push(finish);
    }
    Ok(out)
}
