//! Glue for `stage6::cache`: a trace travels as its times and its keys; the replay comes back
//! as its hit flags (1 or 0 per request) and its counts.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::cache::{self, Request};

probe_runtime::glue! { Stage6;
    "stage6.cache.replay" => |times: Vec<u64>, keys: &Value, capacity: usize, ttl_ms: u64| {
        let trace: Vec<Request> = times
            .into_iter()
            .zip(keys.list())
            .map(|(at_ms, k)| Request { at_ms, key: k.text().to_string() })
            .collect();
        cache::replay(&trace, capacity, ttl_ms).map(|s| {
            let hit: Vec<i64> = s.hit.iter().map(|&h| i64::from(h)).collect();
            (hit, s.hits, s.misses, s.evictions, s.expirations, s.held)
        })
    } => (hit, hits, misses, evictions, expirations, held);
}
