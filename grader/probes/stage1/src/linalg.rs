//! Glue for `stage1::linalg`.

use crate::convert::Stage1;
use grader_protocol::Value;
use probe_runtime::glue::Ret;
use stage1::linalg::{self, Lu, Svd};
use stage1::Matrix;

probe_runtime::glue! { Stage1;
    "stage1.linalg.dot" => |a: &[f64], b: &[f64]| linalg::dot(a, b);
    "stage1.linalg.matmul" => |a: Matrix, b: Matrix| linalg::matmul(&a, &b);
    "stage1.linalg.norms" => |v: &[f64]| linalg::norms(v);
    "stage1.linalg.cosine" => |a: &[f64], b: &[f64]| linalg::cosine_similarity(a, b);
    "stage1.linalg.transpose" => |a: Matrix| linalg::transpose(&a);
    "stage1.linalg.inverse" => |a: Matrix| linalg::inverse(&a);
    "stage1.linalg.lu" => |a: Matrix| linalg::lu_decompose(&a);
    "stage1.linalg.solve" => |a: Matrix, b: &[f64]| linalg::solve(&a, b);
    "stage1.linalg.power_iteration" => |a: Matrix, iterations: usize, tol: f64| linalg::power_iteration(&a, iterations, tol);
    "stage1.linalg.symmetric_eigen" => |a: Matrix| linalg::symmetric_eigen(&a);
    "stage1.linalg.svd" => |a: Matrix| linalg::svd(&a);
    "stage1.linalg.low_rank" => |a: Matrix, k: usize| linalg::low_rank_approx(&a, k);
}

/// `Lu { l, u, perm }` as `(matrix, matrix, integer vector)`, fields in declaration order.
impl Ret<Stage1> for Lu {
    fn ret(self) -> Value {
        Ret::<Stage1>::ret((self.l, self.u, self.perm))
    }
}

/// `Svd { u, s, vt }` as `(matrix, vector, matrix)`, fields in declaration order.
impl Ret<Stage1> for Svd {
    fn ret(self) -> Value {
        Ret::<Stage1>::ret((self.u, self.s, self.vt))
    }
}
