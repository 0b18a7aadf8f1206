//! Absence: leave a member records as a range of days in their own zone. An absent day is a day
//! off in the member's calendar (like a holiday), so capacity, suggested dates and the SLA's
//! routing see it without knowing about absences; promises already made that fall due while the
//! member is away are what a manager must hear about (see [`due_while_away`]).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarSpec;
use crate::ids::MemberId;
use crate::validate::{self, Violations};

/// The longest single absence, in days: anything longer is a change of contract, not leave.
pub const LONGEST_DAYS: i64 = 366;
/// The longest note on an absence ("parental leave", "conference in Lyon").
pub const NOTE_MAX: usize = 200;

/// What a member (or their manager) records.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"starts_on": "2026-12-21", "ends_on": "2026-12-24", "note": "Leave"})))]
#[serde(deny_unknown_fields)]
pub struct NewAbsence {
    /// First day away, `YYYY-MM-DD` in the member's zone.
    pub starts_on: String,
    /// Last day away (inclusive), `YYYY-MM-DD`; on or after `starts_on`, at most 366 days on.
    pub ends_on: String,
    /// Optional, at most 200 characters, one line.
    #[serde(default)]
    pub note: Option<String>,
}

/// A checked [`NewAbsence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceDraft {
    pub starts_on: Date,
    pub ends_on: Date,
    pub note: String,
}

/// A recorded absence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Absence {
    pub id: i64,
    pub member_id: MemberId,
    /// First day away, in the member's zone.
    pub starts_on: Date,
    /// Last day away (inclusive), in the member's zone.
    pub ends_on: Date,
    pub note: String,
    /// Who recorded it: the member or a manager.
    pub created_by: MemberId,
    pub created_at: Timestamp,
}

/// `YYYY-MM-DD` exactly, a real date.
fn day(value: &str) -> Result<Date, String> {
    let v = value.trim();
    let shaped = v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("expected a date as YYYY-MM-DD, got {v:?}"));
    }
    v.parse::<Date>()
        .map_err(|_| format!("{v:?} is not a calendar date"))
}

impl NewAbsence {
    /// Check both dates and the note; every problem names its field.
    pub fn validate(self) -> Result<AbsenceDraft, Violations> {
        let mut v = Violations::new();
        let starts = v.check("starts_on", day(&self.starts_on));
        let ends = v.check("ends_on", day(&self.ends_on));
        let note = match self.note.as_deref().map(str::trim) {
            None | Some("") => Some(String::new()),
            Some(n) => v.check("note", validate::line(n, NOTE_MAX)),
        };
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                v.add("ends_on", format!("must be on or after starts_on ({s})"));
            } else if s
                .until(e)
                .map_or(i64::MAX, |span| i64::from(span.get_days()))
                >= LONGEST_DAYS
            {
                v.add(
                    "ends_on",
                    format!("an absence is at most {LONGEST_DAYS} days long"),
                );
            }
        }
        v.finish(|| AbsenceDraft {
            starts_on: starts.unwrap_or_default(),
            ends_on: ends.unwrap_or_default(),
            note: note.unwrap_or_default(),
        })
    }
}

impl Absence {
    /// Whether the member is away on `day` (a date in their zone).
    pub fn covers(&self, day: Date) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }

    /// Every day of the absence, first to last.
    pub fn days(&self) -> impl Iterator<Item = Date> + '_ {
        let mut next = Some(self.starts_on);
        std::iter::from_fn(move || {
            let d = next.filter(|d| *d <= self.ends_on)?;
            next = d.checked_add(Span::new().days(1)).ok();
            Some(d)
        })
    }

    /// Whether `at` falls on a day of the absence, on the member's clock in `tz`.
    pub fn covers_instant(&self, tz: &TimeZone, at: Timestamp) -> bool {
        self.covers(tz.to_datetime(at).date())
    }
}

/// The member's calendar with their absences as days off: what capacity and suggested dates run
/// on. Days already listed as holidays are not repeated.
pub fn calendar_with(mut spec: CalendarSpec, absences: &[Absence]) -> CalendarSpec {
    for a in absences {
        spec.holidays.extend(a.days().map(|d| d.to_string()));
    }
    spec.holidays.sort();
    spec.holidays.dedup();
    spec
}

