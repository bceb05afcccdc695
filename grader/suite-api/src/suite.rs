//! Hidden suites: how each exercise's cases are generated from a seed and how outputs are judged.
//!
//! A suite never holds expected values: those come from running the reference solution on the
//! same inputs. A suite says which inputs to try (edge cases are cases of their own, with a label
//! that says what they are), how to compare, and which input to time for the speed target.

pub use crate::compare::Failure;
use crate::compare::{self, Tolerance};
use grader_protocol::Value;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One hidden input, with a label a student can read ("singular 3x3", "empty vector").
#[derive(Clone, Debug)]
pub struct Case {
    pub label: String,
    pub input: Value,
    /// What the check needs but the probe must never see (a project's held-out labels): kept in
    /// the grader and handed to the check as [`CheckCtx::secret`]. `Unit` when there is none.
    pub secret: Value,
    /// A service exercise's client script: `input` starts the service (its glue line's
    /// arguments), then the grader's client runs this against it.
    pub scenario: Option<crate::service::Scenario>,
}

impl Case {
    pub fn new(label: impl Into<String>, input: impl Into<Value>) -> Case {
        Case { label: label.into(), input: input.into(), secret: Value::Unit, scenario: None }
    }

    /// A service started with `input` and driven by `scenario`.
    pub fn service(label: impl Into<String>, input: impl Into<Value>, scenario: crate::service::Scenario) -> Case {
        Case { scenario: Some(scenario), ..Case::new(label, input) }
    }

    /// The same case, with data for the check only (never sent to the probe).
    pub fn with_secret(mut self, secret: impl Into<Value>) -> Case {
        self.secret = secret.into();
        self
    }
}

/// Puts `what` in front of a failure's message and diagnosis.
pub fn context(what: &str, r: Result<(), Failure>) -> Result<(), Failure> {
    r.map_err(|f| f.within(what))
}

/// What a custom check sees.
pub struct CheckCtx<'a> {
    pub input: &'a Value,
    /// The reference's output on the same input.
    pub expected: &'a Value,
    pub got: &'a Value,
    pub tol: Tolerance,
    /// The library baseline's output on the same input, when the suite names one.
    pub baseline: Option<&'a Value>,
    /// The case's [`Case::secret`] (`Unit` when it has none, and in speed rounds).
    pub secret: &'a Value,
    /// Numbers and pictures the check wants in the report, passed or not.
    pub notes: std::cell::RefCell<Notes>,
    /// The names of the output's parts, as the exercise's glue line declares them
    /// (`=> (loss, grad)`); empty when it declares none.
    pub outputs: &'a [String],
    /// A service exercise's observations (`None` for a function).
    pub service: Option<crate::service::Served<'a>>,
}

/// What a check adds to its case's report.
#[derive(Default, Debug, Clone)]
pub struct Notes {
    pub metrics: Vec<grader_report::Metric>,
    pub figures: Vec<grader_report::Figure>,
}

impl CheckCtx<'_> {
    pub fn new<'a>(input: &'a Value, expected: &'a Value, got: &'a Value, tol: Tolerance) -> CheckCtx<'a> {
        CheckCtx {
            input,
            expected,
            got,
            tol,
            baseline: None,
            secret: &Value::Unit,
            notes: Default::default(),
            outputs: &[],
            service: None,
        }
    }

    /// Compares the output part by part, each named as the glue line declares it: a failure
    /// says which part (`grad[3]: expected ...`).
    ///
    /// # Panics
    /// When the glue line declares no names: a bug of the suite's, found by `cargo test`.
    pub fn named_parts(&self) -> Result<(), Failure> {
        assert!(
            !self.outputs.is_empty(),
            "suite: the check compares named output parts, but the exercise's glue line declares none \
             (end it with `=> (name, ...)`)"
        );
        let names: Vec<&str> = self.outputs.iter().map(String::as_str).collect();
        compare::named_parts(&names, self.expected, self.got, self.tol)
    }

    /// Both services' observations.
    ///
    /// # Panics
    /// For a function exercise: a bug of the suite's.
    pub fn served(&self) -> crate::service::Served<'_> {
        self.service.expect("suite: a service check on a function exercise")
    }

    /// Shows a number of the student's next to the reference's (and the baseline's).
    pub fn metric(&self, name: &str, student: f64, reference: Option<f64>, baseline: Option<(&str, f64)>) {
        self.notes.borrow_mut().metrics.push(grader_report::Metric {
            name: name.to_string(),
            student,
            reference,
            baseline: baseline.map(|b| b.1),
            baseline_name: baseline.map(|b| b.0.to_string()),
        });
    }

    /// Adds a picture to the case.
    pub fn figure(&self, figure: grader_report::Figure) {
        self.notes.borrow_mut().figures.push(figure);
    }

    /// The reference against the trusted library's answer to the same input (the suite's
    /// baseline, when it names one and the reference did not refuse the case), within
    /// `library`; then the student's distance to the library as a metric, beside the
    /// reference's (skipped where the baseline is `Unit`: the library cannot answer that input);
    /// then the output part by part ([`CheckCtx::named_parts`], or structurally when
    /// the glue line names no parts). A disagreement between reference and library fails the
    /// case as the grader's own bug, so the reference runs in `cargo test` prove the agreement.
    pub fn with_library(&self, library: Tolerance) -> Result<(), Failure> {
        let names: Vec<&str> = self.outputs.iter().map(String::as_str).collect();
        let parts = |e: &Value, g: &Value, tol| {
            if names.is_empty() {
                compare::values(e, g, tol)
            } else {
                compare::named_parts(&names, e, g, tol)
            }
        };
        // `Unit`: the library cannot answer this input (the glue says so).
        if let Some(lib) = self.baseline.filter(|b| !matches!(b, Value::Unit)) {
            if !refused(self.expected) {
                parts(self.expected, lib, library).map_err(|f| {
                    Failure::plain(format!(
                        "the grader's reference disagrees with the library on this case (a bug in the grader, not in \
                         your code: please report it): {}",
                        f.message
                    ))
                })?;
                self.metric(
                    "max |yours − library's|",
                    max_abs_diff(self.got, lib),
                    Some(max_abs_diff(self.expected, lib)),
                    None,
                );
            }
        }
        parts(self.expected, self.got, self.tol)
    }
}

