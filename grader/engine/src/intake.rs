//! What the grader accepts from a submission before anything of it builds: the build
//! configuration is the course's, so a submission that tries to bring its own (a build script, a
//! proc-macro, a new or path dependency, `[patch]`, cargo configuration, a toolchain file, an
//! edited lock file, symbolic links) is refused with the file and the reason; and every source
//! file passes the static gate (`gate`).

use crate::gate::{self, GatePolicy, Violation};
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Copies the regular files and directories under `from` to `to`; symbolic links are neither
/// followed nor copied (a submission's link could point anywhere).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
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

/// Bounds on what a submission's crate may hold: the grader copies and scans all of it.
pub const MAX_SOURCE_FILES: usize = 1000;
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;
pub const MAX_FILE_BYTES: u64 = 4 << 20;
pub const MAX_DEPTH: usize = 16;

/// The files of a submission the grader reads, outside the crate's `src/`: build configuration
/// that is refused when present, and the manifests and lock file that are compared with the
/// course's.
const CONFIG_FILES: [&str; 6] =
    [".cargo/config.toml", ".cargo/config", "rust-toolchain", "rust-toolchain.toml", "Cargo.toml", "Cargo.lock"];

/// Copies what the grader reads of `submission` for the crate at `student_dir` into `dest`
/// (which must not exist): the crate's `Cargo.toml`, `build.rs` and `src/**/*.rs`, and the build
/// configuration files of the submission's root, the crate's parent and the crate itself. Nothing
/// is followed through a link: a symbolic link anywhere on the way (`exercises/stage1/src` linked
/// to the reference solutions, `exercises` linked elsewhere, a linked `Cargo.lock` or source
/// file) is not copied and is refused, as are a tree too large or too deep to be a course crate.
/// The gate, the from-scratch check and the build then all read this copy and nothing else, so
/// what was checked is what is built.
///
/// `extra` are further files of the crate, relative to it, copied the same way (a project's
/// `Dockerfile`, read as text by a static check); a link on their way is refused too.
pub fn snapshot(
    submission: &Path,
    student_dir: &str,
    extra: &[String],
    dest: &Path,
) -> std::io::Result<Vec<Violation>> {
    let mut out = Vec::new();
    fs::create_dir_all(dest)?;
    // The way down to the crate: every component must be a real directory.
    let mut rel = PathBuf::new();
    let mut dirs = vec![PathBuf::new()];
    let mut reachable = true;
    for part in Path::new(student_dir).components() {
        rel.push(part);
        match fs::symlink_metadata(submission.join(&rel)) {
            Ok(m) if m.file_type().is_symlink() => {
                out.push(refuse(rel.display().to_string(), LINK));
                reachable = false;
                break;
            }
            Ok(m) if m.is_dir() => dirs.push(rel.clone()),
            _ => {
                reachable = false;
                break;
            }
        }
    }
    let crate_rel = PathBuf::from(student_dir);
    // Configuration files at the root, the crate's parent and the crate.
    let mut wanted: Vec<PathBuf> = Vec::new();
    for d in [PathBuf::new(), crate_rel.parent().map(Path::to_path_buf).unwrap_or_default(), crate_rel.clone()] {
        if !dirs.contains(&d) {
            continue;
        }
        for f in CONFIG_FILES {
            wanted.push(d.join(f));
        }
    }
    if reachable {
        wanted.push(crate_rel.join("build.rs"));
        'extra: for f in extra {
            // Every directory on the way must be a real one (`copy_one` checks the file itself).
            let mut on_the_way = crate_rel.clone();
            let parts: Vec<_> = Path::new(f).components().collect();
            for part in &parts[..parts.len().saturating_sub(1)] {
                on_the_way.push(part);
                match fs::symlink_metadata(submission.join(&on_the_way)) {
                    Ok(m) if m.file_type().is_symlink() => {
                        out.push(refuse(on_the_way.display().to_string(), LINK));
                        continue 'extra;
                    }
                    Ok(m) if m.is_dir() => {}
                    _ => continue 'extra,
                }
            }
            wanted.push(crate_rel.join(f));
        }
    }
    wanted.sort();
    wanted.dedup();
    let mut budget = Budget { files: 0, bytes: 0 };
    for f in &wanted {
        copy_one(submission, f, dest, &mut budget, &mut out)?;
    }
    if reachable {
        let src = crate_rel.join("src");
        match fs::symlink_metadata(submission.join(&src)) {
            Ok(m) if m.file_type().is_symlink() => out.push(refuse(src.display().to_string(), LINK)),
            Ok(m) if m.is_dir() => copy_sources(submission, &src, dest, 0, &mut budget, &mut out)?,
            _ => {}
        }
    }
    Ok(out)
}

