//! A model registry on disk: every trained model kept as a numbered version, each version in a
//! lifecycle stage, one version in production at a time, and a rollback that puts the previous
//! production version back.
//!
//! This is what MLflow's model registry or a bucket of versioned artefacts gives a team, here as
//! plain files: the registry is a directory, and everything it knows must be on disk, so that a
//! second process (or the same one after a restart) that opens the directory sees the same
//! versions and stages. Nothing may live only in memory.
//!
//! # Layout (the grader reads it)
//! Under the registry's root, a model `name` has one directory `name/`; version `n` (1, 2, 3, ...)
//! is the file `name/v{n}/model.safetensors`, written by [`crate::formats::save`] (so that its
//! tensors carry their digest). Where you keep the stages and the production history (one small
//! file per model, say `name/state.txt`) is yours to choose, as long as it is under `name/`.
//!
//! # Stages and transitions
//! A new version is in [`Stage::None`]. The transitions allowed, and nothing else (moving a
//! version to the stage it is in is not allowed either):
//!
//! | from | to |
//! |---|---|
//! | `None` | `Staging`, `Archived` |
//! | `Staging` | `Production`, `Archived` |
//! | `Production` | `Archived` |
//! | `Archived` | `Staging` |
//!
//! Moving a version to `Production` archives the version that was in production (if any). The
//! registry remembers the order in which versions entered production (its production history);
//! [`Registry::rollback`] archives the current production version and puts back the version that
//! entered production before it (whatever stage it is in now), so that two rollbacks go two steps
//! back. A rollback with no earlier production version is refused and changes nothing.
//!
//! # Names
//! A model name is 1 to 64 characters of `a-z`, `0-9`, `_` and `-`. Anything else (`../models`,
//! `a/b`, an empty name) would put files outside the model's directory and is refused before
//! anything is written.
//!
//! # Tampering
//! [`Registry::load`] reads the version's file and checks it with [`crate::formats::load`]: a file
//! whose tensors no longer match their digest, a file that is not safetensors, or one without a
//! digest is `Tampered`. A registry must never serve a model it cannot vouch for.
//!
//! Use `std::fs` (this exercise's file may; the sandbox lets it reach only its own scratch
//! directory) and `std::path::Path`.

use crate::formats::{self, Loaded, Tensor};
use std::path::{Path, PathBuf};

/// A version's lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    None,
    Staging,
    Production,
    Archived,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// The model name breaks the naming rule.
    InvalidName,
    /// No such model, or no such version of it.
    NotFound,
    /// The transition is not in the table.
    InvalidTransition,
    /// A rollback with no current production version or no earlier one.
    NoPrevious,
    /// The version's file fails [`crate::formats::load`].
    Tampered,
    /// The model could not be saved ([`crate::formats::save`] refused it).
    Invalid,
    /// The file system refused (the message says what).
    Io(String),
}

impl From<std::io::Error> for RegistryError {
    fn from(e: std::io::Error) -> Self {
        RegistryError::Io(e.kind().to_string())
    }
}

/// A registry rooted at a directory. Holds nothing but the root: every answer is read from disk.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
}

/// What a model's state file holds: each version's stage, and the production history.
struct State {
    stages: Vec<Stage>,
    history: Vec<u32>,
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::None => "none",
        Stage::Staging => "staging",
        Stage::Production => "production",
        Stage::Archived => "archived",
    }
}

