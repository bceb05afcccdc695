//! Manual rubric items: what no machine judges (a design write-up, code quality, a
//! presentation), declared per stage in the course manifest (`[[stage.rubric]]` in
//! `grader/course/course.toml`) and scored by the instructor (`grader gradebook rubric`,
//! `grader gradebook rubric-import`).
//!
//! The gradebook keeps its own copy of the stage's items (meta `rubric`, refreshed from the
//! manifest by every command that exports), so that its exports need nothing but the gradebook.
//! Every entry is kept in `rubric_history` with who entered it and when; `rubric_scores` points at
//! the current one of each (student, item): entering a score again replaces the current score and
//! keeps the earlier one in the history.
//!
//! A student's grade is the automatic score plus the rubric points entered; its maximum, the
//! automatic maximum plus every item's points. An item not entered yet counts 0 and is shown as
//! "not entered". The late policy applies to that total, as to any score.

use crate::db::{now_ms, round2, DbError, Gradebook, Result};
use crate::policy::civil_from_days;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What an export or a report shows for an item with no score yet.
pub const NOT_ENTERED: &str = "not entered";

/// One rubric item of the gradebook's stage (the course manifest's `[[stage.rubric]]`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RubricItem {
    pub id: String,
    pub title: String,
    /// The most it earns.
    pub points: f64,
}

/// One score as it was entered (a row of `rubric_history`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RubricEntry {
    pub id: i64,
    pub student: String,
    pub item: String,
    pub points: f64,
    /// The item's maximum when the score was entered.
    pub max_points: f64,
    /// Who entered it (`--by`).
    pub entered_by: String,
    /// When, in UTC, RFC 3339 (`2026-12-03T14:05:09Z`).
    pub entered_at: String,
    pub comment: Option<String>,
    /// How: `cli`, or `import FILE`.
    pub via: String,
    /// Whether it is the student's current score for the item (the latest entry).
    pub current: bool,
}

/// A score to enter.
#[derive(Clone, Debug, PartialEq)]
pub struct NewScore {
    pub student: String,
    pub item: String,
    pub points: f64,
    pub comment: Option<String>,
}

/// One item of a student's rubric, entered or not.
#[derive(Serialize, Clone, Debug)]
pub struct RubricMark {
    pub id: String,
    pub title: String,
    pub max_points: f64,
    /// What it counts: the entered points (at most the item's points), 0 when not entered.
    pub points: f64,
    /// The current entry, `None` when not entered yet.
    pub entry: Option<RubricEntry>,
}

/// A student's rubric: one mark per declared item, and their sums.
#[derive(Serialize, Clone, Debug, Default)]
pub struct StudentRubric {
    pub marks: Vec<RubricMark>,
    /// Points entered (the not entered count 0).
    pub points: f64,
    /// Every item's points.
    pub max: f64,
    /// How many items have a score.
    pub entered: usize,
}

impl StudentRubric {
    /// The student's marks for `items`, from their current entries (by item id).
    pub fn of(items: &[RubricItem], current: Option<&BTreeMap<String, RubricEntry>>) -> StudentRubric {
        let marks: Vec<RubricMark> = items
            .iter()
            .map(|it| {
                let entry = current.and_then(|c| c.get(&it.id)).cloned();
                RubricMark {
                    id: it.id.clone(),
                    title: it.title.clone(),
                    max_points: it.points,
                    // An item whose points were lowered in the manifest after it was scored counts
                    // its new maximum at most.
                    points: entry.as_ref().map_or(0.0, |e| e.points.clamp(0.0, it.points)),
                    entry,
                }
            })
            .collect();
        StudentRubric {
            points: round2(marks.iter().map(|m| m.points).sum()),
            max: rubric_max(items),
            entered: marks.iter().filter(|m| m.entry.is_some()).count(),
            marks,
        }
    }

