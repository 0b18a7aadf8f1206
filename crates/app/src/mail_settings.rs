//! How Rapport sends and receives mail: the settings both directions read. A leaf, so that the
//! outbox (below the use cases that queue replies) and mail intake (above the use cases that
//! open and thread requests) share it without depending on each other.

use std::fmt;
use std::sync::Arc;

use jiff::SignedDuration;
use rapport_mail::transport::{MailTransport, MailboxReader};

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
