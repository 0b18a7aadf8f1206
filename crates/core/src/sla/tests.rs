//! SLA clocks: worked examples in several zones, then properties over random histories.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::calendar::CalendarSpec;

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

fn new_york() -> Calendar {
    cal("America/New_York", &["mon-fri 09:00-17:00"])
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn status(at: &str, status: Status) -> SlaEvent {
    SlaEvent::Status { at: ts(at), status }
}

fn inbound(at: &str) -> SlaEvent {
    SlaEvent::Inbound { at: ts(at) }
}

fn outbound(at: &str) -> SlaEvent {
    SlaEvent::Outbound { at: ts(at) }
}

fn nano(t: Timestamp) -> Timestamp {
    t + SignedDuration::from_nanos(1)
}

/// A policy with one target per clock for `normal` requests and none otherwise.
fn policy(first: i64, next: i64, resolution: i64) -> SlaPolicy {
    let mut p = SlaPolicy::default();
    p.targets.normal = SlaTargets {
        first_response_minutes: Some(first),
        next_response_minutes: Some(next),
        resolution_minutes: Some(resolution),
    };
    p
}

// ----- worked examples -------------------------------------------------------------------------

#[test]
fn waiting_on_the_client_over_a_weekend_moves_the_deadline() {
    // Friday 2026-03-06 15:00 EST, 480 business minutes for the first response. 60 run before the
    // pause at 16:00; the client answers on Monday (EDT by then) and work resumes at 11:00.
    let c = new_york();
    let p = policy(480, 960, 4800);
    let created = ts("2026-03-06T15:00:00-05:00");
    let events = [
        status("2026-03-06T16:00:00-05:00", Status::WaitingOnClient),
        status("2026-03-09T11:00:00-04:00", Status::InProgress),
    ];

    let paused = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-07T12:00:00Z"),
    );
    let fr = paused.first_response;
    assert_eq!(fr.state, ClockStatus::Ok);
    assert!(fr.paused && !fr.running);
    assert_eq!(fr.elapsed_business_minutes, 60);
    assert_eq!(fr.due_at, None, "no deadline while paused");

    let monday = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-09T12:00:00-04:00"),
    );
    let fr = monday.first_response;
    assert!(fr.running && !fr.paused);
    assert_eq!(fr.elapsed_business_minutes, 120);
    // 420 left from Monday 11:00: 360 to 17:00, 60 on Tuesday.
    assert_eq!(fr.due_at, Some(ts("2026-03-10T10:00:00-04:00")));
    // The same as adding the paused business time (Fri 16-17, Mon 9-11) to the target.
    let paused_minutes = c.business_minutes_between(
        ts("2026-03-06T16:00:00-05:00"),
        ts("2026-03-09T11:00:00-04:00"),
    );
    assert_eq!(paused_minutes, 180);
    assert_eq!(
        fr.due_at,
        Some(
            c.add_business_minutes(created, 480 + paused_minutes)
                .unwrap()
        )
    );
    // Without the pause it would have been Monday 15:00.
    let plain = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &[],
        ts("2026-03-09T12:00:00-04:00"),
    );
    assert_eq!(
        plain.first_response.due_at,
        Some(ts("2026-03-09T15:00:00-04:00"))
    );
}

#[test]
fn a_reply_at_the_due_instant_is_in_time_and_a_nanosecond_later_is_not() {
    let c = new_york();
    let p = SlaPolicy::default(); // urgent first response: 60
    let created = ts("2026-03-02T10:00:00-05:00");
    let due = ts("2026-03-02T11:00:00-05:00");

    let at_due = evaluate(&p, &c, Priority::Urgent, created, &[], due).first_response;
    assert_eq!(at_due.due_at, Some(due));
    assert_eq!(at_due.elapsed_business_minutes, 60);
    assert_eq!(
        at_due.state,
        ClockStatus::AtRisk,
        "the whole budget used, not exceeded"
    );
    let after = evaluate(&p, &c, Priority::Urgent, created, &[], nano(due)).first_response;
    assert_eq!(after.state, ClockStatus::Breached);
    assert_eq!(after.due_at, Some(due));
    assert_eq!(after.breaches, 1);

    let in_time = [outbound("2026-03-02T11:00:00-05:00")];
    let met = evaluate(
        &p,
        &c,
        Priority::Urgent,
        created,
        &in_time,
        ts("2026-03-03T00:00:00Z"),
    );
    assert_eq!(met.first_response.state, ClockStatus::Met);
    assert_eq!(met.first_response.met_at, Some(due));
    assert_eq!(met.first_response.due_at, Some(due));

    let late = [outbound("2026-03-02T11:00:01-05:00")];
    let late = evaluate(
        &p,
        &c,
        Priority::Urgent,
        created,
        &late,
        ts("2026-03-03T00:00:00Z"),
    );
    assert_eq!(late.first_response.state, ClockStatus::Breached);
    assert_eq!(
        late.first_response.met_at,
        Some(ts("2026-03-02T11:00:01-05:00"))
    );
    assert!(!late.first_response.running);
}

