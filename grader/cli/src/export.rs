//! The student edition and the grader bundle.
//!
//! `grader export student DIR` writes what students get: the exercises with their public tests,
//! the projects' starting crates, the data sets, the course manifest (titles, points, tolerances,
//! hints), the probe glue, a workspace of their own, a README, a CI workflow and the fingerprints
//! of the course's files. Never `solutions/`, the hidden suites (`grader/suites`) or
//! any other instructor crate.
//!
//! The hidden suites are compiled into the grader and the reference solutions into the reference
//! probes, so students get both as binaries: `grader export bundle DIR` (or `--bundle` on the
//! student export) writes the *grader bundle*: `bin/grader`, `reference/<stage>-runner` (each
//! stage's reference probe, built with the `grade` profile), `course/` (a pristine copy of the
//! files the grader builds with: glue, manifests, lock file, the stubs), `fingerprints.json` and
//! `bundle.toml` (what is in it, with SHA-256 sums). Attached to a release, it is what a student's
//! `scripts/get-grader.sh` and CI download. Run from a bundle, the grader takes the course from
//! `course/` and the reference from `reference/`, and grades the student's repository.

use crate::tamper;
use anyhow::{bail, Context, Result};
use grader_engine::builder::{Builder, Role};
use grader_engine::manifest::{Course, STUDENT_EDITION_MARKER};
use grader_suites as suites;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

const README: &str = include_str!("../templates/student/README.md");
const WORKFLOW: &str = include_str!("../templates/student/grade.yml");
const GET_GRADER: &str = include_str!("../templates/student/get-grader.sh");
const GITIGNORE: &str = include_str!("../templates/student/gitignore");
const BUNDLE_README: &str = include_str!("../templates/bundle/README.txt");

/// Where `scripts/get-grader.sh` puts the bundle inside a student's repository.
pub const LOCAL_BUNDLE: &str = ".grader/bundle";

/// The student edition's marker file.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Edition {
    pub edition: String,
    pub grader_version: String,
    /// The instructor's commit it was exported from, when known.
    #[serde(default)]
    pub exported_from: Option<String>,
    /// Where the grader bundle is downloaded from.
    #[serde(default)]
    pub bundle_url: Option<String>,
}

/// `bundle.toml`: what a grader bundle holds.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct BundleManifest {
    pub format: u32,
    pub grader_version: String,
    /// `x86_64-linux`: the machines the binaries run on.
    pub target: String,
    /// SHA-256 of `bin/grader`.
    pub grader_sha256: String,
    /// SHA-256 of `fingerprints.json`.
    pub fingerprints_sha256: String,
    /// Stage id to its reference probe.
    pub reference: BTreeMap<String, ReferenceEntry>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ReferenceEntry {
    pub file: String,
    pub sha256: String,
}

/// A grader bundle found on this machine.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: BundleManifest,
}

impl Bundle {
    pub fn open(dir: &Path) -> Result<Bundle> {
        let path = dir.join("bundle.toml");
        let text = std::fs::read_to_string(&path).with_context(|| format!("failed to read {}", path.display()))?;
        let manifest: BundleManifest =
            toml::from_str(&text).with_context(|| format!("{} is not a grader bundle manifest", path.display()))?;
        Ok(Bundle { dir: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()), manifest })
    }

    /// The pristine course files the grader builds with.
    pub fn course_dir(&self) -> Option<PathBuf> {
        let d = self.dir.join("course");
        d.join("grader/course/course.toml").is_file().then_some(d)
    }

    /// Checks the reference probes of `stages` against `bundle.toml`: a reference that is not the
    /// course's would make every expected value wrong.
    pub fn verify(&self, stages: &[&str]) -> Result<()> {
        for s in stages {
            let Some(entry) = self.manifest.reference.get(*s) else { continue };
            let path = self.dir.join(&entry.file);
            let bytes = std::fs::read(&path).with_context(|| format!("failed to read {}", path.display()))?;
            if tamper::sha256_bytes(&bytes) != entry.sha256 {
                bail!(
                    "the grader bundle at {} is damaged or was changed: {} does not match bundle.toml; download it \
                     again (scripts/get-grader.sh)",
                    self.dir.display(),
                    entry.file
                );
            }
        }
        Ok(())
    }
}
pub use grader_engine::manifest::is_student_edition;

/// The bundle to grade with: `--bundle`/`GRADER_BUNDLE`, else the one this grader runs from
/// (`<bundle>/bin/grader`), else `.grader/bundle` in the repository.
pub fn find_bundle(repo: &Path) -> Result<Option<Bundle>> {
    if let Some(dir) = std::env::var_os("GRADER_BUNDLE").filter(|v| !v.is_empty()) {
        return Bundle::open(Path::new(&dir)).map(Some);
    }
    let exe_bundle = std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok())
        .and_then(|e| e.parent().and_then(Path::parent).map(Path::to_path_buf))
        .filter(|d| d.join("bundle.toml").is_file());
    if let Some(d) = exe_bundle {
        return Bundle::open(&d).map(Some);
    }
    let local = repo.join(LOCAL_BUNDLE);
    if local.join("bundle.toml").is_file() {
        return Bundle::open(&local).map(Some);
    }
    Ok(None)
}

