//! What the grader accepts from a submission before anything of it builds: the build
//! configuration is the course's, so a submission that tries to bring its own (a build script, a
//! proc-macro, a new or path dependency, `[patch]`, cargo configuration, a toolchain file, an
//! edited lock file, symbolic links) is refused with the file and the reason; and every source
//! file passes the static gate (`gate`).

use crate::gate::{self, GatePolicy, Violation};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

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
                Ok(text) => out.extend(gate::scan(&rel, &text, policy)),
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
