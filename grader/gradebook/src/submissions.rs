//! Finding submissions and turning each into a course checkout the engine can grade.
//!
//! `SUBMISSIONS` is either a folder (each entry one student's submission, named after the
//! student: `alice/`, `bob.tar.gz`, `carol.zip`, `dave.git`, `erin/` holding a `.git`), or a
//! list file (`.txt`, `.csv`, `.tsv`: one `student location [time]` per line, where a location
//! is a path relative to the list or a git URL, and the optional third column is the submission
//! time as a system the student cannot write to recorded it: the upload time the LMS exports,
//! the push time of the Git host; an RFC 3339 date-time like `2026-12-01T23:58:10+01:00`, or the
//! same as `submitted_at=2026-12-01T23:58:10+01:00`).
//!
//! Submission times: the late policy uses the list's time when there is one, else the time the
//! grader first received the submission (see `db.rs`). The commit date of a git repository and
//! the newest modification time of an archive or of the sources are the student's to choose
//! (`GIT_COMMITTER_DATE`, `touch`): they are kept as the *claimed* time, shown, never used.
//!
//! A submission is usable when, somewhere in its first four levels, there is a course checkout
//! (`exercises/<stage>/src/*.rs`) or just the stage crate (`src/lib.rs`, with or without its
//! `Cargo.toml`). Everything else is graded as `empty`, with the reason.

use crate::db::SourceFile;
pub use crate::location::is_url;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// Largest total size unpacked from one archive, and most entries.
const MAX_UNPACKED_BYTES: u64 = 256 << 20;
const MAX_ENTRIES: usize = 20_000;
/// Largest source file kept for the similarity report.
const MAX_SOURCE_BYTES: usize = 512 << 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Dir,
    Git,
    TarGz,
    Zip,
    /// A file that is none of the above (a PDF handed in by mistake).
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dir => "dir",
            Kind::Git => "git",
            Kind::TarGz => "tar.gz",
            Kind::Zip => "zip",
            Kind::Other => "other",
        }
    }
}

/// One student's submission, as found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    pub student: String,
    /// A path, or a git URL.
    pub location: String,
    pub kind: Kind,
    /// When the submission list says it was handed in (Unix seconds): the instructor's word
    /// (an LMS upload time, a Git host's push time), used by the late policy before anything
    /// else. `None` for a folder of submissions, or a list line without a time.
    #[serde(default)]
    pub listed_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, FindError> {
    r.map_err(|source| FindError::Io { path: path.to_path_buf(), source })
}

/// A student id made safe for file names: letters, digits and `._@-`; the rest become `_`.
pub fn student_id(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._@-".contains(c) { c } else { '_' }).collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

fn kind_of_path(p: &Path) -> Kind {
    let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if p.is_dir() {
        let bare = p.join("HEAD").is_file() && p.join("objects").is_dir();
        if p.join(".git").exists() || bare {
            Kind::Git
        } else {
            Kind::Dir
        }
    } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Kind::TarGz
    } else if name.ends_with(".zip") {
        Kind::Zip
    } else {
        Kind::Other
    }
}

fn strip_ext(name: &str) -> &str {
    for ext in [".tar.gz", ".tgz", ".zip", ".git", ".TAR.GZ", ".TGZ", ".ZIP"] {
        if let Some(s) = name.strip_suffix(ext) {
            return s;
        }
    }
    name
}