#[test]
fn a_deadline_at_closing_time_breaches_that_evening_not_next_morning() {
    let c = new_york();
    let p = SlaPolicy::default();
    let created = ts("2026-03-06T16:00:00-05:00"); // Friday
    let s = evaluate(
        &p,
        &c,
        Priority::Urgent,
        created,
        &[],
        ts("2026-03-06T17:30:00-05:00"),
    );
    assert_eq!(s.first_response.elapsed_business_minutes, 60);
    assert_eq!(
        s.first_response.due_at,
        Some(ts("2026-03-06T17:00:00-05:00"))
    );
    assert_eq!(s.first_response.state, ClockStatus::Breached);
}

#[test]
fn at_risk_from_the_configured_share() {
    let c = new_york();
    let mut p = SlaPolicy::default();
    let created = ts("2026-03-02T10:00:00-05:00");
    let at = |p: &SlaPolicy, t: &str| evaluate(p, &c, Priority::Urgent, created, &[], ts(t));

    let before = at(&p, "2026-03-02T10:44:59-05:00").first_response;
    assert_eq!(before.state, ClockStatus::Ok);
    assert_eq!(before.at_risk_at, Some(ts("2026-03-02T10:45:00-05:00")));
    assert_eq!(
        at(&p, "2026-03-02T10:45:00-05:00").first_response.state,
        ClockStatus::AtRisk
    );

    p.at_risk_percent = 50;
    let half = at(&p, "2026-03-02T10:30:00-05:00").first_response;
    assert_eq!(half.state, ClockStatus::AtRisk);
    assert_eq!(half.at_risk_at, Some(ts("2026-03-02T10:30:00-05:00")));
}

#[test]
fn a_priority_without_targets_has_no_clocks() {
    let c = new_york();
    let mut p = SlaPolicy::default();
    p.targets.low = SlaTargets::default();
    p.targets.high.next_response_minutes = None;
    let created = ts("2026-03-02T10:00:00-05:00");
    let events = [
        outbound("2026-03-02T10:05:00-05:00"),
        inbound("2026-03-02T10:10:00-05:00"),
    ];
    let now = ts("2026-03-20T10:00:00Z");

    let low = evaluate(&p, &c, Priority::Low, created, &events, now);
    assert_eq!(low, SlaState::default());
    assert!(transitions(&SlaState::default(), &low).is_empty());
    assert_eq!(low.next_change_at(now), None);

    let high = evaluate(&p, &c, Priority::High, created, &events, now);
    assert_eq!(high.next_response.state, ClockStatus::NotApplicable);
    assert_eq!(high.first_response.state, ClockStatus::Met);
    assert_eq!(high.resolution.state, ClockStatus::Breached);
}

#[test]
fn spring_forward_inside_the_window_is_an_hour_less_on_the_wall() {
    // Round the clock: business time is real time. Saturday 12:00 EST plus 24 hours crosses the
    // change at 02:00 Sunday, so the deadline shows 13:00 EDT.
    let c = cal("America/New_York", &["mon-sun 00:00-24:00"]);
    let p = SlaPolicy::default(); // urgent resolution: 1440
    let created = ts("2026-03-07T12:00:00-05:00");
    let s = evaluate(
        &p,
        &c,
        Priority::Urgent,
        created,
        &[],
        ts("2026-03-08T12:00:00-04:00"),
    );
    assert_eq!(s.resolution.due_at, Some(ts("2026-03-08T13:00:00-04:00")));
    assert_eq!(s.resolution.elapsed_business_minutes, 23 * 60);

    // Office hours across the autumn change: the Sunday fold is outside hours and costs nothing.
    let c = new_york();
    let created = ts("2026-10-30T16:00:00-04:00"); // Friday, EDT
    let s = evaluate(
        &p,
        &c,
        Priority::Urgent,
        created,
        &[],
        ts("2026-11-02T09:30:00-05:00"),
    );
    assert_eq!(s.resolution.elapsed_business_minutes, 90);
    // 1440 = 60 on Friday, 480 each on Monday and Tuesday, 420 on Wednesday.
    assert_eq!(s.resolution.due_at, Some(ts("2026-11-04T16:00:00-05:00")));
}

