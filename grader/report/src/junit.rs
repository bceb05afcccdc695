//! JUnit XML: one test suite per exercise, one test case per hidden case (and one for the speed
//! target), so CI systems show failures where people already look.

use crate::{CaseStatus, Report, SpeedStatus, WriteError};
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render_junit(report: &Report) -> Result<String, WriteError> {
    let mut j = JReport::new(format!("grader {}", report.selection));
    j.set_time(Duration::from_secs_f64(report.duration_s.max(0.0)));
    for ex in &report.exercises {
        let mut suite = TestSuite::new(ex.id.clone());
        if ex.cases.is_empty() {
            let mut tc = TestCase::new(format!("{}::build", ex.id), TestCaseStatus::success());
            if matches!(ex.status, crate::ExerciseStatus::BuildFailed | crate::ExerciseStatus::Forbidden) {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                st.set_message(if ex.status == crate::ExerciseStatus::Forbidden {
                    "refused: forbidden API or build configuration"
                } else {
                    "the submission did not compile"
                });
                tc = TestCase::new(format!("{}::build", ex.id), st);
            }
            suite.add_test_case(tc);
        }
        for c in &ex.cases {
            let name = format!("{}::case{} {}", ex.id, c.index, c.label);
            let status = match c.status {
                CaseStatus::Passed => TestCaseStatus::success(),
                CaseStatus::Skipped => TestCaseStatus::skipped(),
                CaseStatus::Wrong => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(c.message.clone().unwrap_or_default());
                    s.set_type(c.status.as_str());
                    s
                }
                _ => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(c.message.clone().unwrap_or_default());
                    s.set_type(c.status.as_str());
                    s
                }
            };
            let mut tc = TestCase::new(name, status);
            if let Some(ms) = c.time_ms {
                tc.set_time(Duration::from_secs_f64(ms / 1e3));
            }
            tc.set_classname(ex.id.clone());
            suite.add_test_case(tc);
        }
        if !ex.violations.is_empty() {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let where_ = ex.violations.iter().map(|v| format!("{}:{}:{}: {}", v.file, v.line, v.column, v.message));
            st.set_message(where_.collect::<Vec<_>>().join("; "));
            st.set_type("from-scratch");
            let mut tc = TestCase::new(format!("{}::from-scratch", ex.id), st);
            tc.set_classname(ex.id.clone());
            suite.add_test_case(tc);
        }
        if let Some(sp) = &ex.speed {
            let status = match sp.status {
                SpeedStatus::Passed => TestCaseStatus::success(),
                SpeedStatus::NeedsGpu | SpeedStatus::NotMeasured => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(sp.message.clone().unwrap_or_default());
                    s
                }
                SpeedStatus::Failed => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(sp.message.clone().unwrap_or_default());
                    s
                }
            };
            let mut tc = TestCase::new(format!("{}::speed", ex.id), status);
            tc.set_classname(ex.id.clone());
            suite.add_test_case(tc);
        }
        j.add_test_suite(suite);
    }
    j.to_string().map_err(|e| WriteError::Junit(e.to_string()))
}
