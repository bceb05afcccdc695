//! The student edition, end to end: `grader export student --bundle` (with every stage's reference
//! probe), the edition committed to a git repository and cloned fresh, the bundle installed the way
//! the edition's CI installs it. Then: nothing of the solutions or the hidden suites is in what
//! students get; the edition grades Stages 1 to 3 and mini-project 1 exactly as the instructor's
//! repository does, case by case; its CI workflow parses and its commands run green; tamper
//! evidence, progress, hints, reset and watch work.

mod common;

use common::{root, target, text};

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn scratch() -> PathBuf {
    root().join("target/grader/export-tests")
}

fn run(cmd: &mut Command) -> Output {
    cmd.env_remove("GRADER_COURSE").env_remove("GRADER_BUNDLE").env_remove("GRADER_EXIT_POLICY");
    run_as_is(cmd)
}

fn run_as_is(cmd: &mut Command) -> Output {
    cmd.env("GRADER_TARGET_DIR", target()).output().expect("command runs")
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", text(&o));
}

struct Setup {
    /// The exported edition, committed to a git repository (what the instructor publishes).
    edition: PathBuf,
    /// The grader bundle, and the same as a release asset.
    bundle: PathBuf,
    tarball: PathBuf,
}

/// Exports once per test run.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = scratch();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (edition, bundle) = (dir.join("edition"), dir.join("bundle"));
        let o = run(Command::new(env!("CARGO_BIN_EXE_grader")).current_dir(root()).args([
            "export",
            "student",
            edition.to_str().unwrap(),
            "--bundle",
            bundle.to_str().unwrap(),
            "--stages",
            "stage1,stage2,stage3,mp1",
            "--bundle-url",
            "https://example.org/course/releases/latest/download/grader-bundle.tar.gz",
        ]));
        assert!(o.status.success(), "export failed: {}", text(&o));
        git(&edition, &["init", "-q", "-b", "main"]);
        git(&edition, &["add", "-A"]);
        git(&edition, &["commit", "-q", "-m", "student edition"]);
        let tarball = dir.join("grader-bundle.tar.gz");
        let o = Command::new("tar").arg("-czf").arg(&tarball).arg("-C").arg(&bundle).arg(".").output().unwrap();
        assert!(o.status.success(), "tar: {}", text(&o));
        Setup { edition, bundle, tarball }
    })
}

/// A fresh clone of the edition, with the bundle installed at `.grader/bundle` (a link to the
/// one bundle: the grader finds its bundle from its own path).
fn clone(name: &str) -> PathBuf {
    let s = setup();
    let dest = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dest);
    let o = Command::new("git").arg("clone").arg("-q").arg(&s.edition).arg(&dest).output().unwrap();
    assert!(o.status.success(), "clone: {}", text(&o));
    std::fs::create_dir_all(dest.join(".grader")).unwrap();
    std::os::unix::fs::symlink(&s.bundle, dest.join(".grader/bundle")).unwrap();
    dest
}

/// The student's grader, run inside their repository.
fn student_grader(repo: &Path, args: &[&str]) -> Output {
    run(Command::new(repo.join(".grader/bundle/bin/grader")).current_dir(repo).args(args))
}

const DOT_STUB: &str = "pub fn dot(a: &[f64], b: &[f64]) -> f64 {\n    todo!()\n}";