    /// The rubric in one line: `design 8/10, code_quality not entered (0/10)`.
    pub fn line(&self) -> String {
        self.marks
            .iter()
            .map(|m| match &m.entry {
                Some(_) => format!("{} {}/{}", m.id, num(m.points), num(m.max_points)),
                None => format!("{} {NOT_ENTERED} (0/{})", m.id, num(m.max_points)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The sum of the items' points.
pub fn rubric_max(items: &[RubricItem]) -> f64 {
    round2(items.iter().map(|i| i.points).sum())
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

/// Milliseconds since the Unix epoch as UTC RFC 3339, to the second: `2026-12-03T14:05:09Z`.
pub fn rfc3339(ms: i64) -> String {
    let t = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// What is wrong with one score, in words (`None`: nothing).
fn check(score: &NewScore, items: &[RubricItem], students: &BTreeSet<String>) -> Option<String> {
    let Some(item) = items.iter().find(|i| i.id == score.item) else {
        return Some(if items.is_empty() {
            format!(
                "`{}`: this gradebook's stage declares no rubric item ([[stage.rubric]] in course.toml)",
                score.item
            )
        } else {
            format!(
                "`{}` is not a rubric item of this gradebook's stage (items: {})",
                score.item,
                items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ")
            )
        });
    };
    if !students.contains(&score.student) {
        return Some(format!(
            "student `{}` has no finished grading in this gradebook (see `grader gradebook history`)",
            score.student
        ));
    }
    if !score.points.is_finite() || score.points < 0.0 || score.points > item.points {
        return Some(format!(
            "{} points for `{}`: must be between 0 and the item's {}",
            score.points,
            item.id,
            num(item.points)
        ));
    }
    None
}

impl Gradebook {
    /// The rubric items of the gradebook's stage, as last recorded (none when never recorded).
    pub fn rubric_items(&self) -> Result<Vec<RubricItem>> {
        match self.meta("rubric")? {
            Some(j) => Ok(serde_json::from_str(&j)?),
            None => Ok(Vec::new()),
        }
    }

    /// Records the stage's rubric items (from the course manifest). Scores already entered
    /// stay; those of an item no longer declared are kept in the history but count no more.
    pub fn set_rubric_items(&self, items: &[RubricItem]) -> Result<()> {
        let json = serde_json::to_string(items)?;
        if self.meta("rubric")?.as_deref() != Some(json.as_str()) {
            self.set_meta("rubric", &json)?;
        }
        Ok(())
    }

    /// The students a rubric score can be entered for: those with a finished grading.
    pub fn rubric_students(&self) -> Result<BTreeSet<String>> {
        Ok(self.current_outcomes()?.into_keys().collect())
    }

    /// Every reason why `scores` cannot be entered (empty: they can).
    pub fn check_rubric_scores(&self, scores: &[NewScore]) -> Result<Vec<String>> {
        let items = self.rubric_items()?;
        let students = self.rubric_students()?;
        Ok(scores.iter().filter_map(|s| check(s, &items, &students)).collect())
    }

    /// Enters `scores`, all or none: each is checked first (a declared item, a student with a
    /// finished grading, 0 to the item's points), then all are written in one transaction, each
    /// kept in the history with `by`, the time (UTC) and `via` (`cli`, `import FILE`), and made
    /// the current score of its (student, item). Returns the entries written.
    pub fn enter_rubric(&self, scores: &[NewScore], by: &str, via: &str) -> Result<Vec<RubricEntry>> {
        let by = by.trim();
        if by.is_empty() {
            return Err(DbError::Mismatch("who enters the scores is required (--by NAME)".into()));
        }
        let problems = self.check_rubric_scores(scores)?;
        if !problems.is_empty() {
            return Err(DbError::Mismatch(format!("nothing entered: {}", problems.join("; "))));
        }
        let items = self.rubric_items()?;
        let conn = self.connection();
        let tx = conn.unchecked_transaction()?;
        let mut ids = Vec::new();
        let at_ms = now_ms();
        let at = rfc3339(at_ms);
        for (i, s) in scores.iter().enumerate() {
            let max = items.iter().find(|it| it.id == s.item).map_or(0.0, |it| it.points);
            let comment = s.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
            let uid = format!("{}/{}/{at_ms}/{}/{i}/{}", s.student, s.item, std::process::id(), unique());
            tx.execute(
                "INSERT INTO rubric_history(uid, student, item, points, max_points, entered_by, entered_at, entered_ms,
                    comment, via) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![uid, s.student, s.item, s.points, max, by, at, at_ms, comment, via],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO rubric_scores(student, item, entry_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT(student, item) DO UPDATE SET entry_id = excluded.entry_id",
                params![s.student, s.item, id],
            )?;
            ids.push(id);
        }
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, ?2, 'rubric', ?3)",
            params![
                at_ms,
                if scores.iter().all(|s| s.student == scores[0].student) {
                    scores.first().map(|s| s.student.clone())
                } else {
                    None
                },
                format!("{} rubric score(s) entered by {by} ({via})", scores.len())
            ],
        )?;
        tx.commit()?;
        let entered: BTreeSet<i64> = ids.into_iter().collect();
        Ok(self.rubric_history(None)?.into_iter().filter(|e| entered.contains(&e.id)).collect())
    }

    /// Every rubric entry, of one student or of everyone, by student then time of entry.
    pub fn rubric_history(&self, student: Option<&str>) -> Result<Vec<RubricEntry>> {
        let mut st = self.connection().prepare(
            "SELECT h.id, h.student, h.item, h.points, h.max_points, h.entered_by, h.entered_at, h.comment, h.via,
                    EXISTS(SELECT 1 FROM rubric_scores c WHERE c.entry_id = h.id)
             FROM rubric_history h WHERE ?1 IS NULL OR h.student = ?1 ORDER BY h.student, h.entered_ms, h.id",
        )?;
        let rows = st.query_map([student], |r| {
            Ok(RubricEntry {
                id: r.get(0)?,
                student: r.get(1)?,
                item: r.get(2)?,
                points: r.get(3)?,
                max_points: r.get(4)?,
                entered_by: r.get(5)?,
                entered_at: r.get(6)?,
                comment: r.get(7)?,
                via: r.get(8)?,
                current: r.get::<_, i64>(9)? == 1,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every student's current rubric entries, by student and item.
    pub fn rubric_current(&self) -> Result<BTreeMap<String, BTreeMap<String, RubricEntry>>> {
        let mut out: BTreeMap<String, BTreeMap<String, RubricEntry>> = BTreeMap::new();
        for e in self.rubric_history(None)?.into_iter().filter(|e| e.current) {
            out.entry(e.student.clone()).or_default().insert(e.item.clone(), e);
        }
        Ok(out)
    }

    /// Copies the rubric entries of `other` (a shard's gradebook) that this one lacks, and makes
    /// the latest entry of each (student, item) current. Returns how many were copied.
    pub(crate) fn merge_rubric_from(&self, other: &Gradebook, tx: &rusqlite::Connection) -> Result<usize> {
        if self.meta("rubric")?.is_none() {
            if let Some(r) = other.meta("rubric")? {
                tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('rubric', ?1)", [r])?;
            }
        }
        let mut st = other.connection().prepare(
            "SELECT uid, student, item, points, max_points, entered_by, entered_at, entered_ms, comment, via
             FROM rubric_history ORDER BY id",
        )?;
        let mut rows = st.query([])?;
        let mut copied = 0;
        let mut touched = BTreeSet::new();
        while let Some(r) = rows.next()? {
            let (student, item): (String, String) = (r.get(1)?, r.get(2)?);
            let n = tx.execute(
                "INSERT OR IGNORE INTO rubric_history(uid, student, item, points, max_points, entered_by, entered_at,
                    entered_ms, comment, via) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    r.get::<_, String>(0)?,
                    student,
                    item,
                    r.get::<_, f64>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                ],
            )?;
            if n > 0 {
                copied += 1;
                touched.insert((student, item));
            }
        }
        for (student, item) in touched {
            let latest: Option<i64> = tx
                .query_row(
                    "SELECT id FROM rubric_history WHERE student = ?1 AND item = ?2 ORDER BY entered_ms DESC, id DESC
                     LIMIT 1",
                    params![student, item],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = latest {
                tx.execute(
                    "INSERT INTO rubric_scores(student, item, entry_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT(student, item) DO UPDATE SET entry_id = excluded.entry_id",
                    params![student, item, id],
                )?;
            }
        }
        Ok(copied)
    }
}

fn unique() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Reads a rubric CSV (`grader gradebook rubric-import`): a header row with a `student` column,
/// one column per rubric item id (its points; an empty cell, or `not entered`, enters nothing)
/// and optionally `comment:<item id>` columns (a comment on that score). The whole file is
/// checked before anything is entered; every problem is returned, each naming the line and the
/// column (`line 4, column design: 12 is more than the item's 10 points`).
pub fn parse_rubric_csv(
    text: &str,
    items: &[RubricItem],
    students: &BTreeSet<String>,
) -> std::result::Result<Vec<NewScore>, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(vec![format!("line 1: {e}")]),
    };
    let known = || items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ");
    if items.is_empty() {
        return Err(vec!["this gradebook's stage declares no rubric item ([[stage.rubric]] in course.toml)".into()]);
    }
    // Column index of the student, and of each item's points and comment.
    let mut student_col = None;
    let mut points_col: BTreeMap<&str, usize> = BTreeMap::new();
    let mut comment_col: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (i, name) in header.iter().enumerate() {
        if !seen.insert(name.as_str()) {
            errors.push(format!("line 1, column {}: `{name}` appears twice", i + 1));
            continue;
        }
        if name == "student" {
            student_col = Some(i);
        } else if let Some(item) = name.strip_prefix("comment:") {
            match items.iter().find(|it| it.id == item) {
                Some(it) => {
                    comment_col.insert(it.id.as_str(), i);
                }
                None => errors.push(format!(
                    "line 1, column {name}: `{item}` is not a rubric item of this gradebook's stage (items: {})",
                    known()
                )),
            }
        } else {
            match items.iter().find(|it| &it.id == name) {
                Some(it) => {
                    points_col.insert(it.id.as_str(), i);
                }
                None => errors.push(format!(
                    "line 1, column {}: `{name}` is neither `student` nor a rubric item of this gradebook's stage \
                     (items: {}; comments go in `comment:<item>` columns)",
                    i + 1,
                    known()
                )),
            }
        }
    }
    let Some(student_col) = student_col else {
        errors.push("line 1: no `student` column".into());
        return Err(errors);
    };
    for item in comment_col.keys() {
        if !points_col.contains_key(item) {
            errors.push(format!("line 1, column comment:{item}: a comment column without a `{item}` column"));
        }
    }
    if points_col.is_empty() {
        errors.push(format!("line 1: no rubric item column (items: {})", known()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::new();
    let mut rows_of: BTreeMap<String, u64> = BTreeMap::new();
    for rec in r.records() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(str::is_empty) {
            continue;
        }
        if rec.len() != header.len() {
            errors.push(format!("line {line}: {} fields, the header has {}", rec.len(), header.len()));
            continue;
        }
        let student = rec.get(student_col).unwrap_or("").to_string();
        if student.is_empty() {
            errors.push(format!("line {line}, column student: empty"));
            continue;
        }
        if let Some(first) = rows_of.insert(student.clone(), line) {
            errors.push(format!("line {line}, column student: `{student}` again (also on line {first})"));
            continue;
        }
        if !students.contains(&student) {
            errors.push(format!(
                "line {line}, column student: `{student}` has no finished grading in this gradebook \
                 (see `grader gradebook history`)"
            ));
            continue;
        }
        for (item, &col) in &points_col {
            let cell = rec.get(col).unwrap_or("");
            let comment = comment_col.get(item).and_then(|&c| rec.get(c)).filter(|c| !c.is_empty());
            if cell.is_empty() || cell.eq_ignore_ascii_case(NOT_ENTERED) {
                if comment.is_some() {
                    errors.push(format!("line {line}, column comment:{item}: a comment without points for `{item}`"));
                }
                continue;
            }
            let max = items.iter().find(|it| it.id == *item).map_or(0.0, |it| it.points);
            match cell.parse::<f64>() {
                Ok(p) if p.is_finite() && (0.0..=max).contains(&p) => out.push(NewScore {
                    student: student.clone(),
                    item: item.to_string(),
                    points: p,
                    comment: comment.map(str::to_string),
                }),
                Ok(p) if p.is_finite() && p > max => errors
                    .push(format!("line {line}, column {item}: {cell} is more than the item's {} points", num(max))),
                Ok(_) => {
                    errors.push(format!("line {line}, column {item}: `{cell}` must be between 0 and {}", num(max)))
                }
                Err(_) => errors.push(format!(
                    "line {line}, column {item}: `{cell}` is not a number (leave the cell empty for not entered)"
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{BatchMeta, ExerciseInfo, GradingRecord};
    use crate::Outcome;

    fn items() -> Vec<RubricItem> {
        vec![
            RubricItem { id: "design".into(), title: "Design write-up".into(), points: 10.0 },
            RubricItem { id: "code_quality".into(), title: "Code quality".into(), points: 10.0 },
            RubricItem { id: "presentation".into(), title: "Presentation".into(), points: 5.0 },
        ]
    }

    /// A gradebook with `students` graded (no report: score 0), and the three items.
    fn gradebook(dir: &std::path::Path, name: &str, students: &[&str]) -> Gradebook {
        let gb = Gradebook::open(&dir.join(name)).unwrap();
        gb.init_batch(&BatchMeta {
            selection: "final".into(),
            seed: 1,
            speed: false,
            alternatives: false,
            exercises: vec![ExerciseInfo { id: "final.spam.train".into(), title: "Train".into(), points: 20.0 }],
        })
        .unwrap();
        gb.set_rubric_items(&items()).unwrap();
        for s in students {
            gb.upsert_submission(s, &format!("/x/{s}"), "dir", None).unwrap();
            let id = gb.start(s, "final", "batch", "w").unwrap();
            let rec = GradingRecord {
                outcome: Outcome::Empty,
                message: None,
                report: None,
                claimed_at: None,
                fetched_at: None,
                fingerprint: None,
                sources: vec![],
                duration_s: 0.1,
            };
            gb.finish(id, &rec, 20.0).unwrap();
        }
        gb
    }

    fn score(student: &str, item: &str, points: f64, comment: Option<&str>) -> NewScore {
        NewScore { student: student.into(), item: item.into(), points, comment: comment.map(str::to_string) }
    }

    fn history_len(gb: &Gradebook) -> i64 {
        gb.connection().query_row("SELECT COUNT(*) FROM rubric_history", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn entries_are_kept_with_who_and_when_and_the_latest_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let gb = gradebook(dir.path(), "g.sqlite", &["alice", "bob"]);
        assert_eq!(gb.rubric_items().unwrap(), items());
        let before = now_ms() / 1000;
        let e =
            gb.enter_rubric(&[score("alice", "design", 6.0, Some("thin on trade-offs"))], "Prof. Ada", "cli").unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].points, e[0].max_points, e[0].entered_by.as_str()), (6.0, 10.0, "Prof. Ada"));
        assert_eq!(e[0].comment.as_deref(), Some("thin on trade-offs"));
        // UTC, RFC 3339, to the second, and now.
        let at = &e[0].entered_at;
        assert!(at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
        let t = crate::policy::parse_time(at).unwrap();
        assert!((before - 1..=before + 60).contains(&t), "{at}");
        // Entered again: the current score is replaced, the history keeps both.
        gb.enter_rubric(
            &[score("alice", "design", 8.5, None), score("bob", "presentation", 5.0, None)],
            "TA Bo",
            "cli",
        )
        .unwrap();
        let h = gb.rubric_history(Some("alice")).unwrap();
        assert_eq!(h.iter().map(|e| (e.points, e.current)).collect::<Vec<_>>(), [(6.0, false), (8.5, true)]);
        assert_eq!(h[1].entered_by, "TA Bo");
        let cur = gb.rubric_current().unwrap();
        assert_eq!(cur["alice"]["design"].points, 8.5);
        assert_eq!(cur["bob"]["presentation"].points, 5.0);
        assert_eq!(gb.rubric_history(None).unwrap().len(), 3);
        let events: i64 =
            gb.connection().query_row("SELECT COUNT(*) FROM events WHERE kind = 'rubric'", [], |r| r.get(0)).unwrap();
        assert_eq!(events, 2);
    }

    #[test]
    fn bad_scores_are_refused_all_or_nothing_with_clear_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let gb = gradebook(dir.path(), "g.sqlite", &["alice"]);
        for (bad, needle) in [
            (
                score("alice", "desing", 1.0, None),
                "`desing` is not a rubric item of this gradebook's stage (items: design, code_quality, presentation)",
            ),
            (score("mallory", "design", 1.0, None), "student `mallory` has no finished grading"),
            (score("alice", "design", 10.5, None), "must be between 0 and the item's 10"),
            (score("alice", "design", -1.0, None), "must be between 0"),
            (score("alice", "design", f64::NAN, None), "must be between 0"),
        ] {
            // One good score with the bad one: neither is written.
            let e = gb.enter_rubric(&[score("alice", "presentation", 3.0, None), bad], "Ada", "cli").unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
            assert_eq!(history_len(&gb), 0);
        }
        let e = gb.enter_rubric(&[score("alice", "design", 1.0, None)], "  ", "cli").unwrap_err();
        assert!(e.to_string().contains("--by"), "{e}");
        // The maximum itself and 0 are fine.
        gb.enter_rubric(
            &[score("alice", "design", 10.0, None), score("alice", "presentation", 0.0, None)],
            "Ada",
            "cli",
        )
        .unwrap();
        assert_eq!(history_len(&gb), 2);
        // A stage without a rubric.
        gb.set_rubric_items(&[]).unwrap();
        let e = gb.enter_rubric(&[score("alice", "design", 1.0, None)], "Ada", "cli").unwrap_err();
        assert!(e.to_string().contains("declares no rubric item"), "{e}");
    }

    #[test]
    fn a_students_rubric_counts_what_was_entered_and_zero_for_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let gb = gradebook(dir.path(), "g.sqlite", &["alice"]);
        gb.enter_rubric(
            &[score("alice", "design", 7.0, None), score("alice", "presentation", 4.5, None)],
            "Ada",
            "cli",
        )
        .unwrap();
        let cur = gb.rubric_current().unwrap();
        let r = StudentRubric::of(&items(), cur.get("alice"));
        assert_eq!((r.points, r.max, r.entered), (11.5, 25.0, 2));
        assert_eq!(r.marks[1].entry, None);
        assert_eq!(r.marks[1].points, 0.0);
        assert_eq!(r.line(), "design 7/10, code_quality not entered (0/10), presentation 4.5/5");
        // Nobody's rubric: every item not entered.
        let none = StudentRubric::of(&items(), None);
        assert_eq!((none.points, none.max, none.entered), (0.0, 25.0, 0));
        // An item whose points were lowered in the manifest counts its new maximum at most; one
        // no longer declared counts nothing.
        let lowered = vec![RubricItem { id: "design".into(), title: "D".into(), points: 5.0 }];
        let r = StudentRubric::of(&lowered, cur.get("alice"));
        assert_eq!((r.points, r.max, r.marks.len()), (5.0, 5.0, 1));
        // The grade: automatic (0 here) plus the rubric, the late penalty on the total.
        let policy =
            crate::Policy::parse("deadline = \"2000-01-01\"\npenalty_per_day = 0.1\nmax_penalty = 0.2\n").unwrap();
        let g = &crate::export::graded_rows(&gb, Some(&policy)).unwrap()[0];
        assert_eq!((g.total(), g.late.penalty, g.final_score), (11.5, 0.2, 9.2));
    }

    #[test]
    fn merge_copies_rubric_entries_once_and_the_latest_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let a = gradebook(dir.path(), "a.sqlite", &["alice"]);
        a.enter_rubric(&[score("alice", "design", 3.0, None)], "Ada", "cli").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let m = gradebook(dir.path(), "m.sqlite", &["bob"]);
        m.enter_rubric(&[score("bob", "design", 9.0, None)], "Ada", "cli").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        a.enter_rubric(&[score("alice", "design", 4.0, Some("after a re-read"))], "Bo", "cli").unwrap();
        drop(a);
        m.merge_from(&dir.path().join("a.sqlite")).unwrap();
        m.merge_from(&dir.path().join("a.sqlite")).unwrap();
        assert_eq!(history_len(&m), 3);
        let cur = m.rubric_current().unwrap();
        assert_eq!(cur["alice"]["design"].points, 4.0);
        assert_eq!(cur["alice"]["design"].comment.as_deref(), Some("after a re-read"));
        assert_eq!(cur["bob"]["design"].points, 9.0);
        // A merged gradebook that had no rubric yet takes the shard's.
        let fresh = Gradebook::open(&dir.path().join("f.sqlite")).unwrap();
        fresh.merge_from(&dir.path().join("a.sqlite")).unwrap();
        assert_eq!(fresh.rubric_items().unwrap(), items());
    }

    fn students(s: &[&str]) -> BTreeSet<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_rubric_csv_is_read_whole_and_every_problem_names_its_line_and_column() {
        let ok =
            "\u{feff}student,design,presentation,comment:design\nalice,8,,clear\nbob, 9.5 ,not entered,\n\ncarol,,,\n";
        let got = parse_rubric_csv(ok, &items(), &students(&["alice", "bob", "carol"])).unwrap();
        assert_eq!(
            got,
            [score("alice", "design", 8.0, Some("clear")), score("bob", "design", 9.5, None)],
            "empty cells and `not entered` enter nothing"
        );
        let bad = "student,design,presentation,comment:presentation\n\
                   alice,11,2,\n\
                   mallory,1,1,\n\
                   bob,x,-1,\n\
                   alice,1,1,\n\
                   carol,1,,why\n\
                   dave,1\n";
        let e = parse_rubric_csv(bad, &items(), &students(&["alice", "bob", "carol", "dave"])).unwrap_err();
        let want = [
            "line 2, column design: 11 is more than the item's 10 points",
            "line 3, column student: `mallory` has no finished grading",
            "line 4, column design: `x` is not a number",
            "line 4, column presentation: `-1` must be between 0 and 5",
            "line 5, column student: `alice` again (also on line 2)",
            "line 6, column comment:presentation: a comment without points for `presentation`",
            "line 7: 2 fields, the header has 4",
        ];
        assert_eq!(e.len(), want.len(), "{e:#?}");
        for (got, want) in e.iter().zip(want) {
            assert!(got.starts_with(want), "{got}\n  wanted: {want}");
        }
        for (header, needle) in [
            ("name,design\n", "line 1: no `student` column"),
            ("student,desing\n", "line 1, column 2: `desing` is neither `student` nor a rubric item"),
            ("student,design,design\n", "line 1, column 3: `design` appears twice"),
            ("student,comment:design\n", "a comment column without a `design` column"),
            ("student\n", "no rubric item column"),
        ] {
            let e = parse_rubric_csv(header, &items(), &students(&["alice"])).unwrap_err();
            assert!(e.iter().any(|m| m.contains(needle)), "{e:?} lacks {needle}");
        }
        let e = parse_rubric_csv("student,design\nalice,1\n", &[], &students(&["alice"])).unwrap_err();
        assert!(e[0].contains("declares no rubric item"), "{e:?}");
    }

    #[test]
    fn rfc3339_is_utc_to_the_second() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_825_600_999), "2000-02-29T12:00:00Z");
        assert_eq!(rfc3339(1_796_256_309_000), "2026-12-03T00:05:09Z");
    }
}
