//! Data versioning: a data set described by a content-addressed manifest, and what changed
//! between two versions.
//!
//! What DVC keeps in git instead of the data: each file's path, size and SHA-256 digest, and a
//! digest of the whole manifest that names this exact version of the data. Training runs record
//! that digest; two runs with the same manifest digest saw the same bytes.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// A path is empty, absolute, has an empty, `.` or `..` component, or a backslash.
    InvalidPath(String),
    /// Two files have the same path.
    Duplicate(String),
}

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    /// SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub digest: String,
    pub bytes: u64,
}

/// A version of a data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Sorted by path (byte order).
    pub entries: Vec<Entry>,
    /// SHA-256 of the manifest's canonical text (see [`manifest`]), hex.
    pub digest: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn valid(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// The manifest of `files` (`(relative path, contents)`, in any order).
///
/// - Entries sorted by path (byte order of the UTF-8 text), each with the SHA-256 of its
///   contents and its size.
/// - The manifest's digest is the SHA-256 of its canonical text: one line per entry, in order,
///   `"{digest} {bytes} {path}\n"` (single spaces). The same files give the same digest whatever
///   their order; one changed byte anywhere gives another.
///
/// # Errors
/// `InvalidPath` for the first invalid path in path order (paths are relative, `/`-separated,
/// with no empty, `.` or `..` component and no backslash); then `Duplicate` for the first path
/// given twice.
pub fn manifest(files: &[(String, Vec<u8>)]) -> Result<Manifest, VersionError> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(bad) = sorted.iter().find(|f| !valid(&f.0)) {
        return Err(VersionError::InvalidPath(bad.0.clone()));
    }
    if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(VersionError::Duplicate(w[0].0.clone()));
    }
    let entries: Vec<Entry> = sorted
        .iter()
        .map(|(path, data)| Entry { path: path.clone(), digest: hex(&Sha256::digest(data)), bytes: data.len() as u64 })
        .collect();
    let text: String = entries.iter().map(|e| format!("{} {} {}\n", e.digest, e.bytes, e.path)).collect();
    Ok(Manifest { digest: hex(&Sha256::digest(text.as_bytes())), entries })
}

/// What changed from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// Paths only in `new` (renames excluded), sorted.
    pub added: Vec<String>,
    /// Paths only in `old` (renames excluded), sorted.
    pub removed: Vec<String>,
    /// Paths in both whose digest changed, sorted.
    pub changed: Vec<String>,
    /// `(old path, new path)`: a removed file whose exact contents reappear under an added path.
    pub renamed: Vec<(String, String)>,
}

/// The difference between two manifests.
///
/// First the paths only in `old` (removed) and only in `new` (added), and the paths in both
/// with another digest (changed). Then renames: for each removed path in order, the first added
/// path (in order) with the same digest that is not yet paired; a pair leaves both lists. Every
/// list is sorted (renames by old path).
pub fn diff(old: &Manifest, new: &Manifest) -> Diff {
    fn find<'a>(m: &'a Manifest, p: &str) -> Option<&'a Entry> {
        m.entries.binary_search_by(|e| e.path.as_str().cmp(p)).ok().map(|i| &m.entries[i])
    }
    let mut d = Diff::default();
    let mut removed: Vec<&Entry> = Vec::new();
    for e in &old.entries {
        match find(new, &e.path) {
            None => removed.push(e),
            Some(n) if n.digest != e.digest => d.changed.push(e.path.clone()),
            Some(_) => {}
        }
    }
    let mut added: Vec<Option<&Entry>> =
        new.entries.iter().filter(|e| find(old, &e.path).is_none()).map(Some).collect();
    for r in removed {
        match added.iter_mut().find(|a| a.is_some_and(|a| a.digest == r.digest)) {
            Some(slot) => {
                let a = slot.take().expect("found");
                d.renamed.push((r.path.clone(), a.path.clone()));
            }
            None => d.removed.push(r.path.clone()),
        }
    }
    d.added = added.into_iter().flatten().map(|e| e.path.clone()).collect();
    d
}
