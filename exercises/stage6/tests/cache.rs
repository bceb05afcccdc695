//! Public tests for `stage6::cache`: `cargo test -p stage6 --test cache`.

use stage6::cache::{self, CacheError, Request};

fn trace(items: &[(u64, &str)]) -> Vec<Request> {
    items.iter().map(|&(at_ms, k)| Request { at_ms, key: k.to_string() }).collect()
}

#[test]
fn the_least_recently_used_entry_goes_first() {
    let s = cache::replay(&trace(&[(0, "a"), (1, "b"), (2, "a"), (3, "c"), (4, "b")]), 2, 1000).unwrap();
    // "a" was used at 2, so "b" is evicted when "c" comes; "b" then misses.
    assert_eq!(s.hit, [false, false, true, false, false]);
    assert_eq!((s.hits, s.misses, s.evictions, s.expirations, s.held), (1, 4, 2, 0, 2));
}

#[test]
fn stale_entries_expire_when_asked_for() {
    let s = cache::replay(&trace(&[(0, "a"), (99, "a"), (100, "a")]), 2, 100).unwrap();
    assert_eq!(s.hit, [false, true, false]);
    assert_eq!(s.expirations, 1);
    assert_eq!(cache::replay(&[], 0, 1), Err(CacheError::ZeroCapacity));
}
