//! `rapport mail ingest` as a mail server's pipe runs it: one message on standard input, the
//! outcome as a JSON line, exit 2 for bad arguments and for mail over the size limit (recorded
//! in triage and refused, so the sender's server returns it).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use rapport_store::Engine;
use rapport_store::testing::TestDb;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

fn rapport(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn setup(db: &str) {
    let out = rapport(&["demo", "--db", db], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn outcome(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("stdout: {}", String::from_utf8_lossy(&out.stdout)))
}

const MAIL: &[u8] =
    b"From: Priya Mehta <priya.mehta@kaveri.example>\r\nTo: support@northwind.example\r\n\
Subject: Pipe test\r\nMessage-ID: <pipe-1@kaveri.example>\r\n\r\nThe export is empty.\r\n";

#[test]
fn a_piped_message_becomes_a_request_once() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    setup(&url);
    let args = ["mail", "ingest", "--db", &url, "--org", "northwind"];
    let first = rapport(&args, MAIL);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first = outcome(&first);
    assert_eq!(first["outcome"], "new_request");
    let again = outcome(&rapport(&args, MAIL));
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["request_id"], first["request_id"]);
}

#[test]
fn oversized_mail_is_kept_in_triage_and_refused() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    setup(&url);
    let mut big = MAIL.to_vec();
    big.extend(std::iter::repeat_n(b'x', 50_000));
    let out = rapport(
        &[
            "mail",
            "ingest",
            "--db",
            &url,
            "--org",
            "northwind",
            "--max-size",
            "10000",
        ],
        &big,
    );
    assert_eq!(out.status.code(), Some(2));
    let o = outcome(&out);
    assert_eq!(
        (o["outcome"].as_str(), o["reason"].as_str()),
        (Some("triaged"), Some("too_large"))
    );
    assert!(o["detail"].as_str().unwrap().contains("50"), "{o}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--max-size") && err.contains("triage item"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2_naming_them() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    setup(&url);
    let out = rapport(&["mail", "ingest", "--db", &url, "--org", "nobody"], MAIL);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--org \"nobody\""));
    let out = rapport(&["mail", "ingest", "--db", &url], MAIL);
    assert_eq!(out.status.code(), Some(2), "--org is required");
    let out = rapport(
        &[
            "mail",
            "ingest",
            "--db",
            &url,
            "--org",
            "northwind",
            "/no/such/file.eml",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.eml"));
}
