//! A received message as Rapport uses it: ids for threading, people, dates, bodies, attachments,
//! whether a machine sent it, and what was wrong with it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jiff::Timestamp;
use jiff::tz::Offset;
use mail_parser::{DateTime, HeaderName, HeaderValue, Message, MessageParser};
use serde::Serialize;

use crate::address::{Mailbox, from_mailbox, mailbox_list};
use crate::attachment::{Attachment, attachments};
use crate::error::{NotAMessage, ParseError};
use crate::{auto, body, html, prescan, structure};

/// 25 MiB: larger than any mail server here accepts after base64 (a 18 MiB attachment).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;
/// Room for 10,000 folded recipients in one To field, far below "megabytes".
pub const DEFAULT_MAX_HEADER_BYTES: usize = 512 * 1024;
pub const DEFAULT_MAX_RECIPIENTS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Larger input is refused with [`ParseError::TooLarge`].
    pub max_message_bytes: usize,
    /// A top-level header field (with its continuation lines) longer than this is cut.
    pub max_header_bytes: usize,
    /// Each of To, Cc and Reply-To keeps at most this many mailboxes.
    pub max_recipients: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
        }
    }
}

/// The parsed message. Serialised as the JSON of `rapport mail parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedMessage {
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// The first id of In-Reply-To, without angle brackets.
    pub in_reply_to: Option<String>,
    /// In header order, oldest first.
    pub references: Vec<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub subject: Option<String>,
    /// UTC; serialised as RFC 3339 (`2026-03-06T16:30:00Z`).
    pub date: Option<Timestamp>,
    /// The plain text body (from the HTML when there is no plain part); `\n` line ends.
    pub text: String,
    /// The HTML body after sanitising with remote images blocked.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub auto_submitted: bool,
    /// Which signal made `auto_submitted` true, e.g. `Auto-Submitted: auto-replied`.
    pub auto_submitted_reason: Option<String>,
    /// Remote images held back in `html`.
    pub remote_images_blocked: usize,
    /// The `Authentication-Results` headers (SPF, DKIM, DMARC verdicts of receiving servers),
    /// topmost (most recent) first, unfolded. Which to believe is the application's call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authentication_results: Vec<String>,
    pub warnings: Vec<String>,
    /// The HTML as the sender wrote it (charset-decoded). For storage, so the reader can later
    /// re-sanitise with remote images allowed. Never show it unsanitised.
    #[serde(skip)]
    pub raw_html: Option<String>,
}

/// Parse raw RFC 5322 bytes. Anything that looks like a message parses, best effort, with its
/// defects listed in `warnings`; input that is too large or not a message at all is an error.
pub fn parse(raw: &[u8], limits: &ParseLimits) -> Result<ParsedMessage, ParseError> {
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    let scanned = prescan::prescan(raw, limits.max_header_bytes)?;
    let mut warnings = scanned.warnings;
    let bytes: &[u8] = &scanned.bytes;
    let message = guarded_mime_parse(
        bytes,
        |b| MessageParser::default().parse(b),
        |b| MessageParser::default().parse_headers(b),
        &mut warnings,
    )
    .ok_or(NotAMessage::NoMessageFields)?;

    let message_id = first_id(message.header(HeaderName::MessageId));
    if message_id.is_none() {
        warnings.push("missing Message-ID header".to_string());
    }
    let in_reply_to = first_id(message.header(HeaderName::InReplyTo));
    let references = ids(message.header(HeaderName::References));

    let from = from_mailbox(&message, &mut warnings);
    let cap = limits.max_recipients;
    let to = mailbox_list(&message, HeaderName::To, "To", cap, &mut warnings);
    let cc = mailbox_list(&message, HeaderName::Cc, "Cc", cap, &mut warnings);
    let reply_to = mailbox_list(
        &message,
        HeaderName::ReplyTo,
        "Reply-To",
        cap,
        &mut warnings,
    );
    let subject = message
        .subject()
        .map(|s| crate::words::decode_embedded(s).into_owned());
    let date = date(&message, &mut warnings);

    structure::warnings(&message, bytes, &mut warnings);
    let bodies = body::bodies(&message);
    let attachments = attachments(&message, bytes, &mut warnings);

    // Sliced with `get`, not through mail-parser's `headers_raw`, which indexes and would
    // panic if an offset were ever wrong.
    let raw_headers: Vec<(&str, String)> = message
        .headers()
        .iter()
        .filter_map(|h| {
            let value = bytes.get(h.offset_start as usize..h.offset_end as usize)?;
            Some((h.name.as_str(), unfold(&String::from_utf8_lossy(value))))
        })
        .collect();
    let header_pairs: Vec<(&str, &str)> =
        raw_headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let auto_submitted_reason = auto::detect(
        &header_pairs,
        from.as_ref().map(|m| m.address.as_str()),
        subject.as_deref(),
    );

    let authentication_results = raw_headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(_, v)| v.trim().to_string())
        .collect();

    let sanitised = bodies
        .html
        .as_deref()
        .map(|h| html::sanitise_report(h, false));

    Ok(ParsedMessage {
        message_id,
        in_reply_to,
        references,
        from,
        to,
        cc,
        reply_to,
        subject,
        date,
        text: bodies.text,
        remote_images_blocked: sanitised.as_ref().map_or(0, |s| s.remote_images_blocked),
        authentication_results,
        html: sanitised.map(|s| s.html),
        attachments,
        auto_submitted: auto_submitted_reason.is_some(),
        auto_submitted_reason,
        warnings,
        raw_html: bodies.html,
    })
}

