//! Mail out. An outbound message gets its Message-ID and a `mail.send` job in the transaction
//! that creates it (run at `scheduled_for` when held for the client's hours); the job composes
//! the reply (salutation, threading headers, `[#ref]` token) and hands it to SMTP. Failures retry
//! with the queue's backoff; each attempt's error is kept on the message; a permanent refusal or
//! the last attempt marks it failed, alerts and shows on the request. System mail from the
//! `outbox` (password resets, sign-in links) goes out by `mail.outbox` jobs the same way.

use jiff::Timestamp;
use rapport_core::access::Actor;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::audit::AuditEntry;
use rapport_core::etiquette::{Recipient, opens_with_greeting, salutation_line};
use rapport_core::ids::{ClientId, MessageId, OrgId, RequestId};
use rapport_core::inbox::MailSource;
use rapport_core::jobs::Job;
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_mail::{Mailbox, OutgoingMessage};
use rapport_store::Db;
use rapport_store::repo::mail::{self as store, MailMeta};
use rapport_store::repo::{accounts, audit, clients, messages, requests};
use serde::{Deserialize, Serialize};

use crate::jobs::{self, JobFailure, JobKind};
use crate::mail_settings::{LOOP_HEADER, MailSettings};
use crate::{App, AppError, AppResult};

/// One outbound message of a request's thread, handed to SMTP.
pub(crate) struct Send;

impl JobKind for Send {
    const KIND: &'static str = "mail.send";
    type Payload = SendPayload;
}

/// One system mail from the outbox (a sign-in link, a password reset, an invitation).
pub(crate) struct Outbox;

impl JobKind for Outbox {
    const KIND: &'static str = "mail.outbox";
    type Payload = OutboxPayload;
}

