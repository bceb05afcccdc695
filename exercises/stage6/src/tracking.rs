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

use rusqlite::Connection;

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
#[allow(dead_code)]
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
        todo!()
    }

    /// Starts a run of `experiment` with its parameters, and returns its id: 1 for the store's
    /// first run, then 2, 3... A parameter named twice keeps its last value.
    pub fn start_run(&mut self, experiment: &str, params: &[(String, String)]) -> Result<i64, TrackError> {
        todo!()
    }

    /// Logs `value` for metric `key` of `run` at `step` (any integer, logged in any order).
    ///
    /// # Errors
    /// `UnknownRun`, `Finished` (after [`Tracker::finish_run`]), `NotFinite`, and `Duplicate` when
    /// this run already has this key at this step (the first value stays).
    pub fn log_metric(&mut self, run: i64, key: &str, step: i64, value: f64) -> Result<(), TrackError> {
        todo!()
    }

    /// Marks `run` finished. Finishing it again changes nothing.
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn finish_run(&mut self, run: i64) -> Result<(), TrackError> {
        todo!()
    }

    /// The parameters of `run`, sorted by name.
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn params(&self, run: i64) -> Result<Vec<(String, String)>, TrackError> {
        todo!()
    }

    /// Metric `key` of `run`, `(step, value)` sorted by step (empty when never logged).
    ///
    /// # Errors
    /// `UnknownRun`.
    pub fn history(&self, run: i64, key: &str) -> Result<Vec<(i64, f64)>, TrackError> {
        todo!()
    }

    /// The best finished run of `experiment` by metric `key`: each finished run is judged by its
    /// value of `key` at its highest step; the largest wins when `maximize`, the smallest
    /// otherwise; equal values go to the lower run id. `None` when no finished run of the
    /// experiment logged `key`.
    pub fn best_run(&self, experiment: &str, key: &str, maximize: bool) -> Result<Option<(i64, f64)>, TrackError> {
        todo!()
    }

    /// The runs of `experiment` whose parameter `name` has exactly `value`, by id.
    pub fn runs_with_param(&self, experiment: &str, name: &str, value: &str) -> Result<Vec<i64>, TrackError> {
        todo!()
    }
}
