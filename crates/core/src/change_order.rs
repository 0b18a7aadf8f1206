//! Change orders: out-of-scope work, priced and sent to the client for approval before it is done.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::ids::{ChangeOrderId, ClientId, ContactId, EngagementId, OrgId, RequestId};
use crate::label_enum;
use crate::money::{self, Currency, MAX_MINOR};
use crate::validate::{self, Violations, limits};

label_enum!(ChangeOrderStatus {
    Draft => "draft",
    Sent => "sent",
    Approved => "approved",
    Declined => "declined",
    Withdrawn => "withdrawn",
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a change order cannot go from {from} to {to}")]
pub struct ChangeOrderTransitionError {
    pub from: ChangeOrderStatus,
    pub to: ChangeOrderStatus,
}

impl ChangeOrderStatus {
    /// draft -> sent -> approved | declined; draft or sent -> withdrawn. The rest is final.
    pub fn can_become(self, to: ChangeOrderStatus) -> Result<(), ChangeOrderTransitionError> {
        use ChangeOrderStatus::*;
        let ok = matches!(
            (self, to),
            (Draft, Sent)
                | (Sent, Approved)
                | (Sent, Declined)
                | (Draft, Withdrawn)
                | (Sent, Withdrawn)
        );
        if ok {
            Ok(())
        } else {
            Err(ChangeOrderTransitionError { from: self, to })
        }
    }

    pub const fn is_final(self) -> bool {
        matches!(self, Self::Approved | Self::Declined | Self::Withdrawn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeOrder {
    pub id: ChangeOrderId,
    pub org_id: OrgId,
    pub engagement_id: EngagementId,
    pub client_id: ClientId,
    pub title: String,
    pub description: String,
    pub request_ids: Vec<RequestId>,
    pub estimate_minutes: i64,
    pub rate_minor: i64,
    /// estimate x rate, rounded half up to the minor unit.
    pub price_minor: i64,
    pub currency: Currency,
    pub status: ChangeOrderStatus,
    pub created_by: Actor,
    pub sent_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    /// The contact who approved or declined, and their name as it was then.
    pub decided_by: Option<ContactId>,
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The most requests one change order may cover.
pub const MAX_REQUESTS: usize = 50;
/// The largest estimate a change order may carry: a person-year (2,000 hours). Past it the
/// "change" is a new engagement.
pub const MAX_ESTIMATE_MINUTES: i64 = 2_000 * 60;

/// A change order to draft, as an API receives it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChangeOrder {
    pub engagement_id: EngagementId,
    /// The out-of-scope requests it covers: 1-50, each once, all of this engagement.
    pub request_ids: Vec<RequestId>,
    /// 1-300 characters.
    pub title: String,
    /// What will be done, for the client: 1-10,000 characters.
    pub description: String,
    /// 1-120,000 minutes (2,000 hours).
    pub estimate_minutes: i64,
    /// Minor units per hour; defaults to the engagement's hourly rate.
    #[serde(default)]
    pub rate_minor: Option<i64>,
}

/// A validated change order, priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOrderDraft {
    pub engagement_id: EngagementId,
    pub request_ids: Vec<RequestId>,
    pub title: String,
    pub description: String,
    pub estimate_minutes: i64,
    pub rate_minor: i64,
    pub price_minor: i64,
}

impl NewChangeOrder {
    /// Validate and price: estimate x rate = price, in integer minor units, rounded half up.
    /// `engagement_rate` is used when the input gives no rate.
    pub fn validate(self, engagement_rate: Option<i64>) -> Result<ChangeOrderDraft, Violations> {
        let mut v = Violations::new();
        if self.request_ids.is_empty() {
            v.add("request_ids", "name at least one out-of-scope request");
        } else if self.request_ids.len() > MAX_REQUESTS {
            v.add(
                "request_ids",
                format!(
                    "at most {MAX_REQUESTS} requests (got {})",
                    self.request_ids.len()
                ),
            );
        }
        for (i, id) in self.request_ids.iter().enumerate() {
            if self.request_ids[..i].contains(id) {
                v.add(
                    format!("request_ids[{i}]"),
                    format!("request {id} is listed twice"),
                );
            }
        }
        let title = v.check("title", validate::line(&self.title, limits::TITLE));
        let description = v.check(
            "description",
            validate::text(&self.description, limits::NOTE),
        );
        let estimate = v.check(
            "estimate_minutes",
            validate::range(self.estimate_minutes, 1, MAX_ESTIMATE_MINUTES),
        );
        let rate = match self.rate_minor.or(engagement_rate) {
            Some(r) => v.check("rate_minor", money::amount(r)),
            None => {
                v.add(
                    "rate_minor",
                    "the engagement has no hourly rate; give rate_minor (minor units per hour)",
                );
                None
            }
        };
        let price = match (estimate, rate) {
            (Some(m), Some(r)) => match money::price_for_minutes(r, m) {
                Ok(p) => Some(p),
                Err(_) => {
                    v.add(
                        "rate_minor",
                        format!(
                            "estimate_minutes x rate_minor is more than {MAX_MINOR} minor units; check both"
                        ),
                    );
                    None
                }
            },
            _ => None,
        };
        v.finish(|| ChangeOrderDraft {
            engagement_id: self.engagement_id,
            request_ids: self.request_ids,
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            estimate_minutes: estimate.unwrap_or_default(),
            rate_minor: rate.unwrap_or_default(),
            price_minor: price.unwrap_or_default(),
        })
    }
}

/// New terms for a draft: everything a new change order holds but its engagement, which stays.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeOrderEdit {
    /// The out-of-scope requests it covers: 1-50, each once, all of its engagement.
    pub request_ids: Vec<RequestId>,
    /// 1-300 characters.
    pub title: String,
    /// What will be done, for the client: 1-10,000 characters.
    pub description: String,
    /// 1-120,000 minutes (2,000 hours).
    pub estimate_minutes: i64,
    /// Minor units per hour; defaults to the engagement's hourly rate.
    #[serde(default)]
    pub rate_minor: Option<i64>,
}

impl ChangeOrderEdit {
    /// The same checks and pricing as a new change order of `engagement_id`.
    pub fn into_new(self, engagement_id: EngagementId) -> NewChangeOrder {
        NewChangeOrder {
            engagement_id,
            request_ids: self.request_ids,
            title: self.title,
            description: self.description,
            estimate_minutes: self.estimate_minutes,
            rate_minor: self.rate_minor,
        }
    }
}

/// A client's answer to a sent change order.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Optional words for the team (up to 10,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

impl DecisionInput {
    pub fn validate(self) -> Result<Option<String>, Violations> {
        let mut v = Violations::new();
        let note = match self.note.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => v.check("note", validate::text(n, limits::NOTE)),
        };
        v.finish(|| note)
    }
}

/// "6 h 30 min", "45 min", "2 h".
pub fn format_minutes(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

impl ChangeOrder {
    /// The subject and body of the message that puts the change order before the client. It is
    /// queued on each request the order covers; the mail worker delivers it.
    pub fn client_message(&self, engagement_name: &str) -> (String, String) {
        let subject = format!("Change order {} for your approval: {}", self.id, self.title);
        let requests: Vec<String> = self.request_ids.iter().map(|r| format!("#{r}")).collect();
        let body = format!(
            "Hello,\n\n\
             Some of the work you asked for is outside the agreed scope of \"{engagement}\", so we \
             have priced it as a change order for your approval before we start.\n\n\
             Change order {id}: {title}\n\n\
             {description}\n\n\
             Requests covered: {requests}\n\
             Estimate: {estimate}\n\
             Rate: {rate} per hour\n\
             Price: {price}\n\n\
             To approve or decline it, sign in to the client portal and open change order {id} \
             under Change orders. We will not start this work until you approve it.\n",
            engagement = engagement_name,
            id = self.id,
            title = self.title,
            description = self.description,
            requests = requests.join(", "),
            estimate = format_minutes(self.estimate_minutes),
            rate = self.currency.format(self.rate_minor),
            price = self.currency.format(self.price_minor),
        );
        (subject, body)
    }
}

#[cfg(test)]
mod tests {
    use super::ChangeOrderStatus::*;
    use super::*;
    use proptest::prelude::*;

    fn input(estimate: i64, rate: Option<i64>) -> NewChangeOrder {
        NewChangeOrder {
            engagement_id: EngagementId(1),
            request_ids: vec![RequestId(4), RequestId(9)],
            title: " Android app ".into(),
            description: "A native Android build of the driver app.".into(),
            estimate_minutes: estimate,
            rate_minor: rate,
        }
    }

    fn fields(v: Violations) -> Vec<String> {
        v.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn price_is_estimate_times_rate_in_minor_units() {
        // 6 h 30 min at 150.00/h = 975.00
        let d = input(390, None).validate(Some(15_000)).unwrap();
        assert_eq!((d.rate_minor, d.price_minor), (15_000, 97_500));
        assert_eq!(d.title, "Android app");
        // An explicit rate wins over the engagement's; 100.00/h for 1 minute rounds to 1.67.
        let d = input(1, Some(10_000)).validate(Some(15_000)).unwrap();
        assert_eq!(d.price_minor, 167);
    }

    #[test]
    fn negative_absurd_and_missing_amounts_name_their_fields() {
        assert_eq!(
            fields(input(-60, None).validate(Some(100)).unwrap_err()),
            ["estimate_minutes"]
        );
        assert_eq!(
            fields(input(0, None).validate(Some(100)).unwrap_err()),
            ["estimate_minutes"]
        );
        assert_eq!(
            fields(
                input(MAX_ESTIMATE_MINUTES + 1, None)
                    .validate(Some(100))
                    .unwrap_err()
            ),
            ["estimate_minutes"]
        );
        assert_eq!(
            fields(input(60, Some(-1)).validate(None).unwrap_err()),
            ["rate_minor"]
        );
        assert_eq!(
            fields(input(60, Some(MAX_MINOR + 1)).validate(None).unwrap_err()),
            ["rate_minor"]
        );
        assert_eq!(
            fields(input(60, None).validate(None).unwrap_err()),
            ["rate_minor"]
        );
        // Each bound alone is fine; together they overflow the largest amount.
        let e = input(MAX_ESTIMATE_MINUTES, Some(MAX_MINOR))
            .validate(None)
            .unwrap_err();
        assert_eq!(fields(e.clone()), ["rate_minor"]);
        assert!(e.0[0].message.contains("more than"), "{}", e.0[0].message);
    }

    #[test]
    fn request_lists_are_bounded_and_unique() {
        let mut i = input(60, Some(100));
        i.request_ids = vec![RequestId(1), RequestId(2), RequestId(1)];
        assert_eq!(fields(i.validate(None).unwrap_err()), ["request_ids[2]"]);
        let mut i = input(60, Some(100));
        i.request_ids.clear();
        assert_eq!(fields(i.validate(None).unwrap_err()), ["request_ids"]);
        let mut i = input(60, Some(100));
        i.request_ids = (1..=MAX_REQUESTS as i64 + 1).map(RequestId).collect();
        assert_eq!(fields(i.validate(None).unwrap_err()), ["request_ids"]);
    }

    #[test]
    fn decision_notes_are_optional_and_bounded() {
        assert_eq!(DecisionInput::default().validate().unwrap(), None);
        let blank = DecisionInput {
            note: Some("  ".into()),
        };
        assert_eq!(blank.validate().unwrap(), None);
        let long = DecisionInput {
            note: Some("x".repeat(limits::NOTE + 1)),
        };
        assert_eq!(fields(long.validate().unwrap_err()), ["note"]);
    }

    #[test]
    fn the_client_message_shows_what_estimate_and_price() {
        let co = ChangeOrder {
            id: ChangeOrderId(12),
            org_id: OrgId(1),
            engagement_id: EngagementId(1),
            client_id: ClientId(1),
            title: "Android app".into(),
            description: "A native Android build.".into(),
            request_ids: vec![RequestId(4), RequestId(9)],
            estimate_minutes: 390,
            rate_minor: 15_000,
            price_minor: 97_500,
            currency: Currency::parse("EUR").unwrap(),
            status: Sent,
            created_by: Actor::System,
            sent_at: None,
            decided_at: None,
            decided_by: None,
            decided_by_name: None,
            decision_note: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        let (subject, body) = co.client_message("Driver app");
        assert_eq!(subject, "Change order 12 for your approval: Android app");
        for part in [
            "\"Driver app\"",
            "A native Android build.",
            "Requests covered: #4, #9",
            "Estimate: 6 h 30 min",
            "Rate: 150.00 EUR per hour",
            "Price: 975.00 EUR",
            "client portal",
        ] {
            assert!(body.contains(part), "{part:?} missing from:\n{body}");
        }
    }

    #[test]
    fn minutes_read_as_hours() {
        assert_eq!(format_minutes(45), "45 min");
        assert_eq!(format_minutes(120), "2 h");
        assert_eq!(format_minutes(390), "6 h 30 min");
    }

    proptest! {
        /// Whatever is accepted is priced exactly (no float), within bounds, and never negative.
        #[test]
        fn accepted_prices_are_exact(m in -10i64..200_000, r in -10i64..2_000_000_000) {
            if let Ok(d) = input(m, Some(r)).validate(None) {
                prop_assert!(d.price_minor >= 0 && d.price_minor <= MAX_MINOR);
                let exact = (i128::from(r) * i128::from(m) + 30) / 60;
                prop_assert_eq!(i128::from(d.price_minor), exact);
            } else {
                prop_assert!(!(1..=MAX_ESTIMATE_MINUTES).contains(&m) || r < 0);
            }
        }
    }

    #[test]
    fn lifecycle() {
        assert!(Draft.can_become(Sent).is_ok());
        assert!(Sent.can_become(Approved).is_ok());
        assert!(Sent.can_become(Declined).is_ok());
        assert!(
            Draft.can_become(Approved).is_err(),
            "must be sent before approval"
        );
        assert!(Declined.can_become(Approved).is_err(), "declined is final");
        assert!(Approved.can_become(Withdrawn).is_err());
        assert!(Approved.is_final() && !Sent.is_final());
    }
}
