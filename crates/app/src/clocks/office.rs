//! Is the client in the office now? Their local time and when business time next runs, on the
//! calendar their clocks use.

use jiff::Timestamp;
use rapport_core::ids::{ClientId, EngagementId};
use rapport_store::Db;
use rapport_store::repo::clients;
use serde::Serialize;

use super::Lookup;
use crate::{App, AppError, AppResult, Ctx};

/// A client's clock at one instant.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientNow {
    pub client_id: ClientId,
    /// The engagement whose calendar was used, when one was asked for and it has its own.
    pub engagement_id: Option<EngagementId>,
    pub tz: String,
    pub at: Timestamp,
    /// Wall-clock time at the client, e.g. `2026-03-02T09:30:00`.
    pub local_time: String,
    /// `monday` ... `sunday`.
    pub weekday: String,
    /// Business time is running (within their hours, not a holiday).
    pub in_office: bool,
    pub holiday_today: bool,
    /// When business time next runs: `at` itself when in office.
    pub next_open: Option<Timestamp>,
}

/// [`App::client_now`] at `at`, inside the caller's snapshot.
pub(crate) fn client_now_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    client: ClientId,
    engagement: Option<EngagementId>,
    at: Timestamp,
) -> AppResult<ClientNow> {
    if let Some(own) = ctx.principal.client_scope()
        && own != client
    {
        return Err(AppError::NotFound("client"));
    }
    let org = ctx.org();
    if !clients::exists(db, org, client)? {
        return Err(AppError::NotFound("client"));
    }
    let mut lookup = Lookup::default();
    let used = match engagement {
        Some(e) => match lookup.engagement(db, org, Some(e))? {
            Some(eng) if eng.client_id == client => eng.calendar.is_some().then_some(e),
            _ => {
                return Err(AppError::invalid(
                    "engagement_id",
                    format!("no engagement {e} for client {client}"),
                ));
            }
        },
        None => None,
    };
    let calendar = lookup.calendar(db, org, client, used)?;
    let local = calendar.zone().to_datetime(at);
    Ok(ClientNow {
        client_id: client,
        engagement_id: used,
        tz: calendar.spec().tz.clone(),
        at,
        local_time: local.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        weekday: local.strftime("%A").to_string().to_lowercase(),
        in_office: calendar.is_open(at),
        holiday_today: calendar.is_holiday(local.date()),
        next_open: calendar.next_open(at),
    })
}

impl App {
    /// The client's local time and office state, on their calendar or, with `engagement`, on that
    /// engagement's calendar when it has one. Contacts may ask about their own client.
    pub async fn client_now(
        &self,
        ctx: &Ctx,
        client: ClientId,
        engagement: Option<EngagementId>,
    ) -> AppResult<ClientNow> {
        let ctx = ctx.clone();
        let at = self.now();
        self.store
            .read(move |db| client_now_in(db, &ctx, client, engagement, at))
            .await
    }
}