#[test]
fn kolkata_half_hour_offset() {
    let c = cal("Asia/Kolkata", &["mon-fri 09:30-18:30"]);
    let p = SlaPolicy::default(); // normal first response: 480
    let created = ts("2026-03-02T17:00:00+05:30"); // Monday
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &[],
        ts("2026-03-03T10:00:00+05:30"),
    );
    // 90 minutes on Monday, 390 from 09:30 on Tuesday.
    assert_eq!(s.first_response.due_at, Some(ts("2026-03-03T10:30:00Z")));
    assert_eq!(s.first_response.elapsed_business_minutes, 120);
    assert_eq!(s.first_response.state, ClockStatus::Ok);
}

#[test]
fn next_response_measures_each_wait_from_the_oldest_unanswered_message() {
    let c = new_york();
    let p = policy(60, 120, 4800);
    let created = ts("2026-03-02T09:00:00-05:00");
    let mut events = vec![
        inbound("2026-03-02T09:00:00-05:00"), // the request itself: first response covers it
        outbound("2026-03-02T09:30:00-05:00"),
        inbound("2026-03-02T10:00:00-05:00"),
        inbound("2026-03-02T11:00:00-05:00"), // a nudge does not restart the wait
    ];
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-02T11:30:00-05:00"),
    );
    assert_eq!(s.first_response.state, ClockStatus::Met);
    let nr = s.next_response;
    assert_eq!(nr.started_at, Some(ts("2026-03-02T10:00:00-05:00")));
    assert_eq!(nr.elapsed_business_minutes, 90);
    assert_eq!(nr.state, ClockStatus::AtRisk);
    assert_eq!(nr.due_at, Some(ts("2026-03-02T12:00:00-05:00")));

    // Answered late, then a new wait that is answered in time.
    events.extend([
        outbound("2026-03-02T12:15:00-05:00"),
        inbound("2026-03-02T14:00:00-05:00"),
    ]);
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-02T14:10:00-05:00"),
    );
    assert_eq!(s.next_response.state, ClockStatus::Ok);
    assert_eq!(
        s.next_response.started_at,
        Some(ts("2026-03-02T14:00:00-05:00"))
    );
    assert_eq!(s.next_response.breaches, 1, "the late answer is remembered");
    events.push(outbound("2026-03-02T14:20:00-05:00"));
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-02T16:00:00-05:00"),
    );
    assert_eq!(s.next_response.state, ClockStatus::Met);
    assert_eq!(s.next_response.elapsed_business_minutes, 20);
}

#[test]
fn next_response_is_idle_until_the_client_writes_after_our_first_reply() {
    let c = new_york();
    let p = policy(60, 120, 4800);
    let created = ts("2026-03-02T09:00:00-05:00");
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &[inbound("2026-03-02T09:10:00-05:00")],
        ts("2026-03-03T09:00:00-05:00"),
    );
    assert_eq!(s.next_response, ClockState::idle(120, 0));
}

#[test]
fn delivery_meets_resolution_and_reopening_resumes_it() {
    let c = new_york();
    let p = policy(60, 120, 600);
    let created = ts("2026-03-02T09:00:00-05:00");
    let mut events = vec![
        outbound("2026-03-02T09:10:00-05:00"),
        status("2026-03-02T13:00:00-05:00", Status::Delivered),
        status("2026-03-03T09:00:00-05:00", Status::Closed),
    ];
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-04T09:00:00-05:00"),
    );
    assert_eq!(s.resolution.state, ClockStatus::Met);
    assert_eq!(s.resolution.met_at, Some(ts("2026-03-02T13:00:00-05:00")));
    assert_eq!(s.resolution.elapsed_business_minutes, 240);
    assert_eq!(s.resolution.due_at, Some(ts("2026-03-03T11:00:00-05:00")));

    // Reopened on Thursday 09:00: two days closed do not count; 360 minutes remain.
    events.push(status("2026-03-05T09:00:00-05:00", Status::Triaged));
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        created,
        &events,
        ts("2026-03-05T10:00:00-05:00"),
    );
    assert_eq!(s.resolution.state, ClockStatus::Ok);
    assert_eq!(s.resolution.met_at, None);
    assert_eq!(s.resolution.elapsed_business_minutes, 300);
    assert_eq!(s.resolution.due_at, Some(ts("2026-03-05T15:00:00-05:00")));
}

