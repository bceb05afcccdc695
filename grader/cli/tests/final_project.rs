//! The final project graded as an instructor grades a class: `grader batch SUBMISSIONS --stage
//! final` on three project directories (each graded on the task its `project.toml` names), then
//! manual rubric scores entered one by one and from a CSV, merged into every export.
//!
//! - alice: the reference, task spam, with the reference's Dockerfile: full automatic marks;
//! - bob: the starting workspace as handed out: zero, without hanging;
//! - carol: the reference on task digits with authentication skipped: every part but `auth`.

mod common;

use common::{copy_dir, csv_rows, read, root, target, text};
use std::path::Path;
use std::process::{Command, Output};

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .env_remove("GRADER_COURSE")
        .env_remove("GRADER_BUNDLE")
        .env("GRADER_TARGET_DIR", target())
        .output()
        .expect("grader runs")
}

/// A project directory as a student hands it in: `src/` from `from`, the course's Cargo.toml,
/// the task, and the Dockerfile of `docker`.
fn project(dir: &Path, from: &str, task: &str, docker: &str) {
    copy_dir(&root().join(from).join("src"), &dir.join("src"));
    std::fs::copy(root().join("projects/final/Cargo.toml"), dir.join("Cargo.toml")).unwrap();
    std::fs::copy(root().join(docker).join("Dockerfile"), dir.join("Dockerfile")).unwrap();
    std::fs::write(dir.join("project.toml"), format!("task = \"{task}\"\n")).unwrap();
}

#[test]
fn a_class_of_final_projects_is_graded_and_the_rubric_is_merged_into_every_export() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("submissions");
    project(&subs.join("alice"), "solutions/final", "spam", "solutions/final");
    project(&subs.join("bob"), "projects/final", "spam", "projects/final");
    project(&subs.join("carol"), "solutions/final", "digits", "solutions/final");
    let service = subs.join("carol/src/service.rs");
    let s = read(&service);
    let guard = "        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), require_token));";
    assert_eq!(s.matches(guard).count(), 1, "the reference's authentication layer");
    std::fs::write(&service, s.replace(guard, "        ;")).unwrap();

    let out = t.path().join("out");
    let started = std::time::Instant::now();
    let o =
        grader(&["batch", subs.to_str().unwrap(), "--stage", "final", "--out", out.to_str().unwrap(), "--seed", "11"]);
    assert!(o.status.success(), "{}", text(&o));
    let took = started.elapsed().as_secs_f64();
    assert!(took < 900.0, "the batch took {took:.0} s");

    let g = csv_rows(&out.join("gradebook.csv"));
    assert_eq!((g["alice"]["automatic_score"].as_str(), g["alice"]["automatic_max"].as_str()), ("75", "75"), "{g:?}");
    assert_eq!(g["bob"]["automatic_score"], "0", "{:?}", g["bob"]);
    // carol: task digits (from her project.toml), every part but authentication.
    assert_eq!(g["carol"]["automatic_score"], "69", "{:?}", g["carol"]);
    let carol: serde_json::Value = serde_json::from_str(&read(&out.join("students/carol/report.json"))).unwrap();
    let parts = carol.to_string();
    assert!(parts.contains("final.digits.auth") && !parts.contains("final.spam.train"), "carol's task");
    assert_eq!(g["alice"]["rubric:design"], "not entered");
    // The other task's parts: empty, not 0 (never graded).
    assert_eq!((g["alice"]["final.spam.train"].as_str(), g["alice"]["final.digits.train"].as_str()), ("10", ""));
    assert_eq!((g["bob"]["final.spam.train"].as_str(), g["bob"]["final.digits.train"].as_str()), ("0", ""));
    assert_eq!((g["carol"]["final.digits.auth"].as_str(), g["carol"]["final.spam.auth"].as_str()), ("0", ""));

    // One score by hand, the rest from a CSV.
    let o = grader(&[
        "gradebook",
        "rubric",
        out.to_str().unwrap(),
        "--student",
        "alice",
        "--item",
        "design",
        "--points",
        "9",
        "--by",
        "Prof. Ada",
        "--comment",
        "Clear write-up of the recovery design",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let marks = t.path().join("marks.csv");
    std::fs::write(&marks, "student,design,code_quality,presentation\nalice,,8,5\nbob,2,1,\ncarol,7,6,4\n").unwrap();
    let o = grader(&["gradebook", "rubric-import", out.to_str().unwrap(), marks.to_str().unwrap(), "--by", "TA Bo"]);
    assert!(o.status.success(), "{}", text(&o));

    let g = csv_rows(&out.join("gradebook.csv"));
    assert_eq!((g["alice"]["score"].as_str(), g["alice"]["max_score"].as_str()), ("97", "100"), "{:?}", g["alice"]);
    assert_eq!((g["bob"]["score"].as_str(), g["bob"]["rubric:presentation"].as_str()), ("3", "not entered"));
    assert_eq!(g["carol"]["score"], "86", "69 automatic + 17 rubric");
    assert!(csv_rows(&out.join("moodle.csv"))["alice"]["feedback"].contains("design 9/10"));
    let canvas = read(&out.join("canvas.csv"));
    assert!(canvas.contains("97") && canvas.contains("100"), "{canvas}");
    let gs: serde_json::Value = serde_json::from_str(&read(&out.join("students/alice/results.json"))).unwrap();
    let tests = gs["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 9 + 3, "alice's task's nine parts and the three rubric items: {gs}");
    assert!(tests.iter().all(|t| !t["name"].as_str().unwrap_or("").contains("final.digits")), "only her task");
    let design = tests.iter().find(|t| t["name"].as_str().unwrap_or("").contains("design"));
    let design = design.unwrap_or_else(|| panic!("results.json has the rubric item: {gs}"));
    assert_eq!((design["score"].as_f64(), design["max_score"].as_f64()), (Some(9.0), Some(10.0)));
    assert!(design["output"].as_str().unwrap().contains("Prof. Ada"), "{design}");
    let html = read(&out.join("students/alice/report.html"));
    assert!(html.contains("Clear write-up of the recovery design"), "the per-student report shows the rubric");
    let o = grader(&["gradebook", "history", out.to_str().unwrap()]);
    assert!(text(&o).contains("TA Bo") && text(&o).contains("Prof. Ada"), "{}", text(&o));
}
