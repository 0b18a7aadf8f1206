//! The open stretches of a calendar, in instant order, and whole-week jumps through them.

use jiff::tz::TimeZone;

use super::clock::Clock;
use super::days;
use super::hours::{DAY, WEEK, Week};

/// Whole seconds since the Unix epoch. Range boundaries always fall on whole seconds (wall times
/// are whole minutes and zone offsets whole seconds), so the walk needs no finer unit.
pub(crate) type Secs = i64;

/// The last local day the walk visits: past jiff's last date nothing can be represented anyway.
const LAST_DAY: i64 = days::from_ymd(9999, 12, 31) + 1;

/// Walks the occurrences of the weekly ranges, day by day, skipping holidays, and yields the
/// instants `[start, end)` during which the wall clock is inside one, in instant order. A range
/// that opens or closes inside a repeated hour (fall back) is two stretches, one before the clock
/// goes back and one after, since only instants whose wall time is inside the range count.
pub(crate) struct Intervals<'c> {
    week: &'c Week,
    holidays: &'c [i64],
    /// Index of the first holiday on or after `day`.
    holiday: usize,
    clock: Clock<'c>,
    /// The local day whose ranges come next, and the index of the next one.
    day: i64,
    range: usize,
    /// The end of the last yielded stretch: stretches never overlap or go backwards, even in a zone
    /// whose transitions follow each other so closely that boundaries would otherwise cross.
    floor: Secs,
    /// The next stretch read from the ranges, not yet yielded.
    fresh: Option<(Secs, Secs)>,
    /// Stretches after a fold, waiting until no range read later can start before them (ranges
    /// read later start later the first time round, but may do so before a repeated hour ends).
    after_fold: Vec<(Secs, Secs)>,
    done: bool,
}

impl<'c> Intervals<'c> {
    /// Start with the first stretch that could contain `t` or follow it.
    pub fn new(week: &'c Week, holidays: &'c [i64], tz: &'c TimeZone, t: Secs) -> Option<Self> {
        let mut clock = Clock::new(tz);
        // A stretch that contains or follows `t` ends at a wall time later than the one `t` shows,
        // and a range ends at most a day after the day that owns it begins, so only the previous
        // day's ranges (crossing midnight) can still be running.
        let day = clock.wall_of(t)?.div_euclid(DAY) - 1;
        let holiday = holidays.partition_point(|h| *h < day);
        Some(Intervals {
            week,
            holidays,
            holiday,
            clock,
            day,
            range: 0,
            floor: Secs::MIN,
            fresh: None,
            after_fold: Vec::new(),
            done: false,
        })
    }

    fn is_holiday(&mut self, day: i64) -> bool {
        while self.holidays.get(self.holiday).is_some_and(|h| *h < day) {
            self.holiday += 1;
        }
        self.holidays.get(self.holiday) == Some(&day)
    }

    /// Jump over up to `max_weeks` whole weeks when the walk is at the start of a day and the weeks
    /// ahead are plain: no holiday, one offset throughout, every stretch inside
    /// `[not_before, not_after]`. Then each week holds exactly [`Week::seconds`] of business time.
    /// Returns the number of weeks jumped.
    pub fn skip_weeks(&mut self, max_weeks: i64, not_before: Secs, not_after: Secs) -> i64 {
        if self.range != 0 || max_weeks <= 0 || self.fresh.is_some() || !self.after_fold.is_empty()
        {
            return 0;
        }
        let window = *self.clock.window();
        let first_wall = self.day * DAY;
        if first_wall < window.wall_lo || first_wall - window.offset < not_before {
            return 0;
        }
        // The ranges owned by the jumped days end before the wall clock reaches the day after them.
        let room = |limit: i64| (limit - first_wall - DAY).div_euclid(WEEK);
        let mut weeks = max_weeks
            .min(room(window.wall_hi))
            .min(room(not_after.saturating_add(window.offset)));
        if self.is_holiday(self.day) {
            return 0;
        }
        if let Some(h) = self.holidays.get(self.holiday) {
            weeks = weeks.min((h - self.day) / 7);
        }
        if weeks <= 0 {
            return 0;
        }
        self.day += 7 * weeks;
        self.floor = self.floor.max(self.day * DAY - window.offset);
        weeks
    }
}

impl Intervals<'_> {
    /// The first stretch of the next range occurrence; a second one, after a fold, waits in
    /// `after_fold`. `None` once the walk is past what jiff can represent.
    fn read_range(&mut self) -> Option<(Secs, Secs)> {
        loop {
            if self.day > LAST_DAY {
                return None;
            }
            let ranges = self.week.day(days::weekday(self.day));
            if self.range == 0 && (ranges.is_empty() || self.is_holiday(self.day)) {
                self.day += 1;
                continue;
            }
            let r = ranges[self.range];
            let base = self.day * DAY;
            // Move on eagerly after a day's last range, so that between stretches the walk rests at
            // the start of a day, where `skip_weeks` can jump.
            self.range += 1;
            if self.range == ranges.len() {
                self.day += 1;
                self.range = 0;
            }
            let start = self.clock.instant_of(base + r.start);
            let start_again = self.clock.repeat_of(base + r.start);
            let end = self.clock.instant_of(base + r.end);
            let end_again = self.clock.repeat_of(base + r.end);
            let (Some(start), Some(end)) = (start, end) else {
                // Before jiff's first instant there is nothing to yield but more may follow;
                // after its last there is nothing more.
                if base < 0 {
                    continue;
                }
                return None;
            };
            let Some(fold) = start_again.or(end_again).map(|(fold, _)| fold) else {
                // A range lying wholly in a gap (spring forward) has no business time that day.
                if end <= start {
                    continue;
                }
                return Some((start, end));
            };
            // A boundary inside the repeated hour: before the fold the range runs from its start
            // until the clock passes its end or goes back; after the fold, from when the clock
            // shows its start again (or the fold itself) until it shows its end the last time.
            let later = (
                start_again.map_or(start, |(_, t)| t).max(fold),
                end_again.map_or(end, |(_, t)| t),
            );
            if later.0 < later.1 {
                let at = self.after_fold.partition_point(|s| *s < later);
                self.after_fold.insert(at, later);
            }
            let earlier = (start, end.min(fold));
            if earlier.0 < earlier.1 {
                return Some(earlier);
            }
        }
    }
}

impl Iterator for Intervals<'_> {
    type Item = (Secs, Secs);

    fn next(&mut self) -> Option<(Secs, Secs)> {
        loop {
            if self.fresh.is_none() && !self.done {
                self.fresh = self.read_range();
                self.done = self.fresh.is_none();
            }
            let waiting = self.after_fold.first().copied();
            let (start, end) = match (self.fresh, waiting) {
                (Some(f), Some(w)) if w.0 <= f.0 => self.after_fold.remove(0),
                (Some(f), _) => {
                    self.fresh = None;
                    f
                }
                (None, Some(_)) => self.after_fold.remove(0),
                (None, None) => return None,
            };
            let start = start.max(self.floor);
            if end <= start {
                continue;
            }
            self.floor = end;
            return Some((start, end));
        }
    }
}
