//! `grader dev new`, end to end, in a copy of the course: a scaffolded exercise fails on its
//! stub; once its solution is written, `grader dev check` passes it. A new module and a new stage
//! are scaffolded beside it, and the grader (hidden suites compiled in) is built from the copy.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The course's files (tracked, and untracked but not ignored) copied into `to`.
fn copy_course(to: &Path) {
    let out = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files: {}", text(&out));
    for f in out.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(f).expect("utf-8 paths"));
        let src = root().join(rel);
        if !src.is_file() {
            continue; // deleted in the work tree
        }
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&src, to.join(rel)).unwrap();
    }
    // The data fetched at set-up (git-ignored): the copy is a checkout after README's set-up.
    let hub = root().join(grader_engine::datasets::HUB_CACHE);
    if hub.is_dir() {
        std::os::unix::fs::symlink(&hub, to.join(grader_engine::datasets::HUB_CACHE)).unwrap();
    }
}

fn run(exe: &Path, course: &Path, args: &[&str]) -> Output {
    Command::new(exe).arg("--course").arg(course).args(args).output().expect("run the grader")
}

fn cargo(course: &Path, args: &[&str], target: &Path) -> Output {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args).arg("--manifest-path").arg(course.join("Cargo.toml"));
    grader_engine::builder::scrub_cargo_env(&mut cmd);
    cmd.env("CARGO_TARGET_DIR", target).output().expect("cargo")
}

/// Keeps a copy of a file and puts it back when dropped.
struct Restore {
    path: PathBuf,
    saved: PathBuf,
}

impl Restore {
    fn new(path: &Path) -> Restore {
        let saved = path.with_extension("scaffold-saved");
        std::fs::copy(path, &saved).expect("the grader under test exists");
        Restore { path: path.to_path_buf(), saved }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::rename(&self.saved, &self.path);
    }
}

#[test]
fn a_scaffolded_exercise_fails_on_its_stub_and_passes_once_its_solution_is_written() {
    let t = tempfile::tempdir().unwrap();
    let course = t.path().join("course");
    copy_course(&course);
    let grader = PathBuf::from(env!("CARGO_BIN_EXE_grader"));

    // Refusals leave the checkout alone.
    let o = run(&grader, &course, &["dev", "new", "stage1.linalg.dot"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("exists already"), "{}", text(&o));
    let o = run(&grader, &course, &["dev", "new", "stage42.linalg.dot"]);
    assert!(text(&o).contains("grader dev new stage42"), "{}", text(&o));
    let o = run(&grader, &course, &["dev", "new", "Stage1.x"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));

    // An exercise in an existing module, one in a new module, and a new stage.
    for what in ["stage1.linalg.scaled_sum", "stage1.geometry.area", "stage9"] {
        let o = run(&grader, &course, &["dev", "new", what]);
        assert_eq!(o.status.code(), Some(0), "dev new {what}: {}", text(&o));
        assert!(text(&o).contains("wrote "), "{}", text(&o));
    }
    let o = run(&grader, &course, &["dev", "new", "stage9.basics.first", "--topics", "s1.linalg.vectors"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The grader with the new suites compiled in, built from the copy; the new crates build. In
    // the course's own target directory, so that no dependency compiles a second time: only the
    // copy's own crates do. Its binary lands where this test's grader is (target/debug/grader):
    // that one is set aside and put back, whatever happens.
    let scaffold_target = root().join("target");
    let ours = scaffold_target.join("debug/grader");
    let _restore = Restore::new(&ours);
    let o = cargo(&course, &["build", "-p", "grader"], &scaffold_target);
    assert!(o.status.success(), "build the grader: {}", text(&o));
    let built = t.path().join("grader-scaffolded");
    std::fs::copy(&ours, &built).unwrap();
    drop(_restore);
    let o = cargo(
        &course,
        &["check", "-p", "stage9-probe", "-p", "stage9-solution", "-p", "stage1-probe"],
        &scaffold_target,
    );
    assert!(o.status.success(), "check the new crates: {}", text(&o));
    let scaffolded = built;
    let grader_target = target().display().to_string();
    let o = run(&scaffolded, &course, &["list", "stage1"]);
    assert!(text(&o).contains("stage1.geometry.area") && text(&o).contains("stage1.linalg.scaled_sum"), "{}", text(&o));
    let check =
        |selection: &str| run(&scaffolded, &course, &["dev", "check", selection, "--target-dir", &grader_target]);

    // Untouched, the exercise fails: the stub fails every case (as it must), and the reference
    // is still a `todo!()`, which dev check reports.
    let o = check("stage1.linalg.scaled_sum");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("PROBLEM") && out.contains("the reference failed on stage1.linalg.scaled_sum"), "{out}");
    assert!(!out.contains("stub passes"), "{out}");

    // The solution written, the reference passes every case and the stub still fails them.
    let sol = course.join("solutions/stage1/src/linalg.rs");
    let text_before = std::fs::read_to_string(&sol).unwrap();
    assert_eq!(text_before.matches("todo!(\"the reference\")").count(), 1);
    std::fs::write(&sol, text_before.replace("todo!(\"the reference\")", "x.iter().map(|v| 2.0 * v).collect()"))
        .unwrap();
    let o = check("stage1.linalg.scaled_sum");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("dev check: ok"), "{}", text(&o));

    // The new module's public test runs against the reference once that is written too.
    let sol = course.join("solutions/stage1/src/geometry.rs");
    let s = std::fs::read_to_string(&sol).unwrap();
    std::fs::write(&sol, s.replace("todo!(\"the reference\")", "x.to_vec()")).unwrap();
    let o = cargo(&course, &["test", "-p", "stage1-solution", "--test", "geometry"], &scaffold_target);
    assert!(o.status.success(), "public test of the new module: {}", text(&o));
}
