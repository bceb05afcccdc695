//! Everything `grader batch` writes under `--out DIR`, from the gradebook alone (so that
//! `grader gradebook export` can write it again after a policy change or a merge):
//!
//! | file | what |
//! |---|---|
//! | `gradebook.csv` | one row per student: `student, outcome, score, max_score, percent, submitted_at, committed_at, late_days, penalty_percent, final_score, message`, then one column per exercise id (its score; empty for a part of another task of a project whose tasks are alternatives); `submitted_at` is the time the late policy used (the submission list's, else when the grader received it), `committed_at` the commit date or file time the student's submission claims (shown, never used). When the stage has manual rubric items ([`crate::rubric`]), `score` and `max_score` include them, `automatic_score, automatic_max, rubric_score, rubric_max, rubric_not_entered` follow `message`, and one `rubric:<item>` column per item ends the row (its points, or `not entered`) |
//! | `canvas.csv` | Canvas's gradebook import: `Student, ID, SIS User ID, SIS Login ID, Section, <assignment> [(<id>)]`, a `Points Possible` row first |
//! | `moodle.csv` | Moodle's "Import grades from CSV": `username, email, idnumber, <assignment>, feedback` (map the identity column and the grade and feedback columns when importing) |
//! | `students/<id>/report.json` | the student's record: outcome, scores, submission time (and where it came from), received and commit times, late penalty, the engine's report (schema of `grader check --json`) |
//! | `students/<id>/report.html` | the student's feedback page (the same page as `grader check` writes, with the grade on top) |
//! | `students/<id>/results.json` | Gradescope's autograder `results.json` |
//! | `overview.html` | the class: outcomes, score distribution, pass rate per exercise, hardest exercises, slowest code |
//! | `similarity.html`, `similarity.csv` | submission pairs whose code is suspiciously alike |
//!
//! Manual rubric items, when the stage has some, are in every one of them: their points are part
//! of every total (score, maximum, final score), each item is shown (a column, a Gradescope test,
//! a section of the student's page, a table of the overview), and an item not entered yet is
//! shown as `not entered` and counts 0.
//!
//! Identities for Canvas and Moodle come from an optional roster CSV with a `student` column
//! (the submission's id) and any of `name`, `canvas_id`, `sis_user_id`, `sis_login_id`,
//! `section`, `email`, `username`, `idnumber`.

use crate::db::{round2, BatchMeta, Gradebook, Outcome, SourceFile, StudentRow};
use crate::policy::{format_time, Late, Policy};
use crate::rubric::{rubric_max, RubricItem, StudentRubric, NOT_ENTERED};
use crate::similarity::{self, SimilarityReport};
use crate::svg;
use grader_report::{CaseStatus, ExerciseStatus, Report};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const OVERVIEW: &str = include_str!("../templates/overview.html");
const STUDENT: &str = include_str!("../templates/student.html");
const SIMILARITY: &str = include_str!("../templates/similarity.html");

/// Schema name of `students/<id>/report.json`.
pub const STUDENT_SCHEMA: &str = "grader-gradebook-student/1";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("template: {0}")]
    Template(String),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("roster {path}: {message}")]
    Roster { path: PathBuf, message: String },
    #[error("the gradebook has no batch in it yet")]
    NoBatch,
}

type Result<T> = std::result::Result<T, ExportError>;

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T> {
    r.map_err(|source| ExportError::Io { path: path.to_path_buf(), source })
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent() {
        io(d, std::fs::create_dir_all(d))?;
    }
    // Written aside and renamed, so that a reader never sees half a file.
    let tmp = path.with_extension("tmp-write");
    io(&tmp, std::fs::write(&tmp, text))?;
    io(path, std::fs::rename(&tmp, path))
}

/// One student's identities in the LMS.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RosterEntry {
    pub student: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub canvas_id: String,
    #[serde(default)]
    pub sis_user_id: String,
    #[serde(default)]
    pub sis_login_id: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub idnumber: String,
}

/// Reads a roster CSV (header row required; unknown columns ignored).
pub fn read_roster(path: &Path) -> Result<HashMap<String, RosterEntry>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| ExportError::Roster { path: path.into(), message: e.to_string() })?;
    let mut out = HashMap::new();
    for row in r.deserialize::<RosterEntry>() {
        let e = row.map_err(|e| ExportError::Roster { path: path.into(), message: e.to_string() })?;
        out.insert(crate::submissions::student_id(&e.student), e);
    }
    Ok(out)
}

