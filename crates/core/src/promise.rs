//! Promises: every commitment made to a client, tracked until kept or broken.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::ids::{ClientId, ContactId, MemberId, OrgId, PromiseId, RequestId};
use crate::label_enum;
use crate::validate::{self, Violations, limits};

/// How early (positive) or late (negative) `settled_at` is against `due`, in whole business
/// minutes of the client's calendar, rounded toward zero. Kept at 17:30 on a 09:00-17:00 day for a
/// 17:00 promise is 0 (no business time was lost); kept the next morning at 10:00 is -60.
pub fn business_margin_minutes(calendar: &Calendar, due: Timestamp, settled_at: Timestamp) -> i64 {
    calendar.business_minutes_between(settled_at, due)
}

label_enum!(PromiseKind {
    Reply => "reply",
    Proposal => "proposal",
    Delivery => "delivery",
    Call => "call",
    Other => "other",
});

label_enum!(PromiseStatus {
    Open => "open",
    Kept => "kept",
    Broken => "broken",
    /// Still pending, with a new due date agreed with the client.
    Renegotiated => "renegotiated",
});

impl PromiseStatus {
    pub const fn is_pending(self) -> bool {
        matches!(self, PromiseStatus::Open | PromiseStatus::Renegotiated)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promise {
    pub id: PromiseId,
    pub org_id: OrgId,
    pub client_id: ClientId,
    pub request_id: Option<RequestId>,
    /// The person the promise was made to.
    pub contact_id: Option<ContactId>,
    pub kind: PromiseKind,
    pub description: String,
    pub due_at: Timestamp,
    pub made_by: MemberId,
    pub status: PromiseStatus,
    pub kept_at: Option<Timestamp>,
    pub broken_at: Option<Timestamp>,
    /// Minutes by which it was kept early (positive) or late (negative).
    pub margin_minutes: Option<i64>,
    pub renegotiations: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    #[error("the promise is already {0}")]
    Settled(PromiseStatus),
    #[error("the new due date must differ from the current one")]
    SameDue,
    #[error("a promise cannot be kept before it was made ({made})")]
    BeforeMade { made: Timestamp },
    #[error("the promise fell due at {due}: past its due time it is broken, not kept or moved")]
    PastDue { due: Timestamp },
}

impl Promise {
    fn ensure_pending(&self) -> Result<(), PromiseError> {
        if self.status.is_pending() {
            Ok(())
        } else {
            Err(PromiseError::Settled(self.status))
        }
    }

    /// Kept at `at`: the margin is how early (positive) or late (negative) it was kept.
    pub fn keep(&mut self, at: Timestamp) -> Result<(), PromiseError> {
        self.ensure_pending()?;
        if at < self.created_at {
            return Err(PromiseError::BeforeMade {
                made: self.created_at,
            });
        }
        // Whether the checker has got round to breaking it yet does not change what happened.
        if at > self.due_at {
            return Err(PromiseError::PastDue { due: self.due_at });
        }
        self.status = PromiseStatus::Kept;
        self.kept_at = Some(at);
        self.margin_minutes = Some(self.due_at.duration_since(at).as_secs() / 60);
        self.updated_at = at;
        Ok(())
    }

    pub fn break_at(&mut self, at: Timestamp) -> Result<(), PromiseError> {
        self.ensure_pending()?;
        self.status = PromiseStatus::Broken;
        self.broken_at = Some(at);
        self.margin_minutes = Some(self.due_at.duration_since(at).as_secs() / 60);
        self.updated_at = at;
        Ok(())
    }

    /// [`Promise::keep`], with the margin in business minutes of the client's `calendar`: the
    /// measure the promise ledger reports (see the ledger's figures in `promise_stats`).
    pub fn keep_in(&mut self, calendar: &Calendar, at: Timestamp) -> Result<(), PromiseError> {
        self.keep(at)?;
        self.margin_minutes = Some(business_margin_minutes(calendar, self.due_at, at));
        Ok(())
    }

    /// [`Promise::break_at`], with the margin in business minutes of the client's `calendar`.
    pub fn break_in(&mut self, calendar: &Calendar, at: Timestamp) -> Result<(), PromiseError> {
        self.break_at(at)?;
        self.margin_minutes = Some(business_margin_minutes(calendar, self.due_at, at));
        Ok(())
    }

    /// Agree a new due date with the client; the old one goes to the history.
    pub fn renegotiate(
        &mut self,
        due: Timestamp,
        now: Timestamp,
    ) -> Result<Timestamp, PromiseError> {
        self.ensure_pending()?;
        // Moving a date that has already passed would hide the miss in the ledger.
        if now > self.due_at {
            return Err(PromiseError::PastDue { due: self.due_at });
        }
        if due == self.due_at {
            return Err(PromiseError::SameDue);
        }
        let old = self.due_at;
        self.due_at = due;
        self.status = PromiseStatus::Renegotiated;
        self.renegotiations += 1;
        self.updated_at = now;
        Ok(old)
    }

    /// Pending and past due.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status.is_pending() && self.due_at < now
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"request_id": 1, "kind": "delivery", "description": "The Q3 export", "due_at": "2030-03-08T16:00:00Z"})))]
#[serde(deny_unknown_fields)]
pub struct NewPromise {
    /// The request the promise is about; its client is used.
    #[serde(default)]
    pub request_id: Option<RequestId>,
    /// Required when there is no request.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    pub kind: PromiseKind,
    #[serde(default)]
    pub description: Option<String>,
    pub due_at: Timestamp,
    /// Defaults to the caller.
    #[serde(default)]
    pub made_by: Option<MemberId>,
}

