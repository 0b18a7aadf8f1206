//! A linear pass over the raw top-level header block, before mail-parser sees it.
//!
//! It decides whether the input is a message at all, cuts oversized header fields (so nothing
//! downstream ever handles a multi-megabyte header), and turns raw 8-bit header bytes into UTF-8
//! so that a legacy-charset Subject reads as text instead of replacement characters.

use std::borrow::Cow;

use crate::error::NotAMessage;

/// Field names that only a mail message carries. One of them must appear in the header block.
const MESSAGE_FIELDS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "message-id",
    "in-reply-to",
    "references",
    "subject",
    "date",
    "received",
    "return-path",
    "delivered-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "resent-from",
    "resent-to",
    "resent-date",
    "resent-message-id",
];

/// RFC 5322 does not bound field names; real ones are short. A longer "name" is not a header.
const MAX_FIELD_NAME: usize = 76;

pub(crate) struct Prescanned<'a> {
    pub bytes: Cow<'a, [u8]>,
    pub warnings: Vec<String>,
}

/// One header field of the top-level block: `start..end` covers the name, the value and all its
/// continuation lines, including the final line break.
struct Field {
    start: usize,
    end: usize,
    name_end: usize,
}

/// Check that `raw` looks like a message and normalise its top-level header block.
///
/// The heuristic, in order:
/// 1. An mbox `From ` separator line at the very start is skipped (MTAs add it when piping).
/// 2. Input that is empty or only whitespace is not a message.
/// 3. The first line must be a header field: 1 to 76 printable ASCII characters other than `:`,
///    optional spaces or tabs, then `:`. This rejects binary files (PNG, PDF, ZIP, ELF) and prose.
/// 4. The header block (up to the first empty line, or the end) must name at least one field
///    from [`MESSAGE_FIELDS`], so that a `key: value` config file is not taken for mail.
pub(crate) fn prescan(raw: &[u8], max_header_bytes: usize) -> Result<Prescanned<'_>, NotAMessage> {
    let start = skip_mbox_separator(raw);
    let input = &raw[start..];
    if input.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(NotAMessage::Empty);
    }
    let first_line = line_at(input, 0);
    if field_name_end(&input[..first_line]).is_none() {
        return Err(NotAMessage::NoHeaderLine {
            first_bytes: describe_bytes(&input[..first_line.min(40)]),
        });
    }

    let (fields, stray_lines) = split_fields(input);
    let has_message_field = fields.iter().any(|f| {
        let name = trim_ascii(&input[f.start..f.name_end]);
        MESSAGE_FIELDS
            .iter()
            .any(|known| name.eq_ignore_ascii_case(known.as_bytes()))
    });
    if !has_message_field {
        return Err(NotAMessage::NoMessageFields);
    }

    let mut warnings = Vec::new();
    if stray_lines > 0 {
        warnings.push(format!(
            "{stray_lines} line(s) in the header block are not header fields; ignored"
        ));
    }

    // Rewrite only when a field needs it; most messages pass through borrowed.
    let mut out: Option<Vec<u8>> = None;
    let mut copied_to = 0;
    let mut eight_bit_noted: Vec<String> = Vec::new();
    for field in &fields {
        let name = String::from_utf8_lossy(trim_ascii(&input[field.start..field.name_end]));
        let whole = &input[field.start..field.end];
        let mut replacement: Option<Vec<u8>> = None;

        if whole.len() > max_header_bytes {
            let cut = truncation_point(whole, max_header_bytes);
            let mut kept = whole[..cut].to_vec();
            kept.extend_from_slice(line_break_of(whole));
            warnings.push(format!(
                "header line of {} bytes truncated to {cut} bytes ({name})",
                whole.len()
            ));
            replacement = Some(kept);
        }

        let current = replacement.as_deref().unwrap_or(whole);
        if !current.is_ascii() {
            let key = name.to_ascii_lowercase();
            let utf8 = std::str::from_utf8(current).is_ok();
            if !utf8 {
                // Raw 8-bit headers that are not UTF-8 come from legacy mailers; windows-1252 is
                // what "latin-1" means in practice (the WHATWG maps the label to it).
                let (text, _, _) = encoding_rs::WINDOWS_1252.decode(current);
                replacement = Some(text.into_owned().into_bytes());
            }
            if !eight_bit_noted.contains(&key) {
                let charset = if utf8 {
                    "UTF-8"
                } else {
                    "latin-1 (windows-1252)"
                };
                warnings.push(format!("8-bit bytes in header {name} decoded as {charset}"));
                eight_bit_noted.push(key);
            }
        }

        if let Some(new_bytes) = replacement {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(raw.len()));
            buf.extend_from_slice(&input[copied_to..field.start]);
            buf.extend_from_slice(&new_bytes);
            copied_to = field.end;
        }
    }

    let bytes = match out {
        Some(mut buf) => {
            buf.extend_from_slice(&input[copied_to..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(input),
    };
    Ok(Prescanned { bytes, warnings })
}

fn skip_mbox_separator(raw: &[u8]) -> usize {
    if raw.starts_with(b"From ") {
        line_at(raw, 0)
    } else {
        0
    }
}

/// The offset just past the line that starts at `start` (past its `\n`, or the end of input).
fn line_at(data: &[u8], start: usize) -> usize {
    match data[start..].iter().position(|&b| b == b'\n') {
        Some(pos) => start + pos + 1,
        None => data.len(),
    }
}

/// Where the field name of `line` ends (the index of its colon), if `line` is a header field.
fn field_name_end(line: &[u8]) -> Option<usize> {
    let name_len = line
        .iter()
        .position(|&b| !(33..=126).contains(&b) || b == b':')?;
    if name_len == 0 || name_len > MAX_FIELD_NAME {
        return None;
    }
    let rest = &line[name_len..];
    let colon = rest.iter().position(|&b| b != b' ' && b != b'\t')?;
    (rest[colon] == b':').then_some(name_len + colon)
}

fn is_blank_line(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// Split the header block into fields; also count lines that are neither fields nor
/// continuations (mail-parser skips them, we report them).
fn split_fields(input: &[u8]) -> (Vec<Field>, usize) {
    let mut fields: Vec<Field> = Vec::new();
    let mut stray = 0;
    let mut pos = 0;
    while pos < input.len() {
        let end = line_at(input, pos);
        let line = &input[pos..end];
        if is_blank_line(line) {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some(last) = fields.last_mut() {
                last.end = end;
            }
        } else if let Some(name_end) = field_name_end(line) {
            fields.push(Field {
                start: pos,
                end,
                name_end: pos + name_end,
            });
        } else {
            stray += 1;
        }
        pos = end;
    }
    (fields, stray)
}

/// Cut at `limit`, but never between a CR and its LF, and never inside a UTF-8 sequence.
fn truncation_point(field: &[u8], limit: usize) -> usize {
    if limit >= field.len() {
        return field.len();
    }
    let mut cut = limit;
    while cut > 0 && (field[cut] & 0xC0) == 0x80 && limit - cut < 4 {
        cut -= 1;
    }
    while cut > 0 && matches!(field[cut - 1], b'\r' | b'\n') {
        cut -= 1;
    }
    cut
}

fn line_break_of(field: &[u8]) -> &'static [u8] {
    if field.ends_with(b"\r\n") {
        b"\r\n"
    } else if field.ends_with(b"\n") {
        b"\n"
    } else {
        b""
    }
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Show the first bytes of rejected input in an error message without printing binary noise.
fn describe_bytes(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(input: &[u8]) -> Result<Prescanned<'_>, NotAMessage> {
        prescan(input, 1024)
    }

    #[test]
    fn empty_and_whitespace_are_not_messages() {
        assert!(matches!(scan(b""), Err(NotAMessage::Empty)));
        assert!(matches!(scan(b"\r\n \n\t"), Err(NotAMessage::Empty)));
    }

    #[test]
    fn png_is_not_a_message() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
        assert!(matches!(scan(png), Err(NotAMessage::NoHeaderLine { .. })));
    }

    #[test]
    fn prose_is_not_a_message() {
        assert!(matches!(
            scan(b"Dear team, here is the report.\n"),
            Err(NotAMessage::NoHeaderLine { .. })
        ));
        // A colon after a space is not a field name.
        assert!(matches!(
            scan(b"Note to self: buy milk\n"),
            Err(NotAMessage::NoHeaderLine { .. })
        ));
    }

    #[test]
    fn key_value_file_without_message_fields_is_not_a_message() {
        assert!(matches!(
            scan(b"name: rapport\nversion: 1\n"),
            Err(NotAMessage::NoMessageFields)
        ));
    }

    #[test]
    fn one_message_field_is_enough() {
        let out = scan(b"X-Thing: 1\nSubject: hi\n\nbody").unwrap();
        assert!(matches!(out.bytes, Cow::Borrowed(_)));
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn field_name_may_be_followed_by_space_before_colon() {
        assert!(scan(b"Subject : hi\n\nbody").is_ok());
    }

    #[test]
    fn mbox_separator_is_skipped() {
        let out = scan(b"From bob@example.com Thu Mar  5 10:00:00 2026\nSubject: hi\n\nx").unwrap();
        assert!(out.bytes.starts_with(b"Subject: hi"));
    }

    #[test]
    fn long_field_is_truncated_with_a_warning() {
        let mut msg = b"Subject: ".to_vec();
        msg.extend(std::iter::repeat_n(b'a', 5000));
        msg.extend_from_slice(b"\r\nFrom: a@b.c\r\n\r\nbody\r\n");
        let out = scan(&msg).unwrap();
        assert_eq!(
            out.warnings,
            vec!["header line of 5011 bytes truncated to 1024 bytes (Subject)".to_string()]
        );
        let text = std::str::from_utf8(&out.bytes).unwrap();
        let subject_line = text.lines().next().unwrap();
        assert_eq!(subject_line.len(), 1024);
        assert!(text.contains("\r\nFrom: a@b.c\r\n\r\nbody\r\n"));
    }

    #[test]
    fn folded_field_counts_all_its_lines() {
        let mut msg = b"To: a@b.c,\r\n".to_vec();
        for _ in 0..100 {
            msg.extend_from_slice(b" someone@example.com,\r\n");
        }
        msg.extend_from_slice(b" last@example.com\r\nSubject: x\r\n\r\n");
        let out = scan(&msg).unwrap();
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        assert!(out.warnings[0].ends_with("(To)"));
        assert!(out.bytes.windows(12).any(|w| w == b"\r\nSubject: x"));
    }

    #[test]
    fn truncation_does_not_split_utf8() {
        let field = "Subject: ééééé\r\n".as_bytes();
        // Byte 10 is the second byte of the first é.
        assert_eq!(truncation_point(field, 10), 9);
        assert_eq!(truncation_point(field, 11), 11);
    }

    #[test]
    fn latin1_header_is_transcoded() {
        let out = scan(b"Subject: Caf\xe9 cr\xe8me\r\nFrom: a@b.c\r\n\r\nx").unwrap();
        assert!(out.bytes.starts_with("Subject: Café crème\r\n".as_bytes()));
        assert_eq!(
            out.warnings,
            vec!["8-bit bytes in header Subject decoded as latin-1 (windows-1252)".to_string()]
        );
    }

    #[test]
    fn utf8_header_is_kept_and_noted() {
        let out = scan("Subject: Café\r\nFrom: a@b.c\r\n\r\nx".as_bytes()).unwrap();
        assert!(matches!(out.bytes, Cow::Borrowed(_)));
        assert_eq!(
            out.warnings,
            vec!["8-bit bytes in header Subject decoded as UTF-8".to_string()]
        );
    }

    #[test]
    fn stray_lines_are_counted() {
        let out = scan(b"Subject: x\r\ngarbage line\r\nFrom: a@b.c\r\n\r\n").unwrap();
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].starts_with("1 line(s)"));
    }

    #[test]
    fn body_bytes_are_not_inspected() {
        let out = scan(b"Subject: x\r\n\r\n\xff\xfe binary \x00 body").unwrap();
        assert!(out.warnings.is_empty());
    }
}
