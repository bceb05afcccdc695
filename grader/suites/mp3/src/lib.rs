//! Hidden suites for mini-project 3: the pipeline run four times in one workspace.
//!
//! Each case holds out a fifth of the breast-cancer rows (the glue scores the production model
//! on them; the pipeline never sees them), gives the pipeline the rest as a CSV file, then the
//! same file again, then the file with two to four features multiplied by a factor in
//! [1.5, 2] (the held-out rows shifted alike), then that file with one corruption. Each part is
//! judged on its run, by rules, against what the glue read from the registry after the run:
//!
//! - `clean` (run 1): every step ran, nothing flagged, version 1 in production, its held-out
//!   accuracy at least the reference's minus 0.03 (and at least 0.85);
//! - `cached` (run 2): every step cached, nothing registered, the production file unchanged;
//! - `shifted` (run 3): exactly the shifted features flagged, `train` and `register` ran,
//!   version 2 registered and in production, its held-out accuracy (on shifted rows) as in run 1;
//! - `corrupt` (run 4): a `Schema` error, the production pointer and file unchanged.
//!
//! The clean part's report carries the four runs as a timeline (rows: runs; columns: steps;
//! 1 ran, 0 cached, -1 not reached).

#![allow(clippy::result_large_err)]

use grader_protocol::Value;
use grader_report::Figure;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("mp3.pipeline.clean", cases, check_clean),
        ExerciseSuite::custom("mp3.pipeline.cached", cases, check_cached),
        ExerciseSuite::custom("mp3.pipeline.shifted", cases, check_shifted),
        ExerciseSuite::custom("mp3.pipeline.corrupt", cases, check_corrupt),
    ]
}

const STEPS: [&str; 6] = ["validate", "split", "drift", "train", "evaluate", "register"];
const RUNS: [&str; 4] =
    ["run 1 (clean data)", "run 2 (the same file again)", "run 3 (features shifted)", "run 4 (corrupt data)"];

/// The ways run 4's file is broken, each a case's label.
const CORRUPTIONS: [&str; 6] = [
    "a value that is not a number",
    "a column missing from the header and every row",
    "a label that is neither 0 nor 1",
    "a row with a field too few",
    "an infinite value",
    "the header's columns in another order",
];

fn csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut s = header.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

fn matrix(rows: &[Vec<f64>]) -> Value {
    Value::Matrix { rows: rows.len(), cols: 30, data: rows.iter().flat_map(|r| r[..30].to_vec()).collect() }
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let (header, all) = data::numeric_csv("breast_cancer");
    let text: Vec<Vec<String>> = data::text("breast_cancer")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let first = g.size(0, CORRUPTIONS.len() - 1);
    (0..3)
        .map(|k| {
            let mut order: Vec<usize> = (0..all.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, g.size(0, i));
            }
            let (hidden, seen) = order.split_at(all.len() / 5);
            let mut shifted: Vec<usize> = Vec::new();
            let n_shift = g.size(2, 4);
            while shifted.len() < n_shift {
                let j = g.size(0, 29);
                if !shifted.contains(&j) {
                    shifted.push(j);
                }
            }
            shifted.sort_unstable();
            let factor = (g.float(1.5, 2.0) * 100.0).round() / 100.0;
            let shift = |r: &[f64]| -> Vec<f64> {
                r.iter().enumerate().map(|(j, &x)| if shifted.contains(&j) { x * factor } else { x }).collect()
            };
            let clean_rows: Vec<Vec<String>> = seen.iter().map(|&i| text[i].clone()).collect();
            let shifted_rows: Vec<Vec<String>> = seen
                .iter()
                .map(|&i| {
                    text[i]
                        .iter()
                        .enumerate()
                        .map(|(j, x)| if shifted.contains(&j) { format!("{}", all[i][j] * factor) } else { x.clone() })
                        .collect()
                })
                .collect();
            let kind = (first + k) % CORRUPTIONS.len();
            let mut bad_header = header.clone();
            let mut bad = shifted_rows.clone();
            let row = g.size(0, bad.len() - 1);
            let col = g.size(0, 29);
            match kind {
                0 => bad[row][col] = "n/a".into(),
                1 => {
                    bad_header.remove(col);
                    for r in &mut bad {
                        r.remove(col);
                    }
                }
                2 => bad[row][30] = "2".into(),
                3 => {
                    bad[row].remove(col);
                }
                4 => bad[row][col] = "inf".into(),
                _ => {
                    bad_header.swap(col, (col + 1) % 30);
                    for r in &mut bad {
                        r.swap(col, (col + 1) % 30);
                    }
                }
            }
            let hidden_clean: Vec<Vec<f64>> = hidden.iter().map(|&i| all[i].clone()).collect();
            let hidden_shifted: Vec<Vec<f64>> = hidden.iter().map(|&i| shift(&all[i])).collect();
            let labels: Vec<i64> = hidden.iter().map(|&i| all[i][30] as i64).collect();
            let label = format!(
                "{} training rows, {} held out; {} features shifted ×{factor}; corrupt run: {}",
                seen.len(),
                hidden.len(),
                shifted.len(),
                CORRUPTIONS[kind]
            );
            Case::new(
                label,
                Value::List(vec![
                    Value::Text(csv(&header, &clean_rows)),
                    Value::Text(csv(&header, &shifted_rows)),
                    Value::Text(csv(&bad_header, &bad)),
                    matrix(&hidden_clean),
                    matrix(&hidden_shifted),
                    Value::Ints(labels),
                    Value::Ints(shifted.iter().map(|&j| j as i64).collect()),
                ]),
            )
        })
        .collect()
}

