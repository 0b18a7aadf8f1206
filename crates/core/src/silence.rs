//! Silence: no client waits longer than the engagement's policy without word from us, and no
//! promised proposal goes unsent past its date.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::business_time as bt;
use crate::calendar::Calendar;
use crate::ids::PromiseId;
use crate::promise::{Promise, PromiseKind};
use crate::request::{Request, Status};
use crate::validate::{self, Violations};

/// Two working days of eight hours.
pub const DEFAULT_SILENCE_MINUTES: i64 = 16 * 60;
/// A working year: longer is not a policy against silence.
pub const MAX_SILENCE_MINUTES: i64 = 2_000 * 60;

/// Per engagement: "no client waits more than `max_business_minutes` of their business time
/// without word from us on an open request". Stored as JSON; `{}` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SilencePolicy {
    /// 1 to 120000 business minutes; default 960 (16 hours).
    pub max_business_minutes: i64,
    /// The other way round: waiting on the client, remind the assignee to follow up once this
    /// many business minutes of the client's calendar have passed since our last message
    /// without a reply from them. 1 to 120000; omitted or `null`: no reminders (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_after_business_minutes: Option<i64>,
}

impl Default for SilencePolicy {
    fn default() -> Self {
        SilencePolicy {
            max_business_minutes: DEFAULT_SILENCE_MINUTES,
            follow_up_after_business_minutes: None,
        }
    }
}

impl SilencePolicy {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.check(
            "max_business_minutes",
            validate::range(self.max_business_minutes, 1, MAX_SILENCE_MINUTES),
        );
        if let Some(m) = self.follow_up_after_business_minutes {
            v.check(
                "follow_up_after_business_minutes",
                validate::range(m, 1, MAX_SILENCE_MINUTES),
            );
        }
        v.finish(|| ())
    }
}

/// A request waiting on a client who has not answered our last message for longer than the
/// policy's follow-up limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Our last message, which the client has not answered.
    pub asked_at: Timestamp,
    /// Business minutes of the client's calendar since then.
    pub business_minutes_waiting: i64,
}

/// Whether the assignee should follow up on `request` at `now`: it waits on the client, the
/// policy asks for reminders, our last message is newer than the client's last word, and more
/// than the policy's business minutes of the client's `calendar` have passed since it.
pub fn follow_up(
    now: Timestamp,
    calendar: &Calendar,
    policy: &SilencePolicy,
    request: &Request,
) -> Option<FollowUp> {
    let limit = policy.follow_up_after_business_minutes?;
    if request.status != Status::WaitingOnClient {
        return None;
    }
    let asked = request.last_outbound_at?;
    if request
        .last_inbound_at
        .is_some_and(|theirs| theirs >= asked)
    {
        return None;
    }
    let waited = bt::between(calendar, asked, now);
    if waited <= bt::minutes(limit) {
        return None;
    }
    Some(FollowUp {
        asked_at: asked,
        business_minutes_waiting: bt::whole_minutes(waited),
    })
}

/// A client waiting on us for longer than the policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Silence {
    /// The client's oldest word not yet answered: writing again while they wait does not move
    /// it.
    pub waiting_since: Timestamp,
    /// When the wait reached the policy's limit; the silence is everything after it.
    pub silent_since: Timestamp,
    /// Business minutes of the client's calendar since their oldest unanswered word.
    pub business_minutes_waiting: i64,
    /// Business minutes beyond the limit.
    pub over_by_minutes: i64,
}

