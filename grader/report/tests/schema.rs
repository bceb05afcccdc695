//! The committed JSON Schema is the one the code generates (`UPDATE_SCHEMA=1 cargo test -p
//! grader-report` rewrites it), and reports written by the writers follow the model.

use grader_report::*;

fn sample() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        grader_version: "0.1.0".into(),
        selection: "stage1.linalg.dot".into(),
        seed: 42,
        submission: "/tmp/s".into(),
        role: "student".into(),
        device: "cpu".into(),
        score: 1.0,
        max_score: 2.0,
        gpu_points_pending: 0.0,
        build: BuildResult { ok: true, duration_s: 0.5, diagnostics: vec![], violations: vec![] },
        exercises: vec![ExerciseResult {
            id: "stage1.linalg.dot".into(),
            title: "Dot product".into(),
            topics: vec!["s1.linalg.vectors".into()],
            status: ExerciseStatus::Failed,
            score: 1.0,
            max_score: 2.0,
            atol: 1e-12,
            rtol: 1e-10,
            cases: vec![
                CaseResult {
                    index: 0,
                    label: "empty <vectors> & \"quotes\"".into(),
                    status: CaseStatus::Passed,
                    message: None,
                    mismatch: None,
                    time_ms: Some(0.01),
                    reference_ms: Some(0.01),
                    metrics: vec![Metric {
                        name: "held-out accuracy".into(),
                        student: 0.9,
                        reference: Some(0.95),
                        baseline: Some(0.96),
                        baseline_name: Some("linfa".into()),
                    }],
                    figures: vec![
                        Figure {
                            title: "ROC <curve>".into(),
                            kind: "lines".into(),
                            x_label: "false positive rate".into(),
                            y_label: "true positive rate".into(),
                            series: vec![Series {
                                name: "yours".into(),
                                points: vec![[0.0, 0.0], [0.2, 0.8], [1.0, 1.0]],
                            }],
                            matrix: vec![],
                            labels: vec![],
                        },
                        Figure {
                            title: "confusion matrix".into(),
                            kind: "heatmap".into(),
                            x_label: "predicted".into(),
                            y_label: "true".into(),
                            series: vec![],
                            matrix: vec![vec![5.0, 1.0], vec![0.0, 7.0]],
                            labels: vec!["0".into(), "1".into()],
                        },
                    ],
                },
                CaseResult {
                    index: 1,
                    label: "random 3".into(),
                    status: CaseStatus::Wrong,
                    message: Some("1 of 1 value outside <tolerance>".into()),
                    mismatch: Some(Mismatch {
                        path: String::new(),
                        max_abs_error: 0.1,
                        max_rel_error: 0.01,
                        worst_index: vec![],
                        bad_count: 1,
                        total_count: 1,
                        samples: vec![Sample { index: vec![], expected: 10.0, got: 10.1 }],
                    }),
                    time_ms: Some(0.01),
                    reference_ms: Some(0.01),
                    metrics: vec![],
                    figures: vec![],
                },
            ],
            speed: Some(SpeedResult {
                status: SpeedStatus::Failed,
                device: "cpu".into(),
                label: "random 512".into(),
                max_ratio: 2.0,
                median_ratio: Some(7.0),
                ratios: vec![6.0, 7.0, 8.0],
                student_median_ms: Some(70.0),
                reference_median_ms: Some(10.0),
                message: Some("slow".into()),
            }),
            hint: Some("zip".into()),
            duration_s: 0.1,
            violations: vec![],
        }],
        summary: Summary { passed: 0, failed: 1, not_started: 0, build_failed: 0, forbidden: 0 },
        duration_s: 1.0,
        sandbox: Some(SandboxReport {
            fully_sandboxed: false,
            layers: vec![SandboxLayer { name: "landlock".into(), enforced: false, detail: "old kernel".into() }],
        }),
        integrity: Some(Integrity {
            source: "bundle".into(),
            checked: 40,
            changed: vec![ChangedFile {
                path: "exercises/stage1/tests/<linalg>.rs".into(),
                change: "modified".into(),
                kind: "public test".into(),
            }],
        }),
    }
}

#[test]
fn committed_schema_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("report.schema.json");
    let generated = json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "report.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p grader-report");
}

