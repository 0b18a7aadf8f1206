//! HTML to plain text with a streaming tokenizer: linear in the input, no DOM.
//!
//! Keeps what a reader needs (paragraphs, line breaks, list bullets, link text, table cells in
//! reading order) and drops what is not text (scripts, styles, the head, comments).

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Convert an HTML document or fragment to readable plain text (lines end with `\n`).
pub fn to_text(html: &str) -> String {
    let sink = TextSink::default();
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.state.into_inner().finish()
}

#[derive(Default)]
struct TextSink {
    state: RefCell<TextState>,
}

#[derive(Default)]
struct TextState {
    out: String,
    /// Line breaks owed before the next text: 1 ends a line, 2 leaves a blank line.
    pending_breaks: u8,
    pending_space: bool,
    /// A list marker to write at the start of the next text.
    pending_marker: Option<String>,
    /// Inside script, style, head, title and the like: their characters are not text.
    skipping: Option<String>,
    pre_depth: usize,
    /// One entry per open list: `None` for `ul`, the next number for `ol`.
    lists: Vec<Option<u32>>,
    /// The current table row already has a cell, so the next cell needs a separator.
    cell_in_row: bool,
}

impl TextState {
    fn want_breaks(&mut self, n: u8) {
        self.pending_breaks = self.pending_breaks.max(n);
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    /// Write owed line breaks and a list marker before new text.
    fn flush(&mut self) {
        if self.pending_breaks > 0 && !self.out.is_empty() {
            let trimmed = self.out.trim_end_matches([' ', '\t']).len();
            self.out.truncate(trimmed);
            let have = self.out.len() - self.out.trim_end_matches('\n').len();
            for _ in have..usize::from(self.pending_breaks) {
                self.out.push('\n');
            }
            self.pending_space = false;
        }
        self.pending_breaks = 0;
        if let Some(marker) = self.pending_marker.take() {
            self.out.push_str(&marker);
            self.pending_space = false;
        }
    }

    fn text(&mut self, chars: &str) {
        if self.skipping.is_some() {
            return;
        }
        if self.pre_depth > 0 {
            self.flush();
            self.out.push_str(chars);
            return;
        }
        for c in chars.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
                continue;
            }
            self.flush();
            if self.pending_space && !self.at_line_start() {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push(c);
        }
    }

    fn line_break(&mut self) {
        self.flush();
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        // At most one blank line, however many <br> a mailer stacks up.
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        self.pending_space = false;
    }

