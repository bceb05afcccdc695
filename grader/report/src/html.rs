//! The self-contained HTML report: one file, no network, inline CSS and SVG, rendered with tera.
//!
//! The template sees a view model built here (numbers already formatted, pictures already drawn
//! as SVG) so that it stays a layout and never does arithmetic.

use crate::{CaseStatus, ExerciseStatus, Report, SpeedStatus, WriteError};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/report.html");

#[derive(Serialize)]
struct View<'a> {
    r: &'a Report,
    score: String,
    percent: String,
    duration: String,
    exercises: Vec<ExView<'a>>,
    diagnostics: Vec<&'a crate::Diagnostic>,
}

#[derive(Serialize)]
struct ExView<'a> {
    e: &'a crate::ExerciseResult,
    status: &'static str,
    class: &'static str,
    score: String,
    passed_cases: usize,
    cases: Vec<CaseView<'a>>,
    speed: Option<SpeedView>,
    tolerance: String,
    open: bool,
}

#[derive(Serialize)]
struct CaseView<'a> {
    c: &'a crate::CaseResult,
    status: &'static str,
    class: &'static str,
    time: String,
    reference: String,
    samples: Vec<[String; 3]>,
}

#[derive(Serialize)]
struct SpeedView {
    status: &'static str,
    class: &'static str,
    summary: String,
    svg: String,
}

fn ms(x: Option<f64>) -> String {
    x.map(|v| if v < 1.0 { format!("{:.0} µs", v * 1e3) } else { format!("{v:.1} ms") }).unwrap_or_default()
}

fn num(x: f64) -> String {
    if x.is_finite() && x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Per-round ratio bars with the target drawn as a line.
fn speed_svg(ratios: &[f64], max_ratio: f64) -> String {
    if ratios.is_empty() {
        return String::new();
    }
    let (w, h, pad) = (320.0, 90.0, 18.0);
    let top = ratios.iter().copied().fold(max_ratio, f64::max) * 1.15;
    let bw = (w - 2.0 * pad) / ratios.len() as f64;
    let y = |v: f64| h - pad - (v / top) * (h - 2.0 * pad);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="time ratio per round">"#
    );
    for (i, r) in ratios.iter().enumerate() {
        let x = pad + i as f64 * bw + 2.0;
        let colour = if *r <= max_ratio { "#2e7d32" } else { "#c62828" };
        s += &format!(
            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>round {}: {r:.2}x</title></rect>"#,
            y(*r),
            bw - 4.0,
            (h - pad - y(*r)).max(0.5),
            i + 1
        );
    }
    let ty = y(max_ratio);
    s += &format!(
        r##"<line x1="{pad}" x2="{:.1}" y1="{ty:.1}" y2="{ty:.1}" stroke="#555" stroke-dasharray="4 3"/>"##,
        w - pad
    );
    s += &format!(
        r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#555">target {max_ratio:.1}x</text>"##,
        w - pad,
        ty - 3.0
    );
    s += &format!(r##"<line x1="{pad}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#999"/>"##, w - pad, h - pad, h - pad);
    s += &format!(
        r##"<text x="{pad}" y="{:.1}" font-size="10" fill="#555">rounds (student time / reference time)</text>"##,
        h - 4.0
    );
    s + "</svg>"
}

fn case_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Passed => "ok",
        CaseStatus::NotImplemented | CaseStatus::Skipped => "todo",
        _ => "bad",
    }
}

pub fn render_html(report: &Report) -> Result<String, WriteError> {
    let exercises = report
        .exercises
        .iter()
        .map(|e| {
            let (status, class) = match e.status {
                ExerciseStatus::Passed => ("passed", "ok"),
                ExerciseStatus::Failed => ("failed", "bad"),
                ExerciseStatus::NotStarted => ("not started", "todo"),
                ExerciseStatus::BuildFailed => ("build failed", "bad"),
                ExerciseStatus::Forbidden => ("forbidden", "bad"),
            };
            let speed = e.speed.as_ref().map(|s| {
                let (status, class) = match s.status {
                    SpeedStatus::Passed => ("passed", "ok"),
                    SpeedStatus::Failed => ("failed", "bad"),
                    SpeedStatus::NeedsGpu => ("needs a GPU", "todo"),
                    SpeedStatus::NotMeasured => ("not measured", "todo"),
                };
                let summary = match s.median_ratio {
                    Some(r) => format!(
                        "{r:.2}x the reference (median of {} rounds on {}; you {}, reference {}); target at most {:.2}x",
                        s.ratios.len(),
                        s.label,
                        ms(s.student_median_ms),
                        ms(s.reference_median_ms),
                        s.max_ratio
                    ),
                    None => s.message.clone().unwrap_or_default(),
                };
                SpeedView { status, class, summary, svg: speed_svg(&s.ratios, s.max_ratio) }
            });
            ExView {
                e,
                status,
                class,
                score: format!("{:.2} / {}", e.score, e.max_score),
                passed_cases: e.cases.iter().filter(|c| c.status == CaseStatus::Passed).count(),
                cases: e
                    .cases
                    .iter()
                    .map(|c| CaseView {
                        c,
                        status: c.status.as_str(),
                        class: case_class(c.status),
                        time: ms(c.time_ms),
                        reference: ms(c.reference_ms),
                        samples: c
                            .mismatch
                            .iter()
                            .flat_map(|m| &m.samples)
                            .map(|s| [format!("{:?}", s.index), num(s.expected), num(s.got)])
                            .collect(),
                    })
                    .collect(),
                speed,
                tolerance: format!("atol {:e}, rtol {:e}", e.atol, e.rtol),
                open: e.status != ExerciseStatus::Passed,
            }
        })
        .collect();
    let view = View {
        r: report,
        score: format!("{} / {}", report.score, report.max_score),
        percent: if report.max_score > 0.0 {
            format!("{:.0}", 100.0 * report.score / report.max_score)
        } else {
            "0".into()
        },
        duration: format!("{:.1} s", report.duration_s),
        exercises,
        diagnostics: report.build.diagnostics.iter().collect(),
    };
    let mut tera = tera::Tera::new();
    tera.add_raw_template("report.html", TEMPLATE).map_err(|e| WriteError::Template(e.to_string()))?;
    let ctx = tera::Context::from_serialize(&view).map_err(|e| WriteError::Template(e.to_string()))?;
    tera.render("report.html", &ctx).map_err(|e| WriteError::Template(e.to_string()))
}
