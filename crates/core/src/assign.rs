//! Fair assignment: which member of an engagement's team takes a new request.
//!
//! Members who are away, deactivated, or have no free capacity left this week are skipped:
//! a request nobody can take stays unassigned rather than overloading someone. Among the rest,
//! those inside their own working hours now come first, then the most free capacity this week;
//! among equals, the one whose last automatic assignment is oldest (never first), then the
//! lowest id. The turn counter lives in the store, so the order is the same on every server.

use serde::Serialize;

use crate::ids::MemberId;
use crate::label_enum;

/// What is known of one team member when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub member_id: MemberId,
    pub active: bool,
    /// Away today on their own clock (an absence or a day off).
    pub absent: bool,
    /// Inside their working hours now, in their zone.
    pub working_now: bool,
    /// Capacity this week less the work committed to it; zero or less is over capacity.
    pub free_minutes: i64,
    /// The turn of their last automatic assignment (0: never).
    pub last_turn: i64,
}

label_enum!(
    /// Why a member was passed over.
    Skip {
        Inactive => "inactive",
        Absent => "absent",
        OverCapacity => "over_capacity",
    }
);

/// A member passed over and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub member_id: MemberId,
    pub why: Skip,
}

/// The outcome, with its reason for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// `None`: nobody can take it.
    pub chosen: Option<MemberId>,
    /// Why this member: "working now, most free capacity (600 minutes)", "equal free capacity:
    /// longest since their last automatic assignment", or why nobody.
    pub reason: String,
    pub free_minutes: Option<i64>,
    pub working_now: Option<bool>,
    pub skipped: Vec<Skipped>,
}

/// Choose among `team` (see the module's rule).
pub fn choose(team: &[Candidate]) -> Decision {
    let mut skipped = Vec::new();
    let mut able: Vec<&Candidate> = Vec::new();
    for c in team {
        let why = if !c.active {
            Some(Skip::Inactive)
        } else if c.absent {
            Some(Skip::Absent)
        } else if c.free_minutes <= 0 {
            Some(Skip::OverCapacity)
        } else {
            None
        };
        match why {
            Some(why) => skipped.push(Skipped {
                member_id: c.member_id,
                why,
            }),
            None => able.push(c),
        }
    }
    skipped.sort_by_key(|s| s.member_id);
    if able.is_empty() {
        let reason = if team.is_empty() {
            "the engagement has no team".to_string()
        } else {
            "every member of the team is away, over capacity or deactivated".to_string()
        };
        return Decision {
            chosen: None,
            reason,
            free_minutes: None,
            working_now: None,
            skipped,
        };
    }
    able.sort_by(|a, b| {
        b.working_now
            .cmp(&a.working_now)
            .then(b.free_minutes.cmp(&a.free_minutes))
            .then(a.last_turn.cmp(&b.last_turn))
            .then(a.member_id.cmp(&b.member_id))
    });
    let best = able[0];
    let tied = able
        .get(1)
        .is_some_and(|n| n.working_now == best.working_now && n.free_minutes == best.free_minutes);
    let hours = if best.working_now {
        "in their working hours now"
    } else {
        "nobody able is in their working hours now"
    };
    let reason = if tied {
        format!(
            "{hours}; equal free capacity ({} minutes this week): their turn (longest since their last automatic assignment)",
            best.free_minutes
        )
    } else {
        format!(
            "{hours}; most free capacity this week ({} minutes)",
            best.free_minutes
        )
    };
    Decision {
        chosen: Some(best.member_id),
        reason,
        free_minutes: Some(best.free_minutes),
        working_now: Some(best.working_now),
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, free: i64, working: bool, turn: i64) -> Candidate {
        Candidate {
            member_id: MemberId(id),
            active: true,
            absent: false,
            working_now: working,
            free_minutes: free,
            last_turn: turn,
        }
    }

    #[test]
    fn the_absent_and_the_full_are_skipped() {
        let mut away = c(1, 2000, true, 0);
        away.absent = true;
        let full = c(2, 0, true, 0);
        let mut gone = c(4, 2000, true, 0);
        gone.active = false;
        let d = choose(&[away, full, c(3, 30, false, 9), gone]);
        assert_eq!(d.chosen, Some(MemberId(3)));
        assert_eq!(
            d.skipped.iter().map(|s| s.why).collect::<Vec<_>>(),
            [Skip::Absent, Skip::OverCapacity, Skip::Inactive]
        );
    }

    #[test]
    fn working_now_then_free_capacity_then_turns() {
        let d = choose(&[c(1, 2000, false, 0), c(2, 100, true, 5)]);
        assert_eq!(d.chosen, Some(MemberId(2)), "working now comes first");
        let d = choose(&[c(1, 100, true, 0), c(2, 200, true, 5)]);
        assert_eq!(d.chosen, Some(MemberId(2)), "then the most free capacity");
        assert!(d.reason.contains("most free capacity"), "{}", d.reason);
        let d = choose(&[c(1, 200, true, 7), c(2, 200, true, 5)]);
        assert_eq!(d.chosen, Some(MemberId(2)), "then the oldest turn");
        assert!(d.reason.contains("their turn"), "{}", d.reason);
        let d = choose(&[c(2, 200, true, 0), c(1, 200, true, 0)]);
        assert_eq!(d.chosen, Some(MemberId(1)), "then the lowest id");
    }

    #[test]
    fn nobody_able_is_nobody_chosen() {
        let d = choose(&[c(1, 0, true, 0), c(2, -30, true, 0)]);
        assert_eq!(d.chosen, None);
        assert_eq!(d.skipped.len(), 2);
        assert_eq!(choose(&[]).chosen, None);
    }
}
