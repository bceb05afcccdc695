//! `grader gradebook rubric` and `grader gradebook rubric-import` as an instructor runs them: the
//! items come from the course manifest (`[[stage.rubric]]`), scores are checked, kept with who
//! and when, and every export is written again with them (and with the options of the last
//! export); a bad CSV enters nothing and changes no export.
//!
//! The course is a copy of this one with three rubric items under Stage 1, and the gradebook is
//! filled as `grader batch` fills it, without grading anything (no build, no probe).

mod common;

use common::{copy_dir, csv_rows, read, root, text};

use grader_gradebook::db::{BatchMeta, ExerciseInfo, GradingRecord};
use grader_gradebook::{Gradebook, Outcome};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RUBRIC: &str = r#"
[[stage.rubric]]
id = "design"
title = "Design write-up: architecture, trade-offs, what you would change"
points = 10

[[stage.rubric]]
id = "code_quality"
title = "Code quality"
points = 10

[[stage.rubric]]
id = "presentation"
title = "Presentation"
points = 5
"#;

/// A copy of the course's manifest and glue (what `Course::load` reads), with empty crate
/// manifests where the stages' crates live, and `RUBRIC` under Stage 1.
fn course_copy(dir: &Path) -> PathBuf {
    let c = dir.join("course");
    copy_dir(&root().join("grader/course"), &c.join("grader/course"));
    copy_dir(&root().join("grader/probes"), &c.join("grader/probes"));
    for top in ["exercises", "projects"] {
        for e in std::fs::read_dir(root().join(top)).unwrap() {
            let name = format!("{top}/{}", e.unwrap().file_name().to_string_lossy());
            for side in [name.clone(), name.replace("exercises", "solutions").replace("projects", "solutions")] {
                std::fs::create_dir_all(c.join(&side)).unwrap();
                std::fs::write(c.join(&side).join("Cargo.toml"), "").unwrap();
            }
        }
    }
    let toml = c.join("grader/course/course.toml");
    let s = std::fs::read_to_string(&toml).unwrap();
    let stage2 = s.find("id = \"stage2\"").unwrap();
    let at = s[..stage2].rfind("[[stage]]").unwrap();
    std::fs::write(&toml, format!("{}{RUBRIC}\n{}", &s[..at], &s[at..])).unwrap();
    c
}

/// The engine's report of a Stage 1 grading that scored `score` of 2 on the dot product.
fn report(score: f64) -> grader_report::Report {
    serde_json::from_value(serde_json::json!({
        "schema_version": 1, "grader_version": "0.1.0", "selection": "stage1", "seed": 5,
        "submission": "/x", "role": "student", "device": "cpu", "score": score, "max_score": 2.0,
        "build": { "ok": true, "duration_s": 1.0, "diagnostics": [] },
        "exercises": [{
            "id": "stage1.linalg.dot", "title": "Dot product", "topics": ["s1.linalg.vectors"],
            "status": if score == 2.0 { "passed" } else { "failed" },
            "score": score, "max_score": 2.0, "atol": 0.0, "rtol": 0.0, "cases": [],
            "speed": null, "hint": null, "duration_s": 1.0
        }],
        "summary": { "passed": 1, "failed": 0, "not_started": 0, "build_failed": 0 },
        "duration_s": 1.0
    }))
    .unwrap()
}

/// A gradebook as a batch of Stage 1 leaves it: alice scored 2 of 2, bob 0.
fn gradebook(out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    let gb = Gradebook::open(&out.join("gradebook.sqlite")).unwrap();
    gb.init_batch(&BatchMeta {
        selection: "stage1".into(),
        seed: 5,
        speed: false,
        alternatives: false,
        exercises: vec![ExerciseInfo { id: "stage1.linalg.dot".into(), title: "Dot product".into(), points: 2.0 }],
    })
    .unwrap();
    for (s, score) in [("alice", 2.0), ("bob", 0.0)] {
        gb.upsert_submission(s, &format!("/x/{s}"), "dir", None).unwrap();
        let id = gb.start(s, "stage1", "batch", "w").unwrap();
        let rec = GradingRecord {
            outcome: Outcome::Graded,
            message: None,
            report: Some(report(score)),
            claimed_at: None,
            fetched_at: None,
            fingerprint: Some(format!("f-{s}")),
            sources: vec![],
            duration_s: 1.0,
        };
        gb.finish(id, &rec, 2.0).unwrap();
    }
}

