//! Wall clock to instant and back, for one zone, exact across offset changes.
//!
//! A business range is wall-clock time ("09:00-17:00"); business time is the real time that passes
//! while the wall clock is inside it. So a boundary `w` becomes the first instant at which the
//! zone's clock reaches `w`:
//!
//! * an ordinary wall time has one instant;
//! * a wall time skipped by a gap (spring forward) is reached at the transition itself, so a range
//!   running across the gap is shorter by the gap;
//! * a wall time repeated by a fold (fall back) is reached twice: [`Clock::instant_of`] gives the
//!   earlier occurrence and [`Clock::repeat_of`] the later one, so a range can count exactly the
//!   instants whose wall time is inside it — longer by the fold when it runs across the whole
//!   repeated hour, and without the first pass through that hour when it opens inside it.
//!
//! Asking the zone for each boundary costs a tz lookup; [`Clock`] remembers the stretch of time
//! with one offset it last saw, so consecutive boundaries cost a comparison and a subtraction.

use jiff::Timestamp;
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::days;

pub(crate) struct Clock<'z> {
    tz: &'z TimeZone,
    window: Window,
}

/// A stretch of instants `[start, end)` with one offset. Wall times in `[wall_lo, wall_hi)` are
/// reached first inside it, so for them the instant is `wall - offset`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub start: i64,
    pub end: i64,
    pub offset: i64,
    /// The offset from `end` on: smaller than `offset` when `end` is a fold.
    pub next_offset: i64,
    pub wall_lo: i64,
    pub wall_hi: i64,
}

impl Window {
    const EMPTY: Window = Window {
        start: 0,
        end: 0,
        offset: 0,
        next_offset: 0,
        wall_lo: 0,
        wall_hi: 0,
    };
}

impl<'z> Clock<'z> {
    pub fn new(tz: &'z TimeZone) -> Self {
        Clock {
            tz,
            window: Window::EMPTY,
        }
    }

    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The wall-clock second count of instant `t` (seconds since the Unix epoch).
    #[inline]
    pub fn wall_of(&mut self, t: i64) -> Option<i64> {
        if !(self.window.start <= t && t < self.window.end) {
            self.window = self.window_at(t)?;
        }
        Some(t + self.window.offset)
    }

    /// The first instant (seconds since the Unix epoch) at which the wall clock reaches `wall`, or
    /// `None` when that lies outside the instants jiff can represent.
    #[inline]
    pub fn instant_of(&mut self, wall: i64) -> Option<i64> {
        if self.window.wall_lo <= wall && wall < self.window.wall_hi {
            return Some(wall - self.window.offset);
        }
        self.instant_of_slow(wall)
    }

    /// When the clock goes back after the instant `instant_of(wall)` just returned and shows `wall`
    /// a second time: the instant it goes back (the fold) and the second occurrence of `wall`.
    /// Must be asked right after `instant_of` for the same `wall`, whose window it reads.
    #[inline]
    pub fn repeat_of(&self, wall: i64) -> Option<(i64, i64)> {
        let w = &self.window;
        (w.next_offset < w.offset && wall >= w.end + w.next_offset)
            .then(|| (w.end, wall - w.next_offset))
    }

