//! Capacity: what a member can carry. Due dates a member can keep ([`suggest_due`],
//! [`check_promise`]) and the load of each week against their capacity ([`weekly_load`]).
//!
//! Both read the member's own calendar (their zone and working hours) and their weekly capacity
//! for client work. A member with 20 hours of capacity and 40 working hours progresses at half
//! speed through their working hours; capacity above the working hours does not make anyone
//! faster, since Rapport plans work inside working hours only.

mod load;
mod suggest;

use crate::member::MAX_CAPACITY_MINUTES;
use crate::request::{MAX_ESTIMATE_MINUTES, Request};

pub use load::{LoggedTime, OpenWork, WeekLoad, committed_by_week, week_of, weekly_load};
pub use suggest::{NewWork, PromiseWarning, QueueItem, Suggestion, check_promise, suggest_due};

/// The safety margin added to the work when suggesting a date: underpromise by design.
pub const DEFAULT_SAFETY_MARGIN_PERCENT: u16 = 20;
/// A margin above this is not a margin but a different estimate.
pub const MAX_SAFETY_MARGIN_PERCENT: u16 = 500;
/// The longest stretch [`weekly_load`] reports at once: five years of weeks.
pub const MAX_WEEKS: u32 = 5 * 53;
/// A time entry is at most a day long (as [`crate::time_entry::NewTimeEntry`] enforces).
pub const MAX_ENTRY_MINUTES: i64 = 24 * 60;

/// Why a capacity question cannot be answered. Each message names the bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error(
        "weekly_capacity_minutes: the member has no capacity for client work (0 minutes a week)"
    )]
    NoCapacity,
    #[error("weekly_capacity_minutes must be between 0 and {MAX_CAPACITY_MINUTES}, got {0}")]
    Capacity(i64),
    #[error(
        "queue[{index}].remaining_minutes must be between 0 and {MAX_ESTIMATE_MINUTES}, got {minutes}"
    )]
    Remaining { index: usize, minutes: i64 },
    #[error("estimate_minutes must be between 0 and {MAX_ESTIMATE_MINUTES}, got {0}")]
    Estimate(i64),
    #[error("safety_margin_percent must be at most {MAX_SAFETY_MARGIN_PERCENT}, got {0}")]
    Margin(u16),
    #[error(
        "the work ahead ({work_minutes} minutes at {capacity_minutes} minutes a week) cannot be done within ten years of the member's working hours"
    )]
    TooFar {
        work_minutes: i64,
        capacity_minutes: i64,
    },
    #[error("entries[{index}].minutes must be between 0 and {MAX_ENTRY_MINUTES}, got {minutes}")]
    Entry { index: usize, minutes: i64 },
    #[error("weeks must be between 1 and {MAX_WEEKS}, got {0}")]
    Weeks(u32),
    #[error("the week of {0} falls outside the supported dates")]
    OutOfRange(jiff::civil::Date),
}

impl CapacityError {
    /// The input field the error is about, for a problem+json `errors` entry.
    pub fn field(&self) -> String {
        match self {
            CapacityError::NoCapacity | CapacityError::Capacity(_) => {
                "weekly_capacity_minutes".into()
            }
            CapacityError::Remaining { index, .. } => format!("queue[{index}].remaining_minutes"),
            CapacityError::Estimate(_) => "estimate_minutes".into(),
            CapacityError::Margin(_) => "safety_margin_percent".into(),
            CapacityError::TooFar { .. } => "queue".into(),
            CapacityError::Entry { index, .. } => format!("entries[{index}].minutes"),
            CapacityError::Weeks(_) => "weeks".into(),
            CapacityError::OutOfRange(_) => "from".into(),
        }
    }
}

/// The work a request still needs: its estimate less the time spent, never below zero. Requests
/// without an estimate count as `default_estimate_minutes`, because unestimated work still takes
/// time.
pub fn remaining_minutes(request: &Request, default_estimate_minutes: i64) -> i64 {
    let estimate = request.estimate_minutes.unwrap_or(default_estimate_minutes);
    estimate.saturating_sub(request.spent_minutes).max(0)
}

fn check_capacity(minutes: i64) -> Result<i64, CapacityError> {
    if !(0..=MAX_CAPACITY_MINUTES).contains(&minutes) {
        return Err(CapacityError::Capacity(minutes));
    }
    Ok(minutes)
}
