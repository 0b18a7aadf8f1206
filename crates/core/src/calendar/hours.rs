//! Weekly hours: parsing `"<days> <ranges>"` specs and the compiled week they make.
//!
//! A range belongs to the day it starts on, so `"fri 22:00-02:00"` runs from Friday 22:00 to
//! Saturday 02:00, and a holiday on Friday removes all of it while a holiday on Saturday does not.

use super::error::{CalendarError, HoursProblem};

pub(crate) const DAY: i64 = 86_400;
pub(crate) const WEEK: i64 = 7 * DAY;

pub(crate) const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const FULL_DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One business range, in wall-clock seconds from midnight of the day that owns it. `end` is past
/// `start` and at most a day later; past `DAY` it runs into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: i64,
    pub end: i64,
}

/// The compiled week: for each weekday (Monday = 0) its ranges, sorted and disjoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Week {
    ranges: Vec<Range>,
    /// `ranges[first[d]..first[d + 1]]` are the ranges owned by weekday `d`.
    first: [usize; 8],
    seconds: i64,
}

impl Week {
    /// Compile specs into a week, refusing bad syntax, overlaps (also between specs and across
    /// midnight) and a week with no business time.
    pub fn compile<S: AsRef<str>>(specs: &[S]) -> Result<Week, CalendarError> {
        let mut owned: Vec<Owned> = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            let spec = spec.as_ref();
            let parsed = parse_spec(spec).map_err(|problem| CalendarError::Hours {
                spec: spec.to_string(),
                problem,
            })?;
            for day in parsed.days {
                for &(range, text) in &parsed.ranges {
                    owned.push(Owned {
                        spec: index,
                        day,
                        range,
                        text,
                    });
                }
            }
        }
        if owned.is_empty() {
            return Err(CalendarError::EmptyWeek);
        }
        check_overlaps(specs, &owned)?;

        let mut ranges: Vec<Range> = Vec::with_capacity(owned.len());
        let mut first = [0usize; 8];
        for day in 0..7 {
            first[day] = ranges.len();
            let mut today: Vec<Range> = owned
                .iter()
                .filter(|o| o.day == day)
                .map(|o| o.range)
                .collect();
            today.sort_by_key(|r| r.start);
            for r in today {
                // Touching ranges of one day are one stretch of work; joining them keeps the
                // arithmetic loops short. Ranges of different days stay apart because a holiday
                // removes one day's ranges but not the next day's.
                match ranges[first[day]..].last_mut() {
                    Some(last) if last.end == r.start => last.end = r.end,
                    _ => ranges.push(r),
                }
            }
        }
        first[7] = ranges.len();
        let seconds = ranges.iter().map(|r| r.end - r.start).sum();
        Ok(Week {
            ranges,
            first,
            seconds,
        })
    }

    /// The ranges owned by `weekday` (Monday = 0).
    #[inline]
    pub fn day(&self, weekday: usize) -> &[Range] {
        &self.ranges[self.first[weekday]..self.first[weekday + 1]]
    }

    /// Business seconds in a week with no holidays and no offset change.
    #[inline]
    pub fn seconds(&self) -> i64 {
        self.seconds
    }
}

#[derive(Debug, Clone, Copy)]
struct Owned<'a> {
    spec: usize,
    day: usize,
    range: Range,
    text: &'a str,
}

struct ParsedSpec<'a> {
    days: Vec<usize>,
    ranges: Vec<(Range, &'a str)>,
}

fn parse_spec(spec: &str) -> Result<ParsedSpec<'_>, HoursProblem> {
    let spec = spec.trim();
    let (days, rest) = spec
        .split_once(char::is_whitespace)
        .ok_or(HoursProblem::Shape)?;
    let days = parse_days(days)?;
    let mut ranges = Vec::new();
    for text in rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        ranges.push((parse_range(text)?, text));
    }
    if ranges.is_empty() {
        return Err(HoursProblem::Shape);
    }
    Ok(ParsedSpec { days, ranges })
}

