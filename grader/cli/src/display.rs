//! The terminal: a progress bar while building and running, one libtest-like line per exercise,
//! then the failures explained and a summary line.

use grader_engine::run::{Event, Observer};
use grader_report::{CaseStatus, ExerciseResult, ExerciseStatus, Report, SpeedStatus};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;
use std::time::Duration;

pub struct Terminal {
    quiet: bool,
    bar: ProgressBar,
    failures: Vec<ExerciseResult>,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Terminal { quiet, bar, failures: Vec::new() }
    }

    fn line(&self, s: &str) {
        if !self.quiet {
            self.bar.suspend(|| println!("{s}"));
        }
    }

    /// Failures in detail, then the summary line and where the HTML report is.
    pub fn footer(&mut self, report: &Report, html: &Path) {
        self.bar.finish_and_clear();
        if !self.quiet {
            if !report.build.violations.is_empty() {
                println!("\nrefused before building (nothing of yours ran):");
                for v in &report.build.violations {
                    let at = if v.line > 0 { format!(":{}:{}", v.line, v.column) } else { String::new() };
                    println!("  {}{at}: [{}] {}", safe(&v.file), v.rule, safe(&v.message));
                }
            } else if !report.build.ok {
                println!("\nyour code does not compile:\n");
                for d in report.build.diagnostics.iter().filter(|d| d.level == "error") {
                    println!("{}", safe(d.rendered.trim_end()));
                }
            }
            if !self.failures.is_empty() {
                println!("\nfailures:");
            }
            // The report's version of each failure: the check rewrites hints after the run (the
            // latest hint the student has seen).
            let failures = self.failures.iter().map(|f| report.exercises.iter().find(|e| e.id == f.id).unwrap_or(f));
            for ex in failures {
                println!("\n---- {} ({}) ----", ex.id, ex.title);
                if ex.status == ExerciseStatus::NotStarted {
                    let first = ex.cases.first().and_then(|c| c.message.as_deref()).unwrap_or("still a stub");
                    println!("  not started: {}", safe(first));
                    if let Some(h) = &ex.hint {
                        println!("  hint: {h}  (more: grader hint {})", ex.id);
                    }
                    continue;
                }
                if !ex.violations.is_empty() {
                    println!("  scores 0: written from scratch, and its file uses what it may not:");
                    for v in &ex.violations {
                        println!("    {}:{}:{}: {}", safe(&v.file), v.line, v.column, safe(&v.message));
                    }
                }
                let failing: Vec<_> = ex.cases.iter().filter(|c| c.status != CaseStatus::Passed).collect();
                for c in failing.iter().take(3) {
                    println!("  case {} [{}]: {}", c.index, c.label, c.status.as_str());
                    if let Some(m) = &c.message {
                        for l in safe(m).lines() {
                            println!("    {l}");
                        }
                    }
                    for m in &c.metrics {
                        let reference = m.reference.map(|r| format!(", reference {r:.4}")).unwrap_or_default();
                        let baseline = match (m.baseline, &m.baseline_name) {
                            (Some(b), Some(n)) => format!(", {n} {b:.4}"),
                            (Some(b), None) => format!(", baseline {b:.4}"),
                            _ => String::new(),
                        };
                        println!("    {}: yours {:.4}{reference}{baseline}", m.name, m.student);
                    }
                    if let Some(mm) = c.mismatch.as_ref().filter(|m| m.total_count > 1) {
                        for s in mm.samples.iter().take(3) {
                            println!("    at {:?}: expected {:e}, got {:e}", s.index, s.expected, s.got);
                        }
                    }
                }
                if failing.len() > 3 {
                    println!("  ... and {} more failing case(s): see the HTML report", failing.len() - 3);
                }
                if let Some(sp) = &ex.speed {
                    if sp.status != SpeedStatus::Passed {
                        println!("  speed: {}", safe(sp.message.as_deref().unwrap_or("")));
                    }
                }
                if let Some(h) = &ex.hint {
                    println!("  hint: {h}  (more: grader hint {})", ex.id);
                }
            }
        }
        if let Some(sb) = report.sandbox.as_ref().filter(|s| !s.fully_sandboxed) {
            let missing: Vec<String> =
                sb.layers.iter().filter(|l| !l.enforced).map(|l| format!("{} ({})", l.name, l.detail)).collect();
            println!("\nnote: not fully sandboxed here, so this grade is advisory; missing: {}", missing.join("; "));
        }
        let s = &report.summary;
        let verdict = if s.passed == report.exercises.len() { "ok" } else { "FAILED" };
        println!(
            "\ngrade result: {verdict}. {} passed; {} failed; {} not started; {} build failed; {} forbidden; score {}/{}; seed {} (replay: --seed {}); {:.1}s",
            s.passed, s.failed, s.not_started, s.build_failed, s.forbidden, report.score, report.max_score, report.seed, report.seed, report.duration_s
        );
        if report.gpu_points_pending > 0.0 {
            println!(
                "note: {} more points of GPU speed targets need a GPU: run `grader check --device cuda` on a machine with one",
                report.gpu_points_pending
            );
        }
        println!("report: {}", html.display());
    }
}

