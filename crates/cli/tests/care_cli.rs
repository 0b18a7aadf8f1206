//! `rapport sentiment` and `rapport lint`, run as the real binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn rapport(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rapport runs");
    let mut pipe = child.stdin.take().unwrap();
    // A child that fails before reading stdin (a missing file) closes the pipe first.
    match pipe.write_all(stdin.unwrap_or_default()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A file in this test's own scratch directory.
fn scratch(test: &str, name: &str, contents: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("care_cli")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const PROFILE: &str = r#"{
  "client": {"tone": "formal", "language": "en-GB", "avoid": ["Dear Sir/Madam", "guys"],
             "glossary": [{"ours": "ladies' fingers", "theirs": "okra"},
                          {"ours": "C++ (beta)", "theirs": "the new engine"}]},
  "contacts": [{"id": "priya", "name": "Priya Mehta", "preferred_name": "Dr Mehta",
                "form_of_address": "Dr", "avoid": ["ma'am"]}],
  "calendar": {"tz": "America/New_York", "hours": ["mon-fri 09:00-17:00"],
               "holidays": ["2026-12-25"]}
}"#;

fn lint_json(test: &str, text: &str, extra: &[&str]) -> Value {
    let profile = scratch(test, "profile.json", PROFILE.as_bytes());
    let text_file = scratch(test, "message.txt", text.as_bytes());
    let mut args = vec![
        "lint",
        "--profile",
        profile.to_str().unwrap(),
        "--text",
        text_file.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = rapport(&args, None);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

// ---- sentiment ----

#[test]
fn sentiment_json_reproduces_vader() {
    let out = rapport(
        &[
            "sentiment",
            "VADER is VERY SMART, handsome, and FUNNY!!!",
            "--json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got,
        json!({"compound": 0.9342, "pos": 0.767, "neu": 0.233, "neg": 0.0, "label": "positive"})
    );
}

#[test]
fn sentiment_plain_prints_label_and_compound() {
    let out = rapport(&["sentiment", "Today SUX!"], None);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "negative -0.5461\n");
    let out = rapport(&["sentiment", ""], None);
    assert_eq!(stdout(&out), "neutral 0\n");
}

#[test]
fn sentiment_reads_stdin_for_a_dash() {
    let out = rapport(
        &["sentiment", "-", "--json"],
        Some("The book was good.\n".as_bytes()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["compound"], json!(0.4404));
}

#[test]
fn sentiment_rejects_non_utf8_stdin_with_exit_2() {
    let out = rapport(&["sentiment", "-"], Some(b"caf\xe9 ok"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not valid UTF-8 (invalid byte at offset 3)"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

// ---- lint ----

#[test]
fn lint_json_lists_findings_with_byte_offsets() {
    let text = "Dear Priya,\n\nThanks guys \u{2014} our ladies\u{2019} fingers and C++ (beta), ma\u{2019}am.\n";
    let got = lint_json("json", text, &["--to", "priya"]);
    let rows = got.as_array().unwrap();
    let seen: Vec<(String, String, Value)> = rows
        .iter()
        .map(|r| {
            let (s, e) = (
                r["start"].as_u64().unwrap() as usize,
                r["end"].as_u64().unwrap() as usize,
            );
            (
                r["rule"].as_str().unwrap().to_string(),
                text[s..e].to_string(),
                r["suggestion"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("wrong_name".into(), "Priya".into(), json!("Dr Mehta")),
            ("avoided_form".into(), "guys".into(), json!("Dr Mehta")),
            (
                "glossary".into(),
                "ladies\u{2019} fingers".into(),
                json!("okra")
            ),
            (
                "glossary".into(),
                "C++ (beta)".into(),
                json!("the new engine")
            ),
            (
                "avoided_form".into(),
                "ma\u{2019}am".into(),
                json!("Dr Mehta")
            ),
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
}

#[test]
fn lint_plain_prints_line_and_column() {
    let profile = scratch("plain", "profile.json", PROFILE.as_bytes());
    let text = scratch(
        "plain",
        "message.txt",
        "Dear Dr Mehta,\n\nÜber guys here.\n".as_bytes(),
    );
    let out = rapport(
        &[
            "lint",
            "--profile",
            profile.to_str().unwrap(),
            "--text",
            text.to_str().unwrap(),
            "--to",
            "priya",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "3:6: avoided_form: \"guys\" is on the client's list of words to avoid (suggestion: Dr Mehta)\n"
    );
    let clean = scratch("plain", "clean.txt", b"Dear Dr Mehta,\nAll good.\n");
    let out = rapport(
        &[
            "lint",
            "--profile",
            profile.to_str().unwrap(),
            "--text",
            clean.to_str().unwrap(),
            "--to",
            "priya",
        ],
        None,
    );
    assert_eq!(stdout(&out), "no findings\n");
}

#[test]
fn lint_checks_a_reply_to_a_complaint() {
    let text = "Dear Dr Mehta,\nAs per the contract, that is not our fault.\n";
    let got = lint_json(
        "complaint",
        text,
        &["--to", "priya", "--reply-to-complaint"],
    );
    let rules: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "no_acknowledgement",
            "no_question",
            "defensive",
            "defensive"
        ]
    );
    let without = lint_json("complaint", text, &["--to", "priya"]);
    assert_eq!(without, json!([]));
}

#[test]
fn lint_at_a_quiet_time_suggests_the_next_local_opening() {
    // Saturday 18:00 in New York.
    let got = lint_json(
        "quiet",
        "Dear Dr Mehta,\nHello.",
        &["--to", "priya", "--at", "2026-03-07T23:00:00Z"],
    );
    assert_eq!(
        got,
        json!([{
            "rule": "quiet_hours", "start": 0, "end": 0,
            "message": "2026-03-07 18:00 (America/New_York) is outside the client's business hours",
            "suggestion": "next good local time: 2026-03-09 09:00 (America/New_York)"
        }])
    );
    let holiday = lint_json("quiet", "Hello.", &["--at", "2026-12-25T15:00:00-05:00"]);
    assert_eq!(holiday[0]["rule"], json!("holiday"));
    assert_eq!(
        holiday[0]["suggestion"],
        json!("next good local time: 2026-12-28 09:00 (America/New_York)")
    );
    let open = lint_json("quiet", "Hello.", &["--at", "2026-03-10T14:00:00Z"]);
    assert_eq!(open, json!([]));
}

#[test]
fn lint_reads_the_text_from_stdin() {
    let profile = scratch("stdin", "profile.json", PROFILE.as_bytes());
    let out = rapport(
        &[
            "lint",
            "--profile",
            profile.to_str().unwrap(),
            "--text",
            "-",
            "--json",
        ],
        Some("Dear Sir/Madam,".as_bytes()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got[0]["rule"], json!("avoided_form"));
    assert_eq!(
        (got[0]["start"].clone(), got[0]["end"].clone()),
        (json!(0), json!(14))
    );
}

/// Runs `rapport lint` expecting exit 2; returns stderr.
fn lint_fails(test: &str, profile: &str, text: &[u8], extra: &[&str]) -> String {
    let profile = scratch(test, "profile.json", profile.as_bytes());
    let text = scratch(test, "message.txt", text);
    let mut args = vec![
        "lint",
        "--profile",
        profile.to_str().unwrap(),
        "--text",
        text.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = rapport(&args, None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout {} stderr {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    stderr(&out)
}

#[test]
fn lint_bad_input_exits_2_naming_the_problem() {
    let err = lint_fails("bad_utf8", PROFILE, b"Dear \xff\xfe Priya", &[]);
    assert!(
        err.contains("message.txt is not valid UTF-8 (invalid byte at offset 5)"),
        "{err}"
    );

    let err = lint_fails("unknown_contact", PROFILE, b"hi", &["--to", "zed"]);
    assert!(
        err.contains("no contact with id \"zed\" (known: priya)"),
        "{err}"
    );

    let err = lint_fails("bad_json", "{\"client\": [", b"hi", &[]);
    assert!(
        err.contains("--profile") && err.contains("profile.json"),
        "{err}"
    );

    let err = lint_fails("typo", r#"{"clients": {}}"#, b"hi", &[]);
    assert!(err.contains("unknown field `clients`"), "{err}");

    let err = lint_fails(
        "blank_phrase",
        r#"{"client": {"avoid": ["ok", ""]}}"#,
        b"hi",
        &[],
    );
    assert!(err.contains("client.avoid[1]: blank phrase"), "{err}");

    let err = lint_fails("bad_at", PROFILE, b"hi", &["--at", "next tuesday"]);
    assert!(err.contains("--at \"next tuesday\""), "{err}");

    let err = lint_fails(
        "no_calendar",
        "{}",
        b"hi",
        &["--at", "2026-03-07T23:00:00Z"],
    );
    assert!(err.contains("--at needs a \"calendar\""), "{err}");

    let bad_hours = r#"{"calendar": {"tz": "Europe/London", "hours": ["mon-fri 9-5"]}}"#;
    let err = lint_fails(
        "bad_hours",
        bad_hours,
        b"hi",
        &["--at", "2026-03-07T23:00:00Z"],
    );
    assert!(
        err.contains("calendar.hours") && err.contains("mon-fri 9-5"),
        "{err}"
    );

    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("care_cli/does-not-exist.json");
    let out = rapport(
        &[
            "lint",
            "--profile",
            missing.to_str().unwrap(),
            "--text",
            "-",
        ],
        Some(b"hi"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn lint_handles_several_megabytes_of_mixed_scripts() {
    let chunk = "Grüße, 日本語のテキスト, привет guys — ladies' fingers; مرحبا.\n";
    let text = chunk.repeat(60_000); // about 4.3 MB
    let got = lint_json("large", &text, &[]);
    let rows = got.as_array().unwrap();
    assert_eq!(rows.len(), 120_000);
    let last = rows.last().unwrap();
    let (s, e) = (
        last["start"].as_u64().unwrap() as usize,
        last["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "ladies' fingers");
}

#[test]
fn lint_knows_country_holidays() {
    // Christmas Day 2026 (a Friday) at 15:00 in New York: inside office hours, but a US holiday.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("care_cli_country");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("profile.json");
    std::fs::write(
        &profile,
        r#"{"calendar": {"tz": "America/New_York", "hours": ["mon-fri 09:00-17:00"], "countries": ["US"]}}"#,
    )
    .unwrap();
    let out = rapport(
        &[
            "lint",
            "--profile",
            profile.to_str().unwrap(),
            "--text",
            "-",
            "--at",
            "2026-12-25T20:00:00Z",
            "--json",
        ],
        Some(b"Hello, the report is attached."),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let findings: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rules: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"holiday"), "{rules:?}");
    // The suggestion is the next working day, Monday 28 December, at opening time.
    let holiday = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "holiday")
        .unwrap();
    assert!(
        holiday["suggestion"]
            .as_str()
            .unwrap()
            .contains("2026-12-28"),
        "{holiday}"
    );
}
