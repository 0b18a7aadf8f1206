//! Behaviour of compiled calendars: worked examples, clock changes in several zones, bad input,
//! and properties checked against a brute-force reading of the definition.

use jiff::civil::{Date, DateTime, date};
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::hours::DAY;
use super::*;

fn spec(tz: &str, hours: &[&str], holidays: &[&str], countries: &[&str]) -> CalendarSpec {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    CalendarSpec {
        tz: tz.into(),
        hours: own(hours),
        holidays: own(holidays),
        countries: own(countries),
    }
}

fn cal(tz: &str, hours: &[&str]) -> Calendar {
    spec(tz, hours, &[], &[]).compile().unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The instant a wall-clock time names in the calendar's zone (tests use unambiguous times).
fn at(cal: &Calendar, dt: DateTime) -> Timestamp {
    cal.zone().to_ambiguous_timestamp(dt).unambiguous().unwrap()
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// The first instant of a local day, read straight from the zone: the earlier occurrence where
/// midnight is repeated, the transition where it is skipped.
fn day_start(cal: &Calendar, day: Date) -> Timestamp {
    let dt = day.at(0, 0, 0, 0);
    let tz = cal.zone();
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
            offset.to_timestamp(dt).unwrap()
        }
        AmbiguousOffset::Gap { before, .. } => {
            let past_gap = before.to_timestamp(dt).unwrap() + SignedDuration::from_nanos(1);
            tz.preceding(past_gap).next().unwrap().timestamp()
        }
    }
}

/// Business minutes between the starts of local day `day` and the next.
fn minutes_on(cal: &Calendar, day: Date) -> i64 {
    cal.business_minutes_between(day_start(cal, day), day_start(cal, day.tomorrow().unwrap()))
}

// ----- worked examples -------------------------------------------------------------------------

#[test]
fn issue_example_is_the_same_friday_afternoon() {
    // 2026-03-06 is a Friday; New York is on EST (-05:00) until Sunday 2026-03-08, so 16:30Z is
    // 11:30 local. 240 minutes fit before 17:00 (330 are left), so the deadline is 15:30 EST.
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    let deadline = c
        .add_business_minutes(ts("2026-03-06T16:30:00Z"), 240)
        .unwrap();
    assert_eq!(deadline, ts("2026-03-06T15:30:00-05:00"));
    assert_eq!(
        c.business_minutes_between(ts("2026-03-06T16:30:00Z"), deadline),
        240
    );
}

#[test]
fn friday_evening_crosses_the_weekend_and_the_clock_change() {
    // Friday 16:30 EST: 30 minutes to 17:00, then 210 from Monday 09:00 (EDT since Sunday) to
    // 12:30 EDT. The weekend's lost hour is not business time, so it does not show.
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    let start = ts("2026-03-06T16:30:00-05:00");
    let deadline = c.add_business_minutes(start, 240).unwrap();
    assert_eq!(deadline, ts("2026-03-09T12:30:00-04:00"));
    assert_eq!(c.business_minutes_between(start, deadline), 240);
    assert_eq!(c.business_minutes_between(deadline, start), -240);
}

#[test]
fn seconds_in_the_start_are_kept_and_between_rounds_down() {
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    // 29.5 minutes on Friday, 30.5 on Monday.
    let start = ts("2026-03-06T16:30:30-05:00");
    let deadline = c.add_business_minutes(start, 60).unwrap();
    assert_eq!(deadline, ts("2026-03-09T09:30:30-04:00"));
    assert_eq!(c.business_minutes_between(start, deadline), 60);
    assert_eq!(
        c.business_minutes_between(start, deadline - SignedDuration::from_secs(1)),
        59
    );
    assert_eq!(
        c.business_minutes_between(deadline - SignedDuration::from_secs(1), start),
        -59
    );
    assert_eq!(
        c.business_time_between(start, deadline - SignedDuration::from_secs(1)),
        SignedDuration::from_secs(3599)
    );
    // Nanoseconds too.
    let start = ts("2026-03-04T10:00:00.000000123-05:00");
    assert_eq!(
        c.add_business_minutes(start, 1).unwrap(),
        ts("2026-03-04T10:01:00.000000123-05:00")
    );
}

#[test]
fn a_deadline_that_fills_the_day_ends_at_closing_time() {
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    let deadline = c
        .add_business_minutes(ts("2026-03-06T16:00:00-05:00"), 60)
        .unwrap();
    assert_eq!(deadline, ts("2026-03-06T17:00:00-05:00"));
    assert!(!c.is_open(deadline));
    assert_eq!(
        c.add_business_minutes(ts("2026-03-06T16:00:00-05:00"), 61)
            .unwrap(),
        ts("2026-03-09T09:01:00-04:00")
    );
}

