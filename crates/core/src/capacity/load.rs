//! Weekly load: committed work and logged time per week against capacity, and the time worked
//! outside the member's own hours.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

use super::{CapacityError, MAX_ENTRY_MINUTES, MAX_WEEKS, check_capacity};
use crate::business_time as bt;
use crate::calendar::Calendar;
use crate::request::MAX_ESTIMATE_MINUTES;

/// Time a member logged: when it started and how long it ran (a time entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedTime {
    pub started_at: Timestamp,
    pub minutes: i64,
}

/// Open work assigned to the member: what is left of its estimate and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenWork {
    pub remaining_minutes: i64,
    pub due_at: Option<Timestamp>,
}

/// One week of a member's load. Weeks run from Monday 00:00 to the next Monday 00:00 on the
/// member's own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekLoad {
    /// The Monday the week starts on, in the member's zone.
    pub week_start: Date,
    /// Weekly capacity, less the share of working hours lost to holidays that week.
    pub capacity_minutes: i64,
    /// Open work attributed to the week (see [`committed_by_week`]).
    pub committed_minutes: i64,
    /// Committed beyond capacity; 0 when it fits.
    pub overcommitted_minutes: i64,
    /// Time logged in entries that started this week.
    pub logged_minutes: i64,
    /// The part of the logged time that fell outside the member's working hours.
    pub out_of_hours_minutes: i64,
}

/// The Monday of the week (on the member's clock) that holds `at`.
pub fn week_of(calendar: &Calendar, at: Timestamp) -> Date {
    let day = calendar.zone().to_datetime(at).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(Span::new().days(back)).unwrap_or(day)
}

fn monday_of(day: Date) -> Result<Date, CapacityError> {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(Span::new().days(back))
        .map_err(|_| CapacityError::OutOfRange(day))
}

fn day_start(calendar: &Calendar, day: Date) -> Option<Timestamp> {
    let zoned = day.to_zoned_datetime(calendar.zone().clone()).ok()?;
    Some(zoned.start_of_day().ok()?.timestamp())
}

/// The instants a week starting on `monday` runs between.
fn bounds(calendar: &Calendar, monday: Date) -> Result<(Timestamp, Timestamp), CapacityError> {
    let out = || CapacityError::OutOfRange(monday);
    let next = monday.checked_add(Span::new().days(7)).map_err(|_| out())?;
    // Midnight may fall in a gap (clocks spring forward at 00:00 in some zones): the day then
    // starts at the transition.
    let start = day_start(calendar, monday).ok_or_else(out)?;
    let end = day_start(calendar, next).ok_or_else(out)?;
    Ok((start, end))
}

/// Attribute open work to weeks, keyed by the week's Monday.
///
/// Work due later is spread over the member's working time from `now` to its due date, in
/// proportion to the business minutes each week holds: 10 hours due in two full working weeks
/// count 5 hours in each. Work with no due date, or already overdue, or due before any working
/// time is left, counts in the current week: it is owed now. Spreading stops ten years ahead.
/// Minutes are whole and add up to the work's remaining minutes exactly.
pub fn committed_by_week(
    calendar: &Calendar,
    now: Timestamp,
    work: &[OpenWork],
) -> Result<BTreeMap<Date, i64>, CapacityError> {
    let this_week = week_of(calendar, now);
    let horizon_limit = now
        .checked_add(SignedDuration::from_hours(24 * 3653))
        .unwrap_or(now);
    let mut out: BTreeMap<Date, i64> = BTreeMap::new();
    for (index, item) in work.iter().enumerate() {
        let minutes = item.remaining_minutes;
        if !(0..=MAX_ESTIMATE_MINUTES).contains(&minutes) {
            return Err(CapacityError::Remaining { index, minutes });
        }
        if minutes == 0 {
            continue;
        }
        let horizon = match item.due_at {
            Some(due) if due > now => due.min(horizon_limit),
            _ => {
                *out.entry(this_week).or_default() += minutes;
                continue;
            }
        };
        let total = bt::between(calendar, now, horizon);
        if total <= 0 {
            *out.entry(this_week).or_default() += minutes;
            continue;
        }
        let mut parts: Vec<(Date, i128)> = Vec::new();
        let mut monday = this_week;
        loop {
            let (start, end) = bounds(calendar, monday)?;
            let (a, b) = (start.max(now), end.min(horizon));
            if a < b {
                let part = bt::between(calendar, a, b);
                if part > 0 {
                    parts.push((monday, part));
                }
            }
            if end >= horizon {
                break;
            }
            monday = monday
                .checked_add(Span::new().days(7))
                .map_err(|_| CapacityError::OutOfRange(monday))?;
        }
        for (week, share) in apportion(minutes, &parts, total) {
            if share > 0 {
                *out.entry(week).or_default() += share;
            }
        }
    }
    Ok(out)
}

