//! Public tests for mini-project 3: `cargo test -p mp3`. They run the pipeline on the course's
//! breast-cancer file in a directory of the system's temporary directory, twice: the first run
//! does everything, the second reuses everything. `grader check mp3` runs the four hidden runs.

use mp3::StepStatus;
use std::path::{Path, PathBuf};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_second_run_on_the_same_file_reuses_every_step() {
    let dir = Dir(std::env::temp_dir().join(format!("mp3-smoke-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/breast_cancer/breast_cancer.csv");
    let first = mp3::run(&dir.0, &data).expect("the course's file is valid");
    assert!(first.steps.iter().all(|(_, s)| *s == StepStatus::Ran), "{:?}", first.steps);
    assert_eq!((first.registered, first.production), (Some(1), Some(1)));
    assert!(first.validation_accuracy > 0.9, "{}", first.validation_accuracy);
    assert!(dir.0.join("registry/v1/model.safetensors").is_file());
    let second = mp3::run(&dir.0, &data).unwrap();
    assert!(second.steps.iter().all(|(_, s)| *s == StepStatus::Cached), "{:?}", second.steps);
    assert_eq!((second.registered, second.production), (None, Some(1)));
}
