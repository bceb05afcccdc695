//! The one place that decides whether numbers match: shapes first, then allclose
//! (`|got - expected| <= atol + rtol * |expected|`, elementwise), with NaN and infinities handled
//! on purpose: an expected NaN needs a NaN, an expected infinity the same infinity, and a NaN or
//! infinity where a finite number was expected is always wrong.

use grader_protocol::Value;
use grader_report::{Mismatch, Sample};

/// Why an output was judged wrong.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Failure {
    /// Everything the check has to say; it may quote expected values.
    pub message: String,
    pub mismatch: Option<Mismatch>,
    /// What went wrong in words that quote no hidden value (a count, a shape, a rule, a
    /// diagnosis such as "a transpose" or "statistics from the test batch"). An exercise whose
    /// feedback is `errors` shows it with the error sizes, in place of `message`.
    pub diagnosis: Option<String>,
}

impl Failure {
    /// A failure whose message may quote expected values.
    pub fn msg(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), ..Failure::default() }
    }

    /// A failure whose message quotes nothing hidden (counts, shapes, rules, the student's own
    /// output): shown whole at the `errors` feedback level too.
    pub fn plain(message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure { diagnosis: Some(message.clone()), message, mismatch: None }
    }

    /// Says where, before the message and the diagnosis alike (`"after step 3: ..."`).
    pub fn within(self, what: &str) -> Failure {
        Failure {
            message: format!("{what}: {}", self.message),
            diagnosis: self.diagnosis.map(|d| format!("{what}: {d}")),
            ..self
        }
    }

    /// Adds a diagnosis (text that quotes nothing hidden) to the message, in parentheses, and
    /// keeps it for the `errors` level.
    pub fn diagnosed(self, diagnosis: Option<String>) -> Failure {
        match diagnosis {
            None => self,
            Some(d) => Failure {
                message: format!("{} ({d})", self.message),
                diagnosis: Some(match self.diagnosis {
                    Some(old) => format!("{old}; {d}"),
                    None => d,
                }),
                ..self
            },
        }
    }
}

/// Absolute and relative tolerance of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

impl Tolerance {
    pub const EXACT: Tolerance = Tolerance { atol: 0.0, rtol: 0.0 };

    pub fn new(atol: f64, rtol: f64) -> Tolerance {
        Tolerance { atol, rtol }
    }

    /// Whether one element is within tolerance.
    pub fn accepts(&self, expected: f64, got: f64) -> bool {
        if expected.is_nan() {
            return got.is_nan();
        }
        if expected.is_infinite() {
            return got == expected;
        }
        got.is_finite() && (got - expected).abs() <= self.atol + self.rtol * expected.abs()
    }
}

/// How many worst elements a mismatch reports.
const SAMPLES: usize = 5;

/// Compares two values structurally: kinds, shapes, then elements.
pub fn values(expected: &Value, got: &Value, tol: Tolerance) -> Result<(), Failure> {
    compare_at("", expected, got, tol)
}

/// Compares one named part of an output, so that a failure reads "... at output.<name>: worst
/// at (2, 5) expected ..., got ...", naming the gradient, parameter or field that is off.
pub fn named(name: &str, expected: &Value, got: &Value, tol: Tolerance) -> Result<(), Failure> {
    compare_at(&format!(".{name}"), expected, got, tol)
}

/// Compares a tuple part by part under the parts' names ([`named`]); anything else (a tuple of
/// another length, an error) structurally, as [`values`] does.
pub fn named_parts(names: &[&str], expected: &Value, got: &Value, tol: Tolerance) -> Result<(), Failure> {
    match (expected, got) {
        (Value::List(e), Value::List(g)) if e.len() == names.len() && g.len() == names.len() => {
            names.iter().zip(e).zip(g).try_for_each(|((name, e), g)| named(name, e, g, tol))
        }
        _ => values(expected, got, tol),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Matrix { rows, cols, .. } => format!("a {rows}x{cols} matrix"),
        Value::Tensor { shape, .. } => format!("a tensor of shape {}", fmt_shape(shape)),
        Value::Floats(x) => format!("a vector of length {}", x.len()),
        Value::Ints(x) => format!("an integer vector of length {}", x.len()),
        Value::List(x) => format!("a tuple of {}", x.len()),
        Value::Error(e) => format!("error `{e}`"),
        Value::Float(x) => format!("the number {x}"),
        Value::Int(x) => format!("the integer {x}"),
        Value::Bool(b) => format!("`{b}`"),
        Value::Text(s) => format!("the text {s:?}"),
        Value::Unit => "nothing".to_string(),
        Value::Bytes(b) => format!("{} bytes", b.len()),
    }
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at output{path}")
    }
}