/// Queue a system mail (not part of a request's thread) and the job that sends it, in the
/// caller's write. Returns its id in the outbox.
pub(crate) fn queue_system_mail(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> AppResult<i64> {
    let id = accounts::queue_mail(db, org, kind, to, subject, body, now)?;
    jobs::queue::<Outbox>(db, org, &OutboxPayload { id }, now, None, now)?;
    Ok(id)
}

/// Our Message-ID for a message: unique, and recognisable when it comes back (a loop).
fn new_mail_id(org: OrgId, what: &str, domain: &str) -> String {
    format!(
        "rapport.{org}.{what}.{:016x}@{domain}",
        rand::random::<u64>()
    )
}

/// When a reply held for the client's hours goes out: `None` when they are in office now.
pub(crate) fn client_hours_start(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    now: Timestamp,
) -> AppResult<Option<Timestamp>> {
    let c = clients::get(db, org, client)?;
    let calendar = c
        .calendar
        .compile()
        .map_err(|e| AppError::internal(format!("client {client}'s calendar"), e))?;
    if calendar.is_open(now) {
        Ok(None)
    } else {
        calendar.next_open(now).map(Some).ok_or_else(|| {
            AppError::invalid(
                "schedule",
                "the client's calendar has no working hours ahead",
            )
        })
    }
}

/// Give a new outbound message its Message-ID and queue its sending, in the caller's write.
pub(crate) fn queue_outbound(
    db: &mut Db<'_>,
    settings: &MailSettings,
    mut m: Message,
    now: Timestamp,
) -> AppResult<Message> {
    let mail_id = new_mail_id(m.org_id, &m.id.to_string(), &settings.domain);
    store::set_mail_message_id(db, m.org_id, m.id, &mail_id)?;
    store::insert_meta(
        db,
        m.org_id,
        &MailMeta {
            message_id: m.id,
            source: MailSource::Smtp,
            mailbox_id: None,
            from_address: Some(settings.from.address.clone()),
            in_reply_to: None,
            references: Vec::new(),
            // A rule's reply or Rapport's own message (a rating invitation) is a machine's
            // (RFC 3834): marked so, so that responders do not answer it and no SLA clock reads
            // it as our answer.
            auto_submitted: m.author == Actor::System,
            auto_reason: (m.author == Actor::System)
                .then(|| "written by a rule or by Rapport, not a person".to_string()),
            raw_html: None,
            warnings: Vec::new(),
            send_attempts: 0,
            send_error: None,
            auth_results: None,
        },
    )?;
    let key = format!("{}:{}", Send::KIND, m.id);
    let payload = SendPayload { message_id: m.id.0 };
    let at = m.scheduled_for.unwrap_or(now);
    jobs::queue::<Send>(db, m.org_id, &payload, at, Some(&key), now)?;
    m.mail_message_id = Some(mail_id);
    Ok(m)
}

/// The body as sent: the contact's salutation first, unless the agent already wrote one.
pub fn with_salutation(body: &str, salutation: Option<&str>) -> String {
    match salutation {
        Some(s) if !opens_with_greeting(body) => format!("{s}\n\n{}", body.trim_start()),
        _ => body.to_string(),
    }
}

/// A composed reply, ready for SMTP.
struct Outgoing {
    request: RequestId,
    to: String,
    bytes: Vec<u8>,
    in_reply_to: Option<String>,
    references: Vec<String>,
}

/// Why a message cannot be sent at all (no retry can help).
struct Unsendable(String);

fn compose_reply(
    db: &mut Db<'_>,
    settings: &MailSettings,
    m: &Message,
    now: Timestamp,
) -> AppResult<Result<Outgoing, Unsendable>> {
    let org = m.org_id;
    let r = requests::get(db, org, m.request_id)?;
    let Some(contact_id) = r.contact_id else {
        return Ok(Err(Unsendable(format!(
            "request {} has no contact to write to",
            r.id
        ))));
    };
    let contact = clients::get_contact(db, org, contact_id)?;
    let client = clients::get(db, org, r.client_id)?;
    let salutation = salutation_line(
        &Recipient {
            name: &contact.name,
            etiquette: &contact.etiquette,
        },
        client.etiquette.tone,
    );
    let (in_reply_to, references) = match store::thread_tail(db, org, r.id)? {
        Some((parent, refs)) => rapport_mail::thread_headers(Some(&parent), &refs),
        None => (None, Vec::new()),
    };
    let Some(message_id) = m.mail_message_id.clone() else {
        return Ok(Err(Unsendable("the message has no Message-ID".into())));
    };
    let out = OutgoingMessage {
        from: settings.from.clone(),
        to: vec![Mailbox::new(Some(&contact.name), &contact.email)],
        cc: vec![],
        reply_to: vec![],
        subject: rapport_mail::reply_subject(&r.title),
        text: with_salutation(&m.body, salutation.as_deref()),
        html: None,
        message_id,
        in_reply_to: in_reply_to.clone(),
        references: references.clone(),
        ref_token: u64::try_from(r.id.0).ok(),
        date: now,
    };
    let composed = match rapport_mail::compose(&out) {
        Ok(b) => b,
        Err(e) => return Ok(Err(Unsendable(e.to_string()))),
    };
    let mut bytes = format!("{LOOP_HEADER}: {org}\r\n").into_bytes();
    if m.author == Actor::System {
        bytes.extend_from_slice(b"Auto-Submitted: auto-replied\r\n");
    }
    bytes.extend(composed);
    Ok(Ok(Outgoing {
        request: r.id,
        to: contact.email,
        bytes,
        in_reply_to,
        references,
    }))
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SendPayload {
    message_id: i64,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct OutboxPayload {
    id: i64,
}

fn no_transport() -> rapport_mail::transport::SendError {
    rapport_mail::transport::SendError {
        permanent: false,
        message: "no SMTP server is configured (rapport serve --smtp URL or RAPPORT_SMTP)".into(),
    }
}

fn last_attempt(job: &Job) -> bool {
    job.attempts >= job.max_attempts
}

/// Mark a message failed for good: on the message, as an alert, in the audit trail.
fn fail_message(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    request: RequestId,
    error: &str,
    now: Timestamp,
) -> AppResult<()> {
    store::record_send(db, org, message, Some(SendStatus::Failed), Some(error), now)?;
    crate::alerts::raise(
        db,
        org,
        &NewAlert {
            kind: "mail.send_failed".into(),
            severity: Severity::Warning,
            subject_kind: Some("request"),
            subject_id: Some(request.0),
            message: format!("A reply on request {request} could not be sent: {error}"),
            details: serde_json::json!({"message_id": message, "error": error}),
            recipient_id: None,
            dedupe_key: format!("mail.send_failed:{message}"),
        },
        now,
    )?;
    audit::record(
        db,
        org,
        now,
        None,
        &AuditEntry::new(Actor::System, "message.send_failed")
            .target("message", message.0)
            .details(serde_json::json!({"request_id": request, "error": error})),
    )?;
    Ok(())
}

impl App {
    pub(crate) async fn run_send_job(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = Send::decode(job)?;
        let (org, id) = (job.org_id, MessageId(p.message_id));
        let settings = self.settings.mail.clone();
        let now = self.now();
        let prepared = self
            .store
            .read(
                move |db| -> AppResult<Option<(Message, Result<Outgoing, Unsendable>)>> {
                    let m = messages::get(db, org, id)?;
                    if m.direction != Direction::Outbound
                        || !matches!(
                            m.send_status,
                            Some(SendStatus::Queued | SendStatus::Scheduled)
                        )
                    {
                        return Ok(None);
                    }
                    let out = compose_reply(db, &settings, &m, now)?;
                    Ok(Some((m, out)))
                },
            )
            .await?;
        let Some((m, out)) = prepared else {
            // Sent already, or no longer ours to send.
            return self.finish_job(job, worker, |_, _| Ok(())).await;
        };
        let out = match out {
            Ok(o) => o,
            Err(Unsendable(why)) => {
                let request = m.request_id;
                return self
                    .finish_job(job, worker, move |db, now| {
                        fail_message(db, org, id, request, &why, now)
                    })
                    .await;
            }
        };
        let from = self.settings.mail.from.address.clone();
        let result = match &self.settings.mail.transport {
            Some(t) => {
                t.send(&from, std::slice::from_ref(&out.to), &out.bytes)
                    .await
            }
            None => Err(no_transport()),
        };
        let request = out.request;
        match result {
            Ok(()) => {
                let (irt, refs) = (out.in_reply_to.clone(), out.references.clone());
                self.finish_job(job, worker, move |db, now| {
                    store::record_send(db, org, id, Some(SendStatus::Sent), None, now)?;
                    store::set_threading(db, org, id, irt.as_deref(), &refs)?;
                    audit::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "message.sent")
                            .target("message", id.0)
                            .details(
                                serde_json::json!({"request_id": request, "in_reply_to": irt}),
                            ),
                    )?;
                    Ok(())
                })
                .await
            }
            Err(e) if e.permanent || last_attempt(job) => {
                let why = if e.permanent {
                    format!("refused: {}", e.message)
                } else {
                    format!("gave up after {} attempts: {}", job.attempts, e.message)
                };
                if e.permanent {
                    self.finish_job(job, worker, move |db, now| {
                        fail_message(db, org, id, request, &why, now)
                    })
                    .await
                } else {
                    let now = self.now();
                    let w = why.clone();
                    self.store
                        .write(move |db| fail_message(db, org, id, request, &w, now))
                        .await?;
                    Err(JobFailure(why))
                }
            }
            Err(e) => {
                let now = self.now();
                let message = e.message.clone();
                self.store
                    .write(move |db| -> AppResult<()> {
                        Ok(store::record_send(db, org, id, None, Some(&message), now)?)
                    })
                    .await?;
                Err(JobFailure(e.message))
            }
        }
    }

    pub(crate) async fn run_outbox_job(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = Outbox::decode(job)?;
        let (org, id) = (job.org_id, p.id);
        let mail = self
            .store
            .read(move |db| accounts::get_mail(db, org, id))
            .await
            .map_err(|e| JobFailure(e.to_string()))?;
        if mail.status == "sent" {
            return self.finish_job(job, worker, |_, _| Ok(())).await;
        }
        let settings = &self.settings.mail;
        let out = OutgoingMessage {
            from: settings.from.clone(),
            to: vec![Mailbox::new(None, &mail.to_address)],
            cc: vec![],
            reply_to: vec![],
            subject: mail.subject.clone(),
            text: mail.body.clone(),
            html: None,
            message_id: new_mail_id(org, &format!("outbox{id}"), &settings.domain),
            in_reply_to: None,
            references: vec![],
            ref_token: None,
            date: self.now(),
        };
        let result = match rapport_mail::compose(&out) {
            Err(e) => Err(rapport_mail::transport::SendError {
                permanent: true,
                message: e.to_string(),
            }),
            Ok(composed) => {
                // System mail is machine-written: auto-responders must not answer it.
                let mut bytes =
                    format!("{LOOP_HEADER}: {org}\r\nAuto-Submitted: auto-generated\r\n")
                        .into_bytes();
                bytes.extend(composed);
                match &settings.transport {
                    Some(t) => {
                        t.send(
                            &settings.from.address,
                            std::slice::from_ref(&mail.to_address),
                            &bytes,
                        )
                        .await
                    }
                    None => Err(no_transport()),
                }
            }
        };
        match result {
            Ok(()) => {
                self.finish_job(job, worker, move |db, now| {
                    accounts::mark_mail(db, org, id, true, None, now)?;
                    Ok(())
                })
                .await
            }
            Err(e) if e.permanent => {
                self.finish_job(job, worker, move |db, now| {
                    accounts::mark_mail(db, org, id, false, Some(&e.message), now)?;
                    Ok(())
                })
                .await
            }
            Err(e) => {
                if last_attempt(job) {
                    let now = self.now();
                    let message = e.message.clone();
                    self.store
                        .write(move |db| -> AppResult<()> {
                            accounts::mark_mail(db, org, id, false, Some(&message), now)?;
                            Ok(())
                        })
                        .await?;
                }
                Err(JobFailure(e.message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salutations_are_added_once() {
        assert_eq!(
            with_salutation("Thanks, it is fixed.", Some("Dear Dr Mehta,")),
            "Dear Dr Mehta,\n\nThanks, it is fixed."
        );
        assert_eq!(
            with_salutation("Hi Priya,\nfixed.", Some("Dear Dr Mehta,")),
            "Hi Priya,\nfixed."
        );
        assert_eq!(with_salutation("fixed.", None), "fixed.");
    }

    #[test]
    fn our_message_ids_carry_org_and_domain() {
        let id = new_mail_id(OrgId(7), "42", "northwind.example");
        assert!(id.starts_with("rapport.7.42."), "{id}");
        assert!(id.ends_with("@northwind.example"));
        assert_ne!(id, new_mail_id(OrgId(7), "42", "northwind.example"));
    }
}
