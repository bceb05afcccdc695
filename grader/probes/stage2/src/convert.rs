//! Conversions between wire values and ndarray.

use grader_protocol::Value;
use ndarray::{Array1, Array2};

/// A wire matrix as an `Array2` (rows = samples).
pub fn array2(v: &Value) -> Array2<f64> {
    let (r, c, d) = v.matrix_parts();
    Array2::from_shape_vec((r, c), d.to_vec()).expect("glue: matrix shape")
}

/// A wire vector as an `Array1`.
pub fn array1(v: &Value) -> Array1<f64> {
    Array1::from(v.floats().to_vec())
}

/// Wire integers as class labels.
pub fn labels(v: &Value) -> Vec<usize> {
    v.ints().iter().map(|&i| usize::try_from(i).expect("glue: negative label")).collect()
}

pub fn value2(a: Array2<f64>) -> Value {
    let (r, c) = a.dim();
    let data = if a.is_standard_layout() { a.into_raw_vec_and_offset().0 } else { a.iter().copied().collect() };
    Value::matrix(r, c, data)
}

pub fn value1(a: Array1<f64>) -> Value {
    Value::Floats(a.to_vec())
}

pub fn value_labels(l: &[usize]) -> Value {
    Value::Ints(l.iter().map(|&x| x as i64).collect())
}
