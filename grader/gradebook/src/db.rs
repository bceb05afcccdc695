//! The SQLite gradebook.
//!
//! One file, `gradebook.sqlite`, written as each submission finishes (WAL journal, one
//! transaction per submission), so that a batch killed at any moment (even `kill -9`) loses at
//! most the submissions it was grading and grades nothing twice when it is started again.
//!
//! Schema (version 1):
//!
//! | table | what |
//! |---|---|
//! | `meta(key, value)` | what this gradebook grades: `selection`, `seed`, `speed`, `exercises` (JSON: id, title, points), `max_score`, `policy` (TOML text), `schema_version` |
//! | `submissions(student, source, kind, submitted_at)` | every submission seen; `submitted_at` in Unix seconds (git commit time, else file time), `NULL` when unknown |
//! | `gradings(id, uid, student, selection, reason, state, outcome, score, max_score, message, report, started_ms, finished_ms, duration_s, worker, current)` | one row per grading, history included: `state` is `running`, `done` or `interrupted`; `reason` is `batch`, `regrade` or `exercise-regrade`; `report` is the engine's JSON report of the whole selection; exactly one `done` row per student has `current = 1` (the latest) |
//! | `exercise_results(grading_id, exercise, status, score, max_score, cases_passed, cases_total, student_ms, reference_ms)` | per exercise of each grading, for the overview |
//! | `sources(student, path, text)` | the graded `.rs` files, for the similarity report |
//! | `events(id, at_ms, student, kind, detail)` | a log: `started`, `finished`, `interrupted`, `merged` |

use grader_report::{ExerciseStatus, Report, Summary};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Version of the gradebook's schema (meta `schema_version`).
pub const SCHEMA_VERSION: u32 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    submitted_at INTEGER
);
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    student TEXT NOT NULL,
    selection TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    score REAL,
    max_score REAL,
    message TEXT,
    report TEXT,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    duration_s REAL,
    worker TEXT NOT NULL DEFAULT '',
    current INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS gradings_student ON gradings(student, state);
CREATE TABLE IF NOT EXISTS exercise_results (
    grading_id INTEGER NOT NULL REFERENCES gradings(id),
    exercise TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    cases_passed INTEGER NOT NULL,
    cases_total INTEGER NOT NULL,
    student_ms REAL,
    reference_ms REAL,
    PRIMARY KEY (grading_id, exercise)
);
CREATE TABLE IF NOT EXISTS sources (
    student TEXT NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (student, path)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    student TEXT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"#;

/// How grading one submission ended.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Built and graded: the report says how each exercise went.
    Graded,
    /// The student's crate does not compile; the report has the compiler's messages.
    BuildFailed,
    /// Refused before building (forbidden API, own build configuration); the report says why.
    Forbidden,
    /// Nothing to grade: no `exercises/<stage>/src` with Rust files in it.
    Empty,
    /// The whole submission ran past its time limit and was stopped.
    TimedOut,
    /// The grader failed on this submission (an unreadable archive, a clone that failed...).
    Error,
}

impl Outcome {
    pub const ALL: [Outcome; 6] =
        [Outcome::Graded, Outcome::BuildFailed, Outcome::Forbidden, Outcome::Empty, Outcome::TimedOut, Outcome::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Graded => "graded",
            Outcome::BuildFailed => "build_failed",
            Outcome::Forbidden => "forbidden",
            Outcome::Empty => "empty",
            Outcome::TimedOut => "timed_out",
            Outcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The outcome a finished engine report stands for.
    pub fn of_report(r: &Report) -> Outcome {
        if !r.build.violations.is_empty() {
            Outcome::Forbidden
        } else if !r.build.ok {
            Outcome::BuildFailed
        } else {
            Outcome::Graded
        }
    }
}

/// One `.rs` file of a submission.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// What grading one submission produced (a worker hands it back; the gradebook stores it).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct GradingRecord {
    pub outcome: Outcome,
    /// Why nothing (or not everything) was graded, in words; `None` for a normal grading.
    pub message: Option<String>,
    /// The engine's report, when the engine ran.
    pub report: Option<Report>,
    /// When the student handed it in (Unix seconds), when known.
    pub submitted_at: Option<i64>,
    /// The student's `.rs` files, for the similarity report.
    #[serde(default)]
    pub sources: Vec<SourceFile>,
    pub duration_s: f64,
}

