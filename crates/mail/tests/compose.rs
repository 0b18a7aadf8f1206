//! Outgoing messages round-trip through our own parser, and their bytes obey RFC 5322.

use jiff::Timestamp;
use proptest::prelude::*;
use rapport_mail::{
    ComposeError, Mailbox, OutgoingMessage, ParseLimits, compose, parse, reftoken, reply_subject,
    thread_headers,
};

fn reply() -> OutgoingMessage {
    let parent_refs = vec![
        "CAF1234567890@mail.client.example".to_string(),
        "reply-1042-1@firm.example".to_string(),
    ];
    let (in_reply_to, references) =
        thread_headers(Some("CAK-reply-19@mail.client.example"), &parent_refs);
    OutgoingMessage {
        from: Mailbox::new(Some("Søren Kierkegaard-Support"), "support@firm.example"),
        to: vec![Mailbox::new(Some("Zoë Kraus"), "zoe@client.example")],
        cc: vec![
            Mailbox::new(Some("Lee, Ben"), "ben@client.example"),
            Mailbox::new(None, "carla@client.example"),
        ],
        reply_to: vec![],
        subject: reply_subject("Übersicht der Größen"),
        text: "Hallo Zoë,\n\ndie Übersicht ist angehängt.\nGrüße\n".to_string(),
        html: Some("<p>Hallo Zoë,</p><p>die Übersicht ist angehängt.</p>".to_string()),
        message_id: "reply-1042-5@firm.example".to_string(),
        in_reply_to,
        references,
        ref_token: Some(1042),
        date: "2026-03-06T16:30:00Z"
            .parse::<Timestamp>()
            .expect("timestamp"),
    }
}

#[test]
fn reply_round_trips_through_the_parser() {
    let msg = reply();
    let bytes = compose(&msg).expect("composes");
    let parsed = parse(&bytes, &ParseLimits::default()).expect("parses");

    assert_eq!(parsed.warnings, Vec::<String>::new());
    assert_eq!(
        parsed.message_id.as_deref(),
        Some("reply-1042-5@firm.example")
    );
    assert_eq!(
        parsed.in_reply_to.as_deref(),
        Some("CAK-reply-19@mail.client.example")
    );
    assert_eq!(
        parsed.references,
        vec![
            "CAF1234567890@mail.client.example",
            "reply-1042-1@firm.example",
            "CAK-reply-19@mail.client.example"
        ]
    );
    assert_eq!(
        parsed.subject.as_deref(),
        Some("Re: Übersicht der Größen [#1042]")
    );
    assert_eq!(parsed.from, Some(msg.from.clone()));
    assert_eq!(parsed.to, msg.to);
    assert_eq!(parsed.cc, msg.cc);
    assert_eq!(parsed.text, msg.text);
    assert_eq!(
        parsed.html.as_deref(),
        Some("<p>Hallo Zoë,</p><p>die Übersicht ist angehängt.</p>")
    );
    assert_eq!(parsed.date, Some(msg.date));
    assert!(parsed.attachments.is_empty());
    assert!(!parsed.auto_submitted);
}

#[test]
fn ref_token_appears_exactly_once() {
    let mut msg = reply();
    msg.subject = "Re: Export of March orders [#1042]".to_string();
    let bytes = compose(&msg).expect("composes");
    let text = String::from_utf8(bytes).expect("ascii");
    assert_eq!(text.matches("[#1042]").count(), 1, "{text}");
    let parsed = parse(text.as_bytes(), &ParseLimits::default()).expect("parses");
    assert_eq!(
        reftoken::find(parsed.subject.as_deref().unwrap_or("")),
        Some(1042)
    );
}

