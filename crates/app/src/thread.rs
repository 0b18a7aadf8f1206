//! What happens on a request's thread, whichever channel carried it. The client writing back
//! is one domain event: the portal, the API and mail intake all record it here, so the clocks,
//! care, the reopening of finished work and the rules see the same thing from each.

use jiff::Timestamp;
use rapport_core::audit::AuditEntry;
use rapport_core::inbox;
use rapport_core::request::{Request, Status};
use rapport_core::sentiment::Sentiment;
use rapport_store::Db;
use rapport_store::repo::requests;

use crate::clocks::sla::{Change, on_request_change};
use crate::{AppError, AppResult, Ctx};

/// The client's word arrived on `r` (locked by the caller) as message `message` (id and text),
/// by `via` ("portal", "mail", ...). Stops the waiting-on-us clocks, keeps the care signals,
/// moves finished or waiting work back to the team, and fires `message_in` (and
/// `status_changed` when it moved). Returns the status the request moved to, if it moved.
pub(crate) fn record_inbound(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &mut Request,
    message: (i64, &str),
    sentiment: Option<&Sentiment>,
    via: &str,
    now: Timestamp,
) -> AppResult<Option<Status>> {
    let org = r.org_id;
    requests::touch_inbound(db, org, r.id, now)?;
    r.last_inbound_at = Some(now);
    on_request_change(db, r, Change::Inbound, now)?;
    if let Some(s) = sentiment {
        crate::care::on_inbound(db, ctx, r, s, now)?;
    }
    let reopened = reopen(db, ctx, r, via, now)?;
    crate::events::emit(
        db,
        r,
        rapport_core::rule::Event::MessageIn,
        &crate::events::Extra {
            message: Some((message.0, message.1.to_string())),
            ..Default::default()
        },
        &[],
        now,
    )?;
    Ok(reopened)
}

/// The ball is back in our court: waiting work returns to triage, delivered work goes back
/// into progress, closed work is reopened into triage. Delivered work that waits for the
/// client's decision on a change order stays delivered (starting it again would do the extra
/// work before it is agreed, unless a manager already absorbed it); the message still stops
/// the clocks and shows on the thread.
fn reopen(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &mut Request,
    via: &str,
    now: Timestamp,
) -> AppResult<Option<Status>> {
    let Some(to) = inbox::status_after_client_reply(r.status) else {
        return Ok(None);
    };
    if to == Status::InProgress && !crate::scope::pending_change_orders(db, r.org_id, r)?.is_empty()
    {
        return Ok(None);
    }
    let from = r.status;
    r.transition(to, now)
        .map_err(|e| AppError::conflict("status", e.to_string()))?;
    requests::update_status(db, r)?;
    on_request_change(db, r, Change::Status, now)?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.status")
            .target("request", r.id.0)
            .details(serde_json::json!({
                "from": from, "to": to, "reason": format!("the client replied by {via}"),
            })),
    )?;
    crate::events::emit(
        db,
        r,
        rapport_core::rule::Event::StatusChanged,
        &crate::events::Extra {
            from: Some(from.as_str()),
            ..Default::default()
        },
        &[],
        now,
    )?;
    Ok(Some(to))
}
