//! A first reply to a complaint: thank them, be sorry for how they feel, ask what went wrong
//! and for examples, and promise a next step by a date. The draft is addressed and worded per
//! the etiquette profile and passes the etiquette lint as a reply to a complaint.

use jiff::civil::Date;

use super::lint::{LintError, LintOptions, Linter, Recipient, Rule};
use super::{ClientEtiquette, Tone};

const DEFAULT_NEXT_STEP: &str = "come back to you with what we found and what we will change";

#[derive(Debug, Clone, Copy)]
pub struct ComplaintReply<'a> {
    /// The greeting before the name ("Dear", "Hello", "Hi"). Blank: "Dear" for a formal client,
    /// "Hi" for an informal one.
    pub salutation: &'a str,
    /// The date by which we promise the next step.
    pub promise_by: Date,
    /// What we will do by then, completing "we will …"; `None` for a generic promise to report
    /// back with what we found and what we will change.
    pub next_step: Option<&'a str>,
    /// Who signs the reply.
    pub sender: Option<&'a str>,
}

/// Draft the reply. Fails only when the profile cannot be linted (see [`LintError`]).
pub fn draft_complaint_reply(
    client: &ClientEtiquette,
    contact: Option<&Recipient<'_>>,
    reply: &ComplaintReply<'_>,
) -> Result<String, LintError> {
    let linter = Linter::new(client, contact)?;
    let formal = client.tone == Tone::Formal;
    let salutation = match reply.salutation.trim() {
        "" if formal => "Dear",
        "" => "Hi",
        s => s,
    };
    let greeting = match linter.addressee_name() {
        Some(name) => format!("{salutation} {name},"),
        None => format!("{salutation},"),
    };
    let next_step = reply
        .next_step
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_NEXT_STEP);
    let sender = reply.sender.map(str::trim).filter(|s| !s.is_empty());

    let mut draft = if formal {
        let by = reply.promise_by.strftime("%A %-d %B %Y");
        format!(
            "{greeting}\n\n\
             Thank you for telling us about this. I am sorry that it has left you disappointed, \
             and I understand why.\n\n\
             Could you tell me more about what went wrong and why it fell short of what you \
             expected? Examples would help us most: the dates, the messages or the pages where \
             you saw the problem.\n\n\
             By {by} we will {next_step}.\n\n\
             Kind regards,\n"
        )
    } else {
        let by = reply.promise_by.strftime("%A %-d %B");
        format!(
            "{greeting}\n\n\
             Thanks for letting us know. I'm sorry this has left you frustrated, and I understand \
             why.\n\n\
             Could you tell me a bit more about what went wrong and why? A couple of examples \
             would really help: when it happened and where you saw it.\n\n\
             By {by} we'll {next_step}.\n\n\
             Best wishes,\n"
        )
    };
    if let Some(sender) = sender {
        draft.push_str(sender);
        draft.push('\n');
    }

    // Say things in the client's words: swap each of our glossary words for theirs.
    let options = LintOptions {
        reply_to_complaint: true,
        send_at: None,
    };
    let mut findings = linter.lint(&draft, &options);
    findings.retain(|f| f.rule == Rule::Glossary);
    for f in findings.iter().rev() {
        if let Some(theirs) = &f.suggestion {
            draft.replace_range(f.start..f.end, theirs);
        }
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etiquette::{ContactEtiquette, GlossaryEntry, lint};
    use jiff::civil::date;

    fn mehta() -> ContactEtiquette {
        ContactEtiquette {
            preferred_name: Some("Dr Mehta".into()),
            form_of_address: Some("Dr".into()),
            avoid: vec!["Priya".into(), "ma'am".into()],
        }
    }

    fn client(tone: Tone) -> ClientEtiquette {
        ClientEtiquette {
            tone,
            language: Some("en-GB".into()),
            avoid: vec!["Dear Sir/Madam".into(), "guys".into()],
            glossary: vec![
                GlossaryEntry {
                    ours: "examples".into(),
                    theirs: "samples".into(),
                },
                GlossaryEntry {
                    ours: "problem".into(),
                    theirs: "issue".into(),
                },
            ],
        }
    }

    fn request(salutation: &str) -> ComplaintReply<'_> {
        ComplaintReply {
            salutation,
            promise_by: date(2026, 3, 13),
            next_step: Some("send you the corrected report and a note of what changed."),
            sender: Some("Sam, Rapport team"),
        }
    }

    fn findings(
        client: &ClientEtiquette,
        contact: Option<&Recipient<'_>>,
        text: &str,
    ) -> Vec<crate::etiquette::Finding> {
        let options = LintOptions {
            reply_to_complaint: true,
            send_at: None,
        };
        lint(client, contact, text, &options).unwrap()
    }

    #[test]
    fn formal_draft_thanks_apologises_asks_and_promises_and_passes_the_lint() {
        let etiquette = mehta();
        let contact = Recipient {
            name: "Priya Mehta",
            etiquette: &etiquette,
        };
        let client = client(Tone::Formal);
        let draft = draft_complaint_reply(&client, Some(&contact), &request("Dear")).unwrap();
        assert!(draft.starts_with("Dear Dr Mehta,\n"), "{draft}");
        assert!(draft.contains("Thank you"));
        assert!(draft.contains("I am sorry"));
        assert!(draft.contains("why"));
        assert!(draft.contains('?'));
        assert!(
            draft.contains("Samples would help"),
            "glossary applied: {draft}"
        );
        assert!(draft.contains("the issue."), "glossary applied: {draft}");
        assert!(draft.contains(
            "By Friday 13 March 2026 we will send you the corrected report and a note of what changed."
        ));
        assert!(draft.ends_with("Kind regards,\nSam, Rapport team\n"));
        assert_eq!(findings(&client, Some(&contact), &draft), vec![]);
    }

    #[test]
    fn informal_draft_uses_their_name_and_passes_the_lint() {
        let etiquette = ContactEtiquette::default();
        let contact = Recipient {
            name: "Priya Mehta",
            etiquette: &etiquette,
        };
        let client = client(Tone::Informal);
        let draft = draft_complaint_reply(&client, Some(&contact), &request("")).unwrap();
        assert!(draft.starts_with("Hi Priya,\n"), "{draft}");
        assert!(draft.contains("By Friday 13 March we'll send you"));
        assert_eq!(findings(&client, Some(&contact), &draft), vec![]);
    }

    #[test]
    fn draft_without_a_contact_or_options_still_passes() {
        let client = ClientEtiquette::default();
        let reply = ComplaintReply {
            salutation: "Hello",
            promise_by: date(2026, 12, 31),
            next_step: None,
            sender: None,
        };
        let draft = draft_complaint_reply(&client, None, &reply).unwrap();
        assert!(draft.starts_with("Hello,\n"), "{draft}");
        assert!(draft.contains("By Thursday 31 December 2026 we will come back to you"));
        assert_eq!(findings(&client, None, &draft), vec![]);
    }

    #[test]
    fn a_bad_profile_is_an_error_not_a_draft() {
        let mut client = client(Tone::Formal);
        client.avoid.push("   ".into());
        let err = draft_complaint_reply(&client, None, &request("Dear")).unwrap_err();
        assert_eq!(
            err,
            LintError::BlankPhrase {
                field: "client.avoid[2]".into()
            }
        );
    }
}
