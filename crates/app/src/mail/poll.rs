//! Polling IMAP mailboxes: one `mail.poll` job per mailbox, re-queued by itself. Each message is
//! imported in the transaction that moves the mailbox's UID watermark past it, so a message is
//! imported once even if the poll dies halfway, and never again after it was deleted in Rapport.
//! A mailbox that cannot be read raises a visible alert at once, and again after a quiet period
//! while it keeps failing; the alerts resolve when it works again.

use jiff::{SignedDuration, Timestamp};
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::ids::OrgId;
use rapport_core::inbox::{MailSource, Mailbox, MailboxKind};
use rapport_core::jobs::Job;
use rapport_mail::transport::{ImapAccount, MailboxError, Processed};
use rapport_store::Db;
use rapport_store::repo::mail as store;
use std::sync::Arc;

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_mail::transport::MailboxReader;
use serde::{Deserialize, Serialize};

use super::ingest::{IngestOutcome, Received, prepare, record};
use crate::jobs::{JobFailure, JobKind};
use crate::secrets::Secret;
use crate::{App, AppError, AppResult, Ctx};

/// One poll of one mailbox (one live per mailbox).
pub(crate) struct Poll;

impl JobKind for Poll {
    const KIND: &'static str = "mail.poll";
    type Payload = PollPayload;
}

/// What a mailbox's connection test found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxTest {
    /// Signed in and opened the folder.
    pub ok: bool,
    /// How many messages the folder holds, when it could be opened.
    pub messages: Option<u32>,
    /// What happened, in words for the admin (why it failed, when it did).
    pub message: String,
}

fn dedupe_key(mailbox: i64) -> String {
    format!("{}:{mailbox}", Poll::KIND)
}

/// Queue the next poll of a mailbox (one live poll job per mailbox).
pub(crate) fn schedule_poll(
    db: &mut Db<'_>,
    org: OrgId,
    mailbox: i64,
    at: Timestamp,
    now: Timestamp,
) -> AppResult<()> {
    let payload = PollPayload {
        mailbox_id: mailbox,
    };
    crate::jobs::queue::<Poll>(db, org, &payload, at, Some(&dedupe_key(mailbox)), now)?;
    Ok(())
}

/// Record a failed poll; alert when it is the first failure or the quiet period has passed.
fn record_failure(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    error: &str,
    quiet: SignedDuration,
    now: Timestamp,
) -> AppResult<bool> {
    let (mb, _) = store::mailbox_for_poll(db, org, id, true)?;
    let due = match (mb.failing_since, mb.last_alert_at) {
        (None, _) | (_, None) => true,
        (Some(_), Some(last)) => now.duration_since(last) >= quiet,
    };
    if due {
        // One open alert per mailbox: a repeat replaces the older one, so it is seen afresh.
        store::resolve_mailbox_alerts(db, org, id, now)?;
        crate::alerts::raise(
            db,
            org,
            &NewAlert {
                kind: "mailbox.failing".into(),
                severity: Severity::Critical,
                subject_kind: Some("mailbox"),
                subject_id: Some(id),
                message: format!(
                    "Mailbox {:?} cannot be read, so mail sent to it is not arriving: {error}",
                    mb.name
                ),
                details: serde_json::json!({
                    "error": error, "failing_since": mb.failing_since.unwrap_or(now), "host": mb.host,
                }),
                recipient_id: None,
                dedupe_key: format!("mailbox.failing:{id}:{}", now.as_millisecond()),
            },
            now,
        )?;
    }
    store::mailbox_failed(db, org, id, error, due, now)?;
    Ok(due)
}

/// Whether a tenant's mailbox may point at `host:port` (the checks that need no lookup; the
/// reader checks what a name resolves to). `Err((field, why))`.
pub(crate) fn check_address(
    settings: &super::MailSettings,
    host: &str,
    port: u16,
) -> Result<(), (&'static str, String)> {
    rapport_mail::guard::check_literal(host, settings.allow_private_hosts)
        .map_err(|e| ("host", e.to_string()))?;
    if !settings.allow_any_port && !super::IMAP_PORTS.contains(&port) {
        return Err((
            "port",
            "must be an IMAP port (143 or 993); this server allows no others".to_string(),
        ));
    }
    Ok(())
}

