//! The organisation's policy for senders the receiving server could not verify.

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::mail_auth::MailPolicy;
use rapport_store::repo::mail as store;

use crate::{App, AppResult, Ctx};

impl App {
    /// The policy in force (members may read it: it explains the triage queue).
    pub async fn mail_policy(&self, ctx: &Ctx) -> AppResult<MailPolicy> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        Ok(self
            .store
            .read(move |db| store::mail_policy(db, org))
            .await?)
    }

    /// Set the policy (admins, like mailboxes). Applies to mail received from now on.
    pub async fn set_mail_policy(&self, ctx: &Ctx, input: MailPolicy) -> AppResult<MailPolicy> {
        ctx.require(Permission::ManageMembers)?;
        let policy = input.validate()?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<MailPolicy> {
                let before = store::mail_policy(db, org)?;
                store::set_mail_policy(db, org, &policy, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "mail.policy")
                        .details(serde_json::json!({"before": before, "after": policy})),
                )?;
                Ok(policy)
            })
            .await
    }
}