impl CheckCtx<'_> {
    /// [`CheckCtx::with_library`] for exercises where the library answers every input the
    /// reference accepts: a baseline of `Unit` on such an input fails the case as the grader's
    /// own bug, so that a baseline that stopped answering cannot pass unnoticed.
    pub fn with_library_always(&self, library: Tolerance) -> Result<(), Failure> {
        if matches!(self.baseline, Some(Value::Unit)) && !refused(self.expected) {
            return Err(Failure::plain(
                "the library baseline did not answer a case the reference answered (a bug in the grader, not in your \
                 code: please report it)",
            ));
        }
        self.with_library(library)
    }
}

/// Whether an output is, or holds, a refusal (`Err`).
fn refused(v: &Value) -> bool {
    match v {
        Value::Error(_) => true,
        Value::List(parts) => parts.iter().any(refused),
        _ => false,
    }
}

/// The largest elementwise `|a − b|` between two outputs of the same structure: infinite where
/// a NaN differs or the structures do not match.
pub fn max_abs_diff(a: &Value, b: &Value) -> f64 {
    let flat = |v: &Value| -> Option<Vec<f64>> {
        match v {
            Value::Float(_) | Value::Floats(_) | Value::Matrix { .. } | Value::Tensor { .. } => {
                Some(v.tensor_parts().1.to_vec())
            }
            _ => None,
        }
    };
    match (a, b) {
        (Value::List(x), Value::List(y)) if x.len() == y.len() => {
            x.iter().zip(y).map(|(x, y)| max_abs_diff(x, y)).fold(0.0, f64::max)
        }
        _ => match (flat(a), flat(b)) {
            (Some(x), Some(y)) if x.len() == y.len() => x
                .iter()
                .zip(&y)
                .map(|(u, v)| if u == v { 0.0 } else { (u - v).abs() })
                .map(|d| if d.is_nan() { f64::INFINITY } else { d })
                .fold(0.0, f64::max),
            _ if a == b => 0.0,
            _ => f64::INFINITY,
        },
    }
}

/// How outputs are judged.
#[derive(Clone, Copy)]
pub enum Check {
    /// Structural comparison with the reference's output: shapes, then allclose with the
    /// exercise's tolerance; errors by variant name.
    AllClose,
    /// The same, part by part, each part named as the exercise's glue line declares it
    /// (`=> (value, grad)`), so that a failure names the part: see [`CheckCtx::named_parts`].
    NamedParts,
    /// An exercise-specific judgement (eigenvector signs, statistical tests on samples...).
    Custom(fn(&CheckCtx) -> Result<(), Failure>),
}

impl Check {
    pub fn judge(&self, ctx: &CheckCtx) -> Result<(), Failure> {
        match self {
            Check::AllClose => compare::values(ctx.expected, ctx.got, ctx.tol),
            Check::NamedParts => ctx.named_parts(),
            Check::Custom(f) => f(ctx),
        }
    }
}

/// The hidden suite of one exercise.
#[derive(Clone, Copy)]
pub struct ExerciseSuite {
    /// Must match an exercise id in the course manifest.
    pub id: &'static str,
    /// The cases, generated from the run's seed.
    pub cases: fn(&mut Gen) -> Vec<Case>,
    pub check: Check,
    /// The input timed for the speed target, fresh for every round.
    pub speed_input: Option<fn(&mut Gen) -> Case>,
    /// An id the reference probe answers with a library's implementation (linfa), run on the
    /// same input; its output reaches the check as `CheckCtx::baseline`.
    pub baseline: Option<&'static str>,
}

