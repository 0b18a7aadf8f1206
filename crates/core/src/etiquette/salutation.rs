//! Whom a message addresses and how the contact wishes to be addressed: the `wrong_name` rule.
//!
//! The expected name is, in order: the contact's `preferred_name`; else their
//! `form_of_address` with their surname ("Dr" + "Priya Mehta" -> "Dr Mehta"); else any of
//! their names (full, first or surname, optionally after a title). A salutation is the first
//! line of the text when it opens with a greeting ("Dear", "Hi", "Hello", "Hey", "Good
//! morning/afternoon/evening", "Greetings") followed by a name of at most five words that ends
//! at `,` `:` `;` `!` `?` a dash or the end of the line.

use super::Tone;
use super::fold::fold_phrase;
use super::lint::Recipient;
use super::phrases::{GENERIC_ADDRESSEES, GREETINGS, TITLES};

/// The most words a salutation name may have; longer means the line is a sentence.
const MAX_NAME_WORDS: usize = 5;

#[derive(Debug, Clone)]
pub(super) struct Addressee {
    /// The name to write, e.g. "Dr Mehta".
    pub(super) display: String,
    accepted: Accepted,
    /// The contact's first name, set when they are addressed formally without it: then a bare
    /// use of it anywhere in the text is the wrong name.
    pub(super) formal_first_name: Option<String>,
    /// The contact's full name as given, so "Priya Mehta" in a signature line is not a bare
    /// first name.
    pub(super) full_name: String,
}

#[derive(Debug, Clone)]
enum Accepted {
    /// Only this (normalised) name.
    Exactly(String),
    /// Any of these normalised names, optionally after a title.
    AnyOf(Vec<String>),
}

impl Addressee {
    /// `None` when there is nothing to check against: no preference and no name.
    pub(super) fn new(recipient: &Recipient<'_>, tone: Tone) -> Option<Self> {
        let full_name = recipient
            .name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let words: Vec<&str> = full_name.split(' ').filter(|w| !w.is_empty()).collect();
        let (first, surname) = (words.first().copied(), words.last().copied());
        let preferred = non_blank(recipient.etiquette.preferred_name.as_deref());
        let form = non_blank(recipient.etiquette.form_of_address.as_deref());
        let (display, accepted) = match (preferred, form, surname) {
            (Some(p), _, _) => (p.to_string(), Accepted::Exactly(normalise(p))),
            (None, Some(f), Some(s)) => {
                let display = format!("{f} {s}");
                let accepted = Accepted::Exactly(normalise(&display));
                (display, accepted)
            }
            (None, _, Some(s)) => {
                let first = first.unwrap_or(s);
                let display = match tone {
                    Tone::Informal => first.to_string(),
                    Tone::Formal => full_name.clone(),
                };
                let names = vec![normalise(&full_name), normalise(first), normalise(s)];
                (display, Accepted::AnyOf(names))
            }
            (None, _, None) => return None,
        };
        let formal_first_name = match (&accepted, first) {
            (Accepted::Exactly(expected), Some(first)) if words.len() > 1 => {
                let first_norm = normalise(first);
                let uses_first = expected.split(' ').any(|w| w == first_norm);
                (!uses_first && !first_norm.is_empty()).then(|| first.to_string())
            }
            _ => None,
        };
        Some(Addressee {
            display,
            accepted,
            formal_first_name,
            full_name,
        })
    }

    pub(super) fn accepts(&self, name: &str) -> bool {
        let name = normalise(name);
        match &self.accepted {
            Accepted::Exactly(expected) => name == *expected,
            Accepted::AnyOf(names) => {
                let untitled = match name.split_once(' ') {
                    Some((title, rest)) if TITLES.contains(&title) => rest,
                    _ => name.as_str(),
                };
                names.iter().any(|n| *n == name || n == untitled)
            }
        }
    }
}

/// The byte range of the name in the text's salutation, if the text opens with one that names
/// someone (not "Hi all" or "Dear team").
pub(super) fn salutation_name(text: &str) -> Option<(usize, usize)> {
    let lead = text.len() - text.trim_start().len();
    let rest = &text[lead..];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let greeting = GREETINGS.iter().find(|g| {
        line.get(..g.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(g))
            && line[g.len()..].starts_with(char::is_whitespace)
    })?;
    let after = &line[greeting.len()..];
    let name_start = greeting.len() + (after.len() - after.trim_start().len());
    let region = &line[name_start..];
    let name_end = region
        .find([',', ':', ';', '!', '?', '\u{2013}', '\u{2014}'])
        .unwrap_or(region.len());
    let name = region[..name_end].trim_end();
    let words = name.split_whitespace().count();
    if words == 0 || words > MAX_NAME_WORDS || is_generic(name) {
        return None;
    }
    Some((lead + name_start, lead + name_start + name.len()))
}

/// Whether the text opens with a greeting ("Dear …", "Hi all", "Good morning"), named or not.
pub fn opens_with_greeting(text: &str) -> bool {
    let line = text.trim_start();
    let line = &line[..line.find(['\n', '\r']).unwrap_or(line.len())];
    GREETINGS.iter().any(|g| {
        line.get(..g.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(g))
            && line[g.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == ',' || c == '!')
    })
}

/// The salutation line for a contact: "Dear Dr Mehta," (formal) or "Hi Priya," (informal), with
/// the name the contact asked for; `None` when there is no name to use.
pub fn salutation_line(recipient: &Recipient<'_>, tone: Tone) -> Option<String> {
    let a = Addressee::new(recipient, tone)?;
    Some(match tone {
        Tone::Formal => format!("Dear {},", a.display),
        Tone::Informal => format!("Hi {},", a.display),
    })
}