/// How to export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub policy: Option<Policy>,
    pub roster: HashMap<String, RosterEntry>,
    /// Assignment name in the LMS (default: the selection).
    pub assignment: Option<String>,
    /// Canvas's assignment id, when the assignment exists there already.
    pub canvas_assignment_id: Option<String>,
    /// The course's starter code for this selection: its fingerprints are not evidence.
    pub starter: Vec<SourceFile>,
    /// Jaccard similarity from which a pair is reported (default 0.5).
    pub similarity_threshold: Option<f64>,
}

/// A student's grade after the policy.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    #[serde(flatten)]
    pub row: StudentRow,
    pub late: Late,
    /// The manual rubric items of the stage, entered or not (none when the stage has none).
    pub rubric: StudentRubric,
    /// The automatic score plus the rubric points, after the late penalty.
    pub final_score: f64,
}

impl Graded {
    /// The automatic score plus the rubric points entered, before the late penalty.
    pub fn total(&self) -> f64 {
        round2(self.row.score + self.rubric.points)
    }
}

/// The maximum of a grade: the automatic maximum plus every rubric item's points.
pub fn total_max(meta: &BatchMeta, rubric: &[RubricItem]) -> f64 {
    round2(meta.max_score() + rubric_max(rubric))
}

/// `students/<id>/report.json`.
#[derive(Serialize)]
struct StudentJson<'a> {
    schema: &'static str,
    student: &'a str,
    outcome: Outcome,
    message: &'a Option<String>,
    /// The automatic score plus the rubric points entered.
    score: f64,
    /// The automatic maximum plus every rubric item's points.
    max_score: f64,
    /// What the hidden suites gave.
    automatic_score: f64,
    automatic_max: f64,
    /// The manual rubric items' points entered (the not entered count 0), and their maximum.
    rubric_score: f64,
    rubric_max: f64,
    /// One per rubric item of the stage: `id, title, max_points, points`, and `entry` (`null`
    /// when not entered yet; else `points, entered_by, entered_at` (UTC, RFC 3339), `comment`...).
    rubric: &'a StudentRubric,
    /// The time the late policy used.
    submitted_at: Option<i64>,
    /// Where it came from: `list` (the submission list), `received` (when the grader received
    /// it), or `null` when unknown.
    submitted_at_from: Option<&'static str>,
    /// When the grader first received the submission.
    received_at: Option<i64>,
    /// The commit date (else the newest file time) the submission claims: never used.
    committed_at: Option<i64>,
    late_days: u32,
    penalty: f64,
    deadline: Option<i64>,
    final_score: f64,
    gradings: usize,
    source: &'a str,
    report: &'a Option<Report>,
}

/// What the export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub students: usize,
    pub files: Vec<PathBuf>,
    pub similar_pairs: usize,
}

/// Applies the policy to every current row.
/// Applies the policy to every current row, with the stage's rubric items (the late penalty
/// applies to the automatic score and the rubric points together).
pub fn graded_rows(gb: &Gradebook, policy: Option<&Policy>) -> Result<Vec<Graded>> {
    let rows = gb.current_rows()?;
    let items = gb.rubric_items()?;
    let entries = gb.rubric_current()?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let late = policy
                .map_or(Late { days: 0, penalty: 0.0, deadline: None }, |p| p.late(&row.student, row.submitted_at));
            let rubric = StudentRubric::of(&items, entries.get(&row.student));
            let final_score = round2((row.score + rubric.points) * (1.0 - late.penalty));
            Graded { row, late, rubric, final_score }
        })
        .collect())
}

fn pct(x: f64, of: f64) -> f64 {
    if of > 0.0 {
        round2(100.0 * x / of)
    } else {
        0.0
    }
}

fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Writes every export under `out`.
pub fn export_all(gb: &Gradebook, out: &Path, opts: &Options) -> Result<Written> {
    let meta = gb.batch_meta()?.ok_or(ExportError::NoBatch)?;
    let rubric = gb.rubric_items()?;
    let rows = graded_rows(gb, opts.policy.as_ref())?;
    let assignment = opts.assignment.clone().unwrap_or_else(|| meta.selection.clone());
    let mut files = Vec::new();
    let mut put = |path: PathBuf, text: String| -> Result<()> {
        write(&path, &text)?;
        files.push(path);
        Ok(())
    };
    put(out.join("gradebook.csv"), gradebook_csv(&rows, &meta, &rubric)?)?;
    put(out.join("canvas.csv"), canvas_csv(&rows, &meta, &rubric, opts, &assignment)?)?;
    put(out.join("moodle.csv"), moodle_csv(&rows, &meta, &rubric, opts, &assignment)?)?;
    let mut tera = tera::Tera::new();
    for (name, text) in [("overview.html", OVERVIEW), ("student.html", STUDENT), ("similarity.html", SIMILARITY)] {
        tera.add_raw_template(name, text).map_err(|e| ExportError::Template(format!("{name}: {e}")))?;
    }
    for g in &rows {
        let dir = out.join("students").join(&g.row.student);
        put(dir.join("report.json"), student_json(g, &meta, &rubric))?;
        put(
            dir.join("results.json"),
            serde_json::to_string_pretty(&gradescope(g, &meta, &rubric)).expect("serialises") + "\n",
        )?;
        put(dir.join("report.html"), student_html(&tera, g, &meta, &rubric)?)?;
    }
    let sim = similarity::compare(&gb.sources()?, &opts.starter, opts.similarity_threshold.unwrap_or(0.5));
    put(out.join("similarity.csv"), similarity_csv(&sim)?)?;
    put(out.join("similarity.html"), similarity_html(&tera, &sim, &meta)?)?;
    put(out.join("overview.html"), overview_html(&tera, &rows, &meta, &rubric, &sim, opts.policy.is_some())?)?;
    Ok(Written { students: rows.len(), files, similar_pairs: sim.pairs.len() })
}

/// The bytes a CSV writer holds, as text.
fn csv_text(w: csv::Writer<Vec<u8>>) -> Result<String> {
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| ExportError::Template(e.to_string()))?).into_owned())
}

/// `gradebook.csv`: a row per student, then one column per exercise (its score); with rubric
/// items, the automatic and rubric parts of the score, and one column per item.
pub fn gradebook_csv(rows: &[Graded], meta: &BatchMeta, rubric: &[RubricItem]) -> Result<String> {
    let max = total_max(meta, rubric);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "student",
        "outcome",
        "score",
        "max_score",
        "percent",
        "submitted_at",
        "committed_at",
        "late_days",
        "penalty_percent",
        "final_score",
        "message",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !rubric.is_empty() {
        header.extend(
            ["automatic_score", "automatic_max", "rubric_score", "rubric_max", "rubric_not_entered"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    header.extend(meta.exercises.iter().map(|e| e.id.clone()));
    header.extend(rubric.iter().map(|i| format!("rubric:{}", i.id)));
    w.write_record(&header)?;
    for g in rows {
        let r = &g.row;
        let by_id: HashMap<&str, f64> =
            r.report.iter().flat_map(|rep| rep.exercises.iter()).map(|e| (e.id.as_str(), e.score)).collect();
        let mut rec = vec![
            r.student.clone(),
            r.outcome.as_str().to_string(),
            num(g.total()),
            num(max),
            num(pct(g.total(), max)),
            r.submitted_at.map(format_time).unwrap_or_default(),
            r.claimed_at.map(format_time).unwrap_or_default(),
            g.late.days.to_string(),
            num(100.0 * g.late.penalty),
            num(g.final_score),
            r.message.clone().unwrap_or_default().lines().next().unwrap_or("").to_string(),
        ];
        if !rubric.is_empty() {
            let missing: Vec<&str> =
                g.rubric.marks.iter().filter(|m| m.entry.is_none()).map(|m| m.id.as_str()).collect();
            rec.extend([
                num(r.score),
                num(meta.max_score()),
                num(g.rubric.points),
                num(g.rubric.max),
                missing.join(" "),
            ]);
        }
        // A project's tasks are alternatives: another task's parts are left empty, not 0 (the
        // student was not graded on them).
        let other_task = |id: &str| meta.alternatives && !by_id.is_empty() && !by_id.contains_key(id);
        rec.extend(meta.exercises.iter().map(|e| match by_id.get(e.id.as_str()) {
            Some(score) => num(*score),
            None if other_task(&e.id) => String::new(),
            None => num(0.0),
        }));
        rec.extend(
            g.rubric.marks.iter().map(|m| if m.entry.is_some() { num(m.points) } else { NOT_ENTERED.to_string() }),
        );
        w.write_record(&rec)?;
    }
    csv_text(w)
}

/// `canvas.csv`: Canvas's grade import, a `Points Possible` row first.
pub fn canvas_csv(
    rows: &[Graded],
    meta: &BatchMeta,
    rubric: &[RubricItem],
    opts: &Options,
    assignment: &str,
) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let column = match &opts.canvas_assignment_id {
        Some(id) => format!("{assignment} ({id})"),
        None => assignment.to_string(),
    };
    w.write_record(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column.as_str()])?;
    w.write_record(["Points Possible", "", "", "", "", &num(total_max(meta, rubric))])?;
    for g in rows {
        let who = opts.roster.get(&g.row.student).cloned().unwrap_or_default();
        let or = |s: &str| if s.is_empty() { g.row.student.clone() } else { s.to_string() };
        w.write_record([
            or(&who.name),
            who.canvas_id.clone(),
            or(&who.sis_user_id),
            or(&who.sis_login_id),
            who.section.clone(),
            num(g.final_score),
        ])?;
    }
    csv_text(w)
}

/// `moodle.csv`: Moodle's grade import, with a feedback column.
pub fn moodle_csv(
    rows: &[Graded],
    meta: &BatchMeta,
    rubric: &[RubricItem],
    opts: &Options,
    assignment: &str,
) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["username", "email", "idnumber", assignment, "feedback"])?;
    for g in rows {
        let who = opts.roster.get(&g.row.student).cloned().unwrap_or_default();
        let username = if who.username.is_empty() { g.row.student.clone() } else { who.username.clone() };
        w.write_record([
            username,
            who.email.clone(),
            who.idnumber.clone(),
            num(g.final_score),
            feedback_line(g, meta, rubric),
        ])?;
    }
    csv_text(w)
}

