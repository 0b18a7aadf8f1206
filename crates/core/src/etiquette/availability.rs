//! When a client can be written to: what the `quiet_hours` and `holiday` lint rules ask of a
//! business calendar. The compiled [`Calendar`] is the implementation; the trait keeps the lint
//! testable on its own.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::calendar::Calendar;

/// A client's business calendar as the lint sees it.
pub trait Availability {
    /// Inside business hours and not on a holiday.
    fn is_open(&self, at: Timestamp) -> bool;
    /// On a day the client does not work (local date in the calendar's zone).
    fn is_holiday(&self, at: Timestamp) -> bool;
    /// The first instant at or after `at` that is open; `None` when the calendar never opens
    /// (no hours at all) within its horizon.
    fn next_open(&self, at: Timestamp) -> Option<Timestamp>;
    /// The client's zone, to show local times in.
    fn time_zone(&self) -> &TimeZone;
}

impl Availability for Calendar {
    fn is_open(&self, at: Timestamp) -> bool {
        Calendar::is_open(self, at)
    }

    fn is_holiday(&self, at: Timestamp) -> bool {
        Calendar::is_holiday(self, self.zone().to_datetime(at).date())
    }

    fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        Calendar::next_open(self, at)
    }

    fn time_zone(&self) -> &TimeZone {
        self.zone()
    }
}
