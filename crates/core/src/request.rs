//! Requests: the items of the book of work, and the life they move through.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::ids::{ClientId, ContactId, EngagementId, MemberId, OrgId, RequestId};
use crate::label_enum;
use crate::patch;
pub use crate::scope::ScopeRecord;
use crate::validate::{self, Violations, limits};

label_enum!(Kind {
    Feature => "feature",
    Data => "data",
    Bug => "bug",
    Question => "question",
    Complaint => "complaint",
    Other => "other",
});

label_enum!(Priority {
    Low => "low",
    Normal => "normal",
    High => "high",
    Urgent => "urgent",
});

impl Priority {
    /// Higher is more urgent; used to order queues.
    pub const fn weight(self) -> i64 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
}

label_enum!(Channel {
    Email => "email",
    Portal => "portal",
    Api => "api",
    Web => "web",
    Phone => "phone",
    Other => "other",
});

label_enum!(
    /// Where a request is in its life. See [`Status::can_become`] for the allowed moves.
    Status {
        New => "new",
        Triaged => "triaged",
        InProgress => "in_progress",
        WaitingOnClient => "waiting_on_client",
        Delivered => "delivered",
        Closed => "closed",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the request is already {0}")]
    Unchanged(Status),
    #[error("a request cannot go from {from} to {to}")]
    Illegal { from: Status, to: Status },
}

impl Status {
    /// A move here means the work is being done or was done (`in_progress`, `delivered`): what
    /// out-of-scope work may not reach before the client approves its change order. (Closing
    /// is not: work that will not be done is closed too.)
    pub const fn means_work_done(self) -> bool {
        matches!(self, Status::InProgress | Status::Delivered)
    }

    /// Open work: anything not yet delivered or closed.
    pub const fn is_open(self) -> bool {
        !matches!(self, Status::Delivered | Status::Closed)
    }

    /// The legal moves. Nothing returns to `new` (it means "nobody has looked yet"); delivered
    /// work can be reopened (the client says it is not done) or closed; closed work can be
    /// reopened into triage.
    /// The usual next step of work in this status, for a control to offer first: forwards,
    /// never back (`None` for a closed request, whose only move is reopening).
    pub fn forward(self) -> Option<Status> {
        use Status::*;
        match self {
            New => Some(Triaged),
            Triaged | WaitingOnClient => Some(InProgress),
            InProgress => Some(Delivered),
            Delivered => Some(Closed),
            Closed => None,
        }
    }

    pub fn can_become(self, to: Status) -> Result<(), TransitionError> {
        use Status::*;
        if self == to {
            return Err(TransitionError::Unchanged(self));
        }
        let ok = match self {
            New => matches!(
                to,
                Triaged | InProgress | WaitingOnClient | Delivered | Closed
            ),
            Triaged => matches!(to, InProgress | WaitingOnClient | Delivered | Closed),
            InProgress => matches!(to, Triaged | WaitingOnClient | Delivered | Closed),
            WaitingOnClient => matches!(to, Triaged | InProgress | Delivered | Closed),
            Delivered => matches!(to, InProgress | Closed),
            Closed => matches!(to, Triaged),
        };
        if ok {
            Ok(())
        } else {
            Err(TransitionError::Illegal { from: self, to })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Request {
    pub id: RequestId,
    pub org_id: OrgId,
    /// Human reference, also used as the `[#ref]` token in mail subjects.
    #[serde(rename = "ref")]
    pub reference: String,
    pub client_id: ClientId,
    pub engagement_id: Option<EngagementId>,
    pub contact_id: Option<ContactId>,
    pub title: String,
    pub body: String,
    pub kind: Kind,
    pub priority: Priority,
    pub status: Status,
    pub assignee_id: Option<MemberId>,
    pub estimate_minutes: Option<i64>,
    pub spent_minutes: i64,
    pub channel: Channel,
    pub tags: Vec<String>,
    /// When the work was promised for, if a date was given.
    pub due_at: Option<Timestamp>,
    /// Logged and finished through the quick lane.
    pub quick: bool,
    pub scope: Option<ScopeRecord>,
    pub created_by: Actor,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub last_inbound_at: Option<Timestamp>,
    pub last_outbound_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}

impl Request {
    /// Open and past its due date.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status.is_open() && self.due_at.is_some_and(|d| d < now)
    }

    /// Move to `to`, stamping the dates that belong to the move.
    pub fn transition(&mut self, to: Status, now: Timestamp) -> Result<(), TransitionError> {
        self.status.can_become(to)?;
        match to {
            Status::Delivered => self.delivered_at = Some(now),
            Status::Closed => self.closed_at = Some(now),
            _ => {
                // Reopening: the work is no longer delivered or closed.
                self.delivered_at = None;
                self.closed_at = None;
            }
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }
}

/// The reference shown to people for a request id.
pub fn reference(id: RequestId) -> String {
    id.0.to_string()
}

/// Estimates above this (a quarter of a working year) are typos, not plans.
pub const MAX_ESTIMATE_MINUTES: i64 = 500 * 60;

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"client_id": 1, "contact_id": 1, "title": "Export the Q3 figures", "body": "As a CSV, by Friday please.", "kind": "data", "priority": "normal", "tags": ["reporting"]})))]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// Required for members; a contact's own client is used for them.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[serde(default)]
    pub engagement_id: Option<EngagementId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// 1-300 characters.
    pub title: String,
    /// Up to 1,000,000 characters.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Up to 20 tags of 1-50 characters: letters, digits, `-_:.`.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// 0-30000 minutes.
    #[serde(default)]
    pub estimate_minutes: Option<i64>,
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    #[serde(default)]
    pub assignee_id: Option<MemberId>,
}

