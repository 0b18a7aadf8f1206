//! Snooze: a member puts a request out of the queue's views until a time, or until the client
//! writes, or both (whichever comes first). Snooze hides work; it does not pause SLA clocks or
//! promises, which keep running while the request is out of sight.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::{MemberId, RequestId};
use crate::label_enum;
use crate::request::Status;
use crate::validate::Violations;

/// The furthest ahead a snooze may reach: a request hidden for longer is forgotten, not snoozed.
pub const LONGEST: SignedDuration = SignedDuration::from_hours(366 * 24);

/// What a member asks for.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"until": "2026-03-03T08:00:00Z", "until_client_writes": true})))]
#[serde(deny_unknown_fields)]
pub struct SnoozeInput {
    /// When the request comes back by itself: in the future, within a year. Optional when
    /// `until_client_writes` is true.
    #[serde(default)]
    pub until: Option<Timestamp>,
    /// Come back as soon as the client writes (portal, API as contact, or mail).
    #[serde(default)]
    pub until_client_writes: bool,
}

/// A snooze as it is recorded on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snooze {
    pub request_id: RequestId,
    /// When it comes back by itself; `null` when only the client's message brings it back.
    pub until: Option<Timestamp>,
    /// Whether a message from the client brings it back.
    pub until_client_writes: bool,
    pub snoozed_by: MemberId,
    pub snoozed_at: Timestamp,
}

impl Snooze {
    /// Whether the request is still out of the views at `now` (its time has not come).
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|u| u > now)
    }
}

label_enum!(
    /// Why a snoozed request came back.
    Wake {
        /// Its time passed.
        Time => "time",
        /// The client wrote.
        ClientWrote => "client_wrote",
        /// A member un-snoozed it.
        ByHand => "by_hand",
    }
);

label_enum!(
    /// The times a snooze form offers, read in the member's own zone.
    Preset {
        /// Three hours from now.
        LaterToday => "later_today",
        /// 09:00 tomorrow.
        TomorrowMorning => "tomorrow_morning",
        /// 09:00 next Monday.
        NextWeek => "next_week",
    }
);

impl Preset {
    /// When the preset ends, for a member in `tz` at `now`.
    pub fn until(self, now: Timestamp, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
        let here = now.to_zoned_datetime(tz.clone());
        let nine = |d: jiff::civil::Date| {
            d.at(9, 0, 0, 0)
                .to_zoned_datetime(tz.clone())
                .ok()
                .map(|z| z.timestamp())
        };
        match self {
            Preset::LaterToday => now.checked_add(SignedDuration::from_hours(3)).ok(),
            Preset::TomorrowMorning => nine(here.date().tomorrow().ok()?),
            Preset::NextWeek => {
                let today = here.date();
                let ahead = 7 - i64::from(today.weekday().to_monday_zero_offset());
                nine(today.checked_add(jiff::Span::new().days(ahead)).ok()?)
            }
        }
    }
}

impl SnoozeInput {
    /// Check a snooze of a request in `status` at `now`: a time in the future and within
    /// [`LONGEST`], something to wake on, and a request that is not closed.
    pub fn validate(&self, status: Status, now: Timestamp) -> Result<(), Violations> {
        let mut v = Violations::new();
        if status == Status::Closed {
            v.add("status", "a closed request cannot be snoozed");
        }
        match self.until {
            None if !self.until_client_writes => v.add(
                "until",
                "give a time, or until_client_writes: true, or both",
            ),
            None => {}
            Some(u) if u <= now => v.add("until", "must be in the future"),
            Some(u) if u.duration_since(now) > LONGEST => v.add("until", "must be within a year"),
            Some(_) => {}
        }
        v.finish(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_time_must_be_ahead_and_within_a_year() {
        let now = at("2026-03-02T10:00:00Z");
        let ok = |until: &str| {
            SnoozeInput {
                until: Some(at(until)),
                until_client_writes: false,
            }
            .validate(Status::InProgress, now)
            .is_ok()
        };
        assert!(ok("2026-03-02T10:00:01Z"));
        assert!(ok("2027-03-02T10:00:00Z"));
        assert!(!ok("2026-03-02T10:00:00Z"));
        assert!(!ok("2026-03-01T10:00:00Z"));
        assert!(!ok("2027-03-04T10:00:00Z"));
    }

    #[test]
    fn something_must_wake_it_and_closed_work_stays_closed() {
        let now = at("2026-03-02T10:00:00Z");
        let none = SnoozeInput {
            until: None,
            until_client_writes: false,
        };
        assert!(none.validate(Status::New, now).is_err());
        let reply = SnoozeInput {
            until: None,
            until_client_writes: true,
        };
        assert!(reply.validate(Status::WaitingOnClient, now).is_ok());
        assert!(reply.validate(Status::Closed, now).is_err());
    }

    #[test]
    fn presets_read_the_members_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        // Wednesday 4 March 2026, 22:30 in Berlin.
        let now = at("2026-03-04T21:30:00Z");
        assert_eq!(
            Preset::TomorrowMorning.until(now, &tz),
            Some(at("2026-03-05T08:00:00Z"))
        );
        assert_eq!(
            Preset::NextWeek.until(now, &tz),
            Some(at("2026-03-09T08:00:00Z"))
        );
        assert_eq!(
            Preset::LaterToday.until(now, &tz),
            Some(at("2026-03-05T00:30:00Z"))
        );
        // On a Monday, next week is the Monday after.
        let monday = at("2026-03-09T07:00:00Z");
        assert_eq!(
            Preset::NextWeek.until(monday, &tz),
            Some(at("2026-03-16T08:00:00Z"))
        );
    }

    #[test]
    fn active_until_its_time() {
        let s = Snooze {
            request_id: RequestId(1),
            until: Some(at("2026-03-02T12:00:00Z")),
            until_client_writes: false,
            snoozed_by: MemberId(1),
            snoozed_at: at("2026-03-02T10:00:00Z"),
        };
        assert!(s.is_active(at("2026-03-02T11:59:59Z")));
        assert!(!s.is_active(at("2026-03-02T12:00:00Z")));
        let reply_only = Snooze { until: None, ..s };
        assert!(reply_only.is_active(at("2030-01-01T00:00:00Z")));
    }
}
