//! `grader gradebook rubric` and `grader gradebook rubric-import`: the instructor enters the
//! points of manual rubric items (a design write-up, code quality, a presentation), which the
//! course manifest declares per stage (`[[stage.rubric]]` in `grader/course/course.toml`). Each
//! entry is kept in the gradebook with who entered it and when; then every export is written again
//! with the options of the last export, so that the LMS files, the Gradescope results and the
//! students' pages include it.

use super::super::args::ExportOpts;
use super::super::plan::{load, lock};
use super::db_path;
use crate::EXIT_PASSED;
use anyhow::{bail, Context, Result};
use grader_engine::manifest::Course;
use grader_gradebook::export::{self, Options};
use grader_gradebook::rubric::{parse_rubric_csv, RubricEntry, RubricItem};
use grader_gradebook::{Gradebook, NewScore, Policy};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  grader gradebook rubric grades/ --student alice --item design --points 8 --by \"A. Lovelace\" \\
      --comment \"Clear architecture; the trade-offs of the cache are missing\"
  grader gradebook rubric grades/ --list                    every entry (the history), current ones marked
  grader gradebook rubric grades/ --list --student alice --json

The items are the stage's [[stage.rubric]] in grader/course/course.toml. Points go from 0 to the
item's points; entering a score again replaces the current one and keeps the earlier one in the
history (also shown by `grader gradebook history`). A student's score is the automatic score plus
the rubric points entered (an item not entered counts 0 and is shown as \"not entered\"). After an
entry every export is written again with the options of the last export (late policy, roster,
assignment names), unless --no-export.")]
pub struct RubricArgs {
    /// A batch's --out directory.
    pub(in crate::batch) dir: PathBuf,
    /// The student, as the gradebook names them (see `grader gradebook history`).
    #[arg(long, value_name = "ID", required_unless_present = "list")]
    pub(in crate::batch) student: Option<String>,
    /// The rubric item's id (`design`, `code_quality`...).
    #[arg(long, value_name = "ITEM", required_unless_present = "list")]
    pub(in crate::batch) item: Option<String>,
    /// Its points: from 0 to the item's points (fractions allowed: 7.5).
    #[arg(long, value_name = "P", required_unless_present = "list", allow_hyphen_values = true)]
    pub(in crate::batch) points: Option<f64>,
    /// Who enters it (kept with the score, shown to the student).
    #[arg(long, value_name = "NAME", required_unless_present = "list")]
    pub(in crate::batch) by: Option<String>,
    /// A comment for the student, shown with the score in their report.
    #[arg(long, value_name = "TEXT")]
    pub(in crate::batch) comment: Option<String>,
    /// Enter nothing: list every rubric entry (of `--student` only, when given), the current ones
    /// marked.
    #[arg(long, conflicts_with_all = ["item", "points", "by", "comment"])]
    pub(in crate::batch) list: bool,
    /// With --list: as JSON.
    #[arg(long, requires = "list")]
    pub(in crate::batch) json: bool,
    /// Enter the score, but do not write the exports again (`grader gradebook export` later).
    #[arg(long)]
    pub(in crate::batch) no_export: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
The CSV has a header row: a `student` column, one column per rubric item id (its points; an empty
cell, or `not entered`, enters nothing), and optional `comment:<item>` columns. For example:

  student,design,code_quality,presentation,comment:design
  alice,8,9,4.5,Clear architecture; the trade-offs of the cache are missing
  bob,6,,5,

The whole file is checked first (every student must have a grading in the gradebook, every column
must be an item of the stage, every score between 0 and the item's points): one problem and
nothing is entered, each problem named by line and column. Then every score is entered in one
transaction, kept in the history with --by and the time, and the exports are written again.")]
pub struct RubricImportArgs {
    /// A batch's --out directory.
    pub(in crate::batch) dir: PathBuf,
    /// The CSV file of scores.
    #[arg(value_name = "FILE.csv")]
    pub(in crate::batch) file: PathBuf,
    /// Who enters them (kept with each score, shown to the students).
    #[arg(long, value_name = "NAME")]
    pub(in crate::batch) by: String,
    /// Enter the scores, but do not write the exports again.
    #[arg(long)]
    pub(in crate::batch) no_export: bool,
}

/// The export options the gradebook keeps from its last export (meta `export_options`).
#[derive(Serialize, Deserialize, Debug, Default)]
struct Remembered {
    roster: Option<PathBuf>,
    assignment: Option<String>,
    canvas_assignment_id: Option<String>,
    similarity_threshold: Option<f64>,
}

/// Keeps the options of an export in the gradebook, for the exports a rubric entry writes.
pub(super) fn remember(gb: &Gradebook, o: &ExportOpts) -> Result<()> {
    let r = Remembered {
        roster: o.roster.as_ref().map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())),
        assignment: o.assignment.clone(),
        canvas_assignment_id: o.canvas_assignment_id.clone(),
        similarity_threshold: Some(o.similarity_threshold),
    };
    gb.set_meta("export_options", &serde_json::to_string(&r)?)?;
    Ok(())
}

/// Records in the gradebook the rubric items the course manifest declares for its stage now;
/// returns them. A gradebook whose selection is not in this course keeps the items it has.
pub(super) fn sync_rubric(course: &Course, gb: &Gradebook) -> Result<Vec<RubricItem>> {
    let Some(meta) = gb.batch_meta()? else { return Ok(Vec::new()) };
    let Some(stage) = course.select(&meta.selection).first().and_then(|e| course.stage(&e.stage)) else {
        return Ok(gb.rubric_items()?);
    };
    let items: Vec<RubricItem> = stage
        .rubric
        .iter()
        .map(|r| RubricItem { id: r.id.clone(), title: r.title.clone(), points: r.points })
        .collect();
    gb.set_rubric_items(&items)?;
    Ok(items)
}

/// The options of the gradebook's last export (its policy, roster, assignment names), checked
/// before anything is entered.
fn last_export_options(course: &Course, gb: &Gradebook) -> Result<Options> {
    let r: Remembered = match gb.meta("export_options")? {
        Some(j) => serde_json::from_str(&j).unwrap_or_default(),
        None => Remembered::default(),
    };
    let policy = match gb.meta("policy")? {
        Some(text) => Some(Policy::parse(&text).map_err(|e| anyhow::anyhow!("the gradebook's policy: {e}"))?),
        None => None,
    };
    let roster = match &r.roster {
        Some(p) => export::read_roster(p).with_context(|| {
            format!(
                "the last export used the roster {}, which cannot be read now: nothing entered (give it back, or \
                 use --no-export and `grader gradebook export --roster FILE`)",
                p.display()
            )
        })?,
        None => Default::default(),
    };
    let stage =
        gb.batch_meta()?.and_then(|m| course.select(&m.selection).first().map(|e| e.stage.clone())).unwrap_or_default();
    Ok(Options {
        policy,
        roster,
        assignment: r.assignment,
        canvas_assignment_id: r.canvas_assignment_id,
        starter: super::super::plan::starter(course, &stage),
        similarity_threshold: r.similarity_threshold,
    })
}

/// The gradebook in `dir`, with the course's rubric items recorded in it.
fn open(root: &Path, dir: &Path) -> Result<(Course, Gradebook, Vec<RubricItem>)> {
    let p = db_path(dir);
    if !p.is_file() {
        bail!("{}: no gradebook there", p.display());
    }
    let course = load(root)?;
    let gb = Gradebook::open(&p)?;
    if gb.batch_meta()?.is_none() {
        bail!("{}: the gradebook has no batch in it yet", p.display());
    }
    let items = sync_rubric(&course, &gb)?;
    Ok((course, gb, items))
}

/// Writes every export again after an entry, unless a batch is writing the folder now (its own
/// exports, at its end, will include the entry).
fn export_after(gb: &Gradebook, dir: &Path, options: &Options) -> Result<()> {
    let Some(_lock) = lock(&dir.join(".batch.lock"), false)? else {
        println!(
            "a `grader batch` is writing {} now: its exports will include this (or run `grader gradebook export`)",
            dir.display()
        );
        return Ok(());
    };
    let w = export::export_all(gb, dir, options)?;
    println!("exports written again: {} student(s) in {}", w.students, dir.display());
    Ok(())
}

fn points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Prints rubric entries as a table (nothing when there are none); `heading` prints a title
/// first (after `grader gradebook history`'s gradings).
pub(super) fn print_entries(entries: &[RubricEntry], heading: bool) {
    if entries.is_empty() {
        return;
    }
    if heading {
        println!("\nrubric entries:");
    }
    println!(
        "{:<6} {:<20} {:<16} {:>9}  {:<21} {:<20} {:<18} comment",
        "id", "student", "item", "points", "entered_at", "entered_by", "via"
    );
    for e in entries {
        println!(
            "{:<6} {:<20} {:<16} {:>9}  {:<21} {:<20} {:<18} {}{}",
            e.id,
            e.student,
            e.item,
            format!("{}/{}", points(e.points), points(e.max_points)),
            e.entered_at,
            e.entered_by,
            e.via,
            e.comment.as_deref().unwrap_or(""),
            if e.current { " (current)" } else { "" }
        );
    }
}

pub(super) fn rubric(root: &Path, a: RubricArgs) -> Result<u8> {
    let (course, gb, items) = open(root, &a.dir)?;
    if a.list {
        let entries = gb.rubric_history(a.student.as_deref())?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&entries)?);
        } else if entries.is_empty() {
            println!(
                "no rubric entries{} (items: {})",
                a.student.as_deref().map(|s| format!(" for {s}")).unwrap_or_default(),
                if items.is_empty() {
                    "none declared".to_string()
                } else {
                    items.iter().map(|i| format!("{} ({})", i.id, points(i.points))).collect::<Vec<_>>().join(", ")
                }
            );
        } else {
            print_entries(&entries, false);
        }
        return Ok(EXIT_PASSED);
    }
    let (Some(student), Some(item), Some(p), Some(by)) = (a.student, a.item, a.points, a.by) else {
        bail!("--student, --item, --points and --by are required (or --list)");
    };
    let options = if a.no_export { None } else { Some(last_export_options(&course, &gb)?) };
    let before = gb.rubric_current()?.get(&student).and_then(|m| m.get(&item)).cloned();
    let entered = gb.enter_rubric(&[NewScore { student, item, points: p, comment: a.comment }], &by, "cli")?;
    for e in &entered {
        println!(
            "{} {}: {}/{} entered by {} at {}{}",
            e.student,
            e.item,
            points(e.points),
            points(e.max_points),
            e.entered_by,
            e.entered_at,
            before
                .as_ref()
                .map(|b| format!(" (replaces {}, entered by {} at {})", points(b.points), b.entered_by, b.entered_at))
                .unwrap_or_default()
        );
    }
    if let Some(options) = options {
        export_after(&gb, &a.dir, &options)?;
    }
    Ok(EXIT_PASSED)
}

