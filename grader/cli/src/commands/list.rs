//! `grader list`: every exercise with its last status.

use super::*;

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only this stage (or module, or exercise).
    selection: Option<String>,
}

/// Progress per stage and per exercise: from the state file a student edition keeps
/// (`.grader/progress.toml`), else from the last check's report.
pub fn list(root: &Path, a: ListArgs) -> Result<u8> {
    use crate::progress::{Line, Progress};
    let course = load(root)?;
    let sel = a.selection.unwrap_or_else(|| "all".into());
    if course.select(&sel).is_empty() {
        bail!(
            "nothing matches `{sel}`: stage ids are {}",
            course.stages.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let state = Progress::load(root);
    let (lines, source): (BTreeMap<String, Line>, String) = if !state.exercise.is_empty() {
        let lines = state
            .exercise
            .iter()
            .map(|(id, e)| {
                let n = course.exercise(id).map_or(0, |x| x.hints.len());
                (id.clone(), Line { status: e.status.clone(), score: e.score, hints: Some((e.hints_revealed, n)) })
            })
            .collect();
        (lines, format!("progress from {}", crate::progress::STATE_FILE))
    } else {
        let last: Option<Report> = std::fs::read_to_string(root.join("target/grader/last-report.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        match last {
            Some(r) => (
                r.exercises
                    .iter()
                    .map(|e| {
                        (e.id.clone(), Line { status: e.status.as_str().to_string(), score: e.score, hints: None })
                    })
                    .collect(),
                "from the last check's report".to_string(),
            ),
            None => (BTreeMap::new(), "no results yet: run `grader check stage1`".to_string()),
        }
    };
    crate::progress::print_list(&course, &sel, &lines, &source);
    Ok(EXIT_PASSED)
}