/// An exercise of the graded selection.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ExerciseInfo {
    pub id: String,
    pub title: String,
    pub points: f64,
}

/// What a gradebook grades; two runs (or two shards) must agree on it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BatchMeta {
    pub selection: String,
    pub seed: u64,
    pub speed: bool,
    pub exercises: Vec<ExerciseInfo>,
}

impl BatchMeta {
    pub fn max_score(&self) -> f64 {
        round2(self.exercises.iter().map(|e| e.points).sum())
    }
}

/// A student's current grade, as the exports see it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StudentRow {
    pub student: String,
    pub source: String,
    pub kind: String,
    pub submitted_at: Option<i64>,
    pub grading_id: i64,
    pub outcome: Outcome,
    pub score: f64,
    pub max_score: f64,
    pub message: Option<String>,
    pub report: Option<Report>,
    pub finished_ms: i64,
    pub duration_s: f64,
    /// Finished gradings of this student (1 + regrades).
    pub gradings: usize,
}

/// One row of a student's grading history.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct HistoryRow {
    pub id: i64,
    pub student: String,
    pub selection: String,
    pub reason: String,
    pub state: String,
    pub outcome: Option<String>,
    pub score: Option<f64>,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub worker: String,
    pub current: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("gradebook: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("gradebook: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Mismatch(String),
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// An open gradebook.
pub struct Gradebook {
    conn: Connection,
}

impl Gradebook {
    /// Opens (creating if needed) the gradebook at `path`.
    pub fn open(path: &Path) -> Result<Gradebook> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit reaches the disk before the next submission starts: a power cut or a
        // kill -9 loses nothing that was reported finished.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        let gb = Gradebook { conn };
        if gb.meta("schema_version")?.is_none() {
            gb.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        }
        Ok(gb)
    }

    /// The underlying connection (read-only use by tests and tools).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// What this gradebook grades, when it was set.
    pub fn batch_meta(&self) -> Result<Option<BatchMeta>> {
        let Some(selection) = self.meta("selection")? else { return Ok(None) };
        let seed = self.meta("seed")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let speed = self.meta("speed")?.is_some_and(|s| s == "true");
        let exercises = match self.meta("exercises")? {
            Some(j) => serde_json::from_str(&j)?,
            None => Vec::new(),
        };
        Ok(Some(BatchMeta { selection, seed, speed, exercises }))
    }

    /// Records what this gradebook grades, or checks that it is what it already graded.
    pub fn init_batch(&self, m: &BatchMeta) -> Result<()> {
        if let Some(old) = self.batch_meta()? {
            if old.selection != m.selection || old.seed != m.seed || old.speed != m.speed {
                return Err(DbError::Mismatch(format!(
                    "this gradebook grades `{}` with seed {} (speed targets {}); asked for `{}` with seed {} \
                     (speed targets {}): use another --out directory, or the same options",
                    old.selection,
                    old.seed,
                    if old.speed { "on" } else { "off" },
                    m.selection,
                    m.seed,
                    if m.speed { "on" } else { "off" }
                )));
            }
        }
        self.set_meta("selection", &m.selection)?;
        self.set_meta("seed", &m.seed.to_string())?;
        self.set_meta("speed", if m.speed { "true" } else { "false" })?;
        self.set_meta("exercises", &serde_json::to_string(&m.exercises)?)?;
        self.set_meta("max_score", &m.max_score().to_string())?;
        Ok(())
    }

    /// Remembers a submission (its source path and kind).
    pub fn upsert_submission(&self, student: &str, source: &str, kind: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO submissions(student, source, kind) VALUES (?1, ?2, ?3)
             ON CONFLICT(student) DO UPDATE SET source = excluded.source, kind = excluded.kind",
            params![student, source, kind],
        )?;
        Ok(())
    }

    /// Gradings left `running` by a batch that died: they never finished, so they count for
    /// nothing and their students are graded again. Returns how many there were.
    pub fn mark_interrupted(&self) -> Result<usize> {
        let tx = self.conn.unchecked_transaction()?;
        let students: Vec<String> = {
            let mut st = tx.prepare("SELECT student FROM gradings WHERE state = 'running'")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for s in &students {
            tx.execute(
                "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, ?2, 'interrupted', 'the batch stopped while this grading ran')",
                params![now_ms(), s],
            )?;
        }
        tx.execute("UPDATE gradings SET state = 'interrupted' WHERE state = 'running'", [])?;
        tx.commit()?;
        Ok(students.len())
    }

    /// The current outcome of each student that has a finished grading.
    pub fn current_outcomes(&self) -> Result<BTreeMap<String, Outcome>> {
        let mut st = self.conn.prepare("SELECT student, outcome FROM gradings WHERE current = 1 AND state = 'done'")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (s, o) = row?;
            out.insert(s, Outcome::parse(&o).unwrap_or(Outcome::Error));
        }
        Ok(out)
    }

    /// Starts a grading: a `running` row, committed before any work, so that a crash leaves a
    /// trace. Returns its id.
    pub fn start(&self, student: &str, selection: &str, reason: &str, worker: &str) -> Result<i64> {
        let started = now_ms();
        let uid = format!("{student}/{started}/{}/{}", std::process::id(), unique());
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO gradings(uid, student, selection, reason, state, started_ms, worker)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6)",
            params![uid, student, selection, reason, started, worker],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, ?2, 'started', ?3)",
            params![started, student, format!("{reason} of {selection} (grading {id})")],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Finishes grading `id` with `record`, in one transaction: the row, its exercises, the
    /// student's sources, and which grading is current.
    pub fn finish(&self, id: i64, record: &GradingRecord, max_score: f64) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let student: String = tx.query_row("SELECT student FROM gradings WHERE id = ?1", [id], |r| r.get(0))?;
        let score = record.report.as_ref().map_or(0.0, |r| r.score);
        let report_json = record.report.as_ref().map(serde_json::to_string).transpose()?;
        let finished = now_ms();
        // Only a grading still `running` is finished: one marked `interrupted` (its batch was
        // taken for dead) or already `done` must not come back, or be counted twice.
        let changed = tx.execute(
            "UPDATE gradings SET state = 'done', outcome = ?2, score = ?3, max_score = ?4, message = ?5, report = ?6,
             finished_ms = ?7, duration_s = ?8 WHERE id = ?1 AND state = 'running'",
            params![
                id,
                record.outcome.as_str(),
                score,
                max_score,
                record.message,
                report_json,
                finished,
                record.duration_s
            ],
        )?;
        if changed != 1 {
            return Err(DbError::Mismatch(format!("grading {id} of {student} is no longer running: not recorded")));
        }
        insert_exercises(&tx, id, record.report.as_ref())?;
        if !record.sources.is_empty() || record.outcome == Outcome::Empty {
            tx.execute("DELETE FROM sources WHERE student = ?1", [&student])?;
            for f in &record.sources {
                tx.execute(
                    "INSERT INTO sources(student, path, text) VALUES (?1, ?2, ?3)",
                    params![student, f.path, f.text],
                )?;
            }
        }
        if let Some(t) = record.submitted_at {
            tx.execute("UPDATE submissions SET submitted_at = ?2 WHERE student = ?1", params![student, t])?;
        }
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, ?2, 'finished', ?3)",
            params![finished, student, format!("grading {id}: {} {score}/{max_score}", record.outcome.as_str())],
        )?;
        recompute_current(&tx, &student)?;
        tx.commit()?;
        Ok(())
    }

    /// The current report of `student`, when their current grading has one.
    pub fn current_report(&self, student: &str) -> Result<Option<(Outcome, Report)>> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT outcome, report FROM gradings WHERE student = ?1 AND current = 1 AND state = 'done'",
                [student],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((o, Some(json))) => {
                Ok(Some((Outcome::parse(&o).unwrap_or(Outcome::Error), serde_json::from_str(&json)?)))
            }
            _ => Ok(None),
        }
    }

    /// Every student's current grade, sorted by student.
    pub fn current_rows(&self) -> Result<Vec<StudentRow>> {
        let mut st = self.conn.prepare(
            "SELECT g.student, COALESCE(s.source, ''), COALESCE(s.kind, ''), s.submitted_at, g.id, g.outcome,
                    g.score, g.max_score, g.message, g.report, g.finished_ms, g.duration_s,
                    (SELECT COUNT(*) FROM gradings h WHERE h.student = g.student AND h.state = 'done')
             FROM gradings g LEFT JOIN submissions s ON s.student = g.student
             WHERE g.current = 1 AND g.state = 'done' ORDER BY g.student",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                StudentRow {
                    student: r.get(0)?,
                    source: r.get(1)?,
                    kind: r.get(2)?,
                    submitted_at: r.get(3)?,
                    grading_id: r.get(4)?,
                    outcome: Outcome::parse(&r.get::<_, String>(5)?).unwrap_or(Outcome::Error),
                    score: r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                    max_score: r.get::<_, Option<f64>>(7)?.unwrap_or(0.0),
                    message: r.get(8)?,
                    report: None,
                    finished_ms: r.get::<_, Option<i64>>(10)?.unwrap_or(0),
                    duration_s: r.get::<_, Option<f64>>(11)?.unwrap_or(0.0),
                    gradings: r.get::<_, i64>(12)? as usize,
                },
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut s, json) = row?;
            s.report = json.map(|j| serde_json::from_str(&j)).transpose()?;
            out.push(s);
        }
        Ok(out)
    }

    /// The grading history, oldest first; of one student or of everyone.
    pub fn history(&self, student: Option<&str>) -> Result<Vec<HistoryRow>> {
        let mut st = self.conn.prepare(
            "SELECT id, student, selection, reason, state, outcome, score, started_ms, finished_ms, worker, current
             FROM gradings WHERE ?1 IS NULL OR student = ?1 ORDER BY student, started_ms, id",
        )?;
        let rows = st.query_map([student], |r| {
            Ok(HistoryRow {
                id: r.get(0)?,
                student: r.get(1)?,
                selection: r.get(2)?,
                reason: r.get(3)?,
                state: r.get(4)?,
                outcome: r.get(5)?,
                score: r.get(6)?,
                started_ms: r.get(7)?,
                finished_ms: r.get(8)?,
                worker: r.get(9)?,
                current: r.get::<_, i64>(10)? == 1,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every student's `.rs` files.
    pub fn sources(&self) -> Result<BTreeMap<String, Vec<SourceFile>>> {
        let mut st = self.conn.prepare("SELECT student, path, text FROM sources ORDER BY student, path")?;
        let rows =
            st.query_map([], |r| Ok((r.get::<_, String>(0)?, SourceFile { path: r.get(1)?, text: r.get(2)? })))?;
        let mut out: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
        for row in rows {
            let (s, f) = row?;
            out.entry(s).or_default().push(f);
        }
        Ok(out)
    }

    /// Joins another gradebook (a shard's) into this one: its submissions, every finished
    /// grading (history included; a grading already here is not copied twice), their exercise
    /// results and sources. The two must grade the same selection with the same seed. Returns
    /// how many gradings were copied.
    pub fn merge_from(&self, other_path: &Path) -> Result<usize> {
        let other = Gradebook::open(other_path)?;
        if let Some(m) = other.batch_meta()? {
            self.init_batch(&m).map_err(|e| DbError::Mismatch(format!("{}: {e}", other_path.display())))?;
        }
        if let (None, Some(p)) = (self.meta("policy")?, other.meta("policy")?) {
            self.set_meta("policy", &p)?;
        }
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut st = other.conn.prepare("SELECT student, source, kind, submitted_at FROM submissions")?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })?;
            for row in rows {
                let (s, src, kind, at) = row?;
                tx.execute(
                    "INSERT INTO submissions(student, source, kind, submitted_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(student) DO UPDATE SET source = excluded.source, kind = excluded.kind,
                     submitted_at = COALESCE(excluded.submitted_at, submissions.submitted_at)",
                    params![s, src, kind, at],
                )?;
            }
        }
        let mut copied = 0;
        let mut students = std::collections::BTreeSet::new();
        {
            let mut st = other.conn.prepare(
                "SELECT id, uid, student, selection, reason, outcome, score, max_score, message, report, started_ms,
                        finished_ms, duration_s, worker FROM gradings WHERE state = 'done' ORDER BY id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let old_id: i64 = r.get(0)?;
                let uid: String = r.get(1)?;
                let student: String = r.get(2)?;
                let n = tx.execute(
                    "INSERT OR IGNORE INTO gradings(uid, student, selection, reason, state, outcome, score, max_score,
                        message, report, started_ms, finished_ms, duration_s, worker)
                     VALUES (?1, ?2, ?3, ?4, 'done', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        uid,
                        student,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<f64>>(6)?,
                        r.get::<_, Option<f64>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, i64>(10)?,
                        r.get::<_, Option<i64>>(11)?,
                        r.get::<_, Option<f64>>(12)?,
                        r.get::<_, String>(13)?,
                    ],
                )?;
                if n == 0 {
                    continue;
                }
                let new_id = tx.last_insert_rowid();
                let mut ex = other.conn.prepare(
                    "SELECT exercise, status, score, max_score, cases_passed, cases_total, student_ms, reference_ms
                     FROM exercise_results WHERE grading_id = ?1",
                )?;
                let mut exs = ex.query([old_id])?;
                while let Some(e) = exs.next()? {
                    tx.execute(
                        "INSERT INTO exercise_results(grading_id, exercise, status, score, max_score, cases_passed,
                            cases_total, student_ms, reference_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            new_id,
                            e.get::<_, String>(0)?,
                            e.get::<_, String>(1)?,
                            e.get::<_, f64>(2)?,
                            e.get::<_, f64>(3)?,
                            e.get::<_, i64>(4)?,
                            e.get::<_, i64>(5)?,
                            e.get::<_, Option<f64>>(6)?,
                            e.get::<_, Option<f64>>(7)?,
                        ],
                    )?;
                }
                copied += 1;
                students.insert(student);
            }
        }
        for (student, files) in other.sources()? {
            if !students.contains(&student) {
                continue;
            }
            tx.execute("DELETE FROM sources WHERE student = ?1", [&student])?;
            for f in files {
                tx.execute(
                    "INSERT INTO sources(student, path, text) VALUES (?1, ?2, ?3)",
                    params![student, f.path, f.text],
                )?;
            }
        }
        for s in &students {
            recompute_current(&tx, s)?;
        }
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, NULL, 'merged', ?2)",
            params![now_ms(), format!("{copied} gradings from {}", other_path.display())],
        )?;
        tx.commit()?;
        Ok(copied)
    }
}

