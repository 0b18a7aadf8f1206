//! Progressive back-off after failed attempts (sign-ins): a few failures cost nothing, then
//! each further failure doubles the wait before the next attempt is heard, up to a cap. Only
//! failures count, so a person who signs in correctly is never slowed by their own successes.

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed before any wait.
    pub free: i64,
    /// The wait after the first failure beyond `free`; each further failure doubles it.
    pub first_wait: SignedDuration,
    /// The longest wait.
    pub max_wait: SignedDuration,
}

impl Backoff {
    /// The wait that follows `failures` failures.
    pub fn delay(&self, failures: i64) -> SignedDuration {
        if failures < self.free {
            return SignedDuration::ZERO;
        }
        let doublings = u32::try_from(failures - self.free)
            .unwrap_or(u32::MAX)
            .min(30);
        let first = self.first_wait.as_millis();
        let ms = first.saturating_mul(1i128 << doublings);
        let cap = self.max_wait.as_millis();
        SignedDuration::from_millis(i64::try_from(ms.min(cap)).unwrap_or(i64::MAX))
    }

    /// How much longer an attempt must wait at `now`, after `failures` failures the last of
    /// which was at `last`; `None` when it may go ahead.
    pub fn wait(&self, failures: i64, last: Timestamp, now: Timestamp) -> Option<SignedDuration> {
        let ready = last.checked_add(self.delay(failures)).ok()?;
        let left = ready.duration_since(now);
        left.is_positive().then_some(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        free: 3,
        first_wait: SignedDuration::from_secs(30),
        max_wait: SignedDuration::from_mins(15),
    };

    #[test]
    fn free_failures_cost_nothing_then_the_wait_doubles_to_the_cap() {
        let secs: Vec<i64> = (0..12).map(|n| B.delay(n).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900, 900]);
        assert_eq!(B.delay(i64::MAX), SignedDuration::from_mins(15));
    }

    #[test]
    fn the_wait_runs_from_the_last_failure() {
        let last: Timestamp = "2030-01-01T10:00:00Z".parse().unwrap();
        let at = |s: i64| last.checked_add(SignedDuration::from_secs(s)).unwrap();
        assert_eq!(B.wait(2, last, at(0)), None);
        assert_eq!(B.wait(3, last, at(10)), Some(SignedDuration::from_secs(20)));
        assert_eq!(B.wait(3, last, at(30)), None);
        assert_eq!(B.wait(4, last, at(59)), Some(SignedDuration::from_secs(1)));
    }
}
