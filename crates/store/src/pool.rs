//! A small blocking-connection pool: async callers wait for a permit, then the work runs on
//! tokio's blocking threads with a connection of its own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::error::StoreError;
use crate::stats::StoreStats;

type Connect<C> = Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>;

pub(crate) struct Pool<C: Send + 'static> {
    idle: Mutex<Vec<C>>,
    permits: Arc<Semaphore>,
    connect: Connect<C>,
    healthy: fn(&C) -> bool,
    acquire_timeout: Duration,
    /// Where the time callers wait for a connection is recorded (see [`Pool::run`]).
    stats: Arc<StoreStats>,
}

impl<C: Send + 'static> Pool<C> {
    pub(crate) fn new(
        size: usize,
        acquire_timeout: Duration,
        connect: Connect<C>,
        healthy: fn(&C) -> bool,
        stats: Arc<StoreStats>,
    ) -> Arc<Self> {
        Arc::new(Pool {
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size.max(1))),
            connect,
            healthy,
            acquire_timeout,
            stats,
        })
    }

    /// Put an already-open connection in the pool (e.g. the one used for migrations).
    pub(crate) fn give(&self, conn: C) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
    }

    /// Run `f` with a pooled connection on a blocking thread. The wait recorded runs from the
    /// call to the moment `f` has its connection: the permit, a blocking thread, and opening a
    /// connection when none is idle.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut C) -> T + Send + 'static,
    {
        let asked = Instant::now();
        let permit =
            match tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
            {
                Ok(Ok(p)) => p,
                Ok(Err(_)) => {
                    return Err(StoreError::Unavailable("connection pool closed".into()));
                }
                Err(_) => {
                    // The waits that time out are the ones an operator most needs to see.
                    self.stats.pool_wait.observe(asked.elapsed());
                    return Err(StoreError::Unavailable(format!(
                        "no database connection free after {:?}",
                        self.acquire_timeout
                    )));
                }
            };
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.run_on_connection(f, Some(asked))
        })
        .await
        .map_err(|e| StoreError::backend("database task failed", None, e))?
    }

    fn run_on_connection<T>(
        &self,
        f: impl FnOnce(&mut C) -> T,
        asked: Option<Instant>,
    ) -> Result<T, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) if (self.healthy)(&c) => Ok(c),
            _ => (self.connect)(),
        };
        if let Some(at) = asked {
            self.stats.pool_wait.observe(at.elapsed());
        }
        let mut conn = conn?;
        let out = f(&mut conn);
        if (self.healthy)(&conn) {
            self.give(conn);
        }
        Ok(out)
    }
}

impl<C: Send + 'static> Drop for Pool<C> {
    fn drop(&mut self) {
        // The last handle may go away on an async worker thread; a PostgreSQL client closes
        // itself with a blocking call that must not run there.
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("rapport-pool-close".into())
                .spawn(move || drop(idle));
        }
    }
}