impl Observer for Terminal {
    fn event(&mut self, e: &Event) {
        match e {
            Event::Started { selection, seed, exercises, submission } => {
                self.line(&format!(
                    "grading {selection}: {exercises} exercise(s), seed {seed}, submission {submission}"
                ));
            }
            Event::BuildStarted { role, stage } => {
                let who = if *role == "student" { "your code" } else { "the reference" };
                self.bar.set_message(format!("building {who} ({stage})"));
            }
            Event::Compiling { role, unit } => {
                let who = if *role == "student" { "your code" } else { "the reference" };
                self.bar.set_message(format!("building {who}: compiled {unit}"));
            }
            Event::BuildFinished { role, stage, ok, duration_s } => {
                let who = if *role == "student" { "your code" } else { "the reference" };
                let how = if *ok { "ok" } else { "FAILED" };
                self.line(&format!("   built {who} for {stage}: {how} ({duration_s:.1}s)"));
            }
            Event::ExerciseStarted { id, cases } => {
                self.bar.set_style(
                    ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                        .expect("template")
                        .progress_chars("=> "),
                );
                self.bar.set_length(*cases as u64);
                self.bar.set_position(0);
                self.bar.set_message(id.to_string());
            }
            Event::CaseFinished { .. } => self.bar.inc(1),
            Event::SpeedStarted { id, rounds } => {
                self.bar.set_message(format!("{id}: timing against the reference ({rounds} rounds)"));
            }
            Event::ExerciseFinished(r) => {
                let passed = r.cases.iter().filter(|c| c.status == CaseStatus::Passed).count();
                let status = match r.status {
                    ExerciseStatus::Passed => "ok".to_string(),
                    ExerciseStatus::Failed => "FAILED".to_string(),
                    ExerciseStatus::NotStarted => "not started".to_string(),
                    ExerciseStatus::BuildFailed => "build failed".to_string(),
                    ExerciseStatus::Forbidden => "FORBIDDEN".to_string(),
                };
                let speed = match &r.speed {
                    Some(s) => match (s.status, s.median_ratio) {
                        (SpeedStatus::Passed, Some(x)) => format!(", speed {x:.2}x (<= {:.1}x)", s.max_ratio),
                        (SpeedStatus::Failed, Some(x)) => format!(", SLOW {x:.2}x (> {:.1}x)", s.max_ratio),
                        (SpeedStatus::NeedsGpu, _) => ", speed: needs a GPU".to_string(),
                        _ => String::new(),
                    },
                    None => String::new(),
                };
                let cases =
                    if r.cases.is_empty() { String::new() } else { format!(" {passed}/{} cases", r.cases.len()) };
                self.line(&format!(
                    "test {:<42} ... {status:<11} {:>5.2}/{:<3}{cases}{speed}",
                    r.id, r.score, r.max_score
                ));
                if matches!(r.status, ExerciseStatus::Failed | ExerciseStatus::NotStarted) || !r.violations.is_empty() {
                    self.failures.push((*r).clone());
                }
            }
            Event::Finished(_) => self.bar.set_message("writing reports"),
        }
    }
}

/// Student-controlled text as the terminal shows it: no control characters (no escape sequence
/// can clear the screen or forge a line), bounded. The engine already cleans what it reports;
/// this holds for reports read back from elsewhere too (a gradebook, an older grader's JSON).
fn safe(s: &str) -> String {
    grader_report::text::message(s)
}