fn parse_days(text: &str) -> Result<Vec<usize>, HoursProblem> {
    let mut seen = [false; 7];
    let mut days = Vec::new();
    for item in text.split(',') {
        let (from, to) = match item.split_once('-') {
            Some((a, b)) => (parse_day(a)?, parse_day(b)?),
            None => {
                let d = parse_day(item)?;
                (d, d)
            }
        };
        // A range may wrap past Sunday (`sun-thu`), as working weeks do in much of the world.
        let count = (to + 7 - from) % 7 + 1;
        for step in 0..count {
            let day = (from + step) % 7;
            if seen[day] {
                return Err(HoursProblem::DayTwice(DAY_NAMES[day]));
            }
            seen[day] = true;
            days.push(day);
        }
    }
    Ok(days)
}

fn parse_day(text: &str) -> Result<usize, HoursProblem> {
    let lower = text.to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|d| *d == lower)
        .or_else(|| FULL_DAY_NAMES.iter().position(|d| *d == lower))
        .ok_or_else(|| HoursProblem::UnknownDay(text.to_string()))
}

fn parse_range(text: &str) -> Result<Range, HoursProblem> {
    let bad_shape = || HoursProblem::Range(text.to_string());
    let (a, b) = text.split_once('-').ok_or_else(bad_shape)?;
    let start = parse_time(a).ok_or_else(bad_shape)?;
    let end = parse_time(b).ok_or_else(bad_shape)?;
    if start >= 24 * 60 {
        return Err(HoursProblem::Time(a.to_string()));
    }
    if end > 24 * 60 {
        return Err(HoursProblem::Time(b.to_string()));
    }
    let (start, mut end) = (start * 60, end * 60);
    if end == start {
        return Err(HoursProblem::EmptyRange(text.to_string()));
    }
    if end < start {
        end += DAY;
    }
    Ok(Range { start, end })
}

/// Minutes since midnight of `HH:MM` with exactly two digits each, or `i64::MAX` when the minute
/// field is past 59. Values are checked by the caller so that a well-formed but impossible time
/// ("25:00") gets its own message.
fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let digit = |i: usize| b[i].is_ascii_digit().then(|| i64::from(b[i] - b'0'));
    let hour = digit(0)? * 10 + digit(1)?;
    let minute = digit(3)? * 10 + digit(4)?;
    if minute > 59 {
        return Some(i64::MAX);
    }
    Some(hour * 60 + minute)
}