fn grader(course: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("--course")
        .arg(course)
        .args(args)
        .env_remove("GRADER_COURSE")
        .env_remove("GRADER_BUNDLE")
        .output()
        .expect("grader runs")
}

fn entries(out: &Path) -> i64 {
    let c =
        rusqlite::Connection::open_with_flags(out.join("gradebook.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    c.query_row("SELECT COUNT(*) FROM rubric_history", [], |r| r.get(0)).unwrap()
}

/// Every export file, by path, as text.
fn exports(out: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for f in ["gradebook.csv", "canvas.csv", "moodle.csv", "overview.html"] {
        files.insert(f.to_string(), read(&out.join(f)));
    }
    for s in ["alice", "bob"] {
        for f in ["report.json", "report.html", "results.json"] {
            let p = format!("students/{s}/{f}");
            files.insert(p.clone(), read(&out.join(&p)));
        }
    }
    files
}

#[test]
fn rubric_scores_are_entered_checked_kept_and_exported() {
    let t = tempfile::tempdir().unwrap();
    let course = course_copy(t.path());
    let out = t.path().join("grades");
    gradebook(&out);
    let o_ = out.to_str().unwrap();
    let roster = t.path().join("roster.csv");
    std::fs::write(&roster, "student,name,canvas_id\nalice,Alice A.,101\nbob,Bob B.,102\n").unwrap();

    // The export the instructor ran: its options are remembered for the rubric's exports.
    let args = ["gradebook", "export", o_, "--assignment", "Final", "--canvas-assignment-id", "77", "--roster"];
    let o = grader(&course, &[&args[..], &[roster.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let canvas = csv_rows(&out.join("canvas.csv"));
    assert_eq!(canvas["Points Possible"]["Final (77)"], "27", "2 automatic + 25 rubric");
    assert_eq!(canvas["Alice A."]["Final (77)"], "2");
    assert_eq!(csv_rows(&out.join("gradebook.csv"))["alice"]["rubric:design"], "not entered");

    // One score.
    let enter = |extra: &[&str]| {
        grader(&course, &[&["gradebook", "rubric", o_, "--student", "alice", "--by", "Prof. Ada"][..], extra].concat())
    };
    let o = enter(&["--item", "design", "--points", "8", "--comment", "Clear diagram; say why SQLite"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("alice design: 8/10 entered by Prof. Ada at 20"), "{}", text(&o));
    assert!(text(&o).contains("exports written again"), "{}", text(&o));
    let canvas = csv_rows(&out.join("canvas.csv"));
    assert_eq!(canvas["Alice A."]["Final (77)"], "10", "the roster and the assignment of the last export");
    let g = csv_rows(&out.join("gradebook.csv"));
    assert_eq!((g["alice"]["score"].as_str(), g["alice"]["max_score"].as_str()), ("10", "27"));
    assert_eq!(g["alice"]["rubric:design"], "8");
    assert_eq!(g["alice"]["rubric:presentation"], "not entered");
    assert!(csv_rows(&out.join("moodle.csv"))["alice"]["feedback"].contains("design 8/10"));
    let gs: serde_json::Value = serde_json::from_str(&read(&out.join("students/alice/results.json"))).unwrap();
    let design =
        gs["tests"].as_array().unwrap().iter().find(|t| t["name"].as_str().unwrap().contains("design")).unwrap();
    assert_eq!((design["score"].as_f64(), design["max_score"].as_f64()), (Some(8.0), Some(10.0)));
    assert!(design["output"].as_str().unwrap().contains("entered by Prof. Ada at 20"), "{design}");
    let html = read(&out.join("students/alice/report.html"));
    assert!(html.contains("Clear diagram; say why SQLite") && html.contains("by Prof. Ada"), "report.html");
    assert!(read(&out.join("overview.html")).contains("Rubric (scored by the instructor)"));
    assert_eq!(entries(&out), 1);

    // Refused, each with a clear reason, nothing entered.
    for (extra, needle) in [
        (vec!["--item", "design", "--points", "11"], "must be between 0 and the item's 10"),
        (vec!["--item", "design", "--points", "-1"], "must be between 0 and the item's 10"),
        (vec!["--item", "desing", "--points", "1"], "`desing` is not a rubric item of this gradebook's stage"),
    ] {
        let o = enter(&extra);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        assert!(text(&o).contains(needle), "{}", text(&o));
    }
    let o = grader(
        &course,
        &["gradebook", "rubric", o_, "--student", "mallory", "--item", "design", "--points", "1", "--by", "A"],
    );
    assert!(text(&o).contains("student `mallory` has no finished grading"), "{}", text(&o));
    let o = grader(&course, &["gradebook", "rubric", o_, "--student", "alice", "--item", "design", "--points", "1"]);
    assert_eq!(o.status.code(), Some(2), "--by is required: {}", text(&o));
    assert_eq!(entries(&out), 1);

    // Entered again: replaced, and kept in the history (`--list`, `history`).
    let o = enter(&["--item", "design", "--points", "9.5"]);
    assert!(text(&o).contains("(replaces 8, entered by Prof. Ada at 20"), "{}", text(&o));
    let o = grader(&course, &["gradebook", "rubric", o_, "--list", "--student", "alice", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0]["points"].as_f64(), list[0]["current"].as_bool()), (Some(8.0), Some(false)));
    assert_eq!((list[1]["points"].as_f64(), list[1]["current"].as_bool()), (Some(9.5), Some(true)));
    let o = grader(&course, &["gradebook", "history", o_]);
    assert!(text(&o).contains("rubric entries:") && text(&o).contains("(current)"), "{}", text(&o));

    // A CSV import.
    let good = t.path().join("marks.csv");
    std::fs::write(&good, "student,code_quality,presentation,comment:presentation\nalice,7,,\nbob,5,4.5,Good demo\n")
        .unwrap();
    let o = grader(&course, &["gradebook", "rubric-import", o_, good.to_str().unwrap(), "--by", "TA Bo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("3 score(s) entered for 2 student(s) by TA Bo"), "{}", text(&o));
    let g = csv_rows(&out.join("gradebook.csv"));
    assert_eq!((g["alice"]["score"].as_str(), g["alice"]["rubric:code_quality"].as_str()), ("18.5", "7"));
    assert_eq!((g["bob"]["score"].as_str(), g["bob"]["rubric:presentation"].as_str()), ("9.5", "4.5"));
    assert_eq!(g["bob"]["rubric:design"], "not entered");
    assert_eq!(csv_rows(&out.join("canvas.csv"))["Bob B."]["Final (77)"], "9.5");
    let bob: serde_json::Value = serde_json::from_str(&read(&out.join("students/bob/report.json"))).unwrap();
    assert_eq!(bob["rubric"]["marks"][2]["entry"]["comment"], "Good demo");
    assert_eq!(bob["rubric"]["marks"][2]["entry"]["via"], "import marks.csv");
    assert!(read(&out.join("students/bob/report.html")).contains("Good demo"));
    assert_eq!(entries(&out), 5);

    // A bad CSV: refused whole, each problem by line and column; no entry, no export changed.
    let before = exports(&out);
    let bad = t.path().join("bad.csv");
    std::fs::write(&bad, "student,design,presentation\nalice,10,5\nbob,7,6\nmallory,1,1\n").unwrap();
    let o = grader(&course, &["gradebook", "rubric-import", o_, bad.to_str().unwrap(), "--by", "TA Bo"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("nothing entered, 2 problem(s)"), "{}", text(&o));
    assert!(text(&o).contains("line 3, column presentation: 6 is more than the item's 5 points"), "{}", text(&o));
    assert!(text(&o).contains("line 4, column student: `mallory`"), "{}", text(&o));
    assert_eq!(entries(&out), 5);
    assert_eq!(exports(&out), before, "a refused import changed an export");
}
