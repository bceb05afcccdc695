//! Glue for `stage1::linalg`.

use crate::convert::{matrix, matrix_result, value};
use grader_protocol::{error_variant, Value};
use probe_runtime::Handler;
use stage1::linalg::{self, LinalgError, Lu, Svd};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage1.linalg.dot" => |v: &Value| linalg::dot(v.at(0).floats(), v.at(1).floats()).into(),
        "stage1.linalg.matmul" => |v: &Value| matrix_result(linalg::matmul(&matrix(v.at(0)), &matrix(v.at(1)))),
        "stage1.linalg.norms" => |v: &Value| linalg::norms(v.floats()).into(),
        "stage1.linalg.cosine" => |v: &Value| linalg::cosine_similarity(v.at(0).floats(), v.at(1).floats()).into(),
        "stage1.linalg.transpose" => |v: &Value| value(linalg::transpose(&matrix(v))),
        "stage1.linalg.inverse" => |v: &Value| matrix_result(linalg::inverse(&matrix(v))),
        "stage1.linalg.lu" => |v: &Value| encode(linalg::lu_decompose(&matrix(v)), lu),
        "stage1.linalg.solve" => |v: &Value| linalg::solve(&matrix(v.at(0)), v.at(1).floats()).into(),
        "stage1.linalg.power_iteration" => {
            |v: &Value| linalg::power_iteration(&matrix(v.at(0)), v.at(1).usize(), v.at(2).float()).into()
        }
        "stage1.linalg.symmetric_eigen" => {
            |v: &Value| encode(linalg::symmetric_eigen(&matrix(v)), |(w, m)| (w, value(m)).into())
        }
        "stage1.linalg.svd" => |v: &Value| encode(linalg::svd(&matrix(v)), svd),
        "stage1.linalg.low_rank" => {
            |v: &Value| matrix_result(linalg::low_rank_approx(&matrix(v.at(0)), v.at(1).usize()))
        }
        _ => return None,
    })
}

/// `Ok(t)` through `f`, `Err(e)` as the error variant's name.
fn encode<T>(r: Result<T, LinalgError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(t) => f(t),
        Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
    }
}

/// `Lu { l, u, perm }` as `(matrix, matrix, integer vector)`, fields in declaration order.
fn lu(d: Lu) -> Value {
    let perm = d.perm.iter().map(|&p| p as i64).collect::<Vec<i64>>();
    Value::List(vec![value(d.l), value(d.u), perm.into()])
}

/// `Svd { u, s, vt }` as `(matrix, vector, matrix)`, fields in declaration order.
fn svd(d: Svd) -> Value {
    Value::List(vec![value(d.u), d.s.into(), value(d.vt)])
}
