//! Conversions between wire values and ndarray.

use grader_protocol::Value;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use probe_runtime::glue::{Arg, Ret};

/// This glue crate's marker for [`Arg`] and [`Ret`].
pub struct Stage2;

/// A wire matrix as an `ArrayView2` (rows = samples).
impl<'a> Arg<'a, Stage2> for ArrayView2<'a, f64> {
    fn arg(v: &'a Value) -> Self {
        let (r, c, d) = v.matrix_parts();
        ArrayView2::from_shape((r, c), d).expect("glue: matrix shape")
    }
}

/// A wire vector as an `ArrayView1`.
impl<'a> Arg<'a, Stage2> for ArrayView1<'a, f64> {
    fn arg(v: &'a Value) -> Self {
        ArrayView1::from(v.floats())
    }
}

impl Ret<Stage2> for Array2<f64> {
    fn ret(self) -> Value {
        let (r, c) = self.dim();
        let data =
            if self.is_standard_layout() { self.into_raw_vec_and_offset().0 } else { self.iter().copied().collect() };
        Value::matrix(r, c, data)
    }
}

impl Ret<Stage2> for Array1<f64> {
    fn ret(self) -> Value {
        Value::Floats(self.to_vec())
    }
}