const LINK: &str = "a symbolic link: the grader follows no link in a submission (it could point at anyone's code)";

struct Budget {
    files: usize,
    bytes: u64,
}

/// Copies the file `rel` of `submission` into `dest` if it is a regular file; a link is refused;
/// a `.cargo` directory that is a link is refused too.
fn copy_one(
    submission: &Path,
    rel: &Path,
    dest: &Path,
    budget: &mut Budget,
    out: &mut Vec<Violation>,
) -> std::io::Result<()> {
    // Every component below the crate's directories was checked; `.cargo` is the one left.
    if let Some(parent) = rel.parent().filter(|p| p.ends_with(".cargo")) {
        if fs::symlink_metadata(submission.join(parent)).is_ok_and(|m| m.file_type().is_symlink()) {
            let v = refuse(parent.display().to_string(), LINK);
            if !out.contains(&v) {
                out.push(v);
            }
            return Ok(());
        }
    }
    match fs::symlink_metadata(submission.join(rel)) {
        Ok(m) if m.file_type().is_symlink() => out.push(refuse(rel.display().to_string(), LINK)),
        Ok(m) if m.is_file() => {
            if m.len() > MAX_FILE_BYTES {
                out.push(too_large(rel, format!("{} bytes, more than the {MAX_FILE_BYTES} allowed", m.len())));
                return Ok(());
            }
            budget.files += 1;
            budget.bytes += m.len();
            let to = dest.join(rel);
            if let Some(p) = to.parent() {
                fs::create_dir_all(p)?;
            }
            copy_no_follow(&submission.join(rel), &to)?;
        }
        _ => {}
    }
    Ok(())
}

/// Opens `from` refusing a link in its last component, and copies it to `to`.
fn copy_no_follow(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(from)?;
    let mut t = fs::File::create(to)?;
    std::io::copy(&mut f.by_ref().take(MAX_FILE_BYTES + 1), &mut t)?;
    Ok(())
}

fn too_large(rel: &Path, why: String) -> Violation {
    Violation { file: rel.display().to_string(), line: 0, column: 0, rule: "too-large", message: why }
}

/// Copies the `.rs` files under `rel` (a directory of the submission), refusing links and
/// enforcing the bounds on count, size and depth.
fn copy_sources(
    submission: &Path,
    rel: &Path,
    dest: &Path,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<Violation>,
) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        out.push(too_large(rel, format!("directories nested more than {MAX_DEPTH} deep")));
        return Ok(());
    }
    fs::create_dir_all(dest.join(rel))?;
    let mut entries: Vec<_> = fs::read_dir(submission.join(rel))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        let ft = e.file_type()?;
        if ft.is_symlink() {
            out.push(refuse(r.display().to_string(), LINK));
        } else if ft.is_dir() {
            copy_sources(submission, &r, dest, depth + 1, budget, out)?;
        } else if ft.is_file() && r.extension().is_some_and(|x| x == "rs") {
            copy_one(submission, &r, dest, budget, out)?;
        }
        if budget.files > MAX_SOURCE_FILES || budget.bytes > MAX_SOURCE_BYTES {
            out.push(too_large(
                rel,
                format!(
                    "more than {MAX_SOURCE_FILES} source files or {} MiB of sources: not a course crate",
                    MAX_SOURCE_BYTES >> 20
                ),
            ));
            return Ok(());
        }
    }
    Ok(())
}

fn refuse(file: String, message: impl Into<String>) -> Violation {
    Violation { file, line: 0, column: 0, rule: "build-config", message: message.into() }
}

