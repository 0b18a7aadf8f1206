//! The readable bodies of a message: one plain text and at most one HTML document.

use mail_parser::{Message, PartType};

use crate::html;

pub(crate) struct Bodies {
    pub text: String,
    pub html: Option<String>,
}

/// mail-parser lists the parts a reader should see in `text_body` and `html_body` (it already
/// resolved multipart/alternative, related and mixed). An HTML-only message has its HTML part in
/// `text_body` too; we convert that to text ourselves.
pub(crate) fn bodies(message: &Message<'_>) -> Bodies {
    let mut text = String::new();
    for part in message
        .text_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
    {
        let piece = match &part.body {
            PartType::Text(t) => normalise_newlines(t),
            PartType::Html(h) => html::to_text(h),
            _ => continue,
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&piece);
    }

    let html_parts: Vec<&PartType<'_>> = message
        .html_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .map(|p| &p.body)
        .collect();
    let html = if html_parts.iter().any(|b| matches!(b, PartType::Html(_))) {
        let mut doc = String::new();
        for body in html_parts {
            match body {
                PartType::Html(h) => doc.push_str(h),
                PartType::Text(t) => {
                    doc.push_str("<pre>");
                    doc.push_str(&escape_html(t));
                    doc.push_str("</pre>");
                }
                _ => {}
            }
        }
        Some(doc)
    } else {
        None
    };

    // Blank lines alone say nothing: such a plain part counts as no plain part.
    if text.trim().is_empty() {
        text.clear();
        if let Some(doc) = &html {
            text = html::to_text(doc);
        } else if let Some(raw) = failed_multipart_text(message) {
            text = normalise_newlines(raw);
        }
        if text.trim().is_empty() {
            text.clear();
        }
    }
    // Every text ends with a line break, whatever the last MIME part did.
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Bodies { text, html }
}

/// A multipart whose boundary never appears comes back as one text part holding the raw MIME.
/// With nothing better to show, that raw text is the body (a warning says why).
fn failed_multipart_text<'a>(message: &'a Message<'_>) -> Option<&'a str> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Text(t) if is_multipart(part) => Some(t.as_ref()),
        _ => None,
    })
}

pub(crate) fn is_multipart(part: &mail_parser::MessagePart<'_>) -> bool {
    use mail_parser::MimeHeaders;
    part.content_type()
        .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
}

fn normalise_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