/// A validated new request (client resolved by the caller).
#[derive(Debug, Clone)]
pub struct RequestDraft {
    pub client_id: Option<ClientId>,
    pub engagement_id: Option<EngagementId>,
    pub contact_id: Option<ContactId>,
    pub title: String,
    pub body: String,
    pub kind: Kind,
    pub priority: Priority,
    pub channel: Channel,
    pub tags: Vec<String>,
    pub estimate_minutes: Option<i64>,
    pub due_at: Option<Timestamp>,
    pub assignee_id: Option<MemberId>,
}

fn estimate(value: Option<i64>, field: &str, v: &mut Violations) -> Option<i64> {
    value.and_then(|m| v.check(field, validate::range(m, 0, MAX_ESTIMATE_MINUTES)))
}

impl NewRequest {
    pub fn validate(self, default_channel: Channel) -> Result<RequestDraft, Violations> {
        let mut v = Violations::new();
        let title = v.check("title", validate::line(&self.title, limits::TITLE));
        let body = v.check(
            "body",
            validate::optional_text(self.body.as_deref().unwrap_or(""), limits::BODY),
        );
        let tags = validate::tags(self.tags.as_deref().unwrap_or(&[]), "tags", &mut v);
        let estimate = estimate(self.estimate_minutes, "estimate_minutes", &mut v);
        v.finish(|| RequestDraft {
            client_id: self.client_id,
            engagement_id: self.engagement_id,
            contact_id: self.contact_id,
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            kind: self.kind.unwrap_or(Kind::Other),
            priority: self.priority.unwrap_or(Priority::Normal),
            channel: self.channel.unwrap_or(default_channel),
            tags,
            estimate_minutes: estimate,
            due_at: self.due_at,
            assignee_id: self.assignee_id,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub estimate_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub due_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub engagement_id: Option<Option<EngagementId>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub contact_id: Option<Option<ContactId>>,
    /// Tags to add to the request's tags as they stand when the patch is applied (a bulk
    /// change): applied inside the write, so two at once both land.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub add_tags: Vec<String>,
}

impl RequestPatch {
    pub fn apply(self, r: &Request, now: Timestamp) -> Result<Request, Violations> {
        let mut v = Violations::new();
        let mut out = r.clone();
        if let Some(t) = &self.title
            && let Some(t) = v.check("title", validate::line(t, limits::TITLE))
        {
            out.title = t;
        }
        if let Some(b) = &self.body
            && let Some(b) = v.check("body", validate::optional_text(b, limits::BODY))
        {
            out.body = b;
        }
        if let Some(k) = self.kind {
            out.kind = k;
        }
        if let Some(p) = self.priority {
            out.priority = p;
        }
        if let Some(t) = &self.tags {
            out.tags = validate::tags(t, "tags", &mut v);
        }
        if !self.add_tags.is_empty() {
            let mut all = out.tags.clone();
            all.extend(self.add_tags.iter().cloned());
            all.sort();
            all.dedup();
            out.tags = validate::tags(&all, "tags", &mut v);
        }
        if let Some(e) = self.estimate_minutes {
            out.estimate_minutes = estimate(e, "estimate_minutes", &mut v);
        }
        out.due_at = patch::apply(out.due_at, self.due_at);
        out.engagement_id = patch::apply(out.engagement_id, self.engagement_id);
        out.contact_id = patch::apply(out.contact_id, self.contact_id);
        out.updated_at = now;
        v.finish(|| out)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub status: Status,
    /// Why, for the audit trail (optional; up to 10,000 characters).
    #[serde(default)]
    pub reason: Option<String>,
    /// Managers only: start (`in_progress`) or deliver (`delivered`) a request whose change
    /// order is still a draft or awaiting the client, and say why (1-10,000 characters).
    /// Recorded as work done out of scope without a change order ("absorbed", e.g. as goodwill).
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The member to assign, or `null` to unassign.
    pub assignee_id: Option<MemberId>,
    /// Take it only if nobody has it ("assign to me"): when two members take the same request
    /// at once, one wins and the other gets 409 naming who has it. Default `false`: assign
    /// whoever has it now.
    #[serde(default)]
    pub if_unassigned: Option<bool>,
}

/// One change to many requests at once (the queue's ticked rows).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    /// The requests to change, 1-100.
    pub request_ids: Vec<RequestId>,
    pub action: BulkAction,
}

/// What a bulk change does to each request: the same as its single-request counterpart
/// (`assign`, `transition`, a tag added by `update`), audited per request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkAction {
    /// Assign to a member, or unassign with `null`.
    Assign { assignee_id: Option<MemberId> },
    /// Move to a status, with an optional reason for the audit trail.
    Status {
        status: Status,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Add a tag (kept once when already there).
    Tag { tag: String },
}

/// The most requests one bulk change may name.
pub const BULK_MAX: usize = 100;

/// The quick lane: log a small piece of work that is already done, record the time, and tell
/// the client, in one step.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuickRequest {
    pub client_id: ClientId,
    #[serde(default)]
    pub engagement_id: Option<EngagementId>,
    /// Who asked; the reply to the client is addressed to them.
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// 1-300 characters.
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Minutes spent: 1-1440.
    pub minutes: i64,
    #[serde(default)]
    pub billable: Option<bool>,
    /// What to tell the client (an outgoing message); omit to tell nobody.
    #[serde(default)]
    pub reply: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Send the reply even though the etiquette lint has findings (they are recorded in the
    /// audit trail). Without it, a reply with findings is refused with 409 listing them.
    #[serde(default)]
    pub confirm_findings: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct QuickDraft {
    pub request: RequestDraft,
    pub minutes: i64,
    pub billable: bool,
    pub reply: Option<String>,
    pub confirm_findings: bool,
}

impl QuickRequest {
    pub fn validate(self) -> Result<QuickDraft, Violations> {
        let mut v = Violations::new();
        let minutes = v.check("minutes", validate::range(self.minutes, 1, 24 * 60));
        let reply = match self.reply.as_deref() {
            Some(r) => v.check("reply", validate::text(r, limits::BODY)),
            None => None,
        };
        let request = NewRequest {
            client_id: Some(self.client_id),
            engagement_id: self.engagement_id,
            contact_id: self.contact_id,
            title: self.title,
            body: self.body,
            kind: self.kind,
            priority: None,
            channel: None,
            tags: self.tags,
            estimate_minutes: None,
            due_at: None,
            assignee_id: None,
        }
        .validate(Channel::Api);
        let request = match request {
            Ok(r) => Some(r),
            Err(e) => {
                v.0.extend(e.0);
                None
            }
        };
        v.finish(|| QuickDraft {
            request: request.expect("request validated when no violations"),
            minutes: minutes.unwrap_or_default(),
            billable: self.billable.unwrap_or(true),
            reply,
            confirm_findings: self.confirm_findings.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    /// The next step offered first is always a legal move and never back along the flow.
    #[test]
    fn the_usual_next_step_is_legal_and_forwards() {
        // Waiting on the client is a pause in the work, level with it.
        let stage = |s: Status| match s {
            Status::New => 0,
            Status::Triaged => 1,
            Status::InProgress | Status::WaitingOnClient => 2,
            Status::Delivered => 3,
            Status::Closed => 4,
        };
        for &s in Status::ALL {
            match s.forward() {
                Some(next) => {
                    assert_eq!(s.can_become(next), Ok(()), "{s:?} -> {next:?}");
                    assert!(stage(next) >= stage(s), "{s:?} -> {next:?} goes back");
                }
                None => assert_eq!(s, Status::Closed),
            }
        }
    }

    proptest! {
        /// Whatever sequence of moves is attempted, the machine only ever sits in a state it
        /// reached through a legal move, and nothing ever returns to `new`.
        #[test]
        fn random_walks_stay_legal(moves in proptest::collection::vec(status(), 0..50)) {
            let mut s = Status::New;
            for to in moves {
                let before = s;
                match s.can_become(to) {
                    Ok(()) => {
                        prop_assert_ne!(to, Status::New);
                        prop_assert_ne!(before, to);
                        s = to;
                    }
                    Err(TransitionError::Unchanged(x)) => prop_assert_eq!(x, to),
                    Err(TransitionError::Illegal { from, to: t }) => {
                        prop_assert_eq!(from, before);
                        prop_assert_eq!(t, to);
                    }
                }
            }
        }

        /// Every state can reach `closed` and come back to work, so nothing is a dead end.
        #[test]
        fn no_state_is_a_trap(s in status()) {
            let reach_closed = s == Status::Closed || s.can_become(Status::Closed).is_ok();
            prop_assert!(reach_closed);
        }
    }

    #[test]
    fn specific_moves() {
        use Status::*;
        assert!(New.can_become(Delivered).is_ok()); // the quick lane
        assert!(Delivered.can_become(InProgress).is_ok()); // reopened by the client
        assert!(Closed.can_become(Triaged).is_ok());
        assert_eq!(
            Closed.can_become(Delivered),
            Err(TransitionError::Illegal {
                from: Closed,
                to: Delivered
            })
        );
        assert!(Delivered.can_become(WaitingOnClient).is_err());
        assert!(InProgress.can_become(New).is_err());
        assert_eq!(
            Triaged.can_become(Triaged),
            Err(TransitionError::Unchanged(Triaged))
        );
    }

    #[test]
    fn validation_reports_fields() {
        let r: NewRequest = serde_json::from_str(
            r#"{"title": "  ", "estimate_minutes": -5, "tags": ["ok", "not ok"]}"#,
        )
        .unwrap();
        let err = r.validate(Channel::Api).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "tags[1]", "estimate_minutes"]);
    }

    #[test]
    fn quick_lane_bounds_minutes() {
        let q: QuickRequest =
            serde_json::from_str(r#"{"client_id": 1, "title": "Rotate API key", "minutes": 0}"#)
                .unwrap();
        assert_eq!(q.validate().unwrap_err().0[0].field, "minutes");
    }

    #[test]
    fn wrong_types_fail_to_deserialize() {
        let r: Result<NewRequest, _> = serde_json::from_str(r#"{"title": 5}"#);
        assert!(r.is_err());
        let r: Result<NewRequest, _> = serde_json::from_str(r#"{"title": "x", "kind": "wish"}"#);
        assert!(r.unwrap_err().to_string().contains("wish"));
    }
}
