//! Experiment tracking in SQLite: runs, their parameters and their metrics, written as training
//! goes and queried back exactly.
//!
//! What MLflow's tracking server keeps, in one SQLite database (in memory here; a file in a real
//! project): which runs an experiment had, with which hyperparameters, and every metric logged
//! at every step, so that "the best run of the learning-rate sweep" is a query, not a search
//! through notebooks.
//!
//! Use [`rusqlite`] with bound parameters (`?1`, `params![...]`) for every value: a parameter's
//! value is whatever the training script was given, quotes and semicolons included.

use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackError {
    /// No run has this id.
    UnknownRun,
    /// This run already logged this metric at this step.
    Duplicate,
    /// A metric's value is NaN or infinite.
    NotFinite,
    /// A run already finished takes no more metrics.
    Finished,
    /// SQLite itself failed.
    Database,
}

impl From<rusqlite::Error> for TrackError {
    fn from(_: rusqlite::Error) -> TrackError {
        TrackError::Database
    }
}

/// A tracking store.
pub struct Tracker {
    db: Connection,
}

impl Tracker {
    /// A new, empty store in an in-memory SQLite database, with its tables created.
    ///
    /// Suggested schema: `runs(id INTEGER PRIMARY KEY, experiment TEXT, finished INTEGER)`,
    /// `params(run, name, value, PRIMARY KEY (run, name))`,
    /// `metrics(run, key, step, value REAL, PRIMARY KEY (run, key, step))`.
    pub fn open() -> Result<Tracker, TrackError> {
        let db = Connection::open_in_memory()?;
        db.execute_batch(
            "PRAGMA temp_store = MEMORY;
             CREATE TABLE runs (id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, finished INTEGER NOT NULL);
             CREATE TABLE params (run INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
                                  PRIMARY KEY (run, name));
             CREATE TABLE metrics (run INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL,
                                   value REAL NOT NULL, PRIMARY KEY (run, key, step));",
        )?;
        Ok(Tracker { db })
    }

    /// Starts a run of `experiment` with its parameters, and returns its id: 1 for the store's
    /// first run, then 2, 3... A parameter named twice keeps its last value.
    pub fn start_run(&mut self, experiment: &str, params: &[(String, String)]) -> Result<i64, TrackError> {
        let tx = self.db.transaction()?;
        tx.execute("INSERT INTO runs (experiment, finished) VALUES (?1, 0)", params![experiment])?;
        let run = tx.last_insert_rowid();
        for (name, value) in params {
            tx.execute(
                "INSERT OR REPLACE INTO params (run, name, value) VALUES (?1, ?2, ?3)",
                params![run, name, value],
            )?;
        }
        tx.commit()?;
        Ok(run)
    }

    fn finished(&self, run: i64) -> Result<bool, TrackError> {
        self.db
            .query_row("SELECT finished FROM runs WHERE id = ?1", params![run], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|f| f != 0)
            .ok_or(TrackError::UnknownRun)
    }

    /// Logs `value` for metric `key` of `run` at `step` (any integer, logged in any order).
    ///
    /// # Errors
    /// `UnknownRun`, `Finished` (after [`Tracker::finish_run`]), `NotFinite`, and `Duplicate` when
    /// this run already has this key at this step (the first value stays).
    pub fn log_metric(&mut self, run: i64, key: &str, step: i64, value: f64) -> Result<(), TrackError> {
        if self.finished(run)? {
            return Err(TrackError::Finished);
        }
        if !value.is_finite() {
            return Err(TrackError::NotFinite);
        }
        match self.db.execute(
            "INSERT INTO metrics (run, key, step, value) VALUES (?1, ?2, ?3, ?4)",
            params![run, key, step, value],
        ) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                Err(TrackError::Duplicate)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Marks `run` finished. Finishing it again changes nothing.
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn finish_run(&mut self, run: i64) -> Result<(), TrackError> {
        self.finished(run)?;
        self.db.execute("UPDATE runs SET finished = 1 WHERE id = ?1", params![run])?;
        Ok(())
    }

    /// The parameters of `run`, sorted by name.
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn params(&self, run: i64) -> Result<Vec<(String, String)>, TrackError> {
        self.finished(run)?;
        let mut q = self.db.prepare("SELECT name, value FROM params WHERE run = ?1 ORDER BY name")?;
        let rows = q.query_map(params![run], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Metric `key` of `run`, `(step, value)` sorted by step (empty when never logged).
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn history(&self, run: i64, key: &str) -> Result<Vec<(i64, f64)>, TrackError> {
        self.finished(run)?;
        let mut q = self.db.prepare("SELECT step, value FROM metrics WHERE run = ?1 AND key = ?2 ORDER BY step")?;
        let rows = q.query_map(params![run, key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The best finished run of `experiment` by metric `key`: each finished run is judged by its
    /// value of `key` at its highest step; the largest wins when `maximize`, the smallest
    /// otherwise; equal values go to the lower run id. `None` when no finished run of the
    /// experiment logged `key`.
    pub fn best_run(&self, experiment: &str, key: &str, maximize: bool) -> Result<Option<(i64, f64)>, TrackError> {
        let order = if maximize { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT m.run, m.value FROM metrics m JOIN runs r ON r.id = m.run
             WHERE r.experiment = ?1 AND r.finished = 1 AND m.key = ?2
               AND m.step = (SELECT MAX(step) FROM metrics WHERE run = m.run AND key = ?2)
             ORDER BY m.value {order}, m.run ASC LIMIT 1"
        );
        Ok(self.db.query_row(&sql, params![experiment, key], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    }

    /// The runs of `experiment` whose parameter `name` has exactly `value`, by id.
    pub fn runs_with_param(&self, experiment: &str, name: &str, value: &str) -> Result<Vec<i64>, TrackError> {
        let mut q = self.db.prepare(
            "SELECT r.id FROM runs r JOIN params p ON p.run = r.id
             WHERE r.experiment = ?1 AND p.name = ?2 AND p.value = ?3 ORDER BY r.id",
        )?;
        let rows = q.query_map(params![experiment, name, value], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
