//! Lenient RFC 2047 decoding for encoded words that mail-parser (correctly, by the letter of the
//! RFC) leaves alone: words glued to other text (`Chlo=?ISO-8859-1?Q?=E9?=`) or inside quoted
//! strings (`name="notes-fran=?iso-8859-1?q?=E7ais?=.txt"`, as Outlook writes). Mail clients
//! decode these, so readers expect to see the decoded text.

use std::borrow::Cow;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;

/// `text` with every well-formed encoded word decoded; whitespace between two adjacent encoded
/// words is dropped (RFC 2047 6.2). Words in unknown charsets stay as they are.
pub(crate) fn decode_embedded(text: &str) -> Cow<'_, str> {
    if !(text.contains("=?") && text.contains("?=")) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut pending_ws = "";
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if let Some((decoded, len)) = decode_word(&rest[start..]) {
            let between_words = last_was_word && before.chars().all(char::is_whitespace);
            if !between_words {
                out.push_str(pending_ws);
                out.push_str(before);
            }
            out.push_str(&decoded);
            rest = &rest[start + len..];
            last_was_word = true;
            // Hold back whitespace that may sit between this word and the next one.
            let ws_len = rest.len() - rest.trim_start().len();
            pending_ws = &rest[..ws_len];
            rest = &rest[ws_len..];
        } else {
            out.push_str(pending_ws);
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            pending_ws = "";
            last_was_word = false;
        }
    }
    out.push_str(pending_ws);
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decode the encoded word at the start of `s` (`=?charset?B|Q?text?=`); returns the text and
/// how many bytes of `s` it used.
fn decode_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let q1 = inner.find('?')?;
    let charset = &inner[..q1];
    let after_charset = &inner[q1 + 1..];
    // The encoding letter may be any character in hostile input; step by chars, not bytes.
    let mut chars = after_charset.char_indices();
    let (_, encoding) = chars.next()?;
    let (question, '?') = chars.next()? else {
        return None;
    };
    let payload_and_rest = &after_charset[question + 1..];
    let end = payload_and_rest.find("?=")?;
    let payload = &payload_and_rest[..end];
    let encoding = encoding.to_ascii_uppercase();
    if payload.contains(char::is_whitespace) || charset.is_empty() {
        return None;
    }
    let bytes = match encoding {
        'B' => base64_decode(payload.as_bytes())?,
        'Q' => decode_q(payload)?,
        _ => return None,
    };
    // RFC 2231 allows a language suffix: `UTF-8*en`.
    let charset = charset.split('*').next().unwrap_or(charset);
    let text = if charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8") {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        charset_decoder(charset.as_bytes())?(&bytes)
    };
    let used = s.len() - payload_and_rest[end + 2..].len();
    Some((text, used))
}

fn decode_q(payload: &str) -> Option<Vec<u8>> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = payload.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(decode_embedded("Hello"), Cow::Borrowed("Hello")));
    }

    #[test]
    fn glued_word_is_decoded() {
        assert_eq!(decode_embedded("Chlo=?ISO-8859-1?Q?=E9?="), "Chloé");
        assert_eq!(
            decode_embedded("notes-fran=?iso-8859-1?q?=E7ais?=.txt"),
            "notes-français.txt"
        );
    }

    #[test]
    fn whitespace_between_words_goes_but_other_whitespace_stays() {
        assert_eq!(
            decode_embedded("=?utf-8?B?w6k=?= =?utf-8?Q?=C3=A8?= and =?utf-8?Q?x?= y"),
            "éè and x y"
        );
    }

    #[test]
    fn malformed_words_stay() {
        for s in [
            "=?utf-8?X?abc?=",
            "=?utf-8?Q?=ZZ?=",
            "a =? b ?= c",
            "=?x-unknown?Q?a?=",
        ] {
            assert_eq!(decode_embedded(s), s);
        }
    }

    #[test]
    fn multibyte_encoding_letter_is_not_a_word() {
        // Found by the robustness property test: a byte-offset slice split a character.
        let s = "=?ISO-2022-JP?\u{2039}?GyRCJCo4K0BRJG[kTjdvGyhC?=";
        assert_eq!(decode_embedded(s), s);
    }

    #[test]
    fn language_suffix_is_ignored() {
        assert_eq!(decode_embedded("=?UTF-8*en?Q?Hi?="), "Hi");
    }
}