#[test]
fn a_start_outside_business_time_counts_from_the_next_opening() {
    let c = cal(
        "America/New_York",
        &["mon-fri 09:00-17:00", "sat 10:00-12:00"],
    );
    let saturday_evening = ts("2026-03-07T18:00:00-05:00");
    assert_eq!(
        c.next_open(saturday_evening),
        Some(ts("2026-03-09T09:00:00-04:00"))
    );
    assert_eq!(
        c.add_business_minutes(saturday_evening, 60).unwrap(),
        ts("2026-03-09T10:00:00-04:00")
    );
    let saturday_morning = ts("2026-03-07T08:00:00-05:00");
    assert_eq!(
        c.add_business_minutes(saturday_morning, 150).unwrap(),
        ts("2026-03-09T09:30:00-04:00")
    );
}

#[test]
fn is_open_and_next_open_treat_ranges_as_half_open() {
    let c = cal("Europe/London", &["mon-fri 09:00-12:30, 13:30-17:30"]);
    let monday = date(2026, 6, 1);
    assert!(!c.is_open(at(&c, monday.at(8, 59, 59, 999_999_999))));
    assert!(c.is_open(at(&c, monday.at(9, 0, 0, 0))));
    assert!(c.is_open(at(&c, monday.at(12, 29, 59, 0))));
    assert!(!c.is_open(at(&c, monday.at(12, 30, 0, 0))));
    assert_eq!(
        c.next_open(at(&c, monday.at(12, 30, 0, 0))),
        Some(at(&c, monday.at(13, 30, 0, 0)))
    );
    let noon = at(&c, monday.at(12, 0, 0, 0));
    assert_eq!(c.next_open(noon), Some(noon));
    let friday_evening = at(&c, date(2026, 6, 5).at(17, 30, 0, 0));
    assert_eq!(
        c.next_open(friday_evening),
        Some(at(&c, date(2026, 6, 8).at(9, 0, 0, 0)))
    );
    assert_eq!(minutes_on(&c, monday), 210 + 240);
}

// ----- clock changes ---------------------------------------------------------------------------

#[test]
fn new_york_spring_forward_and_fall_back() {
    let c = cal("America/New_York", &["sun 01:00-03:00"]);
    assert_eq!(minutes_on(&c, date(2026, 3, 1)), 120);
    assert_eq!(
        minutes_on(&c, date(2026, 3, 8)),
        60,
        "02:00 EST jumps to 03:00 EDT"
    );
    assert_eq!(
        minutes_on(&c, date(2026, 11, 1)),
        180,
        "02:00 EDT falls back to 01:00 EST"
    );
    // The range ends at the transition on the spring day: 01:00 EST plus 60 minutes is 03:00 EDT.
    let open = ts("2026-03-08T01:00:00-05:00");
    assert_eq!(
        c.add_business_minutes(open, 60).unwrap(),
        ts("2026-03-08T03:00:00-04:00")
    );
    assert_eq!(
        c.add_business_minutes(open, 61).unwrap(),
        ts("2026-03-15T01:01:00-04:00")
    );
    // On the fall day the second 01:xx hour is still inside the range.
    let open = ts("2026-11-01T01:00:00-04:00");
    assert_eq!(
        c.add_business_minutes(open, 90).unwrap(),
        ts("2026-11-01T01:30:00-05:00")
    );
    assert!(c.is_open(ts("2026-11-01T01:59:00-05:00")));
    assert!(!c.is_open(ts("2026-11-01T03:00:00-05:00")));
}

#[test]
fn a_range_inside_the_gap_has_no_time_and_one_across_the_fold_has_more() {
    let c = cal("America/New_York", &["sun 02:00-02:30, 01:00-01:30"]);
    assert_eq!(
        minutes_on(&c, date(2026, 3, 8)),
        30,
        "02:00-02:30 does not exist that night"
    );
    // 01:00-01:30 is shown twice (EDT, then EST after 02:00 EDT falls back); 02:00-02:30 once.
    assert_eq!(minutes_on(&c, date(2026, 11, 1)), 90);
    let c = cal("America/New_York", &["sun 00:30-03:00"]);
    assert_eq!(
        minutes_on(&c, date(2026, 11, 1)),
        210,
        "the repeated hour belongs to a range running across it"
    );
}

