//! Suggested due dates: when can the assignee keep a new promise, given the work ahead of it?

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{CapacityError, MAX_SAFETY_MARGIN_PERCENT, check_capacity};
use crate::business_time as bt;
use crate::calendar::Calendar;
use crate::request::{MAX_ESTIMATE_MINUTES, Priority};

/// One piece of open work already assigned to the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem {
    pub priority: Priority,
    /// What is left of its estimate (see [`super::remaining_minutes`]).
    pub remaining_minutes: i64,
    /// A delivery of this work is already promised to a client: it goes first whatever its
    /// priority, since new work may not break a promise already made.
    #[serde(default)]
    pub promised: bool,
}

/// The work a new promise is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWork {
    pub priority: Priority,
    pub estimate_minutes: i64,
}

/// When the member can deliver new work, and the date Rapport proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// The soonest the work can be done if every estimate holds: nothing before this is realistic.
    pub earliest: Timestamp,
    /// The date to promise: the work ahead and the new work with the safety margin added.
    pub suggested: Timestamp,
    /// Remaining estimates of the open work that goes first.
    pub work_ahead_minutes: i64,
    pub items_ahead: usize,
    pub estimate_minutes: i64,
    pub safety_margin_percent: u16,
    /// The client work the member delivers per week, and the working hours it is spread over.
    pub weekly_capacity_minutes: i64,
    pub weekly_working_minutes: i64,
    /// Business minutes of the member's calendar from now to each date.
    pub business_minutes_to_earliest: i64,
    pub business_minutes_to_suggested: i64,
}

/// Propose a due date the member can keep for `new_work`.
///
/// Open work at the new work's priority or above goes first, and so does work whose delivery is
/// already promised, whatever its priority; within a priority it is first come, first served, so
/// the new work queues behind everything of its own priority and jumps ahead of unpromised
/// lower priorities. `queue` holds the member's open work with what is left of each estimate.
///
/// `calendar` is the member's own (zone, working hours and holidays). With the `client`'s
/// calendar, the suggested date is moved to the first instant at or after it when both are at
/// work (an instant that ends a working stretch counts: work done by 17:00 is due at 17:00), so
/// nobody is promised a date on a holiday or in the night of either side. When the two never
/// overlap (a Chicago member and a Kolkata client), it is the client's next opening after the
/// work is done. `earliest` stays when the work can be done: a promise after it is possible.
///
/// The member delivers `weekly_capacity_minutes` of client work a week, spread evenly over their
/// working hours: a minute of work takes `working / capacity` business minutes. `earliest` is when
/// the work ahead plus the new estimate would be done at that pace; `suggested` adds
/// `safety_margin_percent` to all of that work ([`super::DEFAULT_SAFETY_MARGIN_PERCENT`] is 20).
/// Counting starts at `now`, or at the next opening when `now` is outside working hours.
///
/// Errors name the bad input: a member with no capacity, negative or absurd minutes, a margin
/// above 500 %, or a queue that would take more than ten years.
pub fn suggest_due(
    now: Timestamp,
    calendar: &Calendar,
    client: Option<&Calendar>,
    weekly_capacity_minutes: i64,
    queue: &[QueueItem],
    new_work: NewWork,
    safety_margin_percent: u16,
) -> Result<Suggestion, CapacityError> {
    let capacity = check_capacity(weekly_capacity_minutes)?;
    if capacity == 0 {
        return Err(CapacityError::NoCapacity);
    }
    if !(0..=MAX_ESTIMATE_MINUTES).contains(&new_work.estimate_minutes) {
        return Err(CapacityError::Estimate(new_work.estimate_minutes));
    }
    if safety_margin_percent > MAX_SAFETY_MARGIN_PERCENT {
        return Err(CapacityError::Margin(safety_margin_percent));
    }
    let mut work_ahead: i64 = 0;
    let mut items_ahead = 0;
    for (index, item) in queue.iter().enumerate() {
        if !(0..=MAX_ESTIMATE_MINUTES).contains(&item.remaining_minutes) {
            return Err(CapacityError::Remaining {
                index,
                minutes: item.remaining_minutes,
            });
        }
        if item.promised || item.priority >= new_work.priority {
            work_ahead = work_ahead.saturating_add(item.remaining_minutes);
            items_ahead += 1;
        }
    }

    let working = calendar.weekly_minutes();
    let pace = capacity.min(working);
    let total = i128::from(work_ahead) + i128::from(new_work.estimate_minutes);
    let with_margin = ceil_div(total * (100 + i128::from(safety_margin_percent)), 100);
    // Business minutes needed at the member's pace, rounded up: underpromise, never over.
    let business = |work: i128| ceil_div(work * i128::from(working), i128::from(pace));
    let (to_earliest, to_suggested) = (business(total), business(with_margin));
    let too_far = || CapacityError::TooFar {
        work_minutes: work_ahead.saturating_add(new_work.estimate_minutes),
        capacity_minutes: capacity,
    };
    let max = i128::from(calendar.max_add_minutes());
    if to_suggested > max {
        return Err(too_far());
    }
    let at =
        |minutes: i128| bt::add(calendar, now, bt::minutes(minutes as i64)).ok_or_else(too_far);
    let earliest = at(to_earliest)?;
    let mut suggested = at(to_suggested)?;
    let mut to_suggested = to_suggested as i64;
    if let Some(client) = client {
        let shared = common_time(calendar, client, suggested)
            .or_else(|| client.next_open(suggested))
            .ok_or_else(too_far)?;
        if shared != suggested {
            suggested = shared;
            to_suggested = calendar.business_minutes_between(now, suggested);
        }
    }
    Ok(Suggestion {
        earliest,
        suggested,
        work_ahead_minutes: work_ahead,
        items_ahead,
        estimate_minutes: new_work.estimate_minutes,
        safety_margin_percent,
        weekly_capacity_minutes: capacity,
        weekly_working_minutes: working,
        business_minutes_to_earliest: to_earliest as i64,
        business_minutes_to_suggested: to_suggested,
    })
}