fn edit(file: &Path, from: &str, to: &str) {
    let t = std::fs::read_to_string(file).unwrap();
    assert!(t.contains(from), "{} does not contain {from:?}", file.display());
    std::fs::write(file, t.replacen(from, to, 1)).unwrap();
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if e.file_name() == ".git" {
            continue;
        }
        if ft.is_dir() {
            files(&e.path(), out);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}

/// Trimmed lines of the `.rs` files under `dir`.
fn rust_lines(dir: &Path) -> BTreeSet<String> {
    let mut all = Vec::new();
    files(dir, &mut all);
    all.iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .flat_map(|p| std::fs::read_to_string(p).unwrap().lines().map(|l| l.trim().to_string()).collect::<Vec<_>>())
        .collect()
}

/// A line that says something specific (not a brace, an import, a comment or an attribute).
fn telling(line: &str) -> bool {
    line.len() >= 24
        && !["//", "use ", "#[", "#![", "pub mod ", "mod ", "pub use "].iter().any(|p| line.starts_with(p))
        && line.chars().any(|c| c.is_ascii_alphabetic())
}

/// The probe glue converts values the way solutions do, so a single line in common is an idiom
/// (`let n = x.nrows() as f64;`); this many lines of a solution within a window of `GLUE_WINDOW`
/// lines of glue is a copied block.
const GLUE_BLOCK: usize = 3;
const GLUE_WINDOW: usize = 6;

#[test]
fn what_students_get_has_no_solution_and_no_hidden_suite() {
    let s = setup();
    let r = root();
    // Layout: none of the instructor's crates.
    for absent in ["solutions", "grader/engine", "grader/cli", "grader/report", "grader/gradebook", ".ci"] {
        assert!(!s.edition.join(absent).exists(), "the edition contains {absent}");
        assert!(!s.bundle.join("course").join(absent).exists(), "the bundle's course files contain {absent}");
    }
    // What students read: the edition, and the text files of the bundle.
    let mut readable = Vec::new();
    files(&s.edition, &mut readable);
    files(&s.bundle.join("course"), &mut readable);
    readable.push(s.bundle.join("fingerprints.json"));
    readable.push(s.bundle.join("bundle.toml"));
    let mut texts = Vec::new();
    for p in &readable {
        let bytes = std::fs::read(p).unwrap();
        assert!(!bytes.starts_with(b"\x7fELF"), "{} is a binary in the edition", p.display());
        texts.push((p.clone(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    let stubs: BTreeSet<String> = ["exercises", "projects", "grader/protocol", "grader/probe-runtime"]
        .iter()
        .flat_map(|d| rust_lines(&r.join(d)))
        .collect();
    let glue: BTreeSet<String> = rust_lines(&r.join("grader/probes"));
    // Telltales: specific lines of the reference solutions that the stubs do not have, and of
    // the hidden suites that no public file (glue included: it decodes the suites' inputs) has.
    let mut telltales: Vec<(String, &str)> = Vec::new();
    for l in rust_lines(&r.join("solutions")) {
        if telling(&l) && !stubs.contains(&l) {
            telltales.push((l, "solutions/"));
        }
    }
    for l in rust_lines(&r.join("grader/suites")) {
        if telling(&l) && !stubs.contains(&l) && !glue.contains(&l) {
            telltales.push((l, "grader/suites/"));
        }
    }
    assert!(telltales.len() > 500, "too few telltales ({}) for the search to mean anything", telltales.len());
    let mut leaks = Vec::new();
    let solution_lines: BTreeSet<&str> =
        telltales.iter().filter(|(_, from)| *from == "solutions/").map(|(l, _)| l.as_str()).collect();
    for (p, t) in &texts {
        if p.to_string_lossy().contains("/grader/probes/") {
            // Glue: no block of a solution.
            let hits: Vec<bool> = t.lines().map(|l| solution_lines.contains(l.trim())).collect();
            for (i, w) in hits.windows(GLUE_WINDOW.min(hits.len()).max(1)).enumerate() {
                if w.iter().filter(|h| **h).count() >= GLUE_BLOCK {
                    leaks.push(format!("{}:{} repeats a block of a reference solution", p.display(), i + 1));
                    break;
                }
            }
            continue;
        }
        let lines: BTreeSet<&str> = t.lines().map(str::trim).collect();
        for (l, from) in &telltales {
            if lines.contains(l.as_str()) {
                leaks.push(format!("{} repeats a line of {from}: {l}", p.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "the student edition leaks:\n{}", leaks.join("\n"));
    // A few hidden values by name: the data-driven cases' inputs stay in the grader binary.
    for needle in ["include_str!(\"../../../../../datasets", "fn cases(", "ExerciseSuite::"] {
        for (p, t) in &texts {
            assert!(!t.contains(needle), "{} contains `{needle}`", p.display());
        }
    }
    // What the edition does have.
    for present in [
        "exercises/stage1/src/linalg.rs",
        "exercises/stage1/tests/linalg.rs",
        "exercises/stage2/src/metrics.rs",
        "exercises/stage3/src/autograd.rs",
        "projects/mp1-tabular/src/lib.rs",
        "projects/mp1-tabular/README.md",
        "datasets/iris/iris.csv",
        "grader/course/course.toml",
        "grader/course/datasets.toml",
        "grader/ml-deps/Cargo.toml",
        "grader/probes/stage1/src/main.rs",
        "grader/fingerprints.json",
        "grader/edition.toml",
        ".github/workflows/grade.yml",
        "scripts/get-grader.sh",
        "README.md",
        "Cargo.lock",
    ] {
        assert!(s.edition.join(present).is_file(), "the edition lacks {present}");
    }
    // The bundle: the course files it builds students' code with, the data sets the suites read,
    for present in ["datasets/iris/iris.csv", "grader/course/datasets.toml", "grader/ml-deps/Cargo.toml"] {
        assert!(s.bundle.join("course").join(present).is_file(), "the bundle lacks {present}");
    }
    // and every stage's reference probe, as a binary.
    for stage in ["stage1", "stage2", "stage3", "mp1"] {
        assert!(
            s.bundle.join("reference").join(format!("{stage}-runner")).is_file(),
            "the bundle lacks {stage}'s reference"
        );
    }
    let lock = std::fs::read_to_string(s.edition.join("Cargo.lock")).unwrap();
    assert!(!lock.contains("stage1-solution") && !lock.contains("grader-engine"), "the lock names instructor crates");
}

/// Per exercise: status and score, and per case: label, status and message.
type Grades = Vec<(String, String, f64, Vec<(String, String, Option<String>)>)>;

fn grades(json: &Path) -> (f64, f64, Grades) {
    let r: grader_report::Report = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let g = r
        .exercises
        .iter()
        .map(|e| {
            let cases = e.cases.iter().map(|c| (c.label.clone(), c.status.as_str().to_string(), c.message.clone()));
            (e.id.clone(), e.status.as_str().to_string(), e.score, cases.collect())
        })
        .collect();
    (r.score, r.max_score, g)
}

/// Grades a partly done submission of `stage` in a fresh clone of the edition twice: by the
/// instructor's repository (`grader check --submission`) and by the student's own grader from the
/// bundle. `solved` are module files copied from the reference (`solution_dir/src`) into the
/// student's crate (`crate_dir/src`); `wrong` then breaks one of them (file, from, to).
fn grades_the_same(
    stage: &str,
    crate_dir: &str,
    solution_dir: &str,
    solved: &[&str],
    wrong: Option<(&str, &str, &str)>,
) {
    let repo = clone(&format!("same-grades-{stage}"));
    let r = root();
    for m in solved {
        std::fs::copy(r.join(solution_dir).join("src").join(m), repo.join(crate_dir).join("src").join(m)).unwrap();
    }
    if let Some((file, from, to)) = wrong {
        edit(&repo.join(crate_dir).join("src").join(file), from, to);
    }
    let (a, b) = (scratch().join(format!("instructor-{stage}.json")), scratch().join(format!("student-{stage}.json")));
    let args = ["check", stage, "--seed", "11", "--no-speed", "--json"];
    let o = run(Command::new(env!("CARGO_BIN_EXE_grader"))
        .current_dir(&r)
        .args(args)
        .arg(&a)
        .arg("--submission")
        .arg(&repo));
    let instructor_exit = o.status.code();
    assert!(a.is_file(), "the instructor's check wrote no report: {}", text(&o));
    let o = student_grader(&repo, &[&args[..], &[b.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), instructor_exit, "same exit code: {}", text(&o));
    let (sa, ma, ga) = grades(&a);
    let (sb, mb, gb) = grades(&b);
    assert_eq!((sa, ma), (sb, mb), "{stage}: same score");
    assert_eq!(ga.len(), gb.len(), "{stage}: same exercises");
    for (x, y) in ga.iter().zip(&gb) {
        assert_eq!(x, y, "{stage}: same verdict for every case of {}", x.0);
    }
    let statuses: BTreeSet<&str> = ga.iter().map(|g| g.1.as_str()).collect();
    assert!(statuses.contains("passed"), "{stage}: {statuses:?}");
    if wrong.is_some() {
        assert!(statuses.contains("failed") && statuses.contains("not started"), "{stage}: {statuses:?}");
        assert!(sa > 0.0 && sa < ma, "{stage}: {sa}/{ma}");
        assert_eq!(instructor_exit, Some(1));
    }
    // The student's run used the bundle: prebuilt reference, the bundle's fingerprints.
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    assert_eq!(v["integrity"]["source"], "bundle");
    assert_eq!(v["integrity"]["changed"].as_array().unwrap().len(), 0, "{}", v["integrity"]);
    println!(
        "{stage}: {} exercises, {} cases, score {sa}/{ma}, identical",
        ga.len(),
        ga.iter().map(|g| g.3.len()).sum::<usize>()
    );
}

#[test]
fn the_edition_grades_stage1_exactly_as_the_instructors_repository() {
    // Two modules solved, one exercise wrong, the rest stubs.
    grades_the_same(
        "stage1",
        "exercises/stage1",
        "solutions/stage1",
        &["linalg.rs", "statistics.rs"],
        Some((
            "linalg.rs",
            "    a.iter().zip(b).map(|(x, y)| x * y).sum()\n}",
            "    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() * 1.001\n}",
        )),
    );
}

#[test]
fn the_edition_grades_stage2_exactly_as_the_instructors_repository() {
    grades_the_same(
        "stage2",
        "exercises/stage2",
        "solutions/stage2",
        &["metrics.rs", "rl.rs"],
        Some((
            "metrics.rs",
            "(t - p).abs()).sum::<f64>() / y_true.len() as f64)",
            "(t - p).abs()).sum::<f64>() / (y_true.len() as f64 + 1.0))",
        )),
    );
}

#[test]
fn the_edition_grades_stage3_exactly_as_the_instructors_repository() {
    grades_the_same(
        "stage3",
        "exercises/stage3",
        "solutions/stage3",
        &["perceptron.rs", "activations.rs"],
        Some(("activations.rs", "x.tanh()?.sqr()?.neg()? + 1.0", "x.tanh()?.sqr()?.neg()? + 1.001")),
    );
}

#[test]
fn the_edition_grades_mini_project_1_exactly_as_the_instructors_repository() {
    grades_the_same("mp1", "projects/mp1-tabular", "solutions/mp1-tabular", &["lib.rs"], None);
}

#[test]
fn ci_workflow_parses_and_its_commands_run_green() {
    let s = setup();
    let repo = clone("ci");
    // A clone as CI has it: no bundle yet; the workflow's own step downloads it.
    std::fs::remove_file(repo.join(".grader/bundle")).unwrap();
    let wf_text = std::fs::read_to_string(repo.join(".github/workflows/grade.yml")).unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&wf_text).expect("grade.yml is YAML");
    let on = &wf["on"];
    assert!(on.get("push").is_some() && on.get("pull_request").is_some(), "runs on push and pull requests");
    assert_eq!(wf["permissions"]["checks"], "write", "JUnit results are published as a check");
    let env = wf["env"].as_mapping().expect("env");
    let policy = env[&serde_yaml::Value::from("GRADER_EXIT_POLICY")].as_str().unwrap();
    assert!(["never", "all-passed"].contains(&policy) || policy.starts_with("fail-under:"), "{policy}");
    let steps = wf["jobs"]["grade"]["steps"].as_sequence().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|st| st["uses"].as_str()).collect();
    for action in ["actions/checkout@", "actions/upload-artifact@", "mikepenz/action-junit-report@"] {
        assert!(uses.iter().any(|u| u.starts_with(action)), "no {action} step");
    }
    let upload = steps.iter().find(|st| st["uses"].as_str().is_some_and(|u| u.starts_with("actions/upload"))).unwrap();
    assert_eq!(upload["if"], "always()", "the report is uploaded when grading fails too");
    for st in steps {
        assert!(st.get("uses").is_some() != st.get("run").is_some(), "a step has `uses` or `run`: {st:?}");
    }

    // Run every `run:` step as the runner would (bash -e, the workflow's env), except installing
    // Rust, with the bundle from a local "release" and Stage 1's linear algebra as the selection.
    let summary = scratch().join("ci-summary.md");
    let _ = std::fs::remove_file(&summary);
    let mut ran = Vec::new();
    for st in steps {
        let Some(script) = st["run"].as_str() else { continue };
        if script.contains("rustup") {
            continue;
        }
        let mut cmd = Command::new("bash");
        cmd.args(["-e", "-c", script]).current_dir(&repo).env_remove("GRADER_COURSE").env_remove("GRADER_BUNDLE");
        for (k, v) in env {
            cmd.env(k.as_str().unwrap(), v.as_str().unwrap());
        }
        cmd.env("GRADER_BUNDLE_URL", format!("file://{}", s.tarball.display()))
            .env("GRADER_SELECTION", "stage1.linalg")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("CARGO_TARGET_DIR", scratch().join("cargo-target"));
        let o = run_as_is(&mut cmd);
        assert!(o.status.success(), "step `{}` failed:\n{}", st["name"].as_str().unwrap_or(script), text(&o));
        ran.push(script.to_string());
    }
    // The instructor's side (a template kept in the repository): it parses, and exports with
    // options this grader has.
    let rel: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("grader/cli/templates/instructor/release.yml")).unwrap(),
    )
    .expect("release.yml is YAML");
    let rel_runs: Vec<&str> =
        rel["jobs"]["bundle"]["steps"].as_sequence().unwrap().iter().filter_map(|st| st["run"].as_str()).collect();
    assert!(rel_runs.iter().any(|r| r.contains("grader export student") && r.contains("--bundle")), "{rel_runs:?}");
    let help = run(Command::new(env!("CARGO_BIN_EXE_grader")).args(["export", "student", "--help"]));
    assert!(text(&help).contains("--bundle-url"), "{}", text(&help));
    assert!(ran.iter().any(|r| r.contains("get-grader.sh")), "{ran:?}");
    assert!(ran.iter().any(|r| r.contains("grader check")), "{ran:?}");
    for f in ["report.html", "report.json", "junit.xml"] {
        assert!(repo.join("grader-report").join(f).is_file(), "CI wrote no grader-report/{f}");
    }
    let junit = std::fs::read_to_string(repo.join("grader-report/junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"stage1.linalg.dot\""), "{junit}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("## grader: stage1.linalg") && md.contains("| ⬜ | `stage1.linalg.dot`"), "{md}");

    // The exit policy a course chooses: the same stubs fail the job under the others.
    let grade = |policy: &str| {
        student_grader(&repo, &["check", "stage1.linalg.dot", "--seed", "1", "--exit-policy", policy, "-q"])
            .status
            .code()
    };
    assert_eq!(grade("never"), Some(0));
    assert_eq!(grade("fail-under:0"), Some(0));
    assert_eq!(grade("fail-under:50"), Some(1));
    assert_eq!(grade("all-passed"), Some(1));
}

#[test]
fn tamper_evidence_progress_hints_and_reset() {
    let repo = clone("progress");
    let linalg = repo.join("exercises/stage1/src/linalg.rs");
    // Tampering: a public test edited, a glue file added, a manifest file deleted.
    edit(&repo.join("exercises/stage1/tests/linalg.rs"), "fn ", "fn edited_");
    std::fs::write(repo.join("grader/probes/stage1/src/extra.rs"), "// mine\n").unwrap();
    std::fs::remove_file(repo.join("grader/course/stage1/calculus.toml")).unwrap();
    let json = scratch().join("tamper.json");
    let html = scratch().join("tamper.html");
    let o = student_grader(
        &repo,
        &[
            "check",
            "stage1.linalg.dot",
            "--seed",
            "2",
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("3 course file(s) differ"), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let changed: Vec<(String, String)> = v["integrity"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap().to_string(), c["change"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        changed,
        [
            ("exercises/stage1/tests/linalg.rs".to_string(), "modified".to_string()),
            ("grader/course/stage1/calculus.toml".into(), "deleted".into()),
            ("grader/probes/stage1/src/extra.rs".into(), "added".into()),
        ]
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("Course files changed"));

    // Progress follows the repository: a committed state file.
    let state = std::fs::read_to_string(repo.join(".grader/progress.toml")).unwrap();
    assert!(
        state.contains("[exercise.\"stage1.linalg.dot\"]") && state.contains("status = \"not started\""),
        "{state}"
    );
    let ignored =
        Command::new("git").arg("-C").arg(&repo).args(["check-ignore", "-q", ".grader/progress.toml"]).status();
    assert_eq!(ignored.unwrap().code(), Some(1), "progress.toml must not be ignored by git");
    let bundle_ignored =
        Command::new("git").arg("-C").arg(&repo).args(["check-ignore", "-q", ".grader/bundle"]).status();
    assert_eq!(bundle_ignored.unwrap().code(), Some(0), "the bundle is ignored by git");

    // Hints, one at a time.
    let o = student_grader(&repo, &["hint", "stage1.linalg.matmul"]);
    assert!(text(&o).contains("hint 1/3:") && !text(&o).contains("hint 2/3:"), "{}", text(&o));
    let o = student_grader(&repo, &["hint", "stage1.linalg.matmul"]);
    assert!(text(&o).contains("hint 1/3:") && text(&o).contains("hint 2/3:"), "{}", text(&o));
    assert!(text(&o).contains("reveals hint 3/3"), "{}", text(&o));

    // Solve dot wrongly: after three failed checks the next hint reveals itself.
    edit(
        &linalg,
        DOT_STUB,
        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {\n    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() + 1.0\n}",
    );
    let mut last = String::new();
    for _ in 0..3 {
        last = text(&student_grader(&repo, &["check", "stage1.linalg.dot", "--seed", "2", "--no-speed"]));
    }
    assert!(last.contains("a new hint revealed itself for stage1.linalg.dot"), "{last}");
    // From then on a failure shows the latest hint seen, not the first.
    assert!(last.contains("hint: (2/2) "), "{last}");

    let o = student_grader(&repo, &["list", "stage1"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("stage1 — ") && out.contains("0/36 passed"), "{out}");
    assert!(out.contains("✗ stage1.linalg.dot") && out.contains("hints 2/2 seen"), "{out}");
    assert!(out.contains("(hints 2/3 seen)"), "matmul's hints: {out}");
    let matmul = out.lines().find(|l| l.contains("stage1.linalg.matmul")).unwrap();
    assert!(matmul.contains("not graded"), "hints read, never graded: {matmul}");
    assert!(out.contains("next: stage1.linalg.dot"), "{out}");

    // Reset: dot back to its stub, the rest of the file as it was, a backup of the student's.
    let before = std::fs::read_to_string(&linalg).unwrap();
    let with_helper = before.clone() + "\npub fn my_helper() -> u8 {\n    7\n}\n";
    std::fs::write(&linalg, &with_helper).unwrap();
    let o = student_grader(&repo, &["reset", "stage1.linalg.dot"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after = std::fs::read_to_string(&linalg).unwrap();
    assert!(after.contains(DOT_STUB) && after.contains("pub fn my_helper() -> u8"), "{after}");
    assert_eq!(after, with_helper.replacen("a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() + 1.0", "todo!()", 1));
    let backups = repo.join(".grader/backup/exercises/stage1/src");
    let saved: Vec<_> = std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(saved.len(), 1);
    assert_eq!(std::fs::read_to_string(&saved[0]).unwrap(), with_helper);
}

#[test]
fn watch_grades_again_on_save() {
    let repo = clone("watch");
    let linalg = repo.join("exercises/stage1/src/linalg.rs");
    let mut child = Command::new(repo.join(".grader/bundle/bin/grader"))
        .current_dir(&repo)
        .args(["watch", "stage1.linalg.dot", "--seed", "4", "--no-speed", "--poll-ms", "100", "--runs", "2"])
        .env("GRADER_TARGET_DIR", target())
        .env_remove("GRADER_BUNDLE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let started = Instant::now();
    let mut saved = false;
    while started.elapsed() < Duration::from_secs(240) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if line.starts_with("watching ") && !saved {
                    // The student saves a solution.
                    edit(
                        &linalg,
                        DOT_STUB,
                        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {\n    a.iter().zip(b).map(|(x, y)| x * y).sum()\n}",
                    );
                    saved = true;
                }
                seen.push(line);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(_) => {}
        }
    }
    let status = child.wait().unwrap();
    let all = seen.join("\n");
    let results: Vec<&String> = seen.iter().filter(|l| l.starts_with("grade result")).collect();
    assert_eq!(results.len(), 2, "{all}");
    assert!(results[0].contains("1 not started"), "{all}");
    assert!(results[1].contains("1 passed"), "{all}");
    assert!(all.contains("change detected"), "{all}");
    assert_eq!(status.code(), Some(0), "{all}");
}

#[test]
fn feedback_levels_hide_expected_values() {
    let s = setup();
    let repo = clone("feedback");
    std::fs::copy(root().join("solutions/stage1/src/linalg.rs"), repo.join("exercises/stage1/src/linalg.rs")).unwrap();
    edit(
        &repo.join("exercises/stage1/src/linalg.rs"),
        "    a.iter().zip(b).map(|(x, y)| x * y).sum()\n}",
        "    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() * 1.001\n}",
    );
    // The same bundle, but the instructor chose `values` for dot and `label` for cosine.
    let b2 = scratch().join("bundle-feedback");
    let _ = std::fs::remove_dir_all(&b2);
    std::fs::create_dir_all(&b2).unwrap();
    for f in ["bundle.toml", "fingerprints.json"] {
        std::fs::copy(s.bundle.join(f), b2.join(f)).unwrap();
    }
    std::os::unix::fs::symlink(s.bundle.join("reference"), b2.join("reference")).unwrap();
    let o = Command::new("cp").arg("-r").arg(s.bundle.join("course")).arg(b2.join("course")).output().unwrap();
    assert!(o.status.success());
    let manifest = b2.join("course/grader/course/stage1/linalg.toml");
    edit(&manifest, "function = \"dot\"\n", "function = \"dot\"\nfeedback = \"values\"\n");
    edit(&manifest, "function = \"cosine_similarity\"\n", "function = \"cosine_similarity\"\nfeedback = \"label\"\n");

    let grade = |bundle: &Path, name: &str| -> serde_json::Value {
        let json = scratch().join(name);
        let o = student_grader(
            &repo,
            &["check", "stage1.linalg", "--seed", "5", "--no-speed", "--bundle", bundle.to_str().unwrap(), "--json"]
                .into_iter()
                .chain([json.to_str().unwrap()])
                .collect::<Vec<_>>(),
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
    };
    let hidden = grade(&s.bundle, "feedback-default.json");
    let full = grade(&b2, "feedback-values.json");
    let wrong = |v: &serde_json::Value, id: &str| -> serde_json::Value {
        let ex = v["exercises"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap().clone();
        ex["cases"].as_array().unwrap().iter().find(|c| c["status"] == "wrong").expect("a wrong case").clone()
    };
    // `values`, where the instructor chose it: expected and actual values.
    let c = wrong(&full, "stage1.linalg.dot");
    assert!(c["message"].as_str().unwrap().contains("expected"), "{c}");
    let expected = c["mismatch"]["samples"][0]["expected"].as_f64().unwrap();
    // `errors`, the default: where and by how much, not what was expected.
    let c = wrong(&hidden, "stage1.linalg.dot");
    let m = c["message"].as_str().unwrap();
    assert!(m.contains("relative error up to about") && !m.contains("expected"), "{m}");
    // One size, to one digit: never the absolute error beside the relative one.
    assert_eq!(c["mismatch"]["max_abs_error"], "NaN", "{c}");
    let rel = c["mismatch"]["max_rel_error"].as_f64().unwrap();
    assert!(rel > 0.0 && grader_engine::feedback::one_digit(rel) == rel, "{c}");
    assert_eq!(c["mismatch"]["samples"].as_array().unwrap().len(), 0, "{c}");
    assert!(!c.to_string().contains(&format!("{expected}")), "the expected value {expected} leaks: {c}");
    // label: the case's label and status only.
    let c = wrong(&full, "stage1.linalg.cosine");
    assert!(c["message"].as_str().unwrap().starts_with("wrong output"), "{c}");
    assert!(c["mismatch"].is_null() && !c["label"].as_str().unwrap().is_empty(), "{c}");
    // Scores do not depend on what is shown.
    assert_eq!(full["score"], hidden["score"]);
}
