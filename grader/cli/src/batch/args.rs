//! The command line of `grader batch` and `grader gradebook`: every flag, its help text and default.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// A folder with one entry per student (a directory, a git repository, NAME.tar.gz,
    /// NAME.zip; the entry's name is the student's id), or a list file of `student location
    /// [time]` lines (a path or a git URL; the time, RFC 3339, is when the LMS or the Git host
    /// got it, and the late policy uses it).
    #[arg(required_unless_present = "worker")]
    pub(super) submissions: Option<PathBuf>,
    /// What to grade: a stage (`stage1`), a module (`stage1.linalg`) or one exercise id.
    #[arg(long, required_unless_present = "worker", value_name = "SELECTION")]
    pub(super) stage: Option<String>,
    /// Where the gradebook (`gradebook.sqlite`) and every export go.
    #[arg(long, required_unless_present = "worker", value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// Submissions graded at once (default: one per core; one when the selection has CPU speed
    /// targets, which are ratios measured side by side and need the cores to themselves).
    #[arg(long, short)]
    pub(super) jobs: Option<usize>,
    /// Seed of the hidden cases, the same for the whole class (default: the gradebook's, else a
    /// new one; shards need it given).
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Skip speed targets (their points are not awarded).
    #[arg(long)]
    pub(super) no_speed: bool,
    /// Grade only shard I of N (`--shard 2/8`): a stable hash of the student id decides, so every
    /// shard agrees without talking to the others. Join the shards with `grader gradebook merge`.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<String>,
    /// Grade only this student (repeatable).
    #[arg(long = "student", value_name = "ID")]
    pub(super) students: Vec<String>,
    /// Grade again students that already have a grade (all, or the `--student` ones); their
    /// earlier gradings stay in the history.
    #[arg(long)]
    pub(super) regrade: bool,
    /// Regrade one exercise (for everyone, or the `--student` ones) and put its result into
    /// their current grade.
    #[arg(long, value_name = "ID")]
    pub(super) exercise: Option<String>,
    /// Grade again submissions whose grading failed on the grader's side (outcome `error`).
    #[arg(long)]
    pub(super) retry_errors: bool,
    /// Wall-clock limit of one submission (unpacking, building, every case), in seconds.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub(super) submission_timeout: u64,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR", value_name = "DIR")]
    pub(super) target_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(super) export: ExportOpts,
    /// No line per submission, no progress bar; only the summary.
    #[arg(long, short)]
    pub(super) quiet: bool,
    /// Internal: grade the one submission described on standard input.
    #[arg(long, hide = true)]
    pub(super) worker: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum GradebookCommand {
    /// Join shards' gradebooks (`--shard i/n` runs) into one, then write the exports.
    Merge(MergeArgs),
    /// Write the exports again from the gradebook (after a policy change, a merge...).
    Export(ExportArgs),
    /// Every grading of every student (or one), regrades included, then the rubric entries.
    History(HistoryArgs),
    /// Enter one manual rubric score (`[[stage.rubric]]` in course.toml), or list them (`--list`).
    Rubric(super::gradebook::RubricArgs),
    /// Enter manual rubric scores from a CSV: a `student` column, one column per item id.
    RubricImport(super::gradebook::RubricImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Where the merged gradebook and its exports go.
    #[arg(long, value_name = "DIR")]
    pub(super) out: PathBuf,
    /// The shards' --out directories (or their gradebook.sqlite files).
    #[arg(required = true)]
    pub(super) shards: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) export: ExportOpts,
}

/// What the exports need: `batch`, `gradebook merge` and `gradebook export` share them.
#[derive(clap::Args, Debug)]
pub struct ExportOpts {
    /// Deadlines and late penalties (TOML; see README); default: the one the gradebook keeps
    /// (a batch keeps the one it is given, for later exports).
    #[arg(long, value_name = "FILE")]
    pub(super) policy: Option<PathBuf>,
    /// Students' LMS identities (CSV with a `student` column; see README).
    #[arg(long, value_name = "FILE")]
    pub(super) roster: Option<PathBuf>,
    /// Assignment name in the LMS exports (default: the selection).
    #[arg(long)]
    pub(super) assignment: Option<String>,
    /// Canvas's id of the assignment, so the import updates it rather than creating one.
    #[arg(long, value_name = "ID")]
    pub(super) canvas_assignment_id: Option<String>,
    /// Jaccard similarity from which a pair of submissions is reported.
    #[arg(long, default_value_t = 0.5)]
    pub(super) similarity_threshold: f64,
    /// No exports: grade or merge only, and write them later with `grader gradebook export`.
    #[arg(long)]
    pub(super) no_export: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// A batch's --out directory.
    pub(super) dir: PathBuf,
    #[command(flatten)]
    pub(super) export: ExportOpts,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// A batch's --out directory.
    pub(super) dir: PathBuf,
    /// Only this student.
    #[arg(long)]
    pub(super) student: Option<String>,
    /// As JSON.
    #[arg(long)]
    pub(super) json: bool,
}
