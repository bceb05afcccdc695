//! Where a submission comes from: a directory, an archive, or a git URL.

/// A git URL, not a path: cloned over the network from a repository the student can still push
/// to, so what is graded is what the clone received, when it received it.
pub fn is_url(s: &str) -> bool {
    ["http://", "https://", "ssh://", "git://", "file://"].iter().any(|p| s.starts_with(p))
        || (s.contains('@') && s.contains(':') && !s.contains('/'))
        || s.starts_with("git@")
}
