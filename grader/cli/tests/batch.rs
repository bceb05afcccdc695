//! `grader batch` end to end, on a class of twenty-one generated submissions: correct ones in
//! every form (directory, .tar.gz, .zip of just the crate, git repository, bare repository),
//! partly done, wrong, panicking, not compiling, looping forever, cheating four ways, empty,
//! corrupt, and not a submission at all.
//!
//! One test, in steps that build on each other (the submissions compile once, in the shared
//! target directory): the batch is killed with SIGKILL half-way and resumed, and must grade every
//! submission exactly once with the right score; every export must exist and parse; an
//! exercise regrade must be kept in the history; two shards merged must equal the single run;
//! a submission past its time limit must get its row and leave no process behind.

mod common;

use common::{copy_dir, root, target, text};

use grader_engine::manifest::Course;
use grader_suites as suites;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SEED: &str = "11";

fn grader_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_grader"));
    c.args(args).current_dir(root()).env_remove("GRADER_COURSE").env("GRADER_TARGET_DIR", target());
    c
}

fn grader(args: &[&str]) -> Output {
    grader_cmd(args).stdin(Stdio::null()).output().expect("grader runs")
}

/// A course-shaped submission under `dir` with `base` sources (`solutions` or `exercises`).
fn checkout(dir: &Path, base: &str) -> PathBuf {
    let src = dir.join("exercises/stage1/src");
    copy_dir(&root().join(base).join("stage1/src"), &src);
    src
}

fn edit(file: &Path, find: &str, insert_after: &str) {
    let t = std::fs::read_to_string(file).unwrap();
    assert_eq!(t.matches(find).count(), 1, "`{find}` must occur once in {}", file.display());
    std::fs::write(file, t.replacen(find, &format!("{find}\n{insert_after}"), 1)).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=Student", "-c", "user.email=student@example.org", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", text(&o));
}

fn tar_gz(dir: &Path, archive: &Path, prefix: &str) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(archive).unwrap(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    b.append_dir_all(prefix, dir).unwrap();
    b.into_inner().unwrap().finish().unwrap();
}