pub(super) fn rubric_import(root: &Path, a: RubricImportArgs) -> Result<u8> {
    let (course, gb, items) = open(root, &a.dir)?;
    let text = std::fs::read_to_string(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let scores = match parse_rubric_csv(&text, &items, &gb.rubric_students()?) {
        Ok(s) => s,
        Err(problems) => {
            bail!("{}: nothing entered, {} problem(s):\n  {}", a.file.display(), problems.len(), problems.join("\n  "))
        }
    };
    if scores.is_empty() {
        println!("{}: no scores in it (every cell empty): nothing entered", a.file.display());
        return Ok(EXIT_PASSED);
    }
    let options = if a.no_export { None } else { Some(last_export_options(&course, &gb)?) };
    let via = format!("import {}", a.file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let entered = gb.enter_rubric(&scores, &a.by, &via)?;
    let students: std::collections::BTreeSet<&str> = entered.iter().map(|e| e.student.as_str()).collect();
    println!(
        "{}: {} score(s) entered for {} student(s) by {} at {}",
        a.file.display(),
        entered.len(),
        students.len(),
        a.by.trim(),
        entered.first().map(|e| e.entered_at.as_str()).unwrap_or("")
    );
    if let Some(options) = options {
        export_after(&gb, &a.dir, &options)?;
    }
    Ok(EXIT_PASSED)
}