/// `similarity.csv`: the pairs to review.
pub fn similarity_csv(sim: &SimilarityReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["student_a", "student_b", "similarity", "a_in_b", "b_in_a", "shared_fingerprints"])?;
    for pair in &sim.pairs {
        w.write_record([
            pair.a.clone(),
            pair.b.clone(),
            format!("{:.3}", pair.similarity),
            format!("{:.3}", pair.a_in_b),
            format!("{:.3}", pair.b_in_a),
            pair.shared.to_string(),
        ])?;
    }
    csv_text(w)
}

/// `students/<id>/report.json`.
pub fn student_json(g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> String {
    let sj = StudentJson {
        schema: STUDENT_SCHEMA,
        student: &g.row.student,
        outcome: g.row.outcome,
        message: &g.row.message,
        score: g.total(),
        max_score: total_max(meta, rubric),
        automatic_score: g.row.score,
        automatic_max: meta.max_score(),
        rubric_score: g.rubric.points,
        rubric_max: g.rubric.max,
        rubric: &g.rubric,
        submitted_at: g.row.submitted_at,
        submitted_at_from: submitted_from(&g.row),
        received_at: g.row.received_at,
        committed_at: g.row.claimed_at,
        late_days: g.late.days,
        penalty: g.late.penalty,
        deadline: g.late.deadline,
        final_score: g.final_score,
        gradings: g.row.gradings,
        source: &g.row.source,
        report: &g.row.report,
    };
    serde_json::to_string_pretty(&sj).expect("serialises") + "\n"
}

/// Where the late policy's submission time came from.
fn submitted_from(r: &StudentRow) -> Option<&'static str> {
    if r.listed_at.is_some() {
        Some("list")
    } else if r.received_at.is_some() {
        Some("received")
    } else {
        None
    }
}

/// The submission time in words, and the commit date beside it when there is one.
fn times_line(r: &StudentRow) -> String {
    let mut s = match (r.submitted_at, submitted_from(r)) {
        (Some(t), Some("list")) => format!("submitted {} (the submission list's time)", format_time(t)),
        (Some(t), _) => format!("submitted {} (received by the grader)", format_time(t)),
        (None, _) => String::new(),
    };
    if let Some(c) = r.claimed_at {
        if !s.is_empty() {
            s += " · ";
        }
        let what = if r.kind == "git" { "commit date" } else { "newest file time" };
        s += &format!("{what} {} (as the submission says; not used for the late policy)", format_time(c));
    }
    s
}

