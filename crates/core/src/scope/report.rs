//! The scope report: out-of-scope work per client and engagement over time, and what became of
//! it: billed (approved change orders) or absorbed (work started anyway on a manager's override).
//!
//! Periods are calendar months or ISO weeks (Monday to Sunday) in UTC. Each fact counts in the
//! period of its own instant:
//! * `out_requests`: requests whose verdict (a person's, else the check's) is `out`, by creation.
//! * `out_minutes`: minutes logged (by entry start) on out-of-scope or overridden requests; split
//!   by what became of the request: `billed` when an approved change order covers it, else
//!   `absorbed` when a manager overrode its pending change order, else `pending`.
//! * `billed_orders`, `billed_estimate_minutes`, `billed_minor`: change orders approved (by the
//!   instant of approval) with their estimate and price.
//! * `absorbed_overrides`: overrides recorded; `absorbed_minor` prices the absorbed minutes at the
//!   engagement's hourly rate (empty without a rate): the value given away.

use std::collections::{BTreeMap, HashSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::ids::{ClientId, EngagementId, RequestId};
use crate::money::{self, Currency};

/// The most periods one report may span (20 years of months, 4½ years of weeks).
pub const MAX_PERIODS: usize = 240;

crate::label_enum!(Interval {
    Month => "month",
    Week => "week",
});

/// One period: `start` inclusive, `end` exclusive, both at midnight UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    pub fn start_instant(&self) -> Timestamp {
        midnight(self.start)
    }

    pub fn end_instant(&self) -> Timestamp {
        midnight(self.end)
    }
}

fn midnight(d: Date) -> Timestamp {
    d.to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

fn utc_date(t: Timestamp) -> Date {
    TimeZone::UTC.to_datetime(t).date()
}

/// The periods that cover `from` to `to` (both days included), aligned to the interval.
pub fn periods(from: Date, to: Date, interval: Interval) -> Result<Vec<Period>, String> {
    if to < from {
        return Err(format!("must not be before from ({from})"));
    }
    let mut start = match interval {
        Interval::Month => from.first_of_month(),
        Interval::Week => monday_on_or_before(from),
    };
    let mut out = Vec::new();
    while start <= to {
        if out.len() == MAX_PERIODS {
            return Err(format!(
                "spans more than {MAX_PERIODS} {interval}s; narrow from/to or use a longer interval"
            ));
        }
        let end = match interval {
            Interval::Month => start.checked_add(1.month()),
            Interval::Week => start.checked_add(1.week()),
        }
        .map_err(|e| e.to_string())?;
        out.push(Period { start, end });
        start = end;
    }
    Ok(out)
}

fn monday_on_or_before(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(back.days()).unwrap_or(d)
}

/// An engagement the report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementInfo {
    pub id: EngagementId,
    pub name: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub currency: Currency,
    pub hourly_rate_minor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFact {
    pub request_id: RequestId,
    pub engagement_id: EngagementId,
    pub started_at: Timestamp,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedFact {
    pub engagement_id: EngagementId,
    pub decided_at: Timestamp,
    pub estimate_minutes: i64,
    pub price_minor: i64,
}

/// What the store knows, already limited to the report's range and filters (except the two
/// request sets, which hold every request ever billed or overridden among those in `time`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFacts {
    pub engagements: Vec<EngagementInfo>,
    /// Creation instants of out-of-scope requests.
    pub out_requests: Vec<(EngagementId, Timestamp)>,
    pub time: Vec<TimeFact>,
    pub approved: Vec<ApprovedFact>,
    /// Instants of overrides.
    pub overrides: Vec<(EngagementId, Timestamp)>,
    pub billed_requests: HashSet<RequestId>,
    pub overridden_requests: HashSet<RequestId>,
}

/// One period of one engagement. Money is in integer minor units of `currency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// Null on the `totals` rows, which cover the whole range.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub period_start: Option<Date>,
    /// Exclusive; null like `period_start`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub period_end: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub client_id: ClientId,
    pub client_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub engagement_id: EngagementId,
    pub engagement_name: String,
    pub currency: String,
    pub out_requests: i64,
    pub out_minutes: i64,
    pub billed_orders: i64,
    pub billed_estimate_minutes: i64,
    pub billed_minor: i64,
    pub billed_minutes: i64,
    pub absorbed_overrides: i64,
    pub absorbed_minutes: i64,
    pub absorbed_minor: Option<i64>,
    pub pending_minutes: i64,
}