/// A list line's location and its optional last column, the submission time: an RFC 3339
/// date-time (`2026-12-01T23:58:10Z`, `2026-12-01T23:58:10+01:00`; no zone means UTC) or
/// `submitted_at=` and one. A last column that looks like a time but is not one is an error,
/// not a part of the path.
fn split_time(rest: &str) -> Result<(&str, Option<i64>), String> {
    let Some((loc, last)) = rest.rsplit_once([',', '\t', ' ']) else { return Ok((rest, None)) };
    let last = last.trim();
    let (value, keyed) = match last.strip_prefix("submitted_at=") {
        Some(v) => (v, true),
        None => (last, false),
    };
    // `2026-12-01T...`: four digits, a dash, and a `T` between date and time.
    let looks_like_time = value.len() >= 11
        && value.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && value.as_bytes()[4] == b'-'
        && matches!(value.as_bytes()[10], b'T' | b't');
    if !keyed && !looks_like_time {
        return Ok((rest, None));
    }
    if !looks_like_time {
        return Err(format!("`{last}`: the submission time must be an RFC 3339 date-time, like 2026-12-01T23:58:10Z"));
    }
    match crate::policy::parse_time(value) {
        Some(t) => Ok((loc.trim_end_matches([',', '\t', ' ']).trim(), Some(t))),
        None => Err(format!("`{last}` is not an RFC 3339 date-time (like 2026-12-01T23:58:10Z)")),
    }
}

/// The submissions under `input`, sorted by student id. Two entries for the same student are
/// an error (which one would be graded?).
pub fn discover(input: &Path) -> Result<Vec<Source>, FindError> {
    let mut out = Vec::new();
    if input.is_dir() {
        for entry in io(input, fs::read_dir(input))? {
            let entry = io(input, entry)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let path = path.canonicalize().unwrap_or(path);
            let kind = kind_of_path(&path);
            let stem = match kind {
                // `dave.pdf` is dave's (unusable) submission.
                Kind::Other => name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem),
                _ => strip_ext(&name),
            };
            out.push(Source { student: student_id(stem), location: path.display().to_string(), kind, listed_at: None });
        }
    } else if input.is_file() {
        let text = io(input, fs::read_to_string(input))?;
        let base = input.parent().unwrap_or(Path::new("."));
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(2, [',', '\t', ' ']);
            let (Some(student), Some(loc)) = (parts.next(), parts.next()) else {
                return Err(FindError::Invalid(format!(
                    "{}:{}: expected `student location [time]`, got `{line}`",
                    input.display(),
                    n + 1
                )));
            };
            let (student, loc) = (student.trim(), loc.trim());
            if n == 0 && student.eq_ignore_ascii_case("student") {
                continue; // a header row
            }
            let (loc, listed_at) = split_time(loc)
                .map_err(|e| FindError::Invalid(format!("{}:{}: {e} (in `{line}`)", input.display(), n + 1)))?;
            if loc.is_empty() {
                return Err(FindError::Invalid(format!(
                    "{}:{}: expected `student location [time]`, got `{line}`",
                    input.display(),
                    n + 1
                )));
            }
            let source = if is_url(loc) {
                Source { student: student_id(student), location: loc.to_string(), kind: Kind::Git, listed_at }
            } else {
                let p = base.join(loc);
                let p = p.canonicalize().unwrap_or(p);
                Source {
                    student: student_id(student),
                    location: p.display().to_string(),
                    kind: kind_of_path(&p),
                    listed_at,
                }
            };
            out.push(source);
        }
    } else {
        return Err(FindError::Invalid(format!("{}: no such folder or list file", input.display())));
    }
    out.sort_by(|a, b| a.student.cmp(&b.student));
    for w in out.windows(2) {
        if w[0].student == w[1].student {
            return Err(FindError::Invalid(format!(
                "two submissions for `{}`: {} and {}",
                w[0].student, w[0].location, w[1].location
            )));
        }
    }
    Ok(out)
}

/// A stable 64-bit hash (FNV-1a): shard assignment and scratch names must not change between
/// runs or machines.
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Which shard (1-based, of `n`) grades `student`: a hash of the id, so that every shard agrees
/// without talking to the others and a student never moves when the list grows.
pub fn shard_of(student: &str, n: u32) -> u32 {
    (fnv(student) % u64::from(n.max(1))) as u32 + 1
}

