//! The billing export: time entries and approved change orders as CSV lines for an invoicing
//! tool. Money is integer minor units, plus the same amount as a decimal in the currency's own
//! digits (2 for EUR, 0 for JPY, 3 for KWD). Non-billable time is listed with amount 0, and so
//! is time on a request an approved change order pays for (`change_order_time`): the change
//! order's own line bills that work, so nothing is billed twice.

use jiff::Timestamp;

use crate::csv;
use crate::money::{Currency, price_for_minutes};

/// The columns, in order. Documented in the README.
pub const COLUMNS: &[&str] = &[
    "type",
    "date",
    "client_id",
    "client",
    "engagement_id",
    "engagement",
    "request_id",
    "member",
    "description",
    "minutes",
    "billable",
    "currency",
    "rate_minor",
    "amount_minor",
    "amount",
];

/// One billable (or not) item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// `time`, `change_order_time` (time on work an approved change order pays for, never
    /// billable) or `change_order`.
    pub kind: &'static str,
    pub at: Timestamp,
    pub client_id: Option<i64>,
    pub client: String,
    pub engagement_id: Option<i64>,
    pub engagement: String,
    pub request_id: Option<i64>,
    pub member: String,
    pub description: String,
    pub minutes: i64,
    pub billable: bool,
    /// The engagement's currency and hourly rate (none: time outside an engagement).
    pub currency: Option<Currency>,
    pub rate_minor: Option<i64>,
    /// Fixed price (change orders); time is priced from minutes and rate.
    pub price_minor: Option<i64>,
}

/// `minor` as a decimal with `exponent` digits: 150000, 2 -> "1500.00"; -5, 2 -> "-0.05".
pub fn decimal(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let div = 10u64.pow(u32::from(exponent));
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / div,
        abs % div,
        width = usize::from(exponent)
    )
}

impl Item {
    /// What it costs the client, in minor units (0 when not billable or without a rate).
    pub fn amount_minor(&self) -> i64 {
        if !self.billable {
            return 0;
        }
        match (self.price_minor, self.rate_minor) {
            (Some(p), _) => p,
            (None, Some(rate)) => price_for_minutes(rate, self.minutes).unwrap_or(0),
            (None, None) => 0,
        }
    }

    fn cells(&self) -> Vec<String> {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let amount = self.amount_minor();
        vec![
            self.kind.to_string(),
            jiff::tz::TimeZone::UTC
                .to_datetime(self.at)
                .date()
                .to_string(),
            opt(self.client_id),
            self.client.clone(),
            opt(self.engagement_id),
            self.engagement.clone(),
            opt(self.request_id),
            self.member.clone(),
            self.description.clone(),
            self.minutes.to_string(),
            self.billable.to_string(),
            self.currency
                .as_ref()
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            opt(self.rate_minor),
            amount.to_string(),
            decimal(amount, self.currency.as_ref().map_or(2, Currency::exponent)),
        ]
    }
}

/// The whole file: header and one line per item, CRLF line ends.
pub fn to_csv(items: &[Item]) -> String {
    let mut out = csv::line(&COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    for i in items {
        out.push_str(&csv::line(&i.cells()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(minutes: i64, billable: bool, currency: &str, rate: i64) -> Item {
        Item {
            kind: "time",
            at: "2026-03-02T10:00:00Z".parse().unwrap(),
            client_id: Some(1),
            client: "Kaveri, Foods".into(),
            engagement_id: Some(2),
            engagement: "Retainer".into(),
            request_id: None,
            member: "Ana".into(),
            description: "=cmd()".into(),
            minutes,
            billable,
            currency: Some(Currency::parse(currency).unwrap()),
            rate_minor: Some(rate),
            price_minor: None,
        }
    }

    #[test]
    fn decimals_follow_the_currency() {
        assert_eq!(decimal(150_000, 2), "1500.00");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(-5, 2), "-0.05");
        assert_eq!(decimal(1234, 0), "1234");
        assert_eq!(decimal(1234, 3), "1.234");
    }

    #[test]
    fn time_is_priced_half_up_and_non_billable_is_zero() {
        // 50 minutes at 120.00/h = 100.00; 1 minute at 0.99/h = 0.0165 -> 0.02.
        assert_eq!(time(50, true, "EUR", 12_000).amount_minor(), 10_000);
        assert_eq!(time(1, true, "EUR", 99).amount_minor(), 2);
        assert_eq!(time(50, false, "EUR", 12_000).amount_minor(), 0);
        let csv = to_csv(&[time(90, true, "JPY", 6_000)]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "time,2026-03-02,1,\"Kaveri, Foods\",2,Retainer,,Ana,'=cmd(),90,true,JPY,6000,9000,9000"
        );
    }
}
