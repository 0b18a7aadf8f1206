//! `rapport calendar add|between` run as a real process: output, exit codes, messages.

use std::process::{Command, Output};

const NY_WEEKDAYS: [&str; 4] = ["--tz", "America/New_York", "--hours", "mon-fri 09:00-17:00"];

fn calendar(verb: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["calendar", verb])
        .args(args)
        .output()
        .expect("run rapport")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Run, expect exit code 2 and nothing on stdout, and return stderr.
fn bad(verb: &str, args: &[&str]) -> String {
    let out = calendar(verb, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

fn with_ny(args: &[&'static str]) -> Vec<&'static str> {
    let mut all = args.to_vec();
    all.extend(NY_WEEKDAYS);
    all
}

#[test]
fn issue_example() {
    // 2026-03-06 is a Friday. New York keeps EST (-05:00) until Sunday 8 March, so 16:30Z is
    // 11:30 local; 17:00 closes 330 minutes later, so all 240 minutes fit on Friday:
    // 11:30 + 4h = 15:30 EST.
    let args = with_ny(&["--start", "2026-03-06T16:30:00Z", "--minutes", "240"]);
    assert_eq!(
        stdout(&calendar("add", &args)),
        "2026-03-06T15:30:00-05:00\n"
    );
}

#[test]
fn friday_afternoon_runs_into_monday_after_the_clock_change() {
    // Friday 16:30 EST (21:30Z): 30 minutes to 17:00; the weekend is closed (and loses an hour on
    // Sunday to daylight saving, which is not business time); the other 210 minutes run from
    // Monday 09:00, now EDT (-04:00), to 12:30.
    let args = with_ny(&["--start", "2026-03-06T21:30:00Z", "--minutes", "240"]);
    assert_eq!(
        stdout(&calendar("add", &args)),
        "2026-03-09T12:30:00-04:00\n"
    );

    let back = with_ny(&[
        "--from",
        "2026-03-06T16:30:00-05:00",
        "--to",
        "2026-03-09T12:30:00-04:00",
    ]);
    assert_eq!(stdout(&calendar("between", &back)), "240\n");
    let reverse = with_ny(&[
        "--from",
        "2026-03-09T12:30:00-04:00",
        "--to",
        "2026-03-06T16:30:00-05:00",
    ]);
    assert_eq!(stdout(&calendar("between", &reverse)), "-240\n");
}

#[test]
fn dst_night_shift_gets_the_extra_hour_in_autumn() {
    // Saturday 22:00 to Sunday 06:00 in London. On 25 October 2026 the clocks go back at 02:00
    // BST, so that shift holds 9 hours of real time: 22:00 BST (21:00Z) + 540 min = 06:00 GMT.
    let shift = ["--tz", "Europe/London", "--hours", "sat 22:00-06:00"];
    let mut args = vec!["--start", "2026-10-24T21:00:00Z", "--minutes", "540"];
    args.extend(shift);
    assert_eq!(
        stdout(&calendar("add", &args)),
        "2026-10-25T06:00:00+00:00\n"
    );
    let mut args = vec![
        "--from",
        "2026-10-24T00:00:00Z",
        "--to",
        "2026-10-26T00:00:00Z",
    ];
    args.extend(shift);
    assert_eq!(stdout(&calendar("between", &args)), "540\n");
}

#[test]
fn hours_holidays_and_countries_accumulate() {
    // Wednesday 25 November 2026, 16:00 EST. Thanksgiving (from --country US) closes Thursday and
    // --holiday closes Friday; Saturday has hours from the second --hours. So 60 minutes on
    // Wednesday, then 60 on Saturday from 10:00.
    let args = [
        "--start",
        "2026-11-25T16:00:00-05:00",
        "--minutes",
        "120",
        "--tz",
        "America/New_York",
        "--hours",
        "mon-fri 09:00-17:00",
        "--hours",
        "sat 10:00-12:00",
        "--country",
        "US",
        "--holiday",
        "2026-11-27",
    ];
    assert_eq!(
        stdout(&calendar("add", &args)),
        "2026-11-28T11:00:00-05:00\n"
    );
}

#[test]
fn seconds_are_kept_and_between_rounds_down() {
    let args = with_ny(&["--start", "2026-03-04T10:00:30-05:00", "--minutes", "90"]);
    assert_eq!(
        stdout(&calendar("add", &args)),
        "2026-03-04T11:30:30-05:00\n"
    );
    let between = with_ny(&[
        "--from",
        "2026-03-04T10:00:30-05:00",
        "--to",
        "2026-03-04T11:30:29-05:00",
    ]);
    assert_eq!(stdout(&calendar("between", &between)), "89\n");
}

#[test]
fn json_shapes() {
    let mut args = with_ny(&[
        "--start",
        "2026-03-06T16:30:00Z",
        "--minutes",
        "240",
        "--json",
    ]);
    args.extend(["--country", "US", "--holiday", "2026-12-24"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&calendar("add", &args))).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "deadline": "2026-03-06T15:30:00-05:00",
            "start": "2026-03-06T11:30:00-05:00",
            "minutes": 240,
            "calendar": {
                "tz": "America/New_York",
                "hours": ["mon-fri 09:00-17:00"],
                "holidays": ["2026-12-24"],
                "countries": ["US"],
            },
        })
    );

    let args = with_ny(&[
        "--from",
        "2026-03-06T16:30:00Z",
        "--to",
        "2026-03-09T16:30:00Z",
        "--json",
    ]);
    let value: serde_json::Value =
        serde_json::from_str(&stdout(&calendar("between", &args))).unwrap();
    // Friday 11:30-17:00 EST (330) + Monday 09:00-12:30 EDT (210).
    assert_eq!(value["minutes"], 540);
    assert_eq!(value["from"], "2026-03-06T11:30:00-05:00");
    assert_eq!(value["to"], "2026-03-09T12:30:00-04:00");
    assert_eq!(
        value["calendar"],
        serde_json::json!({
            "tz": "America/New_York",
            "hours": ["mon-fri 09:00-17:00"],
            "holidays": [],
            "countries": [],
        })
    );
}

#[test]
fn bad_calendars_exit_2_naming_the_flag_and_value() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--tz", "America/Nowhere", "--hours", "mon-fri 09:00-17:00"],
            "--tz: time zone \"America/Nowhere\": not a known IANA zone name",
        ),
        (
            &["--tz", "UTC", "--hours", "mon-fri 9-5"],
            "--hours: hours \"mon-fri 9-5\": expected HH:MM-HH:MM, got \"9-5\"",
        ),
        (
            &["--tz", "UTC", "--hours", "mon 09:00-25:00"],
            "--hours: hours \"mon 09:00-25:00\": \"25:00\" is not a time of day",
        ),
        (
            &[
                "--tz",
                "UTC",
                "--hours",
                "mon-fri 09:00-17:00",
                "--hours",
                "fri 16:00-18:00",
            ],
            "--hours: hours \"mon-fri 09:00-17:00\" and \"fri 16:00-18:00\" overlap on fri",
        ),
        (
            &["--tz", "UTC"],
            "--hours: hours: the week has no business time",
        ),
        (
            &[
                "--tz",
                "UTC",
                "--hours",
                "mon-fri 09:00-17:00",
                "--holiday",
                "12/25/2026",
            ],
            "--holiday: holiday \"12/25/2026\": expected a date as YYYY-MM-DD",
        ),
        (
            &[
                "--tz",
                "UTC",
                "--hours",
                "mon-fri 09:00-17:00",
                "--country",
                "XX",
            ],
            "--country: country \"XX\": no holiday set; supported: AU, CA, DE",
        ),
    ];
    for (calendar_flags, expected) in cases {
        let mut args = vec!["--start", "2026-03-06T16:30:00Z", "--minutes", "240"];
        args.extend_from_slice(calendar_flags);
        let err = bad("add", &args);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(expected), "{calendar_flags:?}: {err}");
        // `between` compiles the same flags the same way.
        let mut args = vec![
            "--from",
            "2026-03-06T16:30:00Z",
            "--to",
            "2026-03-07T16:30:00Z",
        ];
        args.extend_from_slice(calendar_flags);
        assert!(bad("between", &args).contains(expected));
    }
}

