//! Etiquette lint of an outgoing message against the client's profile.
//!
//! Rules (stable ids, as serialised):
//! * `avoided_form`: a phrase from the client's or the contact's `avoid` list. When the phrase
//!   is a form of address (it is on the contact's own list, or contains a word such as "sir",
//!   "madam", "ma'am", "dear", "mate"), the suggestion is the name they wish to be called.
//! * `wrong_name`: the salutation names someone other than the contact's expected name (see
//!   `salutation` for how that is found), or, when the contact is addressed formally without
//!   their first name ("Dr Mehta"), a bare, capitalised use of the first name anywhere.
//! * `glossary`: our word where the client uses another; the suggestion is theirs, capitalised
//!   like the text when theirs is all lower case.
//! * `quiet_hours` / `holiday`: the send time is outside the client's business hours or on
//!   one of their holidays; the suggestion is the next open local time.
//! * `defensive`, `no_acknowledgement`, `no_question`: only in a reply to a complaint.
//!
//! Phrases match whole words (a phrase edge that is a letter or digit may not touch another
//! letter or digit, so "madam" is not found in "Madame" nor "sir" in "sirloin"),
//! case-insensitively, across line breaks and with either apostrophe. Profile phrases are
//! literal text, never patterns. All phrases are found in one Aho-Corasick pass, so the cost is
//! linear in the text. Lines quoted from earlier mail (starting with `>`) are not checked and
//! do not count as our acknowledgement or question. Findings about the message as a whole (times, missing acknowledgement or
//! question) have the empty span `0..0`.

use std::cmp::Reverse;

use aho_corasick::{AhoCorasick, MatchKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::availability::Availability;
use super::fold::{Folded, fold_phrase, is_word_char};
use super::phrases::{ACKNOWLEDGEMENTS, ADDRESS_WORDS, DEFENSIVE, QUESTIONS};
use super::salutation::{Addressee, salutation_name};
use super::{ClientEtiquette, ContactEtiquette};

/// Most phrases a profile may hold (avoid lists plus both sides of the glossary).
pub const MAX_PHRASES: usize = 100_000;
/// Longest phrase, in characters. Bounds the matcher's size and overlapping-match count.
pub const MAX_PHRASE_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    AvoidedForm,
    WrongName,
    Glossary,
    QuietHours,
    Holiday,
    Defensive,
    NoAcknowledgement,
    NoQuestion,
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Rule::AvoidedForm => "avoided_form",
            Rule::WrongName => "wrong_name",
            Rule::Glossary => "glossary",
            Rule::QuietHours => "quiet_hours",
            Rule::Holiday => "holiday",
            Rule::Defensive => "defensive",
            Rule::NoAcknowledgement => "no_acknowledgement",
            Rule::NoQuestion => "no_question",
        }
    }
}

/// One problem: `start..end` are byte offsets into the linted text, on character boundaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub suggestion: Option<String>,
}

/// The contact a message is addressed to: their full name ("Priya Mehta") and etiquette.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub name: &'a str,
    pub etiquette: &'a ContactEtiquette,
}

#[derive(Clone, Copy, Default)]
pub struct LintOptions<'a> {
    /// The message answers a complaint: check for defensive phrasing, an acknowledgement and a
    /// question.
    pub reply_to_complaint: bool,
    /// When the message will be sent, and the client's calendar to check it against.
    pub send_at: Option<SendAt<'a>>,
}

#[derive(Clone, Copy)]
pub struct SendAt<'a> {
    pub at: Timestamp,
    pub availability: &'a dyn Availability,
}

/// A profile the lint cannot use; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    #[error("{field}: blank phrase (it would match everywhere); remove it")]
    BlankPhrase { field: String },
    #[error("{field}: phrase of {chars} characters; the limit is {max}")]
    PhraseTooLong {
        field: String,
        chars: usize,
        max: usize,
    },
    #[error("profile has {count} phrases; the limit is {max}")]
    TooManyPhrases { count: usize, max: usize },
    #[error("cannot build the phrase matcher: {0}")]
    Matcher(String),
}

/// Lint `text` in one call. Use [`Linter`] to lint many texts against one profile.
pub fn lint(
    client: &ClientEtiquette,
    contact: Option<&Recipient<'_>>,
    text: &str,
    options: &LintOptions<'_>,
) -> Result<Vec<Finding>, LintError> {
    Ok(Linter::new(client, contact)?.lint(text, options))
}

