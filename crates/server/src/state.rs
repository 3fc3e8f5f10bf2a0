//! What every request shares: the store, whether the listener is TLS, the login limiter; and the
//! bridge that runs a database transaction on tokio's blocking pool, off the async workers.

use std::sync::Arc;

use crate::auth::limit::Limiter;
use crate::error::ApiError;
use crate::jobs::Pool;
use crate::store::{Store, Tx, transact};

/// Jobs run at once.
pub const WORKERS: usize = 2;
/// Jobs queued or running at most; more are refused (`503 queue_full`).
pub const QUEUE: usize = 64;

pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Served over TLS: session cookies are `Secure`, responses carry HSTS.
    pub tls: bool,
    /// Failed logins per account and per client address.
    pub logins: Limiter,
    /// Write the access log on stderr.
    pub access_log: bool,
    /// The OpenAPI document served at `/api/openapi.json`.
    pub openapi: String,
    /// The job worker pool.
    pub jobs: Arc<Pool>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, tls: bool) -> AppState {
        AppState {
            store,
            tls,
            logins: Limiter::logins(),
            access_log: true,
            openapi: String::new(),
            jobs: Arc::new(Pool::new(WORKERS, QUEUE)),
        }
    }

    /// Runs `work` in one transaction on the blocking pool.
    pub async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || transact(store.as_ref(), work))
            .await
            .map_err(|e| ApiError::internal(format!("database task: {e}")))?
    }
}

/// Blocking work (password hashing, model loading) on the blocking pool.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::internal(format!("blocking task: {e}")))
}