fn is_generic(name: &str) -> bool {
    let name = normalise(name);
    let first = name.split(' ').next().unwrap_or("");
    GENERIC_ADDRESSEES.contains(&name.as_str()) || first == "team" || first == "all"
}

/// Folded, with full stops as spaces ("Dr. Mehta" = "dr mehta") and single spaces.
fn normalise(name: &str) -> String {
    fold_phrase(name)
        .replace('.', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etiquette::ContactEtiquette;

    fn addressee(
        name: &str,
        preferred: Option<&str>,
        form: Option<&str>,
        tone: Tone,
    ) -> Option<Addressee> {
        let etiquette = ContactEtiquette {
            preferred_name: preferred.map(str::to_string),
            form_of_address: form.map(str::to_string),
            avoid: vec![],
        };
        Addressee::new(
            &Recipient {
                name,
                etiquette: &etiquette,
            },
            tone,
        )
    }

    #[test]
    fn salutation_lines_use_the_preferred_form() {
        let etiquette = ContactEtiquette {
            preferred_name: None,
            form_of_address: Some("Dr".into()),
            avoid: vec![],
        };
        let r = Recipient {
            name: "Priya Mehta",
            etiquette: &etiquette,
        };
        assert_eq!(
            salutation_line(&r, Tone::Formal).as_deref(),
            Some("Dear Dr Mehta,")
        );
        assert_eq!(
            salutation_line(&r, Tone::Informal).as_deref(),
            Some("Hi Dr Mehta,")
        );
        let plain = ContactEtiquette::default();
        let r = Recipient {
            name: "Priya Mehta",
            etiquette: &plain,
        };
        assert_eq!(
            salutation_line(&r, Tone::Informal).as_deref(),
            Some("Hi Priya,")
        );
        let r = Recipient {
            name: "  ",
            etiquette: &plain,
        };
        assert_eq!(salutation_line(&r, Tone::Formal), None);
    }

    #[test]
    fn greetings_are_recognised_at_the_start_only() {
        for yes in [
            "Hi all,\nthanks",
            "  Dear Priya",
            "Good morning!",
            "hello",
            "Hey, quick one",
        ] {
            assert!(opens_with_greeting(yes), "{yes}");
        }
        for no in ["Thanks for the file", "Hiring update", "We said hi", ""] {
            assert!(!opens_with_greeting(no), "{no}");
        }
    }

    #[test]
    fn preferred_name_wins_and_is_the_only_one_accepted() {
        let a = addressee("Priya Mehta", Some("Dr Mehta"), Some("Ms"), Tone::Formal).unwrap();
        assert_eq!(a.display, "Dr Mehta");
        assert!(a.accepts("Dr. Mehta"));
        assert!(a.accepts("dr  mehta"));
        assert!(!a.accepts("Ms Mehta"));
        assert!(!a.accepts("Priya"));
        assert_eq!(a.formal_first_name.as_deref(), Some("Priya"));
    }

    #[test]
    fn form_of_address_takes_the_surname() {
        let a = addressee("Priya Mehta", None, Some("Dr"), Tone::Informal).unwrap();
        assert_eq!(a.display, "Dr Mehta");
        assert!(a.accepts("Dr Mehta"));
        assert!(!a.accepts("Mehta"));
    }

    #[test]
    fn without_preferences_any_of_their_names_will_do() {
        let a = addressee("Priya Mehta", None, None, Tone::Informal).unwrap();
        assert_eq!(a.display, "Priya");
        for ok in [
            "Priya",
            "priya mehta",
            "Ms Mehta",
            "Dr. Priya Mehta",
            "Mehta",
        ] {
            assert!(a.accepts(ok), "{ok}");
        }
        for wrong in ["Pryia", "John", "Ms Smith", "Priya Smith"] {
            assert!(!a.accepts(wrong), "{wrong}");
        }
        assert!(a.formal_first_name.is_none());
        assert_eq!(
            addressee("Priya Mehta", None, None, Tone::Formal)
                .unwrap()
                .display,
            "Priya Mehta"
        );
    }

    #[test]
    fn preferred_first_name_means_first_name_is_fine() {
        let a = addressee("Priya Mehta", Some("Priya"), None, Tone::Formal).unwrap();
        assert!(a.formal_first_name.is_none());
        assert!(addressee("", None, Some("Dr"), Tone::Formal).is_none());
        let mononym = addressee("Madonna", None, Some("Ms"), Tone::Formal).unwrap();
        assert!(mononym.formal_first_name.is_none());
    }

    #[test]
    fn finds_the_salutation_name() {
        fn span(t: &str) -> Option<&str> {
            salutation_name(t).map(|(s, e)| &t[s..e])
        }
        assert_eq!(span("Dear Priya,\nThanks"), Some("Priya"));
        assert_eq!(span("  \n hello   Dr. Mehta!"), Some("Dr. Mehta"));
        assert_eq!(span("Good morning Ms Mehta\nWe"), Some("Ms Mehta"));
        assert_eq!(span("Hi Priya — quick one"), Some("Priya"));
        assert_eq!(span("Hi all,"), None);
        assert_eq!(span("Dear Team Acme,"), None);
        assert_eq!(span("Hiya Priya,"), None);
        assert_eq!(span("Hi, Priya"), None);
        assert_eq!(span("Thanks Priya,"), None);
        assert_eq!(
            span("Hi there is a problem with the order you sent us"),
            None
        );
        assert_eq!(span("Dear"), None);
        assert_eq!(span(""), None);
        assert_eq!(span("Dear ★ Ünïcödé,"), Some("★ Ünïcödé"));
    }
}
