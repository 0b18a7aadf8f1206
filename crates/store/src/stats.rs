//! What the store measures about itself for the operator's `/metrics`: how long callers wait
//! for a connection (or for SQLite's one writer), how deep the writer's queue is, and how long
//! its group commits take. Kept with atomics per [`crate::Store`] (no global recorder), so
//! several stores in one process, as in tests, keep their own figures.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Bucket bounds in seconds: from a fast fsync to the 30 s after which a pool gives up.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// A latency histogram with the [`BUCKETS`] bounds, recorded without a lock.
#[derive(Default)]
pub struct Histogram {
    /// Observations per bucket (not cumulative; [`Histogram::snapshot`] sums them).
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum of observations, in nanoseconds.
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let buckets = BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(bound, n)| {
                cumulative += n.load(Ordering::Relaxed);
                (*bound, cumulative)
            })
            .collect();
        // Read after the buckets: an observation landing in between then shows in `count`
        // (the +Inf bucket) at worst, never as a bucket above the count.
        let count = self.count.load(Ordering::Relaxed).max(cumulative);
        HistogramSnapshot {
            buckets,
            count,
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
        }
    }
}

/// A histogram as Prometheus shows it: cumulative counts per upper bound.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// (upper bound in seconds, observations at or below it), bounds ascending.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum_seconds: f64,
}

/// The store's own figures, shared by the engine's threads.
#[derive(Default)]
pub(crate) struct StoreStats {
    /// Waits for a reader connection (SQLite) or any connection (PostgreSQL).
    pub(crate) pool_wait: Histogram,
    /// SQLite: from a write being queued to the writer starting it.
    pub(crate) writer_wait: Histogram,
    /// SQLite: writes (and maintenance jobs) sent to the writer and not yet taken.
    pub(crate) writer_queue: AtomicI64,
    /// SQLite: one batch transaction, from BEGIN to the end of its COMMIT.
    pub(crate) commit: Histogram,
}

/// A connection pool's waits, named for the `pool` label.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolWaits {
    /// `sqlite_readers`, `sqlite_writer` or `postgres`.
    pub pool: &'static str,
    pub wait: HistogramSnapshot,
}

/// SQLite's writer: its queue and its commits.
#[derive(Debug, Clone, PartialEq)]
pub struct WriterStats {
    pub queue_depth: i64,
    pub commit: HistogramSnapshot,
}

/// What [`crate::Store::stats`] reports.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSnapshot {
    pub pools: Vec<PoolWaits>,
    /// `None` on PostgreSQL (no single writer there).
    pub writer: Option<WriterStats>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_the_count_covers_the_slowest() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(20));
        h.observe(Duration::from_secs(60));
        let s = h.snapshot();
        assert_eq!(s.count, 3);
        assert_eq!(s.buckets[0], (0.0005, 1));
        let at = |bound: f64| s.buckets.iter().find(|(b, _)| *b == bound).unwrap().1;
        assert_eq!((at(0.01), at(0.025), at(30.0)), (1, 2, 2));
        assert!((s.sum_seconds - 60.0203).abs() < 1e-9, "{}", s.sum_seconds);
    }
}
