//! Alerts: raised by jobs and use cases, read and acknowledged by people.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission};
use rapport_core::alert::{Alert, AlertStatus, NewAlert};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::Db;
use rapport_store::repo::alerts::{self as store, AlertQuery};
use rapport_store::repo::audit;

use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// Raise an alert inside the current write; audited when it is new. Returns whether it was new.
pub fn raise(db: &mut Db<'_>, org: OrgId, alert: &NewAlert, now: Timestamp) -> AppResult<bool> {
    match store::raise(db, org, alert, now)? {
        Some(id) => {
            tracing::info!(kind = %alert.kind, alert = id, "alert raised");
            audit::record(
                db,
                org,
                now,
                None,
                &AuditEntry::new(Actor::System, "alert.raise")
                    .target("alert", id)
                    .details(serde_json::json!({"kind": alert.kind, "message": alert.message})),
            )?;
            crate::health_jobs::on_alert(db, org, alert, now)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub statuses: Vec<AlertStatus>,
    pub kind: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// Only alerts for the caller (theirs and the team's).
    pub mine: bool,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// [`App::list_alerts`] inside the caller's snapshot.
pub(crate) fn list_alerts_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    f: AlertFilter,
) -> AppResult<Listing<Alert>> {
    ctx.require(Permission::ReadOrgWork)?;
    let q = AlertQuery {
        statuses: f.statuses,
        kind: f.kind,
        subject_kind: f.subject_kind,
        subject_id: f.subject_id,
        recipient: if f.mine {
            ctx.principal.member_id()
        } else {
            None
        },
        before_id: cursor::after_id(f.cursor.as_deref())?,
        limit: crate::limit(f.limit)?,
    };
    Ok(store::list(db, ctx.org(), &q)?.into())
}

impl App {
    pub async fn list_alerts(&self, ctx: &Ctx, f: AlertFilter) -> AppResult<Listing<Alert>> {
        let ctx = ctx.clone();
        self.store.read(move |db| list_alerts_in(db, &ctx, f)).await
    }

    /// Acknowledge (someone is on it) or resolve an alert.
    pub async fn set_alert_status(
        &self,
        ctx: &Ctx,
        id: i64,
        status: AlertStatus,
    ) -> AppResult<Alert> {
        ctx.require(Permission::DoWork)?;
        if status == AlertStatus::Open {
            return Err(AppError::invalid("status", "alerts are opened by Rapport"));
        }
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Alert> {
                let before = store::get(db, org, id).map_err(|_| AppError::NotFound("alert"))?;
                if before.status == AlertStatus::Resolved {
                    return Err(AppError::conflict(
                        "status",
                        "the alert is already resolved",
                    ));
                }
                store::set_status(db, org, id, status, ctx.principal.member_id(), now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "alert.update")
                        .target("alert", id)
                        .details(serde_json::json!({"status": status})),
                )?;
                Ok(store::get(db, org, id)?)
            })
            .await
    }
}