/// How far past a date [`common_time`] looks for an hour both sides work: four weeks hold every
/// weekly overlap, and any holiday season.
const OVERLAP_HORIZON_DAYS: i64 = 28;

/// `calendar` is at work at `t`, or `t` ends a stretch of work (a date due at closing time).
fn at_work(calendar: &Calendar, t: Timestamp) -> bool {
    calendar.is_open(t)
        || t.checked_sub(jiff::SignedDuration::from_secs(1))
            .is_ok_and(|before| calendar.is_open(before))
}

/// The first instant at or after `t` when both calendars are at work, within
/// [`OVERLAP_HORIZON_DAYS`]; `None` when they do not overlap in that time.
fn common_time(member: &Calendar, client: &Calendar, t: Timestamp) -> Option<Timestamp> {
    let horizon = t
        .checked_add(jiff::SignedDuration::from_hours(24 * OVERLAP_HORIZON_DAYS))
        .ok()?;
    let mut at = t;
    while at <= horizon {
        // Each step moves on to the next opening of a side that is not at work (strictly
        // later, since it is closed now), and looks again from there.
        match (at_work(member, at), at_work(client, at)) {
            (true, true) => return Some(at),
            (_, false) => at = client.next_open(at)?,
            (false, true) => at = member.next_open(at)?,
        }
    }
    None
}

fn ceil_div(a: i128, b: i128) -> i128 {
    (a + b - 1).div_euclid(b)
}

/// Returned when a promise is made for a date the member's queue cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseWarning {
    pub earliest_realistic: Timestamp,
    pub suggested: Timestamp,
    pub message: String,
}

/// A warning when `due` is earlier than the work ahead allows (before `suggestion.earliest`).
/// A due date between `earliest` and `suggested` is tight but possible: no warning.
pub fn check_promise(due: Timestamp, suggestion: &Suggestion) -> Option<PromiseWarning> {
    if due >= suggestion.earliest {
        return None;
    }
    let message = format!(
        "the assignee cannot deliver by {due}: {} of work goes first and this needs {}, at {} of client work a week; the earliest realistic date is {} (suggested: {})",
        hours(suggestion.work_ahead_minutes),
        hours(suggestion.estimate_minutes),
        hours(suggestion.weekly_capacity_minutes),
        suggestion.earliest,
        suggestion.suggested,
    );
    Some(PromiseWarning {
        earliest_realistic: suggestion.earliest,
        suggested: suggestion.suggested,
        message,
    })
}