/// One run as the glue answers it.
struct Run<'a> {
    report: &'a Value,
    production: Option<i64>,
    sha: Option<&'a str>,
    accuracy: Option<f64>,
}

fn run(v: &Value, k: usize) -> Run<'_> {
    let r = v.at(k);
    Run {
        report: r.at(0),
        production: match r.at(1) {
            Value::Int(p) => Some(*p),
            _ => None,
        },
        sha: match r.at(2) {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        },
        accuracy: match r.at(3) {
            Value::Float(a) => Some(*a),
            _ => None,
        },
    }
}

fn fail(k: usize, why: impl std::fmt::Display) -> Failure {
    Failure::plain(format!("{}: {why}", RUNS[k]))
}

/// A report's steps (name, status), flagged features, registered and production versions.
type Parts = (Vec<(String, String)>, Vec<String>, Option<i64>, Option<i64>);

/// The report's parts, or why there is none.
fn report(k: usize, r: &Run) -> Result<Parts, Failure> {
    let Value::List(parts) = r.report else {
        return Err(fail(k, format!("the pipeline returned an error ({}) on data that is fine", variant(r.report))));
    };
    let steps = parts[0].list().iter().map(|s| (s.at(0).text().to_string(), s.at(1).text().to_string())).collect();
    let flagged = parts[1].list().iter().map(|f| f.text().to_string()).collect();
    let int = |v: &Value| if let Value::Int(i) = v { Some(*i) } else { None };
    Ok((steps, flagged, int(&parts[2]), int(&parts[3])))
}

fn variant(v: &Value) -> String {
    match v {
        Value::Error(e) => e.clone(),
        _ => "a report".into(),
    }
}

fn steps_are(k: usize, steps: &[(String, String)], want: impl Fn(&str) -> &'static str) -> Result<(), Failure> {
    let names: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
    if names != STEPS {
        return Err(fail(k, format!("the report lists the steps {names:?}; {STEPS:?} expected, in that order")));
    }
    for (name, status) in steps {
        let w = want(name);
        if status != w {
            return Err(fail(k, format!("step `{name}` {status}, `{w}` expected")));
        }
    }
    Ok(())
}

/// The held-out accuracy rule: at least the reference's minus 0.03, and at least 0.85.
fn accurate(ctx: &CheckCtx, k: usize, version: i64) -> Result<(), Failure> {
    let (got, want) = (run(ctx.got, k), run(ctx.expected, k));
    let Some(acc) = got.accuracy else {
        return Err(fail(
            k,
            format!(
                "registry/v{version}/model.safetensors does not load as two F32 tensors, `weight` [30] and `bias` [1]"
            ),
        ));
    };
    let reference = want.accuracy.unwrap_or(0.0);
    ctx.metric(&format!("held-out accuracy, {}", RUNS[k]), acc, Some(reference), None);
    let bar = (reference - 0.03).max(0.85);
    if acc < bar {
        return Err(fail(k, format!("the production model's held-out accuracy is {acc:.3}; at least {bar:.3} needed")));
    }
    Ok(())
}

