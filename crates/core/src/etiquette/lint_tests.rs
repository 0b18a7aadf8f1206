use super::*;
use crate::calendar::CalendarSpec;
use crate::etiquette::{GlossaryEntry, Tone};
use jiff::tz::TimeZone;
use proptest::prelude::*;

fn client(avoid: &[&str], glossary: &[(&str, &str)]) -> ClientEtiquette {
    ClientEtiquette {
        tone: Tone::Formal,
        language: None,
        avoid: avoid.iter().map(|s| s.to_string()).collect(),
        glossary: glossary
            .iter()
            .map(|(o, t)| GlossaryEntry {
                ours: o.to_string(),
                theirs: t.to_string(),
            })
            .collect(),
    }
}

fn mehta(avoid: &[&str]) -> ContactEtiquette {
    ContactEtiquette {
        preferred_name: Some("Dr Mehta".into()),
        form_of_address: Some("Dr".into()),
        avoid: avoid.iter().map(|s| s.to_string()).collect(),
    }
}

fn run(
    client: &ClientEtiquette,
    contact: Option<(&str, &ContactEtiquette)>,
    text: &str,
) -> Vec<Finding> {
    run_with(client, contact, text, &LintOptions::default())
}

fn run_with(
    client: &ClientEtiquette,
    contact: Option<(&str, &ContactEtiquette)>,
    text: &str,
    options: &LintOptions<'_>,
) -> Vec<Finding> {
    let recipient = contact.map(|(name, etiquette)| Recipient { name, etiquette });
    let findings = lint(client, recipient.as_ref(), text, options).unwrap();
    for f in &findings {
        assert!(f.start <= f.end && f.end <= text.len(), "{f:?}");
        assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "{f:?}"
        );
    }
    findings
}

/// `(rule, matched text, suggestion)` of each finding, in order.
fn summary<'t>(text: &'t str, findings: &[Finding]) -> Vec<(Rule, &'t str, Option<String>)> {
    findings
        .iter()
        .map(|f| (f.rule, &text[f.start..f.end], f.suggestion.clone()))
        .collect()
}

fn complaint() -> LintOptions<'static> {
    LintOptions {
        reply_to_complaint: true,
        send_at: None,
    }
}

// ---- avoided_form ----

#[test]
fn avoided_forms_match_whole_words_in_any_case_and_apostrophe() {
    let c = client(&["madam", "sir", "ma'am"], &[]);
    let text = "Yes MADAM, of course, Sir. Thank you ma\u{2019}am.";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::AvoidedForm, "MADAM", None),
            (Rule::AvoidedForm, "Sir", None),
            (Rule::AvoidedForm, "ma\u{2019}am", None),
        ]
    );
}

#[test]
fn words_containing_an_avoided_word_are_not_it() {
    let c = client(&["madam", "sir", "ma'am"], &[]);
    for text in [
        "Madame Bovary",
        "the sirloin steak",
        "Sirius rose",
        "a madams_list",
        "emma'am",
    ] {
        assert_eq!(run(&c, None, text), vec![], "{text}");
    }
}

#[test]
fn a_phrase_matches_across_a_line_break_and_the_longest_wins() {
    let c = client(
        &["Dear Sir/Madam", "sir", "madam", "to whom it may concern"],
        &[],
    );
    let text = "Dear Sir/Madam,\n\nTo whom it\n   may concern: hello.";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::AvoidedForm, "Dear Sir/Madam", None),
            (Rule::AvoidedForm, "To whom it\n   may concern", None),
        ]
    );
}

#[test]
fn overlapping_phrases_keep_the_leftmost_then_what_is_left() {
    let c = client(&["Dear Sir", "Sir or Madam", "madam"], &[]);
    let text = "Dear Sir or Madam";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::AvoidedForm, "Dear Sir", None),
            (Rule::AvoidedForm, "Madam", None)
        ]
    );
}

#[test]
fn forms_of_address_suggest_the_preferred_name_other_words_do_not() {
    let c = client(&["Dear Sir/Madam", "cheap"], &[]);
    let e = mehta(&["Priya"]);
    let text = "Dear Sir/Madam, a cheap fix. Priya, thanks.";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    assert_eq!(
        got,
        vec![
            (Rule::AvoidedForm, "Dear Sir/Madam", Some("Dr Mehta".into())),
            (Rule::AvoidedForm, "cheap", None),
            (Rule::AvoidedForm, "Priya", Some("Dr Mehta".into())),
        ]
    );
}