fn parse_stage(s: &str) -> Option<Stage> {
    Some(match s {
        "none" => Stage::None,
        "staging" => Stage::Staging,
        "production" => Stage::Production,
        "archived" => Stage::Archived,
        _ => return None,
    })
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Registry {
    /// The registry at `root`, created (with its parents) if it does not exist.
    ///
    /// # Errors
    /// `Io` when the directory cannot be created.
    pub fn open(root: &Path) -> Result<Registry, RegistryError> {
        std::fs::create_dir_all(root)?;
        Ok(Registry { root: root.to_path_buf() })
    }

    fn dir(&self, name: &str) -> Result<PathBuf, RegistryError> {
        if !valid_name(name) {
            return Err(RegistryError::InvalidName);
        }
        Ok(self.root.join(name))
    }

    fn read_state(&self, name: &str) -> Result<State, RegistryError> {
        let path = self.dir(name)?.join("state.txt");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RegistryError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let corrupt = || RegistryError::Io("the state file does not parse".into());
        let mut lines = text.lines();
        let stages = lines
            .next()
            .ok_or_else(corrupt)?
            .split_whitespace()
            .map(|s| parse_stage(s).ok_or_else(corrupt))
            .collect::<Result<Vec<_>, _>>()?;
        let history = lines
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(|v| v.parse().map_err(|_| corrupt()))
            .collect::<Result<Vec<u32>, _>>()?;
        Ok(State { stages, history })
    }

    /// Written to a temporary file and renamed over the old one: a crash mid-write leaves the
    /// old state, never half of the new one.
    fn write_state(&self, name: &str, state: &State) -> Result<(), RegistryError> {
        let dir = self.dir(name)?;
        let stages: Vec<&str> = state.stages.iter().map(|&s| stage_name(s)).collect();
        let history: Vec<String> = state.history.iter().map(u32::to_string).collect();
        let tmp = dir.join("state.txt.tmp");
        std::fs::write(&tmp, format!("{}\n{}\n", stages.join(" "), history.join(" ")))?;
        std::fs::rename(&tmp, dir.join("state.txt"))?;
        Ok(())
    }

    /// Register `tensors` (with `metadata`) as the next version of `name` (1 for a new name), in
    /// stage `None`; answers the version.
    ///
    /// # Errors
    /// `InvalidName`; `Invalid` when [`crate::formats::save`] refuses the tensors or metadata
    /// (nothing is written then); `Io`.
    pub fn register(
        &self,
        name: &str,
        tensors: &[Tensor],
        metadata: &[(String, String)],
    ) -> Result<u32, RegistryError> {
        let dir = self.dir(name)?;
        let bytes = formats::save(tensors, metadata).map_err(|_| RegistryError::Invalid)?;
        let mut state = match self.read_state(name) {
            Ok(s) => s,
            Err(RegistryError::NotFound) => State { stages: Vec::new(), history: Vec::new() },
            Err(e) => return Err(e),
        };
        let version = state.stages.len() as u32 + 1;
        let vdir = dir.join(format!("v{version}"));
        std::fs::create_dir_all(&vdir)?;
        let tmp = vdir.join("model.safetensors.tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, vdir.join("model.safetensors"))?;
        state.stages.push(Stage::None);
        self.write_state(name, &state)?;
        Ok(version)
    }

    /// Every version of `name` with its stage, in order of version.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` for a name never registered; `Io`.
    pub fn versions(&self, name: &str) -> Result<Vec<(u32, Stage)>, RegistryError> {
        let state = self.read_state(name)?;
        Ok(state.stages.iter().enumerate().map(|(i, &s)| (i as u32 + 1, s)).collect())
    }

    /// The version of `name` in production, if any.
    ///
    /// # Errors
    /// As [`Registry::versions`].
    pub fn production(&self, name: &str) -> Result<Option<u32>, RegistryError> {
        let state = self.read_state(name)?;
        Ok(state.stages.iter().position(|&s| s == Stage::Production).map(|i| i as u32 + 1))
    }

    /// Move `version` of `name` to stage `to`, by the table above; moving one to `Production`
    /// archives the one that was there and appends `version` to the production history.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` (no such name or version); `InvalidTransition`; `Io`.
    pub fn transition(&self, name: &str, version: u32, to: Stage) -> Result<(), RegistryError> {
        let mut state = self.read_state(name)?;
        let i = (version as usize).checked_sub(1).filter(|&i| i < state.stages.len()).ok_or(RegistryError::NotFound)?;
        let allowed = matches!(
            (state.stages[i], to),
            (Stage::None, Stage::Staging | Stage::Archived)
                | (Stage::Staging, Stage::Production | Stage::Archived)
                | (Stage::Production, Stage::Archived)
                | (Stage::Archived, Stage::Staging)
        );
        if !allowed {
            return Err(RegistryError::InvalidTransition);
        }
        if to == Stage::Production {
            for s in state.stages.iter_mut().filter(|s| **s == Stage::Production) {
                *s = Stage::Archived;
            }
            state.history.push(version);
        }
        state.stages[i] = to;
        self.write_state(name, &state)
    }

    /// Archive the production version of `name` and put back the one that entered production
    /// before it; answers the version now in production.
    ///
    /// # Errors
    /// `NoPrevious` when nothing is in production or no earlier version entered production
    /// (nothing changes then); and as [`Registry::versions`].
    pub fn rollback(&self, name: &str) -> Result<u32, RegistryError> {
        let mut state = self.read_state(name)?;
        let current =
            state.stages.iter().position(|&s| s == Stage::Production).ok_or(RegistryError::NoPrevious)? as u32 + 1;
        // The history's last entry is the current version (it entered production last); the one
        // before it that is another version is the previous.
        let mut history = state.history.clone();
        while history.last() == Some(&current) {
            history.pop();
        }
        let previous = *history.last().ok_or(RegistryError::NoPrevious)?;
        state.stages[current as usize - 1] = Stage::Archived;
        state.stages[previous as usize - 1] = Stage::Production;
        state.history = history;
        self.write_state(name, &state)?;
        Ok(previous)
    }

    /// The tensors and metadata of `version` of `name`, once its digest is checked.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` (no such name, version or file); `Tampered`; `Io`.
    pub fn load(&self, name: &str, version: u32) -> Result<Loaded, RegistryError> {
        let state = self.read_state(name)?;
        if version == 0 || version as usize > state.stages.len() {
            return Err(RegistryError::NotFound);
        }
        let path = self.dir(name)?.join(format!("v{version}")).join("model.safetensors");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RegistryError::NotFound),
            Err(e) => return Err(e.into()),
        };
        formats::load(&bytes).map_err(|_| RegistryError::Tampered)
    }
}