    #[cold]
    fn instant_of_slow(&mut self, wall: i64) -> Option<i64> {
        let dt = days::wall_to_datetime(wall)?;
        let t = match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => wall - i64::from(offset.seconds()),
            // The transition lies after the instant the wall time would have under the new
            // offset, and no later than under the old one.
            AmbiguousOffset::Gap { after, .. } => {
                let probe = Timestamp::from_second(wall - i64::from(after.seconds())).ok()?;
                self.tz.following(probe).next()?.timestamp().as_second()
            }
            AmbiguousOffset::Fold { before, .. } => wall - i64::from(before.seconds()),
        };
        Timestamp::from_second(t).ok()?;
        self.window = self.window_at(t)?;
        Some(t)
    }

    /// The stretch of constant offset around `t`, with the wall times first reached inside it.
    fn window_at(&self, t: i64) -> Option<Window> {
        let ts = Timestamp::from_second(t).ok()?;
        let offset = i64::from(self.tz.to_offset(ts).seconds());
        // `preceding` yields transitions strictly before its argument; transitions fall on whole
        // seconds, so asking just after `t` finds one at `t` itself.
        let after_t = ts.checked_add(jiff::SignedDuration::from_nanos(1)).ok()?;
        let (start, offset_before) = match self.tz.preceding(after_t).next() {
            Some(tr) => {
                let at = tr.timestamp().as_second();
                let before = Timestamp::from_second(at - 1).ok()?;
                (at, i64::from(self.tz.to_offset(before).seconds()))
            }
            None => (i64::MIN / 4, offset),
        };
        let (end, next_offset) = match self.tz.following(ts).next() {
            Some(tr) => (tr.timestamp().as_second(), i64::from(tr.offset().seconds())),
            None => (i64::MAX / 4, offset),
        };
        Some(Window {
            start,
            end,
            offset,
            next_offset,
            // After a gap the skipped wall times belong to the transition instant, and after a
            // fold the repeated ones belong to the earlier occurrence: neither is `wall - offset`.
            wall_lo: start.saturating_add(offset.max(offset_before)),
            wall_hi: end.saturating_add(offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn instant(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
        let clock_wall = days::from_ymd(y.into(), mo.into(), d.into()) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60;
        // A fresh clock each time, so the slow path is the one asked.
        Clock::new(tz).instant_of(clock_wall).unwrap()
    }

    fn utc(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn gap_wall_times_map_to_the_transition() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.
        assert_eq!(instant(&ny, 2026, 3, 8, 1, 59), utc("2026-03-08T06:59:00Z"));
        assert_eq!(instant(&ny, 2026, 3, 8, 2, 0), utc("2026-03-08T07:00:00Z"));
        assert_eq!(instant(&ny, 2026, 3, 8, 2, 30), utc("2026-03-08T07:00:00Z"));
        assert_eq!(instant(&ny, 2026, 3, 8, 3, 0), utc("2026-03-08T07:00:00Z"));
        assert_eq!(instant(&ny, 2026, 3, 8, 3, 1), utc("2026-03-08T07:01:00Z"));
    }

    #[test]
    fn fold_wall_times_map_to_the_earlier_occurrence() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z.
        assert_eq!(instant(&ny, 2026, 11, 1, 1, 0), utc("2026-11-01T05:00:00Z"));
        assert_eq!(
            instant(&ny, 2026, 11, 1, 1, 59),
            utc("2026-11-01T05:59:00Z")
        );
        assert_eq!(instant(&ny, 2026, 11, 1, 2, 0), utc("2026-11-01T07:00:00Z"));
    }

    #[test]
    fn cached_window_agrees_with_the_zone_everywhere() {
        // Walk wall time in 20-minute steps through both 2026 transitions of several zones with
        // one clock (mostly the fast path) and compare with a fresh clock (the slow path).
        for name in [
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
            "America/Santiago",
            "Asia/Kolkata",
        ] {
            let tz = TimeZone::get(name).unwrap();
            let mut clock = Clock::new(&tz);
            let start = days::from_date(date(2026, 1, 1)) * 86_400;
            let mut previous = i64::MIN;
            for step in 0..(366 * 72) {
                let wall = start + step * 1200;
                let fast = clock.instant_of(wall).unwrap();
                let slow = Clock::new(&tz).instant_of(wall).unwrap();
                assert_eq!(fast, slow, "{name} wall step {step}");
                assert!(fast >= previous, "{name}: not monotonic at step {step}");
                previous = fast;
            }
        }
    }

    #[test]
    fn wall_of_matches_jiff() {
        let tz = TimeZone::get("Australia/Lord_Howe").unwrap();
        let mut clock = Clock::new(&tz);
        for t in (utc("2026-01-01T00:00:00Z")..utc("2027-01-01T00:00:00Z")).step_by(3607) {
            let dt = tz.to_datetime(Timestamp::from_second(t).unwrap());
            let expected = days::from_date(dt.date()) * 86_400
                + i64::from(dt.hour()) * 3600
                + i64::from(dt.minute()) * 60
                + i64::from(dt.second());
            assert_eq!(clock.wall_of(t).unwrap(), expected);
        }
    }
}
