//! `grader watch stage3`: grade, then grade again every time a source file of the selected
//! stages changes (polling modification times: no platform watcher, nothing to install).

use crate::commands::{self, CheckArgs};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// How often to look for changes, in milliseconds.
    #[arg(long, default_value_t = 400)]
    poll_ms: u64,
    /// Stop after this many gradings (for scripts and tests; default: until Ctrl-C).
    #[arg(long, hide = true)]
    runs: Option<usize>,
}

/// Every `.rs` file under the `src/` of the selected stages, with its modification time and size.
fn snapshot(dirs: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Option<SystemTime>, u64)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p, meta.modified().ok(), meta.len()));
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(d, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn watch(root: &Path, a: WatchArgs) -> Result<u8> {
    let (course, _) = crate::export::load_course(root)?;
    let selection = a.check.selection_or_all();
    let submission = a.check.submission_dir(root);
    let mut stages: Vec<&str> = course.select(&selection).iter().map(|e| e.stage.as_str()).collect();
    stages.dedup();
    let dirs: Vec<PathBuf> =
        stages.iter().filter_map(|s| course.stage(s)).map(|s| submission.join(&s.student_dir).join("src")).collect();
    let poll = Duration::from_millis(a.poll_ms.max(50));
    let tty = std::io::stdout().is_terminal();
    let mut runs = 0;
    let mut last_code;
    loop {
        let before = snapshot(&dirs);
        if tty && runs > 0 {
            print!("\x1b[2J\x1b[H");
        }
        last_code = match commands::check(root, a.check.clone()) {
            Ok(code) => code,
            Err(e) => {
                println!("error: {e:#}");
                crate::EXIT_GRADER_ERROR
            }
        };
        runs += 1;
        if a.runs.is_some_and(|n| runs >= n) {
            return Ok(last_code);
        }
        let shown: Vec<String> =
            dirs.iter().map(|d| crate::tamper::rel_path(&submission, d).display().to_string()).collect();
        println!("\nwatching {} for changes (Ctrl-C to stop)", shown.join(", "));
        // Wait for a change, then for the files to settle (editors write in several steps).
        let mut current = before;
        loop {
            std::thread::sleep(poll);
            let now = snapshot(&dirs);
            if now != current {
                let settle = Instant::now();
                current = now;
                while settle.elapsed() < Duration::from_secs(2) {
                    std::thread::sleep(Duration::from_millis(150));
                    let again = snapshot(&dirs);
                    if again == current {
                        break;
                    }
                    current = again;
                }
                break;
            }
        }
        println!("\nchange detected: grading again\n");
    }
}
