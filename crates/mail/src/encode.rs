//! Header and body encodings for outgoing mail: RFC 2047 encoded words, quoted-printable
//! (RFC 2045) and header folding (RFC 5322 section 2.2.3).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Lines should stay within 78 characters (RFC 5322 2.1.1).
const FOLD_AT: usize = 78;
/// RFC 2047 allows 75 characters, but a 75-character word after "Subject: " already breaks the
/// 76-character line limit it also sets; 60 leaves room for the longest common field name.
const MAX_ENCODED_WORD: usize = 60;
const WORD_PREFIX: &str = "=?utf-8?B?";
const WORD_SUFFIX: &str = "?=";

/// A word that a plain header cannot carry as is: non-ASCII, control characters, or something
/// a decoder would mistake for an encoded word.
fn needs_encoding(word: &str) -> bool {
    word.chars().any(|c| !c.is_ascii() || c.is_ascii_control()) || word.contains("=?")
}

/// `text` as one or more base64 encoded words separated by spaces. The spaces between adjacent
/// encoded words vanish on decoding (RFC 2047 6.2), so chunks split at character boundaries
/// decode back to exactly `text`.
fn encoded_words(text: &str) -> String {
    let max_raw = (MAX_ENCODED_WORD - WORD_PREFIX.len() - WORD_SUFFIX.len()) / 4 * 3;
    let mut out = String::new();
    let mut chunk_start = 0;
    let mut chunk_end = 0;
    for (idx, c) in text.char_indices() {
        let next = idx + c.len_utf8();
        if next - chunk_start > max_raw {
            push_word(&mut out, &text[chunk_start..chunk_end]);
            chunk_start = chunk_end;
        }
        chunk_end = next;
    }
    if chunk_end > chunk_start {
        push_word(&mut out, &text[chunk_start..chunk_end]);
    }
    out
}

fn push_word(out: &mut String, chunk: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(WORD_PREFIX);
    out.push_str(&STANDARD.encode(chunk.as_bytes()));
    out.push_str(WORD_SUFFIX);
}

/// Unstructured text (a Subject) for a header: ASCII words stay readable (so `[#1042]` can be
/// grepped in raw mail), runs of words that need it become encoded words.
pub(crate) fn unstructured(text: &str) -> String {
    let text = single_line(text);
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, out: &mut Vec<String>| {
        // Empty words (from doubled spaces) after the last word that needs encoding stay
        // outside the run, where their spaces survive decoding.
        let mut trailing = 0;
        while run.last().is_some_and(|w| w.is_empty()) {
            run.pop();
            trailing += 1;
        }
        if !run.is_empty() {
            out.push(encoded_words(&run.join(" ")));
            run.clear();
        }
        out.extend(std::iter::repeat_n(String::new(), trailing));
    };
    for word in words {
        if needs_encoding(word) || (word.is_empty() && !run.is_empty()) {
            run.push(word);
        } else {
            flush(&mut run, &mut out);
            out.push(word.to_string());
        }
    }
    flush(&mut run, &mut out);
    out.join(" ")
}

/// A display name as an RFC 5322 phrase: bare atoms, a quoted string, or encoded words.
pub(crate) fn phrase(name: &str) -> String {
    let name = single_line(name);
    let name = name.trim();
    if needs_encoding(name) {
        return encoded_words(name);
    }
    let is_atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~ ".contains(c);
    if !name.is_empty() && name.chars().all(is_atext) && !name.contains("  ") {
        name.to_string()
    } else {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    }
}

/// Line breaks in a header value would start a new header (header injection); they become spaces.
fn single_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// `Name: value` folded at spaces so lines stay near 78 characters. A single token longer than
/// the limit (a long Message-ID) is left whole: folding may only happen at whitespace.
pub(crate) fn fold_header(name: &str, value: &str) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 8);
    out.push_str(name);
    out.push(':');
    let mut line_len = out.len();
    let mut first = true;
    for token in value.split(' ') {
        if first {
            out.push(' ');
            line_len += 1;
            first = false;
        } else if !token.is_empty()
            && line_len + 1 + token.len() > FOLD_AT
            && line_len > name.len() + 2
        {
            out.push_str("\r\n ");
            line_len = 1;
        } else {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(token);
        line_len += token.len();
    }
    out.push_str("\r\n");
    out
}

