//! Builds probes: the glue of a stage linked against either the student's sources or the
//! reference solutions, in a workspace the grader owns.
//!
//! Both roles are built with the same `grade` profile into one shared target directory, so the
//! dependencies compile once per machine and a student's edit recompiles only their crate and
//! the glue. The student's crate gets the course's own `Cargo.toml`: of the submission, only
//! `src/**/*.rs` is used.

use crate::manifest::Stage;
use crate::probe::private_network;
use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;
use grader_report::Diagnostic;
use std::fs;
use std::io::BufReader;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Whose code a probe runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The course's reference solutions.
    Reference,
    /// A checkout of the course (a student's repository) whose `exercises/` is graded.
    Student { submission: PathBuf },
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Reference => "reference",
            Role::Student { .. } => "student",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("failed to prepare the build workspace at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("failed to start cargo: {0}")]
    Cargo(std::io::Error),
    #[error("{0}")]
    Layout(String),
    #[error("the glue manifest {path} is malformed: {message}")]
    Glue { path: PathBuf, message: String },
}

/// A successful or failed build.
#[derive(Debug, Clone)]
pub struct Built {
    /// The probe executable, when the build succeeded.
    pub executable: Option<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    pub duration_s: f64,
}

/// Progress of a build, for a spinner.
pub enum BuildProgress<'a> {
    Compiling(&'a str),
}

/// Where builds happen.
#[derive(Debug, Clone)]
pub struct Builder {
    pub course_root: PathBuf,
    /// Shared by every build: `<course>/target/grader` unless told otherwise.
    pub target_dir: PathBuf,
    /// Wall-clock limit of one build.
    pub build_timeout: std::time::Duration,
    /// Build the glue with its `cuda` feature (where it has one), for GPU targets.
    pub cuda: bool,
    /// Prebuilt reference probes (`<dir>/<stage>-runner`, `<stage>-cuda-runner` for GPU
    /// targets), used when the stage's reference sources are not in the course checkout (a
    /// student edition: the grader bundle ships these binaries instead of `solutions/`).
    pub prebuilt_reference: Option<PathBuf>,
    /// Where a student's build reads its sources: the grader's link-free copy of the submission
    /// (`intake::snapshot`), laid out like it. The submission's own path still names the build
    /// workspace, so that a student's next check recompiles only what changed.
    pub sources: Option<PathBuf>,
    /// The largest probe executable a student's build may produce (see `run`: twice the
    /// reference's, plus 64 MiB); a larger one fails the build before it is copied anywhere.
    pub max_student_binary: Option<u64>,
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, BuildError> {
    r.map_err(|source| BuildError::Io { path: path.to_path_buf(), source })
}

/// Writes `contents` unless the file already holds exactly that (keeps mtimes, so cargo's
/// freshness checks see an unchanged file as unchanged).
fn write_if_changed(path: &Path, contents: &[u8]) -> Result<(), BuildError> {
    if fs::read(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        io(dir, fs::create_dir_all(dir))?;
    }
    // Written aside and renamed into place: two graders building the same workspace at once
    // (a `watch` and a `check`, parallel tests) never let cargo read a half-written file.
    let tmp = path.with_file_name(format!(
        ".{}.{}.{:?}.tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id(),
        std::thread::current().id()
    ));
    io(&tmp, fs::write(&tmp, contents))?;
    io(path, fs::rename(&tmp, path))
}

/// A stable short name for a submission path, so each submission gets its own workspace.
fn path_tag(p: &Path) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in p.to_string_lossy().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Builder {
    pub fn new(course_root: &Path, target_dir: Option<PathBuf>) -> Builder {
        Builder {
            course_root: course_root.to_path_buf(),
            target_dir: target_dir.unwrap_or_else(|| course_root.join("target/grader")),
            build_timeout: std::time::Duration::from_secs(900),
            cuda: false,
            prebuilt_reference: None,
            sources: None,
            max_student_binary: None,
        }
    }

    /// Whether the reference of `stage` comes prebuilt (its sources are not in the checkout).
    pub fn reference_is_prebuilt(&self, stage: &Stage) -> bool {
        !self.course_root.join(&stage.solution_dir).join("Cargo.toml").is_file()
    }

    /// The prebuilt reference probe of `stage`, for a checkout without its reference sources.
    fn prebuilt(&self, stage: &Stage) -> Result<Built, BuildError> {
        let name = if self.cuda { format!("{}-cuda-runner", stage.id) } else { format!("{}-runner", stage.id) };
        match &self.prebuilt_reference {
            Some(dir) if dir.join(&name).is_file() => {
                Ok(Built { executable: Some(dir.join(name)), diagnostics: Vec::new(), duration_s: 0.0 })
            }
            Some(dir) => Err(BuildError::Layout(format!(
                "the grader bundle at {} has no reference probe `{name}` for {}: get the bundle that matches this \
                 course (scripts/get-grader.sh)",
                dir.display(),
                stage.id
            ))),
            None => Err(BuildError::Layout(format!(
                "the reference solutions of {} are not in this checkout ({} is absent) and no grader bundle with \
                 prebuilt reference probes was found: get it with scripts/get-grader.sh and run .grader/bundle/bin/grader",
                stage.id, stage.solution_dir
            ))),
        }
    }

    /// Downloads the dependencies of a build workspace. Needed before a student's offline build
    /// when no reference build ran first to fetch them (the reference came prebuilt). Nothing of
    /// the submission runs: fetching only reads the lock file and downloads crates.
    fn fetch(&self, ws: &Path) -> Result<(), BuildError> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        for offline in [true, false] {
            let mut cmd = Command::new(&cargo);
            cmd.arg("fetch").arg("--manifest-path").arg(ws.join("Cargo.toml"));
            if offline {
                cmd.arg("--offline");
            }
            scrub_cargo_env(&mut cmd);
            let out = cmd.stdin(Stdio::null()).output().map_err(BuildError::Cargo)?;
            if out.status.success() {
                return Ok(());
            }
        }
        // The build itself reports what is missing.
        Ok(())
    }

