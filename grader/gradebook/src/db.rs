//! The SQLite gradebook.
//!
//! One file, `gradebook.sqlite`, written as each submission finishes (WAL journal, one
//! transaction per submission), so that a batch killed at any moment (even `kill -9`) loses at
//! most the submissions it was grading and grades nothing twice when it is started again.
//!
//! Schema (version 3):
//!
//! | table | what |
//! |---|---|
//! | `meta(key, value)` | what this gradebook grades: `selection`, `seed`, `speed`, `exercises` (JSON: id, title, points), `max_score`, `policy` (TOML text), `schema_version` |
//! | `submissions(student, source, kind, listed_at, received_at, claimed_at, fingerprint)` | every submission seen; times in Unix seconds, `NULL` when unknown. The late policy's submission time is `listed_at` (the time the submission list gives: an LMS upload, a Git host's push), else `received_at` (when a batch first saw the submission, or for a git URL, which the student can push to until it is cloned, when a grading first cloned it; kept across resume, regrade and merge, where the earliest wins; moved, never earlier, to the fetch time of a grading that received other content than `fingerprint`, the SHA-256 of the graded `.rs` files first received, or `empty` for a submission with nothing to grade: that is a new submission). `claimed_at` is the commit date of a git repository, else the newest modification time: the student chooses it, so it is shown, never used |
//! | `gradings(id, uid, student, selection, reason, state, outcome, score, max_score, message, report, started_ms, finished_ms, duration_s, worker, current)` | one row per grading, history included: `state` is `running`, `done` or `interrupted`; `reason` is `batch`, `regrade` or `exercise-regrade`; `report` is the engine's JSON report of the whole selection; exactly one `done` row per student has `current = 1` (the latest) |
//! | `exercise_results(grading_id, exercise, status, score, max_score, cases_passed, cases_total, student_ms, reference_ms)` | per exercise of each grading, for the overview |
//! | `sources(student, path, text)` | the graded `.rs` files, for the similarity report |
//! | `events(id, at_ms, student, kind, detail)` | a log: `started`, `finished`, `interrupted`, `merged`, `resubmitted` (a grading received other content than first received: its time is the new submission time), `migrated`, `rubric` (scores entered) |
//! | `rubric_history(id, uid, student, item, points, max_points, entered_by, entered_at, entered_ms, comment, via)` | every manual rubric score ever entered (see [`crate::rubric`]): the item's maximum at the time, who entered it (`--by`), when (`entered_at`: UTC, RFC 3339; `entered_ms`: Unix milliseconds), the comment, and how (`cli`, `import FILE`) |
//! | `rubric_scores(student, item, entry_id)` | the current score of each (student, item): the `rubric_history` row entered last. The stage's items themselves are in meta `rubric` (JSON: id, title, points), copied from the course manifest |
//!
//! Migrations, run when a gradebook is opened (a gradebook of a newer version than this
//! grader's is refused):
//!
//! - 1 → 2: `submissions.submitted_at`, which held the commit date or file time that the late
//!   policy used, becomes `claimed_at` (informational); `listed_at`, `received_at` and
//!   `fingerprint` are added, and `received_at` is set to the start of the student's first
//!   grading, the nearest the old gradebook has to when the grader received the submission.
//! - 2 → 3: the `rubric_history` and `rubric_scores` tables (empty). A grader that knows no
//!   rubric refuses the gradebook from then on, rather than exporting grades without it.

use grader_report::{ExerciseStatus, Report, Summary};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Version of the gradebook's schema (meta `schema_version`).
pub const SCHEMA_VERSION: u32 = 3;

/// The fingerprint of a submission with nothing to grade.
pub const EMPTY_FINGERPRINT: &str = "empty";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    listed_at INTEGER,
    received_at INTEGER,
    claimed_at INTEGER,
    fingerprint TEXT
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
CREATE TABLE IF NOT EXISTS rubric_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    student TEXT NOT NULL,
    item TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    entered_ms INTEGER NOT NULL,
    comment TEXT,
    via TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rubric_history_student ON rubric_history(student, item);
