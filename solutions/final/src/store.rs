//! The durable part, reference solution: model versions, the active version and the feedback
//! log in `data_dir`, every write made durable (written, synced, and for a new or renamed file
//! its directory synced) before it returns.
//!
//! `feedback.log` holds one record per line, `id TAB label LF`, appended in order and synced
//! after each. A crash can leave a torn last line (no `LF`): [`Store::open`] ignores it and cuts
//! it off, so the next record starts on a line of its own.

use crate::given::{model_path, parse_version, version_name, Error, ACTIVE_FILE, FEEDBACK_FILE, MODEL_DIR};
use crate::model::Model;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A service's data directory, opened.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    feedback: HashMap<String, u32>,
    log: Option<File>,
}

/// Whether `id` may name a feedback record: 1 to 64 characters of `A-Z a-z 0-9 _ -`.
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Syncs a directory, so that a file created or renamed in it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Writes `bytes` to `path` all or nothing: a temporary file beside it, synced, renamed over
/// it, the directory synced.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().ok_or_else(|| Error::new(format!("{}: no parent directory", path.display())))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

impl Store {
    /// Opens `dir` (created if missing) and reads its feedback log.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        fs::create_dir_all(dir)?;
        let path = dir.join(FEEDBACK_FILE);
        let mut feedback = HashMap::new();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        // Complete lines only: a torn last one is cut off.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for line in bytes[..whole].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let parsed = std::str::from_utf8(line).ok().and_then(|l| l.split_once('\t')).and_then(|(id, label)| {
                let label = label.parse::<u32>().ok()?;
                valid_id(id).then(|| (id.to_string(), label))
            });
            match parsed {
                Some((id, label)) => {
                    feedback.entry(id).or_insert(label);
                }
                None => eprintln!("{}: skipping a malformed line", path.display()),
            }
        }
        if whole < bytes.len() {
            let f = OpenOptions::new().write(true).open(&path)?;
            f.set_len(whole as u64)?;
            f.sync_all()?;
        }
        Ok(Store { dir: dir.to_path_buf(), feedback, log: None })
    }

    /// The model versions in `models/` (`v{n}.bin`, n from 1), oldest first; none when the
    /// folder is missing.
    pub fn versions(&self) -> Result<Vec<u32>, Error> {
        let entries = match fs::read_dir(self.dir.join(MODEL_DIR)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut versions = Vec::new();
        for entry in entries {
            let name = entry?.file_name();
            if let Some(n) = name.to_str().and_then(|n| n.strip_suffix(".bin")).and_then(parse_version) {
                versions.push(n);
            }
        }
        versions.sort_unstable();
        Ok(versions)
    }

    /// Version `v`'s model.
    pub fn load_model(&self, v: u32) -> Result<Model, Error> {
        let path = model_path(&self.dir, v);
        let bytes = fs::read(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        Model::from_bytes(&bytes).map_err(|e| Error::new(format!("{}: {e}", path.display())))
    }

    /// Saves `model` as version `v`, durably (replacing any version `v`).
    pub fn save_model(&self, v: u32, model: &Model) -> Result<(), Error> {
        if v == 0 {
            return Err(Error::new("versions are numbered from 1"));
        }
        let path = model_path(&self.dir, v);
        fs::create_dir_all(self.dir.join(MODEL_DIR))?;
        sync_dir(&self.dir)?;
        write_atomic(&path, &model.to_bytes())
    }

    /// The active version: the one the `active` file names when it names an existing version,
    /// else the newest; `None` when there is no version at all.
    pub fn active(&self) -> Result<Option<u32>, Error> {
        let versions = self.versions()?;
        let named = match fs::read_to_string(self.dir.join(ACTIVE_FILE)) {
            Ok(s) => parse_version(s.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        Ok(named.filter(|v| versions.contains(v)).or(versions.last().copied()))
    }

    /// Makes version `v` the active one, durably: it still is after a crash or a restart.
    pub fn set_active(&mut self, v: u32) -> Result<(), Error> {
        if !self.versions()?.contains(&v) {
            return Err(Error::new(format!("there is no version {}", version_name(v))));
        }
        write_atomic(&self.dir.join(ACTIVE_FILE), format!("{}\n", version_name(v)).as_bytes())
    }

    /// Records that `id`'s label is `label`, durably (synced before it returns `Ok`). The same
    /// record again is `Ok` and writes nothing; another label for a known `id` is an error, as is
    /// an `id` that is not 1 to 64 characters of `A-Z a-z 0-9 _ -`.
    pub fn record_feedback(&mut self, id: &str, label: u32) -> Result<(), Error> {
        if !valid_id(id) {
            return Err(Error::new(format!("invalid feedback id {id:?}")));
        }
        match self.feedback.get(id) {
            Some(&l) if l == label => return Ok(()),
            Some(&l) => return Err(Error::new(format!("{id} is already labelled {l}"))),
            None => {}
        }
        if self.log.is_none() {
            let path = self.dir.join(FEEDBACK_FILE);
            let created = !path.exists();
            let f = OpenOptions::new().create(true).append(true).open(&path)?;
            if created {
                sync_dir(&self.dir)?;
            }
            self.log = Some(f);
        }
        let log = self.log.as_mut().expect("opened above");
        let before = log.metadata()?.len();
        let written = log.write_all(format!("{id}\t{label}\n").as_bytes()).and_then(|()| log.sync_data());
        if let Err(e) = written {
            // Half a line must not glue itself to the next record: cut it off, reopen later.
            let _ = log.set_len(before);
            self.log = None;
            return Err(e.into());
        }
        self.feedback.insert(id.to_string(), label);
        Ok(())
    }

    /// The label recorded for `id`, if any.
    pub fn feedback(&self, id: &str) -> Option<u32> {
        self.feedback.get(id).copied()
    }
}