fn in_production(k: usize, r: &Run, report_says: Option<i64>, version: i64) -> Result<(), Failure> {
    if r.production != Some(version) {
        let p = r.production.map_or("no version".to_string(), |p| format!("version {p}"));
        return Err(fail(k, format!("registry/production names {p}; version {version} expected")));
    }
    if report_says != Some(version) {
        return Err(fail(k, "the report's production version is not the one registry/production names"));
    }
    Ok(())
}

fn timeline(ctx: &CheckCtx) {
    let matrix = (0..4)
        .map(|k| match run(ctx.got, k).report {
            Value::List(parts) => {
                parts[0].list().iter().map(|s| if s.at(1).text() == "ran" { 1.0 } else { 0.0 }).collect()
            }
            _ => vec![-1.0; 6],
        })
        .collect();
    ctx.figure(Figure {
        title: "The four runs (1 ran, 0 cached, -1 failed before any step finished)".into(),
        kind: "heatmap".into(),
        x_label: STEPS.join(", ").to_string(),
        y_label: "run".into(),
        series: Vec::new(),
        matrix,
        labels: vec!["1 clean".into(), "2 same file".into(), "3 shifted".into(), "4 corrupt".into()],
    });
}

fn check_clean(ctx: &CheckCtx) -> Result<(), Failure> {
    timeline(ctx);
    let r = run(ctx.got, 0);
    let (steps, flagged, _, production) = report(0, &r)?;
    steps_are(0, &steps, |_| "ran")?;
    if !flagged.is_empty() {
        return Err(fail(
            0,
            format!("{} features flagged on the first run: nothing can drift from itself", flagged.len()),
        ));
    }
    in_production(0, &r, production, 1)?;
    accurate(ctx, 0, 1)
}

fn check_cached(ctx: &CheckCtx) -> Result<(), Failure> {
    let (first, r) = (run(ctx.got, 0), run(ctx.got, 1));
    let (steps, flagged, registered, production) = report(1, &r)?;
    steps_are(1, &steps, |_| "cached")?;
    if !flagged.is_empty() {
        return Err(fail(1, "features flagged on unchanged data"));
    }
    if let Some(v) = registered {
        return Err(fail(1, format!("version {v} registered from unchanged data")));
    }
    if first.production.is_none() {
        return Err(fail(0, "no version in production after it (registry/production), so nothing to keep"));
    }
    in_production(1, &r, production, first.production.unwrap_or(1))?;
    if r.sha != first.sha {
        return Err(fail(1, "the production model's file changed (its SHA-256 differs from run 1's)"));
    }
    Ok(())
}

fn check_shifted(ctx: &CheckCtx) -> Result<(), Failure> {
    let r = run(ctx.got, 2);
    let (steps, flagged, registered, production) = report(2, &r)?;
    steps_are(2, &steps, |_| "ran")?;
    // The shifted features' names, from the data set's header (no need to parse its rows).
    let header: Vec<&str> = data::text("breast_cancer").lines().next().unwrap_or("").split(',').collect();
    let want: Vec<String> = ctx.input.at(6).ints().iter().map(|&j| header[j as usize].trim().to_string()).collect();
    if flagged != want {
        let hit = flagged.iter().filter(|f| want.contains(f)).count();
        return Err(fail(
            2,
            format!(
                "{hit} of the {} shifted features flagged, and {} others; exactly the shifted ones expected, in the data's column order",
                want.len(),
                flagged.len() - hit
            ),
        ));
    }
    if registered != Some(2) {
        return Err(fail(2, format!("registered {registered:?}; the retrained model should be version 2")));
    }
    in_production(2, &r, production, 2)?;
    accurate(ctx, 2, 2)
}

fn check_corrupt(ctx: &CheckCtx) -> Result<(), Failure> {
    let (before, r) = (run(ctx.got, 2), run(ctx.got, 3));
    match r.report {
        Value::Error(e) if e == "Schema" => {}
        Value::Error(e) => return Err(fail(3, format!("the error is `{e}`; `Schema` expected"))),
        _ => return Err(fail(3, "the pipeline accepted a file that breaks the schema")),
    }
    if before.production.is_none() {
        return Err(fail(2, "no version in production after it, so nothing to keep"));
    }
    if r.production != before.production || r.sha != before.sha {
        return Err(fail(3, "the production model changed although the run failed"));
    }
    Ok(())
}