#[derive(Debug, Clone, Copy)]
enum Tag {
    Avoid { contact: bool, index: usize },
    GlossaryOurs(usize),
    GlossaryTheirs,
    Defensive(usize),
    Acknowledgement,
    Question,
    FirstName,
    FullName,
}

#[derive(Debug, Clone, Copy)]
struct Pattern {
    tag: Tag,
    /// The phrase begins / ends with a word character, so that edge needs a word boundary.
    word_start: bool,
    word_end: bool,
}

/// A profile compiled for linting: build once per client and contact, lint many texts.
#[derive(Debug, Clone)]
pub struct Linter {
    matcher: AhoCorasick,
    patterns: Vec<Pattern>,
    /// Whether each avoid phrase is a form of address, by `[client, contact]` list.
    address_form: [Vec<bool>; 2],
    glossary: Vec<(String, String)>,
    addressee: Option<Addressee>,
}

#[derive(Default)]
struct Patterns {
    folded: Vec<String>,
    meta: Vec<Pattern>,
}

impl Patterns {
    fn add(
        &mut self,
        phrase: &str,
        tag: Tag,
        field: impl FnOnce() -> String,
    ) -> Result<(), LintError> {
        let chars = phrase.chars().count();
        if chars > MAX_PHRASE_CHARS {
            return Err(LintError::PhraseTooLong {
                field: field(),
                chars,
                max: MAX_PHRASE_CHARS,
            });
        }
        let folded = fold_phrase(phrase);
        let (Some(first), Some(last)) = (folded.chars().next(), folded.chars().next_back()) else {
            return Err(LintError::BlankPhrase { field: field() });
        };
        self.meta.push(Pattern {
            tag,
            word_start: is_word_char(first),
            word_end: is_word_char(last),
        });
        self.folded.push(folded);
        Ok(())
    }
}