fn compare_at(path: &str, expected: &Value, got: &Value, tol: Tolerance) -> Result<(), Failure> {
    let kind_mismatch =
        || Err(Failure::msg(format!("expected {}, got {}{}", describe(expected), describe(got), at(path))));
    match (expected, got) {
        (Value::Float(e), Value::Float(g)) => floats(path, &[], &[*e], &[*g], tol),
        (Value::Floats(e), Value::Floats(g)) => {
            if e.len() != g.len() {
                return kind_mismatch();
            }
            floats(path, &[e.len()], e, g, tol)
        }
        (Value::Matrix { rows: er, cols: ec, data: e }, Value::Matrix { rows: gr, cols: gc, data: g }) => {
            if (er, ec) != (gr, gc) {
                return Err(Failure::plain(format!("shape: expected a {er}x{ec} matrix, got {gr}x{gc}{}", at(path))));
            }
            floats(path, &[*er, *ec], e, g, tol)
        }
        (Value::Tensor { shape: es, data: e }, Value::Tensor { shape: gs, data: g }) => {
            if es != gs {
                return Err(Failure::plain(format!(
                    "shape: expected {}, got {}{}",
                    fmt_shape(es),
                    fmt_shape(gs),
                    at(path)
                )));
            }
            floats(path, es, e, g, tol)
        }
        (Value::List(e), Value::List(g)) if e.len() == g.len() => {
            for (i, (e, g)) in e.iter().zip(g).enumerate() {
                compare_at(&format!("{path}.{i}"), e, g, tol)?;
            }
            Ok(())
        }
        (Value::Ints(e), Value::Ints(g)) if e.len() == g.len() => match e.iter().zip(g).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(i) => Err(Failure::msg(format!("element {i}{}: expected {}, got {}", at(path), e[i], g[i]))),
        },
        (Value::Error(e), Value::Error(g)) if e == g => Ok(()),
        (Value::Int(e), Value::Int(g)) if e == g => Ok(()),
        (Value::Bool(e), Value::Bool(g)) if e == g => Ok(()),
        (Value::Bytes(e), Value::Bytes(g)) if e == g => Ok(()),
        (Value::Text(e), Value::Text(g)) if e == g => Ok(()),
        (Value::Unit, Value::Unit) => Ok(()),
        _ => kind_mismatch(),
    }
}