#[test]
fn the_quick_lane_meets_everything_at_once() {
    let c = new_york();
    let p = SlaPolicy::default();
    let at = "2026-03-07T12:00:00Z"; // a Saturday: outside hours does not matter
    let events = [outbound(at), status(at, Status::Delivered)];
    let s = evaluate(
        &p,
        &c,
        Priority::Normal,
        ts(at),
        &events,
        ts("2026-03-09T12:00:00Z"),
    );
    assert_eq!(s.first_response.state, ClockStatus::Met);
    assert_eq!(s.resolution.state, ClockStatus::Met);
    assert_eq!(s.resolution.elapsed_business_minutes, 0);
    assert_eq!(s.next_response.state, ClockStatus::Idle);
    assert_eq!(s.worst(), ClockStatus::Met);
}

#[test]
fn a_job_alerts_each_change_once() {
    let c = new_york();
    let p = policy(60, 60, 4800);
    let created = ts("2026-03-02T09:00:00-05:00");
    let events = [
        outbound("2026-03-02T10:30:00-05:00"), // first response late
        inbound("2026-03-02T11:00:00-05:00"),
        outbound("2026-03-02T13:00:00-05:00"), // next response late
        inbound("2026-03-02T14:00:00-05:00"),
        outbound("2026-03-02T14:10:00-05:00"), // in time
    ];
    let mut previous = SlaState::default();
    let mut alerts = Vec::new();
    let mut t = created;
    let end = ts("2026-03-02T17:00:00-05:00");
    while t <= end {
        let current = evaluate(&p, &c, Priority::Normal, created, &events, t);
        alerts.extend(
            transitions(&previous, &current)
                .into_iter()
                .filter(|x| x.is_alert()),
        );
        previous = current;
        t += SignedDuration::from_mins(5);
    }
    let seen: Vec<_> = alerts.iter().map(|a| (a.clock, a.to)).collect();
    assert_eq!(
        seen,
        [
            (ClockKind::FirstResponse, ClockStatus::AtRisk),
            (ClockKind::FirstResponse, ClockStatus::Breached),
            (ClockKind::NextResponse, ClockStatus::AtRisk),
            (ClockKind::NextResponse, ClockStatus::Breached),
        ]
    );
    assert!(alerts[1].escalates() && !alerts[0].escalates());

    // Looking only at the start and the end still reports both breaches, once each.
    let end_state = evaluate(&p, &c, Priority::Normal, created, &events, end);
    let once = transitions(&SlaState::default(), &end_state);
    let breaches: Vec<_> = once
        .iter()
        .filter(|x| x.escalates())
        .map(|x| x.clock)
        .collect();
    assert_eq!(
        breaches,
        [ClockKind::FirstResponse, ClockKind::NextResponse]
    );
    assert!(transitions(&end_state, &end_state).is_empty());
}

#[test]
fn next_change_tells_the_job_when_to_look_again() {
    let c = new_york();
    let p = SlaPolicy::default();
    let created = ts("2026-03-02T10:00:00-05:00");
    let now = ts("2026-03-02T10:10:00-05:00");
    let s = evaluate(&p, &c, Priority::Urgent, created, &[], now);
    let next = s.next_change_at(now).unwrap();
    assert_eq!(next, ts("2026-03-02T10:45:00-05:00"));
    let later = evaluate(&p, &c, Priority::Urgent, created, &[], next);
    assert_eq!(later.first_response.state, ClockStatus::AtRisk);
    let next = later.next_change_at(next).unwrap();
    assert_eq!(next, nano(ts("2026-03-02T11:00:00-05:00")));
    assert_eq!(
        evaluate(&p, &c, Priority::Urgent, created, &[], next)
            .first_response
            .state,
        ClockStatus::Breached
    );
}

