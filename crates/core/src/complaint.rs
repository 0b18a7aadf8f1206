//! Complaints: when a request is one, and the date a first reply promises the next step by.
//! The reply itself is drafted by [`crate::etiquette::draft_complaint_reply`].

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::ids::{ClientId, ContactId, RequestId};
use crate::label_enum;
use crate::request::{Kind, Status};
use crate::sentiment::{Sentiment, is_strongly_negative};

label_enum!(
    /// Why a request was flagged as a complaint.
    ComplaintReason {
        /// Filed (or re-filed) with kind `complaint`.
        Kind => "kind",
        /// The client's own words scored strongly negative.
        Sentiment => "sentiment",
    }
);

/// Whether a request is a complaint, and why: its kind says so, or text the client wrote
/// (`client_text`, scored) is strongly negative. Text we wrote never flags a complaint.
pub fn reason(kind: Kind, client_text: Option<&Sentiment>) -> Option<ComplaintReason> {
    if kind == Kind::Complaint {
        Some(ComplaintReason::Kind)
    } else if client_text.is_some_and(is_strongly_negative) {
        Some(ComplaintReason::Sentiment)
    } else {
        None
    }
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
    use crate::sentiment::analyze;

    #[test]
    fn kind_or_strongly_negative_client_text_makes_a_complaint() {
        assert_eq!(reason(Kind::Complaint, None), Some(ComplaintReason::Kind));
        let angry =
            analyze("This is completely unacceptable. I am extremely disappointed and angry.");
        assert_eq!(
            reason(Kind::Bug, Some(&angry)),
            Some(ComplaintReason::Sentiment)
        );
        let mild = analyze("The export is a little slow.");
        assert_eq!(reason(Kind::Bug, Some(&mild)), None);
        assert_eq!(reason(Kind::Question, None), None);
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
