//! Manual rubric items in every export: after scores entered one by one, after a CSV import,
//! and not at all after a CSV import that is refused.
//!
//! The gradebook is filled as `grader batch` fills it (a finished grading per student, with the
//! engine's report), without the engine; the rubric items are the ones the final project
//! declares in the course manifest.

use grader_gradebook::db::{BatchMeta, ExerciseInfo, GradingRecord};
use grader_gradebook::export::{export_all, Options};
use grader_gradebook::rubric::parse_rubric_csv;
use grader_gradebook::{Gradebook, NewScore, Outcome, RubricItem};
use std::collections::BTreeMap;
use std::path::Path;

fn items() -> Vec<RubricItem> {
    vec![
        RubricItem { id: "design".into(), title: "Design write-up".into(), points: 10.0 },
        RubricItem { id: "code_quality".into(), title: "Code quality".into(), points: 10.0 },
        RubricItem { id: "presentation".into(), title: "Presentation".into(), points: 5.0 },
    ]
}

/// The engine's report of a grading that scored `score` of 20 on one exercise.
fn report(score: f64) -> grader_report::Report {
    serde_json::from_value(serde_json::json!({
        "schema_version": 1, "grader_version": "0.1.0", "selection": "final", "seed": 3,
        "submission": "/x", "role": "student", "device": "cpu", "score": score, "max_score": 20.0,
        "build": { "ok": true, "duration_s": 1.0, "diagnostics": [] },
        "exercises": [{
            "id": "final.spam.train", "title": "Train", "topics": ["s9.project"],
            "status": if score == 20.0 { "passed" } else { "failed" },
            "score": score, "max_score": 20.0, "atol": 0.0, "rtol": 0.0, "cases": [],
            "speed": null, "hint": null, "duration_s": 1.0
        }],
        "summary": { "passed": 1, "failed": 0, "not_started": 0, "build_failed": 0 },
        "duration_s": 1.0
    }))
    .unwrap()
}

/// alice scored 20 automatically, bob 12.
fn class(dir: &Path) -> Gradebook {
    let gb = Gradebook::open(&dir.join("gradebook.sqlite")).unwrap();
    gb.init_batch(&BatchMeta {
        selection: "final".into(),
        seed: 3,
        speed: false,
        alternatives: false,
        exercises: vec![ExerciseInfo { id: "final.spam.train".into(), title: "Train".into(), points: 20.0 }],
    })
    .unwrap();
    gb.set_rubric_items(&items()).unwrap();
    for (s, score) in [("alice", 20.0), ("bob", 12.0)] {
        gb.upsert_submission(s, &format!("/x/{s}"), "dir", None).unwrap();
        let id = gb.start(s, "final", "batch", "w").unwrap();
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
        gb.finish(id, &rec, 20.0).unwrap();
    }
    gb
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `file`'s rows by student (or by the first column), each a map of column to cell.
fn csv_by_first(p: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(p).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let row: BTreeMap<String, String> = header.iter().cloned().zip(rec.iter().map(str::to_string)).collect();
            (rec[0].to_string(), row)
        })
        .collect()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap()
}