/// The automatic and rubric parts of a score, when the stage has rubric items:
/// ` (automatic 30/35; rubric 8/25: design 8/10, presentation not entered (0/5))`.
fn parts(g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> String {
    if rubric.is_empty() {
        return String::new();
    }
    format!(
        " (automatic {}/{}; rubric {}/{}: {})",
        num(g.row.score),
        num(meta.max_score()),
        num(g.rubric.points),
        num(g.rubric.max),
        g.rubric.line()
    )
}

fn feedback_line(g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> String {
    let max = total_max(meta, rubric);
    let mut s = format!(
        "{}: {}/{}{}",
        g.row.outcome.as_str().replace('_', " "),
        num(g.total()),
        num(max),
        parts(g, meta, rubric)
    );
    if g.late.penalty > 0.0 {
        s += &format!(", {} day(s) late, -{}% → {}", g.late.days, num(100.0 * g.late.penalty), num(g.final_score));
    }
    if let Some(m) = &g.row.message {
        s += &format!(". {}", m.lines().next().unwrap_or(""));
    }
    s + &format!(". Details: students/{}/report.html", g.row.student)
}

/// Gradescope's autograder results (`results.json`): `score` (after any late penalty),
/// `execution_time`, `output`, `tests` (one per exercise: `score`, `max_score`, `status`,
/// `name`, `number`, `output`, `tags`, `visibility`; then one per manual rubric item: `score`,
/// `max_score`, `name`, `number`, `output` with who entered it, when and their comment, or
/// `not entered`, `tags` = `["rubric"]`).
pub fn gradescope(g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> serde_json::Value {
    let mut tests = Vec::new();
    let by_id: HashMap<&str, &grader_report::ExerciseResult> =
        g.row.report.iter().flat_map(|r| r.exercises.iter()).map(|e| (e.id.as_str(), e)).collect();
    // A project's tasks are alternatives: only the task the student was graded on is listed.
    let listed = meta
        .exercises
        .iter()
        .filter(|ex| !(meta.alternatives && !by_id.is_empty() && !by_id.contains_key(ex.id.as_str())));
    for (i, ex) in listed.enumerate() {
        let (score, status, output, tags) = match by_id.get(ex.id.as_str()) {
            Some(e) => {
                let passed = e.cases.iter().filter(|c| c.status == CaseStatus::Passed).count();
                let mut out = format!("{}: {}/{} hidden cases passed", e.status.as_str(), passed, e.cases.len());
                for c in e.cases.iter().filter(|c| c.status != CaseStatus::Passed).take(3) {
                    out += &format!(
                        "\n- case {} ({}): {}{}",
                        c.index,
                        c.label,
                        c.status.as_str(),
                        c.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                    );
                }
                if let Some(h) = e.hint.as_ref().filter(|_| e.status != ExerciseStatus::Passed) {
                    out += &format!("\nhint: {h}");
                }
                (e.score, if e.status == ExerciseStatus::Passed { "passed" } else { "failed" }, out, e.topics.clone())
            }
            None => (0.0, "failed", g.row.outcome.as_str().replace('_', " "), Vec::new()),
        };
        tests.push(serde_json::json!({
            "score": score,
            "max_score": ex.points,
            "status": status,
            "name": format!("{} — {}", ex.id, ex.title),
            "number": format!("{}", i + 1),
            "output": output,
            "tags": tags,
            "visibility": "visible",
        }));
    }
    for (i, m) in g.rubric.marks.iter().enumerate() {
        let output = match &m.entry {
            Some(e) => {
                let mut o = format!(
                    "{}/{} points, entered by {} at {}",
                    num(m.points),
                    num(m.max_points),
                    e.entered_by,
                    e.entered_at
                );
                if let Some(c) = &e.comment {
                    o += &format!("\n{c}");
                }
                o
            }
            None => format!("{NOT_ENTERED}: this item is scored by the instructor and counts 0 until it is entered"),
        };
        tests.push(serde_json::json!({
            "score": m.points,
            "max_score": m.max_points,
            "name": format!("rubric: {} — {}", m.id, m.title),
            "number": format!("{}", meta.exercises.len() + i + 1),
            "output": output,
            "tags": ["rubric"],
            "visibility": "visible",
        }));
    }
    let mut output = format!(
        "{}: {}/{} points{}",
        g.row.outcome.as_str().replace('_', " "),
        num(g.total()),
        num(total_max(meta, rubric)),
        parts(g, meta, rubric)
    );
    if let Some(m) = &g.row.message {
        output += &format!("\n{m}");
    }
    if let Some(r) = &g.row.report {
        for d in r.build.diagnostics.iter().filter(|d| d.level == "error").take(5) {
            output += &format!("\n{}", d.rendered);
        }
        for v in &r.build.violations {
            output += &format!("\nrefused: {}:{}: {} ({})", v.file, v.line, v.message, v.rule);
        }
        output += &format!("\nseed {} (replay: grader check {} --seed {})", r.seed, r.selection, r.seed);
    }
    if g.late.penalty > 0.0 {
        output += &format!(
            "\nlate by {} day(s): -{}% ({} → {})",
            g.late.days,
            num(100.0 * g.late.penalty),
            num(g.total()),
            num(g.final_score)
        );
    }
    serde_json::json!({
        "score": g.final_score,
        "execution_time": g.row.duration_s.round() as u64,
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    })
}

#[derive(Serialize)]
struct Banner {
    student: String,
    outcome: &'static str,
    score: String,
    max: String,
    final_score: String,
    late: String,
    /// When it was submitted, and the commit date the submission claims.
    times: String,
    message: String,
    selection: String,
    /// With rubric items: the automatic part and the rubric part of the score.
    automatic: String,
    automatic_max: String,
    rubric_score: String,
    rubric_max: String,
    /// One per rubric item: id, title, points, max, entered, by, at, comment.
    rubric: Vec<serde_json::Value>,
}

fn banner(g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> Banner {
    let marks = g
        .rubric
        .marks
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "title": m.title,
                "points": num(m.points),
                "max": num(m.max_points),
                "entered": m.entry.is_some(),
                "by": m.entry.as_ref().map(|e| e.entered_by.clone()).unwrap_or_default(),
                "at": m.entry.as_ref().map(|e| e.entered_at.clone()).unwrap_or_default(),
                "comment": m.entry.as_ref().and_then(|e| e.comment.clone()).unwrap_or_default(),
            })
        })
        .collect();
    Banner {
        student: g.row.student.clone(),
        outcome: outcome_words(g.row.outcome),
        score: num(g.total()),
        max: num(total_max(meta, rubric)),
        final_score: num(g.final_score),
        late: if g.late.penalty > 0.0 {
            format!("{} day(s) late: −{}%", g.late.days, num(100.0 * g.late.penalty))
        } else {
            String::new()
        },
        times: times_line(&g.row),
        message: g.row.message.clone().unwrap_or_default(),
        selection: meta.selection.clone(),
        automatic: num(g.row.score),
        automatic_max: num(meta.max_score()),
        rubric_score: num(g.rubric.points),
        rubric_max: num(g.rubric.max),
        rubric: marks,
    }
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Graded => "graded",
        Outcome::BuildFailed => "does not build",
        Outcome::Forbidden => "refused",
        Outcome::Empty => "nothing to grade",
        Outcome::TimedOut => "timed out",
        Outcome::Error => "grader error",
    }
}

