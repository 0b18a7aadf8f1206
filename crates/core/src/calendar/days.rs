//! Local days as plain integers: day 0 is 1970-01-01 on the wall clock of whatever zone is in use.
//!
//! The arithmetic loops step through days, look up weekdays and compare against holidays millions
//! of times; integers make each of those a couple of instructions instead of a civil-date call.

use jiff::civil::{Date, DateTime};

use super::hours::DAY;

/// Day number of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) const fn from_ymd(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`from_ymd`].
pub(crate) fn to_ymd(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(crate) fn from_date(date: Date) -> i64 {
    from_ymd(
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    )
}

/// Monday = 0. Day 0 was a Thursday.
#[inline]
pub(crate) fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// The civil date-time of a wall-clock second count, if jiff can represent it.
pub(crate) fn wall_to_datetime(wall: i64) -> Option<DateTime> {
    let (y, m, d) = to_ymd(wall.div_euclid(DAY));
    let secs = wall.rem_euclid(DAY);
    DateTime::new(
        i16::try_from(y).ok()?,
        m as i8,
        d as i8,
        (secs / 3600) as i8,
        (secs / 60 % 60) as i8,
        (secs % 60) as i8,
        0,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(from_ymd(1970, 1, 1), 0);
        assert_eq!(from_ymd(2000, 3, 1), 11_017);
        assert_eq!(to_ymd(-1), (1969, 12, 31));
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
    }

    proptest! {
        #[test]
        fn agrees_with_jiff(days in -3_000_000i64..2_900_000) {
            let (y, m, d) = to_ymd(days);
            let jd = date(y as i16, m as i8, d as i8);
            prop_assert_eq!(from_date(jd), days);
            let jiff_weekday = jd.weekday().to_monday_zero_offset() as usize;
            prop_assert_eq!(weekday(days), jiff_weekday);
            let next = jd.tomorrow().unwrap_or(jd);
            if next != jd {
                prop_assert_eq!(from_date(next), days + 1);
            }
        }

        #[test]
        fn wall_to_datetime_round_trips(wall in -300_000_000_000i64..250_000_000_000) {
            let dt = wall_to_datetime(wall).expect("in jiff's range");
            let back = jiff::tz::Offset::UTC.to_timestamp(dt).unwrap().as_second();
            prop_assert_eq!(back, wall);
        }
    }
}
