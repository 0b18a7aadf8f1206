//! Collision detection's presence: who else has a request open and who is writing on it. Each
//! open request page (or API client) reports itself every few seconds; the report is a row in
//! the database, so members on different app servers see each other.
//!
//! Reports are not audited: a page open on a desk reports twelve times a minute, and what a
//! member reads is not a change to the book of work. They are purged by housekeeping.

use rapport_core::access::Permission;
use rapport_core::ids::{MemberId, RequestId};
use rapport_core::presence::{self, Presence, PresenceReport};
use rapport_store::Db;
use rapport_store::repo::presence as rows;

use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx};

/// Presence is the team's: a client's contact neither reports nor sees it.
fn member_of(ctx: &Ctx) -> AppResult<MemberId> {
    ctx.principal
        .member_id()
        .ok_or_else(|| AppError::forbidden("presence on a request is for members"))
}

/// The other members who have request `id` open now (the asker is left out), by name.
pub(crate) fn others_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: RequestId,
    now: jiff::Timestamp,
) -> AppResult<Vec<Presence>> {
    let me = member_of(ctx)?;
    ctx.require(Permission::ReadOrgWork)?;
    visible_request(db, &ctx.principal, id, false)?;
    Ok(rows::on_request(
        db,
        ctx.org(),
        id,
        me,
        presence::fresh_since(now),
    )?)
}

impl App {
    /// Who else has request `id` open now.
    pub async fn request_presence(&self, ctx: &Ctx, id: RequestId) -> AppResult<Vec<Presence>> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| others_in(db, &ctx, id, now))
            .await
    }

    /// The caller reports what they are doing on request `id`; the answer is who else has it
    /// open, so one call a poll does both.
    pub async fn report_presence(
        &self,
        ctx: &Ctx,
        id: RequestId,
        report: PresenceReport,
    ) -> AppResult<Vec<Presence>> {
        let me = member_of(ctx)?;
        ctx.require(Permission::ReadOrgWork)?;
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Vec<Presence>> {
                visible_request(db, &ctx.principal, id, false)?;
                rows::report(db, ctx.org(), id, me, report.state, now)?;
                others_in(db, &ctx, id, now)
            })
            .await
    }
}
