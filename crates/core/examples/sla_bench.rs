//! Benchmark: SLA evaluations per second on one thread.
//!
//! `cargo run --release -p rapport-core --example sla_bench`
//!
//! Inputs are fixed (a seeded xorshift): 200,000 requests created at any second of 2026-2027 in
//! New York with weekday hours and US holidays, each with a history of 4-12 events (client
//! messages and our replies, a wait on the client and its end, sometimes a delivery), evaluated at
//! a random instant up to 15 days after creation. A second run evaluates one request with a
//! 20,000-event history to show the cost grows with the history, not with its square.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use rapport_core::calendar::CalendarSpec;
use rapport_core::request::{Priority, Status};
use rapport_core::sla::{ClockStatus, SlaEvent, SlaPolicy, evaluate};

const N: usize = 200_000;

fn main() {
    let calendar = CalendarSpec {
        tz: "America/New_York".into(),
        hours: vec!["mon-fri 09:00-17:00".into()],
        holidays: vec![],
        countries: vec!["US".into()],
    }
    .compile()
    .expect("benchmark calendar compiles");
    let policy = SlaPolicy::default();

    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let from = 1_767_225_600; // 2026-01-01T00:00:00Z
    let span = 2 * 365 * 86_400;
    let cases: Vec<(Timestamp, Priority, Vec<SlaEvent>, Timestamp)> = (0..N)
        .map(|_| {
            let created = Timestamp::from_second(from + (next() % span) as i64).unwrap();
            let priority = Priority::ALL[(next() % 4) as usize];
            let mut at = created;
            let events = (0..4 + next() % 9)
                .map(|i| {
                    at += SignedDuration::from_secs((next() % 86_400) as i64);
                    match (i % 4, next() % 10) {
                        (_, 0) => SlaEvent::Status {
                            at,
                            status: Status::Delivered,
                        },
                        (0 | 2, _) => SlaEvent::Outbound { at },
                        (1, _) => SlaEvent::Inbound { at },
                        (_, n) => SlaEvent::Status {
                            at,
                            status: if n % 2 == 0 {
                                Status::WaitingOnClient
                            } else {
                                Status::InProgress
                            },
                        },
                    }
                })
                .collect();
            let now = created + SignedDuration::from_secs((next() % (15 * 86_400)) as i64);
            (created, priority, events, now)
        })
        .collect();
    let events: usize = cases.iter().map(|c| c.2.len()).sum();

    let t0 = Instant::now();
    let mut breached = 0;
    for (created, priority, events, now) in &cases {
        let s = evaluate(&policy, &calendar, *priority, *created, events, *now);
        if s.worst() == ClockStatus::Breached {
            breached += 1;
        }
    }
    let elapsed = t0.elapsed();
    println!(
        "{N} evaluations ({events} events) in {:.3} s: {:.0} per second, {:.2} µs each; {breached} with a breach",
        elapsed.as_secs_f64(),
        N as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / N as f64,
    );

    let created = Timestamp::from_second(from).unwrap();
    let mut at = created;
    let long: Vec<SlaEvent> = (0..20_000)
        .map(|i| {
            at += SignedDuration::from_mins(20);
            match i % 4 {
                0 => SlaEvent::Inbound { at },
                1 => SlaEvent::Outbound { at },
                2 => SlaEvent::Status {
                    at,
                    status: Status::WaitingOnClient,
                },
                _ => SlaEvent::Status {
                    at,
                    status: Status::InProgress,
                },
            }
        })
        .collect();
    let t1 = Instant::now();
    let s = evaluate(&policy, &calendar, Priority::Normal, created, &long, at);
    println!(
        "one request with {} events: {:.2} ms ({} next-response breaches)",
        long.len(),
        t1.elapsed().as_secs_f64() * 1e3,
        s.next_response.breaches,
    );
}
