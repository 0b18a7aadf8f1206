//! Mail intake: the mailboxes Rapport reads, where each received message goes (a request's
//! thread, a new request, or the triage queue) and why. The decision is [`route`]: pure, so every
//! rule about forged tokens, loops and auto-replies is tested without a mail server.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, ContactId, MemberId, MessageId, OrgId, RequestId};
use crate::label_enum;
use crate::validate::{self, Violations, limits};

label_enum!(MailboxKind {
    /// Polled over IMAP.
    Imap => "imap",
    /// Mail handed to `rapport serve --lmtp` by the mail server.
    Lmtp => "lmtp",
    /// Mail piped to `rapport mail ingest` by the mail server.
    Pipe => "pipe",
});

label_enum!(TlsMode {
    /// Plain text: only for a server on the same machine.
    None => "none",
    Starttls => "starttls",
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls => "tls",
});

label_enum!(ProcessedAction {
    /// Mark processed mail \Seen and $Rapport, and leave it in the folder.
    Flag => "flag",
    /// Move processed mail to `move_to`.
    Move => "move",
});

label_enum!(MailboxStatus {
    /// Not polled yet.
    New => "new",
    Ok => "ok",
    /// The last poll failed; `last_error` says why and an alert is open.
    Failing => "failing",
});

label_enum!(
    /// How a message reached Rapport.
    MailSource {
        Imap => "imap",
        Lmtp => "lmtp",
        Pipe => "pipe",
        /// Posted through the API (an operator re-running a triaged message).
        Api => "api",
        /// Ours, sent by SMTP.
        Smtp => "smtp",
    }
);

label_enum!(
    /// Why a message waits in triage instead of joining a request.
    TriageReason {
        /// The sender is no contact of this firm.
        UnknownSender => "unknown_sender",
        /// It carries a `[#ref]` token or thread ids of a request of another client.
        ForgedRef => "forged_ref",
        /// Our own outbound mail came back.
        Loop => "loop",
        /// Over the size limit: only the header block is kept.
        TooLarge => "too_large",
        MissingFrom => "missing_from",
        /// A machine wrote it (auto-reply, bounce) and it belongs to no request.
        AutoReply => "auto_reply",
        /// The bytes are not a mail message.
        NotAMessage => "not_a_message",
        /// The organisation requires verified senders, and the receiving server did not verify
        /// this one (a known contact's address may be forged).
        Unauthenticated => "unauthenticated",
    }
);

label_enum!(TriageStatus {
    Open => "open",
    /// A person routed it (it became or joined a request).
    Resolved => "resolved",
    /// A person looked and decided it needs nothing.
    Dismissed => "dismissed",
});

/// A mailbox as shown to people: never its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mailbox {
    pub id: i64,
    pub org_id: OrgId,
    pub name: String,
    pub kind: MailboxKind,
    pub host: Option<String>,
    pub port: Option<i64>,
    pub tls: TlsMode,
    pub username: Option<String>,
    /// Whether a password is stored (sealed).
    pub has_password: bool,
    pub folder: String,
    pub processed_action: ProcessedAction,
    pub move_to: Option<String>,
    pub poll_seconds: i64,
    pub active: bool,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub status: MailboxStatus,
    pub last_error: Option<String>,
    pub last_ok_at: Option<Timestamp>,
    pub failing_since: Option<Timestamp>,
    pub last_alert_at: Option<Timestamp>,
    /// Messages imported so far.
    pub imported: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMailbox {
    /// Unique within the firm; 1-200 characters.
    pub name: String,
    /// Host name of the IMAP server; 1-253 characters.
    pub host: String,
    /// Default 993 with `tls`, else 143.
    #[serde(default)]
    pub port: Option<u16>,
    /// `tls` (default), `starttls` or `none` (only for a server on this machine).
    #[serde(default)]
    pub tls: Option<TlsMode>,
    /// 1-200 characters.
    pub username: String,
    /// 1-1024 characters; stored sealed, never shown again.
    pub password: String,
    /// Default `INBOX`.
    #[serde(default)]
    pub folder: Option<String>,
    /// `flag` (default) or `move`.
    #[serde(default)]
    pub processed_action: Option<ProcessedAction>,
    /// The folder processed mail moves to; required with `move`.
    #[serde(default)]
    pub move_to: Option<String>,
    /// Seconds between polls, 5-86400; default 60.
    #[serde(default)]
    pub poll_seconds: Option<i64>,
}

