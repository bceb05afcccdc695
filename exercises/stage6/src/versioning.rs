//! Data versioning: a data set described by a content-addressed manifest, and what changed
//! between two versions.
//!
//! What DVC keeps in git instead of the data: each file's path, size and SHA-256 digest, and a
//! digest of the whole manifest that names this exact version of the data. Training runs record
//! that digest; two runs with the same manifest digest saw the same bytes.

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
    todo!()
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
    todo!()
}
