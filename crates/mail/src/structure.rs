//! Defects in the MIME structure that mail-parser recovers from silently; we say what happened.

use std::collections::HashSet;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

pub(crate) fn warnings(message: &Message<'_>, raw: &[u8], warnings: &mut Vec<String>) {
    let closed = closing_delimiters(raw);
    for (idx, part) in message.parts.iter().enumerate() {
        let media = media_type(part);
        if let Some(ct) = part.content_type()
            && ct.ctype().eq_ignore_ascii_case("multipart")
        {
            let sub = ct.subtype().unwrap_or("");
            match ct.attribute("boundary") {
                None => warnings.push(format!(
                    "multipart/{sub} without a boundary parameter; body read as text"
                )),
                Some(b) if matches!(part.body, PartType::Multipart(_)) => {
                    if !closed.contains(b.as_bytes()) {
                        warnings.push(format!("boundary \"{b}\" not closed"));
                    }
                }
                Some(b) => warnings.push(format!(
                    "boundary \"{b}\" never appears; multipart/{sub} body read as text"
                )),
            }
        }

        if let Some(cte) = part.content_transfer_encoding() {
            let known = ["7bit", "8bit", "binary", "base64", "quoted-printable"];
            if !known.iter().any(|k| cte.trim().eq_ignore_ascii_case(k))
                && !crate::attachment::is_uuencode(cte)
            {
                warnings.push(format!(
                    "unknown Content-Transfer-Encoding \"{cte}\" in part {idx} ({media}); content kept as is"
                ));
            }
        }

        if part.is_encoding_problem {
            if idx == 0 && part.offset_body as usize >= raw.len() && part.contents().is_empty() {
                warnings.push("message has no body".to_string());
            } else if matches!(part.body, PartType::Message(_) | PartType::Binary(_))
                && media.starts_with("message/")
            {
                warnings.push(format!(
                    "part {idx} ({media}) could not be read as a message; kept as bytes"
                ));
            } else {
                // mail-parser resets `part.encoding` when it gives up, so ask the header.
                let cte = part
                    .content_transfer_encoding()
                    .map(|c| c.trim().to_ascii_lowercase());
                match cte.as_deref() {
                    Some(enc @ ("base64" | "quoted-printable")) => warnings.push(format!(
                        "could not decode {enc} in part {idx} ({media}): bad data or no \
                         closing boundary; kept the raw text"
                    )),
                    _ => warnings.push(format!(
                        "part {idx} ({media}) does not end with a boundary; read to the end of \
                         the message"
                    )),
                }
            }
        }

        if let PartType::Text(text) | PartType::Html(text) = &part.body {
            let charset = part
                .content_type()
                .and_then(|ct| ct.attribute("charset"))
                .map(str::trim);
            if let Some(cs) = charset
                && charset_decoder(cs.as_bytes()).is_none()
                && !is_utf8_label(cs)
            {
                warnings.push(format!(
                    "unknown charset \"{cs}\" in part {idx} ({media}); read as UTF-8"
                ));
            }
            if text.contains('\u{FFFD}') {
                warnings.push(format!(
                    "part {idx} ({media}) has bytes invalid in charset {}; replaced with U+FFFD",
                    charset.unwrap_or("UTF-8 (none declared)")
                ));
            }
        }
    }
}

fn is_utf8_label(label: &str) -> bool {
    ["utf-8", "utf8", "us-ascii"]
        .iter()
        .any(|l| label.eq_ignore_ascii_case(l))
}

/// `type/subtype` of a part in lower case, with the RFC 2045 default for parts without one.
pub(crate) fn media_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => {
            let ctype = ct.ctype().trim().to_ascii_lowercase();
            match ct.subtype().map(|s| s.trim().to_ascii_lowercase()) {
                Some(sub) if !sub.is_empty() => format!("{ctype}/{sub}"),
                _ if ctype == "text" => "text/plain".to_string(),
                _ => "application/octet-stream".to_string(),
            }
        }
        None => match part.body {
            PartType::Message(_) => "message/rfc822".to_string(),
            PartType::Text(_) | PartType::Html(_) => "text/plain".to_string(),
            _ => "application/octet-stream".to_string(),
        },
    }
}

/// Every boundary that has a closing delimiter line (`--b--`, RFC 2046 5.1.1), in one pass so
/// a message with many parts is not scanned once per part.
fn closing_delimiters(raw: &[u8]) -> HashSet<&[u8]> {
    let mut closed = HashSet::new();
    for line in raw.split(|&b| b == b'\n') {
        let line = line.trim_ascii_end();
        if line.len() >= 4 && line.starts_with(b"--") && line.ends_with(b"--") {
            closed.insert(&line[2..line.len() - 2]);
        }
    }
    closed
}