#[test]
fn a_range_opening_inside_the_repeated_hour_skips_its_first_pass_before_the_opening() {
    // New York falls back at 02:00 EDT (06:00Z) to 01:00 EST. Wall time is inside 01:30-02:00
    // from 05:30Z to 06:00Z (EDT) and again from 06:30Z to 07:00Z (EST); from 06:00Z to 06:30Z the
    // clock shows 01:00-01:30, before the range opens.
    let c = cal("America/New_York", &["sun 01:30-02:00"]);
    assert_eq!(minutes_on(&c, date(2026, 11, 1)), 60);
    assert!(c.is_open(ts("2026-11-01T05:45:00Z")));
    assert!(
        !c.is_open(ts("2026-11-01T06:15:00Z")),
        "01:15 EST is before the range opens"
    );
    assert_eq!(
        c.next_open(ts("2026-11-01T06:00:00Z")),
        Some(ts("2026-11-01T06:30:00Z"))
    );
    assert_eq!(
        c.add_business_minutes(ts("2026-11-01T05:30:00Z"), 40)
            .unwrap(),
        ts("2026-11-01T06:40:00Z"),
        "30 minutes before the fold, 10 after the clock shows 01:30 again"
    );
    // Opening inside the repeated hour, closing after it: 8.5 hours pass between the first 01:30
    // and 09:00, less the half hour the clock shows 01:00-01:30 again (7.5 on other Sundays).
    let c = cal("America/New_York", &["sun 01:30-09:00"]);
    assert_eq!(minutes_on(&c, date(2026, 11, 1)), 480);
    assert_eq!(minutes_on(&c, date(2026, 10, 25)), 450);
    // Closing inside it: 00:00-01:30 is open until 01:30 EDT and again from 01:00 to 01:30 EST.
    let c = cal("America/New_York", &["sun 00:00-01:30"]);
    assert_eq!(minutes_on(&c, date(2026, 11, 1)), 120);
    assert!(c.is_open(ts("2026-11-01T06:15:00Z")));
    assert!(!c.is_open(ts("2026-11-01T05:45:00Z")));
    // Two ranges inside the repeated hour interleave: each is shown twice, in instant order.
    let c = cal("America/New_York", &["sun 01:00-01:20, 01:40-02:00"]);
    assert_eq!(minutes_on(&c, date(2026, 11, 1)), 80);
    assert_eq!(
        c.add_business_minutes(ts("2026-11-01T05:00:00Z"), 50)
            .unwrap(),
        ts("2026-11-01T06:10:00Z"),
        "01:00-01:20 EDT, 01:40-02:00 EDT, then 01:00-01:10 EST"
    );
}

#[test]
fn london_spring_forward_and_fall_back() {
    let c = cal("Europe/London", &["sun 00:30-02:30"]);
    assert_eq!(minutes_on(&c, date(2026, 3, 22)), 120);
    assert_eq!(
        minutes_on(&c, date(2026, 3, 29)),
        60,
        "01:00 GMT jumps to 02:00 BST"
    );
    assert_eq!(
        minutes_on(&c, date(2026, 10, 25)),
        180,
        "02:00 BST falls back to 01:00 GMT"
    );
    let open = ts("2026-03-29T00:30:00Z");
    assert_eq!(
        c.add_business_minutes(open, 45).unwrap(),
        ts("2026-03-29T02:15:00+01:00")
    );
}

#[test]
fn lord_howe_shifts_by_half_an_hour() {
    // +10:30 standard, +11:00 in summer; the change happens at 02:00 local.
    let c = cal("Australia/Lord_Howe", &["sun 01:00-03:00"]);
    assert_eq!(minutes_on(&c, date(2026, 3, 29)), 120);
    assert_eq!(
        minutes_on(&c, date(2026, 4, 5)),
        150,
        "02:00 falls back to 01:30"
    );
    assert_eq!(
        minutes_on(&c, date(2026, 10, 4)),
        90,
        "02:00 jumps to 02:30"
    );
    let open = ts("2026-10-04T01:00:00+10:30");
    assert_eq!(
        c.add_business_minutes(open, 60).unwrap(),
        ts("2026-10-04T02:30:00+11:00")
    );
    assert_eq!(
        c.add_business_minutes(open, 90).unwrap(),
        ts("2026-10-04T03:00:00+11:00")
    );
}

