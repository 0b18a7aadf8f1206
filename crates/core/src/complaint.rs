//! Complaints: when a request is one, whether it weighs on the client's health, and the date a
//! first reply promises the next step by. The reply itself is drafted by
//! [`crate::etiquette::draft_complaint_reply`].
//!
//! The client's words are read without what is not their opinion of our work (see
//! [`crate::client_words`]): their tone (VADER) and complaint cues, words that mean a complaint
//! whatever the tone around them: a repeated failure ("the third time", "late again"), other
//! vendors, cancelling the contract, escalation ("speak to your manager"). A request is flagged
//! (the `complaint.new` alert) on the kind `complaint`, a cue, or strongly negative words; it
//! weighs on health once a person confirms it (files or re-files it as a complaint) or the
//! signal is strong: two kinds of cue, a cue in negative words, or very negative words alone.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::client_words::{client_words, normalise};
use crate::ids::{ClientId, ContactId, RequestId};
use crate::label_enum;
use crate::request::{Kind, Status};
use crate::sentiment::{self, STRONGLY_NEGATIVE_THRESHOLD, Sentiment, is_strongly_negative};

/// Words this negative count on their own, without a person confirming ("This is unacceptable.
/// I am very angry." -0.77; "I am extremely disappointed with the service we received this
/// month." -0.53 flags but waits for a person).
pub const SEVERE_THRESHOLD: f64 = -0.75;

label_enum!(
    /// Why a request was flagged as a complaint.
    ComplaintReason {
        /// Filed (or re-filed) with kind `complaint`.
        Kind => "kind",
        /// The client's own words read as a complaint: strongly negative, or complaint cues.
        Sentiment => "sentiment",
    }
);

label_enum!(
    /// Words in the client's text that mean a complaint whatever the tone around them.
    Cue {
        /// The same failure again: "the third time", "late again", "yet again".
        RepeatedFailure => "repeated_failure",
        /// Looking elsewhere: "other vendors", "another supplier", "a competitor".
        OtherVendors => "other_vendors",
        /// Ending the relationship: cancelling or not renewing the contract.
        Cancellation => "cancellation",
        /// Going over our heads: "escalate", "speak to your manager", "a formal complaint".
        Escalation => "escalation",
    }
);

/// How the client's own words read: their tone and the complaint cues in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// VADER's scores of the client's own words (not of quotes, sign-offs or their apologies).
    pub sentiment: Sentiment,
    /// Each cue once, in [`Cue::ALL`] order.
    pub cues: Vec<Cue>,
}

impl Reading {
    /// Strong enough to weigh on health without a person confirming: two kinds of cue, a cue
    /// in strongly negative words, or severely negative words.
    pub fn is_strong(&self) -> bool {
        self.cues.len() >= 2
            || (!self.cues.is_empty() && is_strongly_negative(&self.sentiment))
            || self.sentiment.compound <= SEVERE_THRESHOLD
    }

    /// Flags the request: any cue, or strongly negative words.
    pub fn is_complaint(&self) -> bool {
        !self.cues.is_empty() || self.sentiment.compound <= STRONGLY_NEGATIVE_THRESHOLD
    }
}

/// Read a client's text: their own words, scored, and the cues in them.
pub fn read(text: &str) -> Reading {
    let words = client_words(text);
    Reading {
        sentiment: sentiment::analyze(&words),
        cues: cues(&words),
    }
}

const ORDINAL_TIMES: &[&str] = &[
    "second time",
    "third time",
    "fourth time",
    "fifth time",
    "sixth time",
    "nth time",
    "umpteenth time",
    "yet again",
    "once again",
    "again and again",
    "every single time",
    "keeps happening",
    "keep happening",
    "time and again",
];
const VENDORS: &[&str] = &[
    "other vendor",
    "another vendor",
    "other supplier",
    "another supplier",
    "other agenc",
    "another agency",
    "other provider",
    "another provider",
    "other firm",
    "another firm",
    "alternative supplier",
    "alternative vendor",
    "alternative provider",
    "competitor",
    "take our business elsewhere",
    "taking our business elsewhere",
    "go elsewhere",
    "look elsewhere",
    "looking elsewhere",
];
const ENDINGS: &[&str] = &[
    "cancel",
    "terminat",
    "not renew",
    "won't renew",
    "not be renewing",
    "won't be renewing",
    "end our",
    "end the",
    "pull out of",
];
const AGREEMENTS: &[&str] = &[
    "contract",
    "subscription",
    "account",
    "engagement",
    "retainer",
    "agreement",
    "service",
    "relationship",
    "partnership",
    "renew",
];
const ESCALATIONS: &[&str] = &[
    "escalat",
    "your manager",
    "your boss",
    "your supervisor",
    "your director",
    "someone senior",
    "someone more senior",
    "formal complaint",
    "legal action",
    "our lawyer",
    "our solicitor",
];