#[test]
fn a_calendar_with_a_minute_a_week_gives_no_deadline_rather_than_looping() {
    // Default urgent resolution (1440 minutes) is 27 years of this calendar: past the ten-year
    // horizon, so no deadline, and the answer comes at once.
    let c = cal("Pacific/Apia", &["sun 10:00-10:01"]);
    let created = ts("2026-03-02T10:00:00Z");
    let now = ts("2026-06-02T10:00:00Z");
    let s = evaluate(
        &SlaPolicy::default(),
        &c,
        Priority::Urgent,
        created,
        &[],
        now,
    );
    assert_eq!(s.resolution.due_at, None);
    assert_eq!(s.resolution.state, ClockStatus::Ok);
    assert!(s.resolution.running);
    assert!(s.resolution.elapsed_business_minutes <= 14);
    // First response (60 minutes) fits: sixty Sundays.
    assert!(s.first_response.due_at.unwrap() > ts("2027-04-01T00:00:00Z"));
}

#[test]
fn policies_serialise_into_the_api_shape() {
    let c = new_york();
    let s = evaluate(
        &SlaPolicy::default(),
        &c,
        Priority::Normal,
        ts("2026-03-02T10:00:00-05:00"),
        &[],
        ts("2026-03-02T11:00:00-05:00"),
    );
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["first_response"]["state"], "ok");
    assert_eq!(json["next_response"]["state"], "idle");
    assert_eq!(json["resolution"]["target_minutes"], 4800);
    assert_eq!(json["first_response"]["due_at"], "2026-03-03T15:00:00Z");
    assert_eq!(serde_json::from_value::<SlaState>(json).unwrap(), s);
}

// ----- properties ------------------------------------------------------------------------------

fn fixtures() -> Vec<Calendar> {
    vec![
        CalendarSpec {
            tz: "America/New_York".into(),
            hours: vec!["mon-fri 09:00-17:00".into()],
            holidays: vec![],
            countries: vec!["US".into()],
        }
        .compile()
        .unwrap(),
        cal(
            "Asia/Kolkata",
            &["mon-fri 09:30-13:00,14:00-18:30", "sat 10:00-14:00"],
        ),
        cal("Europe/London", &["mon-sun 00:00-24:00"]),
        cal("Australia/Lord_Howe", &["sun-thu 22:00-06:00"]),
    ]
}

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn history() -> impl Strategy<Value = (Timestamp, Vec<SlaEvent>)> {
    let event = (0i64..21 * 86_400, 0u8..6).prop_map(|(offset, kind)| (offset, kind));
    (0i64..365 * 86_400, prop::collection::vec(event, 0..12)).prop_map(|(start, evs)| {
        let created = Timestamp::from_second(START + start).unwrap();
        let events = evs
            .into_iter()
            .map(|(offset, kind)| {
                let at = created + SignedDuration::from_secs(offset);
                match kind {
                    0 => SlaEvent::Inbound { at },
                    1 => SlaEvent::Outbound { at },
                    2 => SlaEvent::Status {
                        at,
                        status: Status::WaitingOnClient,
                    },
                    3 => SlaEvent::Status {
                        at,
                        status: Status::InProgress,
                    },
                    4 => SlaEvent::Status {
                        at,
                        status: Status::Delivered,
                    },
                    _ => SlaEvent::Inbound { at },
                }
            })
            .collect();
        (created, events)
    })
}

fn small_policy() -> impl Strategy<Value = SlaPolicy> {
    (1i64..600, 1i64..600, 1i64..3000, 1u8..100).prop_map(|(f, n, r, pct)| {
        let mut p = policy(f, n, r);
        p.at_risk_percent = pct;
        p
    })
}

