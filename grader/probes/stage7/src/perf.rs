//! Glue for `stage7::perf`: the model's safetensors bytes (kept by the runtime for the service's
//! life, as a memory-mapped file would be) and, for `gpu`, a batch to score on the timed device.

use crate::Stage7;
use candle_core::{DType, Tensor};
use probe_runtime::tensor::device;
use stage7::perf;

probe_runtime::glue! { Stage7;
    "stage7.perf.memory" => |model: &[u8]| perf::router(model);
    "stage7.perf.digits" => |model: &[u8]| perf::digits_router(model);
    "stage7.perf.gpu" => |model: &[u8], x: Tensor| {
        let dev = device();
        perf::load(model, &dev).and_then(|m| {
            let x = x.to_dtype(DType::F32)?.to_device(&dev)?;
            perf::scores(&m, &x)
        })
    };
}