/// `Some(path)` when the grader that runs is not the bundle's own binary.
pub fn verify_own_binary(bundle_dir: &Path) -> Option<String> {
    let b = Bundle::open(bundle_dir).ok()?;
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let own = bundle_dir.join("bin/grader").canonicalize().ok()?;
    if exe != own {
        return None; // a grader from elsewhere using this bundle's files: nothing to say
    }
    let bytes = std::fs::read(&exe).ok()?;
    (tamper::sha256_bytes(&bytes) != b.manifest.grader_sha256).then(|| "bin/grader (bundle)".to_string())
}

/// The course to grade with, for the repository at `repo`: from the bundle's pristine copy when
/// a bundle is found (its reference probes stand in for the reference sources), else `repo`'s
/// own manifest.
pub fn load_course(repo: &Path) -> Result<(Course, Option<Bundle>)> {
    let bundle = find_bundle(repo)?;
    let course_root = bundle.as_ref().and_then(Bundle::course_dir).unwrap_or_else(|| repo.to_path_buf());
    let mut course = Course::load(&course_root, &suites::all()).context("invalid course manifest")?;
    if let Some(b) = &bundle {
        course.prebuilt_reference = Some(b.dir.join("reference"));
        // `grader data fetch` writes into the checkout, not into the bundle's pristine copy.
        course.fetched_data = Some(repo.to_path_buf());
    }
    Ok((course, bundle))
}

#[derive(clap::Subcommand, Debug)]
pub enum ExportCommand {
    /// Write the student edition: exercises, public tests, data sets, projects' starting crates,
    /// README, CI workflow; no solutions, no hidden suites.
    Student(StudentArgs),
    /// Write the grader bundle: the grader binary, the reference probes (compiled), the course
    /// files the grader builds with, and the fingerprints. Attach it to a release.
    Bundle(BundleArgs),
}

#[derive(clap::Args, Debug)]
pub struct StudentArgs {
    /// Where to write the edition (must not exist, or be empty).
    dir: PathBuf,
    /// Also write the grader bundle to this directory.
    #[arg(long, value_name = "DIR")]
    bundle: Option<PathBuf>,
    /// Where students' scripts and CI download the bundle from (a release asset, a tar.gz).
    #[arg(long, value_name = "URL")]
    bundle_url: Option<String>,
    /// Stages whose reference probes go into the bundle (default: every stage with exercises).
    #[arg(long, value_delimiter = ',')]
    stages: Vec<String>,
    /// Shared build directory for the reference probes (default: target/grader).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct BundleArgs {
    /// Where to write the bundle (must not exist, or be empty).
    dir: PathBuf,
    /// Stages whose reference probes go into the bundle (default: every stage with exercises).
    #[arg(long, value_delimiter = ',')]
    stages: Vec<String>,
    /// The bundle URL recorded in the edition (as for `export student`).
    #[arg(long, value_name = "URL")]
    bundle_url: Option<String>,
    /// Shared build directory for the reference probes (default: target/grader).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
}

pub fn export(root: &Path, cmd: ExportCommand) -> Result<u8> {
    if is_student_edition(root) {
        bail!("{} is a student edition: export from the instructor's repository (it has solutions/)", root.display());
    }
    let course = Course::load(root, &suites::all()).context("invalid course manifest")?;
    match cmd {
        ExportCommand::Student(a) => {
            empty_dir(&a.dir)?;
            write_edition(root, &course, &a.dir, a.bundle_url.as_deref())?;
            println!("student edition written to {}", a.dir.display());
            if let Some(b) = &a.bundle {
                let stages = stages_for_bundle(&course, &a.stages)?;
                write_bundle(root, &course, &a.dir, b, &stages, a.target_dir)?;
                println!("grader bundle written to {} ({})", b.display(), stages.join(", "));
            }
        }
        ExportCommand::Bundle(a) => {
            let stages = stages_for_bundle(&course, &a.stages)?;
            let tmp = tempfile::tempdir().context("failed to create a temporary directory")?;
            let edition = tmp.path().join("edition");
            write_edition(root, &course, &edition, a.bundle_url.as_deref())?;
            empty_dir(&a.dir)?;
            write_bundle(root, &course, &edition, &a.dir, &stages, a.target_dir)?;
            println!("grader bundle written to {} ({})", a.dir.display(), stages.join(", "));
        }
    }
    Ok(crate::EXIT_PASSED)
}