#[test]
fn output_is_ascii_with_crlf_and_short_lines() {
    let mut msg = reply();
    msg.references = (0..40)
        .map(|i| format!("ref-{i}@mail.client.example"))
        .collect();
    msg.subject = "ü".repeat(200);
    msg.text = "x".repeat(500);
    let bytes = compose(&msg).expect("composes");
    assert!(bytes.is_ascii());
    let text = String::from_utf8(bytes).expect("ascii");
    assert!(text.ends_with("\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
    for line in text.split("\r\n") {
        assert!(line.len() <= 78, "{} chars: {line}", line.len());
    }
    let (head, _) = text.split_once("\r\n\r\n").expect("header/body split");
    let starts = head
        .split("\r\n")
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect::<Vec<_>>();
    assert_eq!(
        starts,
        vec![
            "Date",
            "From",
            "To",
            "Cc",
            "Subject",
            "Message-ID",
            "In-Reply-To",
            "References",
            "MIME-Version",
            "Content-Type"
        ]
    );
    let parsed = parse(text.as_bytes(), &ParseLimits::default()).expect("parses");
    assert_eq!(parsed.references.len(), 41);
    assert_eq!(parsed.subject, Some(format!("{} [#1042]", "ü".repeat(200))));
}

#[test]
fn text_only_message_is_single_part() {
    let mut msg = reply();
    msg.html = None;
    let text = String::from_utf8(compose(&msg).expect("composes")).expect("ascii");
    assert!(text.contains("Content-Type: text/plain; charset=utf-8\r\n"));
    assert!(!text.contains("multipart"));
    let parsed = parse(text.as_bytes(), &ParseLimits::default()).expect("parses");
    assert_eq!(parsed.text, msg.text);
    assert_eq!(parsed.html, None);
}

#[test]
fn header_injection_is_neutralised() {
    let mut msg = reply();
    msg.subject = "Hello\r\nBcc: victim@evil.example".to_string();
    msg.to = vec![Mailbox::new(
        Some("Eve\r\nBcc: x@evil.example"),
        "eve@client.example",
    )];
    let text = String::from_utf8(compose(&msg).expect("composes")).expect("ascii");
    assert!(!text.contains("\r\nBcc:"), "{text}");
    let parsed = parse(text.as_bytes(), &ParseLimits::default()).expect("parses");
    assert_eq!(
        parsed.subject.as_deref(),
        Some("Hello  Bcc: victim@evil.example [#1042]")
    );
}

#[test]
fn composing_is_deterministic() {
    assert_eq!(compose(&reply()), compose(&reply()));
}

#[test]
fn bad_input_is_refused() {
    let mut msg = reply();
    msg.to = vec![];
    msg.cc = vec![];
    assert_eq!(compose(&msg), Err(ComposeError::NoRecipients));

    for bad in [
        "no-at-sign",
        "a b@c.example",
        "x@y@z",
        "<x@y.example>",
        "ü@x.example",
        "@x.example",
    ] {
        let mut msg = reply();
        msg.to = vec![Mailbox::new(None, bad)];
        assert_eq!(
            compose(&msg),
            Err(ComposeError::InvalidAddress(bad.to_string())),
            "{bad}"
        );
    }
    for bad in ["no-at", "<a@b>", "a b@c", ""] {
        let mut msg = reply();
        msg.message_id = bad.to_string();
        assert_eq!(
            compose(&msg),
            Err(ComposeError::InvalidMessageId(bad.to_string())),
            "{bad}"
        );
    }
}

#[test]
fn reply_helpers() {
    assert_eq!(reply_subject("Invoice"), "Re: Invoice");
    assert_eq!(reply_subject("RE: Invoice"), "RE: Invoice");
    assert_eq!(
        thread_headers(Some("p@x"), &["a@x".to_string()]),
        (
            Some("p@x".to_string()),
            vec!["a@x".to_string(), "p@x".to_string()]
        )
    );
    assert_eq!(
        thread_headers(Some("p@x"), &["a@x".to_string(), "p@x".to_string()]).1,
        vec!["a@x".to_string(), "p@x".to_string()]
    );
    assert_eq!(thread_headers(None, &[]), (None, vec![]));
}

/// What a text body becomes after a trip through mail: CRLF and CR become LF, and a non-empty
/// body ends with a line break.
fn canonical_text(text: &str) -> String {
    let mut t = text.replace("\r\n", "\n").replace('\r', "\n");
    if t.trim().is_empty() {
        return String::new();
    }
    if !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_messages_round_trip(
        subject in "[\\p{L}\\p{N}\\p{P}\\p{S}]{1,12}( [\\p{L}\\p{N}\\p{P}\\p{S}]{1,12}){0,8}",
        name in "[\\p{L}\\p{N}.,'\"()@-]{1,12}( [\\p{L}\\p{N}.,'\"()-]{1,12}){0,3}",
        text in "[\\p{L}\\p{N}\\p{P}\\p{S} \t\r\n=]{0,400}",
        html in proptest::option::of("[\\p{L}\\p{N} ]{1,100}"),
        token in proptest::option::of(1u64..1_000_000),
    ) {
        let mut msg = reply();
        msg.subject = subject.clone();
        msg.from = Mailbox::new(Some(&name), "support@firm.example");
        msg.text = text.clone();
        msg.html = html.as_ref().map(|h| format!("<p>{h}</p>"));
        msg.ref_token = token;
        let bytes = compose(&msg).expect("composes");
        let parsed = parse(&bytes, &ParseLimits::default()).expect("parses");

        let want_subject = match token {
            Some(id) => reftoken::ensure(&subject, id),
            None => subject.clone(),
        };
        prop_assert_eq!(parsed.subject.as_deref(), Some(want_subject.as_str()));
        prop_assert_eq!(parsed.from.and_then(|m| m.name), Some(name.trim().to_string()));
        // A blank plain part next to HTML counts as no plain part: the text comes from the HTML.
        let want_text = match (&msg.html, canonical_text(&text)) {
            (Some(h), t) if t.is_empty() => rapport_mail::html::to_text(h),
            (_, t) => t,
        };
        prop_assert_eq!(parsed.text, want_text);
        if let Some(h) = &html {
            prop_assert_eq!(parsed.html, Some(format!("<p>{h}</p>")));
        }
        prop_assert_eq!(parsed.references, msg.references);
    }
}
