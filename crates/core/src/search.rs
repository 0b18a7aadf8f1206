//! Search queries as people type them, turned into something each engine's full-text index
//! can run and can never reject.
//!
//! The language is small on purpose: words, `"quoted phrases"` and `word*` prefixes, all of
//! which must match (AND). Everything else a search box receives (`:`, `-`, parentheses, `^`,
//! unbalanced quotes, the engines' own operators) is treated as a separator between words, so
//! no input can be a syntax error in FTS5 or `to_tsquery`: the expressions built here contain
//! only alphanumeric words, quotes and operators we place ourselves.

use jiff::Timestamp;

use crate::ids::{ClientId, MessageId, RequestId};
use crate::request::{Kind, Status};

/// The most characters of cleaned query text kept; longer queries are cut at a term boundary
/// and flagged as truncated.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most terms kept: each one costs an index lookup.
pub const MAX_TERMS: usize = 32;
/// The longest word kept (longer ones are cut): no real word is longer, and PostgreSQL refuses
/// lexemes over 2 KB.
pub const MAX_WORD_CHARS: usize = 64;
/// Shorter prefixes (`a*`) are searched as plain words: a one-letter prefix matches most of
/// the index.
pub const MIN_PREFIX_CHARS: usize = 2;

/// One thing that must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    /// Words starting with this.
    Prefix(String),
    /// These words, adjacent and in order (two or more).
    Phrase(Vec<String>),
}

impl Term {
    fn chars(&self) -> usize {
        match self {
            Term::Word(w) => w.chars().count(),
            Term::Prefix(w) => w.chars().count() + 1,
            Term::Phrase(ws) => ws.iter().map(|w| w.chars().count() + 1).sum::<usize>() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("give at least one word or number to search for")]
    Empty,
}

/// A parsed query: at least one term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<Term>,
    truncated: bool,
}

/// Letters, digits and the marks that belong to words in many scripts.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

/// The engines' operator words, which a user typing them almost never means as text.
fn is_operator(word: &str) -> bool {
    matches!(word, "AND" | "OR" | "NOT" | "NEAR")
}

fn clean_word(raw: &str) -> String {
    // Lowercasing can add combining marks (`İ` -> `i̇`); keep only word characters.
    raw.chars()
        .take(MAX_WORD_CHARS)
        .flat_map(char::to_lowercase)
        .filter(|c| is_word_char(*c))
        .collect()
}

/// Split `text` into words (runs of word characters).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(clean_word)
        .collect()
}

