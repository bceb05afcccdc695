//! `grader reset`: restore an exercise's stub.

use super::*;

#[derive(clap::Args, Debug)]
pub struct ResetArgs {
    /// Exercise id, e.g. stage1.linalg.matmul.
    id: String,
    /// Restore the exercise's whole file, not only its function(s).
    #[arg(long)]
    file: bool,
    /// The checkout to reset in (default: this one).
    #[arg(long)]
    submission: Option<PathBuf>,
}

/// `grader reset ID`: the exercise's function back to its stub, the rest of the file untouched.
pub fn reset(root: &Path, a: ResetArgs) -> Result<u8> {
    let course = load(root)?;
    let repo = a.submission.unwrap_or_else(|| root.to_path_buf());
    if course.root == repo.canonicalize().unwrap_or_else(|_| repo.clone()) {
        if crate::export::is_student_edition(root) {
            bail!("`grader reset` takes the stubs from the grader bundle: get it with scripts/get-grader.sh");
        }
        bail!("{} holds the course's own stubs: nothing to reset (pass --submission DIR)", repo.display());
    }
    let backup = crate::progress::reset(&course, &repo, &a.id, a.file)?;
    let ex = course.exercise(&a.id).expect("reset checked the id");
    let what = if a.file { format!("{} (whole file)", ex.file) } else { format!("`{}` in {}", ex.function, ex.file) };
    println!("reset {}: {what} is a stub again; your version is in {}", a.id, backup.display());
    Ok(EXIT_PASSED)
}
