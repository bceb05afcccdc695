//! Caching predictions: an LRU cache whose entries also expire, replayed on a request trace.
//!
//! A prediction service sees the same inputs again and again (the same product page, the same
//! user's feature vector): a cache in front of the model answers those without running it. Two
//! rules bound what it holds: a **capacity** (the least recently used entry is evicted to make
//! room) and a **time to live** (an entry older than the TTL is stale: the model may have been
//! retrained, the features updated).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheError {
    /// `capacity` is 0.
    ZeroCapacity,
    /// The trace's times decrease somewhere.
    Unordered,
}

/// One request of a trace: its time and the key of what it asks (an input's digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub at_ms: u64,
    pub key: String,
}

/// What a replay saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Per request, in order: answered from the cache?
    pub hit: Vec<bool>,
    pub hits: u64,
    pub misses: u64,
    /// Entries removed to make room (whether or not they had expired).
    pub evictions: u64,
    /// Entries found stale by a request for them (and removed).
    pub expirations: u64,
    /// Entries held after the last request (stale ones included: nothing removes them until a
    /// request finds them or they are evicted).
    pub held: usize,
}

/// Replays `trace` through an LRU cache of `capacity` entries with a time to live of `ttl_ms`.
///
/// For each request, in order:
///
/// 1. The key is cached and fresh (`at_ms < stored_at + ttl_ms`): a **hit**. The entry becomes
///    the most recently used; its `stored_at` does not change (a hit does not extend its life).
/// 2. The key is cached but stale (`at_ms >= stored_at + ttl_ms`): one **expiration**; the entry
///    is removed, and the request goes on as a miss.
/// 3. A **miss**: the model computes the answer, and it is stored with `stored_at = at_ms` as the
///    most recently used entry. If the cache then holds more than `capacity` entries, the least
///    recently used one is **evicted**.
///
/// "Used" means stored or hit. With `ttl_ms = 0` nothing is ever fresh; `stored_at + ttl_ms`
/// saturates (a TTL of `u64::MAX` never expires).
///
/// # Errors
/// `ZeroCapacity` when `capacity` is 0; `Unordered` when a request's time is below the previous
/// one's (equal times are fine).
pub fn replay(trace: &[Request], capacity: usize, ttl_ms: u64) -> Result<CacheStats, CacheError> {
    todo!()
}