impl SearchQuery {
    /// Read what a person typed. Fails only when nothing searchable is left.
    pub fn parse(input: &str) -> Result<SearchQuery, QueryError> {
        let mut raw_terms: Vec<Term> = Vec::new();
        let mut rest = input;
        while let Some(c) = rest.chars().next() {
            if is_quote(c) {
                let inner = &rest[c.len_utf8()..];
                // An unclosed quote runs to the end: the phrase the user started.
                let (phrase, after) = match inner.find(is_quote) {
                    Some(end) => {
                        let close = inner[end..].chars().next().map_or(1, char::len_utf8);
                        (&inner[..end], &inner[end + close..])
                    }
                    None => (inner, ""),
                };
                let mut ws = words(phrase);
                match ws.len() {
                    0 => {}
                    1 => raw_terms.push(Term::Word(ws.remove(0))),
                    _ => raw_terms.push(Term::Phrase(ws)),
                }
                rest = after;
            } else if is_word_char(c) {
                let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                let word = &rest[..end];
                let after = &rest[end..];
                let starred = after.starts_with('*');
                if !is_operator(word) {
                    let w = clean_word(word);
                    let term = if starred && w.chars().count() >= MIN_PREFIX_CHARS {
                        Term::Prefix(w)
                    } else {
                        Term::Word(w)
                    };
                    raw_terms.push(term);
                }
                rest = if starred { &after[1..] } else { after };
            } else {
                rest = &rest[c.len_utf8()..];
            }
        }
        let mut terms: Vec<Term> = Vec::new();
        let mut used = 0;
        let mut truncated = false;
        for t in raw_terms {
            if terms.contains(&t) {
                continue;
            }
            let cost = t.chars() + usize::from(!terms.is_empty());
            if terms.len() == MAX_TERMS || used + cost > MAX_QUERY_CHARS {
                truncated = true;
                break;
            }
            used += cost;
            terms.push(t);
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        Ok(SearchQuery { terms, truncated })
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Whether terms were dropped to stay within [`MAX_QUERY_CHARS`] and [`MAX_TERMS`].
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The query as it was understood, in the same syntax (for showing back to the user).
    pub fn display(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => w.clone(),
                Term::Prefix(w) => format!("{w}*"),
                Term::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// An SQLite FTS5 `MATCH` expression: every term quoted (so FTS5 keywords are plain text),
    /// ANDed by juxtaposition.
    pub fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => format!("\"{w}\""),
                Term::Prefix(w) => format!("\"{w}\"*"),
                Term::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A PostgreSQL `to_tsquery` string: `a & b <-> c & d:*`.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => w.clone(),
                Term::Prefix(w) => format!("{w}:*"),
                Term::Phrase(ws) => ws.join(" <-> "),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// Where a hit matched: the request's own title, body or tags, or one of its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchedIn {
    Request,
    Message,
}

/// One request that matched, best first. A request matching both in its own text and in
/// messages appears once, with its best match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub request_id: RequestId,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub status: Status,
    pub kind: Kind,
    pub client_id: ClientId,
    pub created_at: Timestamp,
    pub matched_in: MatchedIn,
    /// The message that matched, when `matched_in` is `message`.
    pub message_id: Option<MessageId>,
    /// A passage around the match, HTML-escaped, with matches wrapped in `<mark>`.
    pub snippet: String,
}

/// Read a date-range bound: an RFC 3339 instant, or a `YYYY-MM-DD` day in UTC. A day as the
/// upper bound (`end`) includes the whole day.
pub fn parse_bound(raw: &str, end: bool) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(t);
    }
    let day: jiff::civil::Date = raw
        .parse()
        .map_err(|_| format!("{raw:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 instant"))?;
    let day = if end {
        day.tomorrow().map_err(|e| e.to_string())?
    } else {
        day
    };
    jiff::tz::Offset::UTC
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| e.to_string())
}

/// Where an engine's snippet starts a match.
pub const MATCH_START: char = '\u{E000}';
/// Where it ends one.
pub const MATCH_END: char = '\u{E001}';