fn zip_dir(dir: &Path, archive: &Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(archive).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                z.start_file(p.strip_prefix(dir).unwrap().to_string_lossy(), opts).unwrap();
                std::io::Write::write_all(&mut z, &std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    z.finish().unwrap();
}

/// What each submission must get.
struct Expect {
    outcome: &'static str,
    /// Exact score, or `None` where it is checked otherwise.
    score: Option<f64>,
}

/// Writes the class into `subs` and returns what each student must get.
fn make_class(subs: &Path, course: &Course) -> BTreeMap<&'static str, Expect> {
    let _ = std::fs::remove_dir_all(subs);
    std::fs::create_dir_all(subs).unwrap();
    let points = |sel: &str| -> f64 { course.select(sel).iter().map(|e| e.points).sum() };
    let max = points("stage1");
    let scratch = subs.with_file_name("class-scratch");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut e = BTreeMap::new();
    let full = |o| Expect { outcome: o, score: Some(max) };

    // Correct, in every form.
    checkout(&subs.join("ada"), "solutions");
    e.insert("ada", full("graded"));
    checkout(&scratch.join("ben"), "solutions");
    tar_gz(&scratch.join("ben"), &subs.join("ben.tar.gz"), "ben-stage1");
    e.insert("ben", full("graded"));
    // Just the crate, zipped.
    let cy = scratch.join("cy");
    copy_dir(&root().join("solutions/stage1/src"), &cy.join("src"));
    std::fs::copy(root().join("exercises/stage1/Cargo.toml"), cy.join("Cargo.toml")).unwrap();
    zip_dir(&cy, &subs.join("cy.zip"));
    e.insert("cy", full("graded"));
    // A git repository: what is committed is graded, not an uncommitted broken edit.
    let dee = subs.join("dee");
    let src = checkout(&dee, "solutions");
    git(&dee, &["init", "-q"]);
    git(&dee, &["add", "."]);
    git(&dee, &["commit", "-q", "-m", "my work"]);
    std::fs::write(src.join("linalg.rs"), "this does not compile").unwrap();
    e.insert("dee", full("graded"));
    // A copy with the comments stripped and the layout changed: the similarity report's pair.
    let src = checkout(&subs.join("eve"), "solutions");
    for f in std::fs::read_dir(&src).unwrap() {
        let p = f.unwrap().path();
        let t = std::fs::read_to_string(&p).unwrap();
        let t: String = t
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| l.replace("    ", "  "))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&p, t).unwrap();
    }
    e.insert("eve", full("graded"));

    // Not started, half done.
    checkout(&subs.join("fay"), "exercises");
    e.insert("fay", Expect { outcome: "graded", score: Some(0.0) });
    let src = checkout(&subs.join("gus"), "exercises");
    std::fs::copy(root().join("solutions/stage1/src/linalg.rs"), src.join("linalg.rs")).unwrap();
    e.insert("gus", Expect { outcome: "graded", score: Some(points("stage1.linalg")) });

    // One exercise panics; one is wrong on larger inputs.
    let src = checkout(&subs.join("hal"), "solutions");
    edit(
        &src.join("linalg.rs"),
        "pub fn low_rank_approx(a: &Matrix, k: usize) -> Result<Matrix, LinalgError> {",
        "    panic!(\"forgot to finish this\");",
    );
    e.insert("hal", Expect { outcome: "graded", score: Some(max - points("stage1.linalg.low_rank")) });
    let src = checkout(&subs.join("ivy"), "solutions");
    edit(
        &src.join("statistics.rs"),
        "pub fn group_means(values: &[f64], groups: &[usize], n_groups: usize) -> Result<Vec<f64>, StatsError> {",
        "    if values.len() > 3 { return Ok(vec![0.5; n_groups]); }",
    );
    e.insert("ivy", Expect { outcome: "graded", score: None });

    // Does not compile.
    let src = checkout(&subs.join("jon"), "solutions");
    edit(&src.join("linalg.rs"), "pub fn dot(a: &[f64], b: &[f64]) -> f64 {", "    let broken: u32 = \"text\";");
    e.insert("jon", Expect { outcome: "build_failed", score: Some(0.0) });

    // Never returns: every case of that exercise times out, the rest is graded.
    let src = checkout(&subs.join("kim"), "solutions");
    edit(
        &src.join("linalg.rs"),
        "pub fn low_rank_approx(a: &Matrix, k: usize) -> Result<Matrix, LinalgError> {",
        "    loop { std::hint::spin_loop(); }",
    );
    e.insert("kim", Expect { outcome: "graded", score: Some(max - points("stage1.linalg.low_rank")) });

    // Cheats: a fake test summary and exit, unsafe code, a build script, a cargo config that
    // swaps the compiler, reading a file at compile time.
    let src = checkout(&subs.join("lou"), "solutions");
    edit(
        &src.join("linalg.rs"),
        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {",
        "    println!(\"test result: ok. 36 passed\"); std::process::exit(0);",
    );
    e.insert("lou", Expect { outcome: "forbidden", score: Some(0.0) });
    let src = checkout(&subs.join("max"), "solutions");
    edit(
        &src.join("linalg.rs"),
        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {",
        "    if a.is_empty() { return unsafe { *b.as_ptr() }; }",
    );
    e.insert("max", Expect { outcome: "forbidden", score: Some(0.0) });
    let ned = subs.join("ned");
    checkout(&ned, "solutions");
    std::fs::write(ned.join("exercises/stage1/build.rs"), "fn main() {}").unwrap();
    e.insert("ned", Expect { outcome: "forbidden", score: Some(0.0) });
    let oli = subs.join("oli");
    checkout(&oli, "solutions");
    std::fs::create_dir_all(oli.join(".cargo")).unwrap();
    std::fs::write(oli.join(".cargo/config.toml"), "[build]\nrustc-wrapper = \"/tmp/always-pass\"\n").unwrap();
    e.insert("oli", Expect { outcome: "forbidden", score: Some(0.0) });
    let src = checkout(&subs.join("tia"), "solutions");
    edit(
        &src.join("linalg.rs"),
        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {",
        "    let _answers = include_str!(\"/etc/hostname\");",
    );
    e.insert("tia", Expect { outcome: "forbidden", score: Some(0.0) });

    // Nothing to grade.
    std::fs::create_dir_all(subs.join("pam/docs")).unwrap();
    std::fs::write(subs.join("pam/docs/notes.txt"), "I will do it tomorrow").unwrap();
    e.insert("pam", Expect { outcome: "empty", score: Some(0.0) });
    std::fs::create_dir_all(scratch.join("quin")).unwrap();
    std::fs::write(scratch.join("quin/README.md"), "nothing here").unwrap();
    zip_dir(&scratch.join("quin"), &subs.join("quin.zip"));
    e.insert("quin", Expect { outcome: "empty", score: Some(0.0) });
    std::fs::write(subs.join("rex.tar.gz"), b"\x1f\x8b not really gzip").unwrap();
    e.insert("rex", Expect { outcome: "empty", score: Some(0.0) });
    std::fs::write(subs.join("sam.pdf"), b"%PDF-1.4").unwrap();
    e.insert("sam", Expect { outcome: "empty", score: Some(0.0) });

    // A bare repository with one module done.
    let uma = scratch.join("uma");
    let src = checkout(&uma, "exercises");
    std::fs::copy(root().join("solutions/stage1/src/calculus.rs"), src.join("calculus.rs")).unwrap();
    git(&uma, &["init", "-q"]);
    git(&uma, &["add", "."]);
    git(&uma, &["commit", "-q", "-m", "calculus"]);
    git(&scratch, &["clone", "-q", "--bare", "uma", subs.join("uma.git").to_str().unwrap()]);
    e.insert("uma", Expect { outcome: "graded", score: Some(points("stage1.calculus")) });
    e
}

fn db(out: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(out.join("gradebook.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap()
}

fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The gradings table (and the interruption events), for an assertion's message: what a
/// failure needs to be understood.
fn gradings_table(out: &Path) -> String {
    let c = db(out);
    let mut s = String::from("\ngradings (id student state outcome current started_ms finished_ms worker):\n");
    let mut st = c
        .prepare(
            "SELECT id, student, state, COALESCE(outcome, '-'), current, started_ms, COALESCE(finished_ms, 0), worker
             FROM gradings ORDER BY student, id",
        )
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok(format!(
                "  {:>4} {:<6} {:<12} {:<13} {} {} {} {}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?
            ))
        })
        .unwrap();
    for r in rows {
        s.push_str(&r.unwrap());
        s.push('\n');
    }
    s
}

/// Held while the test runs: two runs of it at once (two checkouts' worth of `cargo test` on
/// the same target directory) would write the same submissions and gradebooks.
struct RunLock(#[allow(dead_code)] std::fs::File);

fn run_lock(base: &Path) -> RunLock {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(base.parent().unwrap()).unwrap();
    let f =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(base.with_extension("lock")).unwrap();
    // SAFETY: flock on a descriptor this function owns.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    RunLock(f)
}

/// When the grader first received each submission (`submissions.received_at`).
fn received_times(out: &Path) -> BTreeMap<String, Option<i64>> {
    let c = db(out);
    let mut st = c.prepare("SELECT student, received_at FROM submissions").unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// `text` with every `N day(s)` count replaced by `N`: two runs received the submissions at
/// different times, and a day boundary between them changes how many days late they are.
fn without_day_counts(text: &str) -> String {
    let parts: Vec<&str> = text.split(" day(s)").collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i < last {
                format!("{}N day(s)", p.trim_end_matches(|c: char| c.is_ascii_digit()))
            } else {
                p.to_string()
            }
        })
        .collect()
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows =
        r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect();
    (header, rows)
}

#[test]
fn a_class_is_graded_resumed_exported_and_sharded() {
    let course = Course::load(&root(), &suites::all()).unwrap();
    let max: f64 = course.select("stage1").iter().map(|e| e.points).sum();
    let base = target().join("batch-tests");
    let _serial = run_lock(&base);
    let subs = base.join("submissions");
    let expect = make_class(&subs, &course);
    assert!(expect.len() >= 20);
    let policy = base.join("policy.toml");
    std::fs::write(
        &policy,
        "deadline = \"2020-01-01T00:00:00Z\"\npenalty_per_day = 0.1\nmax_penalty = 0.3\n[extensions]\nada = \"2999-01-01\"\n",
    )
    .unwrap();
    let roster = base.join("roster.csv");
    std::fs::write(
        &roster,
        "student,name,canvas_id,sis_user_id,email\nada,\"Lovelace, Ada\",1001,A-1,ada@example.org\n",
    )
    .unwrap();
    let out = base.join("single");
    let _ = std::fs::remove_dir_all(&out);
    let args = |out: &Path| -> Vec<String> {
        [
            "batch",
            subs.to_str().unwrap(),
            "--stage",
            "stage1",
            "--out",
            out.to_str().unwrap(),
            "--seed",
            SEED,
            "--no-speed",
            "--jobs",
            "2",
            "--policy",
            policy.to_str().unwrap(),
            "--roster",
            roster.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let strs = |v: &[String]| v.iter().map(String::as_str).collect::<Vec<_>>().join(" ");

    // 1. Killed with SIGKILL once a few submissions are in the gradebook.
    let a = args(&out);
    let mut child = grader_cmd(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let done_before_kill = loop {
        std::thread::sleep(Duration::from_millis(100));
        let n = rusqlite::Connection::open_with_flags(
            out.join("gradebook.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM gradings WHERE state = 'done'", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(0);
        if n >= 4 {
            break n;
        }
        if let Some(st) = child.try_wait().unwrap() {
            panic!("the batch ended ({st}) before it could be killed: {}", strs(&a));
        }
        assert!(t.elapsed() < Duration::from_secs(900), "the batch made no progress");
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let c = db(&out);
    let done_after_kill = count(&c, "SELECT COUNT(*) FROM gradings WHERE state = 'done'");
    assert!(
        done_after_kill >= done_before_kill && done_after_kill < expect.len() as i64,
        "{done_after_kill}{}",
        gradings_table(&out)
    );
    drop(c);
    // Every submission was recorded, with the time the batch first saw it, before any grading.
    let first_received = received_times(&out);
    assert_eq!(first_received.len(), expect.len(), "{first_received:?}");
    assert!(first_received.values().all(Option::is_some), "{first_received:?}");

    // 2. Resumed: the rest is graded, nothing twice.
    let o = grader(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o), gradings_table(&out));
    let log = text(&o);
    let to_grade = expect.len() as i64 - done_after_kill;
    assert!(
        log.contains(&format!(": {to_grade} to grade, {done_after_kill} already graded")),
        "{log}{}",
        gradings_table(&out)
    );
    let c = db(&out);
    assert_eq!(
        count(&c, "SELECT COUNT(DISTINCT student) FROM gradings WHERE state = 'done'"),
        expect.len() as i64,
        "a submission has no finished grading\n{log}{}",
        gradings_table(&out)
    );
    assert_eq!(
        count(&c, "SELECT COUNT(*) FROM gradings WHERE state = 'done'"),
        expect.len() as i64,
        "a submission was graded twice{}",
        gradings_table(&out)
    );
    assert_eq!(count(&c, "SELECT COUNT(*) FROM gradings WHERE state = 'running'"), 0, "{}", gradings_table(&out));
    assert_eq!(received_times(&out), first_received, "the resumed batch moved a submission time");
    let interrupted = count(&c, "SELECT COUNT(*) FROM gradings WHERE state = 'interrupted'");
    assert_eq!(
        interrupted,
        count(&c, "SELECT COUNT(*) FROM events WHERE kind = 'interrupted'"),
        "{}",
        gradings_table(&out)
    );
    drop(c);

    // 3. The right outcome and score for each submission.
    let (header, rows) = csv_rows(&out.join("gradebook.csv"));
    for col in ["student", "outcome", "score", "max_score", "percent", "late_days", "penalty_percent", "final_score"] {
        assert!(header.iter().any(|h| h == col), "gradebook.csv lacks {col}: {header:?}");
    }
    assert!(header.iter().any(|h| h == "stage1.linalg.low_rank"));
    // The submission time is when the grader received it; the commit date (or file time) the
    // submission claims is shown beside it, never used.
    let at = header.iter().position(|h| h == "submitted_at").expect("gradebook.csv has submitted_at");
    assert_eq!(header[at + 1], "committed_at", "{header:?}");
    assert_eq!(rows.len(), expect.len());
    let by: BTreeMap<&str, &BTreeMap<String, String>> = rows.iter().map(|r| (r["student"].as_str(), r)).collect();
    for (student, e) in &expect {
        let r = by.get(student).unwrap_or_else(|| panic!("no row for {student}"));
        assert_eq!(r["outcome"], e.outcome, "{student}: {r:?}");
        if let Some(s) = e.score {
            let got: f64 = r["score"].parse().unwrap();
            assert!((got - s).abs() < 0.011, "{student}: score {got}, expected {s}");
        }
        assert_eq!(r["max_score"].parse::<f64>().unwrap(), max);
    }
    for (student, r) in &by {
        assert!(r["submitted_at"].ends_with(" UTC"), "{student}: no submission time: {r:?}");
    }
    assert!(by["dee"]["committed_at"].ends_with(" UTC"), "dee's commit date: {:?}", by["dee"]);
    // The wrong one loses part of one exercise, and only that.
    let ivy: f64 = by["ivy"]["score"].parse().unwrap();
    let gm: f64 = by["ivy"]["stage1.statistics.group_means"].parse().unwrap();
    assert!(gm < 3.0 && (ivy - (max - 3.0 + gm)).abs() < 0.011, "ivy {ivy}, group_means {gm}");
    // Late policy: everyone is late past the cap (30 %), except ada's extension.
    assert_eq!(by["ada"]["penalty_percent"], "0");
    assert_eq!(by["ada"]["final_score"].parse::<f64>().unwrap(), max);
    assert_eq!(by["ben"]["penalty_percent"], "30");
    assert!((by["ben"]["final_score"].parse::<f64>().unwrap() - max * 0.7).abs() < 0.011);
    // Feedback for those that could not be graded.
    assert!(by["jon"]["message"].contains("linalg.rs"), "{:?}", by["jon"]);
    assert!(by["rex"]["message"].contains("cannot be unpacked"), "{:?}", by["rex"]);
    assert!(by["lou"]["message"].contains("refused"), "{:?}", by["lou"]);

    // 4. Every export exists and parses.
    let (h, canvas) = csv_rows(&out.join("canvas.csv"));
    assert_eq!(&h[..5], ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]);
    assert_eq!(canvas[0]["Student"], "Points Possible");
    let ada = canvas.iter().find(|r| r["ID"] == "1001").expect("ada's roster identity");
    assert_eq!((ada["Student"].as_str(), ada["SIS User ID"].as_str()), ("Lovelace, Ada", "A-1"));
    assert_eq!(canvas.len(), expect.len() + 1);
    let (h, moodle) = csv_rows(&out.join("moodle.csv"));
    assert_eq!(h, ["username", "email", "idnumber", "stage1", "feedback"]);
    assert_eq!(moodle.len(), expect.len());
    for student in expect.keys() {
        let dir = out.join("students").join(student);
        let j: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(j["schema"], "grader-gradebook-student/1");
        assert_eq!(j["student"], *student);
        assert_eq!(j["submitted_at_from"], "received", "{student}");
        assert!(j["submitted_at"].is_i64() && j["submitted_at"] == j["received_at"], "{student}: {j}");
        if j["outcome"] == "graded" || j["outcome"] == "build_failed" || j["outcome"] == "forbidden" {
            // The engine's report, in the schema of `grader check --json`.
            let _: grader_report::Report = serde_json::from_value(j["report"].clone()).unwrap();
        }
        let gs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
        assert!(gs["score"].is_number() && gs["execution_time"].is_number() && gs["output"].is_string(), "{gs}");
        let tests = gs["tests"].as_array().unwrap();
        assert_eq!(tests.len(), course.select("stage1").len());
        for t in tests {
            for field in ["score", "max_score", "name", "number", "output", "status"] {
                assert!(!t[field].is_null(), "{student}: results.json test lacks {field}: {t}");
            }
            assert!(t["status"] == "passed" || t["status"] == "failed");
        }
        let sum: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert!((sum - by[student]["score"].parse::<f64>().unwrap()).abs() < 0.05, "{student}");
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains(student) && html.contains("</html>"));
    }
    let overview = std::fs::read_to_string(out.join("overview.html")).unwrap();
    for needle in ["Score distribution", "Pass rate per exercise", "Hardest exercises", "Slowest code", "<svg"] {
        assert!(overview.contains(needle), "overview lacks {needle}");
    }
    assert!(!overview.contains("http://") || overview.contains("http://www.w3.org/2000/svg"));
    let (_, pairs) = csv_rows(&out.join("similarity.csv"));
    assert!(
        pairs.iter().any(|p| p["student_a"] == "ada" && p["student_b"] == "eve" && p["similarity"] == "1.000"),
        "{pairs:?}"
    );
    // Untouched starter code is not evidence.
    assert!(!pairs.iter().any(|p| p["student_a"] == "fay" || p["student_b"] == "fay"), "{pairs:?}");

    // 5. One exercise regraded for one student: a new grading, the old one kept.
    let o = grader(&[
        "batch",
        subs.to_str().unwrap(),
        "--stage",
        "stage1",
        "--out",
        out.to_str().unwrap(),
        "--no-speed",
        "--exercise",
        "stage1.linalg.dot",
        "--student",
        "hal",
        "--no-export",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = grader(&["gradebook", "history", out.to_str().unwrap(), "--student", "hal", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[1]["reason"], "exercise-regrade");
    assert_eq!(h[1]["selection"], "stage1.linalg.dot");
    assert!(h[1]["current"].as_bool().unwrap() && !h[0]["current"].as_bool().unwrap());
    assert_eq!(h[0]["score"], h[1]["score"], "the same code regraded keeps its score");
    assert_eq!(received_times(&out), first_received, "a regrade of the same code moved its submission time");

    // 6. Two shards, merged, equal the single run.
    let mut shard_dirs = Vec::new();
    let mut sizes = Vec::new();
    for i in 1..=2 {
        let d = base.join(format!("shard{i}"));
        let _ = std::fs::remove_dir_all(&d);
        let mut a = args(&d);
        a.extend(["--shard".to_string(), format!("{i}/2")]);
        let o = grader(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        sizes.push(count(&db(&d), "SELECT COUNT(*) FROM gradings WHERE state = 'done'"));
        shard_dirs.push(d);
    }
    assert_eq!(sizes.iter().sum::<i64>(), expect.len() as i64, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");
    let merged = base.join("merged");
    let _ = std::fs::remove_dir_all(&merged);
    let o = grader(&[
        "gradebook",
        "merge",
        "--out",
        merged.to_str().unwrap(),
        shard_dirs[0].to_str().unwrap(),
        shard_dirs[1].to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The shards received the submissions later than the single run did: their submission
    // times (and maybe their day counts) differ, everything else is the same.
    let (single_header, single) = csv_rows(&out.join("gradebook.csv"));
    let (joined_header, joined) = csv_rows(&merged.join("gradebook.csv"));
    assert_eq!(single_header, joined_header);
    let untimed = |rows: Vec<BTreeMap<String, String>>| -> Vec<BTreeMap<String, String>> {
        rows.into_iter()
            .map(|mut r| {
                r.remove("submitted_at");
                r.remove("late_days");
                r
            })
            .collect()
    };
    assert_eq!(untimed(single), untimed(joined), "gradebook.csv: the merged shards differ from the single run");
    for f in ["canvas.csv", "moodle.csv"] {
        let single = without_day_counts(&std::fs::read_to_string(out.join(f)).unwrap());
        let joined = without_day_counts(&std::fs::read_to_string(merged.join(f)).unwrap());
        assert_eq!(single, joined, "{f}: the merged shards differ from the single run");
    }
    for student in expect.keys() {
        let gs = |d: &Path| -> serde_json::Value {
            let mut v: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(d.join("students").join(student).join("results.json")).unwrap(),
            )
            .unwrap();
            v["execution_time"] = 0.into();
            v["output"] = without_day_counts(v["output"].as_str().unwrap()).into();
            v
        };
        assert_eq!(gs(&out), gs(&merged), "{student}: results.json differs");
    }

    // 7. A submission past its time limit gets its row, and nothing of it is left running. Its
    // cases are each well within their own limit (so none is cut short and skipped): it is slow
    // as a whole, 0.4 s a call in four exercises (some thirty cases).
    let slow_subs = base.join("slow-subs");
    let _ = std::fs::remove_dir_all(&slow_subs);
    let src = checkout(&slow_subs.join("kim"), "solutions");
    for f in [
        "pub fn dot(a: &[f64], b: &[f64]) -> f64 {",
        "pub fn matmul(a: &Matrix, b: &Matrix) -> Result<Matrix, LinalgError> {",
        "pub fn transpose(a: &Matrix) -> Matrix {",
        "pub fn inverse(a: &Matrix) -> Result<Matrix, LinalgError> {",
    ] {
        edit(&src.join("linalg.rs"), f, "    std::thread::sleep(std::time::Duration::from_millis(400));");
    }
    let slow = base.join("time-limit");
    let _ = std::fs::remove_dir_all(&slow);
    let t = Instant::now();
    let o = grader(&[
        "batch",
        slow_subs.to_str().unwrap(),
        "--stage",
        "stage1",
        "--out",
        slow.to_str().unwrap(),
        "--seed",
        SEED,
        "--no-speed",
        "--student",
        "kim",
        "--submission-timeout",
        "6",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(t.elapsed() < Duration::from_secs(120));
    let (_, rows) = csv_rows(&slow.join("gradebook.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["outcome"], "timed_out", "{:?}", rows[0]);
    // Killed processes linger a moment as zombies; a live orphan would go on spinning.
    let t = Instant::now();
    while !orphaned_probes().is_empty() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(orphaned_probes().is_empty(), "probes left running: {:?}", orphaned_probes());
}

/// Live sandboxed probes (a probe's own user, not zombies) whose grader is gone (adopted by init).
fn orphaned_probes() -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { continue };
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        };
        if field("State:").as_deref() != Some("Z")
            && field("Uid:").and_then(|u| u.parse::<u32>().ok()).is_some_and(grader_engine::probe::is_probe_uid)
            && field("PPid:").as_deref() == Some("1")
            && field("Name:").as_deref() == Some("app")
        {
            out.push(pid);
        }
    }
    out
}

#[test]
fn the_job_array_examples_shard_and_merge_with_the_real_options() {
    let dir = root().join("grader/gradebook/examples");
    let k8s = std::fs::read_to_string(dir.join("k8s-indexed-job.yaml")).unwrap();
    for needle in ["completionMode: Indexed", "JOB_COMPLETION_INDEX", "--shard \"$i/8\"", "--seed", "gradebook merge"] {
        assert!(k8s.contains(needle), "k8s-indexed-job.yaml lacks {needle}");
    }
    let slurm = std::fs::read_to_string(dir.join("slurm-array.sh")).unwrap();
    assert!(slurm.contains("SLURM_ARRAY_TASK_ID") && slurm.contains("--shard"));
    // The options the examples use exist.
    let help = grader(&["batch", "--help"]);
    let help = text(&help);
    for opt in ["--shard", "--seed", "--no-speed", "--jobs", "--out", "--no-export", "--stage"] {
        assert!(help.contains(opt), "grader batch --help lacks {opt}");
    }
    let help = text(&grader(&["gradebook", "merge", "--help"]));
    for opt in ["--out", "--policy", "--roster"] {
        assert!(help.contains(opt), "grader gradebook merge --help lacks {opt}");
    }
}