impl Linter {
    pub fn new(
        client: &ClientEtiquette,
        contact: Option<&Recipient<'_>>,
    ) -> Result<Self, LintError> {
        let no_avoid = Vec::new();
        let contact_avoid = contact.map_or(&no_avoid, |c| &c.etiquette.avoid);
        let count = client.avoid.len() + contact_avoid.len() + 2 * client.glossary.len();
        if count > MAX_PHRASES {
            return Err(LintError::TooManyPhrases {
                count,
                max: MAX_PHRASES,
            });
        }
        let addressee = contact.and_then(|c| Addressee::new(c, client.tone));

        let mut p = Patterns::default();
        for (index, phrase) in client.avoid.iter().enumerate() {
            let tag = Tag::Avoid {
                contact: false,
                index,
            };
            p.add(phrase, tag, || format!("client.avoid[{index}]"))?;
        }
        for (index, phrase) in contact_avoid.iter().enumerate() {
            let tag = Tag::Avoid {
                contact: true,
                index,
            };
            p.add(phrase, tag, || format!("contact.avoid[{index}]"))?;
        }
        for (index, entry) in client.glossary.iter().enumerate() {
            p.add(&entry.ours, Tag::GlossaryOurs(index), || {
                format!("client.glossary[{index}].ours")
            })?;
            let theirs_field = || format!("client.glossary[{index}].theirs");
            if fold_phrase(&entry.theirs) == fold_phrase(&entry.ours) {
                // A spelling-only entry ("ebay" -> "eBay"): every match of ours is also theirs,
                // so only the exact spelling tells them apart (checked when linting).
                if entry.theirs.trim().is_empty() {
                    return Err(LintError::BlankPhrase {
                        field: theirs_field(),
                    });
                }
            } else {
                p.add(&entry.theirs, Tag::GlossaryTheirs, theirs_field)?;
            }
        }
        for (index, (phrase, _)) in DEFENSIVE.iter().enumerate() {
            p.add(phrase, Tag::Defensive(index), String::new)?;
        }
        for phrase in ACKNOWLEDGEMENTS {
            p.add(phrase, Tag::Acknowledgement, String::new)?;
        }
        for phrase in QUESTIONS {
            p.add(phrase, Tag::Question, String::new)?;
        }
        if let Some(a) = &addressee
            && let Some(first) = &a.formal_first_name
        {
            let field = || "contact name".to_string();
            p.add(first, Tag::FirstName, field)?;
            p.add(&a.full_name, Tag::FullName, field)?;
        }

        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&p.folded)
            .map_err(|e| LintError::Matcher(e.to_string()))?;
        let is_address_form = |phrase: &String| {
            fold_phrase(phrase)
                .split(|c: char| !is_word_char(c) && c != '\'')
                .any(|w| ADDRESS_WORDS.contains(&w))
        };
        let address_form = [
            client.avoid.iter().map(is_address_form).collect(),
            contact_avoid.iter().map(|_| true).collect(),
        ];
        Ok(Linter {
            matcher,
            patterns: p.meta,
            address_form,
            glossary: client
                .glossary
                .iter()
                .map(|g| (g.ours.clone(), g.theirs.clone()))
                .collect(),
            addressee,
        })
    }

    pub fn lint(&self, text: &str, options: &LintOptions<'_>) -> Vec<Finding> {
        let folded = Folded::new(text);
        let quoted = QuotedLines::new(text);
        let hits = self.hits(&folded, &quoted);
        let span = |(s, e): (usize, usize)| (folded.to_original(s), folded.to_original(e));
        let mut findings = Vec::new();

        let avoided = leftmost_longest(hits.avoid);
        for &(s, e, (contact, index)) in &avoided {
            let (start, end) = span((s, e));
            findings.push(self.avoided_finding(&text[start..end], start, end, contact, index));
        }
        // Sorted and non-overlapping, so their ends are sorted too: binary search.
        let avoided_spans: Vec<(usize, usize)> =
            findings.iter().map(|f| (f.start, f.end)).collect();
        let overlaps_avoided = |start: usize, end: usize| {
            let i = avoided_spans.partition_point(|&(_, e)| e <= start);
            avoided_spans.get(i).is_some_and(|&(s, _)| s < end)
        };

        if let Some(addressee) = &self.addressee {
            let mut named = None;
            if let Some((start, end)) = salutation_name(text)
                && !addressee.accepts(&text[start..end])
                && !overlaps_avoided(start, end)
            {
                named = Some((start, end));
                findings.push(Finding {
                    rule: Rule::WrongName,
                    start,
                    end,
                    message: format!(
                        "the salutation names \"{}\" but this contact is addressed as \"{}\"",
                        &text[start..end],
                        addressee.display
                    ),
                    suggestion: Some(addressee.display.clone()),
                });
            }
            let full_names = spans_of(&hits.full_name);
            for (s, e, ()) in not_contained(hits.first_name, &full_names) {
                let (start, end) = span((s, e));
                let capitalised = text[start..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_lowercase());
                if capitalised && !overlaps_avoided(start, end) && named != Some((start, end)) {
                    findings.push(Finding {
                        rule: Rule::WrongName,
                        start,
                        end,
                        message: format!(
                            "uses the first name \"{}\"; this contact is addressed as \"{}\"",
                            &text[start..end],
                            addressee.display
                        ),
                        suggestion: Some(addressee.display.clone()),
                    });
                }
            }
        }

        let theirs = spans_of(&hits.theirs);
        let ours = leftmost_longest(not_contained(hits.ours, &theirs));
        for (s, e, index) in ours {
            let (start, end) = span((s, e));
            let found = &text[start..end];
            let (our_word, their_word) = &self.glossary[index];
            if found == their_word.trim() {
                continue;
            }
            findings.push(Finding {
                rule: Rule::Glossary,
                start,
                end,
                message: format!(
                    "the client says \"{}\" for \"{}\"",
                    their_word.trim(),
                    our_word.trim()
                ),
                suggestion: Some(match_case(found, our_word.trim(), their_word.trim())),
            });
        }

        if options.reply_to_complaint {
            for (s, e, index) in leftmost_longest(hits.defensive) {
                let (start, end) = span((s, e));
                findings.push(Finding {
                    rule: Rule::Defensive,
                    start,
                    end,
                    message: format!(
                        "\"{}\" reads as defensive in a reply to a complaint",
                        &text[start..end]
                    ),
                    suggestion: Some(DEFENSIVE[index].1.to_string()),
                });
            }
            if !hits.acknowledgement {
                findings.push(whole_message(
                    Rule::NoAcknowledgement,
                    "a reply to a complaint should thank them or acknowledge how they feel",
                    "open with e.g. \"Thank you for telling us, and I am sorry this has been so frustrating.\"",
                ));
            }
            if !hits.question && !has_question_mark(text, &quoted) {
                findings.push(whole_message(
                    Rule::NoQuestion,
                    "a reply to a complaint should ask them something",
                    "ask what happened, e.g. \"Could you tell us more, with an example?\"",
                ));
            }
        }

        if let Some(send_at) = &options.send_at {
            findings.extend(timing_finding(send_at));
        }

        findings.sort_by_key(|f| (f.start, f.end, f.rule));
        findings
    }

    /// The name the contact is to be addressed by, if a contact with a name or preference was
    /// given.
    pub fn addressee_name(&self) -> Option<&str> {
        self.addressee.as_ref().map(|a| a.display.as_str())
    }

    /// Matches that pass the word-boundary test and lie outside quoted lines.
    fn hits(&self, folded: &Folded, quoted: &QuotedLines) -> Hits {
        let haystack = folded.text.as_str();
        let mut hits = Hits::default();
        for m in self.matcher.find_overlapping_iter(haystack) {
            let (s, e) = (m.start(), m.end());
            let pattern = self.patterns[m.pattern().as_usize()];
            let touches = |c: Option<char>| c.is_some_and(is_word_char);
            if (pattern.word_start && touches(haystack[..s].chars().next_back()))
                || (pattern.word_end && touches(haystack[e..].chars().next()))
            {
                continue;
            }
            if !quoted.is_empty() && quoted.contains(folded.to_original(s)) {
                continue;
            }
            match pattern.tag {
                Tag::Avoid { contact, index } => hits.avoid.push((s, e, (contact, index))),
                Tag::GlossaryOurs(index) => hits.ours.push((s, e, index)),
                Tag::GlossaryTheirs => hits.theirs.push((s, e, ())),
                Tag::Defensive(index) => hits.defensive.push((s, e, index)),
                Tag::Acknowledgement => hits.acknowledgement = true,
                Tag::Question => hits.question = true,
                Tag::FirstName => hits.first_name.push((s, e, ())),
                Tag::FullName => hits.full_name.push((s, e, ())),
            }
        }
        hits
    }

    fn avoided_finding(
        &self,
        found: &str,
        start: usize,
        end: usize,
        contact: bool,
        index: usize,
    ) -> Finding {
        let who = if contact {
            "this contact"
        } else {
            "the client"
        };
        let is_form = self.address_form[usize::from(contact)][index];
        let suggestion = self
            .addressee
            .as_ref()
            .filter(|_| is_form)
            .map(|a| a.display.clone());
        Finding {
            rule: Rule::AvoidedForm,
            start,
            end,
            message: format!("\"{found}\" is on {who}'s list of words to avoid"),
            suggestion,
        }
    }
}