/// The complaint cues in `words` (already the client's own words). Phrases match from the start
/// of a word ("send the contract" is no "end the contract").
pub fn cues(words: &str) -> Vec<Cue> {
    let mut found = Vec::new();
    for sentence in split_sentences(words) {
        let lower = normalise(sentence);
        let spaced = format!(
            " {} ",
            lower
                .split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let has = |list: &[&str]| list.iter().any(|p| spaced.contains(&format!(" {p}")));
        // "Thanks again" is not a repeated failure; "late again" is.
        let again = spaced.contains(" again ")
            && sentiment::analyze(sentence).compound <= sentiment::NEGATIVE_THRESHOLD;
        if has(ORDINAL_TIMES) || again {
            found.push(Cue::RepeatedFailure);
        }
        if has(VENDORS) {
            found.push(Cue::OtherVendors);
        }
        if has(ENDINGS) && has(AGREEMENTS) {
            found.push(Cue::Cancellation);
        }
        if has(ESCALATIONS) {
            found.push(Cue::Escalation);
        }
    }
    found.sort();
    found.dedup();
    found
}

fn split_sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether a request is a complaint, and why: its kind says so, or the client's own words
/// (`client_text`, read) do. Text we wrote never flags a complaint.
pub fn reason(kind: Kind, client_text: Option<&Reading>) -> Option<ComplaintReason> {
    if kind == Kind::Complaint {
        Some(ComplaintReason::Kind)
    } else if client_text.is_some_and(Reading::is_complaint) {
        Some(ComplaintReason::Sentiment)
    } else {
        None
    }
}

/// Whether a complaint weighs on the client's health: a person filed it as one, or the
/// client's words are a strong signal.
pub fn counts_in_health(reason: ComplaintReason, client_text: Option<&Reading>) -> bool {
    reason == ComplaintReason::Kind || client_text.is_some_and(Reading::is_strong)
}

/// A complaint on the list: the request, how long it has been a complaint, where it stands and
/// how the client sounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintSummary {
    pub request_id: RequestId,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub client_id: ClientId,
    pub contact_id: Option<ContactId>,
    /// The request's status.
    pub status: Status,
    pub reason: ComplaintReason,
    /// The complaint cues found in the client's words (empty when none).
    pub cues: Vec<Cue>,
    /// Whether it weighs on the client's health: a person filed or re-filed it as a complaint,
    /// or the client's words were a strong signal. Re-file it as a complaint to confirm it.
    pub counts_in_health: bool,
    pub flagged_at: Timestamp,
    /// Minutes since it was flagged.
    pub age_minutes: i64,
    /// Compound sentiment (-1..1) of the request's text when it was filed.
    pub body_sentiment: Option<f64>,
    /// When the client last wrote, and how it scored.
    pub last_inbound_at: Option<Timestamp>,
    pub last_inbound_sentiment: Option<f64>,
}