/// Whether the client is waiting on us beyond the policy at `now`.
///
/// In silence means: the request is open and not waiting on the client; the client's oldest word
/// since our last answer (`waiting_since`) is newer than that answer (`last_outbound`), or we
/// never answered; and more than the policy's business minutes of the client's `calendar` have
/// passed since it. Measured from the oldest unanswered word, so a client chasing does not
/// restart the wait. Exactly at the limit is not yet silence. Auto-replies and machines'
/// acknowledgements are neither the client's word nor ours (the callers keep them out of these
/// instants).
pub fn silence(
    now: Timestamp,
    calendar: &Calendar,
    policy: &SilencePolicy,
    waiting_since: Option<Timestamp>,
    last_outbound: Option<Timestamp>,
    status: Status,
) -> Option<Silence> {
    if !status.is_open() || status == Status::WaitingOnClient {
        return None;
    }
    let since = waiting_since?;
    if last_outbound.is_some_and(|ours| ours >= since) {
        return None;
    }
    let limit = bt::minutes(policy.max_business_minutes);
    let waiting = bt::between(calendar, since, now);
    if waiting <= limit {
        return None;
    }
    Some(Silence {
        waiting_since: since,
        // Reached already, so always within the calendar's range.
        silent_since: silent_from(calendar, policy, since).unwrap_or(now),
        business_minutes_waiting: bt::whole_minutes(waiting),
        over_by_minutes: bt::whole_minutes(waiting - limit),
    })
}

/// The instant a wait that began at `since` turns into silence under `policy`: the policy's
/// business minutes of `calendar` later (`None` past the calendar's range).
pub fn silent_from(
    calendar: &Calendar,
    policy: &SilencePolicy,
    since: Timestamp,
) -> Option<Timestamp> {
    bt::add(calendar, since, bt::minutes(policy.max_business_minutes))
}

/// Where the client's wait on `request` began: their oldest word after our last answer. That is
/// the request itself when they filed it and we never answered, else their oldest message since
/// the answer (`oldest_message`), else (history without messages) their last word.
pub fn waiting_since(request: &Request, oldest_message: Option<Timestamp>) -> Option<Timestamp> {
    let last_word = request.last_inbound_at?;
    if request
        .last_outbound_at
        .is_some_and(|ours| ours >= last_word)
    {
        return None;
    }
    let filed_by_client = matches!(request.created_by, crate::access::Actor::Contact(_))
        && request.last_outbound_at.is_none();
    let since = if filed_by_client {
        Some(request.created_at)
    } else {
        oldest_message
    };
    Some(since.map_or(last_word, |s| s.min(last_word)))
}

/// [`silence`] for a stored request, from its status, its last answer and where the client's
/// wait began (see [`waiting_since`]).
pub fn request_silence(
    now: Timestamp,
    calendar: &Calendar,
    policy: &SilencePolicy,
    request: &Request,
    oldest_message: Option<Timestamp>,
) -> Option<Silence> {
    silence(
        now,
        calendar,
        policy,
        waiting_since(request, oldest_message),
        request.last_outbound_at,
        request.status,
    )
}

