//! Glue for `stage7::batching`: the accelerator the service scores on, played by the course: the
//! model's weights stay here (the student's code sees scores only); a call holds the device for a
//! fixed 2 ms whatever its size, one call at a time, as a GPU's launch and transfer would.

use crate::Stage7;
use stage7::accel::{AccelError, Accelerator, MAX_BATCH};
use std::sync::Arc;
use std::time::Duration;

/// What one call of the accelerator costs, whatever its size.
const CALL: Duration = Duration::from_millis(2);

fn accelerator(weights: Vec<f64>, bias: f64) -> Accelerator {
    let device = Arc::new(tokio::sync::Mutex::new(()));
    let weights = Arc::new(weights);
    Accelerator::new(move |rows: Vec<Vec<f64>>| {
        let (device, weights) = (Arc::clone(&device), Arc::clone(&weights));
        Box::pin(async move {
            if rows.is_empty() || rows.len() > MAX_BATCH {
                return Err(AccelError::BatchSize);
            }
            if rows.iter().any(|r| r.len() != weights.len()) {
                return Err(AccelError::Shape);
            }
            let _busy = device.lock().await;
            tokio::time::sleep(CALL).await;
            Ok(rows
                .iter()
                .map(|x| {
                    let z: f64 = weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + bias;
                    1.0 / (1.0 + (-z).exp())
                })
                .collect())
        })
    })
}

probe_runtime::glue! { Stage7;
    "stage7.batching.serve" => |weights: Vec<f64>, bias: f64, version: String| {
        let dim = weights.len();
        stage7::batching::router(accelerator(weights, bias), dim, version)
    };
}