#[test]
fn kolkata_half_hour_offset_without_dst() {
    let c = cal("Asia/Kolkata", &["mon-fri 09:00-17:00"]);
    let monday_nine = ts("2026-03-02T03:30:00Z");
    assert_eq!(
        c.add_business_minutes(monday_nine, 480).unwrap(),
        ts("2026-03-02T11:30:00Z")
    );
    assert_eq!(
        c.add_business_minutes(monday_nine, 481).unwrap(),
        ts("2026-03-03T03:31:00Z")
    );
    assert_eq!(
        c.business_minutes_between(
            monday_nine,
            monday_nine + SignedDuration::from_hours(24 * 7)
        ),
        2400
    );
}

#[test]
fn santiago_changes_clocks_at_midnight() {
    // Chile falls back from 24:00 to 23:00 on Saturday night and springs forward from 24:00 to
    // 01:00, so the local day boundary itself is repeated or skipped.
    let c = cal("America/Santiago", &["sat 22:00-24:00"]);
    assert_eq!(minutes_on(&c, date(2026, 3, 28)), 120);
    assert_eq!(
        minutes_on(&c, date(2026, 4, 4)),
        180,
        "23:00-24:00 happens twice"
    );
    let c = cal("America/Santiago", &["sat 23:00-01:00"]);
    let saturday = date(2026, 9, 5);
    let from = at(&c, saturday.at(12, 0, 0, 0));
    assert_eq!(
        c.business_minutes_between(from, from + SignedDuration::from_hours(24)),
        60,
        "00:00-01:00 is skipped"
    );
}

#[test]
fn round_the_clock_calendar_is_plain_elapsed_time() {
    let c = cal("America/New_York", &["mon-sun 00:00-24:00"]);
    let start = ts("2026-10-31T22:13:07Z");
    for n in [1, 59, 600, 1440, 100_000] {
        assert_eq!(c.add_business_minutes(start, n).unwrap(), start + mins(n));
    }
    assert_eq!(c.weekly_minutes(), 7 * 1440);
}

// ----- holidays and crossing midnight ----------------------------------------------------------

#[test]
fn country_holidays_are_skipped() {
    let c = spec("America/New_York", &["mon-fri 09:00-17:00"], &[], &["US"])
        .compile()
        .unwrap();
    assert!(c.is_holiday(date(2026, 11, 26)), "Thanksgiving");
    assert!(!c.is_holiday(date(2026, 11, 27)));
    // Wednesday 16:00 + 120 minutes: one hour on Wednesday, Thanksgiving skipped, one on Friday.
    let wednesday = ts("2026-11-25T16:00:00-05:00");
    assert_eq!(
        c.add_business_minutes(wednesday, 120).unwrap(),
        ts("2026-11-27T10:00:00-05:00")
    );
    assert!(!c.is_open(ts("2026-11-26T12:00:00-05:00")));
    // Outside the shipped years a country has no holidays.
    assert!(!c.is_holiday(date(2040, 12, 25)));
    assert!(
        c.is_holiday(date(2032, 12, 24)),
        "Christmas Eve 2032 is the observed Christmas"
    );
}

#[test]
fn explicit_holidays_are_skipped() {
    let c = spec(
        "Europe/London",
        &["mon-fri 09:00-17:00"],
        &["2026-06-02", "2026-06-03"],
        &[],
    )
    .compile()
    .unwrap();
    let monday_four = ts("2026-06-01T16:00:00+01:00");
    assert_eq!(
        c.add_business_minutes(monday_four, 120).unwrap(),
        ts("2026-06-04T10:00:00+01:00")
    );
    assert!(c.is_holiday(date(2026, 6, 3)));
}

#[test]
fn a_range_across_midnight_belongs_to_the_day_it_starts() {
    let hours = ["mon-fri 22:00-02:00"];
    let plain = spec("UTC", &hours, &[], &[]).compile().unwrap();
    let friday = ts("2026-06-05T22:00:00Z");
    assert_eq!(
        plain.add_business_minutes(friday, 240).unwrap(),
        ts("2026-06-06T02:00:00Z")
    );
    // A holiday on Saturday does not touch Friday night's range.
    let saturday_off = spec("UTC", &hours, &["2026-06-06"], &[]).compile().unwrap();
    assert_eq!(
        saturday_off.add_business_minutes(friday, 240).unwrap(),
        ts("2026-06-06T02:00:00Z")
    );
    assert!(saturday_off.is_open(ts("2026-06-06T01:00:00Z")));
    // A holiday on Friday removes all of it, also the part after midnight.
    let friday_off = spec("UTC", &hours, &["2026-06-05"], &[]).compile().unwrap();
    assert!(!friday_off.is_open(ts("2026-06-06T01:00:00Z")));
    assert_eq!(
        friday_off.add_business_minutes(friday, 240).unwrap(),
        ts("2026-06-09T02:00:00Z")
    );
    // Sunday's range runs into Monday: the week wraps.
    let sunday = cal("UTC", &["sun 23:00-01:00"]);
    assert!(sunday.is_open(ts("2026-06-08T00:30:00Z")));
    assert_eq!(sunday.weekly_minutes(), 120);
}