/// Run mail-parser so that a panic inside it cannot take the caller down (an ingest worker must
/// survive any message). mail-parser promises never to panic, but fuzzing found inputs that trip
/// its debug assertions, so we do not rely on the promise: on a panic the headers alone are
/// read and a warning says the body was lost.
fn guarded_mime_parse<'a>(
    bytes: &'a [u8],
    full: impl FnOnce(&'a [u8]) -> Option<Message<'a>>,
    headers_only: impl FnOnce(&'a [u8]) -> Option<Message<'a>>,
    warnings: &mut Vec<String>,
) -> Option<Message<'a>> {
    match catch_unwind(AssertUnwindSafe(|| full(bytes))) {
        Ok(message) => message,
        Err(_) => {
            warnings.push(
                "the MIME structure could not be parsed (mail-parser panicked); only the \
                 headers were read"
                    .to_string(),
            );
            catch_unwind(AssertUnwindSafe(|| headers_only(bytes)))
                .ok()
                .flatten()
        }
    }
}

fn ids(value: Option<&HeaderValue<'_>>) -> Vec<String> {
    let clean = |id: &str| {
        let id = id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        (!id.is_empty()).then(|| id.to_string())
    };
    match value {
        Some(HeaderValue::Text(id)) => clean(id).into_iter().collect(),
        Some(HeaderValue::TextList(list)) => list.iter().filter_map(|id| clean(id)).collect(),
        _ => Vec::new(),
    }
}

fn first_id(value: Option<&HeaderValue<'_>>) -> Option<String> {
    ids(value).into_iter().next()
}

fn date(message: &Message<'_>, warnings: &mut Vec<String>) -> Option<Timestamp> {
    let Some(value) = message.header(HeaderName::Date) else {
        warnings.push("missing Date header".to_string());
        return None;
    };
    let parsed = match value {
        HeaderValue::DateTime(dt) => to_timestamp(dt),
        _ => None,
    };
    if parsed.is_none() {
        let raw = message
            .headers()
            .iter()
            .find(|h| h.name == HeaderName::Date)
            .and_then(|h| {
                message
                    .raw_message
                    .get(h.offset_start as usize..h.offset_end as usize)
            })
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let shown: String = raw.trim().chars().take(80).collect();
        warnings.push(format!("unparseable Date header {shown:?}"));
    }
    parsed
}

fn to_timestamp(dt: &DateTime) -> Option<Timestamp> {
    let civil = jiff::civil::DateTime::new(
        i16::try_from(dt.year).ok()?,
        i8::try_from(dt.month).ok()?,
        i8::try_from(dt.day).ok()?,
        i8::try_from(dt.hour).ok()?,
        i8::try_from(dt.minute).ok()?,
        // A leap second (:60) is the last second of the minute for our purposes.
        i8::try_from(dt.second.min(59)).ok()?,
        0,
    )
    .ok()?;
    let sign = if dt.tz_before_gmt { -1 } else { 1 };
    let seconds = sign * (i32::from(dt.tz_hour) * 3600 + i32::from(dt.tz_minute) * 60);
    let offset = Offset::from_seconds(seconds).ok()?;
    offset.to_timestamp(civil).ok()
}

fn unfold(value: &str) -> String {
    value.replace("\r\n", "").replace('\n', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &[u8] = b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n";

    #[test]
    fn a_panicking_mime_parser_degrades_to_headers() {
        let mut warnings = Vec::new();
        let message = guarded_mime_parse(
            RAW,
            |_| panic!("simulated mail-parser bug"),
            |b| MessageParser::default().parse_headers(b),
            &mut warnings,
        )
        .expect("headers survive");
        assert_eq!(message.subject(), Some("hi"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("the MIME structure could not be parsed"));
    }

    #[test]
    fn both_parsers_panicking_is_none_not_a_crash() {
        let mut warnings = Vec::new();
        let message = guarded_mime_parse(
            RAW,
            |_| panic!("simulated"),
            |_| panic!("simulated"),
            &mut warnings,
        );
        assert!(message.is_none());
    }

    #[test]
    fn dates_convert_to_utc_and_reject_impossible_values() {
        let dt = DateTime {
            year: 2026,
            month: 3,
            day: 6,
            hour: 11,
            minute: 30,
            second: 0,
            tz_before_gmt: true,
            tz_hour: 5,
            tz_minute: 0,
        };
        assert_eq!(
            to_timestamp(&dt).map(|t| t.to_string()).as_deref(),
            Some("2026-03-06T16:30:00Z")
        );
        let leap = DateTime { second: 60, ..dt };
        assert_eq!(
            to_timestamp(&leap).map(|t| t.to_string()).as_deref(),
            Some("2026-03-06T16:30:59Z")
        );
        for bad in [
            DateTime { month: 13, ..dt },
            DateTime {
                day: 31,
                month: 2,
                ..dt
            },
            DateTime { hour: 24, ..dt },
            DateTime { year: 40_000, ..dt },
            DateTime { tz_hour: 99, ..dt },
        ] {
            assert_eq!(to_timestamp(&bad), None, "{bad:?}");
        }
    }
}
