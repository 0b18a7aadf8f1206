//! Hostile and oversized input: refused, cut or capped, never a panic.

use rapport_mail::{NotAMessage, ParseError, ParseLimits, parse};

fn defaults() -> ParseLimits {
    ParseLimits::default()
}

#[test]
fn message_over_the_size_limit_is_refused() {
    let limits = ParseLimits {
        max_message_bytes: 100,
        ..defaults()
    };
    let mut raw = b"From: a@b.example\r\nSubject: big\r\n\r\n".to_vec();
    raw.resize(101, b'x');
    assert_eq!(
        parse(&raw, &limits),
        Err(ParseError::TooLarge {
            size: 101,
            limit: 100
        })
    );
    raw.truncate(100);
    assert!(parse(&raw, &limits).is_ok());
}

#[test]
fn default_limit_is_25_mib() {
    assert_eq!(defaults().max_message_bytes, 25 * 1024 * 1024);
    let mut raw = b"From: a@b.example\r\n\r\n".to_vec();
    raw.resize(25 * 1024 * 1024 + 1, b'x');
    assert!(matches!(
        parse(&raw, &defaults()),
        Err(ParseError::TooLarge { .. })
    ));
}

#[test]
fn header_line_of_megabytes_is_truncated() {
    let mut raw = b"From: a@b.example\r\nX-Junk: ".to_vec();
    raw.extend(std::iter::repeat_n(b'j', 3 * 1024 * 1024));
    raw.extend_from_slice(b"\r\nSubject: still here\r\n\r\nbody\r\n");
    let msg = parse(&raw, &defaults()).expect("parses");
    assert_eq!(msg.subject.as_deref(), Some("still here"));
    assert_eq!(msg.text, "body\n");
    assert!(
        msg.warnings
            .iter()
            .any(|w| w == "header line of 3145738 bytes truncated to 524288 bytes (X-Junk)"),
        "{:?}",
        msg.warnings
    );
}

#[test]
fn giant_subject_is_cut_to_the_limit() {
    let limits = ParseLimits {
        max_header_bytes: 1000,
        ..defaults()
    };
    let mut raw = b"From: a@b.example\r\nSubject: ".to_vec();
    raw.extend(std::iter::repeat_n(b's', 2 * 1024 * 1024));
    raw.extend_from_slice(b"\r\n\r\nbody\r\n");
    let msg = parse(&raw, &limits).expect("parses");
    let subject = msg.subject.expect("subject");
    assert!(
        subject.len() <= 1000 && subject.len() > 900,
        "{}",
        subject.len()
    );
    assert!(subject.chars().all(|c| c == 's'));
}

fn many_recipients(n: usize) -> Vec<u8> {
    let mut raw = b"From: a@b.example\r\nMessage-ID: <all@b.example>\r\nDate: Fri, 6 Mar 2026 16:30:00 +0000\r\nSubject: all hands\r\nTo: ".to_vec();
    for i in 0..n {
        if i > 0 {
            raw.extend_from_slice(b",\r\n ");
        }
        raw.extend_from_slice(format!("User {i} <user{i}@client.example>").as_bytes());
    }
    raw.extend_from_slice(b"\r\n\r\nhello\r\n");
    raw
}

#[test]
fn ten_thousand_recipients_are_capped_with_a_warning() {
    let raw = many_recipients(10_000);
    let msg = parse(&raw, &defaults()).expect("parses");
    assert_eq!(msg.to.len(), 1000);
    assert_eq!(msg.to[0].address, "user0@client.example");
    assert_eq!(msg.to[999].address, "user999@client.example");
    assert_eq!(
        msg.warnings,
        vec!["To has 10000 addresses; only the first 1000 are kept".to_string()]
    );
}

#[test]
fn recipient_cap_is_configurable() {
    let raw = many_recipients(10_000);
    let all = ParseLimits {
        max_recipients: 20_000,
        ..defaults()
    };
    let msg = parse(&raw, &all).expect("parses");
    assert_eq!(msg.to.len(), 10_000);
    assert!(msg.warnings.is_empty(), "{:?}", msg.warnings);
    assert_eq!(msg.to[9_999].name.as_deref(), Some("User 9999"));
}

#[test]
fn inputs_that_are_not_messages() {
    type Expect = fn(&NotAMessage) -> bool;
    let cases: &[(&[u8], Expect)] = &[
        (b"", |e| matches!(e, NotAMessage::Empty)),
        (b"\n\n  \r\n", |e| matches!(e, NotAMessage::Empty)),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"\x7fELF\x02\x01\x01\0\0\0\0", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"PK\x03\x04\x14\0\0\0\x08\0", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"Hello, this is just a note.\nBye.\n", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"\nFrom: a@b.example\n\nbody", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"[section]\nkey: value\n", |e| {
            matches!(e, NotAMessage::NoHeaderLine { .. })
        }),
        (b"host: example.org\nport: 25\n", |e| {
            matches!(e, NotAMessage::NoMessageFields)
        }),
    ];
    for (input, expected) in cases {
        match parse(input, &defaults()) {
            Err(ParseError::NotAMessage(reason)) => {
                assert!(expected(&reason), "{input:?} gave {reason:?}")
            }
            other => panic!("{input:?} should not be a message, got {other:?}"),
        }
    }
}

#[test]
fn headers_only_message_is_a_message_with_a_warning() {
    let msg = parse(b"From: a@b.example\r\nSubject: hi\r\n", &defaults()).expect("parses");
    assert_eq!(msg.text, "");
    assert!(
        msg.warnings.contains(&"message has no body".to_string()),
        "{:?}",
        msg.warnings
    );
}

#[test]
fn deeply_nested_multiparts_do_not_overflow() {
    let depth = 5_000;
    let mut raw = b"From: a@b.example\r\nSubject: deep\r\n".to_vec();
    for i in 0..depth {
        raw.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
                .as_bytes(),
        );
    }
    raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\nbottom\r\n");
    for i in (0..depth).rev() {
        raw.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    let msg = parse(&raw, &defaults()).expect("parses");
    assert_eq!(msg.text, "bottom\n");
}

#[test]
fn nested_rfc822_chain_does_not_overflow() {
    let depth = 2_000;
    let mut raw = Vec::new();
    for _ in 0..depth {
        raw.extend_from_slice(b"From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    raw.extend_from_slice(b"From: z@b.example\r\nSubject: inner\r\n\r\ninnermost\r\n");
    let msg = parse(&raw, &defaults()).expect("parses");
    assert_eq!(msg.from.expect("from").address, "a@b.example");
}
