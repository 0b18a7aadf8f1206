//! Aggregates kept as the facts change (issue 20 item 1): the operator's rebuild from the
//! facts (`rapport aggregates rebuild`), and the kept values as they stand, for checking them.

use rapport_core::access::Actor;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::repo::aggregates::{self, Rebuilt, Snapshot};
use rapport_store::repo::{audit, orgs};

use crate::{App, AppResult};

impl App {
    /// Recompute the kept aggregates of `org` (or of every organisation) from the facts, in
    /// one transaction: what triggers keep as promises and ratings change, counted afresh.
    /// Idempotent; audited as `aggregates.rebuild` in each organisation rebuilt.
    pub async fn rebuild_aggregates_as_operator(&self, org: Option<OrgId>) -> AppResult<Rebuilt> {
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Rebuilt> {
                let rebuilt = aggregates::rebuild(db, org)?;
                let audited = match org {
                    Some(o) => vec![o],
                    None => orgs::list(db, 10_000)?.into_iter().map(|o| o.id).collect(),
                };
                for o in audited {
                    audit::record(
                        db,
                        o,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "aggregates.rebuild")
                            .target("org", o.0)
                            .details(serde_json::json!({"whole_database": org.is_none()})),
                    )?;
                }
                Ok(rebuilt)
            })
            .await
    }

    /// The kept aggregates of `org` as they stand (the rebuild's check compares them).
    pub async fn kept_aggregates(&self, org: OrgId) -> AppResult<Snapshot> {
        Ok(self
            .store
            .read(move |db| aggregates::snapshot(db, org))
            .await?)
    }
}
