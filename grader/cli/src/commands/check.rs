//! `grader check`: build and grade a selection, then the reports.

use super::*;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum DeviceArg {
    Cpu,
    Cuda,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// What to grade: a stage (`stage1`), a module (`stage1.linalg`) or one exercise id.
    #[arg(required_unless_present = "all")]
    selection: Option<String>,
    /// Grade every exercise of every stage.
    #[arg(long, conflicts_with = "selection")]
    all: bool,
    /// A checkout of the course to grade (a student's fork, a fixture); default: this one.
    #[arg(long, conflicts_with = "reference")]
    submission: Option<PathBuf>,
    /// Grade the reference solutions instead of the exercises.
    #[arg(long)]
    reference: bool,
    /// Seed of the hidden cases (printed in every report; pass it again to replay a run).
    #[arg(long)]
    seed: Option<u64>,
    /// Where speed targets run. `cuda` needs a grader built with `--features cuda` and a GPU.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
    /// Write the JSON report (schema: grader/report/report.schema.json) to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the HTML report to FILE (default: target/grader/report.html).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Skip speed targets (their points are not awarded).
    #[arg(long)]
    no_speed: bool,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Print only the summary line.
    #[arg(long, short)]
    quiet: bool,
    /// Append a Markdown summary to FILE (CI: `--markdown "$GITHUB_STEP_SUMMARY"`).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// When to exit non-zero: `all-passed` (default), `fail-under:PERCENT` (below that share of
    /// the points), `never` (a grader error still exits 4).
    #[arg(long, env = "GRADER_EXIT_POLICY", default_value = "all-passed", value_name = "POLICY")]
    exit_policy: crate::ci::ExitPolicy,
}

impl CheckArgs {
    /// The selection, `all` for `--all`.
    pub fn selection_or_all(&self) -> String {
        if self.all {
            "all".into()
        } else {
            self.selection.clone().unwrap_or_else(|| "all".into())
        }
    }

    /// The graded checkout: `--submission`, else the repository itself.
    pub fn submission_dir(&self, root: &Path) -> PathBuf {
        self.submission.clone().unwrap_or_else(|| root.to_path_buf())
    }
}

pub fn check(root: &Path, a: CheckArgs) -> Result<u8> {
    let (course, bundle) = crate::export::load_course(root)?;
    if let Some(b) = &bundle {
        let mut stages: Vec<&str> = course.select(&a.selection_or_all()).iter().map(|e| e.stage.as_str()).collect();
        stages.dedup();
        b.verify(&stages)?;
    }
    let role = if a.reference {
        Role::Reference
    } else {
        let sub = a.submission.clone().unwrap_or_else(|| root.to_path_buf());
        if !sub.is_dir() {
            bail!("submission {} is not a directory", sub.display());
        }
        Role::Student { submission: sub.canonicalize()? }
    };
    let seed = a.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (t.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000
    });
    let config = RunConfig {
        selection: if a.all { "all".into() } else { a.selection.clone().expect("clap requires it") },
        seed,
        role,
        device: match a.device {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
        },
        target_dir: Some(target_dir(root, a.target_dir.clone())),
        limits: Limits::default(),
        speed: !a.no_speed,
        gate: Default::default(),
    };
    let mut term = Terminal::new(a.quiet);
    let mut report = run(&course, &suites::all(), &config, &mut term)?;
    // Tamper evidence and progress (student editions keep it in the repository).
    let mut revealed = Vec::new();
    if let Role::Student { submission } = &config.role {
        let bundle_dir = bundle.as_ref().map(|b| b.dir.as_path());
        let own_binary = bundle_dir.and_then(crate::export::verify_own_binary);
        report.integrity = crate::tamper::check(&course, bundle_dir, own_binary, submission)?;
        let own_repo = submission.canonicalize().ok() == root.canonicalize().ok();
        if own_repo && crate::export::is_student_edition(root) {
            let mut progress = crate::progress::Progress::load(root);
            revealed = progress.record(&report, &course);
            // A failure shows the latest hint the student has seen (hints reveal themselves).
            for ex in report.exercises.iter_mut().filter(|e| e.hint.is_some()) {
                if let Some(e) = course.exercise(&ex.id) {
                    let n = (progress.hints_shown(&ex.id) as usize).clamp(1, e.hints.len());
                    ex.hint = Some(format!("({n}/{}) {}", e.hints.len(), e.hints[n - 1]));
                }
            }
            progress.save(root)?;
        }
    }
    let tdir = target_dir(root, a.target_dir);
    std::fs::create_dir_all(&tdir).ok();
    // The last result feeds `grader list`.
    std::fs::write(tdir.join("last-report.json"), grader_report::render_json(&report))
        .with_context(|| format!("failed to write {}", tdir.join("last-report.json").display()))?;
    let html_path = a.html.unwrap_or_else(|| tdir.join("report.html"));
    write(&html_path, &grader_report::render_html(&report)?)?;
    if let Some(p) = &a.json {
        write(p, &grader_report::render_json(&report))?;
    }
    if let Some(p) = &a.junit {
        write(p, &grader_report::render_junit(&report)?)?;
    }
    if let Some(p) = &a.markdown {
        append(p, &crate::ci::markdown(&report))?;
    }
    term.footer(&report, &html_path);
    if let Some(i) = &report.integrity {
        crate::tamper::print(i);
    }
    for id in &revealed {
        println!("a new hint revealed itself for {id}: grader hint {id}");
    }
    Ok(a.exit_policy.apply(&report, exit_code(&report)))
}

fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("failed to open {}", path.display()))?;
    f.write_all(text.as_bytes()).with_context(|| format!("failed to write {}", path.display()))
}

/// 0 passed, 1 failed, 3 build failed, 5 refused.
pub fn exit_code(report: &Report) -> u8 {
    if !report.build.violations.is_empty() {
        EXIT_FORBIDDEN
    } else if !report.build.ok {
        EXIT_BUILD_FAILED
    } else if report.exercises.iter().all(|e| e.status == ExerciseStatus::Passed) {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

/// `grader project check final --submission DIR`.
#[derive(clap::Subcommand, Debug)]
pub enum ProjectCommand {
    /// Build and grade a project (`final`): the task named in its `project.toml`, every part.
    Check(ProjectArgs),
}

#[derive(clap::Args, Debug, Clone)]
pub struct ProjectArgs {
    /// The project: `final`.
    project: String,
    /// The project's directory (the crate with `project.toml`), or a checkout of the course
    /// holding it under `projects/`; default: this checkout.
    #[arg(long)]
    submission: Option<PathBuf>,
    /// Grade this task instead of the one `project.toml` names.
    #[arg(long)]
    task: Option<String>,
    /// Seed of the hidden cases (printed in every report; pass it again to replay a run).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the HTML report to FILE (default: target/grader/report.html).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Skip speed targets (their points are not awarded).
    #[arg(long)]
    no_speed: bool,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Print only the summary line.
    #[arg(long, short)]
    quiet: bool,
}

/// The task a project's `project.toml` names (`task = "spam"`), checked against the project's
/// modules.
pub fn project_task(course: &grader_engine::manifest::Course, project: &str, dir: &Path) -> Result<String> {
    let stage = course.stage(project).with_context(|| {
        let projects: Vec<&str> =
            course.stages.iter().filter(|s| s.student_dir.starts_with("projects/")).map(|s| s.id.as_str()).collect();
        format!("no project `{project}` in this course (projects: {})", projects.join(", "))
    })?;
    let file = [dir.join("project.toml"), dir.join(&stage.student_dir).join("project.toml")]
        .into_iter()
        .find(|f| f.is_file())
        .with_context(|| {
            format!(
                "{} has no project.toml (nor {}/project.toml): it names the task, `task = \"{}\"`",
                dir.display(),
                stage.student_dir,
                stage.modules.first().map(|m| m.0.as_str()).unwrap_or("?")
            )
        })?;
    // A regular file inside the submission, reached through no link (a link could point at any
    // file of the grader's machine, and a parse error would quote it).
    let meta = std::fs::symlink_metadata(&file)?;
    let inside = file.canonicalize().ok().zip(dir.canonicalize().ok()).is_some_and(|(f, d)| f.starts_with(d))
        && file.strip_prefix(dir).is_ok_and(|rel| {
            let mut at = dir.to_path_buf();
            rel.components().all(|c| {
                at.push(c);
                std::fs::symlink_metadata(&at).is_ok_and(|m| !m.file_type().is_symlink())
            })
        });
    if !inside || !meta.is_file() || meta.len() > 64 << 10 {
        bail!("{}: not a regular file of at most 64 KiB inside the submission (no link)", file.display());
    }
    #[derive(serde::Deserialize)]
    struct Manifest {
        task: String,
    }
    let m: Manifest = toml::from_str(&std::fs::read_to_string(&file)?).map_err(|e| {
        let line = e.span().map(|s| {
            let text = std::fs::read(&file).unwrap_or_default();
            text[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
        });
        anyhow::anyhow!(
            "{}{}: expected `task = \"...\"` (one of the project's tasks)",
            file.display(),
            line.map(|l| format!(", line {l}")).unwrap_or_default()
        )
    })?;
    let tasks: Vec<&str> = stage.modules.iter().map(|m| m.0.as_str()).collect();
    if !tasks.contains(&m.task.as_str()) {
        bail!("{}: task `{}` is not one of this project's: {}", file.display(), m.task, tasks.join(", "));
    }
    Ok(m.task)
}

pub fn project(root: &Path, command: ProjectCommand) -> Result<u8> {
    let ProjectCommand::Check(a) = command;
    let (course, _) = crate::export::load_course(root)?;
    let dir = a.submission.clone().unwrap_or_else(|| root.to_path_buf());
    if !dir.is_dir() {
        bail!("submission {} is not a directory", dir.display());
    }
    let task = match &a.task {
        Some(t) => t.clone(),
        None => project_task(&course, &a.project, &dir)?,
    };
    if course.select(&format!("{}.{task}", a.project)).is_empty() {
        bail!("project `{}` has no task `{task}`", a.project);
    }
    if !a.quiet {
        eprintln!(
            "project {}: task {task} (from {})",
            a.project,
            if a.task.is_some() { "--task" } else { "project.toml" }
        );
    }
    check(
        root,
        CheckArgs {
            selection: Some(format!("{}.{task}", a.project)),
            all: false,
            submission: Some(dir),
            reference: false,
            seed: a.seed,
            device: DeviceArg::Cpu,
            json: a.json,
            junit: a.junit,
            html: a.html,
            no_speed: a.no_speed,
            target_dir: a.target_dir,
            quiet: a.quiet,
            markdown: None,
            exit_policy: crate::ci::ExitPolicy::AllPassed,
        },
    )
}
