//! Consumption over time: how much of a limit the engagement has already used, and whether a
//! request that asks for one more (or for some hours more) goes beyond it.
//!
//! A request's words alone cannot tell "one more session" from the fourth workshop: only the
//! engagement's history can. The caller counts that history (earlier in-scope requests counted
//! against the same item, in the current period when the limit renews; for an hours cap, the
//! time logged in the period) and this module applies the rule to the numbers. No I/O here.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use super::limits::{Limit, Period, period_name};

/// What the engagement has used of one limit, as counted by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    /// Earlier requests counted against the limit's item (in the period when it renews), oldest
    /// first.
    pub requests: Vec<i64>,
    /// Minutes logged in the period on those requests: what an hours cap counts.
    pub minutes: i64,
}

/// A limit and what has been used of it, as evidence and as the engagement page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LimitUse {
    pub item_id: String,
    /// The counted words ("half-day strategy workshops", "hours").
    pub unit: String,
    /// How many are included (per period when it renews).
    pub included: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// How many have been used (hours for an hours cap), in the current period when it renews.
    pub used: f64,
    /// The requests counted, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<i64>,
}

impl LimitUse {
    /// The use of `limit` given what was counted.
    pub fn of(limit: &Limit, usage: &Usage) -> LimitUse {
        let used = if is_hours(limit) {
            // Minutes to hours, kept to two decimals so "7.5 of 10" reads as people write it.
            (usage.minutes as f64 / 60.0 * 100.0).round() / 100.0
        } else {
            usage.requests.len() as f64
        };
        LimitUse {
            item_id: limit.item_id.clone(),
            unit: limit.unit.clone(),
            included: limit.count,
            period: limit.period,
            used,
            requests: usage.requests.clone(),
        }
    }

    /// "3 of 3 half-day strategy workshops used: #12, #15, #19", "7.5 of 10 hours used this
    /// month".
    pub fn describe(&self) -> String {
        let mut s = self.summary();
        if !self.is_hours() && !self.requests.is_empty() {
            let refs: Vec<String> = self.requests.iter().map(|r| format!("#{r}")).collect();
            s.push_str(": ");
            s.push_str(&refs.join(", "));
        }
        s
    }

    /// Whether the use counts hours logged rather than requests.
    pub fn is_hours(&self) -> bool {
        unit_is_hours(&self.unit)
    }

    /// "3 of 3 half-day strategy workshops used", "7.5 of 10 hours used this month": the use
    /// without the requests that make it.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} of {} {} used",
            number(self.used),
            self.included,
            self.unit
        );
        if let Some(p) = self.period {
            s.push_str(" this ");
            s.push_str(period_name(p));
        }
        s
    }

    /// How far `asking` more would go beyond the limit, if it would. For an hours cap a request
    /// that names no hours still asks for some time, so a cap already used up refuses it.
    pub fn over_by(&self, asking: f64) -> Option<f64> {
        let included = f64::from(self.included);
        let after = self.used + asking;
        if after > included + 1e-9 {
            return Some(round2(after - included));
        }
        if asking <= 0.0 && self.used >= included - 1e-9 {
            return Some(0.0);
        }
        None
    }
}

/// Whether a limit's unit, as written, is hours of effort (an excess or a use keeps only the
/// words).
pub fn unit_is_hours(unit: &str) -> bool {
    unit == "hours" || unit == "hour"
}

/// Whether the limit caps hours of effort (counted from time entries) rather than occurrences
/// (counted from requests).
pub fn is_hours(limit: &Limit) -> bool {
    limit.stems.len() == 1 && limit.stems[0] == "hour"
}