/// `i/n` → (i, n), 1 ≤ i ≤ n.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (i, n) = s.split_once('/').ok_or_else(|| format!("--shard wants i/n (like 2/8), got `{s}`"))?;
    let (i, n): (u32, u32) = (
        i.trim().parse().map_err(|_| format!("bad shard `{s}`"))?,
        n.trim().parse().map_err(|_| format!("bad shard `{s}`"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard i/n needs 1 <= i <= n, got `{s}`"));
    }
    Ok((i, n))
}

/// A submission ready for the engine.
#[derive(Debug)]
pub struct Prepared {
    /// The course-shaped directory to grade (`<root>/<student_dir>/src`).
    pub root: PathBuf,
    /// When the student says it was made (Unix seconds): the commit date of a git repository,
    /// else the newest modification time of its archive or sources. The student sets both at
    /// will (`GIT_COMMITTER_DATE`, `touch`): shown in the exports, never used for the late policy.
    pub claimed_at: Option<i64>,
    /// When the grader read it (Unix seconds): the clone, the unpacking, the reading of the
    /// directory.
    pub fetched_at: i64,
    /// SHA-256 of the graded `.rs` files (paths and contents): the gradebook keeps the time it
    /// first received this content, and a later grading of different content is a new submission.
    pub fingerprint: String,
    pub sources: Vec<SourceFile>,
}

/// Why a submission cannot be graded.
#[derive(Debug)]
pub enum Unusable {
    /// Nothing to grade; the message says what was looked for.
    Empty(String),
    /// The grader could not read it (a broken archive, a failed clone).
    Error(String),
}

/// Makes `source` gradable, unpacking or cloning into `scratch` (emptied first) when needed.
/// `student_dir` is the stage crate's path in a checkout, e.g. `exercises/stage1`.
pub fn prepare(source: &Source, scratch: &Path, student_dir: &str) -> Result<Prepared, Unusable> {
    let err = |what: &str, e: &dyn std::fmt::Display| Unusable::Error(format!("{what}: {e}"));
    let _ = fs::remove_dir_all(scratch);
    let location = Path::new(&source.location);
    let (tree, mut claimed_at) = match source.kind {
        Kind::Dir => (location.to_path_buf(), None),
        Kind::Git => {
            fs::create_dir_all(scratch).map_err(|e| err("scratch", &e))?;
            let dest = scratch.join("clone");
            let url = if is_url(&source.location) {
                source.location.clone()
            } else {
                format!("file://{}", location.display())
            };
            let out = Command::new("git")
                .args(["-c", "protocol.file.allow=always", "clone", "--quiet", "--depth", "1", "--no-tags", "--"])
                .arg(&url)
                .arg(&dest)
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("GIT_LFS_SKIP_SMUDGE", "1")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| err("could not run git", &e))?;
            if !out.status.success() {
                let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
                // An empty repository clones with a warning and no commit.
                return Err(Unusable::Error(format!("git clone {url} failed: {msg}")));
            }
            let time = Command::new("git")
                .args(["log", "-1", "--format=%ct"])
                .current_dir(&dest)
                .stdin(Stdio::null())
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.trim().parse::<i64>().ok());
            if time.is_none() {
                return Err(Unusable::Empty("the git repository has no commit".into()));
            }
            (dest, time)
        }
        Kind::TarGz => {
            let dest = scratch.join("files");
            unpack_tar_gz(location, &dest)
                .map_err(|e| Unusable::Empty(format!("the archive cannot be unpacked: {e}")))?;
            (dest, mtime(location))
        }
        Kind::Zip => {
            let dest = scratch.join("files");
            unpack_zip(location, &dest).map_err(|e| Unusable::Empty(format!("the archive cannot be unpacked: {e}")))?;
            (dest, mtime(location))
        }
        Kind::Other => {
            return Err(Unusable::Empty(format!(
                "`{}` is not a directory, a git repository, a .tar.gz or a .zip",
                location.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            )))
        }
    };
    // Received now: what is graded is what was cloned, unpacked or read from here on.
    let fetched_at = now_s();
    let root = match find_root(&tree, student_dir, 4) {
        Some(r) => r,
        None => match find_crate(&tree, 3) {
            Some(krate) => {
                // Just the stage crate: give it a course checkout's shape.
                let wrapped = scratch.join("wrapped");
                let dest = wrapped.join(student_dir);
                copy_tree(&krate.join("src"), &dest.join("src")).map_err(|e| err("copy", &e))?;
                if krate.join("Cargo.toml").is_file() {
                    fs::copy(krate.join("Cargo.toml"), dest.join("Cargo.toml")).map_err(|e| err("copy", &e))?;
                }
                if krate.join("build.rs").exists() {
                    fs::copy(krate.join("build.rs"), dest.join("build.rs")).map_err(|e| err("copy", &e))?;
                }
                // A project's own files beside its crate: the task it chose, its Dockerfile
                // (regular files only: the grader follows no link).
                for f in ["project.toml", "Dockerfile"] {
                    if fs::symlink_metadata(krate.join(f)).is_ok_and(|m| m.is_file()) {
                        fs::copy(krate.join(f), dest.join(f)).map_err(|e| err("copy", &e))?;
                    }
                }
                wrapped
            }
            None => {
                return Err(Unusable::Empty(format!(
                    "no `{student_dir}/src/` with Rust files in it (nor a crate with `src/lib.rs`) in the submission"
                )))
            }
        },
    };
    let src = root.join(student_dir).join("src");
    let mut files = Vec::new();
    collect_rs(&src, Path::new(""), &mut files, 0);
    if files.is_empty() {
        return Err(Unusable::Empty(format!("`{student_dir}/src/` has no .rs file")));
    }
    let mut sources = Vec::new();
    let mut newest = None::<i64>;
    let mut hash = <sha2::Sha256 as sha2::Digest>::new();
    for rel in files {
        let p = src.join(&rel);
        newest = newest.max(mtime(&p));
        let Ok(bytes) = fs::read(&p) else { continue };
        let name = rel.to_string_lossy().replace('\\', "/");
        sha2::Digest::update(&mut hash, (name.len() as u64).to_le_bytes());
        sha2::Digest::update(&mut hash, name.as_bytes());
        sha2::Digest::update(&mut hash, (bytes.len() as u64).to_le_bytes());
        sha2::Digest::update(&mut hash, &bytes);
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if text.len() > MAX_SOURCE_BYTES {
            let mut cut = MAX_SOURCE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        sources.push(SourceFile { path: name, text });
    }
    if sources.iter().all(|s| s.text.trim().is_empty()) {
        return Err(Unusable::Empty(format!("every .rs file in `{student_dir}/src/` is empty")));
    }
    if claimed_at.is_none() {
        claimed_at = newest;
    }
    Ok(Prepared {
        root,
        claimed_at,
        fetched_at,
        fingerprint: sha2::Digest::finalize(hash).iter().map(|b| format!("{b:02x}")).collect(),
        sources,
    })
}