    /// Builds the probe of `stage` for `role`.
    pub fn build(
        &self,
        stage: &Stage,
        role: &Role,
        progress: &mut dyn FnMut(BuildProgress),
    ) -> Result<Built, BuildError> {
        let started = Instant::now();
        if *role == Role::Reference && self.reference_is_prebuilt(stage) {
            return self.prebuilt(stage);
        }
        let ws = match role {
            Role::Reference => self.target_dir.join("ws").join(&stage.id).join("reference"),
            Role::Student { submission } => {
                let abs = submission.canonicalize().unwrap_or_else(|_| submission.clone());
                self.target_dir.join("ws").join(&stage.id).join(format!("student-{}", path_tag(&abs)))
            }
        };
        // Cargo names artifacts of path packages by their path *relative to the workspace
        // root*: two workspaces that both had `subject/` would overwrite each other's rlibs in
        // the shared target directory. The tag makes every relative path unique.
        // The stage is part of the tag too: every stage has a `reference` workspace, and their
        // binaries are uplifted to the same directory.
        let tag =
            format!("{}-{}", stage.id, ws.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let subject = match role {
            Role::Reference => self.course_root.join(&stage.solution_dir),
            Role::Student { submission } => {
                let dir = ws.join(format!("crate-{tag}"));
                self.copy_student_crate(stage, self.sources.as_deref().unwrap_or(submission), &dir)?;
                dir
            }
        };
        let (probe_pkg, glue_has_cuda) =
            self.write_workspace(stage, &ws, &tag, &subject, matches!(role, Role::Student { .. }))?;
        // `--features cuda` when GPU targets run and the stage's glue has that feature.
        let features: &[&str] = if self.cuda && glue_has_cuda { &["--features", "cuda"] } else { &[] };
        if matches!(role, Role::Student { .. }) && self.reference_is_prebuilt(stage) {
            self.fetch(&ws)?;
        }

        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.args(["build", "--profile", "grade", "--message-format", "json-diagnostic-rendered-ansi"])
            // Only the probe is a root unit, so nothing else is uplifted into the shared directory.
            .arg("--package")
            .arg(&probe_pkg)
            .arg("--manifest-path")
            .arg(ws.join("Cargo.toml"))
            .args(features)
            .env("CARGO_TARGET_DIR", self.target_dir.join("build"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that a build that runs away is stopped whole.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe. Cargo dies with the grader (a killed batch or
        // check leaves no build behind waiting for the directory lock); the thread that spawns
        // it waits for it below, so the signal does not come early.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        if let Role::Student { .. } = role {
            // Compiling is the one step where the student's code drives a program of the
            // grader's (rustc): a constant of a gigabyte makes rustc take twenty. Every process of
            // the student's build gets a memory and a file-size limit of its own, so such a build
            // fails with its reason instead of taking the machine down or filling the disk.
            let (memory, file) = (BUILD_MEMORY_BYTES, BUILD_FILE_BYTES);
            // SAFETY: setrlimit is async-signal-safe.
            unsafe {
                cmd.pre_exec(move || {
                    for (res, v) in [(libc::RLIMIT_AS, memory), (libc::RLIMIT_FSIZE, file)] {
                        let lim = libc::rlimit { rlim_cur: v as libc::rlim_t, rlim_max: v as libc::rlim_t };
                        libc::setrlimit(res, &lim);
                    }
                    Ok(())
                });
            }
            // The student's build needs nothing from the network: the reference's build, which
            // always runs first with the same lock file, fetched every dependency. Offline, and
            // where the grader may, in a private network namespace.
            cmd.arg("--offline");
            // SAFETY: unshare is async-signal-safe; failure (not root) leaves `--offline` alone.
            unsafe {
                cmd.pre_exec(|| {
                    private_network();
                    Ok(())
                });
            }
        }
        scrub_cargo_env(&mut cmd);
        let mut child = cmd.spawn().map_err(BuildError::Cargo)?;
        // A build has a wall-clock limit: rustc on a hostile crate (deep const evaluation, huge
        // generated code) must not hold the grader forever.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            // The reference is built first and compiles every dependency (minutes, cold); the
            // student's build then compiles only their crate and the glue.
            let limit = match role {
                Role::Reference => self.build_timeout.max(std::time::Duration::from_secs(3600)),
                Role::Student { .. } => self.build_timeout,
            };
            let (done, timed_out, pid) = (done.clone(), timed_out.clone(), child.id() as i32);
            std::thread::spawn(move || {
                let deadline = Instant::now() + limit;
                while Instant::now() < deadline {
                    if done.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                if !done.load(std::sync::atomic::Ordering::Relaxed) {
                    timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
                    // SAFETY: signalling the process group this builder created.
                    unsafe {
                        libc::killpg(pid, libc::SIGKILL);
                    }
                }
            });
        }
        let stderr = child.stderr.take().expect("piped");
        // Cargo's own errors (bad manifest, missing lock entries) arrive on stderr, and so does
        // its notice that another build holds the shared directory: said at once, with what and
        // since when, so that a check queued behind a batch does not look hung.
        let build_dir = self.target_dir.join("build");
        let stderr_thread = std::thread::spawn(move || {
            use std::io::BufRead;
            let mut all = String::new();
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("Blocking waiting for file lock") {
                    notify(&format!(
                        "waiting since {} UTC for another grading to finish with {} (cargo's lock on the shared build directory)",
                        clock(std::time::SystemTime::now()),
                        build_dir.display()
                    ));
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let mut diagnostics = Vec::new();
        let mut executable = None;
        let subject_prefix = format!("crate-{tag}/");
        let student_file = |f: &str| -> Option<String> {
            f.strip_prefix(subject_prefix.as_str()).map(|rest| format!("{}/{rest}", stage.student_dir))
        };
        for msg in Message::parse_stream(BufReader::new(child.stdout.take().expect("piped"))) {
            let Ok(msg) = msg else { continue };
            match msg {
                Message::CompilerArtifact(a) => {
                    progress(BuildProgress::Compiling(&a.target.name));
                    if let Some(exe) = a.executable {
                        executable = Some(PathBuf::from(exe));
                    }
                }
                Message::CompilerMessage(m) => {
                    let d = &m.message;
                    let level = match d.level {
                        DiagnosticLevel::Error | DiagnosticLevel::Ice => "error",
                        DiagnosticLevel::Warning => "warning",
                        _ => continue,
                    };
                    let span = d.spans.iter().find(|s| s.is_primary).or(d.spans.first());
                    let file = span.map(|s| s.file_name.clone());
                    let in_student = file.as_deref().and_then(student_file);
                    // Warnings matter only in the student's own files; errors anywhere stop the
                    // build (an error in the glue means a public signature was changed).
                    if level == "warning" && in_student.is_none() {
                        continue;
                    }
                    let mut message = d.message.clone();
                    if level == "error" && in_student.is_none() && file.is_some() {
                        message
                            .push_str(" (in the grader's glue: did you change a public function's signature or type?)");
                    }
                    // The compiler quotes the student's code: bounded, and no control characters.
                    if diagnostics.len() >= MAX_DIAGNOSTICS {
                        continue;
                    }
                    let rendered =
                        grader_report::text::clean(&strip_ansi(d.rendered.as_deref().unwrap_or(&d.message)), 16 << 10);
                    let message = grader_report::text::message(&message);
                    diagnostics.push(Diagnostic {
                        level: level.to_string(),
                        message,
                        file: in_student.or(file),
                        line: span.map(|s| s.line_start as u32),
                        column: span.map(|s| s.column_start as u32),
                        rendered: rendered.replace(subject_prefix.as_str(), &format!("{}/", stage.student_dir)),
                    });
                }
                _ => {}
            }
        }
        let status = child.wait().map_err(BuildError::Cargo)?;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
            diagnostics.push(Diagnostic {
                level: "error".into(),
                message: "the build took longer than its time limit and was stopped".into(),
                file: None,
                line: None,
                column: None,
                rendered: String::new(),
            });
        }
        let cargo_stderr = stderr_thread.join().unwrap_or_default();
        let duration_s = started.elapsed().as_secs_f64();
        if !status.success() && matches!(role, Role::Student { .. }) {
            if let Some(why) = limit_hit(&cargo_stderr, &diagnostics) {
                // rustc stopped by the file-size limit leaves its truncated output behind (a
                // temporary `rmeta*` directory with a file of exactly the limit): removed, so that
                // such a build leaves nothing in the shared target directory.
                remove_files_at_limit(&self.target_dir.join("build"));
                diagnostics.push(build_error(why));
            }
        }
        if !status.success() {
            if !diagnostics.iter().any(|d| d.level == "error") {
                let text = strip_ansi(&cargo_stderr);
                let last = text.lines().filter(|l| !l.trim().is_empty()).rev().take(20).collect::<Vec<_>>();
                let last: Vec<&str> = last.into_iter().rev().collect();
                diagnostics.push(Diagnostic {
                    level: "error".into(),
                    message: "cargo failed before compiling".into(),
                    file: None,
                    line: None,
                    column: None,
                    rendered: grader_report::text::message(&last.join("\n")),
                });
            }
            return Ok(Built { executable: None, diagnostics, duration_s });
        }
        let exe = executable.ok_or_else(|| BuildError::Layout("cargo reported no probe executable".into()))?;
        if let (Role::Student { .. }, Some(max)) = (role, self.max_student_binary) {
            let size = io(&exe, fs::metadata(&exe))?.len();
            if size > max {
                // Not copied anywhere, and not kept: the next build makes it again if need be.
                let _ = fs::remove_file(&exe);
                let why = format!(
                    "the probe built from this code is {} MiB, more than the {} MiB allowed (twice the reference's, \
                     plus 64 MiB): a huge static or constant?",
                    size >> 20,
                    max >> 20
                );
                diagnostics.push(build_error(why));
                return Ok(Built { executable: None, diagnostics, duration_s });
            }
        }
        // Every workspace's probe is uplifted to the same path: keep a private copy. It is
        // replaced by rename, never rewritten in place, so a probe still running elsewhere keeps
        // its own file.
        let private = ws.join("runner");
        let bytes = io(&exe, fs::read(&exe))?;
        if fs::read(&private).ok() != Some(bytes) {
            static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = ws.join(format!(".runner-{}-{n}", std::process::id()));
            io(&tmp, fs::copy(&exe, &tmp))?;
            io(&private, fs::rename(&tmp, &private))?;
        }
        Ok(Built { executable: Some(private), diagnostics, duration_s })
    }

    /// The course's `Cargo.toml` for the stage crate, with the submission's `src/**/*.rs`.
    fn copy_student_crate(&self, stage: &Stage, submission: &Path, dest: &Path) -> Result<(), BuildError> {
        let course_manifest = self.course_root.join(&stage.student_dir).join("Cargo.toml");
        let manifest = io(&course_manifest, fs::read(&course_manifest))?;
        write_if_changed(&dest.join("Cargo.toml"), &manifest)?;
        let src = submission.join(&stage.student_dir).join("src");
        if !src.is_dir() {
            return Err(BuildError::Layout(format!(
                "{} has no {}/src: is it a checkout of the course?",
                submission.display(),
                stage.student_dir
            )));
        }
        let mut wanted = Vec::new();
        collect_rs(&src, Path::new(""), &mut wanted).map_err(|source| BuildError::Io { path: src.clone(), source })?;
        for rel in &wanted {
            let bytes = io(&src.join(rel), fs::read(src.join(rel)))?;
            write_if_changed(&dest.join("src").join(rel), &bytes)?;
        }
        // Files the student deleted must not linger in the grader's copy.
        let mut present = Vec::new();
        let dsrc = dest.join("src");
        collect_rs(&dsrc, Path::new(""), &mut present)
            .map_err(|source| BuildError::Io { path: dsrc.clone(), source })?;
        for rel in present.iter().filter(|p| !wanted.contains(p)) {
            io(&dsrc.join(rel), fs::remove_file(dsrc.join(rel)))?;
        }
        Ok(())
    }

    /// Writes the build workspace and returns the probe's package name, and whether the glue has
    /// a `cuda` feature.
    fn write_workspace(
        &self,
        stage: &Stage,
        ws: &Path,
        tag: &str,
        subject: &Path,
        subject_is_member: bool,
    ) -> Result<(String, bool), BuildError> {
        let abs = |p: &Path| p.to_string_lossy().replace('\\', "/");
        let glue_dir = self.course_root.join("grader/probes").join(&stage.probe);
        let glue_path = glue_dir.join("Cargo.toml");
        let glue_text = io(&glue_path, fs::read_to_string(&glue_path))?;
        let mut glue: toml::Table = glue_text
            .parse()
            .map_err(|e: toml::de::Error| BuildError::Glue { path: glue_path.clone(), message: e.to_string() })?;
        glue.remove("workspace");
        let has_cuda = glue.get("features").and_then(|f| f.get("cuda")).is_some();
        // Bin paths and path dependencies become absolute; the stage crate points at the subject.
        // Each workspace's binary gets its own name: binaries are copied ("uplifted") to one
        // shared directory, where two workspaces' `runner`s would overwrite each other.
        match glue.get_mut("bin") {
            Some(toml::Value::Array(bins)) if bins.len() == 1 => {
                let b = bins[0].as_table_mut().ok_or_else(|| BuildError::Glue {
                    path: glue_path.clone(),
                    message: "[[bin]] is not a table".into(),
                })?;
                b.insert("name".into(), toml::Value::String(format!("runner-{tag}")));
                if let Some(toml::Value::String(p)) = b.get_mut("path") {
                    *p = abs(&glue_dir.join(&*p));
                }
            }
            _ => return Err(BuildError::Glue { path: glue_path.clone(), message: "needs exactly one [[bin]]".into() }),
        }
        let subject_pkg = read_package_name(&subject.join("Cargo.toml"))?;
        let probe_pkg = read_package_name(&glue_path)?;
        let deps = glue
            .get_mut("dependencies")
            .and_then(|d| d.as_table_mut())
            .ok_or_else(|| BuildError::Glue { path: glue_path.clone(), message: "no [dependencies]".into() })?;
        for (name, dep) in deps.iter_mut() {
            let Some(t) = dep.as_table_mut() else { continue };
            if name == &stage.crate_dir {
                t.insert("path".into(), toml::Value::String(abs(subject)));
                t.insert("package".into(), toml::Value::String(subject_pkg.clone()));
            } else if let Some(toml::Value::String(p)) = t.get_mut("path") {
                *p = abs(&glue_dir.join(&*p));
            }
        }
        let glue_out = toml::to_string(&glue).expect("toml serialises");
        write_if_changed(&ws.join(format!("probe-{tag}/Cargo.toml")), glue_out.as_bytes())?;

        let members = if subject_is_member {
            format!(r#"["probe-{tag}", "crate-{tag}"]"#)
        } else {
            format!(r#"["probe-{tag}"]"#)
        };
        let root = format!(
            "# Written by the grader: a build workspace for one stage's probe. Do not edit.\n\
             [workspace]\nresolver = \"2\"\nmembers = {members}\n\n\
             [profile.grade]\ninherits = \"release\"\npanic = \"unwind\"\ndebug = false\nincremental = true\n"
        );
        write_if_changed(&ws.join("Cargo.toml"), root.as_bytes())?;
        // The course's lock file pins every dependency, so a probe build needs no network and
        // resolves to exactly the versions the course was tested with.
        // Copied before every build (cargo then adds the workspace's own path packages), so that
        // every workspace resolves to the same versions and shares their compiled artifacts.
        let lock = self.course_root.join("Cargo.lock");
        if let Ok(bytes) = fs::read(&lock) {
            write_if_changed(&ws.join("Cargo.lock"), &bytes)?;
        }
        Ok((probe_pkg, has_cuda))
    }
}

/// A build error that belongs to no file: the message is also its rendering.
fn build_error(why: String) -> Diagnostic {
    Diagnostic { level: "error".into(), message: why.clone(), file: None, line: None, column: None, rendered: why }
}

/// The most compiler messages kept from one build.
const MAX_DIAGNOSTICS: usize = 200;

/// Where the builder says that it is waiting (default: standard error). Set once, by the
/// program, before any build.
pub static NOTICE: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

fn notify(what: &str) {
    match NOTICE.get() {
        Some(f) => f(what),
        None => eprintln!("   {what}"),
    }
}

/// `HH:MM:SS` of a time, in UTC.
fn clock(t: std::time::SystemTime) -> String {
    let s = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Address space of each process of a student's build (cargo, rustc, the linker).
pub const BUILD_MEMORY_BYTES: u64 = 6 << 30;
/// The largest file a student's build may write (an object file, the probe).
pub const BUILD_FILE_BYTES: u64 = 1 << 30;

/// Removes every file under `dir` of at least [`BUILD_FILE_BYTES`] (only a build stopped by the
/// limit writes one), and the temporary directory of rustc's that held it.
pub fn remove_files_at_limit(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        if ft.is_dir() {
            remove_files_at_limit(&path);
        } else if ft.is_file() && e.metadata().is_ok_and(|m| m.len() >= BUILD_FILE_BYTES) {
            let _ = fs::remove_file(&path);
            if let Some(parent) = path.parent() {
                if parent.file_name().is_some_and(|n| n.to_string_lossy().starts_with("rmeta")) {
                    let _ = fs::remove_dir_all(parent);
                }
            }
        }
    }
}

/// Which of the build's limits a failed student build ran into, read from cargo's and rustc's
/// words for it.
fn limit_hit(cargo_stderr: &str, diagnostics: &[Diagnostic]) -> Option<String> {
    let text: String = std::iter::once(cargo_stderr)
        .chain(diagnostics.iter().map(|d| d.rendered.as_str()))
        .chain(diagnostics.iter().map(|d| d.message.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    if text.contains("SIGXFSZ") || text.contains("signal: 25") || text.contains("File too large") {
        Some(format!(
            "the build stopped: it wrote a file larger than the {} MiB a build may write (a huge static or constant?)",
            BUILD_FILE_BYTES >> 20
        ))
    } else if text.contains("memory allocation of")
        || text.contains("Cannot allocate memory")
        || text.contains("out of memory")
        || text.contains("LLVM ERROR")
        || text.contains("SIGKILL")
        || text.contains("SIGABRT")
        || text.contains("signal: 6")
        || text.contains("signal: 9")
    {
        Some(format!(
            "the build stopped: the compiler needed more than the {} MiB of memory a build may use (a huge static or \
             constant, or code that expands without bound?)",
            BUILD_MEMORY_BYTES >> 20
        ))
    } else {
        None
    }
}

/// Removes the variables cargo sets for the crate it is building or running (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, `OUT_DIR`...) from a nested cargo's environment. When the grader runs
/// under `cargo test` or `cargo run` it inherits them, and build scripts that watch them (ring's
/// does) would be re-run, recompiling everything above them (polars) whenever the grader is
/// started from a different context. Cargo's own settings (`CARGO_HOME`, `CARGO_NET_*`,
/// `CARGO_HTTP_*`, `CARGO_REGISTRIES_*`, `CARGO_TERM_*`, `CARGO_BUILD_JOBS`) are kept.
pub fn scrub_cargo_env(cmd: &mut Command) {
    const KEEP: [&str; 7] = [
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_TERM_",
        "CARGO_BUILD_JOBS",
    ];
    for (key, _) in std::env::vars_os() {
        let Some(k) = key.to_str() else { continue };
        let per_crate = (k.starts_with("CARGO_") && !KEEP.iter().any(|p| k.starts_with(p)))
            || matches!(
                k,
                "OUT_DIR" | "RUSTC_BOOTSTRAP" | "TARGET" | "HOST" | "NUM_JOBS" | "OPT_LEVEL" | "PROFILE" | "DEBUG"
            );
        // CARGO_TARGET_DIR is set explicitly by the caller after this, where it matters.
        if per_crate && k != "CARGO_TARGET_DIR" {
            cmd.env_remove(k);
        }
    }
}

/// The `[package] name` of a crate's manifest.
pub fn read_package_name(manifest: &Path) -> Result<String, BuildError> {
    let text = io(manifest, fs::read_to_string(manifest))?;
    let t: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| BuildError::Glue { path: manifest.to_path_buf(), message: e.to_string() })?;
    t.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .ok_or_else(|| BuildError::Glue { path: manifest.to_path_buf(), message: "no package.name".into() })
}

/// Relative paths of regular `.rs` files under `dir` (symbolic links are ignored).
fn collect_rs(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let Ok(entries) = fs::read_dir(dir.join(rel)) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let ft = entry.file_type()?;
        let r = rel.join(entry.file_name());
        if ft.is_dir() {
            collect_rs(dir, &r, out)?;
        } else if ft.is_file() && r.extension().is_some_and(|e| e == "rs") {
            out.push(r);
        }
    }
    out.sort();
    Ok(())
}

/// Removes ANSI colour sequences.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_queued_behind_another_says_what_it_waits_for_and_since_when() {
        static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        NOTICE.set(|w| SAID.lock().unwrap().push(w.to_string())).expect("only this test sets it");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        let course = crate::manifest::Course::load(&root, &grader_suites::all()).unwrap();
        let stage = course.stage("stage1").unwrap().clone();
        // A cold build directory of its own: the first build holds cargo's lock for a while.
        let t = tempfile::tempdir().unwrap();
        let builder = Builder::new(&root, Some(t.path().to_path_buf()));
        let first = {
            let (b, s) = (builder.clone(), stage.clone());
            std::thread::spawn(move || b.build(&s, &Role::Reference, &mut |_| {}).map(|b| b.executable.is_some()))
        };
        std::thread::sleep(std::time::Duration::from_millis(500));
        let second = builder.build(&stage, &Role::Student { submission: root.clone() }, &mut |_| {}).unwrap();
        assert!(first.join().unwrap().unwrap() && second.executable.is_some());
        let said = SAID.lock().unwrap().clone();
        assert!(
            said.iter()
                .any(|w| w.starts_with("waiting since ") && w.contains(&t.path().join("build").display().to_string())),
            "{said:?}"
        );
        assert_eq!(clock(std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400 + 3_723)), "01:02:03");
    }

    #[test]
    fn write_if_changed_keeps_an_unchanged_file_untouched() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a/b/lib.rs");
        write_if_changed(&p, b"fn a() {}").unwrap();
        let before = fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&p, b"fn a() {}").unwrap();
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before, "rewritten: cargo would rebuild");
        write_if_changed(&p, b"fn b() {}").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"fn b() {}");
        // Nothing written aside is left.
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn workspace_tags_are_stable_and_distinct() {
        assert_eq!(path_tag(Path::new("/a/alice")), path_tag(Path::new("/a/alice")));
        assert_ne!(path_tag(Path::new("/a/alice")), path_tag(Path::new("/a/bob")));
        assert_eq!(path_tag(Path::new("/x")).len(), 16);
    }

    #[test]
    fn collect_rs_takes_rust_files_and_no_links() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("m")).unwrap();
        fs::write(t.path().join("lib.rs"), "").unwrap();
        fs::write(t.path().join("m/x.rs"), "").unwrap();
        fs::write(t.path().join("notes.txt"), "").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", t.path().join("y.rs")).unwrap();
        let mut out = Vec::new();
        collect_rs(t.path(), Path::new(""), &mut out).unwrap();
        assert_eq!(out, [PathBuf::from("lib.rs"), PathBuf::from("m/x.rs")]);
    }

    #[test]
    fn limits_hit_are_named_and_other_failures_are_not() {
        let d = |m: &str| Diagnostic {
            level: "error".into(),
            message: m.into(),
            file: None,
            line: None,
            column: None,
            rendered: m.into(),
        };
        let fsize = limit_hit("process didn't exit successfully (signal: 25, SIGXFSZ: file size limit exceeded)", &[]);
        assert!(fsize.unwrap().contains("larger than the 1024 MiB"));
        let mem = limit_hit("", &[d("memory allocation of 8589934592 bytes failed")]);
        assert!(mem.unwrap().contains("6144 MiB of memory"));
        assert_eq!(limit_hit("error: could not compile `stage1`", &[d("mismatched types")]), None);
    }

    #[test]
    fn files_left_at_the_limit_are_removed_with_rustcs_temporary_directory() {
        let t = tempfile::tempdir().unwrap();
        let tmp = t.path().join("grade/deps/rmetaAbC123");
        fs::create_dir_all(&tmp).unwrap();
        let big = fs::File::create(tmp.join("full.rmeta")).unwrap();
        big.set_len(BUILD_FILE_BYTES).unwrap(); // sparse: no disk used
        fs::write(t.path().join("grade/deps/libstage1.rlib"), b"small").unwrap();
        remove_files_at_limit(t.path());
        assert!(!tmp.exists());
        assert!(t.path().join("grade/deps/libstage1.rlib").exists());
    }

    #[test]
    fn strip_ansi_removes_colour_sequences() {
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[31merror\u{1b}[0m: x"), "error: x");
    }
}
