//! When a client can be written to: what the `quiet_hours` and `holiday` lint rules ask of a
//! business calendar, and an interim calendar built from a [`CalendarSpec`].
//!
//! The compiled business calendar (`crate::calendar`) is meant to implement [`Availability`]
//! and replace [`WeeklyCalendar`]; until then `WeeklyCalendar` understands weekly hours,
//! explicit holiday dates and the zone, but not country holiday tables.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;

use crate::calendar::CalendarSpec;

/// A client's business calendar as the lint sees it.
pub trait Availability {
    /// Inside business hours and not on a holiday.
    fn is_open(&self, at: Timestamp) -> bool;
    /// On a day the client does not work (local date in the calendar's zone).
    fn is_holiday(&self, at: Timestamp) -> bool;
    /// The first instant at or after `at` that is open; `None` when the calendar never opens
    /// (no hours at all) within its horizon.
    fn next_open(&self, at: Timestamp) -> Option<Timestamp>;
    /// The client's zone, to show local times in.
    fn time_zone(&self) -> &TimeZone;
}

/// How far ahead [`WeeklyCalendar::next_open`] looks: past any run of holidays a real calendar has.
const HORIZON_DAYS: usize = 400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarSpecError {
    #[error("calendar.tz: unknown time zone {0:?} (use an IANA name such as \"Europe/London\")")]
    UnknownZone(String),
    #[error("calendar.hours[{index}] {entry:?}: {reason}")]
    BadHours {
        index: usize,
        entry: String,
        reason: String,
    },
    #[error("calendar.holidays[{index}] {entry:?}: not a date (expected YYYY-MM-DD)")]
    BadHoliday { index: usize, entry: String },
    #[error(
        "calendar.countries {0:?}: public holidays by country need the compiled business \
         calendar, which is not available yet; list the dates in calendar.holidays instead"
    )]
    CountriesUnsupported(Vec<String>),
}