/// Quoted-printable body with CRLF line breaks; output lines are at most 76 characters.
pub(crate) fn quoted_printable(text: &str) -> String {
    const MAX_LINE: usize = 76;
    // RFC 5322 has no bare CR or LF: both are line breaks here, as the parser reads them.
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len() + normalised.len() / 8);
    let lines: Vec<&str> = normalised.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let bytes = line.as_bytes();
        let mut line_len = 0;
        for (j, &b) in bytes.iter().enumerate() {
            let at_end = j + 1 == bytes.len();
            let literal = match b {
                b'=' => false,
                b' ' | b'\t' => !at_end,
                // "From " at a line start gets mangled by mbox tools; encoding the F keeps it.
                b'F' if j == 0 && line.starts_with("From ") => false,
                33..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            // Leave room for the "=" of a soft break, unless this is the line's last token.
            let room = if at_end { MAX_LINE } else { MAX_LINE - 1 };
            if line_len + width > room {
                out.push_str("=\r\n");
                line_len = 0;
            }
            if literal {
                out.push(b as char);
            } else {
                out.push_str(&format!("={b:02X}"));
            }
            line_len += width;
        }
        if i + 1 < lines.len() {
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_subject_is_untouched() {
        assert_eq!(unstructured("Re: Invoice [#1042]"), "Re: Invoice [#1042]");
    }

    #[test]
    fn non_ascii_words_are_encoded_and_ascii_words_stay() {
        assert_eq!(
            unstructured("Re: Café crème [#7]"),
            "Re: =?utf-8?B?Q2Fmw6kgY3LDqG1l?= [#7]"
        );
    }

    #[test]
    fn long_text_splits_into_words_of_at_most_75_chars() {
        let s = "ä".repeat(100);
        let enc = encoded_words(&s);
        let words: Vec<&str> = enc.split(' ').collect();
        assert!(words.len() > 1);
        for w in &words {
            assert!(w.len() <= MAX_ENCODED_WORD, "{w}");
            assert!(w.starts_with(WORD_PREFIX) && w.ends_with(WORD_SUFFIX));
        }
    }

    #[test]
    fn injection_attempt_becomes_one_line() {
        let v = unstructured("hi\r\nBcc: victim@example.com");
        assert!(!v.contains('\n') && !v.contains('\r'));
    }

    #[test]
    fn phrases() {
        assert_eq!(phrase("Ann Smith"), "Ann Smith");
        assert_eq!(phrase("Smith, Ann"), "\"Smith, Ann\"");
        assert_eq!(phrase("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(phrase("Zoë"), "=?utf-8?B?Wm/Dqw==?=");
    }

    #[test]
    fn folding_keeps_lines_short_and_unfolds_back() {
        let value = (0..30)
            .map(|i| format!("<id{i}@example.com>"))
            .collect::<Vec<_>>()
            .join(" ");
        let folded = fold_header("References", &value);
        for line in folded.trim_end().split("\r\n") {
            assert!(line.len() <= FOLD_AT, "{line}");
        }
        let unfolded = folded.trim_end().replace("\r\n", "");
        assert_eq!(unfolded, format!("References: {value}"));
    }

    #[test]
    fn qp_encodes_what_it_must() {
        assert_eq!(quoted_printable("a=b"), "a=3Db");
        assert_eq!(quoted_printable("end \nx"), "end=20\r\nx");
        assert_eq!(quoted_printable("é"), "=C3=A9");
        assert_eq!(quoted_printable("From here"), "=46rom here");
    }

    #[test]
    fn qp_lines_are_at_most_76() {
        let text = format!("{}\n{}", "x".repeat(200), "é".repeat(60));
        for line in quoted_printable(&text).split("\r\n") {
            assert!(line.len() <= 76, "{} {line}", line.len());
        }
    }
}