/// The absence (if any) the member is in at `now`, on their clock in `tz`.
pub fn away_at<'a>(absences: &'a [Absence], tz: &TimeZone, now: Timestamp) -> Option<&'a Absence> {
    absences.iter().find(|a| a.covers_instant(tz, now))
}

/// Of `due` (an id and a due instant each), the ones due on a day of `absence`, on the
/// member's clock in `tz`: promises the member will not be there to keep.
pub fn due_while_away<T: Copy>(absence: &Absence, tz: &TimeZone, due: &[(T, Timestamp)]) -> Vec<T> {
    due.iter()
        .filter(|(_, at)| absence.covers_instant(tz, *at))
        .map(|(id, _)| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input(s: &str, e: &str) -> NewAbsence {
        NewAbsence {
            starts_on: s.into(),
            ends_on: e.into(),
            note: Some("  Leave ".into()),
        }
    }

    fn absence(s: Date, e: Date) -> Absence {
        Absence {
            id: 1,
            member_id: MemberId(1),
            starts_on: s,
            ends_on: e,
            note: String::new(),
            created_by: MemberId(1),
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_range_of_days_validates_and_trims_the_note() {
        let d = input("2026-12-21", "2026-12-24").validate().unwrap();
        assert_eq!(d.starts_on, date(2026, 12, 21));
        assert_eq!(d.ends_on, date(2026, 12, 24));
        assert_eq!(d.note, "Leave");
        let one = input("2026-12-21", "2026-12-21").validate().unwrap();
        assert_eq!(one.starts_on, one.ends_on);
    }

    #[test]
    fn each_bad_field_is_named() {
        let e = input("21/12/2026", "2026-02-30").validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["starts_on", "ends_on"]);
        let e = input("2026-12-24", "2026-12-21").validate().unwrap_err();
        assert_eq!(e.0[0].field, "ends_on");
        assert!(e.0[0].message.contains("on or after"), "{}", e.0[0].message);
        let e = input("2026-01-01", "2027-01-02").validate().unwrap_err();
        assert!(e.0[0].message.contains("366"), "{}", e.0[0].message);
        assert!(input("2026-01-01", "2026-12-31").validate().is_ok());
        let mut long = input("2026-01-01", "2026-01-01");
        long.note = Some("x".repeat(NOTE_MAX + 1));
        assert_eq!(long.validate().unwrap_err().0[0].field, "note");
    }

    #[test]
    fn absent_days_are_days_off_in_the_calendar() {
        let a = absence(date(2026, 12, 21), date(2026, 12, 23));
        assert_eq!(
            a.days().collect::<Vec<_>>(),
            [date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23)]
        );
        let mut spec = CalendarSpec::office_hours("Europe/London");
        spec.holidays.push("2026-12-22".into());
        let spec = calendar_with(spec, &[a]);
        assert_eq!(spec.holidays, ["2026-12-21", "2026-12-22", "2026-12-23"]);
        let cal = spec.compile().unwrap();
        assert!(cal.is_holiday(date(2026, 12, 21)));
        assert!(!cal.is_holiday(date(2026, 12, 24)));
    }

    #[test]
    fn due_while_away_reads_the_members_clock() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let a = absence(date(2026, 12, 21), date(2026, 12, 22));
        // 03:00 UTC on the 21st is still the 20th in New York; 04:00 UTC on the 23rd is the
        // 22nd there.
        let due: Vec<(i64, Timestamp)> = [
            (1, "2026-12-21T03:00:00Z"),
            (2, "2026-12-21T15:00:00Z"),
            (3, "2026-12-23T04:00:00Z"),
            (4, "2026-12-23T06:00:00Z"),
        ]
        .iter()
        .map(|(id, t)| (*id, t.parse().unwrap()))
        .collect();
        assert_eq!(due_while_away(&a, &tz, &due), [2, 3]);
        let now: Timestamp = "2026-12-22T12:00:00Z".parse().unwrap();
        assert!(away_at(std::slice::from_ref(&a), &tz, now).is_some());
        let later: Timestamp = "2026-12-23T12:00:00Z".parse().unwrap();
        assert!(away_at(&[a], &tz, later).is_none());
    }
}
