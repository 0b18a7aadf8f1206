//! Changes between two readings of a request's clocks, so a job can alert each one once.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::SlaState;
use super::clock::{ClockKind, ClockState, ClockStatus};

/// One clock changed state between two readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaTransition {
    pub clock: ClockKind,
    pub from: ClockStatus,
    pub to: ClockStatus,
    /// The wait the change belongs to (its `started_at`); `null` for a next-response wait that
    /// breached and was answered between the two readings, so neither reading shows it.
    pub wait_started_at: Option<Timestamp>,
}

impl SlaTransition {
    /// At risk or breached: worth telling the assignee.
    pub fn is_alert(&self) -> bool {
        matches!(self.to, ClockStatus::AtRisk | ClockStatus::Breached)
    }

    /// Breached: goes to the engagement's manager as well.
    pub fn escalates(&self) -> bool {
        self.to == ClockStatus::Breached
    }
}

/// What changed from `previous` to `current` (use [`SlaState::default`] when there is no previous
/// reading). Store `current` after alerting and pass it as `previous` next time: each change is
/// then reported exactly once, however often or rarely the job runs. A new next-response wait
/// starts from `ok`, so a breach of the new wait is reported even if the previous one breached
/// too; each breach of a wait that began and ended between two readings is reported on its own, with
/// no `wait_started_at`.
pub fn transitions(previous: &SlaState, current: &SlaState) -> Vec<SlaTransition> {
    let mut out = Vec::new();
    for &kind in ClockKind::ALL {
        clock(kind, previous.clock(kind), current.clock(kind), &mut out);
    }
    out
}

fn clock(kind: ClockKind, p: &ClockState, c: &ClockState, out: &mut Vec<SlaTransition>) {
    let new_wait = p.started_at.is_some() && c.started_at.is_some() && p.started_at != c.started_at;
    let from = if new_wait { ClockStatus::Ok } else { p.state };
    let reported_breach = c.state == ClockStatus::Breached && from != ClockStatus::Breached;
    let unseen = c
        .breaches
        .saturating_sub(p.breaches + u32::from(reported_breach));
    for _ in 0..unseen {
        out.push(SlaTransition {
            clock: kind,
            from: p.state,
            to: ClockStatus::Breached,
            wait_started_at: None,
        });
    }
    if from != c.state {
        out.push(SlaTransition {
            clock: kind,
            from,
            to: c.state,
            wait_started_at: c.started_at,
        });
    }
}
