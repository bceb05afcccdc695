//! `grader`: builds a student's code, runs the hidden suites against it, and says what it found.
//!
//! Exit codes (also in README.md):
//! - 0: every selected exercise passed
//! - 1: some exercise failed or is not started
//! - 2: bad command line (unknown flag, missing argument)
//! - 3: the submission did not compile
//! - 4: grader error (bad manifest, unknown exercise, the reference failed, I/O)
//! - 5: the submission was refused before building (forbidden API, its own build configuration)

mod batch;
mod ci;
mod commands;
mod display;
mod export;
mod progress;
mod tamper;
mod watch;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code: everything passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit code: some exercise failed or was not started.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the submission did not compile.
pub const EXIT_BUILD_FAILED: u8 = 3;
/// Exit code: the grader itself could not do its job.
pub const EXIT_GRADER_ERROR: u8 = 4;
/// Exit code: the submission was refused before building.
pub const EXIT_FORBIDDEN: u8 = 5;

#[derive(Parser, Debug)]
#[command(name = "grader", version, about = "Grades the course's exercises against hidden test suites", long_about = None)]
pub struct Cli {
    /// The course checkout whose manifest, suites and reference solutions are used
    /// (default: the enclosing checkout of the current directory).
    #[arg(long, global = true, env = "GRADER_COURSE")]
    course: Option<PathBuf>,
    /// The grader bundle to grade with (the grader, the compiled reference probes and the course's
    /// files; see README.md); default: the bundle this grader runs from, else `.grader/bundle`.
    #[arg(long, global = true, env = "GRADER_BUNDLE", value_name = "DIR")]
    bundle: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build and grade exercises: `grader check stage1`, `grader check stage1.linalg.matmul`.
    Check(commands::CheckArgs),
    /// List stages and exercises, with the status of the last check.
    List(commands::ListArgs),
    /// Show the hints of an exercise, one at a time.
    Hint(commands::HintArgs),
    /// Show which study-plan topics the exercises cover.
    Coverage(commands::CoverageArgs),
    /// Measure the grader: cold and warm checks, and the probe's per-case overhead.
    Bench(commands::BenchArgs),
    /// Instructors: grade a class's submissions into a gradebook, with exports for an LMS.
    Batch(batch::BatchArgs),
    /// Instructors: merge shards' gradebooks, export again, show the grading history.
    Gradebook {
        #[command(subcommand)]
        command: batch::GradebookCommand,
    },
    /// Students: grade a project (`grader project check final --submission DIR`): the task its
    /// `project.toml` names, every part.
    Project {
        #[command(subcommand)]
        command: commands::ProjectCommand,
    },
    /// Grade again every time a source file changes: `grader watch stage3`.
    Watch(watch::WatchArgs),
    /// Restore an exercise's function to its stub (your version is backed up).
    Reset(commands::ResetArgs),
    /// Instructors: write the student edition, or the grader bundle students grade with.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// The course's data sets: list them, fetch the large ones at set-up (`grader data fetch`).
    Data {
        #[command(subcommand)]
        command: Option<commands::DataCommand>,
    },
    /// Course authors: prove that every stub fails and every reference solution passes.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand, Debug)]
enum DevCommand {
    /// Grade the reference (must be full marks) and the untouched stubs (every case must fail).
    Check(commands::DevCheckArgs),
    /// Write a new exercise (`stage4.norm.batchnorm`: stub, solution, glue line, suite, manifest
    /// entry, public test) or a new stage (`stage4`: its crates and every list that names them).
    New(commands::DevNewArgs),
    /// Build a stage's reference probe (compiles every dependency once, for later checks).
    Build {
        /// Stage id, e.g. stage2.
        stage: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(b) = &cli.bundle {
        // Read by export::find_bundle; set before any thread starts.
        std::env::set_var("GRADER_BUNDLE", b);
    }
    let course = match commands::find_course(cli.course.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(EXIT_GRADER_ERROR);
        }
    };
    let result = match cli.command {
        Command::Check(a) => commands::check(&course, a),
        Command::List(a) => commands::list(&course, a),
        Command::Hint(a) => commands::hint(&course, a),
        Command::Coverage(a) => commands::coverage(&course, a),
        Command::Bench(a) => commands::bench(&course, a),
        Command::Batch(a) => batch::batch(&course, a),
        Command::Gradebook { command } => batch::gradebook(&course, command),
        Command::Project { command } => commands::project(&course, command),
        Command::Watch(a) => watch::watch(&course, a),
        Command::Reset(a) => commands::reset(&course, a),
        Command::Export { command } => export::export(&course, command),
        Command::Data { command } => commands::data(&course, command),
        Command::Dev { command: DevCommand::Check(a) } => commands::dev_check(&course, a),
        Command::Dev { command: DevCommand::New(a) } => commands::dev_new(&course, a),
        Command::Dev { command: DevCommand::Build { stage } } => commands::dev_build(&course, &stage),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_GRADER_ERROR)
        }
    }
}