CREATE TABLE IF NOT EXISTS rubric_scores (
    student TEXT NOT NULL,
    item TEXT NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES rubric_history(id),
    PRIMARY KEY (student, item)
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
    /// When the student says they made it (Unix seconds): the commit date of a git repository,
    /// else the newest modification time. The student chooses it: shown, never used for the
    /// late policy.
    #[serde(default, alias = "submitted_at")]
    pub claimed_at: Option<i64>,
    /// When the worker received the graded content (cloned, unpacked, read it), Unix seconds.
    #[serde(default)]
    pub fetched_at: Option<i64>,
    /// SHA-256 of the graded `.rs` files, when there were some
    /// ([`crate::submissions::Prepared::fingerprint`]).
    #[serde(default)]
    pub fingerprint: Option<String>,
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
    /// The exercises' modules are alternatives (a project's tasks: each student is graded on the
    /// one their submission names), so a grade's maximum is one module's points, not the sum.
    #[serde(default)]
    pub alternatives: bool,
}

impl BatchMeta {
    pub fn max_score(&self) -> f64 {
        if !self.alternatives {
            return round2(self.exercises.iter().map(|e| e.points).sum());
        }
        // `<stage>.<module>.<part>`: the largest module's points.
        let mut by_module: BTreeMap<String, f64> = BTreeMap::new();
        for e in &self.exercises {
            let module = e.id.rsplit_once('.').map_or(e.id.as_str(), |(m, _)| m);
            *by_module.entry(module.to_string()).or_default() += e.points;
        }
        round2(by_module.values().copied().fold(0.0, f64::max))
    }
}

