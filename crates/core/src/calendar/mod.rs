//! Business calendars: the hours and holidays a client (or member) keeps, in their own zone.
//!
//! [`CalendarSpec`] is the stored, human-written form; [`CalendarSpec::compile`] checks it and
//! builds a [`Calendar`], which answers the questions SLA clocks, mail scheduling and quiet-hours
//! checks ask: add business minutes, count them, is it open now, when does it open next.
//!
//! Business time is the real time that passes while the zone's wall clock is inside one of the
//! weekly ranges, on a day that is not a holiday. A range belongs to the day it starts on (a
//! holiday on Friday removes "fri 22:00-02:00" entirely). When clocks spring forward inside a range
//! it is shorter by the gap; when they fall back across the whole repeated hour it is longer by the
//! fold. A range that opens inside the repeated hour ("01:30-09:00" on the night New York falls
//! back from 02:00 to 01:00) does not count the first pass through 01:00-01:30: the wall clock
//! there is before the range opens (see `clock.rs` and `intervals.rs`).

mod arith;
mod clock;
mod days;
mod error;
mod holidays;
mod hours;
mod intervals;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub use error::{CalendarError, CalendarPart, HoursProblem};
pub use holidays::{COUNTRY_HOLIDAY_YEARS, Holiday, SUPPORTED_COUNTRIES, country_holidays};

use hours::Week;

/// The persisted, human-editable form of a calendar. It is what clients and members store and
/// what the API accepts; it must be compiled before any arithmetic is done with it.
///
/// * `tz`: an IANA zone name such as `America/New_York`.
/// * `hours`: weekly hours, one spec per entry, e.g. `"mon-fri 09:00-17:00"`, `"sat 10:00-12:00"`.
///   Grammar: `<days> <ranges>`; days are `mon`..`sun` (or full names), ranges of days (`mon-fri`,
///   wrapping allowed: `sun-thu`) and lists (`mon-wed,fri`); ranges are one or more `HH:MM-HH:MM`
///   separated by commas or spaces. `22:00-02:00` crosses midnight; `24:00` is allowed as an end.
///   Ranges may touch but not overlap, within a spec or across specs.
/// * `holidays`: explicit dates (`YYYY-MM-DD`) with no business time.
/// * `countries`: ISO 3166-1 alpha-2 codes whose public holidays apply (e.g. `"US"`); see
///   [`SUPPORTED_COUNTRIES`] and [`COUNTRY_HOLIDAY_YEARS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"tz": "Europe/London", "hours": ["mon-fri 09:00-17:30"], "holidays": ["2030-12-24"], "countries": ["GB"]})))]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    pub tz: String,
    #[serde(default)]
    pub hours: Vec<String>,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
}

impl CalendarSpec {
    /// A weekday 09:00-17:00 calendar in `tz`: the default for a new client or member.
    pub fn office_hours(tz: &str) -> Self {
        CalendarSpec {
            tz: tz.to_string(),
            hours: vec!["mon-fri 09:00-17:00".to_string()],
            holidays: Vec::new(),
            countries: Vec::new(),
        }
    }

    /// Check every part (zone, hours, holiday dates, country codes) and build the calendar. The
    /// first problem found is returned; its message quotes the bad part.
    pub fn compile(&self) -> Result<Calendar, CalendarError> {
        let tz = TimeZone::get(&self.tz).map_err(|_| CalendarError::UnknownZone {
            tz: self.tz.clone(),
        })?;
        let week = Week::compile(&self.hours)?;
        let holidays = holidays::collect(&self.holidays, &self.countries)?;
        Ok(Calendar {
            spec: self.clone(),
            tz,
            week,
            holidays,
        })
    }
}

/// A compiled calendar: cheap to share, immutable, and safe to use from many threads.
#[derive(Debug, Clone)]
pub struct Calendar {
    spec: CalendarSpec,
    tz: TimeZone,
    week: Week,
    /// Local day numbers (see `days.rs`), sorted and distinct.
    holidays: Vec<i64>,
}

impl Calendar {
    /// The spec this calendar was compiled from.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    pub fn zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Business minutes in a week without holidays or clock changes.
    pub fn weekly_minutes(&self) -> i64 {
        self.week.seconds() / 60
    }

    /// The largest count [`Calendar::add_business_minutes`] accepts: ten years (3,653 days) of this
    /// calendar's weekly hours. Anything larger is a mistake, not a deadline.
    pub fn max_add_minutes(&self) -> i64 {
        self.weekly_minutes() * 3653 / 7
    }

    /// Whether `date` (in the calendar's zone) is a holiday, explicit or from a country set.
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&days::from_date(date)).is_ok()
    }
}

#[cfg(test)]
mod tests;
