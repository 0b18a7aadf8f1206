//! The LMTP listener's view of the application: which recipient belongs to which org, and the
//! answer for each recipient once the message is recorded. The protocol itself is in
//! rapport-mail.

use std::collections::BTreeMap;

use rapport_core::ids::OrgId;
use rapport_core::inbox::{MailSource, TriageReason};
use rapport_mail::lmtp::{Delivery, LmtpHandler, Reply};
use rapport_mail::transport::BoxFuture;

use super::ingest::{IngestOutcome, Received};
use crate::{App, AppError};

/// Recipient address (or `@domain`) to org; anything else goes to `default`, when set.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    pub addresses: BTreeMap<String, OrgId>,
    pub default: Option<OrgId>,
}

impl Routes {
    pub fn org_for(&self, address: &str) -> Option<OrgId> {
        let address = address.trim().to_lowercase();
        if let Some(org) = self.addresses.get(&address) {
            return Some(*org);
        }
        let domain = address.rsplit_once('@').map(|(_, d)| format!("@{d}"))?;
        self.addresses.get(&domain).copied().or(self.default)
    }
}

pub struct LmtpIntake {
    pub app: App,
    pub routes: Routes,
}

/// The LMTP answer for one outcome.
pub fn reply_for(outcome: &Result<IngestOutcome, AppError>) -> Reply {
    match outcome {
        Ok(IngestOutcome::NewRequest { request_id, .. }) => {
            Reply::new(250, format!("2.0.0 new request {request_id}"))
        }
        Ok(IngestOutcome::Threaded { request_id, .. }) => {
            Reply::new(250, format!("2.0.0 added to request {request_id}"))
        }
        Ok(IngestOutcome::Duplicate { .. }) => Reply::new(250, "2.0.0 already received"),
        Ok(IngestOutcome::Triaged {
            reason: TriageReason::TooLarge,
            triage_id,
            detail,
        }) => Reply::new(
            552,
            format!("5.3.4 {detail} (recorded as triage item {triage_id})"),
        ),
        Ok(IngestOutcome::Triaged {
            triage_id, reason, ..
        }) => Reply::new(
            250,
            format!("2.0.0 held for a person: triage item {triage_id} ({reason})"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "LMTP delivery could not be recorded");
            // Temporary: the mail server keeps the message and tries again.
            Reply::new(451, "4.3.0 could not record the message; try again later")
        }
    }
}

impl LmtpHandler for LmtpIntake {
    fn check_recipient(&self, address: &str) -> Result<(), Reply> {
        match self.routes.org_for(address) {
            Some(_) => Ok(()),
            None => Err(Reply::new(550, "5.1.1 no such mailbox here")),
        }
    }

    fn deliver(&self, delivery: Delivery) -> BoxFuture<'static, Vec<Reply>> {
        let app = self.app.clone();
        let routes = self.routes.clone();
        Box::pin(async move {
            let received = Received {
                source: MailSource::Lmtp,
                mailbox_id: None,
                size: delivery.size,
                complete: delivery.complete,
            };
            // One message to several of an org's addresses is recorded once (and answers the
            // same for each); to several orgs, once per org.
            let mut per_org: BTreeMap<OrgId, Reply> = BTreeMap::new();
            let mut replies = Vec::with_capacity(delivery.recipients.len());
            for rcpt in &delivery.recipients {
                let Some(org) = routes.org_for(rcpt) else {
                    replies.push(Reply::new(550, "5.1.1 no such mailbox here"));
                    continue;
                };
                let reply = match per_org.get(&org) {
                    Some(r) => r.clone(),
                    None => {
                        let outcome = app.ingest_mail(org, delivery.data.clone(), received).await;
                        if outcome.is_err() {
                            app.ops
                                .mail_intake_failed(org, crate::ops::IntakeSource::Lmtp);
                        }
                        let r = reply_for(&outcome);
                        per_org.insert(org, r.clone());
                        r
                    }
                };
                replies.push(reply);
            }
            replies
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_route_by_address_then_domain_then_default() {
        let mut r = Routes::default();
        r.addresses.insert("support@a.example".into(), OrgId(1));
        r.addresses.insert("@b.example".into(), OrgId(2));
        assert_eq!(r.org_for("Support@A.example"), Some(OrgId(1)));
        assert_eq!(r.org_for("anyone@b.example"), Some(OrgId(2)));
        assert_eq!(r.org_for("x@c.example"), None);
        r.default = Some(OrgId(3));
        assert_eq!(r.org_for("x@c.example"), Some(OrgId(3)));
    }

    #[test]
    fn too_large_is_refused_and_failures_are_temporary() {
        let big = Ok(IngestOutcome::Triaged {
            triage_id: 4,
            reason: TriageReason::TooLarge,
            detail: "message is 9 bytes, over the limit of 1 bytes".into(),
        });
        let r = reply_for(&big);
        assert_eq!(r.code, 552);
        assert!(r.text.contains("triage item 4"));
        let held = Ok(IngestOutcome::Triaged {
            triage_id: 5,
            reason: TriageReason::UnknownSender,
            detail: String::new(),
        });
        assert_eq!(reply_for(&held).code, 250);
        assert_eq!(
            reply_for(&Err(AppError::Unavailable("db".into()))).code,
            451
        );
    }
}