#[test]
fn a_long_run_of_holidays_is_crossed_without_looping_forever() {
    let mut every_day = Vec::new();
    let mut d = date(2026, 1, 1);
    while d.year() < 2030 {
        every_day.push(d.to_string());
        d = d.tomorrow().unwrap();
    }
    let refs: Vec<&str> = every_day.iter().map(String::as_str).collect();
    let c = spec("UTC", &["mon-fri 09:00-17:00"], &refs, &[])
        .compile()
        .unwrap();
    assert_eq!(
        c.next_open(ts("2026-01-01T00:00:00Z")),
        Some(ts("2030-01-01T09:00:00Z"))
    );
    assert_eq!(
        c.add_business_minutes(ts("2026-01-01T00:00:00Z"), 1)
            .unwrap(),
        ts("2030-01-01T09:01:00Z")
    );
    assert_eq!(
        c.business_minutes_between(ts("2026-01-01T00:00:00Z"), ts("2030-01-01T00:00:00Z")),
        0
    );
}

// ----- limits and bad input --------------------------------------------------------------------

#[test]
fn minutes_must_be_positive_and_not_absurd() {
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    let start = ts("2026-03-06T16:30:00Z");
    for bad in [0, -1, i64::MIN] {
        let err = c.add_business_minutes(start, bad).unwrap_err();
        assert_eq!(err, CalendarError::MinutesNotPositive { minutes: bad });
        assert_eq!(
            err.to_string(),
            format!("minutes must be greater than 0, got {bad}")
        );
    }
    let max = c.max_add_minutes();
    assert_eq!(max, 2400 * 3653 / 7);
    let err = c.add_business_minutes(start, max + 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "minutes {} exceed 10 years of this calendar's business time (at most {max})",
            max + 1
        )
    );
    assert!(c.add_business_minutes(start, i64::MAX).is_err());
    // The largest allowed count lands a little over ten years ahead.
    let far = c.add_business_minutes(start, max).unwrap();
    assert!(
        far > ts("2036-03-01T00:00:00Z") && far < ts("2036-03-31T00:00:00Z"),
        "{far}"
    );
    assert_eq!(c.business_minutes_between(start, far), max);
}

#[test]
fn results_past_the_last_representable_instant_are_errors() {
    let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
    let late = ts("9999-12-30T12:00:00Z");
    assert_eq!(
        c.add_business_minutes(late, 10_000),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(c.next_open(Timestamp::MAX), None);
    assert!(!c.is_open(Timestamp::MAX));
    assert!(c.business_minutes_between(Timestamp::MIN, Timestamp::MAX) > 0);
    assert!(c.next_open(Timestamp::MIN).is_some());
}

#[test]
fn compile_names_the_bad_part() {
    let err = |s: CalendarSpec| s.compile().unwrap_err().to_string();
    assert_eq!(
        err(spec("Mars/Olympus_Mons", &["mon 09:00-10:00"], &[], &[])),
        "time zone \"Mars/Olympus_Mons\": not a known IANA zone name (e.g. \"America/New_York\")"
    );
    assert_eq!(
        err(spec("UTC", &["mon-fri 9-5"], &[], &[])),
        "hours \"mon-fri 9-5\": expected HH:MM-HH:MM, got \"9-5\""
    );
    assert_eq!(
        err(spec("UTC", &["mon 25:00-26:00"], &[], &[])),
        "hours \"mon 25:00-26:00\": \"25:00\" is not a time of day (00:00 to 23:59, or 24:00 as an end)"
    );
    assert_eq!(
        err(spec(
            "UTC",
            &["mon-fri 09:00-17:00", "wed 16:00-18:00"],
            &[],
            &[]
        )),
        "hours \"mon-fri 09:00-17:00\" and \"wed 16:00-18:00\" overlap on wed (09:00-17:00 and 16:00-18:00)"
    );
    assert_eq!(
        err(spec(
            "UTC",
            &["sun 22:00-02:00", "mon 01:00-09:00"],
            &[],
            &[]
        )),
        "hours \"sun 22:00-02:00\" and \"mon 01:00-09:00\" overlap on mon (22:00-02:00 and 01:00-09:00)"
    );
    assert!(err(spec("UTC", &[], &[], &[])).starts_with("hours: the week has no business time"));
    assert_eq!(
        err(spec("UTC", &["mon 09:00-10:00"], &["25/12/2026"], &[])),
        "holiday \"25/12/2026\": expected a date as YYYY-MM-DD"
    );
    assert_eq!(
        err(spec("UTC", &["mon 09:00-10:00"], &[], &["ZZ"])),
        "country \"ZZ\": no holiday set; supported: AU, CA, DE, FR, GB, IN, JP, NL, SG, US"
    );
    assert_eq!(
        spec("UTC", &["mon 09:00-10:00"], &[], &["ZZ"])
            .compile()
            .unwrap_err()
            .part(),
        CalendarPart::Countries
    );
}

#[test]
fn spec_serde_shape_is_unchanged() {
    let s = spec(
        "Europe/Paris",
        &["mon-fri 09:00-17:00"],
        &["2026-12-24"],
        &["FR"],
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"tz": "Europe/Paris", "hours": ["mon-fri 09:00-17:00"], "holidays": ["2026-12-24"], "countries": ["FR"]})
    );
    let back: CalendarSpec = serde_json::from_value(serde_json::json!({"tz": "UTC"})).unwrap();
    assert_eq!(back, spec("UTC", &[], &[], &[]));
    assert!(CalendarSpec::office_hours("Asia/Tokyo").compile().is_ok());
}