/// A student's current grade, as the exports see it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StudentRow {
    pub student: String,
    pub source: String,
    pub kind: String,
    /// The submission time the late policy uses: `listed_at`, else `received_at`.
    pub submitted_at: Option<i64>,
    /// The submission list's time for this student (the instructor's word), when it gave one.
    pub listed_at: Option<i64>,
    /// When the grader first received this submission (this content).
    pub received_at: Option<i64>,
    /// The commit date, else the newest modification time: the student's claim, never used.
    pub claimed_at: Option<i64>,
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
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit reaches the disk before the next submission starts: a power cut or a
        // kill -9 loses nothing that was reported finished.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        migrate(&mut conn)?;
        Ok(Gradebook { conn })
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
        let alternatives = self.meta("alternatives")?.is_some_and(|s| s == "true");
        Ok(Some(BatchMeta { selection, seed, speed, exercises, alternatives }))
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
        self.set_meta("alternatives", if m.alternatives { "true" } else { "false" })?;
        self.set_meta("max_score", &m.max_score().to_string())?;
        Ok(())
    }

    /// Remembers a submission (its source path and kind, the submission list's time for it) as a
    /// batch finds it. The first time, now is when the grader received it; later calls (a
    /// resumed batch, a regrade) keep that time. The list's time is the latest list's.
    pub fn upsert_submission(&self, student: &str, source: &str, kind: &str, listed_at: Option<i64>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO submissions(student, source, kind, listed_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(student) DO UPDATE SET source = excluded.source, kind = excluded.kind,
             listed_at = excluded.listed_at, received_at = COALESCE(submissions.received_at, excluded.received_at)",
            params![student, source, kind, listed_at, now_ms().div_euclid(1000)],
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
        record_receipt(&tx, &student, id, record, finished)?;
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
            "SELECT g.student, COALESCE(s.source, ''), COALESCE(s.kind, ''), s.listed_at, g.id, g.outcome,
                    g.score, g.max_score, g.message, g.report, g.finished_ms, g.duration_s,
                    (SELECT COUNT(*) FROM gradings h WHERE h.student = g.student AND h.state = 'done'),
                    s.received_at, s.claimed_at
             FROM gradings g LEFT JOIN submissions s ON s.student = g.student
             WHERE g.current = 1 AND g.state = 'done' ORDER BY g.student",
        )?;
        let rows = st.query_map([], |r| {
            let (listed_at, received_at): (Option<i64>, Option<i64>) = (r.get(3)?, r.get(13)?);
            Ok((
                StudentRow {
                    student: r.get(0)?,
                    source: r.get(1)?,
                    kind: r.get(2)?,
                    submitted_at: listed_at.or(received_at),
                    listed_at,
                    received_at,
                    claimed_at: r.get(14)?,
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
    /// results and sources, and its rubric entries (see [`crate::rubric`]). The two must grade
    /// the same selection with the same seed. Returns how many gradings were copied.
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
            let mut st = other.conn.prepare(
                "SELECT student, source, kind, listed_at, received_at, claimed_at, fingerprint FROM submissions",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                // The earliest receipt wins (with its fingerprint); the other times, the shard's.
                tx.execute(
                    "INSERT INTO submissions(student, source, kind, listed_at, received_at, claimed_at, fingerprint)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(student) DO UPDATE SET source = excluded.source, kind = excluded.kind,
                     listed_at = COALESCE(excluded.listed_at, submissions.listed_at),
                     claimed_at = COALESCE(excluded.claimed_at, submissions.claimed_at),
                     fingerprint = CASE
                         WHEN submissions.received_at IS NULL OR excluded.received_at < submissions.received_at
                         THEN COALESCE(excluded.fingerprint, submissions.fingerprint)
                         ELSE COALESCE(submissions.fingerprint, excluded.fingerprint) END,
                     received_at = CASE
                         WHEN submissions.received_at IS NULL OR excluded.received_at < submissions.received_at
                         THEN excluded.received_at ELSE submissions.received_at END",
                    params![
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ],
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
        let rubric = self.merge_rubric_from(&other, &tx)?;
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, NULL, 'merged', ?2)",
            params![now_ms(), format!("{copied} gradings and {rubric} rubric entries from {}", other_path.display())],
        )?;
        tx.commit()?;
        Ok(copied)
    }
}

/// Brings a gradebook written by an older grader to [`SCHEMA_VERSION`] (see the module's
/// documentation), in one transaction; refuses one written by a newer grader.
fn migrate(conn: &mut Connection) -> Result<()> {
    let stored = |c: &Connection| -> rusqlite::Result<Option<String>> {
        c.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0)).optional()
    };
    if stored(conn)?.is_some_and(|v| v.trim() == SCHEMA_VERSION.to_string()) {
        return Ok(());
    }
    // Another process may be migrating the same file: decide again under the write lock.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from: u32 = match stored(&tx)? {
        Some(v) => v.trim().parse().map_err(|_| DbError::Mismatch(format!("gradebook: bad schema_version `{v}`")))?,
        // Before versions were kept: as old as its columns say (a new gradebook has them all).
        None if has_column(&tx, "submissions", "received_at")? => SCHEMA_VERSION,
        None => 1,
    };
    if from > SCHEMA_VERSION {
        return Err(DbError::Mismatch(format!(
            "this gradebook has schema version {from}, newer than this grader's ({SCHEMA_VERSION}): use a newer grader"
        )));
    }
    if from < 2 {
        if has_column(&tx, "submissions", "submitted_at")? && !has_column(&tx, "submissions", "claimed_at")? {
            tx.execute_batch("ALTER TABLE submissions RENAME COLUMN submitted_at TO claimed_at")?;
        }
        for (column, ty) in
            [("listed_at", "INTEGER"), ("received_at", "INTEGER"), ("claimed_at", "INTEGER"), ("fingerprint", "TEXT")]
        {
            if !has_column(&tx, "submissions", column)? {
                tx.execute_batch(&format!("ALTER TABLE submissions ADD COLUMN {column} {ty}"))?;
            }
        }
        tx.execute(
            "UPDATE submissions SET received_at =
                 (SELECT MIN(g.started_ms) / 1000 FROM gradings g WHERE g.student = submissions.student)
             WHERE received_at IS NULL",
            [],
        )?;
        tx.execute(
            "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, NULL, 'migrated', ?2)",
            params![
                now_ms(),
                format!(
                    "schema {from} -> 2: the commit or file time is kept as claimed_at, no longer used for the late \
                     policy; received_at is the start of each student's first grading"
                )
            ],
        )?;
    }
    // 2 -> 3: the rubric tables, which SCHEMA has created already.
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

fn has_column(c: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let n: i64 =
        c.query_row("SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2", params![table, column], |r| {
            r.get(0)
        })?;
    Ok(n > 0)
}

/// What a finished grading says about when the submission was received: the student's claimed
/// time (kept, never used), and the content's fingerprint. The first content graded keeps the
/// time the batch first saw the submission (a git URL: the time it was cloned, as the student
/// could push until then); other content than that is a new submission, as late as the grading
/// that received it.
fn record_receipt(tx: &Connection, student: &str, id: i64, record: &GradingRecord, finished_ms: i64) -> Result<()> {
    if let Some(t) = record.claimed_at {
        tx.execute("UPDATE submissions SET claimed_at = ?2 WHERE student = ?1", params![student, t])?;
    }
    let fingerprint = match (&record.fingerprint, record.outcome) {
        (Some(f), _) => f.clone(),
        (None, Outcome::Empty) => EMPTY_FINGERPRINT.to_string(),
        // Nothing was received (a clone that failed, a worker that died): nothing to go by.
        (None, _) => return Ok(()),
    };
    let fetched = record.fetched_at.unwrap_or(finished_ms.div_euclid(1000));
    let row: Option<(Option<String>, Option<i64>, String)> = tx
        .query_row("SELECT fingerprint, received_at, source FROM submissions WHERE student = ?1", [student], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((first, received, source)) = row else { return Ok(()) };
    match first {
        None if crate::location::is_url(&source) => {
            tx.execute(
                "UPDATE submissions SET fingerprint = ?2, received_at = MAX(COALESCE(received_at, ?3), ?3)
                 WHERE student = ?1",
                params![student, fingerprint, fetched],
            )?;
        }
        Some(first) if first != fingerprint => {
            // Never earlier than it was: a regrade cannot make a submission less late.
            let now_received = received.map_or(fetched, |r| r.max(fetched));
            tx.execute(
                "UPDATE submissions SET fingerprint = ?2, received_at = ?3 WHERE student = ?1",
                params![student, fingerprint, now_received],
            )?;
            tx.execute(
                "INSERT INTO events(at_ms, student, kind, detail) VALUES (?1, ?2, 'resubmitted', ?3)",
                params![
                    finished_ms,
                    student,
                    format!(
                        "grading {id} received other content than the one first received{}: it was received at {}",
                        received.map(|r| format!(" at {}", crate::policy::format_time(r))).unwrap_or_default(),
                        crate::policy::format_time(now_received)
                    )
                ],
            )?;
        }
        _ => {
            tx.execute(
                "UPDATE submissions SET fingerprint = ?2, received_at = COALESCE(received_at, ?3) WHERE student = ?1",
                params![student, fingerprint, fetched],
            )?;
        }
    }
    Ok(())
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
            alternatives: false,
            exercises: vec![ExerciseInfo { id: "stage1.a".into(), title: "A".into(), points: 2.0 }],
        }
    }

    fn rec(outcome: Outcome) -> GradingRecord {
        GradingRecord {
            outcome,
            message: Some("nothing".into()),
            report: None,
            claimed_at: Some(1_700_000_000),
            fetched_at: None,
            fingerprint: Some("f1".into()),
            sources: vec![SourceFile { path: "lib.rs".into(), text: "fn a() {}".into() }],
            duration_s: 0.5,
        }
    }

    #[test]
    fn interrupted_gradings_do_not_count_and_the_latest_is_current() {
        let dir = tempfile::tempdir().unwrap();
        let gb = Gradebook::open(&dir.path().join("g.sqlite")).unwrap();
        gb.init_batch(&meta()).unwrap();
        gb.upsert_submission("alice", "/x/alice", "dir", None).unwrap();
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
        // The claimed (commit or file) time is kept, never used; the submission time is when
        // the batch first saw it.
        assert_eq!(rows[0].claimed_at, Some(1_700_000_000));
        let now = now_ms() / 1000;
        assert!(rows[0].received_at.is_some_and(|t| (now - 60..=now).contains(&t)), "{:?}", rows[0].received_at);
        assert_eq!(rows[0].submitted_at, rows[0].received_at);
        assert_eq!(gb.history(Some("alice")).unwrap().len(), 3);
        let mismatched = BatchMeta { seed: 8, ..meta() };
        assert!(gb.init_batch(&mismatched).is_err());
    }

    #[test]
    fn merge_copies_each_grading_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Gradebook::open(&dir.path().join("a.sqlite")).unwrap();
        a.init_batch(&meta()).unwrap();
        a.upsert_submission("alice", "/x/alice", "dir", None).unwrap();
        let id = a.start("alice", "stage1", "batch", "w").unwrap();
        a.finish(id, &rec(Outcome::Empty), 2.0).unwrap();
        let m = Gradebook::open(&dir.path().join("m.sqlite")).unwrap();
        assert_eq!(m.merge_from(&dir.path().join("a.sqlite")).unwrap(), 1);
        assert_eq!(m.merge_from(&dir.path().join("a.sqlite")).unwrap(), 0);
        assert_eq!(m.current_rows().unwrap().len(), 1);
        assert_eq!(m.sources().unwrap()["alice"].len(), 1);
        assert_eq!(m.batch_meta().unwrap().unwrap(), meta());
    }

    fn received(gb: &Gradebook, student: &str) -> (Option<i64>, Option<String>) {
        gb.connection()
            .query_row("SELECT received_at, fingerprint FROM submissions WHERE student = ?1", [student], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
    }

    fn set_received(gb: &Gradebook, student: &str, t: i64) {
        gb.connection()
            .execute("UPDATE submissions SET received_at = ?2 WHERE student = ?1", params![student, t])
            .unwrap();
    }

    #[test]
    fn the_first_received_time_survives_resume_and_regrade_but_not_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.sqlite");
        let first_seen = 1_600_000_000;
        {
            let gb = Gradebook::open(&path).unwrap();
            gb.init_batch(&meta()).unwrap();
            gb.upsert_submission("alice", "/x/alice", "git", None).unwrap();
            // First seen long ago (a batch that ran then), and killed while grading her.
            set_received(&gb, "alice", first_seen);
            let _dead = gb.start("alice", "stage1", "batch", "w").unwrap();
        }
        // Resumed: found again, graded now; the time is still the first sight.
        let gb = Gradebook::open(&path).unwrap();
        gb.upsert_submission("alice", "/x/alice", "git", None).unwrap();
        assert_eq!(gb.mark_interrupted().unwrap(), 1);
        let id = gb.start("alice", "stage1", "batch", "w").unwrap();
        let later = GradingRecord { fetched_at: Some(first_seen + 86_400), ..rec(Outcome::Graded) };
        gb.finish(id, &later, 2.0).unwrap();
        assert_eq!(received(&gb, "alice"), (Some(first_seen), Some("f1".into())));
        // A regrade of the same content (fetched again, days later) does not move it.
        gb.upsert_submission("alice", "/x/alice", "git", None).unwrap();
        let id = gb.start("alice", "stage1", "regrade", "w").unwrap();
        gb.finish(id, &GradingRecord { fetched_at: Some(first_seen + 5 * 86_400), ..rec(Outcome::Graded) }, 2.0)
            .unwrap();
        assert_eq!(received(&gb, "alice").0, Some(first_seen));
        assert_eq!(gb.current_rows().unwrap()[0].submitted_at, Some(first_seen));
        // Other content (pushed after the first batch fetched it) is a new submission, received
        // when the regrade fetched it; and a regrade never makes it earlier.
        let id = gb.start("alice", "stage1", "regrade", "w").unwrap();
        let pushed = GradingRecord {
            fetched_at: Some(first_seen + 7 * 86_400),
            fingerprint: Some("f2".into()),
            ..rec(Outcome::Graded)
        };
        gb.finish(id, &pushed, 2.0).unwrap();
        assert_eq!(received(&gb, "alice"), (Some(first_seen + 7 * 86_400), Some("f2".into())));
        let events: i64 = gb
            .connection()
            .query_row("SELECT COUNT(*) FROM events WHERE kind = 'resubmitted' AND student = 'alice'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events, 1);
        // A submission list's time (the LMS's upload time) comes first; the received time stays.
        gb.upsert_submission("alice", "/x/alice", "git", Some(first_seen - 60)).unwrap();
        let row = &gb.current_rows().unwrap()[0];
        assert_eq!((row.submitted_at, row.listed_at), (Some(first_seen - 60), Some(first_seen - 60)));
        assert_eq!(row.received_at, Some(first_seen + 7 * 86_400));
        // An empty submission, then real code: the code came later.
        gb.upsert_submission("bob", "/x/bob", "git", None).unwrap();
        set_received(&gb, "bob", first_seen);
        let id = gb.start("bob", "stage1", "batch", "w").unwrap();
        gb.finish(id, &GradingRecord { fingerprint: None, ..rec(Outcome::Empty) }, 2.0).unwrap();
        assert_eq!(received(&gb, "bob"), (Some(first_seen), Some(EMPTY_FINGERPRINT.into())));
        let id = gb.start("bob", "stage1", "regrade", "w").unwrap();
        gb.finish(id, &GradingRecord { fetched_at: Some(first_seen + 100), ..rec(Outcome::Graded) }, 2.0).unwrap();
        assert_eq!(received(&gb, "bob").0, Some(first_seen + 100));
    }

    #[test]
    fn a_git_url_is_received_when_it_is_first_cloned() {
        let dir = tempfile::tempdir().unwrap();
        let gb = Gradebook::open(&dir.path().join("g.sqlite")).unwrap();
        gb.init_batch(&meta()).unwrap();
        let url = "https://git.example.org/alice.git";
        gb.upsert_submission("alice", url, "git", None).unwrap();
        // Seen when the batch started; the student could push until her turn came.
        set_received(&gb, "alice", 1_600_000_000);
        let id = gb.start("alice", "stage1", "batch", "w").unwrap();
        gb.finish(id, &GradingRecord { fetched_at: Some(1_600_003_600), ..rec(Outcome::Graded) }, 2.0).unwrap();
        assert_eq!(received(&gb, "alice").0, Some(1_600_003_600));
        // Cloned again, the same commit: that time stays.
        let id = gb.start("alice", "stage1", "regrade", "w").unwrap();
        gb.finish(id, &GradingRecord { fetched_at: Some(1_600_090_000), ..rec(Outcome::Graded) }, 2.0).unwrap();
        assert_eq!(received(&gb, "alice").0, Some(1_600_003_600));
    }

    #[test]
    fn merge_keeps_the_earliest_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let a = Gradebook::open(&dir.path().join("a.sqlite")).unwrap();
        a.init_batch(&meta()).unwrap();
        a.upsert_submission("alice", "/x/alice", "dir", None).unwrap();
        set_received(&a, "alice", 1_600_000_000);
        let id = a.start("alice", "stage1", "batch", "w").unwrap();
        a.finish(id, &rec(Outcome::Empty), 2.0).unwrap();
        let m = Gradebook::open(&dir.path().join("m.sqlite")).unwrap();
        m.init_batch(&meta()).unwrap();
        m.upsert_submission("alice", "/x/alice", "dir", None).unwrap();
        m.merge_from(&dir.path().join("a.sqlite")).unwrap();
        assert_eq!(received(&m, "alice").0, Some(1_600_000_000));
        set_received(&a, "alice", 1_700_000_000);
        m.merge_from(&dir.path().join("a.sqlite")).unwrap();
        assert_eq!(received(&m, "alice").0, Some(1_600_000_000));
    }

    #[test]
    fn a_version_1_gradebook_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            // What grader 1 wrote: submitted_at held the commit time, which the policy used.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('schema_version', '1');
                 CREATE TABLE submissions (student TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL,
                     submitted_at INTEGER);
                 INSERT INTO submissions VALUES ('alice', '/x/alice', 'git', 1500000000);
                 INSERT INTO submissions VALUES ('bob', '/x/bob', 'dir', NULL);
                 CREATE TABLE gradings (id INTEGER PRIMARY KEY AUTOINCREMENT, uid TEXT NOT NULL UNIQUE,
                     student TEXT NOT NULL, selection TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,
                     outcome TEXT, score REAL, max_score REAL, message TEXT, report TEXT, started_ms INTEGER NOT NULL,
                     finished_ms INTEGER, duration_s REAL, worker TEXT NOT NULL DEFAULT '',
                     current INTEGER NOT NULL DEFAULT 0);
                 INSERT INTO gradings(uid, student, selection, reason, state, outcome, score, max_score, started_ms,
                     finished_ms, current)
                     VALUES ('a1', 'alice', 'stage1', 'batch', 'done', 'empty', 0, 2, 1600000000123, 1600000001000, 0),
                            ('a2', 'alice', 'stage1', 'regrade', 'done', 'empty', 0, 2, 1600000500000, 1600000501000, 1);",
            )
            .unwrap();
        }
        let gb = Gradebook::open(&path).unwrap();
        assert_eq!(gb.meta("schema_version").unwrap().as_deref(), Some("3"));
        let rows = gb.current_rows().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].claimed_at, Some(1_500_000_000));
        assert_eq!(rows[0].received_at, Some(1_600_000_000), "the first grading's start");
        assert_eq!(rows[0].submitted_at, Some(1_600_000_000));
        assert_eq!(received(&gb, "bob"), (None, None));
        // The first sight from now on, for a submission never graded.
        gb.upsert_submission("bob", "/x/bob", "dir", None).unwrap();
        assert!(received(&gb, "bob").0.is_some());
        drop(gb);
        // Opened again: nothing to do.
        let gb = Gradebook::open(&path).unwrap();
        let migrated: i64 =
            gb.connection().query_row("SELECT COUNT(*) FROM events WHERE kind = 'migrated'", [], |r| r.get(0)).unwrap();
        assert_eq!(migrated, 1);
        // A gradebook from a newer grader is refused.
        gb.set_meta("schema_version", "4").unwrap();
        drop(gb);
        assert!(matches!(Gradebook::open(&path), Err(DbError::Mismatch(_))));
    }
}