#[test]
fn avoid_phrases_are_literal_text_not_patterns() {
    let c = client(&[".*", "a+b", "[x]"], &[]);
    assert_eq!(run(&c, None, "abc aab x"), vec![]);
    let text = "try .* or a+b or [x]";
    let got: Vec<&str> = run(&c, None, text)
        .iter()
        .map(|f| &text[f.start..f.end])
        .collect();
    assert_eq!(got, vec![".*", "a+b", "[x]"]);
}

#[test]
fn offsets_are_bytes_after_multibyte_text() {
    let c = client(&["madam"], &[]);
    let text = "Grüße 日本語 — 😀 madam";
    let f = &run(&c, None, text)[0];
    assert_eq!(f.start, text.len() - "madam".len());
    assert_eq!(&text[f.start..f.end], "madam");
}

// ---- wrong_name ----

#[test]
fn salutation_with_the_wrong_name_is_flagged() {
    let e = mehta(&[]);
    let c = client(&[], &[]);
    let text = "Dear Priya,\nThe report is attached.";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    assert_eq!(
        got,
        vec![(Rule::WrongName, "Priya", Some("Dr Mehta".into()))]
    );
    let text = "Hello Ms Mehta,";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    assert_eq!(
        got,
        vec![(Rule::WrongName, "Ms Mehta", Some("Dr Mehta".into()))]
    );
}

#[test]
fn salutation_with_the_preferred_name_is_fine() {
    let e = mehta(&[]);
    let c = client(&[], &[]);
    for text in [
        "Dear Dr Mehta,\nThanks.",
        "  Dear Dr. Mehta:",
        "Hi all,\nPriya Mehta asked",
        "Good morning",
    ] {
        assert_eq!(run(&c, Some(("Priya Mehta", &e)), text), vec![], "{text}");
    }
}

#[test]
fn without_preferences_a_misspelt_name_is_wrong() {
    let e = ContactEtiquette::default();
    let c = client(&[], &[]);
    assert_eq!(
        run(&c, Some(("Priya Mehta", &e)), "Hi Priya, thanks"),
        vec![]
    );
    let text = "Hi Pryia, thanks";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    assert_eq!(
        got,
        vec![(Rule::WrongName, "Pryia", Some("Priya Mehta".into()))]
    );
}

#[test]
fn first_name_of_a_formally_addressed_contact_is_flagged_anywhere() {
    let e = mehta(&[]);
    let c = client(&[], &[]);
    let text = "Dear Dr Mehta,\nThanks, Priya, for the notes.\nCc: Priya Mehta\nOur priya-lab team";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    // The full name in the Cc line is not a bare first name; "priya-lab" is not capitalised.
    assert_eq!(
        got,
        vec![(Rule::WrongName, "Priya", Some("Dr Mehta".into()))]
    );
}

#[test]
fn a_first_name_that_is_also_a_word_is_only_the_name_when_capitalised() {
    let e = ContactEtiquette {
        preferred_name: None,
        form_of_address: Some("Mr".into()),
        avoid: vec![],
    };
    let c = client(&[], &[]);
    assert_eq!(
        run(
            &c,
            Some(("Will Smith", &e)),
            "Dear Mr Smith,\nwe will send it."
        ),
        vec![]
    );
    let text = "Dear Mr Smith,\nWill, we will send it.";
    let got = summary(text, &run(&c, Some(("Will Smith", &e)), text));
    assert_eq!(
        got,
        vec![(Rule::WrongName, "Will", Some("Mr Smith".into()))]
    );
}

#[test]
fn an_avoided_first_name_is_reported_once() {
    let e = mehta(&["Priya"]);
    let c = client(&[], &[]);
    let text = "Dear Priya, thanks Priya";
    let got = summary(text, &run(&c, Some(("Priya Mehta", &e)), text));
    assert_eq!(
        got,
        vec![
            (Rule::AvoidedForm, "Priya", Some("Dr Mehta".into())),
            (Rule::AvoidedForm, "Priya", Some("Dr Mehta".into())),
        ]
    );
}

#[test]
fn no_contact_means_no_name_checks() {
    let c = client(&[], &[]);
    assert_eq!(run(&c, None, "Dear Whoever,\nThanks, Priya"), vec![]);
}

// ---- glossary ----