/// Seconds since the Unix epoch.
pub fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn mtime(p: &Path) -> Option<i64> {
    let t = fs::metadata(p).ok()?.modified().ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

/// The shallowest directory under `tree` (depth ≤ `depth`) holding `<student_dir>/src`.
fn find_root(tree: &Path, student_dir: &str, depth: usize) -> Option<PathBuf> {
    let mut level = vec![tree.to_path_buf()];
    for _ in 0..=depth {
        let mut next = Vec::new();
        for d in &level {
            if d.join(student_dir).join("src").is_dir() {
                return Some(d.clone());
            }
            next.extend(subdirs(d));
        }
        level = next;
    }
    None
}

/// The shallowest directory holding `src/lib.rs` (the stage crate handed in alone).
fn find_crate(tree: &Path, depth: usize) -> Option<PathBuf> {
    let mut level = vec![tree.to_path_buf()];
    for _ in 0..=depth {
        let mut next = Vec::new();
        for d in &level {
            if d.join("src/lib.rs").is_file() {
                return Some(d.clone());
            }
            next.extend(subdirs(d));
        }
        level = next;
    }
    None
}

fn subdirs(d: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(d)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            !(n.starts_with('.') || n == "target" || n == "__MACOSX")
        })
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

fn collect_rs(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir.join(rel)) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let r = rel.join(e.file_name());
        if ft.is_dir() {
            collect_rs(dir, &r, out, depth + 1);
        } else if ft.is_file() && r.extension().is_some_and(|x| x == "rs") {
            out.push(r);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let ft = e.file_type()?;
        if ft.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        } else if ft.is_file() {
            fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// A relative path with no `..`, no root, no prefix: safe to join under the destination.
fn safe_relative(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Unpacks regular files and directories only (no links, devices or paths leaving `dest`),
/// within a size and entry budget.
pub fn unpack_tar_gz(archive: &Path, dest: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dest)?;
    let file = fs::File::open(archive)?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut total = 0u64;
    for (n, entry) in ar.entries()?.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(std::io::Error::other(format!("more than {MAX_ENTRIES} entries")));
        }
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        let Some(rel) = safe_relative(&entry.path()?) else { continue };
        let target = dest.join(rel);
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
        } else if kind.is_file() {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let budget = MAX_UNPACKED_BYTES.saturating_sub(total);
            let mut out = fs::File::create(&target)?;
            let copied = std::io::copy(&mut (&mut entry).take(budget + 1), &mut out)?;
            total += copied;
            if total > MAX_UNPACKED_BYTES {
                return Err(std::io::Error::other(format!("unpacks to more than {} MiB", MAX_UNPACKED_BYTES >> 20)));
            }
        }
    }
    Ok(())
}

