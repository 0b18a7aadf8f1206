//! Mail in and out. Received mail is routed by [`ingest`] (a request's thread, a new request,
//! or triage, with a record of why); replies go out by the `mail.send` job ([`send`]); IMAP
//! mailboxes are read by the `mail.poll` job ([`poll`]). Network code lives in rapport-mail
//! behind the [`MailTransport`] and [`MailboxReader`] traits, so all of this runs in tests with
//! fakes.
//!
//! Decisions, in one place:
//! - A message is recorded once per Message-ID and org: delivered twice (Cc'd to two of our
//!   addresses, retried by a mail server, re-polled) the second time answers `duplicate`, naming
//!   the first. A message without a Message-ID gets one from the digest of its bytes, so an
//!   identical re-delivery is a duplicate too.
//! - Threading: In-Reply-To, then References (newest first), then the subject's `[#ref]`; each
//!   only onto a request of the sender's own client. Anything pointing at another client's
//!   request goes to triage as `forged_ref` and touches nothing there.
//! - A client's reply reopens work: waiting_on_client and closed become triaged, delivered
//!   becomes in_progress. It also sets `last_inbound_at` (the SLA and silence clocks).
//! - Mail a machine wrote (auto-replies, bounces; see `rapport_mail::auto`) joins the thread it
//!   names but is flagged (`mail_meta.auto_submitted`), sets no clock and reopens nothing; with
//!   no thread it goes to triage, never to a new request.
//! - Our outbound mail carries `X-Rapport-Loop: <org>` and Message-IDs `rapport.<org>.…@<our
//!   domain>`; either coming back in is a `loop`, held in triage.
//! - Over the size limit: the header block is kept in triage (`too_large`) and the sender's server
//!   is refused (LMTP 552, `mail ingest` exit 2) so it returns the message; an IMAP message stays
//!   unmarked in its folder.

pub mod ingest;
pub mod intake;
pub mod policy;
pub mod poll;
pub mod send;
pub mod views;

use std::fmt;
use std::sync::Arc;

use jiff::SignedDuration;
use rapport_mail::transport::{MailTransport, MailboxReader};

pub use ingest::{IngestOutcome, Received};

/// The header our outbound mail carries, naming the org: mail that comes back with it is a loop.
pub const LOOP_HEADER: &str = "X-Rapport-Loop";

/// How Rapport sends and receives mail.
#[derive(Clone)]
pub struct MailSettings {
    /// The From of every message we send, e.g. `Northwind Support <support@northwind.example>`.
    pub from: rapport_mail::Mailbox,
    /// The right-hand side of our Message-IDs (the From address's domain by default).
    pub domain: String,
    /// Larger messages go to triage with only their header block kept.
    pub max_message_bytes: usize,
    /// SMTP; `None`: sending fails (and retries) with a message saying so.
    pub transport: Option<Arc<dyn MailTransport>>,
    pub reader: Option<Arc<dyn MailboxReader>>,
    /// A failing mailbox alerts at once, then again after this much quiet while it keeps failing.
    pub alert_quiet: SignedDuration,
    /// Messages imported per poll (more are fetched by an immediate next poll).
    pub poll_batch: usize,
    /// The longest one poll may take; what it imported before is kept, and the mailbox is
    /// marked failing. Bounds how long a slow or stalling server holds a worker slot.
    pub poll_timeout: std::time::Duration,
    /// Let mailbox hosts be loopback or private addresses (off: a tenant must not make the
    /// server probe its own network). For single-machine setups and tests.
    pub allow_private_hosts: bool,
    /// Let mailboxes use ports other than IMAP's 143 and 993.
    pub allow_any_port: bool,
}

/// The ports a mailbox may use unless the operator allows any.
pub const IMAP_PORTS: [u16; 2] = [143, 993];

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("from", &self.from)
            .field("domain", &self.domain)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("transport", &self.transport.is_some())
            .field("reader", &self.reader.is_some())
            .field("poll_timeout", &self.poll_timeout)
            .field("allow_private_hosts", &self.allow_private_hosts)
            .field("allow_any_port", &self.allow_any_port)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            from: rapport_mail::Mailbox::new(Some("Rapport"), "rapport@localhost.localdomain"),
            domain: "localhost.localdomain".into(),
            max_message_bytes: rapport_mail::DEFAULT_MAX_MESSAGE_BYTES,
            transport: None,
            reader: Some(Arc::new(rapport_mail::imap::ImapReader)),
            alert_quiet: SignedDuration::from_hours(1),
            poll_batch: 50,
            poll_timeout: std::time::Duration::from_secs(45),
            allow_private_hosts: false,
            allow_any_port: false,
        }
    }
}

impl MailSettings {
    /// Set the From from `Name <address>` or a bare address; the Message-ID domain follows it.
    pub fn with_from(mut self, from: &str) -> Result<Self, String> {
        let from = parse_mailbox(from)?;
        self.domain = from
            .address
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        self.from = from;
        Ok(self)
    }
}

/// `Name <local@domain>` or `local@domain`.
pub fn parse_mailbox(text: &str) -> Result<rapport_mail::Mailbox, String> {
    let text = text.trim();
    let (name, address) = match (text.rfind('<'), text.ends_with('>')) {
        (Some(i), true) => {
            let name = text[..i].trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then_some(name),
                &text[i + 1..text.len() - 1],
            )
        }
        _ => (None, text),
    };
    let address =
        rapport_core::validate::email(address).map_err(|e| format!("mail-from {text:?}: {e}"))?;
    Ok(rapport_mail::Mailbox::new(name, &address))
}

/// The values of header `name` in the header block of `raw` (unfolded, case-insensitive name).
pub(crate) fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    let end = header_end(raw);
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut out: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(c) = current.as_mut() {
                c.push(' ');
                c.push_str(line.trim());
            }
            continue;
        }
        if let Some(c) = current.take() {
            out.push(c);
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case(name)
        {
            current = Some(v.trim().to_string());
        }
    }
    out.extend(current);
    out
}

/// Where the header block ends (the blank line), or the end of `raw`.
pub(crate) fn header_end(raw: &[u8]) -> usize {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => raw.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_unfolded_and_case_insensitively() {
        let raw = b"From: a@b.example\r\nx-rapport-loop: acme\r\nSubject: one\r\n two\r\n\r\nX-Rapport-Loop: body\r\n";
        assert_eq!(header_values(raw, LOOP_HEADER), ["acme"]);
        assert_eq!(header_values(raw, "subject"), ["one two"]);
        assert!(header_values(b"From: a\n\nX-Rapport-Loop: x\n", LOOP_HEADER).is_empty());
        assert_eq!(header_end(b"A: b\r\n\r\nbody"), 8);
    }

    #[test]
    fn from_addresses_parse_and_set_the_domain() {
        let s = MailSettings::default()
            .with_from("Northwind Support <Support@Northwind.example>")
            .unwrap();
        assert_eq!(s.from.name.as_deref(), Some("Northwind Support"));
        assert_eq!(s.from.address, "support@northwind.example");
        assert_eq!(s.domain, "northwind.example");
        assert!(MailSettings::default().with_from("no address").is_err());
        let bare = parse_mailbox("ops@example.com").unwrap();
        assert_eq!(
            (bare.name, bare.address.as_str()),
            (None, "ops@example.com")
        );
    }
}