/// A validated IMAP mailbox (the password still in the clear: the caller seals it).
#[derive(Debug, Clone)]
pub struct MailboxDraft {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub password: String,
    pub folder: String,
    pub processed_action: ProcessedAction,
    pub move_to: Option<String>,
    pub poll_seconds: i64,
}

/// Folder names: IMAP mailbox names without control characters.
fn folder(value: &str, field: &str, v: &mut Violations) -> Option<String> {
    v.check(field, validate::line(value, limits::NAME))
}

impl NewMailbox {
    pub fn validate(self) -> Result<MailboxDraft, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let host = v.check("host", validate::line(&self.host, 253));
        if let Some(h) = &host
            && h.chars()
                .any(|c| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':'))
        {
            v.add(
                "host",
                "a host name or IP address: letters, digits, '.', '-', ':'",
            );
        }
        let tls = self.tls.unwrap_or(TlsMode::Tls);
        let port = match self.port {
            Some(0) => {
                v.add("port", "must be 1-65535");
                0
            }
            Some(p) => p,
            None if tls == TlsMode::Tls => 993,
            None => 143,
        };
        let username = v.check("username", validate::line(&self.username, limits::NAME));
        if self.password.is_empty() || self.password.len() > limits::PASSWORD_MAX {
            v.add("password", "must be 1-1024 characters");
        }
        let folder_name = folder(self.folder.as_deref().unwrap_or("INBOX"), "folder", &mut v);
        let action = self.processed_action.unwrap_or(ProcessedAction::Flag);
        let move_to = match (action, self.move_to.as_deref()) {
            (ProcessedAction::Move, None) => {
                v.add("move_to", "required when processed_action is move");
                None
            }
            (ProcessedAction::Move, Some(m)) => folder(m, "move_to", &mut v),
            (ProcessedAction::Flag, Some(_)) => {
                v.add("move_to", "only with processed_action move");
                None
            }
            (ProcessedAction::Flag, None) => None,
        };
        if let (Some(f), Some(m)) = (&folder_name, &move_to)
            && f == m
        {
            v.add("move_to", "must differ from folder");
        }
        let poll_seconds = self.poll_seconds.unwrap_or(60);
        if !(5..=86_400).contains(&poll_seconds) {
            v.add("poll_seconds", "must be 5-86400");
        }
        v.finish(|| MailboxDraft {
            name: name.unwrap_or_default(),
            host: host.unwrap_or_default(),
            port,
            tls,
            username: username.unwrap_or_default(),
            password: self.password,
            folder: folder_name.unwrap_or_default(),
            processed_action: action,
            move_to,
            poll_seconds,
        })
    }
}

/// A message waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageItem {
    pub id: i64,
    pub org_id: OrgId,
    pub reason: TriageReason,
    /// Why, in words: which address, which token, which limit.
    pub detail: String,
    pub source: MailSource,
    pub mailbox_id: Option<i64>,
    pub mail_message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// Bytes as received.
    pub size: i64,
    /// Whether the whole message is kept (a message over the size limit keeps its headers).
    pub raw_complete: bool,
    pub status: TriageStatus,
    pub received_at: Timestamp,
    pub resolved_by: Option<MemberId>,
    pub resolved_at: Option<Timestamp>,
    /// The request it became or joined.
    pub request_id: Option<RequestId>,
}

/// An attachment as listed (its bytes are downloaded separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentInfo {
    pub id: i64,
    pub message_id: MessageId,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub inline: bool,
    pub content_id: Option<String>,
}