#[test]
fn glossary_suggests_their_word_in_the_text_s_case() {
    let c = client(&[], &[("autumn", "fall"), ("ladies' fingers", "okra")]);
    let text = "Autumn menu: AUTUMN specials, autumn leaves and Ladies\u{2019} fingers.";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::Glossary, "Autumn", Some("Fall".into())),
            (Rule::Glossary, "AUTUMN", Some("FALL".into())),
            (Rule::Glossary, "autumn", Some("fall".into())),
            (
                Rule::Glossary,
                "Ladies\u{2019} fingers",
                Some("Okra".into())
            ),
        ]
    );
    assert!(run(&c, None, "autumnal colours in the fall")[..].is_empty());
}

#[test]
fn glossary_knows_plurals() {
    let c = client(&[], &[("aubergine", "brinjal"), ("box", "crate")]);
    let text = "Aubergines and one aubergine; three BOXES. Brinjals are fine.";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::Glossary, "Aubergines", Some("Brinjals".into())),
            (Rule::Glossary, "aubergine", Some("brinjal".into())),
            (Rule::Glossary, "BOXES", Some("CRATES".into())),
        ]
    );
    assert!(
        run(&c, None, "auberginesque")[..].is_empty(),
        "whole words only"
    );
}

#[test]
fn glossary_words_with_pattern_characters_are_words() {
    let c = client(
        &[],
        &[
            ("C++", "modern cpp"),
            ("(beta)", "preview"),
            ("v1.0", "first release"),
        ],
    );
    let text = "Our C++ code, ABC++ code, the (beta) build, beta and v1.0 and v1x0.";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            // The capital belongs to "C++" itself, so "modern cpp" stays lower case.
            (Rule::Glossary, "C++", Some("modern cpp".into())),
            (Rule::Glossary, "(beta)", Some("preview".into())),
            (Rule::Glossary, "v1.0", Some("first release".into())),
        ]
    );
}

#[test]
fn our_word_inside_their_own_phrase_is_theirs() {
    let c = client(&[], &[("fingers", "lady fingers")]);
    let text = "lady fingers and fish fingers";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![(Rule::Glossary, "fingers", Some("lady fingers".into()))]
    );
    assert_eq!(got.len(), 1);
    assert_eq!(run(&c, None, text)[0].start, text.rfind("fingers").unwrap());
}

#[test]
fn a_capitalisation_entry_flags_only_other_spellings() {
    let c = client(&[], &[("ebay", "eBay")]);
    let text = "eBay, Ebay and EBAY";
    let got = summary(text, &run(&c, None, text));
    assert_eq!(
        got,
        vec![
            (Rule::Glossary, "Ebay", Some("eBay".into())),
            (Rule::Glossary, "EBAY", Some("eBay".into())),
        ]
    );
}

// ---- reply to a complaint ----

#[test]
fn defensive_phrases_are_flagged_only_in_a_reply_to_a_complaint() {
    let c = client(&[], &[]);
    let text = "Thank you. As per the contract, that is not our fault. We pride\nourselves on it. \
                As I already said, you failed to send it. Could you check?";
    assert_eq!(run(&c, None, text), vec![]);
    let got = summary(text, &run_with(&c, None, text, &complaint()));
    let phrases: Vec<&str> = got.iter().map(|g| g.1).collect();
    assert_eq!(
        phrases,
        vec![
            "As per the contract",
            "that is not our fault",
            "We pride\nourselves",
            "As I already said",
            "you failed to"
        ]
    );
    assert!(got.iter().all(|g| g.0 == Rule::Defensive && g.2.is_some()));
}

#[test]
fn more_defensive_phrasing_is_caught() {
    let c = client(&[], &[]);
    for phrase in [
        "To be fair",
        "per my last email",
        "You should have",
        "Unfortunately you",
        "it's not our responsibility",
        "as stated previously",
    ] {
        let text = format!("Sorry. {phrase} it broke. Could you say more?");
        let got = run_with(&c, None, &text, &complaint());
        assert_eq!(got.len(), 1, "{phrase}: {got:?}");
        assert_eq!(&text[got[0].start..got[0].end], phrase);
    }
    let text = "Sorry; to be fairer next time we will ask. Why?";
    assert_eq!(run_with(&c, None, text, &complaint()), vec![]);
}