/// Weekly hours and explicit holidays in one zone.
#[derive(Debug, Clone)]
pub struct WeeklyCalendar {
    tz: TimeZone,
    /// Per weekday from Monday, sorted `[start, end)` minute-of-day ranges.
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

impl WeeklyCalendar {
    /// Hours are `DAYS RANGE [RANGE...]`: days as `mon`, `mon-fri` (ranges may wrap, `fri-mon`)
    /// or a comma list of those, ranges as `HH:MM-HH:MM` with the end after the start (up to
    /// `24:00`), e.g. `"mon-fri 09:00-12:30 13:30-17:00"`.
    pub fn from_spec(spec: &CalendarSpec) -> Result<Self, CalendarSpecError> {
        if !spec.countries.is_empty() {
            return Err(CalendarSpecError::CountriesUnsupported(
                spec.countries.clone(),
            ));
        }
        let tz = TimeZone::get(spec.tz.trim())
            .map_err(|_| CalendarSpecError::UnknownZone(spec.tz.clone()))?;
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for (index, entry) in spec.hours.iter().enumerate() {
            let bad = |reason: String| CalendarSpecError::BadHours {
                index,
                entry: entry.clone(),
                reason,
            };
            let (days, ranges) = parse_hours(entry).map_err(bad)?;
            for day in days {
                week[day].extend_from_slice(&ranges);
            }
        }
        for ranges in &mut week {
            ranges.sort_unstable();
        }
        let holidays = spec
            .holidays
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                entry
                    .trim()
                    .parse::<Date>()
                    .map_err(|_| CalendarSpecError::BadHoliday {
                        index,
                        entry: entry.clone(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(WeeklyCalendar { tz, week, holidays })
    }

    fn ranges(&self, weekday: Weekday) -> &[(u16, u16)] {
        &self.week[weekday.to_monday_zero_offset() as usize]
    }

    fn local(&self, at: Timestamp) -> DateTime {
        self.tz.to_datetime(at)
    }
}

impl Availability for WeeklyCalendar {
    fn is_open(&self, at: Timestamp) -> bool {
        let local = self.local(at);
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.ranges(local.weekday())
            .iter()
            .any(|&(start, end)| start <= minute && minute < end)
    }

    fn is_holiday(&self, at: Timestamp) -> bool {
        self.holidays.contains(&self.local(at).date())
    }

    fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(at) {
            return Some(at);
        }
        let mut date = self.local(at).date();
        for _ in 0..HORIZON_DAYS {
            if !self.holidays.contains(&date) {
                for &(start, _) in self.ranges(date.weekday()) {
                    let opening = date.at((start / 60) as i8, (start % 60) as i8, 0, 0);
                    // A start inside a DST gap opens at the first instant after the gap.
                    if let Ok(ts) = self.tz.to_timestamp(opening)
                        && ts > at
                    {
                        return Some(ts);
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    fn time_zone(&self) -> &TimeZone {
        &self.tz
    }
}

type Hours = (Vec<usize>, Vec<(u16, u16)>);

fn parse_hours(entry: &str) -> Result<Hours, String> {
    let mut parts = entry.split_whitespace();
    let days = parts.next().ok_or("empty entry")?;
    let days = parse_days(days)?;
    let ranges = parts.map(parse_range).collect::<Result<Vec<_>, _>>()?;
    if ranges.is_empty() {
        return Err("no time range (expected e.g. \"mon-fri 09:00-17:00\")".into());
    }
    Ok((days, ranges))
}

fn parse_days(days: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in days.split(',') {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day_index(from)?, day_index(to)?);
                let mut d = from;
                loop {
                    out.push(d);
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out.push(day_index(item)?),
        }
    }
    Ok(out)
}

fn day_index(name: &str) -> Result<usize, String> {
    let index = match name.to_ascii_lowercase().as_str() {
        "mon" | "monday" => 0,
        "tue" | "tuesday" => 1,
        "wed" | "wednesday" => 2,
        "thu" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => {
            return Err(format!(
                "unknown day {name:?} (use mon, tue, wed, thu, fri, sat, sun)"
            ));
        }
    };
    Ok(index)
}

fn parse_range(range: &str) -> Result<(u16, u16), String> {
    let (start, end) = range
        .split_once('-')
        .ok_or_else(|| format!("{range:?} is not a time range (expected HH:MM-HH:MM)"))?;
    let (start, end) = (parse_clock(start)?, parse_clock(end)?);
    if end <= start {
        return Err(format!(
            "{range:?} ends before it starts (split hours past midnight over two days)"
        ));
    }
    Ok((start, end))
}

fn parse_clock(clock: &str) -> Result<u16, String> {
    let bad = || format!("{clock:?} is not a time (expected HH:MM, 00:00 to 24:00)");
    let (h, m) = clock.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tz: &str, hours: &[&str], holidays: &[&str]) -> CalendarSpec {
        CalendarSpec {
            tz: tz.into(),
            hours: hours.iter().map(|s| s.to_string()).collect(),
            holidays: holidays.iter().map(|s| s.to_string()).collect(),
            countries: vec![],
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn new_york() -> WeeklyCalendar {
        WeeklyCalendar::from_spec(&spec(
            "America/New_York",
            &["mon-fri 09:00-12:00 13:00-17:00"],
            &["2026-03-09"],
        ))
        .unwrap()
    }

    #[test]
    fn open_inside_local_hours_only() {
        let cal = new_york();
        // Tuesday 2026-03-10 10:00 EDT (DST began on the 8th).
        assert!(cal.is_open(ts("2026-03-10T14:00:00Z")));
        assert!(!cal.is_open(ts("2026-03-10T16:30:00Z")), "lunch break");
        assert!(!cal.is_open(ts("2026-03-10T21:00:00Z")), "17:00 is closed");
        assert!(!cal.is_open(ts("2026-03-07T15:00:00Z")), "Saturday");
    }

    #[test]
    fn holidays_are_local_dates() {
        let cal = new_york();
        // 2026-03-10T03:00Z is still the 9th in New York.
        assert!(cal.is_holiday(ts("2026-03-10T03:00:00Z")));
        assert!(!cal.is_holiday(ts("2026-03-10T05:00:00Z")));
        assert!(!cal.is_open(ts("2026-03-09T14:00:00Z")));
    }

    #[test]
    fn next_open_skips_weekend_and_holiday_across_dst() {
        let cal = new_york();
        // Saturday night EST -> Monday is a holiday -> Tuesday 09:00 EDT = 13:00Z.
        assert_eq!(
            cal.next_open(ts("2026-03-07T23:00:00Z")),
            Some(ts("2026-03-10T13:00:00Z"))
        );
        // During lunch -> 13:00 local the same day.
        assert_eq!(
            cal.next_open(ts("2026-03-10T16:30:00Z")),
            Some(ts("2026-03-10T17:00:00Z"))
        );
        let open = ts("2026-03-10T14:00:00Z");
        assert_eq!(cal.next_open(open), Some(open));
    }

    #[test]
    fn a_calendar_without_hours_never_opens() {
        let cal = WeeklyCalendar::from_spec(&spec("UTC", &[], &[])).unwrap();
        assert_eq!(cal.next_open(ts("2026-03-10T14:00:00Z")), None);
    }

    #[test]
    fn day_lists_and_wrapping_ranges() {
        let cal = WeeklyCalendar::from_spec(&spec(
            "UTC",
            &["fri-mon 10:00-11:00", "wed,thu 00:00-24:00"],
            &[],
        ))
        .unwrap();
        assert!(cal.is_open(ts("2026-03-08T10:30:00Z")), "Sunday");
        assert!(cal.is_open(ts("2026-03-09T10:30:00Z")), "Monday");
        assert!(!cal.is_open(ts("2026-03-10T10:30:00Z")), "Tuesday");
        assert!(
            cal.is_open(ts("2026-03-11T23:59:00Z")),
            "Wednesday to midnight"
        );
    }

    #[test]
    fn bad_specs_name_the_bad_part() {
        let err = |s: CalendarSpec| WeeklyCalendar::from_spec(&s).unwrap_err().to_string();
        assert!(err(spec("Mars/Olympus", &[], &[])).contains("Mars/Olympus"));
        assert!(err(spec("UTC", &["mon-fri"], &[])).contains("hours[0]"));
        assert!(err(spec("UTC", &["xyz 09:00-10:00"], &[])).contains("unknown day"));
        assert!(err(spec("UTC", &["mon 17:00-09:00"], &[])).contains("ends before"));
        assert!(err(spec("UTC", &["mon 9-17"], &[])).contains("not a time"));
        assert!(err(spec("UTC", &["mon 09:00-24:30"], &[])).contains("not a time"));
        assert!(err(spec("UTC", &[], &["2026-02-30"])).contains("holidays[0]"));
        let mut with_countries = spec("UTC", &[], &[]);
        with_countries.countries = vec!["US".into()];
        assert!(err(with_countries).contains("countries"));
    }
}
