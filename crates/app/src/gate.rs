//! What the HTTP middleware asks of the application before and after a handler runs: readiness,
//! replaying idempotent requests, and recording refusals. The web layer calls these instead of
//! the store, so it sits above `app` only.

use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::params;
use rapport_store::repo::accounts;
pub use rapport_store::repo::accounts::Idempotent;

use crate::{App, AppResult, Ctx};

/// Whether the database answers and holds this binary's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The engine's name ("sqlite", "postgres").
    pub engine: &'static str,
    /// Why the service cannot serve, when it cannot.
    pub problem: Option<String>,
}

impl App {
    pub async fn readiness(&self) -> Readiness {
        let answered = self
            .store
            .read(|db| db.scalar::<i64>("SELECT 1", params![]))
            .await;
        let problem = match answered {
            Ok(_) => self.store.check_schema().await.err().map(|e| e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        Readiness {
            engine: self.store.engine().name(),
            problem,
        }
    }

    /// Record that a signed-in caller was refused (`auth.denied`), so probing shows in the log.
    pub async fn record_denial(&self, ctx: Ctx, method: String, path: String) -> AppResult<()> {
        let now = self.now();
        let entry = AuditEntry::new(ctx.principal.actor(), "auth.denied")
            .details(serde_json::json!({"method": method, "path": path}));
        self.store.write(move |db| ctx.audit(db, now, entry)).await
    }

    /// Claim an Idempotency-Key for a request (hashes of the key and of the request), or learn
    /// that it ran before, runs now, or named another request.
    pub async fn begin_idempotent(
        &self,
        org: OrgId,
        key_hash: String,
        request_hash: String,
    ) -> AppResult<Idempotent> {
        let now = self.now();
        Ok(self
            .store
            .write(move |db| accounts::begin_idempotent(db, org, &key_hash, &request_hash, now))
            .await?)
    }

    /// Keep the answer to an idempotent request for its retries; after a fault of ours
    /// (`status` 5xx) forget the key instead, so a retry runs again.
    pub async fn finish_idempotent(
        &self,
        org: OrgId,
        key_hash: String,
        status: u16,
        body: String,
    ) -> AppResult<()> {
        Ok(self
            .store
            .write(move |db| {
                if status >= 500 {
                    accounts::abandon_idempotent(db, org, &key_hash)
                } else {
                    accounts::finish_idempotent(db, org, &key_hash, status, &body)
                }
            })
            .await?)
    }
}
