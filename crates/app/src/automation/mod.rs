//! Working fast: canned replies, rules and webhooks, and the events that drive the last two.
//!
//! An event (a request created, a message in, a status changed) is recorded in the transaction
//! that caused it: a delivery row and a `webhook.deliver` job for each subscribed webhook, and a
//! `rules.run` job when the org has rules for it. Nothing is written when nothing listens, so
//! intake pays one indexed read.

pub mod canned;
pub mod rules;
pub mod webhooks;

use jiff::Timestamp;
use rapport_core::ids::RuleId;
use rapport_core::request::Request;
use rapport_core::rule::Event;
use rapport_store::Db;
use rapport_store::repo::{automation as store, jobs};
use serde_json::{Value, json};

use crate::AppResult;

/// Webhook delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow targets on loopback and private networks (off by default: a server must not be
    /// made to call into its own network). Tests and single-machine setups turn it on.
    pub allow_private: bool,
    /// How long one delivery attempt may take.
    pub timeout: std::time::Duration,
    /// Attempts per delivery before it is marked failed (backoff between them grows from 15 s).
    pub max_attempts: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            timeout: std::time::Duration::from_secs(10),
            max_attempts: 6,
        }
    }
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
            webhooks::queue_delivery(db, org, hook.id, event.as_str(), &data, now)?;
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
                kind: rules::RUN_JOB,
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