#[test]
fn a_reply_to_a_complaint_needs_an_acknowledgement_and_a_question() {
    let c = client(&[], &[]);
    let rules = |text: &str| -> Vec<Rule> {
        run_with(&c, None, text, &complaint())
            .iter()
            .map(|f| f.rule)
            .collect()
    };
    assert_eq!(
        rules("We fixed it."),
        vec![Rule::NoAcknowledgement, Rule::NoQuestion]
    );
    assert_eq!(
        rules("Happy Thanksgiving! Did it work?"),
        vec![Rule::NoAcknowledgement]
    );
    assert_eq!(
        rules("I\u{2019}m sorry. Could you send an example."),
        vec![]
    );
    assert_eq!(rules("Thanks. Is it fixed?"), vec![]);
    assert_eq!(
        rules("I understand. See https://x.example/?id=3"),
        vec![Rule::NoQuestion]
    );
    let f = &run_with(&c, None, "ok", &complaint())[0];
    assert_eq!((f.start, f.end), (0, 0));
}

#[test]
fn a_non_apology_is_not_an_acknowledgement() {
    let c = client(&[], &[]);
    let text = "I am sorry you feel that way, but as I said the numbers are correct.";
    let got = summary(text, &run_with(&c, None, text, &complaint()));
    let rules: Vec<Rule> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        rules,
        vec![
            Rule::NoAcknowledgement,
            Rule::NoQuestion,
            Rule::Defensive,
            Rule::Defensive,
        ],
        "{got:?}"
    );
    assert_eq!(got[2].1, "sorry you feel");
    assert_eq!(got[3].1, "as I said");
    let text = "Sorry if you were inconvenienced. Could you tell us more?";
    let rules: Vec<Rule> = run_with(&c, None, text, &complaint())
        .iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(rules, vec![Rule::NoAcknowledgement, Rule::Defensive]);
    // A real apology still counts.
    let text = "I am sorry the report was late. Could you tell us which figures are wrong?";
    assert!(run_with(&c, None, text, &complaint()).is_empty());
}

#[test]
fn quoted_lines_are_theirs_not_ours() {
    let c = client(&["madam"], &[("autumn", "fall")]);
    let e = mehta(&[]);
    let text = "Dear Dr Mehta,\nWe fixed it.\n\n> Sorry madam, you failed to fix the autumn menu. Why?\n>> Priya\n";
    let got = run_with(&c, Some(("Priya Mehta", &e)), text, &complaint());
    let rules: Vec<Rule> = got.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec![Rule::NoAcknowledgement, Rule::NoQuestion]);
    let text = "Dear Dr Mehta,\nSorry, madam: what broke?\n> Why?\n";
    let got = summary(
        text,
        &run_with(&c, Some(("Priya Mehta", &e)), text, &complaint()),
    );
    assert_eq!(
        got,
        vec![(Rule::AvoidedForm, "madam", Some("Dr Mehta".into()))]
    );
}

#[test]
fn many_first_names_and_avoided_words_stay_linear() {
    // Every line has an avoided word and a bare first name: the overlap check must not be
    // a scan of all avoided findings per name.
    let c = client(&["madam"], &[]);
    let e = mehta(&[]);
    let text = "Thanks madam, Priya.\n".repeat(50_000);
    let got = run(&c, Some(("Priya Mehta", &e)), &text);
    assert_eq!(
        got.iter().filter(|f| f.rule == Rule::WrongName).count(),
        50_000
    );
    assert_eq!(
        got.iter().filter(|f| f.rule == Rule::AvoidedForm).count(),
        50_000
    );
}

#[test]
fn built_in_complaint_phrases_never_contain_one_another() {
    // They share one leftmost-longest pass, where a phrase inside another would go unseen.
    use crate::etiquette::phrases::{ACKNOWLEDGEMENTS, DEFENSIVE, QUESTIONS};
    let kinds: Vec<(&str, usize)> = DEFENSIVE
        .iter()
        .map(|(p, _)| (*p, 0))
        .chain(ACKNOWLEDGEMENTS.iter().map(|p| (*p, 1)))
        .chain(QUESTIONS.iter().map(|p| (*p, 2)))
        .collect();
    for (a, ka) in &kinds {
        for (b, kb) in &kinds {
            let inside = a != b && format!(" {a} ").contains(&format!(" {b} "));
            // Except a non-apology, which starts with the apology word it must outrank: at the
            // same start the longer phrase wins.
            let outranks = *ka == 0 && *kb == 1 && a.starts_with(&format!("{b} "));
            assert!(!(inside && ka != kb) || outranks, "{b:?} is inside {a:?}");
        }
    }
}

// ---- quiet_hours and holiday ----

/// Open 09:00-17:00 UTC every day except 2026-03-09.
struct NineToFive(TimeZone);