/// Folded-text matches that passed the word-boundary test, by what they mean.
#[derive(Default)]
struct Hits {
    avoid: Vec<(usize, usize, (bool, usize))>,
    ours: Vec<(usize, usize, usize)>,
    theirs: Vec<(usize, usize, ())>,
    defensive: Vec<(usize, usize, usize)>,
    first_name: Vec<(usize, usize, ())>,
    full_name: Vec<(usize, usize, ())>,
    acknowledgement: bool,
    question: bool,
}

/// Of overlapping matches keep the leftmost, and of those starting together the longest: one
/// finding for "Dear Sir/Madam", not three for it, "Sir" and "Madam".
fn leftmost_longest<T: Copy>(mut hits: Vec<(usize, usize, T)>) -> Vec<(usize, usize, T)> {
    hits.sort_by_key(|&(s, e, _)| (s, Reverse(e)));
    let mut kept: Vec<(usize, usize, T)> = Vec::with_capacity(hits.len());
    for hit in hits {
        if kept.last().is_none_or(|&(_, end, _)| hit.0 >= end) {
            kept.push(hit);
        }
    }
    kept
}

fn spans_of<T>(hits: &[(usize, usize, T)]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = hits.iter().map(|&(s, e, _)| (s, e)).collect();
    spans.sort_unstable();
    spans
}

/// The hits not lying inside any of `spans` (sorted): "fingers" inside the client's own
/// "lady fingers" is their word, not ours. One sweep, so linear after sorting.
fn not_contained<T>(
    mut hits: Vec<(usize, usize, T)>,
    spans: &[(usize, usize)],
) -> Vec<(usize, usize, T)> {
    hits.sort_by_key(|&(s, e, _)| (s, e));
    let mut next = 0;
    let mut reach = 0;
    hits.retain(|&(s, e, _)| {
        while next < spans.len() && spans[next].0 <= s {
            reach = reach.max(spans[next].1);
            next += 1;
        }
        reach < e
    });
    hits
}