// ----- long spans: whole-week jumps against day-by-day sums -------------------------------------

#[test]
fn week_jumps_agree_with_day_by_day_counting() {
    for c in fixtures() {
        let first = date(2025, 12, 29);
        let mut day = first;
        let mut by_day = 0;
        while day < date(2033, 1, 3) {
            by_day += minutes_on(&c, day);
            day = day.tomorrow().unwrap();
        }
        let from = day_start(&c, first);
        let to = day_start(&c, day);
        assert_eq!(
            c.business_minutes_between(from, to),
            by_day,
            "{:?}",
            c.spec()
        );
        // And add reaches exactly that far: the last business minute ends inside the span.
        let deadline = c.add_business_minutes(from, by_day).unwrap();
        assert!(deadline <= to);
        assert_eq!(c.business_minutes_between(from, deadline), by_day);
        assert_eq!(c.business_minutes_between(deadline, to), 0);
    }
}

// ----- properties ------------------------------------------------------------------------------

fn fixtures() -> Vec<Calendar> {
    vec![
        spec(
            "America/New_York",
            &["mon-fri 09:00-17:00"],
            &["2026-07-02"],
            &["US"],
        )
        .compile()
        .unwrap(),
        spec(
            "Europe/London",
            &["mon-fri 09:00-12:30 13:30-17:30", "sat 10:00-12:00"],
            &[],
            &["GB"],
        )
        .compile()
        .unwrap(),
        spec(
            "Australia/Lord_Howe",
            &["sun 01:00-03:00", "mon-fri 08:30-17:00"],
            &[],
            &["AU"],
        )
        .compile()
        .unwrap(),
        spec(
            "Asia/Kolkata",
            &["mon-sat 10:00-19:00"],
            &["2027-01-04"],
            &["IN"],
        )
        .compile()
        .unwrap(),
        spec(
            "America/Santiago",
            &["sun-thu 22:00-06:00", "sat 22:00-24:00"],
            &["2026-09-06"],
            &[],
        )
        .compile()
        .unwrap(),
        spec(
            "America/New_York",
            &["mon-sun 22:00-03:00"],
            &["2026-11-01"],
            &[],
        )
        .compile()
        .unwrap(),
        spec("Europe/Berlin", &["mon-sun 00:00-24:00"], &[], &["DE"])
            .compile()
            .unwrap(),
    ]
}

/// Calendars whose ranges all end by midnight, so a result's local date is its owning day.
const SAME_DAY_FIXTURES: [usize; 5] = [0, 1, 2, 3, 6];