fn stages_for_bundle(course: &Course, asked: &[String]) -> Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(course.stages.iter().filter(|s| !s.exercises.is_empty()).map(|s| s.id.clone()).collect());
    }
    for s in asked {
        if course.stage(s).is_none() {
            bail!("no stage `{s}` in the course manifest");
        }
    }
    Ok(asked.to_vec())
}

/// `dir` must not exist or be empty; it is created.
fn empty_dir(dir: &Path) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty: choose a new directory", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))
}

/// Copies `from` to `to` recursively, leaving out build output, lock files of glue crates and
/// hidden files.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(from).with_context(|| format!("failed to read {}", from.display()))?;
    if meta.is_file() {
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::copy(from, to).with_context(|| format!("failed to copy {}", from.display()))?;
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(()); // symbolic links are not part of a course
    }
    std::fs::create_dir_all(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "target" || name == "Cargo.lock" || name.starts_with('.') || name.ends_with(".swp") {
            continue;
        }
        copy_tree(&e.path(), &to.join(&name))?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// The student edition of the course at `root`, in `dir`.
fn write_edition(root: &Path, course: &Course, dir: &Path, bundle_url: Option<&str>) -> Result<()> {
    // What students work in and read.
    for s in &course.stages {
        copy_tree(&root.join(&s.student_dir), &dir.join(&s.student_dir))?;
        copy_tree(&root.join("grader/probes").join(&s.probe), &dir.join("grader/probes").join(&s.probe))?;
    }
    for p in [
        "datasets",
        "grader/course",
        "grader/protocol",
        "grader/probe-runtime",
        "grader/ml-deps",
        "grader/data-deps",
        "rustfmt.toml",
    ] {
        if root.join(p).exists() {
            copy_tree(&root.join(p), &dir.join(p))?;
        }
    }
    // Data fetched at set-up (Stage 5's model, 91 MB) is not part of the edition: students fetch
    // it with `grader data fetch`, as the instructor did.
    let hub = dir.join(grader_engine::datasets::HUB_CACHE);
    if hub.exists() {
        std::fs::remove_dir_all(&hub).with_context(|| format!("failed to leave out {}", hub.display()))?;
    }
    // A workspace of their own: the exercise crates, the glue and what it needs (so the lock file
    // pins every dependency the grader builds with), none of the instructor's crates.
    let manifest_text = std::fs::read_to_string(root.join("Cargo.toml")).context("failed to read Cargo.toml")?;
    let mut manifest: toml::Table = manifest_text.parse().context("Cargo.toml does not parse")?;
    let ws = manifest.get_mut("workspace").and_then(|w| w.as_table_mut()).context("Cargo.toml has no [workspace]")?;
    let members: Vec<toml::Value> = ws
        .get("members")
        .and_then(|m| m.as_array())
        .map(|m| m.iter().filter(|v| v.as_str().is_some_and(|p| dir.join(p).join("Cargo.toml").is_file())).cloned())
        .into_iter()
        .flatten()
        .collect();
    ws.insert("members".into(), toml::Value::Array(members));
    let first = course.stages.first().map(|s| s.student_dir.clone()).unwrap_or_default();
    ws.insert("default-members".into(), toml::Value::Array(vec![toml::Value::String(first)]));
    let header = "# The student edition's workspace: your exercise crates, their public tests, and the grader's glue\n\
                  # (which calls your functions). `cargo test -p stage1` runs the public tests; the grader\n\
                  # (`grader check stage1`) runs the hidden ones. This file belongs to the course.\n";
    write(&dir.join("Cargo.toml"), &format!("{header}{}", toml::to_string(&manifest)?))?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("failed to copy Cargo.lock")?;
    prune_lock(dir);

    let stages_md: String = course
        .stages
        .iter()
        .filter(|s| !s.exercises.is_empty())
        .map(|s| {
            let points: f64 = s.exercises.iter().map(|e| e.points).sum();
            format!("| `{}` | {} | `{}/` | {} | {points} |\n", s.id, s.title, s.student_dir, s.exercises.len())
        })
        .collect();
    let url = bundle_url.unwrap_or("https://github.com/OWNER/COURSE/releases/latest/download/grader-bundle.tar.gz");
    let first_stage = course.stages.first().map(|s| s.id.as_str()).unwrap_or("stage1");
    let subst = |t: &str| {
        t.replace("{{BUNDLE_URL}}", url)
            .replace("{{STAGES_TABLE}}", stages_md.trim_end())
            .replace("{{FIRST_STAGE}}", first_stage)
            .replace("{{GRADER_VERSION}}", env!("CARGO_PKG_VERSION"))
    };
    write(&dir.join("README.md"), &subst(README))?;
    write(&dir.join(".github/workflows/grade.yml"), &subst(WORKFLOW))?;
    write(&dir.join("scripts/get-grader.sh"), &subst(GET_GRADER))?;
    make_executable(&dir.join("scripts/get-grader.sh"))?;
    write(&dir.join(".gitignore"), GITIGNORE)?;
    let edition = Edition {
        edition: "student".into(),
        grader_version: env!("CARGO_PKG_VERSION").into(),
        exported_from: git_head(root),
        bundle_url: Some(url.to_string()),
    };
    let marker = format!(
        "# This repository is the student edition of the course (written by `grader export student`).\n{}",
        toml::to_string(&edition)?
    );
    write(&dir.join(STUDENT_EDITION_MARKER), &marker)?;
    // Fingerprints last: they cover everything above.
    let exported = Course::load(dir, &suites::all()).context("the exported edition's manifest does not load")?;
    let fp = tamper::compute(dir, &exported, true)?;
    tamper::save(&fp, &dir.join(tamper::EDITION_FINGERPRINTS))?;
    Ok(())
}

/// Lets cargo drop the instructor's crates from the copied lock file: `update --workspace`
/// re-locks only the workspace's own crates, so every other version stays as the course pinned it.
fn prune_lock(dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let ok = std::process::Command::new(cargo)
        .args(["update", "--workspace", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("warning: could not prune Cargo.lock offline; it still lists the instructor's crates");
    }
}

fn git_head(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git").arg("-C").arg(root).args(["rev-parse", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The grader bundle for the edition at `edition`, in `out`.
fn write_bundle(
    root: &Path,
    course: &Course,
    edition: &Path,
    out: &Path,
    stages: &[String],
    target_dir: Option<PathBuf>,
) -> Result<()> {
    empty_dir(out)?;
    let builder = Builder::new(root, target_dir);
    let mut reference = BTreeMap::new();
    for id in stages {
        let stage = course.stage(id).with_context(|| format!("no stage `{id}`"))?;
        let t = Instant::now();
        eprintln!("building the reference probe of {id} (grade profile)...");
        let built = builder.build(stage, &Role::Reference, &mut |_| {})?;
        let Some(exe) = built.executable else {
            let log: Vec<_> = built.diagnostics.iter().map(|d| d.rendered.as_str()).collect();
            bail!("the reference of {id} does not build:\n{}", log.join("\n"));
        };
        let file = format!("reference/{id}-runner");
        let dest = out.join(&file);
        std::fs::create_dir_all(out.join("reference"))?;
        std::fs::copy(&exe, &dest).with_context(|| format!("failed to copy {}", exe.display()))?;
        make_executable(&dest)?;
        let sha256 = tamper::sha256_bytes(&std::fs::read(&dest)?);
        eprintln!("   {file}: {:.1} s", t.elapsed().as_secs_f64());
        reference.insert(id.clone(), ReferenceEntry { file, sha256 });
    }
    // The grader itself, with the hidden suites compiled in.
    let exe = std::env::current_exe().context("cannot find the running grader")?;
    std::fs::create_dir_all(out.join("bin"))?;
    std::fs::copy(&exe, out.join("bin/grader")).context("failed to copy the grader")?;
    make_executable(&out.join("bin/grader"))?;
    let grader_sha256 = tamper::sha256_bytes(&std::fs::read(out.join("bin/grader"))?);
    // The course files the grader builds with, as exported: glue, manifests, lock, stubs.
    let c = out.join("course");
    for p in [
        "Cargo.toml",
        "Cargo.lock",
        STUDENT_EDITION_MARKER,
        "datasets",
        "grader/course",
        "grader/probes",
        "grader/protocol",
    ]
    .into_iter()
    .chain(["grader/probe-runtime", "grader/ml-deps", "grader/data-deps", "rustfmt.toml"])
    {
        if edition.join(p).exists() {
            copy_tree(&edition.join(p), &c.join(p))?;
        }
    }
    for s in &course.stages {
        copy_tree(&edition.join(&s.student_dir), &c.join(&s.student_dir))?;
    }
    std::fs::copy(edition.join(tamper::EDITION_FINGERPRINTS), out.join("fingerprints.json"))?;
    let fingerprints_sha256 = tamper::sha256_file(&out.join("fingerprints.json"))?;
    let manifest = BundleManifest {
        format: 1,
        grader_version: env!("CARGO_PKG_VERSION").into(),
        target: format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
        grader_sha256,
        fingerprints_sha256,
        reference,
    };
    write(
        &out.join("bundle.toml"),
        &format!(
            "# A grader bundle (written by `grader export bundle`): see README.txt.\n{}",
            toml::to_string(&manifest)?
        ),
    )?;
    write(&out.join("README.txt"), BUNDLE_README)?;
    Ok(())
}