/// What the organisation is told when its mailbox cannot be read. Which step failed (no
/// connection, no TLS, no IMAP greeting) would tell an open port from a closed one, so those
/// read alike; the details go to the server log. Sign-in and folder errors come only after a
/// real IMAP server answered, and are the tenant's to fix, so they are shown.
fn tenant_message(e: &MailboxError, host: &str, port: u16) -> String {
    match e {
        MailboxError::Auth(_) | MailboxError::Folder { .. } => e.to_string(),
        MailboxError::Refused(_) => format!(
            "{host} is not a public address (or does not resolve to one); mailboxes may only \
             reach IMAP servers on the internet"
        ),
        MailboxError::Connect(_)
        | MailboxError::Tls(_)
        | MailboxError::Protocol(_)
        | MailboxError::Timeout(_) => format!(
            "could not reach an IMAP server at {host}:{port} (no connection, TLS or IMAP \
             greeting failed); the server log has the details"
        ),
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct PollPayload {
    mailbox_id: i64,
}

impl App {
    /// Make sure every active IMAP mailbox has a poll job (at start-up: a queue restored from a
    /// backup, or mailboxes created before this version).
    pub async fn ensure_mail_polls(&self) -> AppResult<usize> {
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<usize> {
                let all = store::active_imap_mailboxes(db)?;
                for (org, id) in &all {
                    schedule_poll(db, *org, *id, now, now)?;
                }
                Ok(all.len())
            })
            .await
    }

    pub(crate) async fn run_poll_job(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = Poll::decode(job)?;
        let (org, id) = (job.org_id, p.mailbox_id);
        let found = self
            .store
            .read(move |db| store::mailbox_for_poll(db, org, id, false).map_err(AppError::from))
            .await;
        let (mailbox, sealed) = match found {
            Ok(v) => v,
            // Deleted: nothing more to poll.
            Err(AppError::NotFound(_)) => return self.finish_job(job, worker, |_, _| Ok(())).await,
            Err(e) => return Err(e.into()),
        };
        if !mailbox.active || mailbox.kind != MailboxKind::Imap {
            return self.finish_job(job, worker, |_, _| Ok(())).await;
        }
        let limit = self.settings.mail.poll_timeout;
        let outcome =
            match tokio::time::timeout(limit, self.poll_once(&mailbox, sealed.as_deref())).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!(
                    "a poll took longer than {} s and was stopped; what it imported is kept",
                    limit.as_secs()
                )),
            };
        if outcome.is_err() {
            self.ops
                .mail_intake_failed(org, crate::ops::IntakeSource::Mailbox(id));
        }
        let quiet = self.settings.mail.alert_quiet;
        let every = SignedDuration::from_secs(mailbox.poll_seconds.max(1));
        self.finish_job(job, worker, move |db, now| {
            let next = match &outcome {
                Ok(more) => {
                    store::mailbox_ok(db, org, id, now)?;
                    store::resolve_mailbox_alerts(db, org, id, now)?;
                    if *more {
                        now
                    } else {
                        now.checked_add(every).unwrap_or(now)
                    }
                }
                Err(error) => {
                    tracing::warn!(org = org.0, mailbox = id, %error, "mailbox poll failed");
                    record_failure(db, org, id, error, quiet, now)?;
                    now.checked_add(every).unwrap_or(now)
                }
            };
            schedule_poll(db, org, id, next, now)
        })
        .await
    }

    /// The reader and the account a mailbox is read with; `Err`: why it cannot be.
    fn account_for(
        &self,
        mb: &Mailbox,
        sealed: Option<&str>,
    ) -> Result<(Arc<dyn MailboxReader>, ImapAccount), String> {
        let reader = self
            .settings
            .mail
            .reader
            .clone()
            .ok_or("no IMAP reader is configured in this process")?;
        let password = match sealed {
            Some(s) => self.settings.secrets.open(s).map_err(|e| e.to_string())?,
            None => Secret::new(""),
        };
        let host = mb.host.clone().unwrap_or_default();
        let port = mb.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(993);
        // Mailboxes made before these checks, or under laxer settings, are held to them too.
        check_address(&self.settings.mail, &host, port).map_err(|(field, why)| match field {
            "port" => why,
            _ => tenant_message(&MailboxError::Refused(why), &host, port),
        })?;
        let account = ImapAccount {
            host,
            port,
            tls: mb.tls,
            username: mb.username.clone().unwrap_or_default(),
            password: password.expose().to_string(),
            folder: mb.folder.clone(),
            allow_private: self.settings.mail.allow_private_hosts,
        };
        Ok((reader, account))
    }

    /// Test a mailbox's connection (admins): sign in and open its folder, importing nothing and
    /// changing no flag. The answer says what failed in the same words a failing poll's alert
    /// uses. Audited, so the log shows who checked a mailbox and what they saw.
    pub async fn test_mailbox(&self, ctx: &Ctx, id: i64) -> AppResult<MailboxTest> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        let (mb, sealed) = self
            .store
            .read(move |db| {
                store::mailbox_for_poll(db, org, id, false).map_err(|e| match e {
                    rapport_store::StoreError::NotFound => AppError::NotFound("mailbox"),
                    other => other.into(),
                })
            })
            .await?;
        let limit = self.settings.mail.poll_timeout;
        let checked = async {
            let (reader, account) = self.account_for(&mb, sealed.as_deref())?;
            match tokio::time::timeout(limit, reader.check(&account)).await {
                Ok(r) => r.map_err(|e| tenant_message(&e, &account.host, account.port)),
                Err(_) => Err(format!(
                    "the server did not answer within {} s",
                    limit.as_secs()
                )),
            }
        }
        .await;
        let result = match checked {
            Ok(n) => MailboxTest {
                ok: true,
                messages: Some(n),
                message: format!(
                    "Signed in as {} and opened {}: {n} message{} there.",
                    mb.username.as_deref().unwrap_or(""),
                    mb.folder,
                    if n == 1 { "" } else { "s" }
                ),
            },
            Err(why) => MailboxTest {
                ok: false,
                messages: None,
                message: why,
            },
        };
        let now = self.now();
        let ctx = ctx.clone();
        let ok = result.ok;
        self.store
            .write(move |db| {
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "mailbox.test")
                        .target("mailbox", id)
                        .details(serde_json::json!({ "ok": ok })),
                )
            })
            .await?;
        Ok(result)
    }

    /// One poll: fetch, import each message with the watermark, mark what was imported.
    /// `Ok(more)`: more mail waits; `Err`: why the mailbox cannot be read.
    async fn poll_once(&self, mb: &Mailbox, sealed: Option<&str>) -> Result<bool, String> {
        let (reader, account) = self.account_for(mb, sealed)?;
        let (host, port) = (account.host.clone(), account.port);
        let known = mb.uidvalidity.and_then(|v| u32::try_from(v).ok());
        let after = u32::try_from(mb.last_uid).unwrap_or(0);
        let settings = &self.settings.mail;
        let batch = reader
            .fetch_new(
                &account,
                known,
                after,
                settings.max_message_bytes,
                settings.poll_batch,
            )
            .await
            .map_err(|e| {
                tracing::warn!(org = mb.org_id.0, mailbox = mb.id, error = %e, "mailbox fetch failed");
                tenant_message(&e, &host, port)
            })?;
        let (org, id) = (mb.org_id, mb.id);
        let uidvalidity = i64::from(batch.uidvalidity);
        if known != Some(batch.uidvalidity) && mb.uidvalidity.is_some() {
            let now = self.now();
            self.store
                .write(move |db| store::reset_uidvalidity(db, org, id, uidvalidity, now))
                .await
                .map_err(|e| e.to_string())?;
        }
        let mut processed = Vec::new();
        for mail in batch.messages {
            let received = Received {
                source: MailSource::Imap,
                mailbox_id: Some(id),
                size: mail.size,
                complete: mail.complete,
            };
            let uid = mail.uid;
            let s = settings.clone();
            let prepared = tokio::task::spawn_blocking(move || prepare(&s, mail.raw, &received))
                .await
                .map_err(|e| format!("parsing failed: {e}"))?;
            let now = self.now();
            let app_settings = self.settings.clone();
            let outcome = self
                .store
                .write(move |db| -> AppResult<IngestOutcome> {
                    let outcome = record(db, org, &prepared, &received, now, None, &app_settings)?;
                    let new = !matches!(outcome, IngestOutcome::Duplicate { .. });
                    store::advance_uid(db, org, id, uidvalidity, i64::from(uid), new, now)?;
                    Ok(outcome)
                })
                .await
                .map_err(|e| format!("recording message UID {uid} failed: {e}"))?;
            tracing::info!(org = org.0, mailbox = id, uid, outcome = ?outcome, "mail imported");
            // A message over the limit stays unmarked in the folder, where a person finds it whole.
            if received.complete {
                processed.push(uid);
            }
        }
        reader
            .mark_processed(
                &account,
                &processed,
                &Processed {
                    action: mb.processed_action,
                    move_to: mb.move_to.clone(),
                },
            )
            .await
            .map_err(|e| {
                tracing::warn!(org = org.0, mailbox = id, error = %e, "marking processed mail failed");
                format!(
                    "imported, but marking processed mail failed: {}",
                    tenant_message(&e, &host, port)
                )
            })?;
        Ok(batch.more)
    }
}