/// The date a first reply to a complaint promises the next step by: the earliest promise still
/// pending on the request (the ledger already holds our word), else the request's due date when
/// it is still ahead, else one business day of the client's calendar from now. In the client's
/// zone.
pub fn next_step_date(
    now: Timestamp,
    calendar: &Calendar,
    pending_promises: &[Timestamp],
    due_at: Option<Timestamp>,
) -> Date {
    let zone = calendar.zone();
    if let Some(p) = pending_promises.iter().filter(|&&p| p > now).min() {
        return zone.to_datetime(*p).date();
    }
    if let Some(due) = due_at.filter(|&d| d > now) {
        return zone.to_datetime(due).date();
    }
    // A business day of this calendar: its weekly hours spread over a five-day week.
    let day = (calendar.weekly_minutes() / 5).max(60);
    let at = calendar.add_business_minutes(now, day).unwrap_or_else(|_| {
        now.saturating_add(jiff::SignedDuration::from_hours(24))
            .unwrap_or(now)
    });
    zone.to_datetime(at).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;

    #[test]
    fn kind_or_strongly_negative_client_text_makes_a_complaint() {
        assert_eq!(reason(Kind::Complaint, None), Some(ComplaintReason::Kind));
        let angry = read("This is completely unacceptable. I am extremely disappointed and angry.");
        assert_eq!(
            reason(Kind::Bug, Some(&angry)),
            Some(ComplaintReason::Sentiment)
        );
        assert!(angry.is_strong(), "{angry:?}");
        let mild = read("The export is a little slow.");
        assert_eq!(reason(Kind::Bug, Some(&mild)), None);
        assert_eq!(reason(Kind::Question, None), None);
    }

    #[test]
    fn politeness_is_not_a_complaint_and_a_polite_complaint_is_one() {
        let polite = read(
            "Apologies for the delay on our side, unfortunately I was ill last week. Here is the data.",
        );
        assert_eq!(reason(Kind::Question, Some(&polite)), None, "{polite:?}");
        let vendors = read(
            "This is the third time the weekly report has been late and wrong. We are considering other vendors. Thank you, kind regards.",
        );
        assert_eq!(vendors.cues, [Cue::RepeatedFailure, Cue::OtherVendors]);
        assert_eq!(
            reason(Kind::Question, Some(&vendors)),
            Some(ComplaintReason::Sentiment)
        );
        assert!(counts_in_health(ComplaintReason::Sentiment, Some(&vendors)));
    }

    #[test]
    fn each_cue_is_found_and_kindness_is_not_one() {
        let cue = |t: &str| read(t).cues;
        assert_eq!(cue("The export failed again."), [Cue::RepeatedFailure]);
        assert_eq!(cue("Thanks again for the report."), []);
        assert_eq!(cue("We may move to another supplier."), [Cue::OtherVendors]);
        assert_eq!(cue("We will cancel our contract."), [Cue::Cancellation]);
        assert_eq!(
            cue("We will not be renewing the retainer."),
            [Cue::Cancellation]
        );
        assert_eq!(cue("Please cancel the meeting on Friday."), []);
        assert_eq!(cue("Please send the contract."), []);
        assert_eq!(
            cue("I would like to speak to your manager."),
            [Cue::Escalation]
        );
        assert_eq!(cue("I will escalate this."), [Cue::Escalation]);
        assert_eq!(
            cue("> we are looking at other vendors\nAll fine here, thanks!"),
            [],
            "quoted text is not the client's word"
        );
    }

    #[test]
    fn one_weak_signal_flags_but_waits_for_a_person() {
        let once = read("This is the second time the export has been late.");
        assert_eq!(once.cues, [Cue::RepeatedFailure]);
        assert!(once.is_complaint());
        assert!(!counts_in_health(ComplaintReason::Sentiment, Some(&once)));
        assert!(counts_in_health(ComplaintReason::Kind, Some(&once)));
        let disappointed =
            read("I am extremely disappointed with the service we received this month.");
        assert!(disappointed.is_complaint() && !disappointed.is_strong());
        let furious = read("This is unacceptable. I am very angry.");
        assert!(furious.is_strong(), "{furious:?}");
    }

    fn london() -> Calendar {
        CalendarSpec::office_hours("Europe/London")
            .compile()
            .unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_ledger_wins_then_the_due_date_then_a_business_day() {
        let cal = london();
        let now = at("2026-03-06T15:00:00Z"); // a Friday afternoon
        let promised = [
            at("2026-03-20T12:00:00Z"),
            at("2026-03-12T12:00:00Z"),
            at("2026-03-01T00:00:00Z"),
        ];
        assert_eq!(
            next_step_date(now, &cal, &promised, Some(at("2026-03-10T00:00:00Z"))),
            jiff::civil::date(2026, 3, 12),
            "the earliest pending promise still ahead"
        );
        assert_eq!(
            next_step_date(now, &cal, &[], Some(at("2026-03-10T09:00:00Z"))),
            jiff::civil::date(2026, 3, 10)
        );
        assert_eq!(
            next_step_date(now, &cal, &[], Some(at("2026-03-01T09:00:00Z"))),
            jiff::civil::date(2026, 3, 9),
            "a past due date is no promise: Friday afternoon plus a business day is Monday"
        );
    }

    #[test]
    fn a_business_day_follows_the_client_zone() {
        let tokyo = CalendarSpec::office_hours("Asia/Tokyo").compile().unwrap();
        // Friday 16:00 in Tokyo.
        let now = at("2026-03-06T07:00:00Z");
        assert_eq!(
            next_step_date(now, &tokyo, &[], None),
            jiff::civil::date(2026, 3, 9)
        );
    }
}
