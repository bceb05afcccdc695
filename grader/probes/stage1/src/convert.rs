//! Conversions between wire values and the crate's types.

use grader_protocol::Value;
use probe_runtime::glue::{Arg, Ret};
use stage1::Matrix;

/// This glue crate's marker for [`Arg`] and [`Ret`].
pub struct Stage1;

impl Arg<'_, Stage1> for Matrix {
    fn arg(v: &Value) -> Matrix {
        let (r, c, d) = v.matrix_parts();
        Matrix::from_vec(r, c, d.to_vec())
    }
}

impl Ret<Stage1> for Matrix {
    fn ret(self) -> Value {
        let (r, c) = self.shape();
        Value::matrix(r, c, self.into_vec())
    }
}
