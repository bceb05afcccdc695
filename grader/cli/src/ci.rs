//! What CI needs from `grader check`: a Markdown summary (for the job summary page) and an exit
//! code policy the course chooses.

use grader_report::{CaseStatus, ExerciseStatus, Report};
use std::fmt::Write;

/// When `grader check` fails (`--exit-policy`, `GRADER_EXIT_POLICY`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExitPolicy {
    /// Fail unless every selected exercise passed (the default: exit codes 1, 3, 5 as documented).
    AllPassed,
    /// Fail only below this percentage of the points.
    FailUnder(f64),
    /// Never fail because of the grade (a grader error still exits 4).
    Never,
}

impl std::str::FromStr for ExitPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "all-passed" | "" => Ok(ExitPolicy::AllPassed),
            "never" => Ok(ExitPolicy::Never),
            other => match other.strip_prefix("fail-under:").or_else(|| other.strip_prefix("fail-under=")) {
                Some(p) => match p.trim_end_matches('%').parse::<f64>() {
                    Ok(x) if (0.0..=100.0).contains(&x) => Ok(ExitPolicy::FailUnder(x)),
                    _ => Err(format!("`{p}` is not a percentage between 0 and 100")),
                },
                None => Err(format!("unknown exit policy `{other}`: use all-passed, never or fail-under:PERCENT")),
            },
        }
    }
}

impl ExitPolicy {
    /// The exit code for `report`, given the code the grade alone would give.
    pub fn apply(self, report: &Report, code: u8) -> u8 {
        match self {
            ExitPolicy::AllPassed => code,
            ExitPolicy::Never => crate::EXIT_PASSED,
            ExitPolicy::FailUnder(p) => {
                let percent = if report.max_score > 0.0 { 100.0 * report.score / report.max_score } else { 100.0 };
                if percent + 1e-9 >= p {
                    crate::EXIT_PASSED
                } else if code == crate::EXIT_PASSED {
                    crate::EXIT_FAILED
                } else {
                    code
                }
            }
        }
    }
}

fn md(s: &str) -> String {
    grader_report::text::message(s).replace('|', "\\|").replace('\n', " ").replace('<', "&lt;").replace('>', "&gt;")
}

/// A Markdown summary of a run: the score, one row per exercise, the first failures, and any
/// course files the submission changed.
pub fn markdown(report: &Report) -> String {
    let mut s = String::new();
    let percent = if report.max_score > 0.0 { 100.0 * report.score / report.max_score } else { 0.0 };
    let sum = &report.summary;
    let _ = writeln!(
        s,
        "## grader: {} — {} / {} points ({percent:.0}%)\n",
        report.selection, report.score, report.max_score
    );
    let _ = writeln!(
        s,
        "{} passed · {} failed · {} not started · {} build failed · {} forbidden · seed `{}` (replay: `grader check {} --seed {}`)\n",
        sum.passed, sum.failed, sum.not_started, sum.build_failed, sum.forbidden, report.seed, report.selection, report.seed
    );
    if !report.build.violations.is_empty() {
        let _ = writeln!(s, "**Refused before building:**\n");
        for v in &report.build.violations {
            let _ = writeln!(s, "- `{}:{}` [{}] {}", v.file, v.line, v.rule, md(&v.message));
        }
        s.push('\n');
    } else if !report.build.ok {
        let _ = writeln!(s, "**Your code does not compile:**\n");
        for d in report.build.diagnostics.iter().filter(|d| d.level == "error").take(5) {
            let at = d.file.as_deref().map(|f| format!("{f}:{}", d.line.unwrap_or(0))).unwrap_or_default();
            let _ = writeln!(s, "- `{at}` {}", md(&d.message));
        }
        s.push('\n');
    }
    if let Some(i) = report.integrity.as_ref().filter(|i| !i.changed.is_empty()) {
        let _ =
            writeln!(s, "> [!WARNING]\n> {} course file(s) differ from the course's fingerprints:", i.changed.len());
        for c in i.changed.iter().take(20) {
            let _ = writeln!(s, "> - `{}` ({}, {})", c.path, c.kind, c.change);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "| | exercise | status | score | cases |\n|---|---|---|---|---|");
    for e in &report.exercises {
        let mark = match e.status {
            ExerciseStatus::Passed => "✅",
            ExerciseStatus::NotStarted => "⬜",
            _ => "❌",
        };
        let passed = e.cases.iter().filter(|c| c.status == CaseStatus::Passed).count();
        let _ = writeln!(
            s,
            "| {mark} | `{}` {} | {} | {} / {} | {passed}/{} |",
            e.id,
            md(&e.title),
            e.status.as_str().replace('_', " "),
            e.score,
            e.max_score,
            e.cases.len()
        );
    }
    let failing: Vec<_> = report.exercises.iter().filter(|e| e.status == ExerciseStatus::Failed).collect();
    if !failing.is_empty() {
        let _ = writeln!(s, "\n<details><summary>Failures</summary>\n");
        for e in failing.iter().take(30) {
            let _ = writeln!(s, "**`{}`**", e.id);
            for c in e.cases.iter().filter(|c| c.status != CaseStatus::Passed).take(3) {
                let _ = writeln!(
                    s,
                    "- case {} [{}]: {} — {}",
                    c.index,
                    md(&c.label),
                    c.status.as_str(),
                    md(c.message.as_deref().unwrap_or(""))
                );
            }
            if let Some(sp) = e.speed.as_ref().and_then(|sp| sp.message.as_deref()) {
                let _ = writeln!(s, "- speed: {}", md(sp));
            }
            s.push('\n');
        }
        let _ = writeln!(s, "</details>");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_policies_parse() {
        assert_eq!("never".parse::<ExitPolicy>(), Ok(ExitPolicy::Never));
        assert_eq!("all-passed".parse::<ExitPolicy>(), Ok(ExitPolicy::AllPassed));
        assert_eq!("fail-under:60".parse::<ExitPolicy>(), Ok(ExitPolicy::FailUnder(60.0)));
        assert_eq!("fail-under=12.5%".parse::<ExitPolicy>(), Ok(ExitPolicy::FailUnder(12.5)));
        assert!("fail-under:120".parse::<ExitPolicy>().is_err());
        assert!("sometimes".parse::<ExitPolicy>().is_err());
    }
}
