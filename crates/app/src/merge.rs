//! Merge two requests of one client (the thread, promises and time move to the surviving one;
//! the other is closed and its id redirects), and split a message off into a new request.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission};
use rapport_core::audit::{self, AuditEntry};
use rapport_core::ids::{MessageId, RequestId};
use rapport_core::request::{NewRequest, Request, Status, TransitionInput};
use rapport_store::Db;
use rapport_store::repo::{merge as store, messages, requests};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::visible_request;
use crate::clocks::sla::{Change, on_request_change};
use crate::{App, AppError, AppResult, Ctx};

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The request that survives; it must be the same client's.
    pub into: RequestId,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merged {
    /// The surviving request, with the time and tags of both.
    pub request: Request,
    pub moved_messages: u64,
    pub moved_promises: u64,
    pub moved_time_entries: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplitInput {
    /// The new request's title; default: the message's first line.
    #[serde(default)]
    pub title: Option<String>,
}

fn first_line(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Split message");
    line.chars().take(120).collect()
}

/// Move `source`'s work onto `target` (both locked, of one client, neither merged before),
/// close `source` and leave a redirect; audited as `actor`'s. `why`: set when Rapport merged on
/// its own (mail found to be one thread), for the audit trail.
#[allow(clippy::too_many_arguments)]
pub(crate) fn merge_locked(
    db: &mut Db<'_>,
    ctx: &Ctx,
    actor: Actor,
    source: &Request,
    target: &Request,
    why: Option<&str>,
    settings: &crate::Settings,
    now: Timestamp,
) -> AppResult<Merged> {
    let org = ctx.org();
    let moved = store::move_work(db, org, source.id, target.id)?;
    let mut after = target.clone();
    for t in &source.tags {
        if !after.tags.contains(t) {
            after.tags.push(t.clone());
        }
    }
    after.tags.sort();
    after.updated_at = now;
    if after.tags != target.tags {
        requests::update_fields(db, target, &after)?;
    }
    store::set_spent(
        db,
        org,
        target.id,
        target.spent_minutes + source.spent_minutes,
        now,
    )?;
    if source.status != Status::Closed {
        crate::requests::transition_in(
            db,
            ctx,
            source.id,
            &TransitionInput {
                status: Status::Closed,
                reason: None,
                override_reason: None,
            },
            Some(format!("merged into {}", target.id)),
            settings,
            now,
        )?;
    }
    store::add_redirect(db, org, source.id, target.id, now)?;
    let merged = requests::get(db, org, target.id)?;
    on_request_change(db, &merged, Change::Edited, now)?;
    let details = json!({
        "from": source.id, "into": target.id, "messages": moved.messages,
        "promises": moved.promises, "time_entries": moved.time_entries,
        "spent_minutes": source.spent_minutes, "why": why,
    });
    ctx.audit(
        db,
        now,
        AuditEntry::new(actor, "request.merge")
            .target("request", source.id.0)
            .details(details.clone()),
    )?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(actor, "request.merged_in")
            .target("request", target.id.0)
            .details(json!({"merge": details, "changes": audit::diff(target, &merged)})),
    )?;
    Ok(Merged {
        request: merged,
        moved_messages: moved.messages,
        moved_promises: moved.promises,
        moved_time_entries: moved.time_entries,
    })
}

impl App {
    /// Merge request `id` into `input.into`. All or nothing.
    pub async fn merge_requests(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: MergeInput,
    ) -> AppResult<Merged> {
        ctx.require(Permission::DoWork)?;
        if !ctx.principal.is_member() {
            return Err(AppError::forbidden("merging is for members"));
        }
        let into = input.into;
        if into == id {
            return Err(AppError::invalid(
                "into",
                "a request cannot be merged into itself",
            ));
        }
        let now = self.now();
        let ctx = ctx.clone();
        let settings = self.settings.clone();
        self.store
            .write(move |db| -> AppResult<Merged> {
                let org = ctx.org();
                // Lock in id order so two merges of the same pair cannot deadlock.
                let (a, b) = if id < into { (id, into) } else { (into, id) };
                let first = visible_request(db, &ctx.principal, a, true)?;
                let second = visible_request(db, &ctx.principal, b, true).map_err(|e| match e {
                    AppError::NotFound(_) if b == into => AppError::invalid("into", format!("no request {into}")),
                    other => other,
                })?;
                let (source, target) = if first.id == id { (first, second) } else { (second, first) };
                if source.client_id != target.client_id {
                    return Err(AppError::invalid(
                        "into",
                        format!("request {into} is for another client; only one client's requests can be merged"),
                    ));
                }
                if let Some(t) = store::redirect_of(db, org, source.id)? {
                    return Err(AppError::conflict("id", format!("request {id} was already merged into {t}")));
                }
                if let Some(t) = store::redirect_of(db, org, target.id)? {
                    return Err(AppError::conflict(
                        "into",
                        format!("request {into} was merged into {t}; merge into {t} instead"),
                    ));
                }
                merge_locked(db, &ctx, ctx.principal.actor(), &source, &target, None, &settings, now)
            })
            .await
    }

    /// Where a merged request now lives, if it was merged (what the caller may see).
    pub async fn request_redirect(&self, ctx: &Ctx, id: RequestId) -> AppResult<Option<RequestId>> {
        let p = ctx.principal;
        self.store
            .read(move |db| -> AppResult<Option<RequestId>> {
                let to = store::redirect_of(db, p.org_id(), id)?;
                match to {
                    Some(t) => Ok(visible_request(db, &p, t, false).ok().map(|r| r.id)),
                    None => Ok(None),
                }
            })
            .await
    }

    /// Split message `id` off its request into a new request of the same client, contact and
    /// engagement.
    pub async fn split_message(
        &self,
        ctx: &Ctx,
        id: MessageId,
        input: SplitInput,
    ) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        if !ctx.principal.is_member() {
            return Err(AppError::forbidden("splitting is for members"));
        }
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let org = ctx.org();
                let m = messages::get(db, org, id).map_err(|_| AppError::NotFound("message"))?;
                let r = visible_request(db, &ctx.principal, m.request_id, true)?;
                let title = input.title.clone().unwrap_or_else(|| first_line(&m.body));
                let draft = NewRequest {
                    client_id: Some(r.client_id),
                    engagement_id: r.engagement_id,
                    contact_id: r.contact_id,
                    title,
                    body: Some(m.body.clone()),
                    kind: None,
                    priority: Some(r.priority),
                    channel: Some(r.channel),
                    tags: None,
                    estimate_minutes: None,
                    due_at: None,
                    assignee_id: r.assignee_id,
                }
                .validate(r.channel)?;
                let new =
                    crate::requests::insert_request(db, &ctx, r.client_id, draft, None, None, now)?;
                store::move_message(db, org, m.id, new.id)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "message.split")
                        .target("message", m.id.0)
                        .details(json!({"from": r.id, "into": new.id})),
                )?;
                Ok(requests::get(db, org, new.id)?)
            })
            .await
    }
}
