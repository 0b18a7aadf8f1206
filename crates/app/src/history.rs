//! Backdated history: a book of work written in bulk as it would stand after months of use, by
//! the tools that build one (the demo workspace and the benchmark seeder, in `rapport-seed`).
//!
//! Such a tool writes the facts (requests, messages, promises, ratings) through the store's
//! repositories, with the times they happened, in large transactions. What the live paths derive
//! from those facts (care signals, SLA summaries, health scores) comes from [`Derived`], the same
//! functions the live paths call, so a seeded book reads like a lived one. Nothing here checks
//! permissions: these are operator tools run against a database, not requests from a person.

use jiff::Timestamp;
use rapport_core::complaint::Reading;
use rapport_core::ids::{ClientId, OrgId};
use rapport_core::request::Request;
use rapport_store::{Db, Store};

use crate::clocks::Lookup;
use crate::{App, AppResult, Ctx};

impl App {
    /// The database under this app, for a tool that writes backdated history through the
    /// repositories (see the module's notes). Use cases never go through it.
    pub fn history_store(&self) -> &Store {
        &self.store
    }
}

/// What the live paths derive from rows written by hand, with the clients, engagements and
/// calendars it has loaded kept for the next row of the same batch.
#[derive(Default)]
pub struct Derived {
    lookup: Lookup,
}

impl Derived {
    /// What intake derives from a new request: its care signals (the reading of its words, the
    /// complaint flag, the client's health queued) as `ctx`, the one who asked, at `at`.
    pub fn request_created(
        &mut self,
        db: &mut Db<'_>,
        ctx: &Ctx,
        r: &Request,
        reading: Option<&Reading>,
        at: Timestamp,
    ) -> AppResult<()> {
        crate::care::on_request_created(db, ctx, r, reading, at)
    }

    /// The request's SLA summary as of `now`, from its timestamps alone (a seeded request has no
    /// clock events of its own).
    pub fn sla_summary(&mut self, db: &mut Db<'_>, r: &Request, now: Timestamp) -> AppResult<()> {
        crate::clocks::sla::seed_summary(db, &mut self.lookup, r, now)
    }

    /// The request's SLA clock replayed through the events recorded for it, up to `now`.
    pub fn sla_replay(&mut self, db: &mut Db<'_>, r: &Request, now: Timestamp) -> AppResult<()> {
        crate::clocks::sla::replay(db, r, now)
    }

    /// The client's health as it stood at `at`, counting only what had happened by then, kept
    /// in its history.
    pub fn health_at(
        &mut self,
        db: &mut Db<'_>,
        org: OrgId,
        client: ClientId,
        at: Timestamp,
    ) -> AppResult<()> {
        crate::health::recompute(db, org, client, at).map(|_| ())
    }
}
