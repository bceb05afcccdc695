//! Conversions between wire values and the crate's types.

use grader_protocol::Value;
use stage1::Matrix;

pub fn matrix(v: &Value) -> Matrix {
    let (r, c, d) = v.matrix_parts();
    Matrix::from_vec(r, c, d.to_vec())
}

pub fn value(m: Matrix) -> Value {
    let (r, c) = m.shape();
    Value::matrix(r, c, m.into_vec())
}

/// A `Result<Matrix, E>` as a value: the matrix, or the error variant's name.
pub fn matrix_result<E: std::fmt::Debug>(r: Result<Matrix, E>) -> Value {
    match r {
        Ok(m) => value(m),
        Err(e) => Value::Error(grader_protocol::error_variant(&format!("{e:?}"))),
    }
}