/// Allclose over flat data with a logical `shape` (empty for a scalar), reporting the worst
/// elements by how far they exceed the tolerance.
pub fn floats(path: &str, shape: &[usize], expected: &[f64], got: &[f64], tol: Tolerance) -> Result<(), Failure> {
    debug_assert_eq!(expected.len(), got.len());
    let mut bad: Vec<(f64, usize)> = Vec::new();
    let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
    for (i, (&e, &g)) in expected.iter().zip(got).enumerate() {
        let abs = if e == g || (e.is_nan() && g.is_nan()) { 0.0 } else { (g - e).abs() };
        let abs = if abs.is_nan() { f64::INFINITY } else { abs };
        let rel = if abs == 0.0 { 0.0 } else { abs / e.abs() };
        max_abs = max_abs.max(abs);
        max_rel = max_rel.max(rel);
        if !tol.accepts(e, g) {
            let excess = abs - (tol.atol + tol.rtol * e.abs());
            bad.push((if excess.is_nan() { f64::INFINITY } else { excess }, i));
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    bad.sort_by(|a, b| b.0.total_cmp(&a.0));
    let index = |flat: usize| -> Vec<usize> {
        // Row-major: the last dimension varies fastest.
        let mut rest = flat;
        let mut ix = vec![0; shape.len()];
        for (d, &n) in shape.iter().enumerate().rev() {
            if n > 0 {
                ix[d] = rest % n;
                rest /= n;
            }
        }
        ix
    };
    let samples: Vec<Sample> = bad
        .iter()
        .take(SAMPLES)
        .map(|&(_, i)| Sample { index: index(i), expected: expected[i], got: got[i] })
        .collect();
    let worst = &samples[0];
    let where_ = if worst.index.is_empty() { String::new() } else { format!(" at {}", fmt_index(&worst.index)) };
    let message = format!(
        "{} of {} value{} outside atol={:e}, rtol={:e}{}: worst{} expected {}, got {} (max abs error {:.3e}, max rel error {:.3e})",
        bad.len(),
        expected.len(),
        if expected.len() == 1 { "" } else { "s" },
        tol.atol,
        tol.rtol,
        at(path),
        where_,
        fmt_num(worst.expected),
        fmt_num(worst.got),
        max_abs,
        max_rel
    );
    Err(Failure {
        message,
        diagnosis: None,
        mismatch: Some(Mismatch {
            path: path.to_string(),
            max_abs_error: max_abs,
            max_rel_error: max_rel,
            worst_index: worst.index.clone(),
            bad_count: bad.len(),
            total_count: expected.len(),
            samples,
        }),
    })
}

/// A tensor's shape as `(2, 3, 8, 8)`.
pub fn fmt_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("({})", dims.join(", "))
}

/// A number as a person reads it: plain when moderate, in scientific notation when huge or tiny.
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `[1, 3]` as `(1, 3)`, `[4]` as `[4]`.
pub fn fmt_index(ix: &[usize]) -> String {
    match ix {
        [i] => format!("[{i}]"),
        _ => format!("({})", ix.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: Tolerance = Tolerance { atol: 1e-8, rtol: 1e-6 };

    #[test]
    fn accepts_within_and_rejects_outside() {
        assert!(TOL.accepts(1.0, 1.0 + 5e-7));
        assert!(!TOL.accepts(1.0, 1.0 + 5e-6));
        assert!(TOL.accepts(0.0, 5e-9));
        assert!(!TOL.accepts(0.0, 5e-8));
    }

    #[test]
    fn nan_and_infinity_are_handled_on_purpose() {
        assert!(TOL.accepts(f64::NAN, f64::NAN));
        assert!(!TOL.accepts(f64::NAN, 0.0));
        assert!(!TOL.accepts(0.0, f64::NAN));
        assert!(TOL.accepts(f64::INFINITY, f64::INFINITY));
        assert!(!TOL.accepts(f64::INFINITY, f64::NEG_INFINITY));
        assert!(!TOL.accepts(f64::INFINITY, 1e300));
        assert!(!TOL.accepts(1e300, f64::INFINITY));
    }

    #[test]
    fn shapes_are_checked_before_values() {
        let e = Value::matrix(2, 3, vec![0.0; 6]);
        let g = Value::matrix(3, 2, vec![0.0; 6]);
        let f = values(&e, &g, TOL).unwrap_err();
        assert_eq!(f.message, "shape: expected a 2x3 matrix, got 3x2");
        assert!(f.mismatch.is_none());
    }

    #[test]
    fn mismatch_reports_worst_index_and_errors() {
        let e = Value::matrix(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let g = Value::matrix(2, 2, vec![1.0, 2.5, 3.0, 4.1]);
        let f = values(&e, &g, TOL).unwrap_err();
        let m = f.mismatch.unwrap();
        assert_eq!(m.worst_index, vec![0, 1]);
        assert_eq!(m.bad_count, 2);
        assert!((m.max_abs_error - 0.5).abs() < 1e-12);
        assert!((m.max_rel_error - 0.25).abs() < 1e-12);
        assert_eq!(m.samples[0].got, 2.5);
        assert!(f.message.contains("2 of 4 values"), "{}", f.message);
        assert!(f.message.contains("(0, 1)"), "{}", f.message);
    }

    #[test]
    fn errors_compare_by_variant_and_against_values() {
        let s = Value::Error("Singular".into());
        assert!(values(&s, &s.clone(), TOL).is_ok());
        let f = values(&s, &Value::matrix(1, 1, vec![1.0]), TOL).unwrap_err();
        assert_eq!(f.message, "expected error `Singular`, got a 1x1 matrix");
    }

    #[test]
    fn tuples_name_the_failing_part() {
        let e = Value::List(vec![Value::Float(1.0), Value::Float(2.0)]);
        let g = Value::List(vec![Value::Float(1.0), Value::Float(3.0)]);
        let f = values(&e, &g, TOL).unwrap_err();
        assert!(f.message.contains("at output.1"), "{}", f.message);
    }
}
