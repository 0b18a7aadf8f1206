//! Exact business-time steps on top of [`Calendar`]: the SLA clocks, silence and capacity rules
//! work in nanoseconds of business time so that pauses at arbitrary seconds add up exactly, while
//! the calendar's public arithmetic counts whole minutes.

use jiff::Timestamp;

use crate::calendar::Calendar;

pub(crate) const NANOS_PER_MINUTE: i128 = 60_000_000_000;

pub(crate) fn minutes(n: i64) -> i128 {
    i128::from(n) * NANOS_PER_MINUTE
}

/// Whole minutes in `nanos`, rounded toward zero.
pub(crate) fn whole_minutes(nanos: i128) -> i64 {
    (nanos / NANOS_PER_MINUTE) as i64
}

/// Business time from `from` to `to` in nanoseconds (negative when `to` is earlier).
pub(crate) fn between(cal: &Calendar, from: Timestamp, to: Timestamp) -> i128 {
    cal.business_time_between(from, to).as_nanos()
}

fn plus(t: Timestamp, nanos: i128) -> Option<Timestamp> {
    Timestamp::from_nanosecond(t.as_nanosecond() + nanos).ok()
}

/// The earliest instant at which `nanos` of business time have passed since `start`; `start`
/// itself for zero or less. `None` when the answer lies beyond the calendar's ten-year limit or
/// the representable instants.
pub(crate) fn add(cal: &Calendar, start: Timestamp, nanos: i128) -> Option<Timestamp> {
    if nanos <= 0 {
        return Some(start);
    }
    let whole = i64::try_from(nanos / NANOS_PER_MINUTE).ok()?;
    let rest = nanos % NANOS_PER_MINUTE;
    let reached = if whole > 0 {
        cal.add_business_minutes(start, whole).ok()?
    } else {
        start
    };
    if rest == 0 {
        return Some(reached);
    }
    // The remaining seconds run from the next opening; usually the stretch is long enough.
    let open = cal.next_open(reached)?;
    let candidate = plus(open, rest)?;
    if between(cal, open, candidate) == rest {
        return Some(candidate);
    }
    // The stretch closes within the minute: the answer is the least instant whose business time
    // from `open` reaches `rest`, found by bisection over a bracket that holds a whole minute.
    let (mut lo, mut hi) = (open, cal.add_business_minutes(open, 1).ok()?);
    while hi.as_nanosecond() - lo.as_nanosecond() > 1 {
        let mid = plus(lo, (hi.as_nanosecond() - lo.as_nanosecond()) / 2)?;
        if between(cal, open, mid) >= rest {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use proptest::prelude::*;

    fn cal(tz: &str, hours: &[&str]) -> Calendar {
        CalendarSpec {
            tz: tz.into(),
            hours: hours.iter().map(|s| s.to_string()).collect(),
            holidays: vec![],
            countries: vec![],
        }
        .compile()
        .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn seconds_past_closing_continue_at_the_next_opening() {
        let c = cal("UTC", &["mon-fri 09:00-17:00"]);
        // Friday 16:59:30 plus 45 s: 30 s on Friday, 15 s on Monday.
        let t = add(&c, ts("2026-03-06T16:59:30Z"), 45_000_000_000).unwrap();
        assert_eq!(t, ts("2026-03-09T09:00:15Z"));
        // A whole minute and a bit, ending inside the range.
        let t = add(&c, ts("2026-03-06T10:00:00.5Z"), minutes(61) + 250_000_000).unwrap();
        assert_eq!(t, ts("2026-03-06T11:01:00.75Z"));
        assert_eq!(
            add(&c, ts("2026-03-06T10:00:00Z"), 0).unwrap(),
            ts("2026-03-06T10:00:00Z")
        );
    }

    proptest! {
        /// `add` is the inverse of `between`, to the nanosecond, in zones with clock changes.
        #[test]
        fn add_inverts_between(
            start in 1_767_225_600i64..1_830_000_000,
            sub in 0i64..1_000_000_000,
            nanos in 1i128..(3 * 2400 * NANOS_PER_MINUTE),
            zone in prop::sample::select(vec!["America/New_York", "Asia/Kolkata", "Europe/London"]),
        ) {
            let c = cal(zone, &["mon-fri 09:00-12:30,13:15-17:00", "sat 22:00-02:00"]);
            let s = Timestamp::new(start, sub as i32).unwrap();
            let t = add(&c, s, nanos).unwrap();
            prop_assert_eq!(between(&c, s, t), nanos);
            // The earliest such instant: a nanosecond less is not enough.
            let before = plus(t, -1).unwrap();
            prop_assert!(between(&c, s, before) < nanos);
        }
    }
}
