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
//! literal text, never patterns. Each group of competing phrases (avoid lists, glossary, the
//! contact's names, the built-in phrases of complaint replies) is one leftmost-longest
//! Aho-Corasick pass over a folded copy of the text whose word boundaries are marked (see
//! `fold`), so the cost is linear in the text whatever the phrases. Lines quoted from earlier
//! mail (starting with `>`) are not checked and do not count as our acknowledgement or
//! question. Findings about the message as a whole (send time, missing acknowledgement or
//! question) have the empty span `0..0`.

use aho_corasick::{AhoCorasick, MatchKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::availability::Availability;
use super::fold::{Folded, fold_phrase, is_word_char, pattern_of};
use super::phrases::{ACKNOWLEDGEMENTS, ADDRESS_WORDS, DEFENSIVE, QUESTIONS};
use super::salutation::{Addressee, salutation_name};
use super::{ClientEtiquette, ContactEtiquette};

/// Most phrases a profile may hold (avoid lists plus both sides of the glossary).
pub const MAX_PHRASES: usize = 100_000;
/// Longest phrase, in characters: a phrase, not a paragraph.
pub const MAX_PHRASE_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LintRule))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Phrases that compete for the same text, searched together leftmost-longest in one pass:
/// "Dear Sir/Madam" wins over "Sir" and "Madam" inside it; a client's "lady fingers" wins over
/// our "fingers" inside it.
#[derive(Debug, Clone)]
struct Group<T> {
    /// `None` when the group has no phrases.
    matcher: Option<AhoCorasick>,
    tags: Vec<T>,
}

impl<T: Copy> Group<T> {
    fn new(phrases: Vec<(String, T)>) -> Result<Self, LintError> {
        if phrases.is_empty() {
            return Ok(Group {
                matcher: None,
                tags: Vec::new(),
            });
        }
        let (patterns, tags): (Vec<String>, Vec<T>) = phrases.into_iter().unzip();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| LintError::Matcher(e.to_string()))?;
        Ok(Group {
            matcher: Some(matcher),
            tags,
        })
    }

    /// Non-overlapping matches as original byte ranges, leaving out quoted lines.
    fn find(&self, folded: &Folded, quoted: &QuotedLines) -> Vec<(usize, usize, T)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        matcher
            .find_iter(&folded.text)
            .map(|m| {
                let tag = self.tags[m.pattern().as_usize()];
                (
                    folded.to_original(m.start()),
                    folded.to_original(m.end()),
                    tag,
                )
            })
            .filter(|&(start, _, _)| !quoted.contains(start))
            .collect()
    }
}

/// Checks a profile phrase and turns it into its matching form.
fn profile_phrase(phrase: &str, field: impl FnOnce() -> String) -> Result<String, LintError> {
    let chars = phrase.chars().count();
    if chars > MAX_PHRASE_CHARS {
        return Err(LintError::PhraseTooLong {
            field: field(),
            chars,
            max: MAX_PHRASE_CHARS,
        });
    }
    let pattern = pattern_of(phrase);
    if pattern.is_empty() {
        return Err(LintError::BlankPhrase { field: field() });
    }
    Ok(pattern)
}

#[derive(Debug, Clone, Copy)]
enum Glossary {
    /// Our word of entry `index`, in the singular or (`plural`) with an `s`/`es` ending.
    Ours {
        index: usize,
        plural: bool,
    },
    Theirs,
}

/// The English plural endings the glossary also recognises: "Aubergines" is our word too.
const PLURAL_ENDINGS: [&str; 2] = ["s", "es"];

/// `word` in the plural, by the regular English rule: enough for a suggestion.
fn plural_of(word: &str) -> String {
    let lower = word.to_lowercase();
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// The built-in phrases of a reply to a complaint. They do not overlap one another, so one
/// pass finds them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Defensive(usize),
    Acknowledgement,
    Question,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    First,
    Full,
}

/// A profile compiled for linting: build once per client and contact, lint many texts.
#[derive(Debug, Clone)]
pub struct Linter {
    /// Client and contact avoid lists, tagged `(from the contact, index)`.
    avoid: Group<(bool, usize)>,
    glossary: Group<Glossary>,
    replies: Group<Reply>,
    names: Group<Name>,
    /// Whether each avoid phrase is a form of address, by `[client, contact]` list.
    address_form: [Vec<bool>; 2],
    glossary_words: Vec<(String, String)>,
    addressee: Option<Addressee>,
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

        let mut avoid = Vec::with_capacity(client.avoid.len() + contact_avoid.len());
        for (index, phrase) in client.avoid.iter().enumerate() {
            let pattern = profile_phrase(phrase, || format!("client.avoid[{index}]"))?;
            avoid.push((pattern, (false, index)));
        }
        for (index, phrase) in contact_avoid.iter().enumerate() {
            let pattern = profile_phrase(phrase, || format!("contact.avoid[{index}]"))?;
            avoid.push((pattern, (true, index)));
        }

