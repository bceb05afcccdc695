//! The subcommands: parse-validated arguments in, an exit code out.

use crate::display::Terminal;
use crate::{EXIT_BUILD_FAILED, EXIT_FAILED, EXIT_FORBIDDEN, EXIT_PASSED};
use anyhow::{bail, Context, Result};
use grader_engine::builder::{Builder, Role};
use grader_engine::manifest::{Course, Device};
use grader_engine::probe::{CallResult, Limits, Probe};
use grader_engine::run::{run, RunConfig, Silent};
use grader_report::{ExerciseStatus, Report};
use grader_suites as suites;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod bench;
mod check;
mod coverage;
mod data;
mod dev;
mod hint;
mod list;
mod reset;
mod scaffold;

pub use bench::*;
pub use check::*;
pub use coverage::*;
pub use data::*;
pub use dev::*;
pub use hint::*;
pub use list::*;
pub use reset::*;
pub use scaffold::*;

/// The course checkout: `--course`, else the nearest enclosing directory with a course
/// manifest, else the checkout this grader was built from.
pub fn find_course(explicit: Option<&Path>) -> Result<PathBuf> {
    let is_course = |p: &Path| p.join("grader/course/course.toml").is_file();
    if let Some(p) = explicit {
        if !is_course(p) {
            bail!("{} is not a course checkout (no grader/course/course.toml)", p.display());
        }
        return Ok(p.canonicalize()?);
    }
    let cwd = std::env::current_dir()?;
    if let Some(found) = cwd.ancestors().find(|p| is_course(p)) {
        return Ok(found.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_course(&built_from) {
        return Ok(built_from.canonicalize()?);
    }
    bail!("no course checkout found above {}; pass --course DIR", cwd.display())
}

/// The course for the repository at `root`: from the grader bundle when there is one (its
/// pristine course files and prebuilt reference probes), else `root`'s own manifest.
fn load(root: &Path) -> Result<Course> {
    crate::export::load_course(root).map(|(course, _)| course)
}

fn target_dir(course: &Path, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| course.join("target/grader"))
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}
