//! `grader gradebook`: merges shards' gradebooks, writes the exports again, shows the history,
//! enters manual rubric scores (`rubric`); and the export options that `batch` shares with it.

mod rubric;
pub use rubric::{RubricArgs, RubricImportArgs};

use super::args::{ExportOpts, GradebookCommand};
use super::plan::{load, lock, starter};
use crate::EXIT_PASSED;
use anyhow::{bail, Context, Result};
use grader_engine::manifest::Course;
use grader_gradebook::export::{self, Options};
use grader_gradebook::{Gradebook, Policy};
use std::path::{Path, PathBuf};

/// The export options from the command line and the gradebook (the policy it keeps). The
/// gradebook also keeps the stage's rubric items, as the course manifest declares them now, and
/// these options (the roster's path, the assignment's names, the similarity threshold), which
/// `grader gradebook rubric` exports with again.
pub(super) fn export_options(course: &Course, gb: &Gradebook, o: &ExportOpts) -> Result<Options> {
    let policy = match o.policy.as_deref() {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            let parsed = Policy::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            gb.set_meta("policy", &text)?;
            Some(parsed)
        }
        None => match gb.meta("policy")? {
            Some(text) => Some(Policy::parse(&text).map_err(|e| anyhow::anyhow!("the gradebook's policy: {e}"))?),
            None => None,
        },
    };
    let roster = match o.roster.as_deref() {
        Some(p) => export::read_roster(p)?,
        None => Default::default(),
    };
    let stage =
        gb.batch_meta()?.and_then(|m| course.select(&m.selection).first().map(|e| e.stage.clone())).unwrap_or_default();
    rubric::sync_rubric(course, gb)?;
    rubric::remember(gb, o)?;
    Ok(Options {
        policy,
        roster,
        assignment: o.assignment.clone(),
        canvas_assignment_id: o.canvas_assignment_id.clone(),
        starter: starter(course, &stage),
        similarity_threshold: Some(o.similarity_threshold),
    })
}

fn db_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("gradebook.sqlite")
    } else {
        p.to_path_buf()
    }
}

fn export_with(course: &Course, gb: &Gradebook, out: &Path, o: &ExportOpts) -> Result<()> {
    let options = export_options(course, gb, o)?;
    let w = export::export_all(gb, out, &options)?;
    println!(
        "exported {} student(s) to {} ({} files; {} similar pair(s))",
        w.students,
        out.display(),
        w.files.len(),
        w.similar_pairs
    );
    Ok(())
}

pub fn gradebook(root: &Path, cmd: GradebookCommand) -> Result<u8> {
    match cmd {
        GradebookCommand::Merge(a) => {
            let course = load(root)?;
            std::fs::create_dir_all(&a.out)?;
            let Some(_lock) = lock(&a.out.join(".batch.lock"), false)? else {
                bail!("another `grader batch` is writing {}", a.out.display());
            };
            let target = db_path(&a.out);
            let gb = Gradebook::open(&target)?;
            for s in &a.shards {
                let p = db_path(s);
                if !p.is_file() {
                    bail!("{}: no gradebook there", p.display());
                }
                if p.canonicalize().ok() == target.canonicalize().ok() {
                    bail!("{}: cannot merge a gradebook into itself", p.display());
                }
                let n = gb.merge_from(&p)?;
                println!("merged {n} grading(s) from {}", p.display());
            }
            println!("{} student(s) in {}", gb.current_rows()?.len(), target.display());
            if !a.export.no_export {
                export_with(&course, &gb, &a.out, &a.export)?;
            }
            Ok(EXIT_PASSED)
        }
        GradebookCommand::Export(a) => {
            let course = load(root)?;
            let p = db_path(&a.dir);
            if !p.is_file() {
                bail!("{}: no gradebook there", p.display());
            }
            let gb = Gradebook::open(&p)?;
            export_with(&course, &gb, &a.dir, &a.export)?;
            Ok(EXIT_PASSED)
        }
        GradebookCommand::Rubric(a) => rubric::rubric(root, a),
        GradebookCommand::RubricImport(a) => rubric::rubric_import(root, a),
        GradebookCommand::History(a) => {
            let p = db_path(&a.dir);
            if !p.is_file() {
                bail!("{}: no gradebook there", p.display());
            }
            let gb = Gradebook::open(&p)?;
            let rows = gb.history(a.student.as_deref())?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(EXIT_PASSED);
            }
            println!(
                "{:<6} {:<20} {:<18} {:<26} {:<12} {:<13} {:>8}  {:<17} worker",
                "id", "student", "reason", "selection", "state", "outcome", "score", "finished"
            );
            for r in rows {
                println!(
                    "{:<6} {:<20} {:<18} {:<26} {:<12} {:<13} {:>8}  {:<17} {}{}",
                    r.id,
                    r.student,
                    r.reason,
                    r.selection,
                    r.state,
                    r.outcome.unwrap_or_default(),
                    r.score.map(|s| s.to_string()).unwrap_or_default(),
                    r.finished_ms
                        .map(|t| grader_gradebook::policy::format_time(t / 1000).trim_end_matches(" UTC").to_string())
                        .unwrap_or_default(),
                    r.worker,
                    if r.current { " (current)" } else { "" }
                );
            }
            rubric::print_entries(&gb.rubric_history(a.student.as_deref())?, true);
            Ok(EXIT_PASSED)
        }
    }
}