    fn start_tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if let Some(kind) = raw_kind(name) {
            // Inside a skipped <head>, keep skipping the head, not just this element.
            if !tag.self_closing && self.skipping.is_none() {
                self.skipping = Some(name.to_string());
            }
            return TokenSinkResult::RawData(kind);
        }
        match name {
            "head" if !tag.self_closing => self.skipping = Some("head".to_string()),
            "body" if self.skipping.as_deref() == Some("head") => self.skipping = None,
            "br" => self.line_break(),
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "table" | "hr"
            | "dl" | "figure" => self.want_breaks(2),
            "pre" => {
                self.want_breaks(2);
                self.pre_depth += 1;
            }
            "ul" | "ol" => {
                self.want_breaks(if self.lists.is_empty() { 2 } else { 1 });
                let start = tag
                    .attrs
                    .iter()
                    .find(|a| &*a.name.local == "start")
                    .and_then(|a| a.value.trim().parse().ok())
                    .unwrap_or(1);
                self.lists.push((name == "ol").then_some(start));
            }
            "li" => {
                self.want_breaks(1);
                let depth = self.lists.len().max(1);
                let indent = "  ".repeat(depth - 1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{indent}{n}. ");
                        *n += 1;
                        m
                    }
                    _ => format!("{indent}- "),
                };
                self.pending_marker = Some(marker);
            }
            "tr" => {
                self.want_breaks(1);
                self.cell_in_row = false;
            }
            "td" | "th" => {
                if self.cell_in_row {
                    self.pending_space = true;
                }
                self.cell_in_row = true;
            }
            "div" | "section" | "article" | "header" | "footer" | "nav" | "aside" | "address"
            | "form" | "center" | "caption" | "dt" | "dd" | "main" | "details" | "summary"
            | "figcaption" => self.want_breaks(1),
            _ => {}
        }
        TokenSinkResult::Continue
    }

    fn end_tag(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        if let Some(skipped) = &self.skipping {
            if skipped == name {
                self.skipping = None;
            }
            return;
        }
        match name {
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "table" | "dl"
            | "figure" => self.want_breaks(2),
            "pre" => {
                self.pre_depth = self.pre_depth.saturating_sub(1);
                self.want_breaks(2);
            }
            "ul" | "ol" => {
                self.lists.pop();
                self.want_breaks(if self.lists.is_empty() { 2 } else { 1 });
            }
            "li" | "tr" | "div" | "section" | "article" | "header" | "footer" | "nav" | "aside"
            | "address" | "form" | "center" | "caption" | "dt" | "dd" | "main" | "details"
            | "summary" | "figcaption" => self.want_breaks(1),
            _ => {}
        }
    }

    fn finish(self) -> String {
        let mut out = self.out;
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        let lead = out.len() - out.trim_start_matches('\n').len();
        out.drain(..lead);
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// Elements whose content the tokenizer must read as raw text, not markup, and that we drop.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "title" | "textarea" => Some(RawKind::Rcdata),
        _ => None,
    }
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return state.start_tag(&tag),
                TagKind::EndTag => state.end_tag(&tag),
            },
            Token::CharacterTokens(chars) => state.text(&chars),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_separated_by_a_blank_line() {
        assert_eq!(to_text("<p>One</p><p>Two</p>"), "One\n\nTwo\n");
    }

    #[test]
    fn br_breaks_a_line_and_whitespace_collapses() {
        assert_eq!(
            to_text("<div>Hello,\n   world<br>second   line</div>"),
            "Hello, world\nsecond line\n"
        );
    }

    #[test]
    fn many_br_give_at_most_one_blank_line() {
        assert_eq!(to_text("a<br><br><br><br>b"), "a\n\nb\n");
    }

    #[test]
    fn script_style_head_are_dropped() {
        let html = "<html><head><title>T</title><style>p { color: red } <b>x</b></style></head>\
                    <body><script>if (a < b) { alert('x') }</script><p>Body</p></body></html>";
        assert_eq!(to_text(html), "Body\n");
    }

    #[test]
    fn lists_get_bullets_and_numbers() {
        let html = "<p>Items:</p><ul><li>apples</li><li>pears<ol><li>one</li><li>two</li></ol></li></ul><p>End</p>";
        assert_eq!(
            to_text(html),
            "Items:\n\n- apples\n- pears\n  1. one\n  2. two\n\nEnd\n"
        );
    }

    #[test]
    fn ordered_list_honours_start() {
        assert_eq!(
            to_text("<ol start=\"3\"><li>c</li><li>d</li></ol>"),
            "3. c\n4. d\n"
        );
    }

    #[test]
    fn link_text_is_kept_url_is_not() {
        assert_eq!(
            to_text("Please <a href=\"https://x.example/reset\">reset your password</a>."),
            "Please reset your password.\n"
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            to_text("Fish &amp; chips &lt;3&nbsp;&eacute;"),
            "Fish & chips <3 é\n"
        );
    }

    #[test]
    fn pre_keeps_whitespace() {
        assert_eq!(to_text("<p>x</p><pre>a  b\n  c</pre>"), "x\n\na  b\n  c\n");
    }

    #[test]
    fn table_cells_in_reading_order() {
        let html =
            "<table><tr><td>Name</td><td>Qty</td></tr><tr><td>Okra</td><td>3</td></tr></table>";
        assert_eq!(to_text(html), "Name Qty\nOkra 3\n");
    }

    #[test]
    fn comments_are_dropped_and_empty_is_empty() {
        assert_eq!(to_text("<!-- hidden --><p></p>"), "");
        assert_eq!(to_text(""), "");
    }

    #[test]
    fn head_text_after_title_is_still_skipped() {
        assert_eq!(
            to_text("<head><title>T</title>stray</head><p>Hi</p>"),
            "Hi\n"
        );
    }

    #[test]
    fn unclosed_head_ends_at_body() {
        assert_eq!(to_text("<head><meta charset=utf-8><body>Hi"), "Hi\n");
    }
}
