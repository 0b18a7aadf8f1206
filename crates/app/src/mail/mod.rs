//! Mail in and out. Received mail is routed by [`ingest`] (a request's thread, a new request,
//! or triage, with a record of why); replies go out by the `mail.send` job ([`crate::mail_out`]); IMAP
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
pub mod views;

pub use crate::mail_settings::{LOOP_HEADER, MailSettings, parse_mailbox};
pub use ingest::{IngestOutcome, Received};
pub use poll::MailboxTest;

/// The ports a mailbox may use unless the operator allows any.
pub const IMAP_PORTS: [u16; 2] = [143, 993];

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
