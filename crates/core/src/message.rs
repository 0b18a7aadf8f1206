//! Messages on a request: what the client wrote, what we wrote back, and internal notes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::ids::{MessageId, OrgId, RequestId};
use crate::label_enum;
use crate::validate::{self, Violations, limits};

label_enum!(Direction {
    /// From the client to us.
    Inbound => "inbound",
    /// From us to the client.
    Outbound => "outbound",
    /// Internal: never shown to the client.
    Note => "note",
});

label_enum!(
    /// Delivery state of an outbound message.
    SendStatus {
        /// Waiting for the mail worker.
        Queued => "queued",
        /// Held until the client's working hours.
        Scheduled => "scheduled",
        Sent => "sent",
        /// Gave up after retries; the request shows it.
        Failed => "failed",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub org_id: OrgId,
    pub request_id: RequestId,
    pub direction: Direction,
    pub author: Actor,
    pub body: String,
    /// Sanitised HTML, when the message came with HTML.
    pub body_html: Option<String>,
    pub subject: Option<String>,
    /// RFC 5322 Message-ID (without angle brackets), for threading.
    pub mail_message_id: Option<String>,
    pub send_status: Option<SendStatus>,
    pub scheduled_for: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
    /// Sentiment compound score (-1..1) of inbound text, when scored.
    pub sentiment: Option<f64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"direction": "outbound", "body": "Dear Dr Mehta,\n\nthe Q3 export is attached.\n\nKind regards", "confirm_findings": false})))]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `note` (default for members) or `outbound` for members; contacts always write `inbound`.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// 1 to 1,000,000 characters.
    pub body: String,
    /// Hold an outbound message until this instant (e.g. the client's morning).
    #[serde(default)]
    pub scheduled_for: Option<Timestamp>,
    /// Send an outbound message even though the etiquette lint has findings (they are recorded
    /// in the audit trail). Without it, an outbound message with findings is refused with 409
    /// listing them.
    #[serde(default)]
    pub confirm_findings: Option<bool>,
    /// `client_hours`: send now if the client is in office, else hold the outbound message until
    /// their calendar next opens. Not with `scheduled_for`.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// The newest message of the thread the writer saw when they wrote this (`0`: the thread
    /// had none). When a message arrived since, nothing is sent: 409 listing the new messages
    /// (`new_messages`); send again with the newest id, or without this field, to send anyway.
    #[serde(default)]
    pub last_seen_message_id: Option<MessageId>,
}

label_enum!(
    /// When an outbound message goes out.
    Schedule {
        /// In the client's working hours.
        ClientHours => "client_hours",
    }
);

#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub direction: Direction,
    pub body: String,
    pub scheduled_for: Option<Timestamp>,
    pub confirm_findings: bool,
    /// Hold until the client's working hours (the caller knows their calendar).
    pub client_hours: bool,
    /// The newest message the writer saw; `Some(MessageId(0))`: none.
    pub last_seen: Option<MessageId>,
}

