//! The `grader` binary as users run it: exit codes, report files, error messages.

mod common;

use common::{copy_dir, root, text};

use std::path::PathBuf;
use std::process::{Command, Output};

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .env_remove("GRADER_COURSE")
        .env_remove("GRADER_TARGET_DIR")
        .output()
        .expect("grader runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = root().join("target/grader/cli-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn reference_gets_full_marks_exit_0_and_every_report_format() {
    let d = scratch("reference");
    let (json, junit, html) = (d.join("r.json"), d.join("r.xml"), d.join("r.html"));
    let o = grader(&[
        "check",
        "stage1.linalg.dot",
        "--reference",
        "--seed",
        "3",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("seed 3"), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["score"], v["max_score"]);
    let ex = &v["exercises"][0];
    assert_eq!(ex["id"], "stage1.linalg.dot");
    assert_eq!(ex["status"], "passed");
    assert!(ex["score"].as_f64().unwrap() > 0.0);
    // The JSON deserialises into the documented model, so the schema and the output agree.
    let _: grader_report::Report = serde_json::from_value(v.clone()).unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<testsuite name="stage1.linalg.dot""#), "{xml}");
    assert!(xml.contains(r#"failures="0""#), "{xml}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("stage1.linalg.dot") && page.contains("seed <code>3</code>"));
    assert!(!page.contains("http://") || page.contains("http://www.w3.org/2000/svg"), "no external resources");
}

#[test]
fn stubs_get_zero_and_exit_1_with_a_report_that_teaches() {
    let d = scratch("stubs");
    let json = d.join("r.json");
    let o = grader(&["check", "stage1.linalg.dot", "--seed", "5", "--json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("not started"), "{out}");
    assert!(out.contains("still a stub"), "{out}");
    assert!(out.contains("hint:"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["score"], 0.0);
    assert_eq!(v["exercises"][0]["status"], "not_started");
}

#[test]
fn a_submission_that_does_not_compile_exits_3_with_file_and_line() {
    let d = scratch("broken");
    copy_dir(&root().join("solutions/stage1/src"), &d.join("exercises/stage1/src"));
    let f = d.join("exercises/stage1/src/linalg.rs");
    let src = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, src.replacen("pub fn dot(", "pub fn dot_broken() -> u32 { \"text\" }\npub fn dot(", 1)).unwrap();
    let json = d.join("r.json");
    let o =
        grader(&["check", "stage1.linalg.dot", "--submission", d.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("exercises/stage1/src/linalg.rs"), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["build"]["ok"], false);
    let diag = &v["build"]["diagnostics"][0];
    assert_eq!(diag["file"], "exercises/stage1/src/linalg.rs");
    assert!(diag["line"].as_u64().unwrap() > 0);
    assert_eq!(v["exercises"][0]["status"], "build_failed");
}

#[test]
fn unknown_selection_is_a_grader_error_exit_4() {
    let o = grader(&["check", "stage1.nope", "--reference"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("nothing matches `stage1.nope`"), "{}", text(&o));
}

#[test]
fn bad_manifest_names_file_exercise_and_field() {
    let d = scratch("bad-manifest");
    copy_dir(&root().join("grader/course"), &d.join("grader/course"));
    let f = d.join("grader/course/stage1/linalg.toml");
    let t = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, t.replacen("topics = [\"s1.linalg.matrices\"]", "topics = [\"s1.linalg.matrix\"]", 1)).unwrap();
    let o = grader(&["list", "--course", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("linalg.toml"), "{out}");
    assert!(out.contains("exercise `stage1.linalg.matmul`"), "{out}");
    assert!(out.contains("field `topics`"), "{out}");
    assert!(out.contains("s1.linalg.matrix"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let o = grader(&["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn list_hint_and_coverage() {
    let o = grader(&["list", "stage1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("stage1.linalg.matmul"));
    let o = grader(&["hint", "stage1.linalg.matmul", "-n", "2"]);
    assert!(text(&o).contains("hint 2/"), "{}", text(&o));
    assert!(text(&o).contains("next: grader hint stage1.linalg.matmul -n 3"), "{}", text(&o));
    let o = grader(&["hint", "stage1.nope"]);
    assert_eq!(o.status.code(), Some(4));
    let o = grader(&["coverage", "--stage", "1", "--strict"]);
    assert_eq!(o.status.code(), Some(0), "every s1 topic is covered:\n{}", text(&o));
    assert!(!text(&o).contains("MISSING"), "{}", text(&o));
}

#[test]
fn cuda_without_a_gpu_is_reported_as_needing_one() {
    let d = scratch("cuda");
    let json = d.join("r.json");
    let o =
        grader(&["check", "stage1.linalg.matmul", "--reference", "--device", "cuda", "--json", json.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let speed = &v["exercises"][0]["speed"];
    assert_eq!(speed["status"], "needs_gpu", "{}", text(&o));
    assert!(speed["message"].as_str().unwrap().contains("needs a GPU"));
    // Never counted as passed.
    assert_eq!(v["exercises"][0]["status"], "failed");
    assert_eq!(o.status.code(), Some(1));
}