/// The current period of a renewing limit at `now`, as instants: whole days, weeks (from
/// Monday), fortnights (pairs of weeks counted from Monday 5 January 1970), months, quarters or
/// years in the client's zone `tz`; an hour is the clock hour.
pub fn window(period: Period, now: Timestamp, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let local = tz.to_datetime(now);
    let date = local.date();
    let monday = |d: Date| {
        let back = i64::from(d.weekday().to_monday_zero_offset());
        d.checked_sub(back.days()).unwrap_or(d)
    };
    let (start, end): (Date, Date) = match period {
        Period::Hour => {
            let hour = local.date().at(local.hour(), 0, 0, 0);
            let start = tz.to_timestamp(hour).unwrap_or(now);
            let end = start.checked_add(1.hour()).unwrap_or(Timestamp::MAX);
            return (start, end);
        }
        Period::Day => (date, date.tomorrow().unwrap_or(date)),
        Period::Week => {
            let m = monday(date);
            (m, m.checked_add(1.week()).unwrap_or(m))
        }
        Period::Fortnight => {
            let m = monday(date);
            let epoch = Date::constant(1970, 1, 5);
            let weeks = (m - epoch).get_days().div_euclid(7);
            let m = if weeks.rem_euclid(2) == 1 {
                m.checked_sub(1.week()).unwrap_or(m)
            } else {
                m
            };
            (m, m.checked_add(2.weeks()).unwrap_or(m))
        }
        Period::Month => {
            let f = date.first_of_month();
            (f, f.checked_add(1.month()).unwrap_or(f))
        }
        Period::Quarter => {
            let month = (date.month() - 1) / 3 * 3 + 1;
            let f = Date::new(date.year(), month, 1).unwrap_or(date);
            (f, f.checked_add(3.months()).unwrap_or(f))
        }
        Period::Year => {
            let f = date.first_of_year();
            (f, f.checked_add(1.year()).unwrap_or(f))
        }
    };
    let at = |d: Date| {
        tz.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .unwrap_or(now)
    };
    (at(start), at(end))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// 3 as "3", 7.5 as "7.5".
pub(crate) fn number(x: f64) -> String {
    let r = round2(x);
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::limits::parse_limits;
    use super::*;

    fn limit(text: &str) -> Limit {
        parse_limits("x", text).remove(0)
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn counts_of_occurrences_and_hours_are_described_with_the_requests() {
        let l = limit("Three strategy workshops");
        let u = LimitUse::of(
            &l,
            &Usage {
                requests: vec![12, 15, 19],
                minutes: 600,
            },
        );
        assert_eq!(u.used, 3.0);
        assert_eq!(
            u.describe(),
            "3 of 3 strategy workshops used: #12, #15, #19"
        );
        assert_eq!(u.over_by(1.0), Some(1.0));
        let two = LimitUse::of(
            &l,
            &Usage {
                requests: vec![12, 15],
                minutes: 0,
            },
        );
        assert_eq!(two.over_by(1.0), None);
        assert_eq!(two.over_by(3.0), Some(2.0));

        let h = limit("Up to 10 hours a month of content edits");
        assert!(is_hours(&h));
        let u = LimitUse::of(
            &h,
            &Usage {
                requests: vec![3],
                minutes: 450,
            },
        );
        assert_eq!(u.describe(), "7.5 of 10 hours used this month");
        assert_eq!(u.over_by(0.0), None, "hours remain");
        assert_eq!(u.over_by(2.5), None);
        assert_eq!(u.over_by(6.0), Some(3.5));
        let spent = LimitUse { used: 10.0, ..u };
        assert_eq!(spent.over_by(0.0), Some(0.0), "a cap used up refuses more");
    }

    #[test]
    fn periods_are_cut_in_the_clients_zone() {
        let tz = TimeZone::get("Pacific/Auckland").unwrap();
        // 20:00 UTC on 30 April is 08:00 on 1 May in Auckland (UTC+12).
        let (from, to) = window(Period::Month, ts("2026-04-30T20:00:00Z"), &tz);
        assert_eq!(from, ts("2026-04-30T12:00:00Z"));
        assert_eq!(to, ts("2026-05-31T12:00:00Z"));
        let (from, _) = window(Period::Month, ts("2026-04-30T20:00:00Z"), &TimeZone::UTC);
        assert_eq!(from, ts("2026-04-01T00:00:00Z"));

        let utc = TimeZone::UTC;
        // Thursday 10 December 2026: its week starts on Monday the 7th.
        let (from, to) = window(Period::Week, ts("2026-12-10T09:00:00Z"), &utc);
        assert_eq!(
            (from, to),
            (ts("2026-12-07T00:00:00Z"), ts("2026-12-14T00:00:00Z"))
        );
        let (from, to) = window(Period::Fortnight, ts("2026-12-10T09:00:00Z"), &utc);
        assert_eq!(to.duration_since(from).as_hours(), 14 * 24);
        assert!(from <= ts("2026-12-10T09:00:00Z") && ts("2026-12-10T09:00:00Z") < to);
        let (next, _) = window(Period::Fortnight, to, &utc);
        assert_eq!(next, to, "fortnights follow one another");
        let (from, to) = window(Period::Quarter, ts("2026-12-10T09:00:00Z"), &utc);
        assert_eq!(
            (from, to),
            (ts("2026-10-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
        );
        let (from, to) = window(Period::Hour, ts("2026-12-10T09:41:12Z"), &utc);
        assert_eq!(
            (from, to),
            (ts("2026-12-10T09:00:00Z"), ts("2026-12-10T10:00:00Z"))
        );
        let (from, to) = window(Period::Year, ts("2026-12-10T09:41:12Z"), &utc);
        assert_eq!(
            (from, to),
            (ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
        );
    }
}
