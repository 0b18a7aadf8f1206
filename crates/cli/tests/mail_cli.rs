//! `rapport mail parse` end to end: the real binary on files from the mail corpus.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../mail/tests/corpus")
        .join(name)
}

fn rapport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .output()
        .expect("run rapport")
}

fn expected_json(name: &str) -> Value {
    let text = std::fs::read_to_string(corpus(name)).expect("expected json");
    serde_json::from_str(&text).expect("valid json")
}

#[test]
fn prints_the_json_of_a_corpus_message() {
    let path = corpus("nested-multipart.eml");
    let out = rapport(&["mail", "parse", path.to_str().expect("utf-8 path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(got, expected_json("nested-multipart.json"));
    // The field names, exactly.
    for key in [
        "message_id",
        "in_reply_to",
        "references",
        "from",
        "to",
        "cc",
        "reply_to",
        "subject",
        "date",
        "text",
        "html",
        "attachments",
        "auto_submitted",
        "warnings",
    ] {
        assert!(got.get(key).is_some(), "missing {key}");
    }
    for key in ["filename", "content_type", "size", "sha256"] {
        assert!(
            got["attachments"][0].get(key).is_some(),
            "missing attachment {key}"
        );
    }
}

#[test]
fn reads_standard_input_with_dash() {
    let raw = std::fs::read(corpus("reply-references.eml")).expect("eml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["mail", "parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&raw)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got, expected_json("reply-references.json"));
}

#[test]
fn not_a_message_exits_2_with_a_reason() {
    let path = corpus("not-a-message-png.eml");
    let out = rapport(&["mail", "parse", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a mail message"), "{err}");
    assert!(err.contains("not-a-message-png.eml"), "{err}");
}

#[test]
fn broken_message_exits_0_with_warnings() {
    let path = corpus("boundary-not-closed.eml");
    let out = rapport(&["mail", "parse", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warnings = got["warnings"].as_array().expect("warnings array");
    assert!(
        warnings
            .iter()
            .any(|w| w == "boundary \"=_never_closed\" not closed"),
        "{warnings:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: boundary \"=_never_closed\" not closed"),
        "{err}"
    );
}

#[test]
fn missing_file_exits_2() {
    let out = rapport(&["mail", "parse", "/nonexistent/rapport/message.eml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read /nonexistent/rapport/message.eml"),
        "{err}"
    );
}

#[test]
fn oversized_message_exits_2() {
    let path = corpus("plain-simple.eml");
    let out = rapport(&[
        "mail",
        "parse",
        "--max-size",
        "100",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("over the limit of 100 bytes"), "{err}");
}

#[test]
fn recipient_cap_flag_applies() {
    let path = corpus("reply-references.eml");
    let out = rapport(&[
        "mail",
        "parse",
        "--max-recipients",
        "1",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["cc"].as_array().map(Vec::len), Some(1));
    assert!(
        got["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w == "Cc has 2 addresses; only the first 1 are kept")
    );
}

#[test]
fn mail_help_lists_parse() {
    let out = rapport(&["mail", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("parse"));
}