/// "6 h", "6.5 h", "45 min".
fn hours(minutes: i64) -> String {
    if minutes < 60 {
        return format!("{minutes} min");
    }
    let tenths = (minutes * 10 + 30) / 60;
    if tenths % 10 == 0 {
        format!("{} h", tenths / 10)
    } else {
        format!("{}.{} h", tenths / 10, tenths % 10)
    }
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

    fn item(priority: Priority, remaining_minutes: i64) -> QueueItem {
        QueueItem {
            priority,
            remaining_minutes,
            promised: false,
        }
    }

    fn work(priority: Priority, estimate_minutes: i64) -> NewWork {
        NewWork {
            priority,
            estimate_minutes,
        }
    }

    #[test]
    fn higher_and_equal_priorities_go_first() {
        let c = cal("Europe/London", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00Z"); // Monday, GMT
        let queue = [
            item(Priority::Low, 600),
            item(Priority::Normal, 240),
            item(Priority::Urgent, 120),
            item(Priority::Normal, 120),
        ];
        let s = suggest_due(now, &c, None, 2400, &queue, work(Priority::Normal, 480), 20).unwrap();
        assert_eq!(s.work_ahead_minutes, 480);
        assert_eq!(s.items_ahead, 3);
        // 960 minutes at full pace: Monday and Tuesday.
        assert_eq!(s.earliest, ts("2026-03-03T17:00:00Z"));
        // 1152 with the margin: 192 into Wednesday.
        assert_eq!(s.business_minutes_to_suggested, 1152);
        assert_eq!(s.suggested, ts("2026-03-04T12:12:00Z"));

        let urgent =
            suggest_due(now, &c, None, 2400, &queue, work(Priority::Urgent, 60), 0).unwrap();
        assert_eq!(urgent.work_ahead_minutes, 120);
        assert_eq!(urgent.earliest, ts("2026-03-02T12:00:00Z"));
        assert_eq!(urgent.suggested, urgent.earliest, "no margin asked");
    }

    fn cal_in(tz: &str, hours: &[&str], countries: &[&str]) -> Calendar {
        CalendarSpec {
            tz: tz.into(),
            hours: hours.iter().map(|s| s.to_string()).collect(),
            holidays: vec![],
            countries: countries.iter().map(|s| s.to_string()).collect(),
        }
        .compile()
        .unwrap()
    }

    #[test]
    fn promised_work_goes_first_whatever_its_priority() {
        let c = cal("Europe/London", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00Z");
        let promised = QueueItem {
            promised: true,
            ..item(Priority::Low, 960)
        };
        let queue = [promised, item(Priority::Low, 600)];
        let s = suggest_due(now, &c, None, 2400, &queue, work(Priority::Normal, 480), 0).unwrap();
        assert_eq!((s.work_ahead_minutes, s.items_ahead), (960, 1));
        // 1440 minutes: three working days.
        assert_eq!(s.earliest, ts("2026-03-04T17:00:00Z"));
        let unpromised = [item(Priority::Low, 960)];
        let s = suggest_due(
            now,
            &c,
            None,
            2400,
            &unpromised,
            work(Priority::Normal, 480),
            0,
        )
        .unwrap();
        assert_eq!(s.work_ahead_minutes, 0);
    }

    #[test]
    fn the_suggestion_is_a_working_hour_of_member_and_client() {
        // A Chicago member and a Kolkata client never work at the same time: the date is the
        // client's next opening after the work is done (10:40 in Chicago, 22:10 in Kolkata).
        let chicago = cal("America/Chicago", &["mon-fri 09:00-17:00"]);
        let kolkata = cal_in("Asia/Kolkata", &["mon-fri 09:30-18:00"], &["IN"]);
        let now = ts("2026-03-02T09:00:00-06:00");
        let new = work(Priority::Normal, 100);
        let s = suggest_due(now, &chicago, Some(&kolkata), 2400, &[], new, 0).unwrap();
        assert_eq!(s.earliest, ts("2026-03-02T10:40:00-06:00"));
        assert_eq!(s.suggested, ts("2026-03-03T09:30:00+05:30"));
        assert_eq!(
            s.business_minutes_to_suggested,
            chicago.business_minutes_between(now, s.suggested)
        );
        // Work done on Tuesday afternoon in Chicago (the small hours of Wednesday in Kolkata)
        // waits for Thursday: Wednesday is Holi.
        let late = suggest_due(
            now,
            &chicago,
            Some(&kolkata),
            2400,
            &[],
            work(Priority::Normal, 900),
            0,
        )
        .unwrap();
        assert_eq!(late.earliest, ts("2026-03-03T16:00:00-06:00"));
        assert_eq!(late.suggested, ts("2026-03-05T09:30:00+05:30"));

        // London over Christmas: never the 25th, nor Boxing Day observed on the 28th.
        let member = cal_in("Europe/London", &["mon-fri 09:00-17:00"], &["GB"]);
        let client = cal_in("Europe/London", &["mon-fri 09:00-17:30"], &["GB"]);
        let eve = ts("2026-12-24T09:00:00Z");
        let s = suggest_due(
            eve,
            &member,
            Some(&client),
            2400,
            &[],
            work(Priority::Normal, 600),
            0,
        )
        .unwrap();
        assert_eq!(s.earliest, ts("2026-12-29T11:00:00Z"));
        assert_eq!(s.suggested, s.earliest, "both at work then");
        // A member who keeps no holidays finishes on the 25th; the client is back on the 29th.
        let plain = cal("Europe/London", &["mon-fri 09:00-17:00"]);
        let s = suggest_due(
            eve,
            &plain,
            Some(&client),
            2400,
            &[],
            work(Priority::Normal, 600),
            0,
        )
        .unwrap();
        assert_eq!(s.earliest, ts("2026-12-25T11:00:00Z"));
        assert_eq!(s.suggested, ts("2026-12-29T09:00:00Z"));
        // Work done at the member's closing time is due then, inside the client's day.
        let s = suggest_due(
            eve,
            &plain,
            Some(&client),
            2400,
            &[],
            work(Priority::Normal, 480),
            0,
        )
        .unwrap();
        assert_eq!(s.suggested, ts("2026-12-24T17:00:00Z"));
    }

    #[test]
    fn half_capacity_is_half_speed() {
        let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00-05:00");
        let full = suggest_due(now, &c, None, 2400, &[], work(Priority::Normal, 240), 0).unwrap();
        let half = suggest_due(now, &c, None, 1200, &[], work(Priority::Normal, 240), 0).unwrap();
        assert_eq!(full.earliest, ts("2026-03-02T13:00:00-05:00"));
        assert_eq!(half.business_minutes_to_earliest, 480);
        assert_eq!(half.earliest, ts("2026-03-02T17:00:00-05:00"));
        // More capacity than working hours does not make anyone faster.
        let over = suggest_due(now, &c, None, 4000, &[], work(Priority::Normal, 240), 0).unwrap();
        assert_eq!(over.earliest, full.earliest);
    }

    #[test]
    fn counting_starts_at_the_next_working_hour() {
        let c = cal("Asia/Kolkata", &["mon-fri 09:30-18:30"]);
        let saturday = ts("2026-03-07T12:00:00+05:30");
        let s = suggest_due(saturday, &c, None, 2700, &[], work(Priority::High, 60), 20).unwrap();
        assert_eq!(s.earliest, ts("2026-03-09T10:30:00+05:30"));
        assert_eq!(s.suggested, ts("2026-03-09T10:42:00+05:30"));
    }

    #[test]
    fn a_promise_the_queue_cannot_carry_warns_with_the_earliest_date() {
        let c = cal("Europe/London", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00Z");
        let queue = [item(Priority::High, 1800)];
        let s = suggest_due(now, &c, None, 1200, &queue, work(Priority::Normal, 390), 20).unwrap();
        // 2190 minutes of work at half pace: 4380 business minutes, nine days and an hour.
        assert_eq!(s.earliest, ts("2026-03-13T10:00:00Z"));
        let w = check_promise(ts("2026-03-06T17:00:00Z"), &s).unwrap();
        assert_eq!(w.earliest_realistic, s.earliest);
        assert!(
            w.message.contains("30 h of work goes first"),
            "{}",
            w.message
        );
        assert!(w.message.contains("this needs 6.5 h"), "{}", w.message);
        assert!(
            w.message.contains("at 20 h of client work"),
            "{}",
            w.message
        );
        assert!(
            w.message.contains("is 2026-03-13T10:00:00Z"),
            "{}",
            w.message
        );
        assert_eq!(check_promise(s.earliest, &s), None);
        assert_eq!(check_promise(s.suggested, &s), None);
    }

    #[test]
    fn absurd_inputs_are_named() {
        let c = cal("UTC", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00Z");
        let ok = work(Priority::Normal, 60);
        let err =
            |cap, q: &[QueueItem], w, m| suggest_due(now, &c, None, cap, q, w, m).unwrap_err();
        assert_eq!(err(0, &[], ok, 20), CapacityError::NoCapacity);
        assert_eq!(err(-5, &[], ok, 20), CapacityError::Capacity(-5));
        assert_eq!(
            err(2400, &[], work(Priority::Normal, -1), 20).field(),
            "estimate_minutes"
        );
        let bad = err(
            2400,
            &[item(Priority::Low, 10), item(Priority::Low, -3)],
            ok,
            20,
        );
        assert_eq!(bad.field(), "queue[1].remaining_minutes");
        assert!(bad.to_string().contains("got -3"));
        assert_eq!(err(2400, &[], ok, 501), CapacityError::Margin(501));
        // A minute a week against a huge queue: refused, not a loop or an overflow.
        let huge = vec![item(Priority::Urgent, MAX_ESTIMATE_MINUTES); 1000];
        let e = err(1, &huge, ok, 20);
        assert!(matches!(e, CapacityError::TooFar { .. }), "{e}");
    }

    proptest! {
        /// More work ahead, less capacity or a bigger margin never gives an earlier date; the
        /// suggestion is never before the earliest; nothing is due before `now`.
        #[test]
        fn dates_move_the_right_way(
            start in 1_767_225_600i64..1_830_000_000,
            ahead in prop::collection::vec((0usize..4, 0i64..3000), 0..8),
            estimate in 0i64..3000,
            capacity in 600i64..3000,
            margin in 0u16..100,
            extra in 1i64..600,
        ) {
            let c = cal("America/New_York", &["mon-fri 09:00-12:00,13:00-17:00"]);
            let now = Timestamp::from_second(start).unwrap();
            let queue: Vec<_> = ahead.iter().map(|&(p, m)| item(Priority::ALL[p], m)).collect();
            let new = work(Priority::Normal, estimate);
            let s = suggest_due(now, &c, None, capacity, &queue, new, margin).unwrap();
            prop_assert!(s.earliest >= now);
            prop_assert!(s.suggested >= s.earliest);
            let expected_ahead: i64 = queue.iter().filter(|q| q.priority >= Priority::Normal).map(|q| q.remaining_minutes).sum();
            prop_assert_eq!(s.work_ahead_minutes, expected_ahead);

            let mut longer = queue.clone();
            longer.push(item(Priority::High, extra));
            let more = suggest_due(now, &c, None, capacity, &longer, new, margin).unwrap();
            prop_assert!(more.earliest >= s.earliest && more.suggested >= s.suggested);
            // Lower-priority work does not delay it.
            let mut behind = queue.clone();
            behind.push(item(Priority::Low, extra));
            prop_assert_eq!(suggest_due(now, &c, None, capacity, &behind, new, margin).unwrap(), s);
            let slower = suggest_due(now, &c, None, (capacity - extra).max(300), &queue, new, margin).unwrap();
            prop_assert!(slower.earliest >= s.earliest);
            let safer = suggest_due(now, &c, None, capacity, &queue, new, margin + 10).unwrap();
            prop_assert!(safer.suggested >= s.suggested && safer.earliest == s.earliest);
            // The business time to the earliest date is what the work needs at this pace, rounded
            // up to the minute.
            let business = c.business_minutes_between(now, s.earliest);
            prop_assert_eq!(business, s.business_minutes_to_earliest);
            let (working, pace) = (c.weekly_minutes(), capacity.min(c.weekly_minutes()));
            let total = expected_ahead + estimate;
            prop_assert!(business * pace >= total * working);
            prop_assert!(total == 0 || (business - 1) * pace < total * working);
            prop_assert!(check_promise(s.earliest, &s).is_none());
        }
    }
}
