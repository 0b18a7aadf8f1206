//! Who else has a request open: collision detection's presence. A page (or API client) reports
//! itself every few seconds; a report older than [`FRESH_FOR`] is a page that was closed.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::{MemberId, RequestId};
use crate::label_enum;

label_enum!(
    /// What a member is doing on a request they have open.
    PresenceState {
        /// Reading it.
        Viewing => "viewing",
        /// Writing a reply or a note in its composer.
        Composing => "composing",
    }
);

/// How long a report counts: a few missed polls (the page reports every 5 s) do not make a
/// member vanish, and a closed tab is gone within half a minute.
pub const FRESH_FOR: SignedDuration = SignedDuration::from_secs(30);

/// The oldest report still counted at `now`.
pub fn fresh_since(now: Timestamp) -> Timestamp {
    now.checked_sub(FRESH_FOR).unwrap_or(Timestamp::MIN)
}

/// One's own report: what one is doing on the request now.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"state": "composing"})))]
#[serde(deny_unknown_fields)]
pub struct PresenceReport {
    /// `viewing` or `composing`.
    pub state: PresenceState,
}

/// A member who has the request open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub request_id: RequestId,
    pub member_id: MemberId,
    /// Their display name, so a page or client can say who.
    pub name: String,
    pub state: PresenceState,
    /// When they last reported (at most [`FRESH_FOR`] ago).
    pub seen_at: Timestamp,
}

impl Presence {
    /// "Ada is viewing", "Ada is writing a reply".
    pub fn sentence(&self) -> String {
        match self.state {
            PresenceState::Viewing => format!("{} is viewing this request", self.name),
            PresenceState::Composing => format!("{} is writing a reply or note", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_counts_for_half_a_minute() {
        let now: Timestamp = "2026-03-02T10:00:30Z".parse().unwrap();
        assert_eq!(
            fresh_since(now),
            "2026-03-02T10:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn states_are_words() {
        assert_eq!(
            "composing".parse::<PresenceState>(),
            Ok(PresenceState::Composing)
        );
        assert!("typing".parse::<PresenceState>().is_err());
        let p = Presence {
            request_id: RequestId(1),
            member_id: MemberId(2),
            name: "Ada".into(),
            state: PresenceState::Composing,
            seen_at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(p.sentence(), "Ada is writing a reply or note");
    }
}