fn student_html(tera: &tera::Tera, g: &Graded, meta: &BatchMeta, rubric: &[RubricItem]) -> Result<String> {
    let b = banner(g, meta, rubric);
    let ctx = tera::Context::from_serialize(&serde_json::json!({ "b": b }))
        .map_err(|e| ExportError::Template(e.to_string()))?;
    match &g.row.report {
        Some(report) => {
            // The same page as `grader check`, with the grade and any penalty on top.
            let page = grader_report::render_html(report).map_err(|e| ExportError::Template(e.to_string()))?;
            let mut inner = tera::Context::new();
            inner.insert("b", &b);
            inner.insert("banner_only", &true);
            let top = tera.render("student.html", &inner).map_err(|e| ExportError::Template(e.to_string()))?;
            Ok(match page.find("<body>") {
                Some(i) => format!("{}{}{}", &page[..i + 6], top, &page[i + 6..]),
                None => top + &page,
            })
        }
        None => tera.render("student.html", &ctx).map_err(|e| ExportError::Template(e.to_string())),
    }
}

fn similarity_html(tera: &tera::Tera, sim: &SimilarityReport, meta: &BatchMeta) -> Result<String> {
    let pairs: Vec<_> = sim
        .pairs
        .iter()
        .map(|p| {
            serde_json::json!({
                "a": p.a, "b": p.b, "similarity": format!("{:.0}", 100.0 * p.similarity),
                "a_in_b": format!("{:.0}", 100.0 * p.a_in_b), "b_in_a": format!("{:.0}", 100.0 * p.b_in_a),
                "shared": p.shared,
            })
        })
        .collect();
    let ctx = tera::Context::from_serialize(&serde_json::json!({
        "selection": meta.selection,
        "threshold": format!("{:.0}", 100.0 * sim.threshold),
        "compared": sim.compared,
        "skipped": sim.skipped,
        "pairs": pairs,
        "k": similarity::K,
        "w": similarity::W,
    }))
    .map_err(|e| ExportError::Template(e.to_string()))?;
    tera.render("similarity.html", &ctx).map_err(|e| ExportError::Template(e.to_string()))
}

