//! Outgoing mail as RFC 5322 bytes. Pure: the caller supplies the date and the Message-ID, so
//! the same struct always gives the same bytes (and tests need no clock). Sending is not here.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::address::Mailbox;
use crate::encode::{fold_header, phrase, quoted_printable, unstructured};
use crate::reftoken;

/// A message to send. Ids are written without angle brackets, as [`crate::ParsedMessage`] has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    /// The subject as the agent wrote it; the `[#ref]` token is added here if missing.
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The request this message belongs to; its token goes into the subject exactly once.
    pub ref_token: Option<u64>,
    pub date: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("no recipients: To and Cc are both empty")]
    NoRecipients,
    #[error("invalid address {0:?}: need local@domain in printable ASCII without spaces")]
    InvalidAddress(String),
    #[error("invalid message id {0:?}: need left@right in printable ASCII without spaces or <>")]
    InvalidMessageId(String),
}

/// The In-Reply-To and References of a reply to `parent` (RFC 5322 3.6.4): the parent's
/// references followed by the parent's own id.
pub fn thread_headers(
    parent_message_id: Option<&str>,
    parent_references: &[String],
) -> (Option<String>, Vec<String>) {
    let mut references = parent_references.to_vec();
    if let Some(id) = parent_message_id
        && references.last().map(String::as_str) != Some(id)
    {
        references.push(id.to_string());
    }
    (parent_message_id.map(str::to_string), references)
}

/// "Re: " in front, unless the subject already is a reply.
pub fn reply_subject(subject: &str) -> String {
    let trimmed = subject.trim_start();
    let lower = trimmed.get(..3).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("re:") {
        trimmed.to_string()
    } else {
        format!("Re: {trimmed}")
    }
}

/// Build the message. The References header always ends with In-Reply-To when that is set, so
/// a caller that forgot the chain still threads.
pub fn compose(msg: &OutgoingMessage) -> Result<Vec<u8>, ComposeError> {
    if msg.to.is_empty() && msg.cc.is_empty() {
        return Err(ComposeError::NoRecipients);
    }
    let mut head = String::new();
    // Timestamp formats in UTC, hence the fixed +0000.
    let date = msg.date.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string();
    head.push_str(&fold_header("Date", &date));
    head.push_str(&fold_header("From", &mailbox(&msg.from)?));
    for (name, list) in [
        ("To", &msg.to),
        ("Cc", &msg.cc),
        ("Reply-To", &msg.reply_to),
    ] {
        if !list.is_empty() {
            head.push_str(&fold_header(name, &mailbox_list(list)?));
        }
    }
    let subject = match msg.ref_token {
        Some(id) => reftoken::ensure(&msg.subject, id),
        None => msg.subject.clone(),
    };
    head.push_str(&fold_header("Subject", &unstructured(&subject)));
    head.push_str(&fold_header("Message-ID", &msg_id(&msg.message_id)?));
    let mut references = msg.references.clone();
    if let Some(parent) = &msg.in_reply_to {
        head.push_str(&fold_header("In-Reply-To", &msg_id(parent)?));
        if references.last() != Some(parent) {
            references.push(parent.clone());
        }
    }
    if !references.is_empty() {
        let ids = references
            .iter()
            .map(|id| msg_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        head.push_str(&fold_header("References", &ids.join(" ")));
    }
    head.push_str("MIME-Version: 1.0\r\n");

    let mut out = head;
    match &msg.html {
        None => {
            out.push_str(&text_part_headers("plain"));
            out.push_str("\r\n");
            out.push_str(&body(&msg.text));
        }
        Some(html) => {
            let boundary = boundary_for(&msg.message_id);
            out.push_str(&fold_header(
                "Content-Type",
                &format!("multipart/alternative; boundary=\"{boundary}\""),
            ));
            out.push_str("\r\n");
            for (subtype, content) in [("plain", &msg.text), ("html", html)] {
                out.push_str(&format!("--{boundary}\r\n"));
                out.push_str(&text_part_headers(subtype));
                out.push_str("\r\n");
                // The CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1), so it
                // is always added and never taken from the content.
                out.push_str(&quoted_printable(content));
                out.push_str("\r\n");
            }
            out.push_str(&format!("--{boundary}--\r\n"));
        }
    }
    Ok(out.into_bytes())
}

fn text_part_headers(subtype: &str) -> String {
    format!(
        "Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    )
}

/// A single-part body always ends with a line break: SMTP needs the message to end with one.
fn body(text: &str) -> String {
    let mut encoded = quoted_printable(text);
    if !encoded.ends_with("\r\n") {
        encoded.push_str("\r\n");
    }
    encoded
}

/// Derived from the Message-ID so composing is deterministic. It starts with "=_", which
/// quoted-printable output can never contain, so no body line can look like a boundary.
fn boundary_for(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    format!("=_rapport_{}", &hex::encode(digest)[..24])
}

fn mailbox(m: &Mailbox) -> Result<String, ComposeError> {
    let address = checked_address(&m.address)?;
    Ok(
        match m.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("{} <{address}>", phrase(name)),
            None => address.to_string(),
        },
    )
}

fn mailbox_list(list: &[Mailbox]) -> Result<String, ComposeError> {
    Ok(list
        .iter()
        .map(mailbox)
        .collect::<Result<Vec<_>, _>>()?
        .join(", "))
}

fn checked_address(address: &str) -> Result<&str, ComposeError> {
    let ok = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && address
        .bytes()
        .all(|b| (33..=126).contains(&b) && !b"<>()[],;:\"\\".contains(&b));
    if ok {
        Ok(address)
    } else {
        Err(ComposeError::InvalidAddress(address.to_string()))
    }
}

fn msg_id(id: &str) -> Result<String, ComposeError> {
    let ok = id.len() <= 250
        && id
            .split_once('@')
            .is_some_and(|(l, r)| !l.is_empty() && !r.is_empty())
        && id
            .bytes()
            .all(|b| (33..=126).contains(&b) && !b"<>()[],;:\"\\".contains(&b));
    if ok {
        Ok(format!("<{id}>"))
    } else {
        Err(ComposeError::InvalidMessageId(id.to_string()))
    }
}