#[derive(Debug, Clone)]
pub struct PromiseDraft {
    pub request_id: Option<RequestId>,
    pub client_id: Option<ClientId>,
    pub contact_id: Option<ContactId>,
    pub kind: PromiseKind,
    pub description: String,
    pub due_at: Timestamp,
    pub made_by: Option<MemberId>,
}

impl NewPromise {
    pub fn validate(self, now: Timestamp) -> Result<PromiseDraft, Violations> {
        let mut v = Violations::new();
        if self.request_id.is_none() && self.client_id.is_none() {
            v.add("client_id", "give a request_id or a client_id");
        }
        let description = v.check(
            "description",
            validate::optional_text(self.description.as_deref().unwrap_or(""), limits::NOTE),
        );
        if self.due_at <= now {
            v.add("due_at", "a promise must be due in the future");
        }
        v.finish(|| PromiseDraft {
            request_id: self.request_id,
            client_id: self.client_id,
            contact_id: self.contact_id,
            kind: self.kind,
            description: description.unwrap_or_default(),
            due_at: self.due_at,
            made_by: self.made_by,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenegotiateInput {
    pub due_at: Timestamp,
    /// Why the date moved (required: the history is for the client relationship).
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettleInput {
    /// When it was kept or broken; defaults to now.
    #[serde(default)]
    pub at: Option<Timestamp>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One renegotiation of a promise: the history the issue asks to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseChange {
    pub promise_id: PromiseId,
    pub old_due_at: Timestamp,
    pub new_due_at: Timestamp,
    pub reason: String,
    pub changed_by: MemberId,
    pub changed_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promise(due: &str) -> Promise {
        let t: Timestamp = "2026-03-01T09:00:00Z".parse().unwrap();
        Promise {
            id: PromiseId(1),
            org_id: OrgId(1),
            client_id: ClientId(1),
            request_id: None,
            contact_id: None,
            kind: PromiseKind::Proposal,
            description: String::new(),
            due_at: due.parse().unwrap(),
            made_by: MemberId(1),
            status: PromiseStatus::Open,
            kept_at: None,
            broken_at: None,
            margin_minutes: None,
            renegotiations: 0,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn keeping_early_gives_positive_margin() {
        let mut p = promise("2026-03-02T17:00:00Z");
        p.keep("2026-03-02T15:30:00Z".parse().unwrap()).unwrap();
        assert_eq!(p.margin_minutes, Some(90));
        assert_eq!(p.status, PromiseStatus::Kept);
        assert_eq!(
            p.keep("2026-03-02T15:30:00Z".parse().unwrap()),
            Err(PromiseError::Settled(PromiseStatus::Kept))
        );
    }

    #[test]
    fn past_its_due_time_a_promise_is_broken_not_kept() {
        let mut p = promise("2026-03-02T17:00:00Z");
        assert_eq!(
            p.keep("2026-03-02T17:00:01Z".parse().unwrap()),
            Err(PromiseError::PastDue { due: p.due_at })
        );
        assert_eq!(p.status, PromiseStatus::Open, "nothing changed");
        p.keep(p.due_at).unwrap();
        assert_eq!(p.margin_minutes, Some(0), "on the dot is kept");
        let mut p = promise("2026-03-02T17:00:00Z");
        p.break_at("2026-03-02T18:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(p.margin_minutes, Some(-60));
    }

    #[test]
    fn a_promise_is_not_kept_before_it_was_made() {
        let mut p = promise("2026-03-02T17:00:00Z");
        assert_eq!(
            p.keep("2026-03-01T08:59:59Z".parse().unwrap()),
            Err(PromiseError::BeforeMade { made: p.created_at })
        );
        p.keep(p.created_at).unwrap();
    }

    #[test]
    fn keeping_in_a_calendar_records_business_minutes() {
        let c = crate::calendar::CalendarSpec::office_hours("UTC")
            .compile()
            .unwrap();
        let mut p = promise("2026-03-02T17:00:00Z"); // Monday
        p.keep_in(&c, "2026-03-02T16:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(p.margin_minutes, Some(60), "an hour early in business time");
        let mut p = promise("2026-03-03T09:00:00Z"); // Tuesday at opening
        p.keep_in(&c, "2026-03-02T18:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(
            p.margin_minutes,
            Some(0),
            "kept the evening before loses no business time"
        );
        let mut p = promise("2026-03-02T17:00:00Z");
        p.break_in(&c, "2026-03-03T11:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(
            (p.status, p.margin_minutes),
            (PromiseStatus::Broken, Some(-120))
        );
        assert!(
            p.keep_in(&c, "2026-03-03T11:00:00Z".parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn renegotiation_keeps_it_pending() {
        let mut p = promise("2026-03-02T17:00:00Z");
        let now = "2026-03-02T10:00:00Z".parse().unwrap();
        let old = p
            .renegotiate("2026-03-05T17:00:00Z".parse().unwrap(), now)
            .unwrap();
        assert_eq!(old, "2026-03-02T17:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(p.status, PromiseStatus::Renegotiated);
        assert_eq!(p.renegotiations, 1);
        assert_eq!(p.renegotiate(p.due_at, now), Err(PromiseError::SameDue));
        assert_eq!(
            p.renegotiate(
                "2026-03-09T17:00:00Z".parse().unwrap(),
                "2026-03-05T17:00:01Z".parse().unwrap()
            ),
            Err(PromiseError::PastDue { due: p.due_at }),
            "a date already missed is not moved"
        );
        p.break_at("2026-03-06T10:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(p.status, PromiseStatus::Broken);
        assert!(
            p.renegotiate("2026-03-09T17:00:00Z".parse().unwrap(), now)
                .is_err()
        );
    }

    #[test]
    fn new_promises_must_be_in_the_future() {
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        let n: NewPromise = serde_json::from_str(
            r#"{"client_id": 1, "kind": "reply", "due_at": "2026-03-01T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(n.validate(now).unwrap_err().0[0].field, "due_at");
    }
}
