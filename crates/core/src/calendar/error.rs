//! Everything that can be wrong with a calendar or a request made of it.

use thiserror::Error;

/// Why a [`CalendarSpec`](super::CalendarSpec) does not compile, or why a computation on a
/// compiled [`Calendar`](super::Calendar) was refused. Each message names the bad part, quoted as
/// the caller wrote it, so it can be shown to whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("time zone {tz:?}: not a known IANA zone name (e.g. \"America/New_York\")")]
    UnknownZone { tz: String },

    #[error("hours {spec:?}: {problem}")]
    Hours { spec: String, problem: HoursProblem },

    #[error("{}", overlap_message(.first, .first_range, .second, .second_range, .day))]
    Overlap {
        first: String,
        first_range: String,
        second: String,
        second_range: String,
        day: &'static str,
    },

    #[error(
        "hours: the week has no business time; give at least one spec such as \"mon-fri 09:00-17:00\""
    )]
    EmptyWeek,

    #[error("holiday {value:?}: {problem}")]
    Holiday {
        value: String,
        problem: &'static str,
    },

    #[error("country {code:?}: no holiday set; supported: {}", .supported.join(", "))]
    UnknownCountry {
        code: String,
        supported: &'static [&'static str],
    },

    #[error("minutes must be greater than 0, got {minutes}")]
    MinutesNotPositive { minutes: i64 },

    #[error("minutes {minutes} exceed 10 years of this calendar's business time (at most {max})")]
    MinutesTooLarge { minutes: i64, max: i64 },

    #[error("the result falls outside the supported range of instants (years -9999 to 9999)")]
    OutOfRange,
}

/// What is wrong inside one hours spec.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HoursProblem {
    #[error("expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-17:00\"")]
    Shape,
    #[error(
        "unknown day {0:?}; use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or a list such as sat,sun"
    )]
    UnknownDay(String),
    #[error("{0} is listed twice")]
    DayTwice(&'static str),
    #[error("expected HH:MM-HH:MM, got {0:?}")]
    Range(String),
    #[error("{0:?} is not a time of day (00:00 to 23:59, or 24:00 as an end)")]
    Time(String),
    #[error(
        "{0:?} is empty; a range needs an end different from its start (00:00-24:00 is a whole day)"
    )]
    EmptyRange(String),
}

/// Which part of a spec an error is about, so an adapter can point at its own field or flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarPart {
    Zone,
    Hours,
    Holidays,
    Countries,
    Minutes,
    Instant,
}

impl CalendarError {
    pub fn part(&self) -> CalendarPart {
        match self {
            CalendarError::UnknownZone { .. } => CalendarPart::Zone,
            CalendarError::Hours { .. }
            | CalendarError::Overlap { .. }
            | CalendarError::EmptyWeek => CalendarPart::Hours,
            CalendarError::Holiday { .. } => CalendarPart::Holidays,
            CalendarError::UnknownCountry { .. } => CalendarPart::Countries,
            CalendarError::MinutesNotPositive { .. } | CalendarError::MinutesTooLarge { .. } => {
                CalendarPart::Minutes
            }
            CalendarError::OutOfRange => CalendarPart::Instant,
        }
    }
}

fn overlap_message(
    first: &str,
    first_range: &str,
    second: &str,
    second_range: &str,
    day: &str,
) -> String {
    if first == second {
        format!("hours {first:?}: {first_range} and {second_range} overlap on {day}")
    } else {
        format!(
            "hours {first:?} and {second:?} overlap on {day} ({first_range} and {second_range})"
        )
    }
}
