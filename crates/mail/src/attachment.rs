//! Attachments and inline parts, with their decoded bytes for storage.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::structure::media_type;

/// One attachment or inline part. `size` and `sha256` are of the decoded content (what a user
/// who downloads it gets), never of the transfer encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub filename: Option<String>,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
    /// Shown in the body (Content-Disposition: inline, or a Content-ID without a disposition)
    /// rather than offered as a download.
    pub inline: bool,
    /// Without angle brackets; HTML refers to it as `cid:<content_id>`.
    pub content_id: Option<String>,
    /// The decoded content. Not in the JSON: it goes to storage, not to the screen.
    #[serde(skip)]
    pub data: Vec<u8>,
}

pub(crate) fn attachments(
    message: &Message<'_>,
    raw: &[u8],
    warnings: &mut Vec<String>,
) -> Vec<Attachment> {
    message
        .attachments
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        // A multipart that failed to split is shown as the body, not offered as a file.
        .filter(|part| !crate::body::is_multipart(part))
        .filter_map(|part| attachment(part, raw, warnings))
        .collect()
}

fn attachment(
    part: &MessagePart<'_>,
    raw: &[u8],
    warnings: &mut Vec<String>,
) -> Option<Attachment> {
    let uuencoded = part.content_transfer_encoding().is_some_and(is_uuencode);
    let data = match &part.body {
        // mail-parser keeps x-uuencode as it came; decode it as Python's email package does.
        _ if uuencoded
            && let Some(bytes) = raw
                .get(part.offset_body as usize..part.offset_end as usize)
                .and_then(uudecode) =>
        {
            bytes
        }
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.to_vec(),
        PartType::Text(text) | PartType::Html(text) => {
            // mail-parser hands text over already converted to UTF-8; the file the sender
            // attached was in its own charset, so decode the transfer encoding ourselves.
            transfer_decoded(part, raw).unwrap_or_else(|| text.as_bytes().to_vec())
        }
        PartType::Message(nested) => match part.encoding {
            // An unencoded nested message is a slice of ours (its raw_message is the outer one).
            Encoding::None => raw
                .get(part.offset_body as usize..part.offset_end as usize)
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| nested.raw_message.to_vec()),
            _ => nested.raw_message.to_vec(),
        },
        PartType::Multipart(_) => return None,
    };

    let disposition = part
        .content_disposition()
        .map(|d| d.ctype().to_ascii_lowercase());
    let content_id = part
        .content_id()
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|id| !id.is_empty());
    let inline = match disposition.as_deref() {
        Some("inline") => true,
        Some(_) => false,
        None => content_id.is_some(),
    };

    Some(Attachment {
        filename: part
            .attachment_name()
            .and_then(|n| safe_filename(&crate::words::decode_embedded(n), warnings)),
        content_type: media_type(part),
        size: data.len(),
        sha256: hex::encode(Sha256::digest(&data)),
        inline,
        content_id,
        data,
    })
}

fn transfer_decoded(part: &MessagePart<'_>, raw: &[u8]) -> Option<Vec<u8>> {
    let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::None => Some(body.to_vec()),
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
    }
}

/// `x-uuencode` and its aliases, as Python's email package accepts them.
pub(crate) fn is_uuencode(cte: &str) -> bool {
    let cte = cte.trim();
    ["x-uuencode", "uuencode", "x-uue", "uue"]
        .iter()
        .any(|k| cte.eq_ignore_ascii_case(k))
}

/// The bytes between a `begin MODE NAME` line and `end`. Each line starts with its length
/// (a character 32 + n, `` ` `` for 0); every four characters carry three bytes. None when
/// there is no `begin` line or a line is not uuencoded text.
fn uudecode(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    lines.find(|l| l.starts_with("begin "))?;
    let value = |c: u8| -> Option<u8> {
        match c {
            b'`' => Some(0),
            32..=96 => Some((c - 32) & 63),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for line in lines {
        if line == "end" {
            return Some(out);
        }
        let bytes = line.as_bytes();
        let Some((&first, rest)) = bytes.split_first() else {
            continue;
        };
        let n = usize::from(value(first)?);
        let mut chunk = Vec::with_capacity(n + 2);
        for quad in rest.chunks(4) {
            let mut v = [0u8; 4];
            for (i, &c) in quad.iter().enumerate() {
                v[i] = value(c)?;
            }
            chunk.push((v[0] << 2) | (v[1] >> 4));
            chunk.push((v[1] << 4) | (v[2] >> 2));
            chunk.push((v[2] << 6) | v[3]);
        }
        if chunk.len() < n {
            return None;
        }
        chunk.truncate(n);
        out.extend_from_slice(&chunk);
    }
    // No `end` line: what was read is kept rather than lost.
    (!out.is_empty()).then_some(out)
}

/// The last path component, without control characters: a name like `../../etc/passwd` or
/// `C:\Users\x\report.pdf` must not steer where anything is written.
fn safe_filename(name: &str, warnings: &mut Vec<String>) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned != name {
        warnings.push(format!(
            "attachment filename {name:?} had path parts or control characters; kept {cleaned:?}"
        ));
    }
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuencoded_bytes_decode() {
        // `uuencode` of "Cat" and of 0..=255 (Python's binascii.b2a_uu produced these lines).
        assert_eq!(
            uudecode(b"begin 644 cat.txt\r\n#0V%T\r\n`\r\nend\r\n"),
            Some(b"Cat".to_vec())
        );
        let all: Vec<u8> = (0..=255).collect();
        let mut enc = String::from("begin 600 all.bin\n");
        for chunk in all.chunks(45) {
            enc.push((32 + chunk.len() as u8) as char);
            for tri in chunk.chunks(3) {
                let t = [tri[0], *tri.get(1).unwrap_or(&0), *tri.get(2).unwrap_or(&0)];
                for v in [
                    t[0] >> 2,
                    (t[0] << 4 | t[1] >> 4) & 63,
                    (t[1] << 2 | t[2] >> 6) & 63,
                    t[2] & 63,
                ] {
                    enc.push(if v == 0 { '`' } else { (32 + v) as char });
                }
            }
            enc.push('\n');
        }
        enc.push_str("`\nend\n");
        assert_eq!(uudecode(enc.as_bytes()), Some(all));
        assert_eq!(uudecode(b"no begin line\n"), None);
        assert_eq!(uudecode(b"begin 644 x\n#\x7f\x7f\x7f\x7f\nend\n"), None);
    }

    #[test]
    fn filenames_lose_paths_and_controls() {
        let mut w = Vec::new();
        assert_eq!(
            safe_filename("report.pdf", &mut w),
            Some("report.pdf".into())
        );
        assert!(w.is_empty());
        assert_eq!(
            safe_filename("../../etc/passwd", &mut w),
            Some("passwd".into())
        );
        assert_eq!(
            safe_filename("C:\\Users\\ann\\Q1.xlsx", &mut w),
            Some("Q1.xlsx".into())
        );
        assert_eq!(
            safe_filename("a\u{0}b\nc.txt", &mut w),
            Some("abc.txt".into())
        );
        assert_eq!(safe_filename("dir/..", &mut w), None);
        assert_eq!(w.len(), 4);
    }
}
