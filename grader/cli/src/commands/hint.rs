//! `grader hint`: hints, one at a time.

use super::*;

#[derive(clap::Args, Debug)]
pub struct HintArgs {
    /// Exercise id, e.g. stage1.linalg.matmul.
    id: String,
    /// Which hint (1 = the gentlest). Default: the first (in a student edition: the next one
    /// not seen yet, after those already seen).
    #[arg(short = 'n', long = "number", value_name = "N")]
    number_given: Option<usize>,
    /// Show every hint at once.
    #[arg(long)]
    all: bool,
}

pub fn hint(root: &Path, a: HintArgs) -> Result<u8> {
    let course = load(root)?;
    let Some(ex) = course.exercise(&a.id) else {
        bail!("no exercise `{}`: see `grader list`", a.id);
    };
    let dir = course.stage(&ex.stage).map(|s| s.student_dir.as_str()).unwrap_or("exercises");
    println!("{} — {} ({} in {dir}/{})", ex.id, ex.title, ex.function, ex.file);
    let n = ex.hints.len();
    // A student edition remembers which hints were seen: each `grader hint ID` shows those and
    // reveals one more.
    if crate::export::is_student_edition(root) && a.number_given.is_none() {
        let mut progress = crate::progress::Progress::load(root);
        let entry = progress.exercise.entry(ex.id.clone()).or_default();
        let shown = if a.all { n } else { (entry.hints_revealed as usize + 1).min(n) };
        entry.hints_revealed = entry.hints_revealed.max(shown as u32);
        for (i, h) in ex.hints.iter().enumerate().take(shown) {
            println!("hint {}/{n}: {h}", i + 1);
        }
        if shown < n {
            println!("(next: `grader hint {}` reveals hint {}/{n})", ex.id, shown + 1);
        } else {
            println!("(that was every hint)");
        }
        progress.save(root)?;
        return Ok(EXIT_PASSED);
    }
    if a.all {
        for (i, h) in ex.hints.iter().enumerate() {
            println!("hint {}/{n}: {h}", i + 1);
        }
    } else {
        let i = a.number_given.unwrap_or(1).clamp(1, n);
        println!("hint {i}/{n}: {}", ex.hints[i - 1]);
        if i < n {
            println!("(next: grader hint {} -n {})", ex.id, i + 1);
        }
    }
    Ok(EXIT_PASSED)
}