/// Every export under `out` says that `student` has `design` (of 10) = `design`, entered by
/// `by` with `comment`, that `code_quality` is not entered, and that their score is
/// `automatic` + the rubric points `rubric` of 45.
fn assert_exports(out: &Path, student: &str, automatic: f64, design: &str, rubric: f64, by: &str, comment: &str) {
    let total = automatic + rubric;
    let fmt = |x: f64| {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    // gradebook.csv: the totals, the parts, one column per item.
    let g = csv_by_first(&out.join("gradebook.csv"));
    let row = &g[student];
    assert_eq!(row["score"], fmt(total), "{row:?}");
    assert_eq!(row["max_score"], "45");
    assert_eq!(row["final_score"], fmt(total));
    assert_eq!((row["automatic_score"].as_str(), row["automatic_max"].as_str()), (fmt(automatic).as_str(), "20"));
    assert_eq!((row["rubric_score"].as_str(), row["rubric_max"].as_str()), (fmt(rubric).as_str(), "25"));
    assert_eq!(row["rubric:design"], design);
    assert_eq!(row["rubric:code_quality"], "not entered");
    assert!(row["rubric_not_entered"].contains("code_quality"), "{row:?}");
    assert_eq!(row["final.spam.train"], fmt(automatic));
    // canvas.csv: the rubric's points possible, and the total.
    let c = csv_by_first(&out.join("canvas.csv"));
    assert_eq!(c["Points Possible"]["final"], "45");
    assert_eq!(c[student]["final"], fmt(total));
    // moodle.csv: the total, and the rubric in the feedback.
    let m = csv_by_first(&out.join("moodle.csv"));
    assert_eq!(m[student]["final"], fmt(total));
    let feedback = &m[student]["feedback"];
    assert!(feedback.contains(&format!("{}/45", fmt(total))), "{feedback}");
    assert!(feedback.contains(&format!("rubric {}/25", fmt(rubric))), "{feedback}");
    assert!(feedback.contains(&format!("design {design}/10")), "{feedback}");
    assert!(feedback.contains("code_quality not entered (0/10)"), "{feedback}");
    // results.json: one test per item, with who, when and the comment.
    let gs = json(&out.join("students").join(student).join("results.json"));
    assert_eq!(gs["score"].as_f64().unwrap(), total);
    let tests = gs["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 1 + 3);
    let t = tests.iter().find(|t| t["name"].as_str().unwrap().starts_with("rubric: design")).unwrap();
    assert_eq!(t["score"].as_f64().unwrap().to_string(), design);
    assert_eq!(t["max_score"], 10.0);
    let output = t["output"].as_str().unwrap();
    assert!(output.contains(&format!("entered by {by} at 20")) && output.contains(comment), "{output}");
    let t = tests.iter().find(|t| t["name"].as_str().unwrap().starts_with("rubric: code_quality")).unwrap();
    assert_eq!((t["score"].as_f64(), t["max_score"].as_f64()), (Some(0.0), Some(10.0)));
    assert!(t["output"].as_str().unwrap().starts_with("not entered"), "{t}");
    assert!(gs["output"].as_str().unwrap().contains(&format!("rubric {}/25", fmt(rubric))), "{gs}");
    // report.json: the totals, the parts, each item with its entry.
    let j = json(&out.join("students").join(student).join("report.json"));
    assert_eq!((j["score"].as_f64(), j["max_score"].as_f64()), (Some(total), Some(45.0)));
    assert_eq!((j["automatic_score"].as_f64(), j["rubric_score"].as_f64()), (Some(automatic), Some(rubric)));
    let marks = j["rubric"]["marks"].as_array().unwrap();
    assert_eq!(marks[0]["id"], "design");
    assert_eq!(marks[0]["entry"]["entered_by"], by);
    assert_eq!(marks[0]["entry"]["comment"], comment);
    assert!(marks[0]["entry"]["entered_at"].as_str().unwrap().ends_with('Z'));
    assert!(marks[1]["entry"].is_null());
    // report.html: the rubric section, with who, when, the comment, and what is not entered.
    let html = read(&out.join("students").join(student).join("report.html"));
    assert!(html.contains("Rubric") && html.contains("Design write-up"), "no rubric section");
    assert!(html.contains(&format!("{design}/10")) && html.contains(&format!("by {by}")), "no design score");
    assert!(html.contains(comment) && html.contains("not entered (0/10)"), "no comment or not entered");
    assert!(html.contains(&format!("score <strong>{}/45</strong>", fmt(total))), "no total in the banner");
    // overview.html: the rubric table and the students' rubric column.
    let o = read(&out.join("overview.html"));
    assert!(o.contains("Rubric (scored by the instructor)") && o.contains("maximum 45 points"), "overview");
    assert!(o.contains("(20 automatic + 25 rubric)"), "overview");
}

fn scores_written(gb: &Gradebook) -> i64 {
    gb.connection().query_row("SELECT COUNT(*) FROM rubric_history", [], |r| r.get(0)).unwrap()
}

#[test]
fn every_export_has_the_rubric_after_an_entry_and_after_an_import_and_a_bad_import_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let gb = class(out);
    let opts = Options::default();

    // Nothing entered: every item says so and counts 0.
    export_all(&gb, out, &opts).unwrap();
    let g = csv_by_first(&out.join("gradebook.csv"));
    assert_eq!(g["alice"]["score"], "20");
    assert_eq!(g["alice"]["max_score"], "45");
    assert_eq!(g["alice"]["rubric:design"], "not entered");
    let gs = json(&out.join("students/bob/results.json"));
    assert!(gs["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tags"][0] == "rubric")
        .all(|t| t["score"] == 0.0 && t["output"].as_str().unwrap().starts_with("not entered")));

    // One entry.
    gb.enter_rubric(
        &[NewScore {
            student: "alice".into(),
            item: "design".into(),
            points: 8.0,
            comment: Some("Clear diagram; say why SQLite".into()),
        }],
        "Prof. Ada",
        "cli",
    )
    .unwrap();
    export_all(&gb, out, &opts).unwrap();
    assert_exports(out, "alice", 20.0, "8", 8.0, "Prof. Ada", "Clear diagram; say why SQLite");

    // A CSV import: bob's design and presentation, and alice's design again (replaced).
    let csv = "student,design,presentation,comment:design\nalice,9,4,Re-read: better\nbob,6.5,,Too short\n";
    let scores = parse_rubric_csv(csv, &gb.rubric_items().unwrap(), &gb.rubric_students().unwrap()).unwrap();
    gb.enter_rubric(&scores, "TA Bo", "import marks.csv").unwrap();
    export_all(&gb, out, &opts).unwrap();
    assert_exports(out, "alice", 20.0, "9", 13.0, "TA Bo", "Re-read: better");
    assert_exports(out, "bob", 12.0, "6.5", 6.5, "TA Bo", "Too short");
    assert_eq!(gb.rubric_history(Some("alice")).unwrap().len(), 3, "the history keeps every entry");
    let before: BTreeMap<_, _> = ["gradebook.csv", "canvas.csv", "students/alice/results.json"]
        .iter()
        .map(|f| (f.to_string(), read(&out.join(f))))
        .collect();

    // A bad CSV (one cell over the item's points): refused whole, nothing written.
    let bad = "student,design,presentation\nalice,10,5\nbob,7,6\n";
    let e = parse_rubric_csv(bad, &gb.rubric_items().unwrap(), &gb.rubric_students().unwrap()).unwrap_err();
    assert_eq!(e, ["line 3, column presentation: 6 is more than the item's 5 points"]);
    assert_eq!(scores_written(&gb), 4);
    // ... and the same scores entered directly are refused all together too.
    let direct = vec![
        NewScore { student: "alice".into(), item: "design".into(), points: 10.0, comment: None },
        NewScore { student: "bob".into(), item: "presentation".into(), points: 6.0, comment: None },
    ];
    assert!(gb.enter_rubric(&direct, "Ada", "cli").is_err());
    assert_eq!(scores_written(&gb), 4);
    export_all(&gb, out, &opts).unwrap();
    for (f, text) in before {
        let now = read(&out.join(&f));
        assert_eq!(now, text, "{f} changed after a refused import");
    }

    // A comment is text, never markup, on the student's page and the overview.
    let comment = "<script>alert(1)</script> & <b>more</b>";
    let s = NewScore { student: "bob".into(), item: "design".into(), points: 7.0, comment: Some(comment.into()) };
    gb.enter_rubric(&[s], "Ada", "cli").unwrap();
    export_all(&gb, out, &opts).unwrap();
    let html = read(&out.join("students/bob/report.html"));
    assert!(!html.contains("<script>alert") && html.contains("&lt;script&gt;alert(1)"), "comment not escaped");
}

#[test]
fn a_stage_without_rubric_items_exports_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let gb = class(out);
    gb.set_rubric_items(&[]).unwrap();
    export_all(&gb, out, &Options::default()).unwrap();
    let header = read(&out.join("gradebook.csv")).lines().next().unwrap().to_string();
    assert_eq!(
        header,
        "student,outcome,score,max_score,percent,submitted_at,committed_at,late_days,penalty_percent,final_score,\
         message,final.spam.train"
    );
    let gs = json(&out.join("students/alice/results.json"));
    assert_eq!(gs["tests"].as_array().unwrap().len(), 1);
    assert!(!read(&out.join("overview.html")).contains("Rubric"));
}
