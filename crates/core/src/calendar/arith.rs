//! Business-time arithmetic on instants: add minutes, measure between, find the next open instant.
//!
//! All of it walks [`Intervals`] stretch by stretch (never minute by minute) and jumps whole weeks
//! when the weeks ahead are plain, so the cost grows with the number of holidays and offset changes
//! crossed, not with the number of minutes.

use jiff::{SignedDuration, Timestamp};

use super::Calendar;
use super::error::CalendarError;
use super::intervals::{Intervals, Secs};

const NANOS: i128 = 1_000_000_000;
const MINUTE_NANOS: i128 = 60 * NANOS;
const NO_LIMIT: Secs = Secs::MAX / 4;

fn floor_secs(ns: i128) -> Secs {
    ns.div_euclid(NANOS) as Secs
}

impl Calendar {
    fn intervals(&self, t: Secs) -> Option<Intervals<'_>> {
        Intervals::new(&self.week, &self.holidays, &self.tz, t)
    }

    /// The instant `minutes` business minutes after `start`.
    ///
    /// Business time is real elapsed time while the calendar is open, so the answer keeps any
    /// seconds of `start`: 16:30:30 plus 60 minutes inside one range is 17:30:30. A `start` outside
    /// business time is not an error: counting begins at the next open instant. The answer is the
    /// earliest instant that completes the count, so it may be the very end of a range (17:00, not
    /// 09:00 the next morning).
    ///
    /// `minutes` must be positive and at most [`Calendar::max_add_minutes`] (ten years of this
    /// calendar's business time); the error names the bad value. An answer beyond the year 9999
    /// is [`CalendarError::OutOfRange`].
    pub fn add_business_minutes(
        &self,
        start: Timestamp,
        minutes: i64,
    ) -> Result<Timestamp, CalendarError> {
        if minutes <= 0 {
            return Err(CalendarError::MinutesNotPositive { minutes });
        }
        let max = self.max_add_minutes();
        if minutes > max {
            return Err(CalendarError::MinutesTooLarge { minutes, max });
        }
        let start_ns = start.as_nanosecond();
        let after_start = floor_secs(start_ns) + 1;
        let week_ns = i128::from(self.week.seconds()) * NANOS;
        let mut remaining = i128::from(minutes) * MINUTE_NANOS;
        let mut walk = self
            .intervals(floor_secs(start_ns))
            .ok_or(CalendarError::OutOfRange)?;
        loop {
            if remaining > week_ns {
                // Stop a week short of the count so the last stretch is walked and the answer is
                // the earliest instant, not the start of the stretch after.
                let wanted = ((remaining - 1) / week_ns) as i64;
                let jumped = walk.skip_weeks(wanted, after_start, NO_LIMIT);
                remaining -= i128::from(jumped) * week_ns;
            }
            let (s, e) = walk.next().ok_or(CalendarError::OutOfRange)?;
            let s_ns = (i128::from(s) * NANOS).max(start_ns);
            let e_ns = i128::from(e) * NANOS;
            if e_ns <= s_ns {
                continue;
            }
            if remaining <= e_ns - s_ns {
                return Timestamp::from_nanosecond(s_ns + remaining)
                    .map_err(|_| CalendarError::OutOfRange);
            }
            remaining -= e_ns - s_ns;
        }
    }

    /// Whole business minutes from `from` to `to`, rounded toward zero; negative when `to` is
    /// before `from` (exactly the negation of the count the other way), so an overdue SLA clock
    /// reads below zero.
    pub fn business_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        (self.business_nanos_between(from, to) / MINUTE_NANOS) as i64
    }

    /// The exact business time from `from` to `to`, negative when `to` is before `from`.
    pub fn business_time_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let ns = self.business_nanos_between(from, to);
        SignedDuration::new((ns / NANOS) as i64, (ns % NANOS) as i32)
    }

    fn business_nanos_between(&self, from: Timestamp, to: Timestamp) -> i128 {
        if to < from {
            return -self.business_nanos_between(to, from);
        }
        let (from_ns, to_ns) = (from.as_nanosecond(), to.as_nanosecond());
        let week_ns = i128::from(self.week.seconds()) * NANOS;
        let Some(mut walk) = self.intervals(floor_secs(from_ns)) else {
            return 0;
        };
        let mut total = 0;
        loop {
            let jumped = walk.skip_weeks(i64::MAX, floor_secs(from_ns) + 1, floor_secs(to_ns));
            total += i128::from(jumped) * week_ns;
            let Some((s, e)) = walk.next() else {
                return total;
            };
            let s_ns = (i128::from(s) * NANOS).max(from_ns);
            if s_ns >= to_ns {
                return total;
            }
            let e_ns = (i128::from(e) * NANOS).min(to_ns);
            total += (e_ns - s_ns).max(0);
        }
    }

    /// Whether business time is running at `at` (ranges are half-open: open at 09:00, closed at
    /// 17:00).
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.next_open(at) == Some(at)
    }

    /// The first instant at or after `at` when business time runs: `at` itself when open. `None`
    /// only when no business time follows before the year 9999 ends.
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        let at_ns = at.as_nanosecond();
        let walk = self.intervals(floor_secs(at_ns))?;
        for (s, e) in walk {
            if i128::from(e) * NANOS > at_ns {
                return Timestamp::from_nanosecond((i128::from(s) * NANOS).max(at_ns)).ok();
            }
        }
        None
    }
}
