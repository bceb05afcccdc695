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

use crate::formats::{Loaded, Tensor};
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

impl Registry {
    /// The registry at `root`, created (with its parents) if it does not exist.
    ///
    /// # Errors
    /// `Io` when the directory cannot be created.
    pub fn open(root: &Path) -> Result<Registry, RegistryError> {
        todo!()
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
        todo!()
    }

    /// Every version of `name` with its stage, in order of version.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` for a name never registered; `Io`.
    pub fn versions(&self, name: &str) -> Result<Vec<(u32, Stage)>, RegistryError> {
        todo!()
    }

    /// The version of `name` in production, if any.
    ///
    /// # Errors
    /// As [`Registry::versions`].
    pub fn production(&self, name: &str) -> Result<Option<u32>, RegistryError> {
        todo!()
    }

    /// Move `version` of `name` to stage `to`, by the table above; moving one to `Production`
    /// archives the one that was there and appends `version` to the production history.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` (no such name or version); `InvalidTransition`; `Io`.
    pub fn transition(&self, name: &str, version: u32, to: Stage) -> Result<(), RegistryError> {
        todo!()
    }

    /// Archive the production version of `name` and put back the one that entered production
    /// before it; answers the version now in production.
    ///
    /// # Errors
    /// `NoPrevious` when nothing is in production or no earlier version entered production
    /// (nothing changes then); and as [`Registry::versions`].
    pub fn rollback(&self, name: &str) -> Result<u32, RegistryError> {
        todo!()
    }

    /// The tensors and metadata of `version` of `name`, once its digest is checked.
    ///
    /// # Errors
    /// `InvalidName`; `NotFound` (no such name, version or file); `Tampered`; `Io`.
    pub fn load(&self, name: &str, version: u32) -> Result<Loaded, RegistryError> {
        todo!()
    }
}