        let mut glossary = Vec::with_capacity(2 * client.glossary.len());
        for (index, entry) in client.glossary.iter().enumerate() {
            let ours = profile_phrase(&entry.ours, || format!("client.glossary[{index}].ours"))?;
            let theirs =
                profile_phrase(&entry.theirs, || format!("client.glossary[{index}].theirs"))?;
            // A spelling-only entry ("ebay" -> "eBay") matches the same text either way; the
            // exact spelling tells them apart when linting.
            // Patterns are folded text with word-boundary marks, so plurals are folded from
            // the words as written.
            let plural = |word: &str, ending: &str| pattern_of(&format!("{}{ending}", word.trim()));
            if theirs != ours {
                for ending in PLURAL_ENDINGS {
                    glossary.push((plural(&entry.theirs, ending), Glossary::Theirs));
                }
                glossary.push((theirs, Glossary::Theirs));
            }
            for ending in PLURAL_ENDINGS {
                glossary.push((
                    plural(&entry.ours, ending),
                    Glossary::Ours {
                        index,
                        plural: true,
                    },
                ));
            }
            glossary.push((
                ours,
                Glossary::Ours {
                    index,
                    plural: false,
                },
            ));
        }

        let builtin = |phrase: &str| pattern_of(phrase);
        let replies = DEFENSIVE
            .iter()
            .enumerate()
            .map(|(index, (phrase, _))| (builtin(phrase), Reply::Defensive(index)))
            .chain(
                ACKNOWLEDGEMENTS
                    .iter()
                    .map(|p| (builtin(p), Reply::Acknowledgement)),
            )
            .chain(QUESTIONS.iter().map(|p| (builtin(p), Reply::Question)))
            .collect();
        let mut names = Vec::new();
        if let Some(a) = &addressee
            && let Some(first) = &a.formal_first_name
        {
            names.push((
                profile_phrase(first, || "contact name".into())?,
                Name::First,
            ));
            names.push((
                profile_phrase(&a.full_name, || "contact name".into())?,
                Name::Full,
            ));
        }

        let is_address_form = |phrase: &String| {
            fold_phrase(phrase)
                .split(|c: char| !is_word_char(c) && c != '\'')
                .any(|w| ADDRESS_WORDS.contains(&w))
        };
        Ok(Linter {
            avoid: Group::new(avoid)?,
            glossary: Group::new(glossary)?,
            replies: Group::new(replies)?,
            names: Group::new(names)?,
            address_form: [
                client.avoid.iter().map(is_address_form).collect(),
                vec![true; contact_avoid.len()],
            ],
            glossary_words: client
                .glossary
                .iter()
                .map(|g| (g.ours.trim().to_string(), g.theirs.trim().to_string()))
                .collect(),
            addressee,
        })
    }

    /// The name the contact is to be addressed by, if a contact with a name or preference was
    /// given.
    pub fn addressee_name(&self) -> Option<&str> {
        self.addressee.as_ref().map(|a| a.display.as_str())
    }

    pub fn lint(&self, text: &str, options: &LintOptions<'_>) -> Vec<Finding> {
        let folded = Folded::new(text);
        let quoted = QuotedLines::new(text);
        let mut findings = Vec::new();

        for (start, end, (contact, index)) in self.avoid.find(&folded, &quoted) {
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
            // The full name is found in preference to the first name inside it.
            for (start, end, name) in self.names.find(&folded, &quoted) {
                let capitalised = text[start..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_lowercase());
                if name == Name::First
                    && capitalised
                    && !overlaps_avoided(start, end)
                    && named != Some((start, end))
                {
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

        for (start, end, tag) in self.glossary.find(&folded, &quoted) {
            let Glossary::Ours { index, plural } = tag else {
                continue;
            };
            let found = &text[start..end];
            let (ours, theirs) = &self.glossary_words[index];
            let (ours, theirs) = if plural {
                // Which ending the text used, so the case of our word as written lines up.
                let ending = if found.chars().count() == ours.chars().count() + 2 {
                    "es"
                } else {
                    "s"
                };
                (format!("{ours}{ending}"), plural_of(theirs))
            } else {
                (ours.clone(), theirs.clone())
            };
            if found == theirs {
                continue;
            }
            findings.push(Finding {
                rule: Rule::Glossary,
                start,
                end,
                message: format!("the client says \"{theirs}\" for \"{ours}\""),
                suggestion: Some(match_case(found, &ours, &theirs)),
            });
        }

        if options.reply_to_complaint {
            let replies = self.replies.find(&folded, &quoted);
            for &(start, end, reply) in &replies {
                let Reply::Defensive(index) = reply else {
                    continue;
                };
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
            if !replies.iter().any(|r| r.2 == Reply::Acknowledgement) {
                findings.push(whole_message(
                    Rule::NoAcknowledgement,
                    "a reply to a complaint should thank them or acknowledge how they feel",
                    "open with e.g. \"Thank you for telling us, and I am sorry this has been so frustrating.\"",
                ));
            }
            if !replies.iter().any(|r| r.2 == Reply::Question) && !has_question_mark(text, &quoted)
            {
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