fn unique() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The current grading of a student is their latest finished one.
fn recompute_current(tx: &Connection, student: &str) -> rusqlite::Result<()> {
    tx.execute("UPDATE gradings SET current = 0 WHERE student = ?1 AND current = 1", [student])?;
    tx.execute(
        "UPDATE gradings SET current = 1 WHERE id = (SELECT id FROM gradings WHERE student = ?1 AND state = 'done'
         ORDER BY finished_ms DESC, id DESC LIMIT 1)",
        [student],
    )?;
    Ok(())
}

fn insert_exercises(tx: &Connection, id: i64, report: Option<&Report>) -> rusqlite::Result<()> {
    let Some(report) = report else { return Ok(()) };
    for e in &report.exercises {
        let passed = e.cases.iter().filter(|c| c.status == grader_report::CaseStatus::Passed).count();
        // Time of the student's and the reference's calls over the cases both answered.
        let timed: Vec<(f64, f64)> = e.cases.iter().filter_map(|c| Some((c.time_ms?, c.reference_ms?))).collect();
        let (sm, rm) = if timed.is_empty() {
            (None, None)
        } else {
            (Some(timed.iter().map(|t| t.0).sum::<f64>()), Some(timed.iter().map(|t| t.1).sum::<f64>()))
        };
        tx.execute(
            "INSERT INTO exercise_results(grading_id, exercise, status, score, max_score, cases_passed, cases_total,
                student_ms, reference_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                e.id,
                serde_json::to_value(e.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                e.score,
                e.max_score,
                passed as i64,
                e.cases.len() as i64,
                sm,
                rm
            ],
        )?;
    }
    Ok(())
}