/// A message's mail facts, for the people working the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailView {
    pub message_id: MessageId,
    /// `imap`, `lmtp`, `pipe` or `api` (received) or `smtp` (ours).
    pub source: MailSource,
    pub mailbox_id: Option<i64>,
    pub mail_message_id: Option<String>,
    pub from_address: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Written by a machine (auto-reply, bounce): not the client speaking.
    pub auto_submitted: bool,
    pub auto_reason: Option<String>,
    /// What was wrong with the message as received.
    pub warnings: Vec<String>,
    /// The receiving server's SPF, DKIM and DMARC results (`Authentication-Results`), e.g.
    /// `mx.example.com: spf=pass (example.net) dkim=pass (example.net) dmarc=pass (example.net)`.
    pub authentication: Option<String>,
    pub send_status: Option<crate::message::SendStatus>,
    /// Outbound: attempts so far and the last error.
    pub send_attempts: i64,
    pub send_error: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
}

/// A request that a received message points at, with the client it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pointer {
    pub request: RequestId,
    pub client: ClientId,
}

/// What is known about a received message when deciding where it goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Why the message is ours coming back (a loop header or our Message-ID), if it is.
    pub loop_marker: Option<String>,
    pub from: Option<String>,
    /// The contact with the sender's address.
    pub sender: Option<(ContactId, ClientId)>,
    /// The request whose mail In-Reply-To or References name.
    pub thread: Option<Pointer>,
    /// The request of the subject's `[#ref]` token, when it exists in this org.
    pub token: Option<Pointer>,
    /// A token that names no request of this org.
    pub dangling_token: Option<u64>,
    /// Why a machine wrote it, if one did.
    pub auto: Option<String>,
    /// Why the sender is not verified, when the organisation requires it (see
    /// [`crate::mail_auth::MailPolicy`]). Only a reply to one of our threads goes without.
    pub unverified: Option<String>,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Triage {
        reason: TriageReason,
        detail: String,
    },
    /// Onto this request's thread. `auto`: record it, but it is not the client speaking.
    Thread {
        request: RequestId,
        contact: ContactId,
        via: ThreadVia,
        auto: bool,
    },
    /// A new request for the sender's client.
    NewRequest {
        contact: ContactId,
        client: ClientId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadVia {
    /// In-Reply-To or References.
    Headers,
    /// The `[#ref]` token in the subject.
    Token,
}

impl ThreadVia {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadVia::Headers => "headers",
            ThreadVia::Token => "token",
        }
    }
}

/// Decide where a message goes. In order: our own mail coming back is a loop; without a sender
/// nothing can be routed; an unknown sender waits for a person; then the thread headers, then
/// the subject token, each only when the request belongs to the sender's client (anything else
/// is a forged or mistaken reference, and another client's request is never touched); mail a
/// machine wrote joins a thread but never opens a request; everything else is a new request.
pub fn route(f: &Facts) -> Route {
    if let Some(why) = &f.loop_marker {
        return triage(
            TriageReason::Loop,
            format!("our own mail came back ({why})"),
        );
    }
    let Some(from) = f.from.as_deref() else {
        return triage(
            TriageReason::MissingFrom,
            "the message has no usable From address".into(),
        );
    };
    let Some((contact, client)) = f.sender else {
        let extra = f
            .auto
            .as_deref()
            .map(|a| format!(" (automatic mail: {a})"))
            .unwrap_or_default();
        return triage(
            TriageReason::UnknownSender,
            format!("{from} is not a contact of any client{extra}"),
        );
    };
    let auto = f.auto.is_some();
    // A reply to our own message names a Message-ID only its recipients saw; a subject token is
    // a request number anyone can guess. So only the first continues a thread unverified.
    let replies_to_us = f.thread.is_some_and(|p| p.client == client);
    if let Some(why) = &f.unverified
        && !replies_to_us
    {
        return triage(
            TriageReason::Unauthenticated,
            format!("{from} could not be verified as the sender: {why}"),
        );
    }
    let mut refused = Vec::new();
    for (pointer, via) in [(f.thread, ThreadVia::Headers), (f.token, ThreadVia::Token)] {
        let Some(p) = pointer else { continue };
        if p.client == client {
            return Route::Thread {
                request: p.request,
                contact,
                via,
                auto,
            };
        }
        refused.push(match via {
            ThreadVia::Headers => format!(
                "its In-Reply-To/References name request {} of another client",
                p.request
            ),
            ThreadVia::Token => format!(
                "its subject token [#{}] names a request of another client",
                p.request
            ),
        });
    }
    if !refused.is_empty() {
        return triage(
            TriageReason::ForgedRef,
            format!("{from} wrote, but {}", refused.join("; and ")),
        );
    }
    if let Some(why) = &f.auto {
        let token = f
            .dangling_token
            .map(|t| format!("; its token [#{t}] names no request"))
            .unwrap_or_default();
        return triage(
            TriageReason::AutoReply,
            format!("automatic mail ({why}) that belongs to no request{token}"),
        );
    }
    Route::NewRequest { contact, client }
}