/// Split `minutes` over `parts` in proportion to their weights (which sum to `total`), in whole
/// minutes that sum to `minutes`: largest remainders get the leftover minutes, earlier weeks first
/// on ties.
fn apportion(minutes: i64, parts: &[(Date, i128)], total: i128) -> Vec<(Date, i64)> {
    let m = i128::from(minutes);
    let mut shares: Vec<(Date, i64, i128)> = parts
        .iter()
        .map(|&(d, w)| (d, (m * w / total) as i64, m * w % total))
        .collect();
    let given: i64 = shares.iter().map(|s| s.1).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2).then(a.cmp(&b)));
    for &i in order.iter().take((minutes - given) as usize) {
        shares[i].1 += 1;
    }
    shares.into_iter().map(|(d, s, _)| (d, s)).collect()
}

/// The load of `weeks` consecutive weeks, starting with the week that holds `from`.
///
/// * `weekly_capacity_minutes`: the member's capacity for client work; a week's capacity is
///   scaled by the share of its working time left after holidays in the member's calendar.
/// * `committed`: minutes per week, as [`committed_by_week`] gives them (keys are Mondays).
/// * `entries`: time logged; each entry belongs to the week it started in, and the part of it
///   outside the member's working hours (real time less business time, so midnight and clock
///   changes fall where they really are) is its out-of-hours time.
pub fn weekly_load(
    calendar: &Calendar,
    weekly_capacity_minutes: i64,
    from: Date,
    weeks: u32,
    committed: &BTreeMap<Date, i64>,
    entries: &[LoggedTime],
) -> Result<Vec<WeekLoad>, CapacityError> {
    let capacity = check_capacity(weekly_capacity_minutes)?;
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(CapacityError::Weeks(weeks));
    }
    // Logged minutes and out-of-hours nanoseconds per week.
    let mut logged: BTreeMap<Date, (i64, i128)> = BTreeMap::new();
    for (index, e) in entries.iter().enumerate() {
        if !(0..=MAX_ENTRY_MINUTES).contains(&e.minutes) {
            return Err(CapacityError::Entry {
                index,
                minutes: e.minutes,
            });
        }
        let end = e
            .started_at
            .checked_add(SignedDuration::from_mins(e.minutes))
            .unwrap_or(e.started_at);
        let real = bt::minutes(e.minutes);
        let outside = real - bt::between(calendar, e.started_at, end);
        let w = logged.entry(week_of(calendar, e.started_at)).or_default();
        w.0 += e.minutes;
        w.1 += outside;
    }

    let working = bt::minutes(calendar.weekly_minutes());
    let mut monday = monday_of(from)?;
    let mut out = Vec::with_capacity(weeks as usize);
    for _ in 0..weeks {
        let (start, end) = bounds(calendar, monday)?;
        let this_week = bt::between(calendar, start, end);
        let scaled = (i128::from(capacity) * this_week + working / 2) / working;
        let capacity_minutes = (scaled as i64).min(capacity);
        let committed_minutes = committed.get(&monday).copied().unwrap_or(0);
        let (logged_minutes, outside) = logged.get(&monday).copied().unwrap_or((0, 0));
        out.push(WeekLoad {
            week_start: monday,
            capacity_minutes,
            committed_minutes,
            overcommitted_minutes: (committed_minutes - capacity_minutes).max(0),
            logged_minutes,
            out_of_hours_minutes: bt::whole_minutes(outside + bt::NANOS_PER_MINUTE / 2),
        });
        monday = monday
            .checked_add(Span::new().days(7))
            .map_err(|_| CapacityError::OutOfRange(monday))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn cal(tz: &str, hours: &[&str], holidays: &[&str]) -> Calendar {
        CalendarSpec {
            tz: tz.into(),
            hours: hours.iter().map(|s| s.to_string()).collect(),
            holidays: holidays.iter().map(|s| s.to_string()).collect(),
            countries: vec![],
        }
        .compile()
        .unwrap()
    }

    fn office(tz: &str) -> Calendar {
        cal(tz, &["mon-fri 09:00-17:00"], &[])
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn entry(at: &str, minutes: i64) -> LoggedTime {
        LoggedTime {
            started_at: ts(at),
            minutes,
        }
    }

    fn one_week(c: &Calendar, entries: &[LoggedTime]) -> WeekLoad {
        let week = week_of(c, entries[0].started_at);
        weekly_load(c, 2400, week, 1, &BTreeMap::new(), entries).unwrap()[0]
    }

    #[test]
    fn an_evening_overrun_is_partly_out_of_hours() {
        let c = office("Europe/Berlin");
        let w = one_week(&c, &[entry("2026-03-04T16:00:00+01:00", 120)]);
        assert_eq!(w.week_start, date(2026, 3, 2));
        assert_eq!(w.logged_minutes, 120);
        assert_eq!(w.out_of_hours_minutes, 60);
    }

    #[test]
    fn crossing_midnight_counts_against_the_members_own_hours() {
        let day = office("America/New_York");
        let night = cal("America/New_York", &["mon-fri 22:00-06:00"], &[]);
        let late = [entry("2026-03-03T23:00:00-05:00", 120)]; // Tuesday 23:00 to 01:00
        assert_eq!(one_week(&day, &late).out_of_hours_minutes, 120);
        assert_eq!(one_week(&night, &late).out_of_hours_minutes, 0);
    }

    #[test]
    fn clock_changes_fall_where_they_really_are() {
        // Sunday 2026-03-08 in New York: 01:00-03:00 on the wall is one real hour, 06:00-07:00Z.
        let c = cal("America/New_York", &["sun 01:00-03:00"], &[]);
        let w = one_week(&c, &[entry("2026-03-08T01:30:00-05:00", 60)]);
        assert_eq!(w.logged_minutes, 60);
        assert_eq!(
            w.out_of_hours_minutes, 30,
            "03:00-03:30 EDT is past the range"
        );
        // An entry from Sunday night belongs to the week it started in.
        let c = office("Europe/London");
        let w = one_week(&c, &[entry("2026-03-29T23:30:00+01:00", 60)]);
        assert_eq!(w.week_start, date(2026, 3, 23));
        assert_eq!(w.out_of_hours_minutes, 60);
    }

    #[test]
    fn holidays_reduce_capacity_and_overcommitment_shows() {
        let c = cal("Europe/London", &["mon-fri 09:00-17:00"], &["2026-04-03"]);
        let now = ts("2026-03-30T09:00:00+01:00"); // Monday
        let work = [
            OpenWork {
                remaining_minutes: 1200,
                due_at: None,
            },
            OpenWork {
                remaining_minutes: 900,
                due_at: Some(ts("2026-03-20T17:00:00Z")), // overdue: owed now
            },
        ];
        let committed = committed_by_week(&c, now, &work).unwrap();
        let weeks = weekly_load(&c, 2400, date(2026, 4, 1), 2, &committed, &[]).unwrap();
        assert_eq!(weeks[0].week_start, date(2026, 3, 30));
        assert_eq!(weeks[0].capacity_minutes, 1920, "Good Friday off");
        assert_eq!(weeks[0].committed_minutes, 2100);
        assert_eq!(weeks[0].overcommitted_minutes, 180);
        assert_eq!(weeks[1].capacity_minutes, 2400);
        assert_eq!(weeks[1].committed_minutes, 0);
        assert_eq!(weeks[1].overcommitted_minutes, 0);
    }

    #[test]
    fn work_due_later_is_spread_over_the_working_time_before_it() {
        let c = office("UTC");
        let now = ts("2026-03-04T09:00:00Z"); // Wednesday: 3 working days left this week
        let work = [OpenWork {
            remaining_minutes: 800,
            due_at: Some(ts("2026-03-10T17:00:00Z")), // next Tuesday: 2 more days
        }];
        let committed = committed_by_week(&c, now, &work).unwrap();
        assert_eq!(
            committed.into_iter().collect::<Vec<_>>(),
            [(date(2026, 3, 2), 480), (date(2026, 3, 9), 320)]
        );
        // Due before the next opening: all of it is owed this week.
        let friday_night = ts("2026-03-06T20:00:00Z");
        let rushed = [OpenWork {
            remaining_minutes: 90,
            due_at: Some(ts("2026-03-07T10:00:00Z")),
        }];
        let committed = committed_by_week(&c, friday_night, &rushed).unwrap();
        assert_eq!(committed.get(&date(2026, 3, 2)), Some(&90));
    }

    #[test]
    fn absurd_inputs_are_named() {
        let c = office("UTC");
        let none = BTreeMap::new();
        let day = date(2026, 3, 2);
        let err = weekly_load(&c, 2400, day, 0, &none, &[]).unwrap_err();
        assert_eq!(err.field(), "weeks");
        let err = weekly_load(
            &c,
            2400,
            day,
            1,
            &none,
            &[entry("2026-03-02T09:00:00Z", 2000)],
        )
        .unwrap_err();
        assert_eq!(err.field(), "entries[0].minutes");
        let err = weekly_load(&c, -1, day, 1, &none, &[]).unwrap_err();
        assert_eq!(err, CapacityError::Capacity(-1));
        let bad = [OpenWork {
            remaining_minutes: -10,
            due_at: None,
        }];
        let err = committed_by_week(&c, ts("2026-03-02T09:00:00Z"), &bad).unwrap_err();
        assert_eq!(err.field(), "queue[0].remaining_minutes");
        // A due date in the year 9000 is spread over ten years, not forty thousand loops.
        let far = [OpenWork {
            remaining_minutes: 5000,
            due_at: Some(ts("9000-01-01T00:00:00Z")),
        }];
        let spread = committed_by_week(&c, ts("2026-03-02T09:00:00Z"), &far).unwrap();
        assert_eq!(spread.values().sum::<i64>(), 5000);
        assert!(spread.len() <= 523);
    }

    #[test]
    fn a_week_with_a_skipped_midnight_keeps_its_capacity() {
        // Santiago springs forward at 00:00 on Sunday 2026-09-06: that day starts at 01:00, and
        // the week holding it still has all its working time.
        let c = office("America/Santiago");
        let weeks = weekly_load(&c, 2400, date(2026, 8, 31), 3, &BTreeMap::new(), &[]).unwrap();
        assert!(weeks.iter().all(|w| w.capacity_minutes == 2400));
    }

    proptest! {
        /// Spreading never loses or invents a minute, and never uses a week outside now..due.
        #[test]
        fn committed_minutes_add_up(
            start in 1_767_225_600i64..1_830_000_000,
            items in prop::collection::vec((0i64..5000, prop::option::of(-10i64 * 86_400..90 * 86_400)), 0..10),
        ) {
            let c = cal("Asia/Kolkata", &["mon-fri 09:30-18:30", "sat 10:00-13:00"], &["2026-08-15"]);
            let now = Timestamp::from_second(start).unwrap();
            let work: Vec<_> = items.iter().map(|&(m, due)| OpenWork {
                remaining_minutes: m,
                due_at: due.map(|d| now + SignedDuration::from_secs(d)),
            }).collect();
            let committed = committed_by_week(&c, now, &work).unwrap();
            prop_assert_eq!(committed.values().sum::<i64>(), work.iter().map(|w| w.remaining_minutes).sum::<i64>());
            let last_due = work.iter().filter_map(|w| w.due_at).max().unwrap_or(now).max(now);
            for (week, minutes) in &committed {
                prop_assert!(*minutes > 0);
                prop_assert_eq!(week.weekday(), jiff::civil::Weekday::Monday);
                prop_assert!(*week >= week_of(&c, now) && *week <= week_of(&c, last_due));
            }
        }

        /// Out-of-hours time is the logged time less the business time it overlapped.
        #[test]
        fn out_of_hours_is_logged_less_business_time(
            start in 1_767_225_600i64..1_830_000_000,
            minutes in 0i64..=1440,
        ) {
            let c = cal("America/New_York", &["mon-fri 09:00-17:00", "sat 22:00-02:00"], &[]);
            let at = Timestamp::from_second(start - start % 60).unwrap();
            let w = one_week(&c, &[LoggedTime { started_at: at, minutes }]);
            let inside = c.business_minutes_between(at, at + SignedDuration::from_mins(minutes));
            prop_assert_eq!(w.logged_minutes, minutes);
            prop_assert_eq!(w.out_of_hours_minutes, minutes - inside);
        }
    }
}