impl ReportRow {
    fn is_empty(&self) -> bool {
        self.out_requests == 0
            && self.out_minutes == 0
            && self.billed_orders == 0
            && self.absorbed_overrides == 0
    }
}

/// The rows of the report: one per period and engagement with anything to show, by period then
/// engagement id; then one total per engagement over the whole range (`period_start` empty).
pub fn build(periods: &[Period], facts: &ReportFacts) -> (Vec<ReportRow>, Vec<ReportRow>) {
    let starts: Vec<Date> = periods.iter().map(|p| p.start).collect();
    let known: HashSet<EngagementId> = facts.engagements.iter().map(|e| e.id).collect();
    let slot = |t: Timestamp, e: EngagementId| -> Option<(usize, EngagementId)> {
        if !known.contains(&e) {
            return None;
        }
        let d = utc_date(t);
        let i = starts.partition_point(|s| *s <= d).checked_sub(1)?;
        (d < periods[i].end).then_some((i, e))
    };
    let mut cells: BTreeMap<(usize, EngagementId), ReportRow> = BTreeMap::new();
    for &(e, at) in &facts.out_requests {
        if let Some(k) = slot(at, e) {
            cells.entry(k).or_default().out_requests += 1;
        }
    }
    for t in &facts.time {
        if let Some(k) = slot(t.started_at, t.engagement_id) {
            let c = cells.entry(k).or_default();
            c.out_minutes += t.minutes;
            if facts.billed_requests.contains(&t.request_id) {
                c.billed_minutes += t.minutes;
            } else if facts.overridden_requests.contains(&t.request_id) {
                c.absorbed_minutes += t.minutes;
            } else {
                c.pending_minutes += t.minutes;
            }
        }
    }
    for a in &facts.approved {
        if let Some(k) = slot(a.decided_at, a.engagement_id) {
            let c = cells.entry(k).or_default();
            c.billed_orders += 1;
            c.billed_estimate_minutes += a.estimate_minutes;
            c.billed_minor += a.price_minor;
        }
    }
    for &(e, at) in &facts.overrides {
        if let Some(k) = slot(at, e) {
            cells.entry(k).or_default().absorbed_overrides += 1;
        }
    }
    let info = |id: EngagementId| facts.engagements.iter().find(|e| e.id == id);
    let mut rows = Vec::new();
    let mut totals: BTreeMap<EngagementId, ReportRow> = BTreeMap::new();
    for ((i, e), mut row) in cells {
        if row.is_empty() {
            continue;
        }
        let Some(eng) = info(e) else { continue };
        fill(&mut row, eng);
        row.period_start = Some(periods[i].start);
        row.period_end = Some(periods[i].end);
        let t = totals.entry(e).or_default();
        add(t, &row);
        rows.push(row);
    }
    let totals = totals
        .into_iter()
        .filter_map(|(e, mut t)| {
            let eng = info(e)?;
            fill(&mut t, eng);
            Some(t)
        })
        .collect();
    (rows, totals)
}

fn fill(row: &mut ReportRow, e: &EngagementInfo) {
    row.client_id = e.client_id;
    row.client_name = e.client_name.clone();
    row.engagement_id = e.id;
    row.engagement_name = e.name.clone();
    row.currency = e.currency.code().to_string();
    row.absorbed_minor = e
        .hourly_rate_minor
        .and_then(|r| money::price_for_minutes(r, row.absorbed_minutes).ok());
}

fn add(t: &mut ReportRow, r: &ReportRow) {
    t.out_requests += r.out_requests;
    t.out_minutes += r.out_minutes;
    t.billed_orders += r.billed_orders;
    t.billed_estimate_minutes += r.billed_estimate_minutes;
    t.billed_minor += r.billed_minor;
    t.billed_minutes += r.billed_minutes;
    t.absorbed_overrides += r.absorbed_overrides;
    t.absorbed_minutes += r.absorbed_minutes;
    t.pending_minutes += r.pending_minutes;
}