/// Pending promises of a proposal that are past their due instant: always an alert, whatever the
/// silence policy says. In the order given.
pub fn overdue_proposals(now: Timestamp, promises: &[Promise]) -> Vec<PromiseId> {
    promises
        .iter()
        .filter(|p| p.kind == PromiseKind::Proposal && p.is_overdue(now))
        .map(|p| p.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use crate::ids::{ClientId, MemberId, OrgId};
    use crate::promise::PromiseStatus;
    use proptest::prelude::*;

    fn cal(tz: &str) -> Calendar {
        CalendarSpec::office_hours(tz).compile().unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn sixteen_business_hours_cross_a_weekend() {
        let c = cal("Europe/Paris");
        let p = SilencePolicy::default();
        // Thursday 15:00: 2 h Thursday, 8 h Friday, 6 h Monday -> the limit is Monday 15:00.
        let asked = ts("2026-03-05T15:00:00+01:00");
        let at = |now: &str, ours: Option<Timestamp>, status| {
            silence(ts(now), &c, &p, Some(asked), ours, status)
        };
        assert_eq!(at("2026-03-09T15:00:00+01:00", None, Status::New), None);
        let s = at("2026-03-09T16:30:00+01:00", None, Status::InProgress).unwrap();
        assert_eq!(s.waiting_since, asked);
        assert_eq!(s.silent_since, ts("2026-03-09T15:00:00+01:00"));
        assert_eq!(s.business_minutes_waiting, 16 * 60 + 90);
        assert_eq!(s.over_by_minutes, 90);

        // An older reply of ours does not count; a newer one does.
        let before = Some(ts("2026-03-05T10:00:00+01:00"));
        assert!(at("2026-03-09T16:30:00+01:00", before, Status::New).is_some());
        let after = Some(ts("2026-03-06T10:00:00+01:00"));
        assert_eq!(at("2026-03-09T16:30:00+01:00", after, Status::New), None);
        // Waiting on the client, delivered or closed: no silence on our side.
        for st in [Status::WaitingOnClient, Status::Delivered, Status::Closed] {
            assert_eq!(at("2026-03-20T16:30:00+01:00", None, st), None);
        }
    }

    fn asked_by(created_by: crate::access::Actor) -> Request {
        use crate::ids::{ClientId, OrgId, RequestId};
        use crate::request::{Channel, Kind, Priority};
        let t = ts("2026-03-02T09:00:00Z");
        Request {
            id: RequestId(7),
            org_id: OrgId(1),
            reference: "7".into(),
            client_id: ClientId(3),
            engagement_id: None,
            contact_id: None,
            title: "Access".into(),
            body: String::new(),
            kind: Kind::Question,
            priority: Priority::Normal,
            status: Status::New,
            assignee_id: None,
            estimate_minutes: None,
            spent_minutes: 0,
            channel: Channel::Portal,
            tags: vec![],
            due_at: None,
            quick: false,
            scope: None,
            created_by,
            created_at: t,
            updated_at: t,
            first_response_at: None,
            last_inbound_at: Some(t),
            last_outbound_at: None,
            delivered_at: None,
            closed_at: None,
        }
    }

    #[test]
    fn a_follow_up_is_due_after_the_clients_business_hours_without_a_reply() {
        use crate::access::Actor;
        use crate::ids::ContactId;
        let c = cal("Europe/Paris");
        let mut r = asked_by(Actor::Contact(ContactId(1)));
        // We asked on Friday 15:00 Paris time; the client's last word was before.
        r.status = Status::WaitingOnClient;
        r.last_outbound_at = Some(ts("2026-03-06T15:00:00+01:00"));
        let off = SilencePolicy::default();
        let on = SilencePolicy {
            follow_up_after_business_minutes: Some(4 * 60),
            ..Default::default()
        };
        // Two hours on Friday, two on Monday morning: due after Monday 11:00.
        let monday = |t: &str| ts(&format!("2026-03-09T{t}+01:00"));
        assert_eq!(follow_up(monday("11:00:00"), &c, &on, &r), None);
        let f = follow_up(monday("11:30:00"), &c, &on, &r).unwrap();
        assert_eq!(f.asked_at, ts("2026-03-06T15:00:00+01:00"));
        assert_eq!(f.business_minutes_waiting, 4 * 60 + 30);
        // Off by default; not when the client answered; not unless waiting on the client.
        assert_eq!(follow_up(monday("16:00:00"), &c, &off, &r), None);
        let mut answered = r.clone();
        answered.last_inbound_at = Some(ts("2026-03-06T16:00:00+01:00"));
        assert_eq!(follow_up(monday("16:00:00"), &c, &on, &answered), None);
        let mut working = r.clone();
        working.status = Status::InProgress;
        assert_eq!(follow_up(monday("16:00:00"), &c, &on, &working), None);
    }

    #[test]
    fn the_wait_runs_from_the_oldest_unanswered_word() {
        use crate::access::Actor;
        use crate::ids::{ContactId, MemberId};
        let mut r = asked_by(Actor::Contact(ContactId(1)));
        let filed = r.created_at;
        // They chase twice: the wait still began when they filed.
        r.last_inbound_at = Some(ts("2026-03-02T11:00:00Z"));
        assert_eq!(
            waiting_since(&r, Some(ts("2026-03-02T10:00:00Z"))),
            Some(filed)
        );
        // We answered at 12:00; they wrote at 13:00 and 14:00: from 13:00.
        r.last_outbound_at = Some(ts("2026-03-02T12:00:00Z"));
        r.last_inbound_at = Some(ts("2026-03-02T14:00:00Z"));
        assert_eq!(
            waiting_since(&r, Some(ts("2026-03-02T13:00:00Z"))),
            Some(ts("2026-03-02T13:00:00Z"))
        );
        // Our word is the last: nobody waits.
        r.last_outbound_at = Some(ts("2026-03-02T15:00:00Z"));
        assert_eq!(waiting_since(&r, None), None);
        // Filed by us for them: from their first message.
        let mut ours = asked_by(Actor::Member(MemberId(1)));
        ours.last_inbound_at = Some(ts("2026-03-02T16:00:00Z"));
        assert_eq!(
            waiting_since(&ours, Some(ts("2026-03-02T10:30:00Z"))),
            Some(ts("2026-03-02T10:30:00Z"))
        );
    }

    #[test]
    fn no_word_from_the_client_is_no_silence() {
        let c = cal("UTC");
        let p = SilencePolicy::default();
        let now = ts("2026-06-01T12:00:00Z");
        assert_eq!(silence(now, &c, &p, None, None, Status::New), None);
    }

    #[test]
    fn policy_json_and_validation() {
        let p: SilencePolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p.max_business_minutes, 960);
        assert!(p.validate().is_ok());
        for bad in [0, -1, MAX_SILENCE_MINUTES + 1] {
            let e = SilencePolicy {
                max_business_minutes: bad,
                ..Default::default()
            }
            .validate()
            .unwrap_err();
            assert_eq!(e.0[0].field, "max_business_minutes");
        }
        assert!(serde_json::from_str::<SilencePolicy>(r#"{"max_minutes": 5}"#).is_err());
    }

    fn promise(id: i64, kind: PromiseKind, due: &str, status: PromiseStatus) -> Promise {
        let t = ts("2026-03-01T09:00:00Z");
        Promise {
            id: PromiseId(id),
            org_id: OrgId(1),
            client_id: ClientId(1),
            request_id: None,
            contact_id: None,
            kind,
            description: String::new(),
            due_at: ts(due),
            made_by: MemberId(1),
            status,
            kept_at: None,
            broken_at: None,
            margin_minutes: None,
            renegotiations: 0,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn unsent_proposals_past_due_are_listed() {
        use PromiseKind::*;
        use PromiseStatus::*;
        let now = ts("2026-03-10T12:00:00Z");
        let promises = [
            promise(1, Proposal, "2026-03-09T17:00:00Z", Open),
            promise(2, Proposal, "2026-03-11T17:00:00Z", Open), // not yet due
            promise(3, Proposal, "2026-03-09T17:00:00Z", Kept),
            promise(4, Delivery, "2026-03-09T17:00:00Z", Open), // not a proposal
            promise(5, Proposal, "2026-03-10T11:59:59Z", Renegotiated),
            promise(6, Proposal, "2026-03-10T12:00:00Z", Open), // due this instant: not past
        ];
        assert_eq!(
            overdue_proposals(now, &promises),
            [PromiseId(1), PromiseId(5)]
        );
    }

    proptest! {
        /// Silence starts strictly after the limit and only grows while nobody writes.
        #[test]
        fn silence_begins_after_the_limit(
            asked in 1_767_225_600i64..1_830_000_000,
            limit in 1i64..3000,
            later in 0i64..30 * 86_400,
        ) {
            let c = cal("Asia/Kolkata");
            let p = SilencePolicy { max_business_minutes: limit, ..Default::default() };
            let asked = Timestamp::from_second(asked).unwrap();
            let now = asked + jiff::SignedDuration::from_secs(later);
            let s = silence(now, &c, &p, Some(asked), None, Status::Triaged);
            let waited = c.business_time_between(asked, now);
            prop_assert_eq!(s.is_some(), waited > jiff::SignedDuration::from_mins(limit));
            if let Some(s) = s {
                prop_assert!(s.silent_since < now);
                prop_assert_eq!(c.business_minutes_between(asked, s.silent_since), limit);
                prop_assert_eq!(s.over_by_minutes, s.business_minutes_waiting - limit);
                // The first instant of silence: at the limit itself there is none.
                prop_assert_eq!(silence(s.silent_since, &c, &p, Some(asked), None, Status::Triaged), None);
            }
        }
    }
}