/// A question mark of ours that ends a question: not one inside a URL's query ("?id=3") nor
/// in the quoted complaint.
fn has_question_mark(text: &str, quoted: &QuotedLines) -> bool {
    text.match_indices(['?', '\u{ff1f}']).any(|(i, q)| {
        !text[i + q.len()..].chars().next().is_some_and(is_word_char) && !quoted.contains(i)
    })
}

/// Lines quoted from earlier mail ("> you failed to reply"): their words are not ours, so no
/// rule looks at them, and their thanks or questions do not count for us.
struct QuotedLines(Vec<(usize, usize)>);

impl QuotedLines {
    fn new(text: &str) -> Self {
        let mut spans = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.len();
            if line.trim_start().starts_with('>') {
                spans.push((start, end));
            }
            start = end;
        }
        QuotedLines(spans)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, offset: usize) -> bool {
        let i = self.0.partition_point(|&(_, end)| end <= offset);
        self.0.get(i).is_some_and(|&(start, _)| start <= offset)
    }
}

/// Their word in the text's capitalisation where the text departs from how our word is
/// spelled in the glossary: "Okra" for "Ladies' fingers" at the start of a sentence, "OKRA" for
/// "LADIES' FINGERS". A word of theirs with its own capitals ("iPhone"), or an uppercase that
/// belongs to our word itself ("C++"), leaves theirs as they write it.
fn match_case(found: &str, ours: &str, theirs: &str) -> String {
    if theirs.chars().any(char::is_uppercase) {
        return theirs.to_string();
    }
    let all_caps = |s: &str| {
        let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() > 1 && letters.iter().all(|c| !c.is_lowercase())
    };
    if all_caps(found) && !all_caps(ours) {
        return theirs.to_uppercase();
    }
    let capital = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
    if capital(found) && !capital(ours) {
        let mut chars = theirs.chars();
        return chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
    }
    theirs.to_string()
}

fn whole_message(rule: Rule, message: &str, suggestion: &str) -> Finding {
    Finding {
        rule,
        start: 0,
        end: 0,
        message: message.to_string(),
        suggestion: Some(suggestion.to_string()),
    }
}

fn timing_finding(send_at: &SendAt<'_>) -> Option<Finding> {
    let (at, calendar) = (send_at.at, send_at.availability);
    let (rule, message) = if calendar.is_holiday(at) {
        let date = calendar.time_zone().to_datetime(at).date();
        (
            Rule::Holiday,
            format!(
                "{date} is a holiday for the client ({})",
                zone_label(calendar, at)
            ),
        )
    } else if !calendar.is_open(at) {
        (
            Rule::QuietHours,
            format!(
                "{} is outside the client's business hours",
                local_time(calendar, at)
            ),
        )
    } else {
        return None;
    };
    let suggestion = calendar
        .next_open(at)
        .map(|next| format!("next good local time: {}", local_time(calendar, next)));
    Some(Finding {
        rule,
        start: 0,
        end: 0,
        message,
        suggestion,
    })
}

/// "2026-03-09 09:00 (America/New_York)".
fn local_time(calendar: &dyn Availability, at: Timestamp) -> String {
    let local = calendar.time_zone().to_datetime(at);
    format!(
        "{} ({})",
        local.strftime("%Y-%m-%d %H:%M"),
        zone_label(calendar, at)
    )
}

fn zone_label(calendar: &dyn Availability, at: Timestamp) -> String {
    let tz = calendar.time_zone();
    tz.iana_name()
        .map(str::to_string)
        .unwrap_or_else(|| tz.to_offset(at).to_string())
}

/// 1-based line and column (in characters) of each byte offset, for offsets sorted ascending.
/// One pass over the text however many offsets there are.
pub fn line_columns(text: &str, sorted_offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(sorted_offsets.len());
    let (mut pos, mut line, mut col) = (0usize, 1usize, 1usize);
    for &offset in sorted_offsets {
        let offset = offset.min(text.len());
        if offset > pos {
            for c in text[pos..offset].chars() {
                if c == '\n' {
                    line += 1;
                    col = 1;
                } else {
                    col += 1;
                }
            }
            pos = offset;
        }
        out.push((line, col));
    }
    out
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