const NINE_TO_FIVE: fn() -> NineToFive = || NineToFive(TimeZone::UTC);

impl Availability for NineToFive {
    fn is_open(&self, at: Timestamp) -> bool {
        !self.is_holiday(at) && (9..17).contains(&self.0.to_datetime(at).hour())
    }
    fn is_holiday(&self, at: Timestamp) -> bool {
        self.0.to_datetime(at).date() == jiff::civil::date(2026, 3, 9)
    }
    fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(at) {
            return Some(at);
        }
        let mut day = self.0.to_datetime(at).date();
        for _ in 0..7 {
            let nine = self.0.to_timestamp(day.at(9, 0, 0, 0)).ok()?;
            if nine > at && self.is_open(nine) {
                return Some(nine);
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
    fn time_zone(&self) -> &TimeZone {
        &self.0
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn send_time_in_quiet_hours_suggests_the_next_open_time() {
    let c = client(&[], &[]);
    let cal = NINE_TO_FIVE();
    let options = LintOptions {
        reply_to_complaint: false,
        send_at: Some(SendAt {
            at: at("2026-03-10T22:30:00Z"),
            availability: &cal,
        }),
    };
    let got = run_with(&c, None, "Hello", &options);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rule, Rule::QuietHours);
    assert_eq!((got[0].start, got[0].end), (0, 0));
    assert_eq!(
        got[0].message,
        "2026-03-10 22:30 (UTC) is outside the client's business hours"
    );
    assert_eq!(
        got[0].suggestion.as_deref(),
        Some("next good local time: 2026-03-11 09:00 (UTC)")
    );
}

#[test]
fn send_time_inside_hours_is_fine_and_holidays_are_named() {
    let c = client(&[], &[]);
    let cal = NINE_TO_FIVE();
    let open = LintOptions {
        reply_to_complaint: false,
        send_at: Some(SendAt {
            at: at("2026-03-10T10:00:00Z"),
            availability: &cal,
        }),
    };
    assert_eq!(run_with(&c, None, "Hello", &open), vec![]);
    let holiday = LintOptions {
        reply_to_complaint: false,
        send_at: Some(SendAt {
            at: at("2026-03-09T10:00:00Z"),
            availability: &cal,
        }),
    };
    let got = run_with(&c, None, "Hello", &holiday);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rule, Rule::Holiday);
    assert_eq!(
        got[0].message,
        "2026-03-09 is a holiday for the client (UTC)"
    );
    assert_eq!(
        got[0].suggestion.as_deref(),
        Some("next good local time: 2026-03-10 09:00 (UTC)")
    );
}

#[test]
fn quiet_hours_are_reported_in_the_client_s_zone() {
    let spec = CalendarSpec::office_hours("America/New_York");
    let cal = spec.compile().unwrap();
    let c = client(&[], &[]);
    // Saturday 2026-03-07 18:00 in New York.
    let options = LintOptions {
        reply_to_complaint: false,
        send_at: Some(SendAt {
            at: at("2026-03-07T23:00:00Z"),
            availability: &cal,
        }),
    };
    let got = run_with(&c, None, "Hello", &options);
    assert_eq!(got[0].rule, Rule::QuietHours);
    assert_eq!(
        got[0].message,
        "2026-03-07 18:00 (America/New_York) is outside the client's business hours"
    );
    assert_eq!(
        got[0].suggestion.as_deref(),
        Some("next good local time: 2026-03-09 09:00 (America/New_York)")
    );
}

// ---- profiles ----

#[test]
fn empty_profile_finds_nothing() {
    let c = ClientEtiquette::default();
    let e = ContactEtiquette::default();
    assert_eq!(
        run(&c, Some(("", &e)), "Dear Sir/Madam, anything at all."),
        vec![]
    );
    assert_eq!(run(&c, None, ""), vec![]);
}

#[test]
fn blank_and_oversized_phrases_are_errors_naming_the_field() {
    let new = |c: &ClientEtiquette, e: Option<&ContactEtiquette>| {
        let r = e.map(|e| Recipient {
            name: "A B",
            etiquette: e,
        });
        Linter::new(c, r.as_ref()).map(|_| ()).unwrap_err()
    };
    assert_eq!(
        new(&client(&["ok", " \n "], &[]), None),
        LintError::BlankPhrase {
            field: "client.avoid[1]".into()
        }
    );
    assert_eq!(
        new(&client(&[], &[("x", "")]), None),
        LintError::BlankPhrase {
            field: "client.glossary[0].theirs".into()
        }
    );
    assert_eq!(
        new(&client(&[], &[]), Some(&mehta(&[""]))),
        LintError::BlankPhrase {
            field: "contact.avoid[0]".into()
        }
    );
    let long = "word ".repeat(50);
    assert!(matches!(
        new(&client(&[&long], &[]), None),
        LintError::PhraseTooLong { chars: 250, .. }
    ));
    let many: Vec<String> = (0..MAX_PHRASES + 1).map(|i| format!("w{i}")).collect();
    let c = ClientEtiquette {
        avoid: many,
        ..Default::default()
    };
    assert_eq!(
        new(&c, None),
        LintError::TooManyPhrases {
            count: MAX_PHRASES + 1,
            max: MAX_PHRASES
        }
    );
}

#[test]
fn a_large_word_list_still_finds_the_right_words() {
    let avoid: Vec<String> = (0..20_000).map(|i| format!("term{i}")).collect();
    let c = ClientEtiquette {
        avoid,
        ..Default::default()
    };
    let text = "term1 term19999 term20000 xterm5 term5x";
    let got: Vec<&str> = run(&c, None, text)
        .iter()
        .map(|f| &text[f.start..f.end])
        .collect();
    assert_eq!(got, vec!["term1", "term19999"]);
}

#[test]
fn nested_phrases_cost_one_pass_not_one_per_nesting() {
    // 100 phrases each a suffix of the next: an overlapping search would report about 100
    // matches at every word of the text.
    let avoid: Vec<String> = (1..=100).map(|k| vec!["x"; k].join(" ")).collect();
    let c = ClientEtiquette {
        avoid,
        ..Default::default()
    };
    let text = "x ".repeat(250_000);
    let got = run(&c, None, &text);
    assert_eq!(got.len(), 2_500);
    assert!(got.iter().all(|f| f.end - f.start == 199));
}

#[test]
fn a_megabyte_of_text_is_linted_with_findings_in_order() {
    let c = client(&["madam"], &[("autumn", "fall")]);
    let chunk = "Thanks, madam — the autumn report, naïve café, 日本語. ";
    let text = chunk.repeat(20_000);
    let got = run_with(&c, None, &text, &complaint());
    assert_eq!(
        got.iter().filter(|f| f.rule == Rule::AvoidedForm).count(),
        20_000
    );
    assert_eq!(
        got.iter().filter(|f| f.rule == Rule::Glossary).count(),
        20_000
    );
    assert!(got.windows(2).all(|w| w[0].start <= w[1].start));
    assert_eq!(
        &text[got.last().unwrap().start..],
        "autumn report, naïve café, 日本語. "
    );
}

#[test]
fn findings_serialise_with_snake_case_rules_and_null_suggestions() {
    let c = client(&["cheap"], &[]);
    let json = serde_json::to_value(run(&c, None, "a cheap fix")).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"rule": "avoided_form", "start": 2, "end": 7,
            "message": "\"cheap\" is on the client's list of words to avoid", "suggestion": null}])
    );
}