#[test]
fn bad_minutes_and_instants_exit_2() {
    let minutes = |m: &'static str| {
        calendar(
            "add",
            &with_ny(&["--start", "2026-03-06T16:30:00Z", "--minutes", m]),
        )
    };
    let err = |out: Output| {
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };
    assert!(err(minutes("0")).contains("--minutes: minutes must be greater than 0, got 0"));
    assert!(err(minutes("-5")).contains("--minutes: minutes must be greater than 0, got -5"));
    // Ten years of a 40-hour week is 2400 * 3653 / 7 = 1,252,457 minutes: that much is allowed,
    // one more is refused.
    assert!(minutes("1252457").status.success());
    assert!(err(minutes("1252458")).contains("--minutes: minutes 1252458 exceed 10 years"));
    assert!(err(minutes("lots")).contains("--minutes"));

    let args = with_ny(&["--start", "2026-03-06", "--minutes", "5"]);
    assert!(bad("add", &args).contains("--start \"2026-03-06\": expected an RFC 3339 instant"));
    let args = with_ny(&["--from", "yesterday", "--to", "2026-03-06T16:30:00Z"]);
    assert!(bad("between", &args).contains("--from \"yesterday\""));
    let args = with_ny(&[
        "--from",
        "2026-03-06T16:30:00Z",
        "--to",
        "2026-13-01T00:00:00Z",
    ]);
    assert!(bad("between", &args).contains("--to \"2026-13-01T00:00:00Z\""));
    // A missing required flag is a usage error from the argument parser: also exit 2.
    assert!(bad("between", &["--from", "2026-03-06T16:30:00Z"]).contains("--to"));
}