/// Like [`unpack_tar_gz`], for a zip archive.
pub fn unpack_zip(archive: &Path, dest: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dest)?;
    let file = fs::File::open(archive)?;
    let mut zip = zip::ZipArchive::new(file).map_err(std::io::Error::other)?;
    if zip.len() > MAX_ENTRIES {
        return Err(std::io::Error::other(format!("more than {MAX_ENTRIES} entries")));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(std::io::Error::other)?;
        let Some(rel) = f.enclosed_name().and_then(|p| safe_relative(&p)) else { continue };
        let target = dest.join(rel);
        if f.is_dir() {
            fs::create_dir_all(&target)?;
        } else if f.is_file() {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let budget = MAX_UNPACKED_BYTES.saturating_sub(total);
            let mut out = fs::File::create(&target)?;
            let copied = std::io::copy(&mut (&mut f).take(budget + 1), &mut out)?;
            total += copied;
            if total > MAX_UNPACKED_BYTES {
                return Err(std::io::Error::other(format!("unpacks to more than {} MiB", MAX_UNPACKED_BYTES >> 20)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_shards_and_kinds() {
        assert_eq!(student_id("Ann Lee (late)"), "Ann_Lee__late_");
        assert_eq!(strip_ext("bob.tar.gz"), "bob");
        let (i, n) = parse_shard("2/3").unwrap();
        assert_eq!((i, n), (2, 3));
        assert!(parse_shard("0/3").is_err() && parse_shard("4/3").is_err() && parse_shard("x").is_err());
        let mut counts = [0; 4];
        for k in 0..400 {
            counts[shard_of(&format!("student{k}"), 4) as usize - 1] += 1;
        }
        assert!(counts.iter().all(|&c| c > 60), "{counts:?}");
    }

    #[test]
    fn archives_unpack_only_inside_and_find_the_checkout() {
        let d = tempfile::tempdir().unwrap();
        let tgz = d.path().join("alice.tar.gz");
        {
            let gz = flate2::write::GzEncoder::new(fs::File::create(&tgz).unwrap(), flate2::Compression::fast());
            let mut b = tar::Builder::new(gz);
            let body = b"pub fn f() {}\n";
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, "alice-repo/exercises/stage1/src/lib.rs", &body[..]).unwrap();
            let mut h = tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o644);
            // A path that tries to leave the destination: the builder refuses to write `..`, so
            // set the raw name.
            h.as_gnu_mut().unwrap().name[..10].copy_from_slice(b"../evil.rs");
            h.set_cksum();
            b.append(&h, &b"bad"[..]).unwrap();
            b.into_inner().unwrap().finish().unwrap();
        }
        let src =
            Source { student: "alice".into(), location: tgz.display().to_string(), kind: Kind::TarGz, listed_at: None };
        let scratch = d.path().join("scratch");
        let p = prepare(&src, &scratch, "exercises/stage1").unwrap();
        assert!(p.root.ends_with("alice-repo"));
        assert_eq!(p.sources.len(), 1);
        assert!(!scratch.join("evil.rs").exists() && !d.path().join("evil.rs").exists());

        let zip_path = d.path().join("bob.zip");
        {
            let mut z = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
            let opts = zip::write::SimpleFileOptions::default();
            z.start_file("crate/src/lib.rs", opts).unwrap();
            std::io::Write::write_all(&mut z, b"pub fn g() {}\n").unwrap();
            z.finish().unwrap();
        }
        let src = Source {
            student: "bob".into(),
            location: zip_path.display().to_string(),
            kind: Kind::Zip,
            listed_at: None,
        };
        let p = prepare(&src, &d.path().join("s2"), "exercises/stage1").unwrap();
        assert!(p.root.join("exercises/stage1/src/lib.rs").is_file());

        let empty = d.path().join("carol");
        fs::create_dir_all(empty.join("docs")).unwrap();
        let src =
            Source { student: "carol".into(), location: empty.display().to_string(), kind: Kind::Dir, listed_at: None };
        assert!(matches!(prepare(&src, &d.path().join("s3"), "exercises/stage1"), Err(Unusable::Empty(_))));
    }

    #[test]
    fn a_list_file_may_give_each_submission_its_time() {
        let d = tempfile::tempdir().unwrap();
        let list = d.path().join("class.csv");
        fs::write(
            &list,
            "student,location,submitted_at\n\
             ada,ada-dir,2026-12-01T23:58:10+01:00\n\
             ben ben dir submitted_at=2026-12-01T22:00:00Z\n\
             cy\thttps://example.org/cy.git\t2026-12-02T08:00:00Z\n\
             dee dee.zip\n\
             eve my folder/2026-12-01\n",
        )
        .unwrap();
        let found = discover(&list).unwrap();
        let by = |s: &str| found.iter().find(|x| x.student == s).unwrap().clone();
        assert_eq!(by("ada").listed_at, crate::policy::parse_time("2026-12-01T22:58:10Z"));
        assert!(by("ada").location.ends_with("ada-dir"));
        assert_eq!(by("ben").listed_at, crate::policy::parse_time("2026-12-01T22:00:00Z"));
        assert!(by("ben").location.ends_with("ben dir"), "{}", by("ben").location);
        assert_eq!((by("cy").location.as_str(), by("cy").kind), ("https://example.org/cy.git", Kind::Git));
        assert_eq!(by("cy").listed_at, crate::policy::parse_time("2026-12-02T08:00:00Z"));
        assert_eq!(by("dee").listed_at, None);
        // A bare date at the end is part of a path, not a time.
        assert!(by("eve").location.ends_with("my folder/2026-12-01") && by("eve").listed_at.is_none());
        // A time that is not one is an error, with its line.
        for bad in ["ada ada-dir submitted_at=yesterday\n", "ada ada-dir 2026-13-01T00:00:00Z\n"] {
            fs::write(&list, bad).unwrap();
            let e = discover(&list).unwrap_err().to_string();
            assert!(e.contains(":1:") && e.contains("RFC 3339"), "{e}");
        }
    }
}
