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
/// Open work at the new work's priority or above goes first; within a priority it is first come,
/// first served, so the new work queues behind everything of its own priority and jumps ahead of
/// lower priorities. `queue` holds the member's open work with what is left of each estimate.
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
        if item.priority >= new_work.priority {
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
    Ok(Suggestion {
        earliest: at(to_earliest)?,
        suggested: at(to_suggested)?,
        work_ahead_minutes: work_ahead,
        items_ahead,
        estimate_minutes: new_work.estimate_minutes,
        safety_margin_percent,
        weekly_capacity_minutes: capacity,
        weekly_working_minutes: working,
        business_minutes_to_earliest: to_earliest as i64,
        business_minutes_to_suggested: to_suggested as i64,
    })
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
        let s = suggest_due(now, &c, 2400, &queue, work(Priority::Normal, 480), 20).unwrap();
        assert_eq!(s.work_ahead_minutes, 480);
        assert_eq!(s.items_ahead, 3);
        // 960 minutes at full pace: Monday and Tuesday.
        assert_eq!(s.earliest, ts("2026-03-03T17:00:00Z"));
        // 1152 with the margin: 192 into Wednesday.
        assert_eq!(s.business_minutes_to_suggested, 1152);
        assert_eq!(s.suggested, ts("2026-03-04T12:12:00Z"));

        let urgent = suggest_due(now, &c, 2400, &queue, work(Priority::Urgent, 60), 0).unwrap();
        assert_eq!(urgent.work_ahead_minutes, 120);
        assert_eq!(urgent.earliest, ts("2026-03-02T12:00:00Z"));
        assert_eq!(urgent.suggested, urgent.earliest, "no margin asked");
    }

    #[test]
    fn half_capacity_is_half_speed() {
        let c = cal("America/New_York", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00-05:00");
        let full = suggest_due(now, &c, 2400, &[], work(Priority::Normal, 240), 0).unwrap();
        let half = suggest_due(now, &c, 1200, &[], work(Priority::Normal, 240), 0).unwrap();
        assert_eq!(full.earliest, ts("2026-03-02T13:00:00-05:00"));
        assert_eq!(half.business_minutes_to_earliest, 480);
        assert_eq!(half.earliest, ts("2026-03-02T17:00:00-05:00"));
        // More capacity than working hours does not make anyone faster.
        let over = suggest_due(now, &c, 4000, &[], work(Priority::Normal, 240), 0).unwrap();
        assert_eq!(over.earliest, full.earliest);
    }

    #[test]
    fn counting_starts_at_the_next_working_hour() {
        let c = cal("Asia/Kolkata", &["mon-fri 09:30-18:30"]);
        let saturday = ts("2026-03-07T12:00:00+05:30");
        let s = suggest_due(saturday, &c, 2700, &[], work(Priority::High, 60), 20).unwrap();
        assert_eq!(s.earliest, ts("2026-03-09T10:30:00+05:30"));
        assert_eq!(s.suggested, ts("2026-03-09T10:42:00+05:30"));
    }

    #[test]
    fn a_promise_the_queue_cannot_carry_warns_with_the_earliest_date() {
        let c = cal("Europe/London", &["mon-fri 09:00-17:00"]);
        let now = ts("2026-03-02T09:00:00Z");
        let queue = [item(Priority::High, 1800)];
        let s = suggest_due(now, &c, 1200, &queue, work(Priority::Normal, 390), 20).unwrap();
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
        let err = |cap, q: &[QueueItem], w, m| suggest_due(now, &c, cap, q, w, m).unwrap_err();
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
            let s = suggest_due(now, &c, capacity, &queue, new, margin).unwrap();
            prop_assert!(s.earliest >= now);
            prop_assert!(s.suggested >= s.earliest);
            let expected_ahead: i64 = queue.iter().filter(|q| q.priority >= Priority::Normal).map(|q| q.remaining_minutes).sum();
            prop_assert_eq!(s.work_ahead_minutes, expected_ahead);

            let mut longer = queue.clone();
            longer.push(item(Priority::High, extra));
            let more = suggest_due(now, &c, capacity, &longer, new, margin).unwrap();
            prop_assert!(more.earliest >= s.earliest && more.suggested >= s.suggested);
            // Lower-priority work does not delay it.
            let mut behind = queue.clone();
            behind.push(item(Priority::Low, extra));
            prop_assert_eq!(suggest_due(now, &c, capacity, &behind, new, margin).unwrap(), s);
            let slower = suggest_due(now, &c, (capacity - extra).max(300), &queue, new, margin).unwrap();
            prop_assert!(slower.earliest >= s.earliest);
            let safer = suggest_due(now, &c, capacity, &queue, new, margin + 10).unwrap();
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
