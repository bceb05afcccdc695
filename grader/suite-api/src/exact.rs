//! Exact comparison with the reference's output, and where the first difference is.
//!
//! Most outputs of the pure exercises are exact (integers, flags, names of states, lists): they
//! are compared with the reference's exactly, part by part as the glue line names them, numbers
//! within the exercise's tolerance, and a failure says where the first difference is (the part,
//! the entry, the lengths) without quoting a hidden value.

use crate::compare;
use crate::suite::{CheckCtx, Failure};
use grader_protocol::Value;

/// Compares the output with the reference's: part by part where the glue line names the parts
/// ([`CheckCtx::named_parts`]), whole otherwise; integers, flags and texts exactly, numbers
/// within the exercise's tolerance. A failure adds where the first difference is: the part's
/// name, the path to the first entry that differs, or the lengths.
pub fn exact(ctx: &CheckCtx) -> Result<(), Failure> {
    if ctx.outputs.is_empty() {
        return compare::values(ctx.expected, ctx.got, ctx.tol).map_err(|f| {
            f.diagnosed(first_difference(ctx.expected, ctx.got, ctx.tol).map(|(path, what)| {
                if path.is_empty() {
                    what
                } else {
                    format!("{what} at output{path}")
                }
            }))
        });
    }
    ctx.named_parts().map_err(|f| f.diagnosed(first_difference_in_parts(ctx)))
}

/// `` `transitions`: 1 entry where 2 are expected `` or `` `allowed`: a different value at
/// allowed[7] ``.
fn first_difference_in_parts(ctx: &CheckCtx) -> Option<String> {
    let (Value::List(e), Value::List(g)) = (ctx.expected, ctx.got) else { return None };
    if e.len() != ctx.outputs.len() || g.len() != e.len() {
        return None;
    }
    ctx.outputs.iter().zip(e).zip(g).find_map(|((name, e), g)| {
        compare::values(e, g, ctx.tol).is_err().then(|| match first_difference(e, g, ctx.tol) {
            Some((path, what)) if !path.is_empty() => format!("`{name}`: {what} at {name}{path}"),
            Some((_, what)) => format!("`{name}`: {what}"),
            None => format!("`{name}` differs"),
        })
    })
}

/// A value's kind with its article: "a tuple", "an error".
fn a(v: &Value) -> String {
    let kind = match v {
        Value::List(_) => "tuple",
        v => v.kind(),
    };
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {kind}")
}

/// The path to the first difference between two outputs of the same kind, and what differs
/// there (a length, a kind, or a value), quoting no expected value.
pub fn first_difference(e: &Value, g: &Value, tol: compare::Tolerance) -> Option<(String, String)> {
    let len = |n: usize, m: usize| {
        let entries = |k: usize| if k == 1 { "1 entry".to_string() } else { format!("{k} entries") };
        (String::new(), format!("{} where {} {} expected", entries(m), n, if n == 1 { "is" } else { "are" }))
    };
    match (e, g) {
        (Value::List(e), Value::List(g)) => {
            for (i, (x, y)) in e.iter().zip(g).enumerate() {
                if compare::values(x, y, tol).is_err() {
                    let (path, what) = first_difference(x, y, tol)?;
                    return Some((format!("[{i}]{path}"), what));
                }
            }
            (e.len() != g.len()).then(|| len(e.len(), g.len()))
        }
        (Value::Ints(e), Value::Ints(g)) => match e.iter().zip(g).position(|(x, y)| x != y) {
            Some(i) => Some((format!("[{i}]"), "a different value".into())),
            None => (e.len() != g.len()).then(|| len(e.len(), g.len())),
        },
        (Value::Floats(e), Value::Floats(g)) => match e.iter().zip(g).position(|(x, y)| !tol.accepts(*x, *y)) {
            Some(i) => Some((format!("[{i}]"), "a value outside the tolerance".into())),
            None => (e.len() != g.len()).then(|| len(e.len(), g.len())),
        },
        _ if std::mem::discriminant(e) != std::mem::discriminant(g) => {
            Some((String::new(), format!("{} where {} is expected", a(g), a(e))))
        }
        _ => compare::values(e, g, tol).is_err().then(|| (String::new(), "a different value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Tolerance;

    #[test]
    fn the_first_difference_is_named_by_part_and_path_without_the_expected_value() {
        let transition = |at: i64, to: &str| Value::List(vec![Value::Int(at), Value::Text(to.into())]);
        let expected = Value::List(vec![
            Value::List(vec![Value::Bool(true), Value::Bool(false)]),
            Value::List(vec![transition(35, "Open"), transition(135, "HalfOpen")]),
        ]);
        let got = Value::List(vec![
            Value::List(vec![Value::Bool(true), Value::Bool(false)]),
            Value::List(vec![transition(35, "Open"), transition(136, "HalfOpen")]),
        ]);
        let names = ["allowed".to_string(), "transitions".to_string()];
        let mut ctx = CheckCtx::new(&Value::Unit, &expected, &got, Tolerance::EXACT);
        ctx.outputs = &names;
        let f = exact(&ctx).unwrap_err();
        let d = f.diagnosis.unwrap();
        assert_eq!(d, "`transitions`: a different value at transitions[1][0]");
        assert!(!d.contains("135"), "{d}");

        let short = Value::List(vec![
            Value::List(vec![Value::Bool(true), Value::Bool(false)]),
            Value::List(vec![transition(35, "Open")]),
        ]);
        ctx.got = &short;
        let d = exact(&ctx).unwrap_err().diagnosis.unwrap();
        assert_eq!(d, "`transitions`: 1 entry where 2 are expected");
        ctx.got = &expected;
        assert!(exact(&ctx).is_ok());
    }

    #[test]
    fn a_whole_output_is_compared_whole() {
        let expected = Value::List(vec![Value::Ints(vec![1, 2, 3]), Value::Ints(vec![4])]);
        let got = Value::List(vec![Value::Ints(vec![1, 2, 9]), Value::Ints(vec![4])]);
        let mut ctx = CheckCtx::new(&Value::Unit, &expected, &got, Tolerance::EXACT);
        assert_eq!(exact(&ctx).unwrap_err().diagnosis.unwrap(), "a different value at output[0][2]");
        let refused = Value::Error("NotAnArray".into());
        ctx.got = &refused;
        assert_eq!(exact(&ctx).unwrap_err().diagnosis.unwrap(), "an error where a tuple is expected");
        ctx.got = &expected;
        assert!(exact(&ctx).is_ok());
    }
}