/// Open, by the definition: the zone's wall clock at `t` is inside some range of a non-holiday
/// day (a range runs from its day's start plus `start` to plus `end`, past midnight if it crosses).
fn oracle_open(c: &Calendar, t: Timestamp) -> bool {
    let dt = c.zone().to_datetime(t);
    let today = days::from_date(dt.date());
    // Boundaries are whole seconds, so the second the clock shows decides.
    let wall = today * DAY
        + i64::from(dt.hour()) * 3600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second());
    (today - 1..=today).any(|day| {
        !c.holidays.contains(&day)
            && c.week
                .day(days::weekday(day))
                .iter()
                .any(|r| day * DAY + r.start <= wall && wall < day * DAY + r.end)
    })
}

/// Add by walking minute by minute (for a whole-minute start: all boundaries are whole minutes).
fn oracle_add(c: &Calendar, start: Timestamp, n: i64) -> Timestamp {
    let mut t = start;
    let mut left = n;
    loop {
        if oracle_open(c, t) {
            left -= 1;
            if left == 0 {
                return t + mins(1);
            }
        }
        t += mins(1);
    }
}

fn calendar_index() -> impl Strategy<Value = usize> {
    0..fixtures().len()
}

/// Instants from 2025-12-01 to 2028-01-01, nanosecond precision, so every clock change of 2026
/// and 2027 and the holiday sets are in reach.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_764_547_200i64..1_830_297_600, 0i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).unwrap())
}

