//! The late policy's submission time is never the student's to choose: not the commit date of
//! a git repository (`GIT_COMMITTER_DATE`), not a file's modification time. It is the time the
//! submission list gives (the LMS's upload time, the Git host's push time), else the time the
//! grader first received the submission; the commit date is shown beside it.
//!
//! Each test grades as `grader batch` does, without the engine: find the submissions, record
//! them, prepare (clone, unpack) each, and store what a worker would hand back.

use grader_gradebook::db::{BatchMeta, ExerciseInfo, GradingRecord};
use grader_gradebook::export::{export_all, graded_rows, Options};
use grader_gradebook::policy::parse_time;
use grader_gradebook::submissions::{discover, prepare, Source};
use grader_gradebook::{Gradebook, Outcome, Policy};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const POLICY: &str = r#"
deadline = "2024-06-01T00:00:00Z"
penalty_per_day = 0.2
max_penalty = 0.2
"#;

/// Before the deadline: what a forged commit says.
const FORGED: &str = "2024-05-31T12:00:00Z";

fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) {
    let o = Command::new("git")
        .args(["-c", "user.name=Student", "-c", "user.email=student@example.org", "-c", "init.defaultBranch=main"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A git repository holding a stage crate, committed at `date` when given (forged), else now.
fn repo(dir: &Path, date: Option<&str>) {
    let src = dir.join("exercises/stage1/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("lib.rs"), "pub fn answer() -> u32 { 42 }\n").unwrap();
    git(dir, &["init", "-q"], &[]);
    git(dir, &["add", "."], &[]);
    let env: Vec<(&str, &str)> =
        date.map(|d| vec![("GIT_COMMITTER_DATE", d), ("GIT_AUTHOR_DATE", d)]).unwrap_or_default();
    git(dir, &["commit", "-q", "-m", "my work"], &env);
}

fn meta() -> BatchMeta {
    BatchMeta {
        selection: "stage1".into(),
        seed: 1,
        speed: false,
        alternatives: false,
        exercises: vec![ExerciseInfo { id: "stage1.answer".into(), title: "Answer".into(), points: 10.0 }],
    }
}

fn open(out: &Path) -> Gradebook {
    std::fs::create_dir_all(out).unwrap();
    let gb = Gradebook::open(&out.join("gradebook.sqlite")).unwrap();
    gb.init_batch(&meta()).unwrap();
    gb
}

/// What `grader batch` does with the submissions it finds: record them all, then grade each.
fn batch(gb: &Gradebook, found: &[Source], scratch: &Path) {
    for s in found {
        gb.upsert_submission(&s.student, &s.location, s.kind.as_str(), s.listed_at).unwrap();
    }
    gb.mark_interrupted().unwrap();
    let done = gb.current_outcomes().unwrap();
    for s in found.iter().filter(|s| !done.contains_key(&s.student)) {
        grade(gb, s, scratch);
    }
}

fn grade(gb: &Gradebook, s: &Source, scratch: &Path) {
    let id = gb.start(&s.student, "stage1", "batch", "test").unwrap();
    let p = prepare(s, &scratch.join(&s.student), "exercises/stage1").unwrap();
    let record = GradingRecord {
        outcome: Outcome::Graded,
        message: None,
        report: None,
        claimed_at: p.claimed_at,
        fetched_at: Some(p.fetched_at),
        fingerprint: Some(p.fingerprint),
        sources: p.sources,
        duration_s: 0.1,
    };
    gb.finish(id, &record, 10.0).unwrap();
}

fn csv_rows(path: &Path) -> (Vec<String>, BTreeMap<String, BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| {
            let row: BTreeMap<String, String> =
                header.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect();
            (row["student"].clone(), row)
        })
        .collect();
    (header, rows)
}

fn report_json(out: &Path, student: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("students").join(student).join("report.json")).unwrap())
        .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn a_forged_commit_date_does_not_make_a_late_submission_on_time() {
    let d = tempfile::tempdir().unwrap();
    let subs = d.path().join("subs");
    // The same code: alice forges her commit's date to before the deadline, bob commits honestly.
    repo(&subs.join("alice"), Some(FORGED));
    repo(&subs.join("bob"), None);
    let out = d.path().join("out");
    let gb = open(&out);
    let before = now();
    batch(&gb, &discover(&subs).unwrap(), &d.path().join("scratch"));

    let policy = Policy::parse(POLICY).unwrap();
    let rows: BTreeMap<String, _> =
        graded_rows(&gb, Some(&policy)).unwrap().into_iter().map(|g| (g.row.student.clone(), g)).collect();
    let forged = parse_time(FORGED).unwrap();
    assert_eq!(rows["alice"].row.claimed_at, Some(forged), "the commit date is kept");
    for student in ["alice", "bob"] {
        let g = &rows[student];
        // Both were received now, long after the deadline: both lose the same 20 %.
        let t = g.row.submitted_at.expect("a submission time");
        assert!(t >= before - 1 && t <= now(), "{student}: {t}");
        assert_eq!(g.row.submitted_at, g.row.received_at);
        assert_eq!(g.late.penalty, 0.2, "{student}: {:?}", g.late);
    }

    // The exports show both times; the commit date is never the submission time.
    export_all(&gb, &out, &Options { policy: Some(policy), ..Default::default() }).unwrap();
    let (header, csv) = csv_rows(&out.join("gradebook.csv"));
    let at = header.iter().position(|h| h == "submitted_at").unwrap();
    assert_eq!(header[at + 1], "committed_at", "{header:?}");
    assert_eq!(csv["alice"]["committed_at"], "2024-05-31 12:00 UTC");
    assert_ne!(csv["alice"]["submitted_at"], csv["alice"]["committed_at"]);
    assert_eq!(csv["alice"]["penalty_percent"], "20");
    assert_eq!(csv["bob"]["penalty_percent"], "20");
    let j = report_json(&out, "alice");
    assert_eq!(j["committed_at"], forged);
    assert_eq!(j["submitted_at_from"], "received");
    assert_eq!(j["submitted_at"], j["received_at"]);
    assert_eq!(j["penalty"], 0.2);
    let html = std::fs::read_to_string(out.join("students/alice/report.html")).unwrap();
    assert!(html.contains("commit date 2024-05-31 12:00 UTC") && html.contains("not used"), "{html}");
}

#[test]
fn the_submission_list_time_is_used_when_given() {
    let d = tempfile::tempdir().unwrap();
    repo(&d.path().join("alice"), Some("2030-01-01T00:00:00Z"));
    repo(&d.path().join("bob"), Some(FORGED));
    // The LMS's export: alice uploaded before the deadline (whatever her commit says), bob's
    // line has no time, so his is when the grader received it.
    let list = d.path().join("class.tsv");
    std::fs::write(&list, "student\tlocation\tsubmitted_at\nalice\talice\t2024-05-31T23:30:00+00:00\nbob\tbob\n")
        .unwrap();
    let out = d.path().join("out");
    let gb = open(&out);
    batch(&gb, &discover(&list).unwrap(), &d.path().join("scratch"));
    let policy = Policy::parse(POLICY).unwrap();
    export_all(&gb, &out, &Options { policy: Some(policy), ..Default::default() }).unwrap();
    let (_, csv) = csv_rows(&out.join("gradebook.csv"));
    assert_eq!(csv["alice"]["submitted_at"], "2024-05-31 23:30 UTC");
    assert_eq!(csv["alice"]["committed_at"], "2030-01-01 00:00 UTC");
    assert_eq!(csv["alice"]["penalty_percent"], "0");
    assert_eq!(csv["bob"]["penalty_percent"], "20");
    let j = report_json(&out, "alice");
    assert_eq!(j["submitted_at_from"], "list");
    assert_eq!(j["submitted_at"], parse_time("2024-05-31T23:30:00Z").unwrap());
    assert_eq!(report_json(&out, "bob")["submitted_at_from"], "received");
}

#[test]
fn a_resumed_batch_keeps_the_first_received_time() {
    let d = tempfile::tempdir().unwrap();
    let subs = d.path().join("subs");
    repo(&subs.join("alice"), None);
    repo(&subs.join("bob"), None);
    let out = d.path().join("out");
    let scratch = d.path().join("scratch");
    let first = {
        // The first batch finds both, grades bob, and is killed while grading alice.
        let gb = open(&out);
        let found = discover(&subs).unwrap();
        for s in &found {
            gb.upsert_submission(&s.student, &s.location, s.kind.as_str(), s.listed_at).unwrap();
        }
        grade(&gb, found.iter().find(|s| s.student == "bob").unwrap(), &scratch);
        let _killed = gb.start("alice", "stage1", "batch", "test").unwrap();
        let times: BTreeMap<String, Option<i64>> = gb
            .connection()
            .prepare("SELECT student, received_at FROM submissions")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        times
    };
    assert!(first.values().all(Option::is_some), "{first:?}");
    // Started again later (the clock has moved on): alice is graded now, at her first time.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let gb = open(&out);
    batch(&gb, &discover(&subs).unwrap(), &scratch);
    // And regraded, the same content: still the first time.
    grade(&gb, &discover(&subs).unwrap()[0], &scratch);
    let rows = gb.current_rows().unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(r.received_at, first[&r.student], "{}", r.student);
        assert_eq!(r.submitted_at, first[&r.student], "{}", r.student);
    }
    assert_eq!(gb.history(Some("alice")).unwrap().len(), 3, "interrupted, graded, regraded");
}