/// `base` with the exercises of `part` put in place of its own (an exercise regraded for
/// everyone), the totals recomputed.
pub fn splice(base: &Report, part: &Report) -> Report {
    let mut out = base.clone();
    for e in &part.exercises {
        match out.exercises.iter_mut().find(|x| x.id == e.id) {
            Some(slot) => *slot = e.clone(),
            None => out.exercises.push(e.clone()),
        }
    }
    out.score = round2(out.exercises.iter().map(|e| e.score).sum());
    out.max_score = round2(out.exercises.iter().map(|e| e.max_score).sum());
    let mut summary = Summary::default();
    for e in &out.exercises {
        match e.status {
            ExerciseStatus::Passed => summary.passed += 1,
            ExerciseStatus::Failed => summary.failed += 1,
            ExerciseStatus::NotStarted => summary.not_started += 1,
            ExerciseStatus::BuildFailed => summary.build_failed += 1,
            ExerciseStatus::Forbidden => summary.forbidden += 1,
        }
    }
    out.summary = summary;
    out.duration_s = base.duration_s + part.duration_s;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> BatchMeta {
        BatchMeta {
            selection: "stage1".into(),
            seed: 7,
            speed: false,
            exercises: vec![ExerciseInfo { id: "stage1.a".into(), title: "A".into(), points: 2.0 }],
        }
    }

    fn rec(outcome: Outcome) -> GradingRecord {
        GradingRecord {
            outcome,
            message: Some("nothing".into()),
            report: None,
            submitted_at: Some(1_700_000_000),
            sources: vec![SourceFile { path: "lib.rs".into(), text: "fn a() {}".into() }],
            duration_s: 0.5,
        }
    }

    #[test]
    fn interrupted_gradings_do_not_count_and_the_latest_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let gb = Gradebook::open(&dir.path().join("g.sqlite")).unwrap();
        gb.init_batch(&meta()).unwrap();
        gb.upsert_submission("alice", "/x/alice", "dir").unwrap();
        let _dead = gb.start("alice", "stage1", "batch", "w").unwrap();
        assert_eq!(gb.mark_interrupted().unwrap(), 1);
        assert!(gb.current_outcomes().unwrap().is_empty());
        let id = gb.start("alice", "stage1", "batch", "w").unwrap();
        gb.finish(id, &rec(Outcome::Empty), 2.0).unwrap();
        let id2 = gb.start("alice", "stage1", "regrade", "w").unwrap();
        gb.finish(id2, &rec(Outcome::Error), 2.0).unwrap();
        let rows = gb.current_rows().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].outcome, Outcome::Error);
        assert_eq!(rows[0].gradings, 2);
        assert_eq!(rows[0].submitted_at, Some(1_700_000_000));
        assert_eq!(gb.history(Some("alice")).unwrap().len(), 3);
        let mismatched = BatchMeta { seed: 8, ..meta() };
        assert!(gb.init_batch(&mismatched).is_err());
    }

    #[test]
    fn merge_copies_each_grading_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Gradebook::open(&dir.path().join("a.sqlite")).unwrap();
        a.init_batch(&meta()).unwrap();
        a.upsert_submission("alice", "/x/alice", "dir").unwrap();
        let id = a.start("alice", "stage1", "batch", "w").unwrap();
        a.finish(id, &rec(Outcome::Empty), 2.0).unwrap();
        let m = Gradebook::open(&dir.path().join("m.sqlite")).unwrap();
        assert_eq!(m.merge_from(&dir.path().join("a.sqlite")).unwrap(), 1);
        assert_eq!(m.merge_from(&dir.path().join("a.sqlite")).unwrap(), 0);
        assert_eq!(m.current_rows().unwrap().len(), 1);
        assert_eq!(m.sources().unwrap()["alice"].len(), 1);
        assert_eq!(m.batch_meta().unwrap().unwrap(), meta());
    }
}
