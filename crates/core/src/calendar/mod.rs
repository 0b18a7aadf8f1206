//! Business calendars: the hours and holidays a client (or member) keeps, in their own zone.

use serde::{Deserialize, Serialize};

/// The persisted, human-editable form of a calendar. It is what clients and members store and
/// what the API accepts; it must be compiled before any arithmetic is done with it.
///
/// * `tz`: an IANA zone name such as `America/New_York`.
/// * `hours`: weekly hours, one spec per entry, e.g. `"mon-fri 09:00-17:00"`, `"sat 10:00-12:00"`.
/// * `holidays`: explicit dates (`YYYY-MM-DD`) with no business time.
/// * `countries`: ISO 3166-1 alpha-2 codes whose public holidays apply (e.g. `"US"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}