#[test]
fn schema_requires_the_documented_fields() {
    let v: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    let req: Vec<&str> = v["required"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    for f in ["schema_version", "score", "max_score", "exercises", "seed"] {
        assert!(req.contains(&f), "{f} not required");
    }
    let ex = &v["$defs"]["ExerciseResult"]["required"];
    for f in ["id", "status", "score", "max_score"] {
        assert!(ex.as_array().unwrap().iter().any(|x| x == f), "exercise field {f} not required");
    }
}

#[test]
fn json_round_trips() {
    let r = sample();
    let back: Report = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(v["exercises"][0]["status"], "failed");
    assert_eq!(v["exercises"][0]["cases"][1]["status"], "wrong");
}

#[test]
fn non_finite_numbers_survive_the_round_trip() {
    // A student's NaN, and a relative error against an expected 0, are values JSON numbers
    // cannot hold: they are written as strings, and the report still parses.
    let mut r = sample();
    let case = &mut r.exercises[0].cases[1];
    let mm = case.mismatch.as_mut().expect("the sample's second case has a mismatch");
    mm.max_rel_error = f64::INFINITY;
    mm.samples[0].got = f64::NAN;
    r.exercises[0].cases[0].metrics[0].student = f64::NEG_INFINITY;
    let json = render_json(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["exercises"][0]["cases"][1]["mismatch"]["max_rel_error"], "inf");
    assert_eq!(v["exercises"][0]["cases"][1]["mismatch"]["samples"][0]["got"], "NaN");
    assert_eq!(v["exercises"][0]["cases"][0]["metrics"][0]["student"], "-inf");
    let back: Report = serde_json::from_str(&json).expect("a report with NaN and inf parses");
    assert_eq!(render_json(&back), json);
    assert!(back.exercises[0].cases[1].mismatch.as_ref().unwrap().samples[0].got.is_nan());
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    let names = &schema["$defs"]["NonFinite"]["enum"];
    assert_eq!(names, &serde_json::json!(["NaN", "inf", "-inf"]), "{}", schema["$defs"]);
}

#[test]
fn an_exercise_not_written_from_scratch_shows_where() {
    let mut r = sample();
    r.exercises[0].status = ExerciseStatus::Forbidden;
    r.exercises[0].violations = vec![Violation {
        file: "exercises/stage3/src/optim.rs".into(),
        line: 12,
        column: 5,
        rule: "from-scratch".into(),
        message: "`candle_nn` is not allowed in this file: <optim> is written from scratch".into(),
    }];
    let json = render_json(&r);
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
    let junit = render_junit(&r).unwrap();
    assert!(junit.contains("stage1.linalg.dot::from-scratch") && junit.contains("optim.rs:12:5"), "{junit}");
    let html = render_html(&r).unwrap();
    assert!(html.contains("written from scratch") && html.contains("optim.rs:12:5"), "html");
    assert!(html.contains("&lt;optim&gt;") && !html.contains("<optim>"), "escaped");
    // No violations: the field is left out of the JSON (reports from before it still parse).
    let v: serde_json::Value = serde_json::from_str(&render_json(&sample())).unwrap();
    assert!(v["exercises"][0].get("violations").is_none(), "{}", v["exercises"][0]);
}

#[test]
fn junit_counts_failures_and_escapes() {
    let x = render_junit(&sample()).unwrap();
    assert!(x.contains(r#"<testsuite name="stage1.linalg.dot" tests="3""#), "{x}");
    assert!(x.contains(r#"failures="2""#), "{x}");
    assert!(x.contains("&lt;vectors&gt;"), "{x}");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let h = render_html(&sample()).unwrap();
    // `SAMPLE_HTML=/tmp/x.html` keeps the page, to look at it in a browser.
    if let Some(p) = std::env::var_os("SAMPLE_HTML") {
        std::fs::write(p, &h).unwrap();
    }
    assert!(h.contains("empty &lt;vectors&gt;"), "labels are escaped");
    assert!(h.contains("<svg"), "speed ratios are drawn");
    assert!(h.contains("7.00x the reference"));
    assert!(!h.contains("<script src") && !h.contains("<link "), "no external resources");
    assert!(h.contains("not fully sandboxed") && h.contains("old kernel"), "missing sandbox layers are shown");
    assert!(
        h.contains("Course files changed") && h.contains("tests/&lt;linalg&gt;.rs"),
        "changed course files are shown"
    );
    assert!(h.contains("held-out accuracy") && h.contains("0.96 (linfa)"), "metrics are shown with the baseline");
    assert!(h.contains("<polyline") && h.contains("ROC &lt;curve&gt;"), "curves are drawn and titles escaped");
    assert!(h.matches("<rect").count() >= 4 + 3, "the confusion matrix is drawn");
}