/// Everything wrong with `submission` for the stage crate at `student_dir` (relative to the
/// course root and the submission); empty means accepted.
pub fn inspect(course_root: &Path, student_dir: &str, submission: &Path, policy: &GatePolicy) -> Vec<Violation> {
    let mut out = Vec::new();
    let rel = |p: &Path| p.strip_prefix(submission).unwrap_or(p).display().to_string();
    let crate_path = submission.join(student_dir);
    let parent = crate_path.parent().map(Path::to_path_buf).unwrap_or_else(|| submission.to_path_buf());
    for dir in [submission.to_path_buf(), parent, crate_path.clone()] {
        for name in [".cargo/config.toml", ".cargo/config"] {
            let p = dir.join(name);
            if p.exists() {
                out.push(refuse(rel(&p), "cargo configuration in a submission could change how it is built (runner, rustc-wrapper, flags); the grader uses its own"));
            }
        }
        for name in ["rust-toolchain", "rust-toolchain.toml"] {
            let p = dir.join(name);
            if p.exists() {
                out.push(refuse(rel(&p), "a toolchain file would choose the compiler; the grader uses its own"));
            }
        }
    }
    let build_rs = crate_path.join("build.rs");
    if build_rs.exists() {
        out.push(refuse(rel(&build_rs), "build scripts run code at build time and are not allowed"));
    }
    let course_manifest = course_root.join(student_dir).join("Cargo.toml");
    let theirs = crate_path.join("Cargo.toml");
    if let (Ok(ours), Ok(t)) = (fs::read_to_string(&course_manifest), fs::read_to_string(&theirs)) {
        match (ours.parse::<toml::Table>(), t.parse::<toml::Table>()) {
            (Ok(ours), Ok(t)) => out.extend(manifest_changes(&ours, &t).into_iter().map(|m| refuse(rel(&theirs), m))),
            (_, Err(e)) => out.push(refuse(rel(&theirs), format!("Cargo.toml does not parse: {e}"))),
            _ => {}
        }
    }
    let root_manifest = submission.join("Cargo.toml");
    if let Some(t) = fs::read_to_string(&root_manifest).ok().and_then(|t| t.parse::<toml::Table>().ok()) {
        for key in ["patch", "replace"] {
            if t.contains_key(key) {
                out.push(refuse(rel(&root_manifest), format!("`[{key}]` would replace the course's dependencies")));
            }
        }
    }
    if let (Ok(ours), Ok(theirs)) =
        (fs::read_to_string(course_root.join("Cargo.lock")), fs::read_to_string(submission.join("Cargo.lock")))
    {
        let names = |text: &str| -> BTreeSet<String> {
            text.parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("package").and_then(|p| p.as_array()).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    let source = p.get("source").and_then(|s| s.as_str()).unwrap_or("");
                    Some(if source.starts_with("git+") { format!("{name} (from git)") } else { name.to_string() })
                })
                .collect()
        };
        let (ours, theirs) = (names(&ours), names(&theirs));
        for extra in theirs.difference(&ours) {
            out.push(refuse("Cargo.lock".into(), format!("edited: it names `{extra}`, which the course does not use")));
        }
    }
    let src = crate_path.join("src");
    scan_tree(&src, submission, policy, &mut out);
    out
}

/// Static gate over every `.rs` file under `dir`; symbolic links are refused, not followed.
fn scan_tree(dir: &Path, submission: &Path, policy: &GatePolicy, out: &mut Vec<Violation>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path.strip_prefix(submission).unwrap_or(&path).display().to_string();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_symlink() {
            out.push(refuse(rel, "symbolic links are not allowed in a submission"));
        } else if ft.is_dir() {
            scan_tree(&path, submission, policy, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            match fs::read_to_string(&path) {
                Ok(text) => out.extend(gate::scan(&rel, &text, &policy.for_file(&rel))),
                Err(e) => out.push(refuse(rel, format!("unreadable: {e}"))),
            }
        }
    }
}