/// Find two ranges that share any instant of the (wrapping) week and name both.
fn check_overlaps<S: AsRef<str>>(specs: &[S], owned: &[Owned<'_>]) -> Result<(), CalendarError> {
    // Each range laid on the week, split where it wraps from Sunday into Monday.
    let mut pieces: Vec<(i64, i64, usize)> = Vec::with_capacity(owned.len() + 1);
    for (i, o) in owned.iter().enumerate() {
        let start = o.day as i64 * DAY + o.range.start;
        let end = o.day as i64 * DAY + o.range.end;
        if end > WEEK {
            pieces.push((start, WEEK, i));
            pieces.push((0, end - WEEK, i));
        } else {
            pieces.push((start, end, i));
        }
    }
    pieces.sort_unstable();
    let mut reach: Option<(i64, usize)> = None;
    for &(start, end, i) in &pieces {
        if let Some((reach_end, j)) = reach
            && start < reach_end
        {
            let (a, b) = (&owned[j], &owned[i]);
            let spec_text = |o: &Owned<'_>| specs[o.spec].as_ref().to_string();
            return Err(CalendarError::Overlap {
                first: spec_text(a),
                first_range: a.text.to_string(),
                second: spec_text(b),
                second_range: b.text.to_string(),
                day: DAY_NAMES[(start / DAY) as usize],
            });
        }
        if reach.is_none_or(|(reach_end, _)| end > reach_end) {
            reach = Some((end, i));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn week(specs: &[&str]) -> Week {
        Week::compile(specs).unwrap()
    }

    fn err(specs: &[&str]) -> String {
        Week::compile(specs).unwrap_err().to_string()
    }

    fn hm(h: i64, m: i64) -> i64 {
        h * 3600 + m * 60
    }

    #[test]
    fn day_lists_and_ranges() {
        let w = week(&["mon-wed,fri 09:00-12:00,13:00-17:00", "SAT 10:00-12:00"]);
        for d in [0, 1, 2, 4] {
            assert_eq!(
                w.day(d),
                &[
                    Range {
                        start: hm(9, 0),
                        end: hm(12, 0)
                    },
                    Range {
                        start: hm(13, 0),
                        end: hm(17, 0)
                    }
                ]
            );
        }
        assert!(w.day(3).is_empty());
        assert_eq!(
            w.day(5),
            &[Range {
                start: hm(10, 0),
                end: hm(12, 0)
            }]
        );
        assert!(w.day(6).is_empty());
        assert_eq!(w.seconds(), 4 * hm(7, 0) + hm(2, 0));
    }

    #[test]
    fn day_ranges_wrap_and_full_names_are_accepted() {
        let w = week(&["sun-tue 08:00-09:00", "Thursday 08:00-09:00"]);
        let with_hours: Vec<usize> = (0..7).filter(|d| !w.day(*d).is_empty()).collect();
        assert_eq!(with_hours, vec![0, 1, 3, 6]);
    }

    #[test]
    fn ranges_may_be_separated_by_spaces_or_commas() {
        let a = week(&["mon 09:00-10:00 11:00-12:00"]);
        let b = week(&["mon 09:00-10:00, 11:00-12:00"]);
        let c = week(&["  mon   09:00-10:00,11:00-12:00  "]);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.day(0).len(), 2);
    }

    #[test]
    fn midnight_crossing_and_end_of_day() {
        let w = week(&["fri 22:00-02:00", "sat 02:00-24:00", "sun 12:00-00:00"]);
        assert_eq!(
            w.day(4),
            &[Range {
                start: hm(22, 0),
                end: DAY + hm(2, 0)
            }]
        );
        assert_eq!(
            w.day(5),
            &[Range {
                start: hm(2, 0),
                end: DAY
            }]
        );
        assert_eq!(
            w.day(6),
            &[Range {
                start: hm(12, 0),
                end: DAY
            }],
            "00:00 as an end is midnight"
        );
        assert_eq!(w.seconds(), hm(4, 0) + hm(22, 0) + hm(12, 0));
        assert_eq!(
            err(&["fri 22:00-02:00", "sat 01:00-24:00"]),
            "hours \"fri 22:00-02:00\" and \"sat 01:00-24:00\" overlap on sat (22:00-02:00 and 01:00-24:00)"
        );
    }

    #[test]
    fn touching_ranges_are_fine_and_join_within_a_day() {
        let w = week(&[
            "mon 09:00-12:00",
            "mon 12:00-17:00",
            "mon 17:00-24:00",
            "tue 00:00-01:00",
        ]);
        assert_eq!(
            w.day(0),
            &[Range {
                start: hm(9, 0),
                end: DAY
            }]
        );
        assert_eq!(
            w.day(1),
            &[Range {
                start: 0,
                end: hm(1, 0)
            }],
            "days stay apart for holidays"
        );
        let whole = week(&["mon-sun 00:00-24:00"]);
        assert_eq!(whole.seconds(), WEEK);
    }

    #[test]
    fn overlaps_are_named() {
        assert_eq!(
            err(&["mon 09:00-12:00,11:00-13:00"]),
            "hours \"mon 09:00-12:00,11:00-13:00\": 09:00-12:00 and 11:00-13:00 overlap on mon"
        );
        assert_eq!(
            err(&["mon-fri 09:00-17:00", "wed 16:00-18:00"]),
            "hours \"mon-fri 09:00-17:00\" and \"wed 16:00-18:00\" overlap on wed (09:00-17:00 and 16:00-18:00)"
        );
        // Sunday night runs into Monday morning.
        assert_eq!(
            err(&["mon 00:30-08:00", "sun 23:00-01:00"]),
            "hours \"sun 23:00-01:00\" and \"mon 00:30-08:00\" overlap on mon (23:00-01:00 and 00:30-08:00)"
        );
        // One spec can overlap itself across midnight.
        assert_eq!(
            err(&["mon-tue 12:00-13:00, 23:00-12:30"]),
            "hours \"mon-tue 12:00-13:00, 23:00-12:30\": 23:00-12:30 and 12:00-13:00 overlap on tue"
        );
        // 23 hours a day, every day, leaves an hour between: no overlap.
        assert_eq!(week(&["mon-sun 10:00-09:00"]).seconds(), 7 * hm(23, 0));
    }

    #[test]
    fn bad_specs_name_the_problem() {
        let cases = [
            (
                "mon-fri 9-5",
                "hours \"mon-fri 9-5\": expected HH:MM-HH:MM, got \"9-5\"",
            ),
            (
                "mon-fri 9:00-17:00",
                "hours \"mon-fri 9:00-17:00\": expected HH:MM-HH:MM, got \"9:00-17:00\"",
            ),
            (
                "mon 09:00",
                "hours \"mon 09:00\": expected HH:MM-HH:MM, got \"09:00\"",
            ),
            (
                "mon 25:00-26:00",
                "hours \"mon 25:00-26:00\": \"25:00\" is not a time of day (00:00 to 23:59, or 24:00 as an end)",
            ),
            (
                "mon 09:00-24:30",
                "hours \"mon 09:00-24:30\": \"24:30\" is not a time of day (00:00 to 23:59, or 24:00 as an end)",
            ),
            (
                "mon 09:60-10:00",
                "hours \"mon 09:60-10:00\": \"09:60\" is not a time of day (00:00 to 23:59, or 24:00 as an end)",
            ),
            (
                "mon 24:00-02:00",
                "hours \"mon 24:00-02:00\": \"24:00\" is not a time of day (00:00 to 23:59, or 24:00 as an end)",
            ),
            (
                "mon 09:00-09:00",
                "hours \"mon 09:00-09:00\": \"09:00-09:00\" is empty; a range needs an end different from its start (00:00-24:00 is a whole day)",
            ),
            (
                "funday 09:00-10:00",
                "hours \"funday 09:00-10:00\": unknown day \"funday\"; use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or a list such as sat,sun",
            ),
            (
                "mon-fri,wed 09:00-10:00",
                "hours \"mon-fri,wed 09:00-10:00\": wed is listed twice",
            ),
            (
                "mon-fri",
                "hours \"mon-fri\": expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-17:00\"",
            ),
            (
                "",
                "hours \"\": expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-17:00\"",
            ),
            (
                "mon- 09:00-10:00",
                "hours \"mon- 09:00-10:00\": unknown day \"\"; use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or a list such as sat,sun",
            ),
        ];
        for (spec, message) in cases {
            assert_eq!(err(&[spec]), message, "{spec}");
        }
        assert_eq!(
            err(&[]),
            "hours: the week has no business time; give at least one spec such as \"mon-fri 09:00-17:00\""
        );
    }

    proptest! {
        /// Ranges cut from one timeline never overlap, so they compile, and the week holds exactly
        /// their total.
        #[test]
        fn disjoint_ranges_compile_to_their_total(cuts in proptest::collection::btree_set(0i64..(7 * 24 * 4), 2..30)) {
            let cuts: Vec<i64> = cuts.into_iter().map(|q| q * 15 * 60).collect();
            let mut specs = Vec::new();
            let mut total = 0;
            for pair in cuts.chunks_exact(2) {
                let (start, end) = (pair[0], pair[1]);
                // A range is at most a day; a whole day from mid-day cannot be written (equal ends).
                if end - start >= DAY {
                    continue;
                }
                let day = DAY_NAMES[(start / DAY) as usize];
                let clock = |s: i64| format!("{:02}:{:02}", s / 3600 % 24, s / 60 % 60);
                specs.push(format!("{day} {}-{}", clock(start), clock(end)));
                total += end - start;
            }
            prop_assume!(!specs.is_empty());
            let week = Week::compile(&specs).unwrap();
            prop_assert_eq!(week.seconds(), total);
        }

        /// Any two ranges sharing a minute are refused, whichever spec and day they come from.
        #[test]
        fn overlapping_ranges_are_refused(a in 0i64..(7 * 96), len_a in 1i64..96, into in 0i64..96, len_b in 1i64..96) {
            // Range B starts inside range A (quarter-hour units on the week, wrapping).
            let into = into % len_a;
            let b = (a + into) % (7 * 96);
            let text = |start: i64, len: i64| {
                let clock = |q: i64| format!("{:02}:{:02}", q % 96 / 4, q % 4 * 15);
                format!("{} {}-{}", DAY_NAMES[(start / 96) as usize], clock(start), clock(start + len))
            };
            let specs = [text(a, len_a), text(b, len_b)];
            let result = Week::compile(&specs);
            let is_overlap = matches!(result, Err(CalendarError::Overlap { .. }));
            prop_assert!(is_overlap, "{:?} -> {:?}", specs, result);
        }
    }
}