/// The numbers behind the overview page.
#[derive(Debug, Clone, Serialize)]
pub struct ClassStats {
    pub students: usize,
    pub outcomes: BTreeMap<String, usize>,
    pub mean_percent: f64,
    pub median_percent: f64,
    /// Per exercise: id, title, pass rate among submissions that built, mean score fraction.
    pub exercises: Vec<ExerciseStats>,
    /// The slowest (student, exercise) pairs: time of the student's calls over the reference's.
    pub slowest: Vec<Slow>,
    /// Per manual rubric item: how many students have a score, and their mean.
    pub rubric: Vec<RubricStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RubricStats {
    pub id: String,
    pub title: String,
    pub points: f64,
    /// Students with a score for it.
    pub entered: usize,
    /// Mean of the scores entered (`None`: none yet).
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExerciseStats {
    pub id: String,
    pub title: String,
    pub points: f64,
    pub pass_rate: f64,
    pub mean_fraction: f64,
    pub attempted: usize,
    /// Median over students of the time ratio to the reference (cases both answered).
    pub median_time_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    pub student: String,
    pub exercise: String,
    pub ratio: f64,
    pub student_ms: f64,
    pub reference_ms: f64,
}

/// Least total reference time (ms) over an exercise's cases for its time ratio to be shown.
const MIN_TIMED_MS: f64 = 5.0;

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Class statistics from the graded rows.
pub fn class_stats(rows: &[Graded], meta: &BatchMeta, rubric: &[RubricItem]) -> ClassStats {
    let max = total_max(meta, rubric);
    let mut outcomes = BTreeMap::new();
    for o in Outcome::ALL {
        outcomes.insert(o.as_str().to_string(), 0);
    }
    for g in rows {
        *outcomes.entry(g.row.outcome.as_str().to_string()).or_default() += 1;
    }
    let mut percents: Vec<f64> = rows.iter().map(|g| pct(g.final_score, max)).collect();
    let mean_percent =
        if percents.is_empty() { 0.0 } else { round2(percents.iter().sum::<f64>() / percents.len() as f64) };
    let median_percent = round2(median(&mut percents).unwrap_or(0.0));
    let mut exercises = Vec::new();
    let mut slowest = Vec::new();
    for ex in &meta.exercises {
        let results: Vec<(&str, &grader_report::ExerciseResult)> = rows
            .iter()
            .filter(|g| g.row.outcome == Outcome::Graded)
            .filter_map(|g| {
                g.row.report.as_ref()?.exercises.iter().find(|e| e.id == ex.id).map(|e| (g.row.student.as_str(), e))
            })
            .collect();
        let attempted = results.len();
        let passed = results.iter().filter(|(_, e)| e.status == ExerciseStatus::Passed).count();
        let mean_fraction = if attempted == 0 || ex.points == 0.0 {
            0.0
        } else {
            results.iter().map(|(_, e)| e.score / ex.points).sum::<f64>() / attempted as f64
        };
        let mut ratios = Vec::new();
        for (student, e) in &results {
            let timed: Vec<(f64, f64)> = e
                .cases
                .iter()
                .filter(|c| c.status == CaseStatus::Passed)
                .filter_map(|c| Some((c.time_ms?, c.reference_ms?)))
                .collect();
            let (s, r): (f64, f64) = timed.iter().fold((0.0, 0.0), |a, t| (a.0 + t.0, a.1 + t.1));
            // Below a few milliseconds of the reference's time, a ratio is start-up noise.
            if !timed.is_empty() && r >= MIN_TIMED_MS {
                ratios.push(s / r);
                slowest.push(Slow {
                    student: student.to_string(),
                    exercise: ex.id.clone(),
                    ratio: s / r,
                    student_ms: s,
                    reference_ms: r,
                });
            }
        }
        exercises.push(ExerciseStats {
            id: ex.id.clone(),
            title: ex.title.clone(),
            points: ex.points,
            pass_rate: if attempted == 0 { 0.0 } else { passed as f64 / attempted as f64 },
            mean_fraction,
            attempted,
            median_time_ratio: median(&mut ratios),
        });
    }
    slowest.sort_by(|a, b| b.ratio.total_cmp(&a.ratio).then_with(|| a.student.cmp(&b.student)));
    slowest.truncate(15);
    let rubric = rubric
        .iter()
        .map(|it| {
            let scores: Vec<f64> = rows
                .iter()
                .filter_map(|g| g.rubric.marks.iter().find(|m| m.id == it.id && m.entry.is_some()).map(|m| m.points))
                .collect();
            RubricStats {
                id: it.id.clone(),
                title: it.title.clone(),
                points: it.points,
                entered: scores.len(),
                mean: (!scores.is_empty()).then(|| round2(scores.iter().sum::<f64>() / scores.len() as f64)),
            }
        })
        .collect();
    ClassStats { students: rows.len(), outcomes, mean_percent, median_percent, exercises, slowest, rubric }
}

fn overview_html(
    tera: &tera::Tera,
    rows: &[Graded],
    meta: &BatchMeta,
    rubric: &[RubricItem],
    sim: &SimilarityReport,
    has_policy: bool,
) -> Result<String> {
    let stats = class_stats(rows, meta, rubric);
    let max = total_max(meta, rubric);
    let finals: Vec<f64> = rows.iter().map(|g| pct(g.final_score, max)).collect();
    let histogram = svg::histogram(&finals, 100.0, 10, "Score distribution (final score, % of the maximum)", "percent");
    let pass_rows: Vec<(String, f64, String)> = stats
        .exercises
        .iter()
        .map(|e| (e.id.clone(), e.pass_rate, format!("{:.0}% of {}", 100.0 * e.pass_rate, e.attempted)))
        .collect();
    let pass_chart = svg::hbars(&pass_rows, Some(1.0), "Pass rate per exercise (submissions that built)", None, true);
    let mut hardest: Vec<&ExerciseStats> = stats.exercises.iter().filter(|e| e.attempted > 0).collect();
    hardest.sort_by(|a, b| {
        a.pass_rate.total_cmp(&b.pass_rate).then(a.mean_fraction.total_cmp(&b.mean_fraction)).then(a.id.cmp(&b.id))
    });
    hardest.truncate(10);
    let slow_rows: Vec<(String, f64, String)> = stats
        .slowest
        .iter()
        .take(10)
        .map(|s| (format!("{} · {}", s.student, s.exercise), s.ratio, format!("{:.1}x", s.ratio)))
        .collect();
    let slow_chart =
        svg::hbars(&slow_rows, None, "Slowest code: student time / reference time (passed cases)", Some(1.0), false);
    let students: Vec<_> = rows
        .iter()
        .map(|g| {
            serde_json::json!({
                "student": g.row.student,
                "outcome": outcome_words(g.row.outcome),
                "ok": g.row.outcome == Outcome::Graded,
                "score": num(g.total()),
                "automatic": num(g.row.score),
                "rubric": num(g.rubric.points),
                "rubric_missing": g.rubric.marks.len() - g.rubric.entered,
                "final": num(g.final_score),
                "percent": num(pct(g.final_score, max)),
                "late": if g.late.days > 0 { format!("{} d, −{}%", g.late.days, num(100.0 * g.late.penalty)) } else { String::new() },
                "message": g.row.message.clone().unwrap_or_default().lines().next().unwrap_or("").to_string(),
                "gradings": g.row.gradings,
            })
        })
        .collect();
    let hardest: Vec<_> = hardest
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "title": e.title, "pass": format!("{:.0}", 100.0 * e.pass_rate),
                "mean": format!("{:.0}", 100.0 * e.mean_fraction), "attempted": e.attempted,
            })
        })
        .collect();
    let slowest: Vec<_> = stats
        .slowest
        .iter()
        .map(|s| {
            serde_json::json!({
                "student": s.student, "exercise": s.exercise, "ratio": format!("{:.1}", s.ratio),
                "student_ms": format!("{:.1}", s.student_ms), "reference_ms": format!("{:.1}", s.reference_ms),
            })
        })
        .collect();
    let outcomes: Vec<_> = Outcome::ALL
        .iter()
        .map(|o| {
            let n = stats.outcomes.get(o.as_str()).copied().unwrap_or(0);
            serde_json::json!({ "name": outcome_words(*o), "count": n })
        })
        .collect();
    let ctx = tera::Context::from_serialize(&serde_json::json!({
        "selection": meta.selection,
        "seed": meta.seed,
        "max": num(max),
        "students": stats.students,
        "mean": num(stats.mean_percent),
        "median": num(stats.median_percent),
        "outcomes": outcomes,
        "histogram": histogram,
        "pass_chart": pass_chart,
        "slow_chart": slow_chart,
        "hardest": hardest,
        "slowest": slowest,
        "rows": students,
        "similar_pairs": sim.pairs.len(),
        "has_policy": has_policy,
        "automatic_max": num(meta.max_score()),
        "rubric_max": num(rubric_max(rubric)),
        "rubric": stats.rubric.iter().map(|r| serde_json::json!({
            "id": r.id, "title": r.title, "points": num(r.points), "entered": r.entered,
            "mean": r.mean.map(num).unwrap_or_else(|| "—".into()),
        })).collect::<Vec<_>>(),
    }))
    .map_err(|e| ExportError::Template(e.to_string()))?;
    tera.render("overview.html", &ctx).map_err(|e| ExportError::Template(e.to_string()))
}