/// Differences between the course's crate manifest and the submission's that would change the build.
fn manifest_changes(ours: &toml::Table, theirs: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["patch", "replace", "profile", "workspace"] {
        if theirs.get(key) != ours.get(key) {
            out.push(format!("`[{key}]` differs from the course's Cargo.toml"));
        }
    }
    let get = |t: &toml::Table, a: &str, b: &str| t.get(a).and_then(|x| x.get(b)).cloned();
    if get(theirs, "package", "build") != get(ours, "package", "build") {
        out.push("`package.build` (a build script) is not allowed".into());
    }
    if get(theirs, "lib", "proc-macro") != get(ours, "lib", "proc-macro") {
        out.push("`lib.proc-macro` is not allowed".into());
    }
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let empty = toml::Table::new();
        let o = ours.get(table).and_then(|x| x.as_table()).unwrap_or(&empty);
        let t = theirs.get(table).and_then(|x| x.as_table()).unwrap_or(&empty);
        for (name, dep) in t {
            if o.get(name) == Some(dep) {
                continue;
            }
            let kind = if dep.get("path").is_some() {
                "path dependency"
            } else if dep.get("git").is_some() {
                "git dependency"
            } else if o.contains_key(name) {
                "changed dependency"
            } else {
                "new dependency"
            };
            out.push(format!("{kind} `{name}` in [{table}]: the course's dependencies are fixed"));
        }
    }
    if let Some(t) = theirs.get("target") {
        if Some(t) != ours.get("target") {
            out.push("target-specific dependencies differ from the course's".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn snapshot_copies_sources_and_refuses_every_link_on_the_way() {
        let t = tempfile::tempdir().unwrap();
        let sub = t.path().join("sub");
        let elsewhere = t.path().join("elsewhere");
        write(&elsewhere.join("stage1/src/lib.rs"), "pub fn x() {}");
        write(&sub.join("exercises/stage1/Cargo.toml"), "[package]");
        write(&sub.join("exercises/stage1/src/lib.rs"), "mod a;");
        write(&sub.join("exercises/stage1/src/a/b.rs"), "fn b() {}");
        write(&sub.join("exercises/stage1/src/notes.txt"), "not copied");
        write(&sub.join("Cargo.lock"), "# lock");
        let snap = |name: &str| {
            let d = t.path().join(name);
            let v = snapshot(&sub, "exercises/stage1", &[], &d).unwrap();
            (d, v)
        };
        let (d, v) = snap("s1");
        assert!(v.is_empty(), "{v:?}");
        assert!(d.join("exercises/stage1/src/a/b.rs").is_file());
        assert!(d.join("exercises/stage1/Cargo.toml").is_file());
        assert!(d.join("Cargo.lock").is_file());
        assert!(!d.join("exercises/stage1/src/notes.txt").exists());

        // A linked source file.
        std::os::unix::fs::symlink(elsewhere.join("stage1/src/lib.rs"), sub.join("exercises/stage1/src/c.rs")).unwrap();
        let (d, v) = snap("s2");
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].file, "exercises/stage1/src/c.rs");
        assert!(!d.join("exercises/stage1/src/c.rs").exists());
        fs::remove_file(sub.join("exercises/stage1/src/c.rs")).unwrap();

        // A linked src/, then a linked directory above the crate.
        fs::rename(sub.join("exercises/stage1/src"), t.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("stage1/src"), sub.join("exercises/stage1/src")).unwrap();
        let (d, v) = snap("s3");
        assert_eq!(v.iter().map(|v| v.file.as_str()).collect::<Vec<_>>(), ["exercises/stage1/src"]);
        assert!(!d.join("exercises/stage1/src/lib.rs").exists());
        fs::remove_dir_all(sub.join("exercises")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, sub.join("exercises")).unwrap();
        let (d, v) = snap("s4");
        assert_eq!(v.iter().map(|v| v.file.as_str()).collect::<Vec<_>>(), ["exercises"]);
        assert!(!d.join("exercises").exists());

        // A linked lock file and a linked .cargo directory.
        fs::remove_file(sub.join("Cargo.lock")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", sub.join("Cargo.lock")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, sub.join(".cargo")).unwrap();
        let (_, v) = snap("s5");
        let files: Vec<&str> = v.iter().map(|v| v.file.as_str()).collect();
        assert!(files.contains(&"Cargo.lock") && files.contains(&".cargo"), "{v:?}");
    }

    #[test]
    fn snapshot_bounds_size_and_depth() {
        let t = tempfile::tempdir().unwrap();
        let sub = t.path().join("sub");
        write(&sub.join("c/src/lib.rs"), &"/".repeat((MAX_FILE_BYTES + 1) as usize));
        let mut deep = sub.join("c/src");
        for _ in 0..(MAX_DEPTH + 2) {
            deep = deep.join("d");
        }
        write(&deep.join("x.rs"), "");
        let v = snapshot(&sub, "c", &[], &t.path().join("s")).unwrap();
        let rules: Vec<&str> = v.iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["too-large", "too-large"], "{v:?}");
        assert!(!t.path().join("s/c/src/lib.rs").exists());
    }
}
