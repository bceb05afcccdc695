//! Glue for `stage4::arch`: a cost travels as `(parameters, forward_flops, training_bytes)`.

use crate::convert::Stage4;
use stage4::arch;

probe_runtime::glue! { Stage4;
    "stage4.arch.mlp_cost" => |widths: Vec<usize>, batch: usize, bytes_per_value: usize| {
        arch::mlp_cost(&widths, batch, bytes_per_value).map(|c| (c.parameters, c.forward_flops, c.training_bytes))
    } => (parameters, forward_flops, training_bytes);
}
