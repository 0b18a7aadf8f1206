//! One SLA clock: business time counted over the stretches in which it runs, against a target.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::business_time as bt;
use crate::calendar::Calendar;
use crate::label_enum;

label_enum!(
    /// Where a clock stands. `breached` is final for a wait: answering late leaves it breached
    /// (with `met_at` set), so an alert raised for a breach is never raised twice.
    ClockStatus {
        /// The policy sets no target for this clock at the request's priority.
        NotApplicable => "not_applicable",
        /// Nothing to answer: no client message is waiting (next response only).
        Idle => "idle",
        Ok => "ok",
        /// The at-risk share of the target has elapsed.
        AtRisk => "at_risk",
        /// The clock ran past its due instant, or was satisfied after it.
        Breached => "breached",
        /// Satisfied at or before its due instant.
        Met => "met",
    }
);

label_enum!(ClockKind {
    FirstResponse => "first_response",
    NextResponse => "next_response",
    Resolution => "resolution",
});

/// The state of one clock at `now`, as the request API returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClockState {
    pub state: ClockStatus,
    /// Business minutes; `null` when the clock does not apply.
    pub target_minutes: Option<i64>,
    /// When the current wait began: creation for first response and resolution, the oldest
    /// unanswered client message for next response.
    pub started_at: Option<Timestamp>,
    /// Business minutes the clock has run in the current wait, rounded down.
    pub elapsed_business_minutes: i64,
    /// When the at-risk share is (or was) reached: known once reached, or while running.
    pub at_risk_at: Option<Timestamp>,
    /// The deadline: fixed once breached; while running, where the target runs out if the clock
    /// keeps running; for a met clock, the deadline it was met against. `null` while paused or
    /// stopped before the target ran out, since the deadline then depends on when it resumes.
    pub due_at: Option<Timestamp>,
    /// When the clock was satisfied (reply sent, work delivered).
    pub met_at: Option<Timestamp>,
    /// Counting now (time outside business hours still adds nothing). An unmet clock that is
    /// neither running nor paused belongs to delivered or closed work: it stands still until the
    /// request is reopened.
    pub running: bool,
    /// Held because the request is waiting on the client.
    pub paused: bool,
    /// Waits that breached so far, this one included (next response has one wait per client
    /// message we had to answer; the others at most one).
    pub breaches: u32,
}

impl ClockState {
    pub(super) fn not_applicable() -> Self {
        ClockState {
            state: ClockStatus::NotApplicable,
            target_minutes: None,
            started_at: None,
            elapsed_business_minutes: 0,
            at_risk_at: None,
            due_at: None,
            met_at: None,
            running: false,
            paused: false,
            breaches: 0,
        }
    }

    pub(super) fn idle(target_minutes: i64, breaches: u32) -> Self {
        ClockState {
            state: ClockStatus::Idle,
            target_minutes: Some(target_minutes),
            breaches,
            ..Self::not_applicable()
        }
    }
}

/// One wait to measure: from `start` until `stop` (when satisfied) or `now`.
pub(super) struct Wait<'a> {
    pub calendar: &'a Calendar,
    /// Sorted, disjoint stretches in which clocks may run.
    pub active: &'a [(Timestamp, Timestamp)],
    /// Whether the clock may run at `now` (the last stretch reaches `now`).
    pub active_now: bool,
    pub start: Timestamp,
    pub stop: Option<Timestamp>,
    pub now: Timestamp,
}

pub(super) struct Outcome {
    pub elapsed: i128,
    pub breached: bool,
    pub at_risk_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub running: bool,
}

impl Wait<'_> {
    /// Measure against `target` (and the at-risk threshold `at_risk`), both in nanoseconds of
    /// business time.
    ///
    /// The due instant is the earliest at which the clock has run for the whole target. The clock
    /// breaches when it is still running after that instant, or is satisfied after it: a reply at
    /// the due instant itself is in time. Business time being zero outside hours does not delay
    /// the breach: a deadline of Friday 17:00 is breached at 17:00:01 on Friday.
    pub fn measure(&self, target: i128, at_risk: i128) -> Outcome {
        let cal = self.calendar;
        let end = self.stop.unwrap_or(self.now);
        let mut elapsed: i128 = 0;
        let mut at_risk_at = None;
        let mut due = None;
        let mut breached = false;
        let mut last_end = self.start;
        // Only the stretches between `start` and `end` matter; a request with a long history has
        // many waits, and each should cost its own stretches, not the whole history.
        let first = self.active.partition_point(|&(_, b)| b <= self.start);
        for &(a, b) in &self.active[first..] {
            if a >= end {
                break;
            }
            let (a, b) = (a.max(self.start), b.min(end));
            if a >= b {
                continue;
            }
            let run = bt::between(cal, a, b);
            if at_risk_at.is_none() && elapsed + run >= at_risk {
                at_risk_at = bt::add(cal, a, at_risk - elapsed);
            }
            if !breached && elapsed + run >= target {
                let x = bt::add(cal, a, target - elapsed);
                if x.is_some_and(|x| x < b) {
                    breached = true;
                    due = x;
                }
            }
            elapsed += run;
            last_end = b;
        }
        let running = self.stop.is_none() && self.active_now;
        if !breached {
            if running {
                due = bt::add(cal, self.now, target - elapsed);
                if at_risk_at.is_none() {
                    at_risk_at = bt::add(cal, self.now, at_risk - elapsed);
                }
            } else if self.stop.is_some() {
                due = bt::add(cal, last_end, target - elapsed);
            }
        }
        Outcome {
            elapsed,
            breached,
            at_risk_at,
            due_at: due,
            running,
        }
    }
}
