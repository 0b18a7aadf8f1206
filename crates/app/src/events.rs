//! Events: a request created, a message in, a status changed, a rating received. Each is
//! recorded in the transaction that caused it: a delivery row and a `webhook.deliver` job for
//! each subscribed webhook, and a `rules.run` job when the org has rules for it. Nothing is
//! written when nothing listens, so intake pays one indexed read.
//!
//! A leaf below every use case that raises events; running the queued jobs is
//! [`crate::automation`]'s.

use jiff::Timestamp;
use rapport_core::ids::{OrgId, RuleId, WebhookDeliveryId, WebhookId};
use rapport_core::request::Request;
use rapport_core::rule::Event;
use rapport_store::Db;
use rapport_store::repo::{automation as store, jobs};
use serde_json::{Value, json};

use crate::AppResult;

/// The job that runs an org's rules for one event.
pub const RULES_RUN_JOB: &str = "rules.run";
/// The job that delivers one webhook call.
pub const WEBHOOK_DELIVER_JOB: &str = "webhook.deliver";
/// Attempts per webhook delivery before it is marked failed (backoff between them grows from
/// 15 s).
pub const DELIVERY_ATTEMPTS: i64 = 6;

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
        let payload: Value = json!({
            "event": event,
            "request_id": r.id,
            "message": extra
                .message
                .as_ref()
                .map(|(_, b)| b)
                .or(extra.rating.as_ref().map(|(_, _, c)| c)),
            "rule_ids": chain,
        });
        jobs::enqueue(
            db,
            org,
            &jobs::NewJob {
                kind: RULES_RUN_JOB,
                payload: &payload,
                run_at: now,
                max_attempts: rapport_core::jobs::DEFAULT_MAX_ATTEMPTS,
                dedupe_key: None,
            },
            now,
        )?;
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
    jobs::enqueue(
        db,
        org,
        &jobs::NewJob {
            kind: WEBHOOK_DELIVER_JOB,
            payload: &json!({"webhook_delivery_id": id}),
            run_at: now,
            max_attempts: DELIVERY_ATTEMPTS,
            dedupe_key: None,
        },
        now,
    )?;
    Ok(id)
}
