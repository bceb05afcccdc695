//! The feature store a service calls (given: the course's, not yours to change).
//!
//! In production this would be a network client (Redis, a feature-store service); here the grader
//! plays the store, and can make it slow, failing or silent. Your code calls
//! [`FeatureStore::features`] and decides what to do when it is slow or fails: that is the
//! exercise. A call has no timeout of its own and may never answer.
//!
//! For your own tests, make a store from a closure:
//!
//! ```
//! use stage7::store::{FeatureStore, StoreError};
//! let store = FeatureStore::new(|key: Vec<u8>| {
//!     Box::pin(async move {
//!         match key.as_slice() {
//!             b"7" => Ok(b"[1.0, 2.0]".to_vec()),
//!             _ => Err(StoreError::NotFound),
//!         }
//!     })
//! });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Why the store gave no features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// It failed to answer (an error, a lost connection). Worth retrying.
    Unavailable,
    /// It answered: it holds nothing for this user. Not worth retrying.
    NotFound,
}

/// One call to the store: the key's bytes in, the answer's bytes out.
pub type Call = Arc<dyn Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, StoreError>> + Send>> + Send + Sync>;

/// A client of the feature store. Cheap to clone (one shared connection).
#[derive(Clone)]
pub struct FeatureStore {
    call: Call,
}

impl FeatureStore {
    /// A store answering through `call` (the grader's glue makes the real one).
    pub fn new(
        call: impl Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, StoreError>> + Send>> + Send + Sync + 'static,
    ) -> FeatureStore {
        FeatureStore { call: Arc::new(call) }
    }

    /// The features of `user`, in one call: no timeout, no retry. Answers that are not a JSON
    /// array of numbers count as `Unavailable`.
    pub async fn features(&self, user: u64) -> Result<Vec<f64>, StoreError> {
        let bytes = (self.call)(user.to_string().into_bytes()).await?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::Unavailable)
    }
}
