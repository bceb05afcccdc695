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
    /// Metric rows: name, yours, reference, baseline (with its name).
    metrics: Vec<[String; 4]>,
    /// Pictures, drawn as SVG.
    figures: Vec<String>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const PALETTE: [&str; 6] = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f"];

/// A figure as inline SVG: curves on shared axes, or a heat map of a matrix.
pub fn figure_svg(f: &crate::Figure) -> String {
    let (w, h, l, r, t, b) = (420.0, 300.0, 50.0, 130.0, 28.0, 40.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        esc(&f.title)
    );
    s += &format!(r#"<text x="{l}" y="16" font-size="12" font-weight="600">{}</text>"#, esc(&f.title));
    if f.kind == "heatmap" {
        let n = f.matrix.len().max(1);
        let m = f.matrix.iter().map(Vec::len).max().unwrap_or(1).max(1);
        // Shade from the smallest value to the largest (counts start at 0; values may be negative).
        let finite = || f.matrix.iter().flatten().copied().filter(|v| v.is_finite());
        let min = finite().fold(0.0f64, f64::min);
        let max = finite().fold(f64::NEG_INFINITY, f64::max).max(min + 1e-12);
        let cw = ((w - l - 20.0) / m as f64).min((h - t - b) / n as f64).min(40.0);
        for (i, row) in f.matrix.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let a = if v.is_finite() { ((v - min) / (max - min)).clamp(0.0, 1.0) } else { 0.0 };
                let (x, y) = (l + j as f64 * cw, t + i as f64 * cw);
                s += &format!(
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{cw:.1}" height="{cw:.1}" fill="#1565c0" fill-opacity="{:.3}" stroke="#fff"/>"##,
                    0.08 + 0.92 * a
                );
                if cw >= 18.0 {
                    let colour = if a > 0.55 { "#fff" } else { "#222" };
                    s += &format!(
                        r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{colour}">{}</text>"#,
                        x + cw / 2.0,
                        y + cw / 2.0 + 3.5,
                        fmt_short(*v)
                    );
                }
            }
            if let Some(label) = f.labels.get(i) {
                s += &format!(
                    r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"#,
                    l - 4.0,
                    t + i as f64 * cw + cw / 2.0 + 3.5,
                    esc(label)
                );
            }
        }
        for (j, label) in f.labels.iter().enumerate().take(m) {
            s += &format!(
                r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                l + j as f64 * cw + cw / 2.0,
                t + n as f64 * cw + 12.0,
                esc(label)
            );
        }
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
            l + m as f64 * cw / 2.0,
            t + n as f64 * cw + 26.0,
            esc(&f.x_label)
        );
        s += &format!(
            r#"<text x="12" y="{:.1}" font-size="10" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"#,
            t + n as f64 * cw / 2.0,
            t + n as f64 * cw / 2.0,
            esc(&f.y_label)
        );
        return s + "</svg>";
    }
    let pts = f.series.iter().flat_map(|c| c.points.iter()).filter(|p| p[0].is_finite() && p[1].is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for p in pts {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    if !x0.is_finite() {
        return s + "</svg>";
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    if y1 - y0 < 1e-12 {
        y1 = y0 + 1.0;
    }
    let px = |x: f64| l + (x - x0) / (x1 - x0) * (w - l - r);
    let py = |y: f64| h - b - (y - y0) / (y1 - y0) * (h - t - b);
    s += &format!(
        r##"<rect x="{l}" y="{t}" width="{:.1}" height="{:.1}" fill="none" stroke="#bbb"/>"##,
        w - l - r,
        h - t - b
    );
    for (v, anchor) in [(x0, "start"), (x1, "end")] {
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="{anchor}">{}</text>"#,
            px(v),
            h - b + 12.0,
            fmt_short(v)
        );
    }
    for v in [y0, y1] {
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"#,
            l - 4.0,
            py(v) + 3.5,
            fmt_short(v)
        );
    }
    s += &format!(
        r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
        l + (w - l - r) / 2.0,
        h - 8.0,
        esc(&f.x_label)
    );
    s += &format!(
        r#"<text x="12" y="{:.1}" font-size="10" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"#,
        t + (h - t - b) / 2.0,
        t + (h - t - b) / 2.0,
        esc(&f.y_label)
    );
    for (k, c) in f.series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let path: Vec<String> = c
            .points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .map(|p| format!("{:.1},{:.1}", px(p[0]), py(p[1])))
            .collect();
        let dash = if k == 1 { r#" stroke-dasharray="5 3""# } else { "" };
        s +=
            &format!(r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#, path.join(" "));
        // A series of one or two points (a marked epoch, a chosen value) would be invisible as a line.
        if path.len() <= 2 {
            for p in &path {
                let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                s += &format!(r#"<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>"#);
            }
        }
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="11" fill="{colour}">{}</text>"#,
            w - r + 8.0,
            t + 14.0 + 16.0 * k as f64,
            esc(&c.name)
        );
    }
    s + "</svg>"
}

fn fmt_short(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e4 || v.abs() < 1e-2 {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
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
                        metrics: c
                            .metrics
                            .iter()
                            .map(|m| {
                                let base = match (&m.baseline, &m.baseline_name) {
                                    (Some(v), Some(n)) => format!("{} ({n})", num(*v)),
                                    (Some(v), None) => num(*v),
                                    _ => String::new(),
                                };
                                [m.name.clone(), num(m.student), m.reference.map(num).unwrap_or_default(), base]
                            })
                            .collect(),
                        figures: c.figures.iter().map(figure_svg).collect(),
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