impl NewMessage {
    /// Validate for a member (`is_member`) or a contact.
    pub fn validate(self, is_member: bool, now: Timestamp) -> Result<MessageDraft, Violations> {
        let mut v = Violations::new();
        let body = v.check("body", validate::text(&self.body, limits::BODY));
        let direction = if is_member {
            match self.direction.unwrap_or(Direction::Note) {
                Direction::Inbound => {
                    v.add("direction", "members write notes or outbound messages");
                    Direction::Note
                }
                d => d,
            }
        } else {
            if matches!(self.direction, Some(Direction::Note | Direction::Outbound)) {
                v.add("direction", "contacts can only write inbound messages");
            }
            Direction::Inbound
        };
        if self.confirm_findings.is_some() && direction != Direction::Outbound {
            v.add("confirm_findings", "only outbound messages are linted");
        }
        if let Some(at) = self.scheduled_for {
            if direction != Direction::Outbound {
                v.add("scheduled_for", "only outbound messages can be scheduled");
            } else if at <= now {
                v.add("scheduled_for", "must be in the future");
            }
        }
        if self.schedule.is_some() {
            if direction != Direction::Outbound {
                v.add("schedule", "only outbound messages can be scheduled");
            } else if self.scheduled_for.is_some() {
                v.add("schedule", "give schedule or scheduled_for, not both");
            }
        }
        if self.last_seen_message_id.is_some_and(|m| m.0 < 0) {
            v.add(
                "last_seen_message_id",
                "must be a message id, or 0 for none",
            );
        }
        v.finish(|| MessageDraft {
            direction,
            body: body.unwrap_or_default(),
            scheduled_for: self.scheduled_for,
            confirm_findings: self.confirm_findings.unwrap_or(false),
            client_hours: self.schedule == Some(Schedule::ClientHours),
            last_seen: self.last_seen_message_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(json: &str) -> NewMessage {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn members_default_to_notes_and_contacts_write_inbound() {
        let now = Timestamp::UNIX_EPOCH;
        let d = msg(r#"{"body": "call them"}"#).validate(true, now).unwrap();
        assert_eq!(d.direction, Direction::Note);
        let d = msg(r#"{"body": "hello"}"#).validate(false, now).unwrap();
        assert_eq!(d.direction, Direction::Inbound);
        let e = msg(r#"{"body": "x", "direction": "note"}"#)
            .validate(false, now)
            .unwrap_err();
        assert_eq!(e.0[0].field, "direction");
        let e = msg(r#"{"body": "x", "direction": "inbound"}"#)
            .validate(true, now)
            .unwrap_err();
        assert_eq!(e.0[0].field, "direction");
    }

    #[test]
    fn the_last_seen_message_is_an_id_or_zero() {
        let now = Timestamp::UNIX_EPOCH;
        let d = msg(r#"{"body": "x", "last_seen_message_id": 0}"#)
            .validate(true, now)
            .unwrap();
        assert_eq!(d.last_seen, Some(MessageId(0)));
        let d = msg(r#"{"body": "x"}"#).validate(true, now).unwrap();
        assert_eq!(d.last_seen, None, "not given: nothing is checked");
        let e = msg(r#"{"body": "x", "last_seen_message_id": -3}"#)
            .validate(false, now)
            .unwrap_err();
        assert_eq!(e.0[0].field, "last_seen_message_id");
    }

    #[test]
    fn scheduling_rules() {
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let e = msg(r#"{"body": "x", "scheduled_for": "2026-03-02T09:00:00Z"}"#)
            .validate(true, now)
            .unwrap_err();
        assert!(e.0[0].message.contains("outbound"));
        let e = msg(
            r#"{"body": "x", "direction": "outbound", "scheduled_for": "2026-02-01T09:00:00Z"}"#,
        )
        .validate(true, now)
        .unwrap_err();
        assert!(e.0[0].message.contains("future"));
        let e = msg(
            r#"{"body": "x", "direction": "outbound", "schedule": "client_hours", "scheduled_for": "2026-03-02T09:00:00Z"}"#,
        )
        .validate(true, now)
        .unwrap_err();
        assert_eq!(e.0[0].field, "schedule");
        let d = msg(r#"{"body": "x", "direction": "outbound", "schedule": "client_hours"}"#)
            .validate(true, now)
            .unwrap();
        assert!(d.client_hours && d.scheduled_for.is_none());
    }

    #[test]
    fn only_outbound_messages_confirm_findings() {
        let now = Timestamp::UNIX_EPOCH;
        let d = msg(r#"{"body": "x", "direction": "outbound", "confirm_findings": true}"#)
            .validate(true, now)
            .unwrap();
        assert!(d.confirm_findings);
        assert!(
            !msg(r#"{"body": "x", "direction": "outbound"}"#)
                .validate(true, now)
                .unwrap()
                .confirm_findings
        );
        let e = msg(r#"{"body": "x", "confirm_findings": true}"#)
            .validate(false, now)
            .unwrap_err();
        assert_eq!(e.0[0].field, "confirm_findings");
    }
}
