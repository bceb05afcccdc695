//! Glue for `stage4::stability`: gradients travel as a list of tensors (matrices, vectors,
//! scalars), one per parameter.

use crate::convert::Stage4;
use candle_core::Tensor;
use stage4::stability;

probe_runtime::glue! { Stage4;
    "stage4.stability.clip_grad_value" => |grads: Vec<Tensor>, limit: f64| stability::clip_grad_value(&grads, limit);
    "stage4.stability.clip_grad_norm" => |grads: Vec<Tensor>, max_norm: f64| {
        stability::clip_grad_norm(&grads, max_norm)
    } => (clipped, total_norm);
}