fn whole_minute() -> impl Strategy<Value = Timestamp> {
    (29_409_120i64..30_504_960).prop_map(|m| Timestamp::from_second(m * 60).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn between_inverts_add(ci in calendar_index(), a in instant(), n in 1i64..20_000) {
        let c = &fixtures()[ci];
        let t = c.add_business_minutes(a, n).unwrap();
        prop_assert_eq!(c.business_minutes_between(a, t), n);
        prop_assert_eq!(c.business_time_between(a, t), mins(n));
        prop_assert_eq!(c.business_minutes_between(t, a), -n);
    }

    #[test]
    fn add_is_strictly_monotonic(ci in calendar_index(), a in instant(), n in 1i64..5_000, m in 1i64..5_000) {
        let c = &fixtures()[ci];
        prop_assert!(c.add_business_minutes(a, n).unwrap() < c.add_business_minutes(a, n + m).unwrap());
    }

    #[test]
    fn add_composes(ci in calendar_index(), a in instant(), n in 1i64..5_000, m in 1i64..5_000) {
        let c = &fixtures()[ci];
        let step = c.add_business_minutes(a, n).unwrap();
        prop_assert_eq!(c.add_business_minutes(step, m).unwrap(), c.add_business_minutes(a, n + m).unwrap());
    }

    #[test]
    fn between_is_additive(ci in calendar_index(), xs in [instant(), instant(), instant()], ms in [whole_minute(), whole_minute(), whole_minute()]) {
        let c = &fixtures()[ci];
        let mut xs = xs;
        xs.sort();
        let d = |a, b| c.business_time_between(a, b);
        prop_assert_eq!(d(xs[0], xs[1]) + d(xs[1], xs[2]), d(xs[0], xs[2]));
        prop_assert_eq!(d(xs[2], xs[0]), -d(xs[0], xs[2]));
        // Whole-minute instants give whole-minute counts, so the rounded counts add up too.
        let mut ms = ms;
        ms.sort();
        let n = |a, b| c.business_minutes_between(a, b);
        prop_assert_eq!(n(ms[0], ms[1]) + n(ms[1], ms[2]), n(ms[0], ms[2]));
    }

    #[test]
    fn add_ends_on_business_time(ci in calendar_index(), a in instant(), n in 1i64..20_000) {
        let c = &fixtures()[ci];
        let t = c.add_business_minutes(a, n).unwrap();
        // The last nanosecond counted was open, so the result is open or the end of a range.
        let last = t - SignedDuration::from_nanos(1);
        prop_assert!(c.is_open(last));
        prop_assert_eq!(c.next_open(last), Some(last));
        if SAME_DAY_FIXTURES.contains(&ci) {
            prop_assert!(!c.is_holiday(c.zone().to_datetime(last).date()));
        }
    }

    #[test]
    fn counting_starts_at_the_next_opening(ci in calendar_index(), a in instant(), n in 1i64..5_000) {
        let c = &fixtures()[ci];
        let open = c.next_open(a).unwrap();
        prop_assert!(open >= a);
        prop_assert_eq!(c.business_time_between(a, open), SignedDuration::ZERO);
        prop_assert_eq!(c.add_business_minutes(a, n).unwrap(), c.add_business_minutes(open, n).unwrap());
    }

    #[test]
    fn is_open_matches_the_definition(ci in calendar_index(), t in instant()) {
        let c = &fixtures()[ci];
        prop_assert_eq!(c.is_open(t), oracle_open(c, t));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn add_matches_a_minute_by_minute_walk(ci in calendar_index(), a in whole_minute(), n in 1i64..1_500) {
        let c = &fixtures()[ci];
        prop_assert_eq!(c.add_business_minutes(a, n).unwrap(), oracle_add(c, a, n));
    }
}

#[test]
fn is_open_matches_the_definition_around_every_clock_change() {
    // Random instants rarely land inside the hour of a clock change; walk those hours minute by
    // minute for every fixture zone.
    for c in fixtures() {
        let from = ts("2026-01-01T00:00:00Z");
        let transitions: Vec<Timestamp> = c
            .zone()
            .following(from)
            .take(4)
            .map(|tr| tr.timestamp())
            .collect();
        for tr in transitions {
            for m in -180..=180 {
                let t = tr + mins(m);
                assert_eq!(c.is_open(t), oracle_open(&c, t), "{} at {t}", c.spec().tz);
            }
        }
    }
}

// ----- unusual zones -----------------------------------------------------------------------------

/// Zones whose history is hard on wall-clock arithmetic: a skipped day (Apia, 2011), negative DST
/// (Dublin), DST switched off and on for Ramadan (Casablanca), a two-hour shift (Troll), offsets
/// in quarter hours (Chatham, Kathmandu) and half hours (St John's), the Alaska purchase fold of
/// nearly a day (Sitka, 1867), and local mean time with odd seconds before standard time.
const UNUSUAL_ZONES: [&str; 9] = [
    "Pacific/Apia",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Antarctica/Troll",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Sitka",
    "Europe/Amsterdam",
];

fn unusual(zone: usize, hours: usize) -> Calendar {
    const HOURS: [&[&str]; 3] = [
        &["mon-fri 09:00-17:00"],
        &["mon-sun 23:00-01:30", "sat 10:00-12:00"],
        &["sun-thu 00:00-02:30, 12:00-24:00"],
    ];
    spec(UNUSUAL_ZONES[zone], HOURS[hours], &[], &[])
        .compile()
        .unwrap()
}

/// Any instant from 1850 to 2060, to reach local mean time and old rules as well as new ones.
fn any_era_instant() -> impl Strategy<Value = Timestamp> {
    (-3_786_825_600i64..2_840_140_800, 0i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn unusual_zones_keep_the_properties(zone in 0..UNUSUAL_ZONES.len(), hours in 0usize..3, a in any_era_instant(), n in 1i64..20_000, probe in any_era_instant()) {
        let c = unusual(zone, hours);
        let t = c.add_business_minutes(a, n).unwrap();
        prop_assert_eq!(c.business_minutes_between(a, t), n);
        prop_assert!(c.is_open(t - SignedDuration::from_nanos(1)));
        prop_assert!(c.add_business_minutes(a, n + 1).unwrap() > t);
        prop_assert_eq!(c.is_open(probe), oracle_open(&c, probe));
        prop_assert_eq!(c.is_open(a), oracle_open(&c, a));
    }
}

#[test]
fn apia_skipped_friday_30_december_2011() {
    // Samoa moved across the date line: Thursday 29 December 2011 was followed by Saturday 31.
    let c = cal("Pacific/Apia", &["mon-sun 09:00-17:00"]);
    let thursday_five = ts("2011-12-29T17:00:00-10:00");
    assert_eq!(
        c.next_open(thursday_five),
        Some(ts("2011-12-31T09:00:00+14:00"))
    );
    assert_eq!(
        c.business_minutes_between(thursday_five, ts("2011-12-31T10:00:00+14:00")),
        60
    );
}

#[test]
fn unusual_zones_match_the_definition_around_their_transitions() {
    for zone in 0..UNUSUAL_ZONES.len() {
        for hours in 0..3 {
            let c = unusual(zone, hours);
            let from = ts("1850-01-01T00:00:00Z");
            for tr in c.zone().following(from).take(400).map(|tr| tr.timestamp()) {
                for m in [
                    -1500, -90, -61, -60, -59, -31, -30, -1, 0, 1, 29, 30, 59, 60, 61, 90, 1500,
                ] {
                    let t = tr + mins(m);
                    assert_eq!(
                        c.is_open(t),
                        oracle_open(&c, t),
                        "{} {hours} at {t}",
                        c.spec().tz
                    );
                }
            }
        }
    }
}