/// Make an engine's snippet safe to put in HTML: escape the text and turn the match markers
/// ([`MATCH_START`], [`MATCH_END`]) into `<mark>` elements, always balanced.
pub fn highlight(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    let mut open = false;
    for c in snippet.chars() {
        match c {
            MATCH_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MATCH_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MATCH_START | MATCH_END => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> SearchQuery {
        SearchQuery::parse(s).unwrap()
    }

    #[test]
    fn words_phrases_and_prefixes() {
        let q = parse(r#"Brinjal "week 14" dash*"#);
        assert_eq!(
            q.terms(),
            [
                Term::Word("brinjal".into()),
                Term::Phrase(vec!["week".into(), "14".into()]),
                Term::Prefix("dash".into()),
            ]
        );
        assert_eq!(q.fts5(), r#""brinjal" "week 14" "dash"*"#);
        assert_eq!(q.tsquery(), "brinjal & week <-> 14 & dash:*");
        assert_eq!(q.display(), r#"brinjal "week 14" dash*"#);
        assert!(!q.truncated());
    }

    #[test]
    fn syntax_characters_are_separators() {
        let q = parse(r#"title:okra -(brinjal OR "x) ^ NEAR/3 a:*"#);
        // `"x) ^ NEAR/3 a:*` is an unclosed phrase: its words are searched as one.
        assert_eq!(
            q.terms(),
            [
                Term::Word("title".into()),
                Term::Word("okra".into()),
                Term::Word("brinjal".into()),
                Term::Phrase(vec!["x".into(), "near".into(), "3".into(), "a".into()]),
            ]
        );
        assert_eq!(
            q.tsquery(),
            "title & okra & brinjal & x <-> near <-> 3 <-> a"
        );
    }

    #[test]
    fn hyphenated_words_and_apostrophes_stay_together_as_phrases() {
        assert_eq!(
            parse("\"data-quality\"").terms(),
            [Term::Phrase(vec!["data".into(), "quality".into()])]
        );
        // Unquoted, they are separate words that must all match.
        assert_eq!(
            parse("don't").terms(),
            [Term::Word("don".into()), Term::Word("t".into())]
        );
    }

    #[test]
    fn short_prefixes_are_words_and_stars_alone_are_nothing() {
        assert_eq!(
            parse("a* bc*").terms(),
            [Term::Word("a".into()), Term::Prefix("bc".into())]
        );
        assert_eq!(SearchQuery::parse("* ** :-()"), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse(""), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("\"\""), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("AND OR"), Err(QueryError::Empty));
    }

    #[test]
    fn unicode_words_and_smart_quotes() {
        let q = parse("“Ladies’ fingers” café Ünïcode");
        assert_eq!(
            q.terms(),
            [
                Term::Phrase(vec!["ladies".into(), "fingers".into()]),
                Term::Word("café".into()),
                Term::Word("ünïcode".into()),
            ]
        );
    }

    #[test]
    fn long_input_is_truncated_not_refused() {
        let many: String = (0..5000).map(|i| format!("w{i} ")).collect();
        let q = parse(&many);
        assert!(q.truncated());
        assert_eq!(q.terms().len(), MAX_TERMS);
        let long_words = "x".repeat(200) + " " + &"y".repeat(200);
        let q = parse(&long_words);
        assert!(q.terms().iter().all(|t| t.chars() <= MAX_WORD_CHARS));
        // Repetition is not truncation: the same term once is the whole query.
        let q = parse(&"okra ".repeat(2000));
        assert_eq!(q.terms(), [Term::Word("okra".into())]);
        assert!(!q.truncated());
    }

    #[test]
    fn highlight_escapes_and_balances() {
        let s = format!("a <b>&{MATCH_START}x\"y'{MATCH_END} {MATCH_END}{MATCH_START}z");
        assert_eq!(
            highlight(&s),
            "a &lt;b&gt;&amp;<mark>x&quot;y&#39;</mark> <mark>z</mark>"
        );
    }

    #[test]
    fn date_bounds() {
        assert_eq!(
            parse_bound("2026-03-02", false).unwrap(),
            "2026-03-02T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_bound("2026-03-02", true).unwrap(),
            "2026-03-03T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_bound("2026-03-02T10:00:00+01:00", true).unwrap(),
            "2026-03-02T09:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(parse_bound("last tuesday", false).is_err());
    }

    proptest! {
        /// Whatever is typed, the engine expressions hold only word characters and the
        /// operators placed here.
        #[test]
        fn expressions_are_always_well_formed(input in any::<String>()) {
            if let Ok(q) = SearchQuery::parse(&input) {
                prop_assert!(!q.terms().is_empty());
                prop_assert!(q.display().chars().count() <= MAX_QUERY_CHARS + 2);
                for c in q.tsquery().chars() {
                    prop_assert!(is_word_char(c) || " &<->:*".contains(c), "{c:?} in tsquery");
                }
                let fts = q.fts5();
                for c in fts.chars() {
                    prop_assert!(is_word_char(c) || " \"*".contains(c), "{c:?} in fts5");
                }
                prop_assert_eq!(fts.matches('"').count() % 2, 0);
                // Reading the display form back gives the same query.
                let again = SearchQuery::parse(&q.display()).unwrap();
                prop_assert_eq!(again.terms(), q.terms());
            }
        }

        #[test]
        fn highlight_never_leaves_markup_unescaped(input in any::<String>()) {
            let h = highlight(&input);
            let stripped = h.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!stripped.contains('<') && !stripped.contains('>'));
            prop_assert_eq!(h.matches("<mark>").count(), h.matches("</mark>").count());
        }
    }
}