impl ExerciseSuite {
    /// An exercise compared with the reference by allclose, without a speed target.
    pub fn plain(id: &'static str, cases: fn(&mut Gen) -> Vec<Case>) -> ExerciseSuite {
        ExerciseSuite { id, cases, check: Check::AllClose, speed_input: None, baseline: None }
    }

    /// An exercise whose output's parts are compared by name, without a speed target.
    pub fn named(id: &'static str, cases: fn(&mut Gen) -> Vec<Case>) -> ExerciseSuite {
        ExerciseSuite { id, cases, check: Check::NamedParts, speed_input: None, baseline: None }
    }

    /// Adds a speed target timed on inputs from `input`.
    pub fn timed(mut self, input: fn(&mut Gen) -> Case) -> ExerciseSuite {
        self.speed_input = Some(input);
        self
    }

    /// Adds a library baseline answered by the reference probe under `id`.
    pub fn with_baseline(mut self, id: &'static str) -> ExerciseSuite {
        self.baseline = Some(id);
        self
    }

    /// An exercise judged by its own check, without a speed target.
    pub fn custom(
        id: &'static str,
        cases: fn(&mut Gen) -> Vec<Case>,
        check: fn(&CheckCtx) -> Result<(), Failure>,
    ) -> ExerciseSuite {
        ExerciseSuite { id, cases, check: Check::Custom(check), speed_input: None, baseline: None }
    }
}

/// Seeded generator of case inputs. Each exercise gets its own stream, derived from the run's
/// seed and the exercise id, so selecting fewer exercises does not change anyone's cases.
pub struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    pub fn new(seed: u64, exercise_id: &str) -> Gen {
        // FNV-1a of the id, mixed with the seed: stable across platforms and versions.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in exercise_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Gen { rng: ChaCha8Rng::seed_from_u64(seed ^ h) }
    }

    /// The underlying RNG, for anything the helpers below do not cover.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// Uniform in `[lo, hi)`.
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.random_range(lo..hi)
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    /// Uniform size in `[lo, hi]`.
    pub fn size(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    /// `n` values uniform in `[lo, hi)`.
    pub fn floats(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.float(lo, hi)).collect()
    }

    /// `n` standard normal values.
    pub fn normals(&mut self, n: usize) -> Vec<f64> {
        use rand_distr::{Distribution, StandardNormal};
        (0..n).map(|_| StandardNormal.sample(&mut self.rng)).collect()
    }

    /// A `rows x cols` matrix with entries uniform in `[-1, 1)`.
    pub fn matrix(&mut self, rows: usize, cols: usize) -> Value {
        Value::matrix(rows, cols, self.floats(rows * cols, -1.0, 1.0))
    }

    /// `cols` orthonormal vectors of length `rows` (`cols <= rows`): modified Gram-Schmidt on
    /// Gaussian vectors, run twice so they are orthonormal to working precision. Matrices with
    /// chosen eigen- or singular values are built from these.
    pub fn orthonormal(&mut self, rows: usize, cols: usize) -> Vec<Vec<f64>> {
        let mut basis: Vec<Vec<f64>> = Vec::with_capacity(cols);
        while basis.len() < cols {
            let mut v = self.normals(rows);
            for _ in 0..2 {
                for b in &basis {
                    let proj: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                    v.iter_mut().zip(b).for_each(|(x, y)| *x -= proj * y);
                }
            }
            let len = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if len > 1e-3 {
                basis.push(v.iter().map(|x| x / len).collect());
            }
        }
        basis
    }

    /// A fresh seed for code under test that takes one (sampling exercises).
    pub fn seed(&mut self) -> u64 {
        self.rng.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parts_name_the_part_the_glue_declares() {
        let expected = Value::List(vec![1.0.into(), Value::Floats(vec![1.0, 2.0])]);
        let got = Value::List(vec![1.0.into(), Value::Floats(vec![1.0, 2.5])]);
        let names = ["loss".to_string(), "grad".to_string()];
        let mut ctx = CheckCtx::new(&Value::Unit, &expected, &got, Tolerance::new(1e-9, 1e-9));
        ctx.outputs = &names;
        let f = Check::NamedParts.judge(&ctx).unwrap_err();
        assert!(f.message.contains("at output.grad"), "{}", f.message);
        ctx.got = &expected;
        assert!(Check::NamedParts.judge(&ctx).is_ok());
    }

    #[test]
    #[should_panic(expected = "declares none")]
    fn named_parts_without_declared_names_is_the_suites_bug() {
        let v = Value::List(vec![1.0.into()]);
        let _ = Check::NamedParts.judge(&CheckCtx::new(&Value::Unit, &v, &v, Tolerance::new(0.0, 0.0)));
    }
}