fn until(events: &[SlaEvent], now: Timestamp) -> Vec<SlaEvent> {
    events.iter().copied().filter(|e| e.at() <= now).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A running clock's due instant is exact: with nothing new happening, the clock is not
    /// breached at it, has then run exactly its target, and is breached a nanosecond later.
    #[test]
    fn due_instants_are_exact(
        ci in 0usize..4, p in small_policy(), (created, events) in history(), later in 0i64..25 * 86_400,
    ) {
        let c = &fixtures()[ci];
        let now = created + SignedDuration::from_secs(later);
        let past = until(&events, now);
        let s = evaluate(&p, c, Priority::Normal, created, &past, now);
        for kind in ClockKind::ALL {
            let clock = s.clock(*kind);
            if !clock.running || clock.state == ClockStatus::Breached {
                continue;
            }
            let due = clock.due_at.expect("a running clock has a deadline");
            prop_assert!(due >= now);
            let at_due = *evaluate(&p, c, Priority::Normal, created, &past, due).clock(*kind);
            prop_assert_ne!(at_due.state, ClockStatus::Breached);
            prop_assert_eq!(at_due.elapsed_business_minutes, clock.target_minutes.unwrap());
            prop_assert_eq!(at_due.due_at, Some(due));
            let after = *evaluate(&p, c, Priority::Normal, created, &past, nano(due)).clock(*kind);
            prop_assert_eq!(after.state, ClockStatus::Breached);
            prop_assert_eq!(after.due_at, Some(due));
        }
    }

    /// Clocks only move forward: business time elapsed never shrinks, never exceeds the business
    /// time since creation, and a breached first response stays breached.
    #[test]
    fn clocks_only_move_forward(
        ci in 0usize..4, p in small_policy(), (created, events) in history(),
        a in 0i64..25 * 86_400, b in 0i64..25 * 86_400,
    ) {
        let c = &fixtures()[ci];
        let (t1, t2) = (created + SignedDuration::from_secs(a.min(b)), created + SignedDuration::from_secs(a.max(b)));
        let s1 = evaluate(&p, c, Priority::Normal, created, &events, t1);
        let s2 = evaluate(&p, c, Priority::Normal, created, &events, t2);
        for s in [&s1, &s2] {
            prop_assert!(s.resolution.elapsed_business_minutes >= 0);
        }
        let available = c.business_minutes_between(created, t2);
        prop_assert!(s2.resolution.elapsed_business_minutes <= available);
        prop_assert!(s2.first_response.elapsed_business_minutes <= available);
        prop_assert!(s1.first_response.elapsed_business_minutes <= s2.first_response.elapsed_business_minutes);
        if s1.first_response.state == ClockStatus::Breached {
            prop_assert_eq!(s2.first_response.state, ClockStatus::Breached);
        }
        prop_assert!(s1.next_response.breaches <= s2.next_response.breaches);
    }

    /// Without pauses or deliveries, a clock has run exactly the business time since it started.
    #[test]
    fn without_pauses_elapsed_is_business_time(
        ci in 0usize..4, (created, events) in history(), later in 0i64..25 * 86_400,
    ) {
        let c = &fixtures()[ci];
        let now = created + SignedDuration::from_secs(later);
        let messages: Vec<_> = events.into_iter().filter(|e| !matches!(e, SlaEvent::Status { .. })).collect();
        let s = evaluate(&policy(600, 600, 600), c, Priority::Normal, created, &messages, now);
        prop_assert_eq!(s.resolution.elapsed_business_minutes, c.business_minutes_between(created, now));
        prop_assert!(s.resolution.running);
        let expected = c.add_business_minutes(created, 600).unwrap();
        prop_assert_eq!(s.resolution.due_at, Some(expected));
    }

    /// However often the job looks, each breach is reported exactly once.
    #[test]
    fn each_breach_is_reported_once(
        ci in 0usize..4, p in small_policy(), (created, events) in history(),
        steps in prop::collection::vec(1i64..3 * 86_400, 1..15),
    ) {
        let c = &fixtures()[ci];
        let mut previous = SlaState::default();
        let mut t = created;
        let mut breaches = [0u32; 3];
        for step in steps {
            t += SignedDuration::from_secs(step);
            let current = evaluate(&p, c, Priority::Normal, created, &events, t);
            for x in transitions(&previous, &current) {
                if x.escalates() {
                    breaches[x.clock as usize] += 1;
                }
            }
            previous = current;
        }
        prop_assert_eq!(breaches[0], previous.first_response.breaches);
        prop_assert_eq!(breaches[1], previous.next_response.breaches);
        prop_assert!(breaches[2] <= 1);
        prop_assert_eq!(breaches[2], previous.resolution.breaches);
        // A job that looks only once, at the end, reports the same breaches.
        let mut once = [0u32; 3];
        for x in transitions(&SlaState::default(), &previous) {
            if x.escalates() {
                once[x.clock as usize] += 1;
            }
        }
        prop_assert_eq!(once, breaches);
    }
}
