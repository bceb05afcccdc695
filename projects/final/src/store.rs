//! The durable part: the service's data directory. This is the only file of `src/` where your
//! code may use `std::fs` (the grader's static check refuses it anywhere else).
//!
//! ```text
//! data_dir/
//!   models/v1.bin, models/v2.bin, ...   the model versions (Model::to_bytes), numbered from 1
//!   active                              the active version's name, e.g. "v1\n"; absent: the newest
//!   feedback.log                        the feedback records, appended one per line
//! ```
//!
//! (`given::model_path`, `MODEL_DIR`, `ACTIVE_FILE`, `FEEDBACK_FILE`, `parse_version` and
//! `version_name` spell the layout; the grader writes the models it trains there itself.)
//!
//! # Durability
//!
//! The grader SIGKILLs the service while clients write feedback, restarts it on the same
//! directory, and asks for every record it was answered `201` for: none may be missing. A write
//! is durable once its bytes are written **and synced** (`File::sync_data` / `sync_all`); a file
//! that was just created or renamed also needs its directory synced (`File::open(dir)?.sync_all()`)
//! for its name to survive. So:
//!
//! - [`Store::record_feedback`] appends one line and calls `sync_data` before returning `Ok`;
//! - [`Store::set_active`] writes a temporary file, syncs it, renames it over `active` (a rename
//!   is atomic: a crash leaves the old file or the new one, never half of one), syncs the folder;
//! - [`Store::open`] reads the log back. A crash in the middle of an append leaves a torn last
//!   line (no newline at its end): ignore it — it was never acknowledged — and make sure the
//!   next record does not glue itself onto it. It is not an error.
//!
//! Choose a line format that cannot be confused by the ids it stores (ids are 1 to 64
//! characters of `A-Z a-z 0-9 _ -`).

use crate::given::Error;
use crate::model::Model;
use std::path::Path;

/// A service's data directory, opened: what it needs to answer without reading the disk again
/// (the feedback records in memory, for example), and the handles it writes through.
#[derive(Debug)]
pub struct Store {}

impl Store {
    /// Opens `dir` (creating it if it does not exist) and reads its feedback log, if any.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        todo!()
    }

    /// The versions in `models/` (files `v{n}.bin`, `n >= 1`, see `given::parse_version`),
    /// oldest first (by number: `v10` after `v9`); empty when the folder does not exist. Other
    /// files are ignored.
    pub fn versions(&self) -> Result<Vec<u32>, Error> {
        todo!()
    }

    /// Reads version `v`'s model (`Model::from_bytes`); an error names the file.
    pub fn load_model(&self, v: u32) -> Result<Model, Error> {
        todo!()
    }

    /// Saves `model` as version `v` (`v >= 1`), durably, replacing any earlier `v{v}.bin`
    /// (the `train` binary uses it).
    pub fn save_model(&self, v: u32, model: &Model) -> Result<(), Error> {
        todo!()
    }

    /// The active version: the one the `active` file names, when it names one that exists, else
    /// the newest; `None` when there is no version at all.
    pub fn active(&self) -> Result<Option<u32>, Error> {
        todo!()
    }

    /// Makes version `v` the active one, durably (it still is after a crash and a restart); an
    /// error when there is no version `v`.
    pub fn set_active(&mut self, v: u32) -> Result<(), Error> {
        todo!()
    }

    /// Records that the item `id` has the label `label`, durably: synced before it returns `Ok`.
    /// The same record again is `Ok` and writes nothing; another label for a known `id` is an
    /// error, as is an `id` that is not 1 to 64 characters of `A-Z a-z 0-9 _ -`.
    pub fn record_feedback(&mut self, id: &str, label: u32) -> Result<(), Error> {
        todo!()
    }

    /// The label recorded for `id`, if any.
    pub fn feedback(&self, id: &str) -> Option<u32> {
        todo!()
    }
}