/// A scope report: its range and interval, the rows, and one total per engagement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: Date,
    /// Inclusive.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: Date,
    pub interval: Interval,
    pub rows: Vec<ReportRow>,
    pub totals: Vec<ReportRow>,
}

/// The CSV header, in column order. Money columns are integer minor units of `currency`;
/// `period_end` is exclusive; `absorbed_minor` is empty when the engagement has no rate.
pub const CSV_HEADER: &str = "period_start,period_end,client_id,client_name,engagement_id,engagement_name,currency,\
out_requests,out_minutes,billed_orders,billed_estimate_minutes,billed_minor,billed_minutes,\
absorbed_overrides,absorbed_minutes,absorbed_minor,pending_minutes";

/// A CSV field: the shared cell writer (quoting, and formulas defused so a spreadsheet does
/// not run a client's name).
fn field(s: &str) -> String {
    crate::csv_write::cell(s)
}

/// The rows as CSV (RFC 4180, CRLF line ends), header first.
pub fn to_csv(rows: &[ReportRow]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in rows {
        let cols = [
            date(r.period_start),
            date(r.period_end),
            r.client_id.to_string(),
            field(&r.client_name),
            r.engagement_id.to_string(),
            field(&r.engagement_name),
            r.currency.clone(),
            r.out_requests.to_string(),
            r.out_minutes.to_string(),
            r.billed_orders.to_string(),
            r.billed_estimate_minutes.to_string(),
            r.billed_minor.to_string(),
            r.billed_minutes.to_string(),
            r.absorbed_overrides.to_string(),
            r.absorbed_minutes.to_string(),
            r.absorbed_minor.map(|m| m.to_string()).unwrap_or_default(),
            r.pending_minutes.to_string(),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn eng(id: i64, rate: Option<i64>) -> EngagementInfo {
        EngagementInfo {
            id: EngagementId(id),
            name: format!("Engagement {id}"),
            client_id: ClientId(10),
            client_name: "Kaveri, \"Foods\"".into(),
            currency: Currency::parse("EUR").unwrap(),
            hourly_rate_minor: rate,
        }
    }

    #[test]
    fn months_and_weeks_are_aligned_and_bounded() {
        let p = periods(date(2026, 1, 15), date(2026, 3, 1), Interval::Month).unwrap();
        let starts: Vec<_> = p.iter().map(|p| p.start).collect();
        assert_eq!(
            starts,
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
        );
        assert_eq!(p[2].end, date(2026, 4, 1));
        // 2026-01-15 is a Thursday; its ISO week starts on Monday the 12th.
        let w = periods(date(2026, 1, 15), date(2026, 1, 19), Interval::Week).unwrap();
        assert_eq!(
            w.iter().map(|p| p.start).collect::<Vec<_>>(),
            [date(2026, 1, 12), date(2026, 1, 19)]
        );
        assert!(periods(date(2026, 2, 1), date(2026, 1, 1), Interval::Month).is_err());
        assert!(periods(date(2000, 1, 1), date(2026, 1, 1), Interval::Month).is_err());
        assert_eq!(
            periods(date(2006, 2, 1), date(2026, 1, 31), Interval::Month)
                .unwrap()
                .len(),
            MAX_PERIODS
        );
    }

    #[test]
    fn facts_land_in_their_periods_and_split_billed_absorbed_pending() {
        let p = periods(date(2026, 1, 1), date(2026, 2, 28), Interval::Month).unwrap();
        let (r1, r2, r3) = (RequestId(1), RequestId(2), RequestId(3));
        let e = EngagementId(5);
        let facts = ReportFacts {
            engagements: vec![eng(5, Some(12_000))],
            out_requests: vec![
                (e, ts("2026-01-03T10:00:00Z")),
                (e, ts("2026-02-01T00:00:00Z")),
                (e, ts("2026-01-31T23:59:59Z")),
            ],
            time: vec![
                TimeFact {
                    request_id: r1,
                    engagement_id: e,
                    started_at: ts("2026-01-10T09:00:00Z"),
                    minutes: 90,
                },
                TimeFact {
                    request_id: r2,
                    engagement_id: e,
                    started_at: ts("2026-01-11T09:00:00Z"),
                    minutes: 30,
                },
                TimeFact {
                    request_id: r2,
                    engagement_id: e,
                    started_at: ts("2026-02-11T09:00:00Z"),
                    minutes: 45,
                },
                TimeFact {
                    request_id: r3,
                    engagement_id: e,
                    started_at: ts("2026-02-12T09:00:00Z"),
                    minutes: 20,
                },
                // Outside the periods: ignored.
                TimeFact {
                    request_id: r3,
                    engagement_id: e,
                    started_at: ts("2026-03-01T00:00:00Z"),
                    minutes: 999,
                },
            ],
            approved: vec![ApprovedFact {
                engagement_id: e,
                decided_at: ts("2026-01-20T12:00:00Z"),
                estimate_minutes: 120,
                price_minor: 24_000,
            }],
            overrides: vec![(e, ts("2026-01-11T08:00:00Z"))],
            billed_requests: [r1].into(),
            overridden_requests: [r2].into(),
        };
        let (rows, totals) = build(&p, &facts);
        assert_eq!(rows.len(), 2);
        let jan = &rows[0];
        assert_eq!(jan.period_start, Some(date(2026, 1, 1)));
        assert_eq!((jan.out_requests, jan.out_minutes), (2, 120));
        assert_eq!(
            (
                jan.billed_orders,
                jan.billed_estimate_minutes,
                jan.billed_minor,
                jan.billed_minutes
            ),
            (1, 120, 24_000, 90)
        );
        assert_eq!(
            (
                jan.absorbed_overrides,
                jan.absorbed_minutes,
                jan.absorbed_minor
            ),
            (1, 30, Some(6_000))
        );
        assert_eq!(jan.pending_minutes, 0);
        let feb = &rows[1];
        assert_eq!(
            (
                feb.out_requests,
                feb.out_minutes,
                feb.absorbed_minutes,
                feb.pending_minutes
            ),
            (1, 65, 45, 20)
        );
        assert_eq!(totals.len(), 1);
        let t = &totals[0];
        assert_eq!(t.period_start, None);
        assert_eq!(
            (
                t.out_requests,
                t.out_minutes,
                t.billed_minor,
                t.absorbed_minutes,
                t.absorbed_minor
            ),
            (3, 185, 24_000, 75, Some(15_000))
        );
    }

    #[test]
    fn engagements_without_a_rate_have_no_absorbed_value_and_unknown_ones_are_skipped() {
        let p = periods(date(2026, 1, 1), date(2026, 1, 31), Interval::Month).unwrap();
        let facts = ReportFacts {
            engagements: vec![eng(5, None)],
            overrides: vec![
                (EngagementId(5), ts("2026-01-02T00:00:00Z")),
                (EngagementId(6), ts("2026-01-02T00:00:00Z")),
            ],
            ..ReportFacts::default()
        };
        let (rows, _) = build(&p, &facts);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].absorbed_minor, None);
    }

    #[test]
    fn csv_quotes_names_and_defuses_formulas() {
        let row = ReportRow {
            period_start: Some(date(2026, 1, 1)),
            period_end: Some(date(2026, 2, 1)),
            client_id: ClientId(10),
            client_name: "Kaveri, \"Foods\"".into(),
            engagement_id: EngagementId(5),
            engagement_name: "=HYPERLINK(\"x\")".into(),
            currency: "EUR".into(),
            out_requests: 2,
            billed_minor: 24_000,
            ..ReportRow::default()
        };
        let csv = to_csv(&[row]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(
            lines[1],
            "2026-01-01,2026-02-01,10,\"Kaveri, \"\"Foods\"\"\",5,\"'=HYPERLINK(\"\"x\"\")\",EUR,2,0,0,0,24000,0,0,0,,0"
        );
        assert_eq!(lines[2], "");
    }
}
