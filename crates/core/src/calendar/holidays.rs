//! Holidays: explicit dates from the spec and the national sets shipped in `data/holidays.tsv`.
//!
//! The country sets are generated from python-holidays (see `data/HOLIDAYS.md`); they cover
//! [`COUNTRY_HOLIDAY_YEARS`] only. Outside those years a country contributes no holidays: the
//! calendar then behaves as if none were known, which is the honest reading of the data we have.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use jiff::civil::Date;

use super::days;
use super::error::CalendarError;

/// The years for which country holiday sets are known.
pub const COUNTRY_HOLIDAY_YEARS: RangeInclusive<i16> = 2024..=2032;

/// Countries with a shipped holiday set (ISO 3166-1 alpha-2), sorted.
pub const SUPPORTED_COUNTRIES: &[&str] =
    &["AU", "CA", "DE", "FR", "GB", "IN", "JP", "NL", "SG", "US"];

const DATA: &str = include_str!("../../data/holidays.tsv");

/// One public holiday of a country set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    /// The English name given by the source; several observances on one date are joined by "; ".
    pub name: &'static str,
}

static TABLE: LazyLock<HashMap<&'static str, Vec<Holiday>>> = LazyLock::new(|| {
    // The data ships with the crate and a unit test parses it, so a failure here is a build defect.
    parse_table(DATA).unwrap_or_else(|line| panic!("data/holidays.tsv: bad line {line:?}"))
});

fn parse_table(text: &'static str) -> Result<HashMap<&'static str, Vec<Holiday>>, &'static str> {
    let mut table: HashMap<&'static str, Vec<Holiday>> = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut fields = line.split('\t');
        let (Some(country), Some(date), Some(name), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(line);
        };
        let date = parse_date(date).map_err(|_| line)?;
        table
            .entry(country)
            .or_default()
            .push(Holiday { date, name });
    }
    for list in table.values_mut() {
        list.sort_by_key(|h| h.date);
    }
    Ok(table)
}

/// The shipped holiday set of `code` (case-insensitive), sorted by date.
pub fn country_holidays(code: &str) -> Result<&'static [Holiday], CalendarError> {
    let upper = code.to_ascii_uppercase();
    SUPPORTED_COUNTRIES
        .iter()
        .find(|c| **c == upper)
        .map(|c| TABLE.get(c).map_or(&[][..], Vec::as_slice))
        .ok_or_else(|| CalendarError::UnknownCountry {
            code: code.to_string(),
            supported: SUPPORTED_COUNTRIES,
        })
}

/// Parse an explicit holiday: exactly `YYYY-MM-DD`, a real calendar date.
pub(crate) fn parse_holiday(value: &str) -> Result<Date, CalendarError> {
    parse_date(value).map_err(|problem| CalendarError::Holiday {
        value: value.to_string(),
        problem,
    })
}

fn parse_date(text: &str) -> Result<Date, &'static str> {
    const SHAPE: &str = "expected a date as YYYY-MM-DD";
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0i16, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i16::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(SHAPE);
    }
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(SHAPE);
    };
    Date::new(y, m as i8, d as i8).map_err(|_| "not a calendar date")
}

/// All holiday dates of a calendar as sorted, distinct local day numbers.
pub(crate) fn collect<S: AsRef<str>>(
    explicit: &[S],
    countries: &[S],
) -> Result<Vec<i64>, CalendarError> {
    let mut out = Vec::new();
    for value in explicit {
        out.push(days::from_date(parse_holiday(value.as_ref())?));
    }
    for code in countries {
        out.extend(
            country_holidays(code.as_ref())?
                .iter()
                .map(|h| days::from_date(h.date)),
        );
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn shipped_data_parses_and_covers_every_country_and_year() {
        let table = parse_table(DATA).expect("shipped data parses");
        let mut countries: Vec<_> = table.keys().copied().collect();
        countries.sort_unstable();
        assert_eq!(countries, SUPPORTED_COUNTRIES);
        for (country, list) in &table {
            for year in COUNTRY_HOLIDAY_YEARS {
                let n = list.iter().filter(|h| h.date.year() == year).count();
                // Every one of these countries keeps at least New Year and Christmas or their own
                // national days; far fewer than 4 in a year would mean a broken generation.
                assert!(n >= 4, "{country} {year}: only {n} holidays");
            }
            assert!(
                list.iter()
                    .all(|h| COUNTRY_HOLIDAY_YEARS.contains(&h.date.year()))
            );
            assert!(
                list.windows(2).all(|w| w[0].date < w[1].date),
                "{country}: dates not distinct"
            );
        }
    }

    #[test]
    fn known_holidays_are_present() {
        let us = country_holidays("US").unwrap();
        assert!(
            us.iter()
                .any(|h| h.date == date(2026, 11, 26) && h.name.contains("Thanksgiving"))
        );
        let gb = country_holidays("gb").unwrap();
        assert!(
            gb.iter().any(|h| h.date == date(2026, 12, 28)),
            "Boxing Day observed on Monday"
        );
        let jp = country_holidays("JP").unwrap();
        assert!(jp.iter().any(|h| h.date == date(2030, 1, 1)));
    }

    #[test]
    fn unknown_country_lists_the_supported_ones() {
        let err = country_holidays("XX").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"XX\""), "{msg}");
        assert!(
            msg.contains("AU, CA, DE, FR, GB, IN, JP, NL, SG, US"),
            "{msg}"
        );
    }

    #[test]
    fn explicit_holidays_must_be_iso_dates() {
        assert_eq!(parse_holiday("2026-12-25").unwrap(), date(2026, 12, 25));
        for bad in [
            "12/25/2026",
            "2026-12-5",
            "2026/12/25",
            "20261225",
            "2026-12-25T00:00",
            " 2026-12-25",
        ] {
            let err = parse_holiday(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("holiday {bad:?}: expected a date as YYYY-MM-DD")
            );
        }
        let err = parse_holiday("2026-02-30").unwrap_err();
        assert_eq!(
            err.to_string(),
            "holiday \"2026-02-30\": not a calendar date"
        );
    }

    #[test]
    fn collect_merges_and_deduplicates() {
        let days = collect(&["2026-12-25", "2026-12-24"], &["US"]).unwrap();
        assert!(days.windows(2).all(|w| w[0] < w[1]));
        let christmas = days::from_date(date(2026, 12, 25));
        assert_eq!(days.iter().filter(|d| **d == christmas).count(), 1);
        assert!(days.contains(&days::from_date(date(2026, 12, 24))));
    }
}
