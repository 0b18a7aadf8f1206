//! Benchmark: 1,000,000 SLA deadlines on one thread.
//!
//! `cargo run --release -p rapport-core --example calendar_bench`
//!
//! Inputs are fixed (a seeded xorshift), so runs differ only by the machine: starts spread over
//! 2026-2027 at any second, minutes from 60 to 2400 (one hour to a working week), in New York with
//! weekday hours and US holidays, so deadlines cross nights, weekends, holidays and both clock
//! changes. It then counts the business minutes back with `business_minutes_between` and checks
//! they match, which also keeps the optimiser from discarding the work.

use std::time::Instant;

use jiff::Timestamp;
use rapport_core::calendar::CalendarSpec;

const N: usize = 1_000_000;

fn main() {
    let spec = CalendarSpec {
        tz: "America/New_York".into(),
        hours: vec!["mon-fri 09:00-17:00".into()],
        holidays: vec![],
        countries: vec!["US".into()],
    };
    let calendar = spec.compile().expect("benchmark calendar compiles");

    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let from = Timestamp::from_second(1_767_225_600).unwrap().as_second(); // 2026-01-01T00:00:00Z
    let span = 2 * 365 * 86_400;
    let inputs: Vec<(Timestamp, i64)> = (0..N)
        .map(|_| {
            let start = Timestamp::from_second(from + (next() % span as u64) as i64).unwrap();
            let minutes = 60 + (next() % 2341) as i64;
            (start, minutes)
        })
        .collect();

    let t0 = Instant::now();
    let deadlines: Vec<Timestamp> = inputs
        .iter()
        .map(|&(start, minutes)| {
            calendar
                .add_business_minutes(start, minutes)
                .expect("deadline")
        })
        .collect();
    let add_time = t0.elapsed();

    let t1 = Instant::now();
    let mut mismatches = 0;
    for (&(start, minutes), &deadline) in inputs.iter().zip(&deadlines) {
        if calendar.business_minutes_between(start, deadline) != minutes {
            mismatches += 1;
        }
    }
    let between_time = t1.elapsed();

    let per = |d: std::time::Duration| d.as_nanos() as f64 / N as f64;
    println!("calendar: {:?}", calendar.spec());
    println!(
        "add_business_minutes:     {N} deadlines in {:.3} s ({:.0} ns each)",
        add_time.as_secs_f64(),
        per(add_time)
    );
    println!(
        "business_minutes_between: {N} counts    in {:.3} s ({:.0} ns each)",
        between_time.as_secs_f64(),
        per(between_time)
    );
    println!("round trips that disagree: {mismatches}");
    assert_eq!(mismatches, 0);

    // Long counts (up to the ten-year cap) jump whole weeks, so they cost about as much per
    // holiday and clock change crossed as the short ones do per day.
    const LONG: usize = 10_000;
    let max = calendar.max_add_minutes();
    let long: Vec<(Timestamp, i64)> = inputs[..LONG]
        .iter()
        .map(|&(start, _)| (start, max / 2 + (next() % (max as u64 / 2)) as i64))
        .collect();
    let t2 = Instant::now();
    let mut last = Timestamp::UNIX_EPOCH;
    for &(start, minutes) in &long {
        last = last.max(
            calendar
                .add_business_minutes(start, minutes)
                .expect("long deadline"),
        );
    }
    let long_time = t2.elapsed();
    println!(
        "add_business_minutes:     {LONG} deadlines of {}..{max} minutes in {:.3} s ({:.0} ns each), latest {last}",
        max / 2,
        long_time.as_secs_f64(),
        long_time.as_nanos() as f64 / LONG as f64
    );
}