fn triage(reason: TriageReason, detail: String) -> Route {
    Route::Triage { reason, detail }
}

/// The request status after the client writes on its thread: work waiting for them or already
/// delivered comes back to us. `None`: leave it as it is.
pub fn status_after_client_reply(status: crate::request::Status) -> Option<crate::request::Status> {
    use crate::request::Status::*;
    match status {
        // The ball is back in our court.
        WaitingOnClient => Some(Triaged),
        // "It is not done": delivered work goes back into progress.
        Delivered => Some(InProgress),
        // A closed request is reopened into triage rather than losing the message.
        Closed => Some(Triaged),
        New | Triaged | InProgress => None,
    }
}

/// A subject fit to be a request title: one line, no control characters, at most the title
/// limit, never empty.
pub fn title_from_subject(subject: Option<&str>) -> String {
    let cleaned: String = subject
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    let mut title: String = joined.chars().take(limits::TITLE).collect();
    if title.is_empty() {
        title = "(no subject)".into();
    }
    title
}

/// A body fit to be stored: control characters other than line breaks and tabs removed, at
/// most the body limit.
pub fn body_from_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .take(limits::BODY)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Status;

    const ANN: (ContactId, ClientId) = (ContactId(1), ClientId(10));

    fn facts() -> Facts {
        Facts {
            from: Some("ann@northwind.example".into()),
            sender: Some(ANN),
            ..Facts::default()
        }
    }

    fn ptr(request: i64, client: i64) -> Option<Pointer> {
        Some(Pointer {
            request: RequestId(request),
            client: ClientId(client),
        })
    }

    #[test]
    fn a_known_sender_without_references_opens_a_request() {
        assert_eq!(
            route(&facts()),
            Route::NewRequest {
                contact: ContactId(1),
                client: ClientId(10)
            }
        );
    }

    #[test]
    fn headers_win_over_the_token() {
        let f = Facts {
            thread: ptr(5, 10),
            token: ptr(6, 10),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Thread {
                request: RequestId(5),
                via: ThreadVia::Headers,
                ..
            }
        ));
        let f = Facts {
            token: ptr(6, 10),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Thread {
                request: RequestId(6),
                via: ThreadVia::Token,
                ..
            }
        ));
    }

    #[test]
    fn another_clients_request_is_never_joined() {
        let f = Facts {
            token: ptr(6, 99),
            ..facts()
        };
        let Route::Triage { reason, detail } = route(&f) else {
            panic!("forged token routed: {:?}", route(&f));
        };
        assert_eq!(reason, TriageReason::ForgedRef);
        assert!(
            detail.contains("[#6]") && detail.contains("ann@northwind.example"),
            "{detail}"
        );
        // Forged headers too, even when the token is the sender's own.
        let f = Facts {
            thread: ptr(7, 99),
            token: ptr(8, 10),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Thread {
                request: RequestId(8),
                via: ThreadVia::Token,
                ..
            }
        ));
        let f = Facts {
            thread: ptr(7, 99),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Triage {
                reason: TriageReason::ForgedRef,
                ..
            }
        ));
    }

    #[test]
    fn loops_missing_from_and_strangers_go_to_triage() {
        let f = Facts {
            loop_marker: Some("X-Rapport-Loop: acme".into()),
            token: ptr(5, 10),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Triage {
                reason: TriageReason::Loop,
                ..
            }
        ));
        let f = Facts {
            from: None,
            sender: None,
            ..Facts::default()
        };
        assert!(matches!(
            route(&f),
            Route::Triage {
                reason: TriageReason::MissingFrom,
                ..
            }
        ));
        let f = Facts {
            sender: None,
            token: ptr(5, 10),
            ..facts()
        };
        let Route::Triage { reason, detail } = route(&f) else {
            panic!()
        };
        assert_eq!(reason, TriageReason::UnknownSender);
        assert!(detail.contains("ann@northwind.example"));
    }

    #[test]
    fn unverified_senders_only_continue_our_threads() {
        let unverified = Facts {
            unverified: Some("mx.acme.example reported dmarc=fail".into()),
            ..facts()
        };
        let Route::Triage { reason, detail } = route(&unverified) else {
            panic!("a new request from an unverified sender")
        };
        assert_eq!(reason, TriageReason::Unauthenticated);
        assert!(
            detail.contains("ann@northwind.example") && detail.contains("dmarc=fail"),
            "{detail}"
        );
        // A guessable subject token is not enough...
        let by_token = Facts {
            token: ptr(6, 10),
            ..unverified.clone()
        };
        assert!(matches!(
            route(&by_token),
            Route::Triage {
                reason: TriageReason::Unauthenticated,
                ..
            }
        ));
        // ...a reply to one of our messages is.
        let reply = Facts {
            thread: ptr(5, 10),
            ..unverified
        };
        assert!(matches!(
            route(&reply),
            Route::Thread {
                via: ThreadVia::Headers,
                ..
            }
        ));
    }

    #[test]
    fn machines_join_threads_but_never_open_requests() {
        let f = Facts {
            auto: Some("Auto-Submitted: auto-replied".into()),
            thread: ptr(5, 10),
            ..facts()
        };
        assert!(matches!(
            route(&f),
            Route::Thread {
                request: RequestId(5),
                auto: true,
                ..
            }
        ));
        let f = Facts {
            auto: Some("Auto-Submitted: auto-replied".into()),
            dangling_token: Some(77),
            ..facts()
        };
        let Route::Triage { reason, detail } = route(&f) else {
            panic!()
        };
        assert_eq!(reason, TriageReason::AutoReply);
        assert!(detail.contains("[#77]"), "{detail}");
    }

    #[test]
    fn client_replies_bring_work_back() {
        assert_eq!(
            status_after_client_reply(Status::WaitingOnClient),
            Some(Status::Triaged)
        );
        assert_eq!(
            status_after_client_reply(Status::Delivered),
            Some(Status::InProgress)
        );
        assert_eq!(
            status_after_client_reply(Status::Closed),
            Some(Status::Triaged)
        );
        assert_eq!(status_after_client_reply(Status::InProgress), None);
        for s in Status::ALL {
            if let Some(to) = status_after_client_reply(*s) {
                assert!(s.can_become(to).is_ok(), "{s} -> {to}");
            }
        }
    }

    #[test]
    fn titles_and_bodies_fit_their_limits() {
        assert_eq!(title_from_subject(None), "(no subject)");
        assert_eq!(title_from_subject(Some(" \t ")), "(no subject)");
        assert_eq!(
            title_from_subject(Some("Re:\r\n  Invoice\u{0}  ")),
            "Re: Invoice"
        );
        let long = "x".repeat(10_000);
        assert_eq!(
            title_from_subject(Some(&long)).chars().count(),
            limits::TITLE
        );
        assert!(crate::validate::line(&title_from_subject(Some(&long)), limits::TITLE).is_ok());
        assert_eq!(body_from_text("a\u{0}b\n c\u{7} "), "ab\n c");
        let big = "y".repeat(limits::BODY + 10);
        assert_eq!(body_from_text(&big).len(), limits::BODY);
    }

    #[test]
    fn mailbox_validation_names_fields() {
        let m: NewMailbox = serde_json::from_str(
            r#"{"name": "Support", "host": "imap.example.com", "username": "u", "password": "p"}"#,
        )
        .unwrap();
        let d = m.validate().unwrap();
        assert_eq!(
            (d.port, d.tls, d.folder.as_str()),
            (993, TlsMode::Tls, "INBOX")
        );
        let m: NewMailbox = serde_json::from_str(
            r#"{"name": "", "host": "bad host", "username": "u", "password": "", "processed_action": "move", "poll_seconds": 1}"#,
        )
        .unwrap();
        let e = m.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "host", "password", "move_to", "poll_seconds"]
        );
    }
}