#[test]
fn line_columns_count_characters_from_one() {
    let text = "ab\ncdé f\n\ng";
    let offsets = [
        0,
        1,
        3,
        text.find('f').unwrap(),
        text.find('g').unwrap(),
        text.len(),
    ];
    assert_eq!(
        line_columns(text, &offsets),
        vec![(1, 1), (1, 2), (2, 1), (2, 5), (4, 1), (4, 2)]
    );
}

proptest! {
    #[test]
    fn any_text_lints_without_panicking_and_offsets_are_sound(text in "\\PC{0,200}") {
        let c = client(&["madam", "Dear Sir/Madam", "ma'am"], &[("autumn", "fall"), ("C++", "cpp")]);
        let e = mehta(&["Priya"]);
        let findings = run_with(&c, Some(("Priya Mehta", &e)), &text, &complaint());
        prop_assert!(findings.windows(2).all(|w| w[0].start <= w[1].start));
    }

    #[test]
    fn an_avoided_word_between_spaces_is_always_found(pre in "[a-zé日 ]{0,30}", post in "[a-zé日 ]{0,30}", caps in any::<bool>()) {
        let word = if caps { "MADAM" } else { "madam" };
        let text = format!("{pre} {word} {post}");
        let c = client(&["madam"], &[]);
        let findings = run(&c, None, &text);
        let start = pre.len() + 1;
        prop_assert!(findings.iter().any(|f| f.start == start && f.end == start + 5), "{:?}", findings);
    }
}
