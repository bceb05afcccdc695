//! The accelerator a service scores on (given: the course's, not yours to change).
//!
//! Like a GPU: a call costs about the same whatever the batch's size (here a fixed 2 ms, as a
//! kernel launch and a transfer would), it runs one call at a time, and it takes at most
//! [`MAX_BATCH`] rows. Scoring one request per call wastes it; scoring the requests that are
//! waiting together is the point of `batching`.
//!
//! For your own tests, make one from a closure:
//!
//! ```
//! use stage7::accel::Accelerator;
//! let accel = Accelerator::new(|rows: Vec<Vec<f64>>| {
//!     Box::pin(async move { Ok(rows.iter().map(|r| r.iter().sum::<f64>()).collect()) })
//! });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The most rows one call takes.
pub const MAX_BATCH: usize = 64;

/// Why a call scored nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccelError {
    /// More than [`MAX_BATCH`] rows, or none.
    BatchSize,
    /// A row of the wrong length: the whole call fails.
    Shape,
}

type Run =
    Arc<dyn Fn(Vec<Vec<f64>>) -> Pin<Box<dyn Future<Output = Result<Vec<f64>, AccelError>> + Send>> + Send + Sync>;

/// A handle on the accelerator. Cheap to clone (one shared device).
#[derive(Clone)]
pub struct Accelerator {
    run: Run,
}

impl Accelerator {
    /// An accelerator that scores through `run` (the grader's glue makes the real one).
    pub fn new(
        run: impl Fn(Vec<Vec<f64>>) -> Pin<Box<dyn Future<Output = Result<Vec<f64>, AccelError>> + Send>>
            + Send
            + Sync
            + 'static,
    ) -> Accelerator {
        Accelerator { run: Arc::new(run) }
    }

    /// The model's score of every row, in order: one call, however many rows (1 to
    /// [`MAX_BATCH`], all of the model's length).
    pub async fn scores(&self, rows: Vec<Vec<f64>>) -> Result<Vec<f64>, AccelError> {
        (self.run)(rows).await
    }
}
