//! Events: a request created, a message in, a status changed, a rating received. Each is
//! recorded in the transaction that caused it: a delivery row and a `webhook.deliver` job for
//! each subscribed webhook, and a `rules.run` job when the org has rules for it. Nothing is
//! written when nothing listens, so intake pays one indexed read.
//!
//! A leaf below every use case that raises events; running the queued jobs is
//! [`crate::automation`]'s.

use jiff::Timestamp;
use rapport_core::ids::{OrgId, RequestId, RuleId, WebhookDeliveryId, WebhookId};
use rapport_core::request::Request;
use rapport_core::rule::Event;
use rapport_store::Db;
use rapport_store::repo::automation as store;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppResult;
use crate::jobs::{self, JobKind};

/// The job that runs an org's rules for one event.
pub(crate) struct RunRules;

impl JobKind for RunRules {
    const KIND: &'static str = "rules.run";
    type Payload = RulesRun;
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RulesRun {
    pub(crate) event: Event,
    pub(crate) request_id: RequestId,
    /// The message's or the rating's text, which `text_contains` reads.
    #[serde(default)]
    pub(crate) message: Option<String>,
    /// The rules whose actions caused the event, so that a rule cannot trigger itself.
    #[serde(default)]
    pub(crate) rule_ids: Vec<RuleId>,
}

/// The job that delivers one webhook call.
pub(crate) struct Deliver;

impl JobKind for Deliver {
    const KIND: &'static str = "webhook.deliver";
    type Payload = DeliveryPayload;
    /// Attempts before the delivery is marked failed (backoff between them grows from 15 s).
    const MAX_ATTEMPTS: i64 = 6;
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DeliveryPayload {
    pub(crate) webhook_delivery_id: WebhookDeliveryId,
}

/// What an event carries beyond the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// For `message_in`: the message.
    pub message: Option<(i64, String)>,
    /// For `status_changed`.
    pub from: Option<&'static str>,
    /// For `rating_received`: the rating's id, score and comment (the comment is what
    /// `text_contains` reads).
    pub rating: Option<(i64, i64, String)>,
}

/// Record `event` on `r` in the caller's transaction. `chain` is the rules whose actions caused
/// it (empty when a person, the mail or the API did).
pub(crate) fn emit(
    db: &mut Db<'_>,
    r: &Request,
    event: Event,
    extra: &Extra,
    chain: &[RuleId],
    now: Timestamp,
) -> AppResult<()> {
    let org = r.org_id;
    if !store::anything_listens(db, org)? {
        return Ok(());
    }
    let mut data = json!({ "request": r });
    if let Some((id, body)) = &extra.message {
        data["message"] = json!({"id": id, "body": body});
    }
    if let Some((id, score, comment)) = &extra.rating {
        data["rating"] = json!({"id": id, "score": score, "comment": comment});
    }
    if let Some(from) = extra.from {
        data["from"] = json!(from);
        data["to"] = json!(r.status);
    }
    for hook in store::list_webhooks(db, org)? {
        if hook.enabled && hook.events.contains(&event) {
            queue_delivery(db, org, hook.id, event.as_str(), &data, now)?;
        }
    }
    if !store::rules_for(db, org, event)?.is_empty() {
        let payload = RulesRun {
            event,
            request_id: r.id,
            message: extra
                .message
                .as_ref()
                .map(|(_, b)| b.clone())
                .or(extra.rating.as_ref().map(|(_, _, c)| c.clone())),
            rule_ids: chain.to_vec(),
        };
        jobs::queue::<RunRules>(db, org, &payload, now, None, now)?;
    }
    Ok(())
}

/// Queue the delivery of `data` as `event` to `hook`, in the caller's write.
pub(crate) fn queue_delivery(
    db: &mut Db<'_>,
    org: OrgId,
    hook: WebhookId,
    event: &str,
    data: &Value,
    now: Timestamp,
) -> AppResult<WebhookDeliveryId> {
    let body = json!({
        "event": event,
        "org_id": org,
        "occurred_at": now,
        "data": data,
    })
    .to_string();
    let id = store::insert_delivery(db, org, hook, event, &body, now)?;
    let delivery = DeliveryPayload {
        webhook_delivery_id: id,
    };
    jobs::queue::<Deliver>(db, org, &delivery, now, None, now)?;
    Ok(id)
}
