//! Mail on both engines: routing, threading, idempotency, triage with reasons for every kind
//! of bad input, attachments and HTML through the API (and who may see them), sending with
//! retries and failures, and mailbox failure alerts. Transports are fakes here; the real
//! servers are in tests/mail_e2e.rs.

use std::sync::{Arc, Mutex};

use rapport_app::jobs::WorkerConfig;
use rapport_app::mail::{IngestOutcome, Received};
use rapport_core::inbox::{MailSource, TriageReason};
use rapport_mail::transport::{
    BoxFuture, FetchBatch, FetchedMail, ImapAccount, MailTransport, MailboxError, MailboxReader,
    Processed, SendError,
};
use rapport_store::{Engine, params};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp};

/// A server whose settings `adjust` sets against fresh fakes, and those fakes.
async fn spawn_faked(
    engine: Engine,
    adjust: impl FnOnce(&mut rapport_app::Settings, &Fakes),
) -> Option<(TestApp, Fakes)> {
    let fakes = Fakes::default();
    let f = fakes.clone();
    let app = TestApp::spawn_with(engine, move |s, w| {
        w.api_rate = None;
        adjust(s, &f)
    })
    .await?;
    Some((app, fakes))
}

/// One body on both engines, given the server and its fakes, with the settings adjusted
/// (fakes, limits).
macro_rules! both_faked {
    ($name:ident, $adjust:expr, $body:expr) => {
        $crate::both_with!($name, |engine| spawn_faked(engine, $adjust), |(
            app,
            fakes,
        )| ($body)(
            app, fakes
        ));
    };
}

/// (envelope sender, recipients, bytes) of a sent message.
type Sent = (String, Vec<String>, Vec<u8>);
/// (UID, message) of a message in the fake folder.
type Held = (u32, Vec<u8>);

/// Fake SMTP and IMAP, controlled by the test.
#[derive(Clone, Default)]
struct Fakes {
    sent: Arc<Mutex<Vec<Sent>>>,
    /// `Some((permanent, message))`: the next sends fail so.
    send_fails: Arc<Mutex<Option<(bool, String)>>>,
    imap_fails: Arc<Mutex<Option<MailboxError>>>,
    imap_polls: Arc<Mutex<usize>>,
    /// The folder: (UID, message) in UID order.
    folder: Arc<Mutex<Vec<Held>>>,
    marked: Arc<Mutex<Vec<u32>>>,
}

impl MailTransport for Fakes {
    fn send<'a>(
        &'a self,
        from: &'a str,
        to: &'a [String],
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            if let Some((permanent, message)) = self.send_fails.lock().unwrap().clone() {
                return Err(SendError { permanent, message });
            }
            self.sent
                .lock()
                .unwrap()
                .push((from.to_string(), to.to_vec(), message.to_vec()));
            Ok(())
        })
    }
}

impl MailboxReader for Fakes {
    fn check<'a>(&'a self, _: &'a ImapAccount) -> BoxFuture<'a, Result<u32, MailboxError>> {
        Box::pin(async move {
            match self.imap_fails.lock().unwrap().clone() {
                Some(e) => Err(e),
                None => Ok(self.folder.lock().unwrap().len() as u32),
            }
        })
    }

    fn fetch_new<'a>(
        &'a self,
        _: &'a ImapAccount,
        _: Option<u32>,
        after: u32,
        max: usize,
        _: usize,
    ) -> BoxFuture<'a, Result<FetchBatch, MailboxError>> {
        Box::pin(async move {
            *self.imap_polls.lock().unwrap() += 1;
            match self.imap_fails.lock().unwrap().clone() {
                Some(e) => Err(e),
                None => Ok(FetchBatch {
                    uidvalidity: 1,
                    messages: self
                        .folder
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|(uid, _)| *uid > after)
                        .map(|(uid, raw)| FetchedMail {
                            uid: *uid,
                            size: raw.len(),
                            complete: raw.len() <= max,
                            raw: if raw.len() <= max {
                                raw.clone()
                            } else {
                                raw[..64].to_vec()
                            },
                        })
                        .collect(),
                    more: false,
                }),
            }
        })
    }

    fn mark_processed<'a>(
        &'a self,
        _: &'a ImapAccount,
        uids: &'a [u32],
        _: &'a Processed,
    ) -> BoxFuture<'a, Result<(), MailboxError>> {
        self.marked.lock().unwrap().extend_from_slice(uids);
        Box::pin(async { Ok(()) })
    }
}

fn with_fakes(s: &mut rapport_app::Settings, f: &Fakes) {
    s.mail = s
        .mail
        .clone()
        .with_from("Acme Support <support@acme.example>")
        .unwrap();
    s.mail.transport = Some(Arc::new(f.clone()));
    s.mail.reader = Some(Arc::new(f.clone()));
}

async fn ingest(app: &TestApp, raw: impl Into<Vec<u8>>) -> IngestOutcome {
    let raw = raw.into();
    let n = raw.len();
    app.app
        .ingest_mail(app.org, raw, Received::whole(MailSource::Pipe, n))
        .await
        .unwrap()
}

fn mail(from: &str, subject: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: support@acme.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n{extra}\r\n{body}\r\n"
    )
}

fn triaged(o: &IngestOutcome) -> (i64, TriageReason, String) {
    match o {
        IngestOutcome::Triaged {
            triage_id,
            reason,
            detail,
        } => (*triage_id, *reason, detail.clone()),
        other => panic!("expected triage, got {other:?}"),
    }
}

fn created(o: &IngestOutcome) -> i64 {
    match o {
        IngestOutcome::NewRequest { request_id, .. } => request_id.0,
        other => panic!("expected a new request, got {other:?}"),
    }
}

async fn run_jobs(app: &TestApp) {
    let cfg = WorkerConfig::new("test-worker");
    while app.app.run_due_jobs(&cfg).await.unwrap() > 0 {}
}

async fn mailbox_alerts(app: &TestApp, id: i64) -> Vec<Value> {
    let path = format!("/api/v1/alerts?kind=mailbox.failing&subject_id={id}");
    app.get(&path, &app.owner).await.ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn thread_len(app: &TestApp, request: i64) -> usize {
    app.get(&format!("/api/v1/requests/{request}/messages"), &app.owner)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .len()
}

const WITH_ATTACHMENT: &str =
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n";

fn body_with_attachment() -> String {
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
     <p onclick=\"x()\">The export fails <img src=\"https://tracker.example/p.gif\"></p><script>alert(1)</script>\r\n\
     --b\r\nContent-Type: text/csv; name=\"rows.csv\"\r\nContent-Disposition: attachment; filename=\"rows.csv\"\r\n\r\n\
     a,b\r\n1,2\r\n--b--"
        .to_string()
}

both_faked!(
    mail_in_routes_threads_and_serves_attachments,
    with_fakes,
    |app: TestApp, _f: Fakes| async move {
        let north = app.client("Northwind").await;
        let south = app.client("Southwind").await;
        app.contact(north, "priya@northwind.example", Some(PASSWORD))
            .await;
        app.contact(south, "sam@southwind.example", Some(PASSWORD))
            .await;

        let first = mail(
            "Priya <Priya@Northwind.example>",
            "Export fails",
            "m1@northwind.example",
            WITH_ATTACHMENT,
            &body_with_attachment(),
        );
        let rid = created(&ingest(&app, first.clone()).await);
        let r = app
            .get(&format!("/api/v1/requests/{rid}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (r["title"].as_str(), r["channel"].as_str()),
            (Some("Export fails"), Some("email"))
        );
        assert!(r["last_inbound_at"].is_string());
        let msgs = app
            .get(&format!("/api/v1/requests/{rid}/messages"), &app.owner)
            .await
            .ok(200);
        let mid = msgs["items"][0]["id"].as_i64().unwrap();
        let html = msgs["items"][0]["body_html"].as_str().unwrap();
        assert!(
            !html.contains("<script")
                && !html.contains("onclick")
                && !html.contains("tracker.example"),
            "{html}"
        );

        // Idempotent by Message-ID: the same message again (or Cc'd to a second address).
        let before = app.snapshot().await;
        let again = ingest(&app, first).await;
        assert!(
            matches!(again, IngestOutcome::Duplicate { request_id: Some(r), .. } if r.0 == rid),
            "{again:?}"
        );
        assert_eq!(app.snapshot().await, before, "a duplicate writes nothing");

        // Attachments: stored type, download headers; remote images only when allowed.
        let list = app
            .get(&format!("/api/v1/messages/{mid}/attachments"), &app.owner)
            .await
            .ok(200);
        assert_eq!(list["items"][0]["filename"], "rows.csv");
        let aid = list["items"][0]["id"].as_i64().unwrap();
        let res = app
            .http
            .get(format!("{}/api/v1/attachments/{aid}", app.base))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "text/csv");
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"rows.csv\"")
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"a,b\r\n1,2");
        let blocked = app
            .get(&format!("/api/v1/messages/{mid}/html"), &app.owner)
            .await
            .ok(200);
        assert!(
            !blocked["html"]
                .as_str()
                .unwrap()
                .contains("tracker.example")
        );
        let allowed = app
            .get(
                &format!("/api/v1/messages/{mid}/html?remote_images=allow"),
                &app.owner,
            )
            .await
            .ok(200);
        let allowed = allowed["html"].as_str().unwrap();
        assert!(
            allowed.contains("https://tracker.example/p.gif") && !allowed.contains("<script"),
            "{allowed}"
        );
        app.get(
            &format!("/api/v1/messages/{mid}/html?remote_images=maybe"),
            &app.owner,
        )
        .await
        .problem(400);

        // Contacts: their own client's attachments, and nobody else's (404, not 403).
        let (own, _) = app
            .portal_session("priya@northwind.example", PASSWORD)
            .await;
        let r = app
            .with_cookie(
                Method::GET,
                &format!("/api/v1/messages/{mid}/attachments"),
                &own,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        let (other, _) = app.portal_session("sam@southwind.example", PASSWORD).await;
        for path in [
            format!("/api/v1/messages/{mid}/attachments"),
            format!("/api/v1/attachments/{aid}"),
            format!("/api/v1/messages/{mid}/html"),
        ] {
            app.with_cookie(Method::GET, &path, &other, None, None)
                .await
                .problem(404);
        }

        // The client answers: threads by In-Reply-To, then by the token; the answer reopens
        // work that was waiting on them.
        app.post(
            &format!("/api/v1/requests/{rid}/transition"),
            &app.owner,
            json!({"status": "waiting_on_client"}),
        )
        .await
        .ok(200);
        let reply = mail(
            "priya@northwind.example",
            "Re: Export fails",
            "m2@northwind.example",
            "In-Reply-To: <m1@northwind.example>\r\n",
            "More detail.",
        );
        match ingest(&app, reply).await {
            IngestOutcome::Threaded {
                request_id,
                via,
                reopened_to,
                auto_submitted,
                ..
            } => {
                assert_eq!((request_id.0, via, auto_submitted), (rid, "headers", false));
                assert_eq!(reopened_to.map(|s| s.as_str()), Some("triaged"));
            }
            other => panic!("{other:?}"),
        }
        let by_token = mail(
            "priya@northwind.example",
            &format!("About that [#{rid}]"),
            "m3@northwind.example",
            "",
            "This is terrible, still broken and I am angry.",
        );
        assert!(matches!(
            ingest(&app, by_token).await,
            IngestOutcome::Threaded { via: "token", .. }
        ));
        assert_eq!(thread_len(&app, rid).await, 3);
        let scored = app
            .get(&format!("/api/v1/requests/{rid}/messages"), &app.owner)
            .await
            .ok(200);
        assert!(
            scored["items"][2]["sentiment"].as_f64().unwrap() < -0.5,
            "scored: {}",
            scored["items"][2]
        );

        // A header line of megabytes is cut (with a warning kept on the message), not fatal.
        let junk = "j".repeat(3 * 1024 * 1024);
        let huge = mail(
            "priya@northwind.example",
            "Huge header",
            "hh@northwind.example",
            &format!("X-Junk: {junk}\r\n"),
            "still here",
        );
        let hid = created(&ingest(&app, huge).await);
        let msgs = app
            .get(&format!("/api/v1/requests/{hid}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(msgs["items"][0]["body"], "still here");
        let facts = app
            .get(
                &format!("/api/v1/messages/{}/mail", msgs["items"][0]["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert!(
            facts["warnings"].to_string().contains("truncated"),
            "{facts}"
        );

        // An auto-reply on the thread is recorded but is not the client speaking.
        let last = app
            .get(&format!("/api/v1/requests/{rid}"), &app.owner)
            .await
            .ok(200)["last_inbound_at"]
            .clone();
        app.post(
            &format!("/api/v1/requests/{rid}/transition"),
            &app.owner,
            json!({"status": "waiting_on_client"}),
        )
        .await
        .ok(200);
        let ooo = mail(
            "priya@northwind.example",
            "Automatic reply: Export fails",
            "ooo@northwind.example",
            "Auto-Submitted: auto-replied\r\nIn-Reply-To: <m1@northwind.example>\r\n",
            "I am away.",
        );
        assert!(matches!(
            ingest(&app, ooo).await,
            IngestOutcome::Threaded {
                auto_submitted: true,
                reopened_to: None,
                ..
            }
        ));
        let r = app
            .get(&format!("/api/v1/requests/{rid}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            r["status"], "waiting_on_client",
            "an auto-reply reopens nothing"
        );
        assert_eq!(r["last_inbound_at"], last, "an auto-reply stops no clock");
        let msgs = app
            .get(&format!("/api/v1/requests/{rid}/messages"), &app.owner)
            .await
            .ok(200);
        let auto_id = msgs["items"][3]["id"].as_i64().unwrap();
        let facts = app
            .get(&format!("/api/v1/messages/{auto_id}/mail"), &app.owner)
            .await
            .ok(200);
        assert_eq!(facts["auto_submitted"], true);
        assert!(
            msgs["items"][3]["sentiment"].is_null(),
            "a machine's mail is not scored"
        );
        assert!(
            facts["auto_reason"]
                .as_str()
                .unwrap()
                .contains("Auto-Submitted")
        );
    }
);

/// Mail limits small enough to test: a message over 300 kB is refused.
fn small_mail_limit(s: &mut rapport_app::Settings, f: &Fakes) {
    with_fakes(s, f);
    s.mail.max_message_bytes = 300_000;
}

/// Two clients with a contact each, and a request Priya (Northwind) opened by mail; returns
/// Northwind's id and the request's.
async fn northwind_request(app: &TestApp) -> (i64, i64) {
    let north = app.client("Northwind").await;
    let south = app.client("Southwind").await;
    app.contact(north, "priya@northwind.example", None).await;
    app.contact(south, "sam@southwind.example", None).await;
    let rid = created(
        &ingest(
            app,
            mail(
                "priya@northwind.example",
                "Ours",
                "n1@northwind.example",
                "",
                "x",
            ),
        )
        .await,
    );
    (north, rid)
}

/// The reasons of the open triage items, oldest first.
async fn open_triage_reasons(app: &TestApp) -> (Value, Vec<String>) {
    let open = app.get("/api/v1/triage", &app.owner).await.ok(200);
    let reasons = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reason"].as_str().unwrap().to_string())
        .collect();
    (open, reasons)
}

both_faked!(
    another_clients_reference_never_joins_their_thread,
    small_mail_limit,
    |app: TestApp, _f: Fakes| async move {
        let (_, rid) = northwind_request(&app).await;
        let len = thread_len(&app, rid).await;

        // Another client's token (and thread headers) never attach to that request.
        let forged = mail(
            "sam@southwind.example",
            &format!("Re: Ours [#{rid}]"),
            "f1@southwind.example",
            "In-Reply-To: <n1@northwind.example>\r\n",
            "let me in",
        );
        let (fid, reason, detail) = triaged(&ingest(&app, forged).await);
        assert_eq!(reason, TriageReason::ForgedRef);
        assert!(detail.contains("sam@southwind.example"), "{detail}");
        assert_eq!(
            thread_len(&app, rid).await,
            len,
            "nothing leaked onto the other client's request"
        );

        // A person can read exactly what came in.
        let raw = app
            .http
            .get(format!("{}/api/v1/triage/{fid}/raw", app.base))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.headers()["content-type"], "message/rfc822");
        assert!(
            String::from_utf8(raw.bytes().await.unwrap().to_vec())
                .unwrap()
                .contains("let me in")
        );
    }
);

both_faked!(
    looping_and_machine_mail_waits_in_triage_with_its_reason,
    small_mail_limit,
    |app: TestApp, _f: Fakes| async move {
        let (north, rid) = northwind_request(&app).await;

        // Our own mail coming back; no From; strangers; machines with nothing to join.
        let looped = mail(
            "priya@northwind.example",
            &format!("Re: Ours [#{rid}]"),
            "l1@acme.example",
            &format!("X-Rapport-Loop: {}\r\n", app.org),
            "x",
        );
        assert_eq!(triaged(&ingest(&app, looped).await).1, TriageReason::Loop);
        let ours = mail(
            "priya@northwind.example",
            "hello",
            "rapport.1.7.abc@acme.example",
            "",
            "x",
        );
        assert_eq!(triaged(&ingest(&app, ours).await).1, TriageReason::Loop);
        let no_from = "To: support@acme.example\r\nSubject: who am I\r\nMessage-ID: <nf@x.example>\r\n\r\nhi\r\n";
        assert_eq!(
            triaged(&ingest(&app, no_from).await).1,
            TriageReason::MissingFrom
        );
        let bounce = mail(
            "MAILER-DAEMON@mx.northwind.example",
            "Undelivered Mail Returned to Sender",
            "b1@mx.example",
            "",
            "gone",
        );
        assert_eq!(
            triaged(&ingest(&app, bounce).await).1,
            TriageReason::UnknownSender
        );
        let ooo = mail(
            "priya@northwind.example",
            "Out of office",
            "o1@northwind.example",
            "Auto-Submitted: auto-replied\r\n",
            "away",
        );
        assert_eq!(triaged(&ingest(&app, ooo).await).1, TriageReason::AutoReply);
        let junk = b"\x89PNG\r\n\x1a\n\x00\x00binary".to_vec();
        assert_eq!(
            triaged(&ingest(&app, junk).await).1,
            TriageReason::NotAMessage
        );

        let (open, reasons) = open_triage_reasons(&app).await;
        assert_eq!(
            reasons,
            [
                "loop",
                "loop",
                "missing_from",
                "unknown_sender",
                "auto_reply",
                "not_a_message"
            ]
        );
        // A person dismisses one, once; a client's contact cannot see triage at all.
        let id = open["items"][0]["id"].as_i64().unwrap();
        assert_eq!(
            app.post(
                &format!("/api/v1/triage/{id}/dismiss"),
                &app.owner,
                json!({})
            )
            .await
            .ok(200)["status"],
            "dismissed"
        );
        app.post(
            &format!("/api/v1/triage/{id}/dismiss"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
        assert_eq!(open_triage_reasons(&app).await.1.len(), 5);
        app.contact(north, "pat@northwind.example", Some(PASSWORD))
            .await;
        let (c, _) = app.portal_session("pat@northwind.example", PASSWORD).await;
        app.with_cookie(Method::GET, "/api/v1/triage", &c, None, None)
            .await
            .problem(403);
    }
);

both_faked!(
    oversized_mail_keeps_its_headers_and_says_why_it_cannot_be_retried,
    small_mail_limit,
    |app: TestApp, _f: Fakes| async move {
        northwind_request(&app).await;
        let mut big = mail(
            "priya@northwind.example",
            "huge",
            "big@northwind.example",
            "",
            "",
        )
        .into_bytes();
        big.extend(std::iter::repeat_n(b'x', 400_000));
        let (big_id, reason, detail) = triaged(&ingest(&app, big).await);
        assert_eq!(reason, TriageReason::TooLarge);
        assert!(
            detail.contains("over the limit of 300000 bytes"),
            "{detail}"
        );
        let item = app
            .get(&format!("/api/v1/triage/{big_id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(item["raw_complete"], false);
        assert!(item["size"].as_i64().unwrap() > 400_000);
        app.post(
            &format!("/api/v1/triage/{big_id}/retry"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
        assert_eq!(open_triage_reasons(&app).await.1, ["too_large"]);
    }
);

both_faked!(
    a_strangers_mail_becomes_a_request_once_they_are_a_contact,
    small_mail_limit,
    |app: TestApp, _f: Fakes| async move {
        let (north, _) = northwind_request(&app).await;
        let stranger = mail(
            "new@northwind.example",
            "Hello there",
            "s1@northwind.example",
            "",
            "Can you help?",
        );
        let (sid, reason, _) = triaged(&ingest(&app, stranger.clone()).await);
        assert_eq!(reason, TriageReason::UnknownSender);
        assert!(
            matches!(ingest(&app, stranger).await, IngestOutcome::Duplicate { triage_id: Some(t), .. } if t == sid)
        );
        app.post(
            &format!("/api/v1/triage/{sid}/retry"),
            &app.owner,
            json!({}),
        )
        .await
        .ok(200);
        let item = app
            .get(&format!("/api/v1/triage/{sid}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(item["status"], "open", "still unknown: still waiting");
        app.contact(north, "new@northwind.example", None).await;
        let out = app
            .post(
                &format!("/api/v1/triage/{sid}/retry"),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200);
        assert_eq!(out["outcome"], "new_request");
        let item = app
            .get(&format!("/api/v1/triage/{sid}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (item["status"].as_str(), &item["request_id"]),
            (Some("resolved"), &out["request_id"])
        );
        assert!(open_triage_reasons(&app).await.1.is_empty());
    }
);

both_faked!(
    ten_thousand_recipients_and_a_zip_bomb_are_kept_safely,
    small_mail_limit,
    |app: TestApp, _f: Fakes| async move {
        northwind_request(&app).await;
        // 10,000 recipients: kept to the cap with a warning.
        let to: Vec<String> = (0..10_000)
            .map(|i| format!("r{i}@northwind.example"))
            .collect();
        let many = format!(
            "From: priya@northwind.example\r\nTo: {}\r\nSubject: all hands\r\nMessage-ID: <many@northwind.example>\r\n\r\nhi\r\n",
            to.join(",\r\n ")
        );
        let many_id = created(&ingest(&app, many).await);
        let msgs = app
            .get(&format!("/api/v1/requests/{many_id}/messages"), &app.owner)
            .await
            .ok(200);
        let facts = app
            .get(
                &format!("/api/v1/messages/{}/mail", msgs["items"][0]["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert!(facts["warnings"].to_string().contains("To"), "{facts}");

        // A zip bomb is stored and served as the bytes that came, never unpacked.
        let bomb = zip_bomb();
        let b64 = base64_lines(&bomb);
        let zipped = mail(
            "priya@northwind.example",
            "logs",
            "zip@northwind.example",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n",
            &format!(
                "--z\r\nContent-Type: text/plain\r\n\r\nsee zip\r\n--z\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"logs.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--z--"
            ),
        );
        let zid = created(&ingest(&app, zipped).await);
        let msgs = app
            .get(&format!("/api/v1/requests/{zid}/messages"), &app.owner)
            .await
            .ok(200);
        let files = app
            .get(
                &format!("/api/v1/messages/{}/attachments", msgs["items"][0]["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(files["items"][0]["size"], bomb.len());
        assert_eq!(files["items"][0]["content_type"], "application/zip");
        let got = app
            .http
            .get(format!(
                "{}/api/v1/attachments/{}",
                app.base, files["items"][0]["id"]
            ))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(got.bytes().await.unwrap().as_ref(), bomb.as_slice());
    }
);

/// A zip whose one entry (stored with deflate) claims to unpack to 4 GiB: the header says so,
/// and the bytes are few. Rapport must store and serve it as bytes, never open it.
fn zip_bomb() -> Vec<u8> {
    let name = b"zeros.bin";
    let data = [0x03u8, 0x00]; // an empty deflate stream
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        z.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&0u32.to_le_bytes()); // crc
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&u32::MAX.to_le_bytes()); // uncompressed: 4 GiB
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
        z.extend_from_slice(&data);
    };
    local(&mut z);
    z
}

fn base64_lines(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

both_faked!(
    replies_go_out_threaded_and_failures_show,
    with_fakes,
    |app: TestApp, f: Fakes| async move {
        app.start_clock_in_london_office_hours();
        let north = app.client("Northwind").await;
        app.post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": north, "name": "Priya Mehta",
            "email": "priya@northwind.example", "etiquette": {"preferred_name": "Dr Mehta"}}),
        )
        .await
        .ok(201);
        let rid = created(
            &ingest(
                &app,
                mail(
                    "priya@northwind.example",
                    "Export fails",
                    "q1@northwind.example",
                    "References: <older@northwind.example>\r\n",
                    "x",
                ),
            )
            .await,
        );
        let m = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "We found the cause."}),
            )
            .await
            .ok(201);
        let our_id = m["mail_message_id"].as_str().unwrap().to_string();
        assert!(
            our_id.starts_with(&format!("rapport.{}.", app.org.0))
                && our_id.ends_with("@acme.example"),
            "{our_id}"
        );
        run_jobs(&app).await;
        let sent = f.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        let (from, to, raw) = &sent[0];
        assert_eq!(
            (from.as_str(), to.as_slice()),
            (
                "support@acme.example",
                ["priya@northwind.example".to_string()].as_slice()
            )
        );
        let raw = String::from_utf8(raw.clone()).unwrap();
        assert!(
            raw.contains(&format!("Subject: Re: Export fails [#{rid}]\r\n")),
            "{raw}"
        );
        assert!(
            raw.contains("In-Reply-To: <q1@northwind.example>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("References: <older@northwind.example> <q1@northwind.example>\r\n"),
            "{raw}"
        );
        assert!(raw.contains(&format!("Message-ID: <{our_id}>\r\n")));
        assert!(raw.contains("Dear Dr Mehta,"), "{raw}");
        let msg = app
            .get(&format!("/api/v1/messages/{}/mail", m["id"]), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (msg["send_status"].as_str(), msg["send_attempts"].as_i64()),
            (Some("sent"), Some(1))
        );

        // A second reply continues the chain from our first.
        app.post(
            &format!("/api/v1/requests/{rid}/messages"),
            &app.owner,
            json!({"direction": "outbound", "body": "Hi Dr Mehta, it is fixed."}),
        )
        .await
        .ok(201);
        run_jobs(&app).await;
        let raw = String::from_utf8(f.sent.lock().unwrap()[1].2.clone()).unwrap();
        assert!(
            raw.contains(&format!("In-Reply-To: <{our_id}>\r\n")),
            "{raw}"
        );
        assert!(
            raw.contains("Hi Dr Mehta, it is fixed.") && !raw.contains("Dear Dr Mehta"),
            "no second salutation"
        );

        // A temporary failure is kept on the message and retried; a refusal fails it for good,
        // visibly: on the message, as an alert on the request.
        *f.send_fails.lock().unwrap() = Some((false, "421 try later".into()));
        let m = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "Update."}),
            )
            .await
            .ok(201);
        run_jobs(&app).await;
        let facts = app
            .get(&format!("/api/v1/messages/{}/mail", m["id"]), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (facts["send_status"].as_str(), facts["send_error"].as_str()),
            (Some("queued"), Some("421 try later"))
        );
        let job = app
            .get("/api/v1/jobs?kind=mail.send&status=queued", &app.owner)
            .await
            .ok(200);
        assert_eq!(job["items"][0]["attempts"], 1, "{job}");
        *f.send_fails.lock().unwrap() = Some((true, "550 no such user".into()));
        let m = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "Another."}),
            )
            .await
            .ok(201);
        run_jobs(&app).await;
        let msgs = app
            .get(&format!("/api/v1/requests/{rid}/messages"), &app.owner)
            .await
            .ok(200);
        let failed = msgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == m["id"])
            .unwrap()
            .clone();
        assert_eq!(failed["send_status"], "failed");
        let alerts = app
            .get(
                &format!("/api/v1/alerts?subject_kind=request&subject_id={rid}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(alerts["items"][0]["kind"], "mail.send_failed");
        assert!(
            alerts["items"][0]["message"]
                .as_str()
                .unwrap()
                .contains("550 no such user")
        );

        // System mail from the outbox (a password reset) goes out by the same transport, marked
        // as machine-written so that auto-responders leave it alone.
        *f.send_fails.lock().unwrap() = None;
        let res = app
            .call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({"org": "acme", "email": "owner@acme.example"})),
            )
            .await;
        assert_eq!(res.status, 202);
        run_jobs(&app).await;
        let sent = f.sent.lock().unwrap().clone();
        let (_, to, raw) = sent.last().unwrap();
        assert_eq!(to, &["owner@acme.example".to_string()]);
        let raw = String::from_utf8(raw.clone()).unwrap();
        assert!(
            raw.contains("Auto-Submitted: auto-generated\r\n")
                && raw.contains("Subject: Reset your Rapport password"),
            "{raw}"
        );
        let status: String = {
            let org = app.org;
            app.app
                .store()
                .read(move |db| {
                    db.scalar::<String>("SELECT status FROM outbox WHERE org_id = $1", params![org])
                })
                .await
                .unwrap()
        };
        assert_eq!(status, "sent");

        // Held for the client's hours: a calendar open only on a day that is not today.
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .weekday()
            .to_monday_zero_offset();
        let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][((today + 2) % 7) as usize];
        app.patch(
            &format!("/api/v1/clients/{north}"),
            &app.owner,
            json!({"calendar": {"tz": "UTC", "hours": [format!("{day} 09:00-10:00")]}}),
        )
        .await
        .ok(200);
        let held = app.post(&format!("/api/v1/requests/{rid}/messages"), &app.owner,
            json!({"direction": "outbound", "body": "Tomorrow's news.", "schedule": "client_hours"})).await.ok(201);
        assert_eq!(held["send_status"], "scheduled");
        let at: jiff::Timestamp = held["scheduled_for"].as_str().unwrap().parse().unwrap();
        let z = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
        assert_eq!(
            (z.hour(), z.minute(), z.weekday().to_monday_zero_offset()),
            (9, 0, (today + 2) % 7)
        );
        let bad = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "note", "body": "x", "schedule": "client_hours"}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["schedule"]);
    }
);

both_faked!(
    failing_mailboxes_alert_at_once_then_after_quiet,
    with_fakes,
    |app: TestApp, f: Fakes| async move {
        // Bad input names its fields and writes nothing.
        let before = app.snapshot().await;
        let bad = app
            .post(
                "/api/v1/mailboxes",
                &app.owner,
                json!({"name": "", "host": "a b", "username": "u",
            "password": "", "processed_action": "move"}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["name", "host", "password", "move_to"]);
        assert_eq!(app.snapshot().await, before);
        let agent = app
            .member_token("agent@acme.example", rapport_core::access::Role::Agent)
            .await;
        app.post(
            "/api/v1/mailboxes",
            &agent,
            json!({"name": "x", "host": "h", "username": "u", "password": "p"}),
        )
        .await
        .problem(403);

        *f.imap_fails.lock().unwrap() = Some(MailboxError::Auth(
            "imap.example.com as support: AUTHENTICATIONFAILED".into(),
        ));
        let mb = app
            .post(
                "/api/v1/mailboxes",
                &app.owner,
                json!({"name": "Support", "host": "imap.example.com",
            "username": "support", "password": "hunter2-imap"}),
            )
            .await
            .ok(201);
        let id = mb["id"].as_i64().unwrap();
        let sealed: String = {
            let org = app.org;
            app.app
                .store()
                .read(move |db| {
                    db.scalar::<String>(
                        "SELECT password_sealed FROM mailboxes WHERE org_id = $1 AND id = $2",
                        params![org, id],
                    )
                })
                .await
                .unwrap()
        };
        assert!(!sealed.contains("hunter2"), "sealed at rest");
        run_jobs(&app).await;
        let alerts = mailbox_alerts(&app, id).await;
        assert_eq!(alerts.len(), 1, "alerted at once");
        assert!(
            alerts[0]["message"]
                .as_str()
                .unwrap()
                .contains("sign-in refused")
        );
        assert_eq!(
            app.get(&format!("/api/v1/mailboxes/{id}"), &app.owner)
                .await
                .ok(200)["status"],
            "failing"
        );

        // Fails again within the quiet period: still one alert; after it: a fresh one.
        let due_now = |app: &TestApp| {
            let org = app.org;
            let s = app.app.store().clone();
            async move {
                s.write(move |db| db.execute("UPDATE jobs SET run_at = 0 WHERE org_id = $1 AND kind = 'mail.poll' AND status = 'queued'", params![org])).await.unwrap()
            }
        };
        due_now(&app).await;
        run_jobs(&app).await;
        assert_eq!(*f.imap_polls.lock().unwrap(), 2);
        let again = mailbox_alerts(&app, id).await;
        assert_eq!(
            (again.len(), &again[0]["id"]),
            (1, &alerts[0]["id"]),
            "no repeat inside the quiet period"
        );
        {
            let org = app.org;
            app.app.store().write(move |db| db.execute("UPDATE mailboxes SET last_alert_at = last_alert_at - 7200000 WHERE org_id = $1", params![org])).await.unwrap();
        }
        due_now(&app).await;
        run_jobs(&app).await;
        let later = mailbox_alerts(&app, id).await;
        assert_eq!(later.len(), 1);
        assert_ne!(
            later[0]["id"], alerts[0]["id"],
            "a fresh alert after the quiet period"
        );

        // Works again: alerts resolve, the mailbox is ok.
        *f.imap_fails.lock().unwrap() = None;
        due_now(&app).await;
        run_jobs(&app).await;
        assert!(mailbox_alerts(&app, id).await.is_empty());
        let mb = app
            .get(&format!("/api/v1/mailboxes/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (mb["status"].as_str(), &mb["last_error"]),
            (Some("ok"), &Value::Null)
        );
        let paused = app
            .patch(
                &format!("/api/v1/mailboxes/{id}"),
                &app.owner,
                json!({"active": false}),
            )
            .await
            .ok(200);
        assert_eq!(paused["active"], false);
    }
);

both_faked!(
    polled_mail_is_imported_once_by_uid,
    |s: &mut rapport_app::Settings, f: &Fakes| {
        with_fakes(s, f);
        s.mail.max_message_bytes = 10_000;
    },
    |app: TestApp, f: Fakes| async move {
        let north = app.client("Northwind").await;
        app.contact(north, "priya@northwind.example", None).await;
        let first = mail(
            "priya@northwind.example",
            "From IMAP",
            "imap-1@northwind.example",
            "",
            "hello",
        );
        let mut big = mail(
            "priya@northwind.example",
            "Too big",
            "imap-2@northwind.example",
            "",
            "",
        )
        .into_bytes();
        big.extend(std::iter::repeat_n(b'x', 20_000));
        *f.folder.lock().unwrap() = vec![(1, first.into_bytes()), (2, big)];
        let mb = app
            .post(
                "/api/v1/mailboxes",
                &app.owner,
                json!({"name": "Support", "host": "imap.example.com",
            "username": "support", "password": "pw"}),
            )
            .await
            .ok(201);
        run_jobs(&app).await;
        assert_eq!(app.count("requests").await, 1);
        let triage = app.get("/api/v1/triage", &app.owner).await.ok(200);
        assert_eq!(triage["items"][0]["reason"], "too_large");
        assert_eq!(triage["items"][0]["source"], "imap");
        assert_eq!(
            *f.marked.lock().unwrap(),
            [1],
            "the oversized message stays unmarked in the folder"
        );
        let m = app
            .get(&format!("/api/v1/mailboxes/{}", mb["id"]), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            (
                m["last_uid"].as_i64(),
                m["imported"].as_i64(),
                m["status"].as_str()
            ),
            (Some(2), Some(2), Some("ok"))
        );

        // Deleted in Rapport, still in the folder (flags cleared, say): never imported again.
        {
            let org = app.org;
            app.app.store().write(move |db| {
                for t in ["attachments", "mail_meta", "messages", "request_care",
                          "scope_confirmations", "request_status_log", "request_tags", "mail_anchors", "requests"] {
                    db.execute(&format!("DELETE FROM {t} WHERE org_id = $1"), params![org])?;
                }
                db.execute("UPDATE jobs SET run_at = 0 WHERE org_id = $1 AND kind = 'mail.poll' AND status = 'queued'", params![org])
            }).await.unwrap();
        }
        run_jobs(&app).await;
        assert_eq!(*f.imap_polls.lock().unwrap(), 2, "polled again");
        assert_eq!(app.count("requests").await, 0, "not re-imported");
    }
);

/// A 24-message thread as a tree (message i answers message (i - 1) / 2), from one contact.
/// `full_references`: References carry every ancestor, as most clients write them; otherwise
/// only In-Reply-To names the parent, as some clients and list digests leave it.
fn thread_tree(tag: &str, from: &str, full_references: bool) -> Vec<String> {
    const N: usize = 24;
    let id = |i: usize| format!("{tag}.{i}@list.example");
    (0..N)
        .map(|i| {
            let mut headers = String::new();
            if i > 0 {
                let parent = (i - 1) / 2;
                let mut chain = vec![parent];
                while let Some(&a) = chain.last()
                    && a > 0
                {
                    chain.push((a - 1) / 2);
                }
                chain.reverse();
                headers.push_str(&format!("In-Reply-To: <{}>\r\n", id(parent)));
                if full_references {
                    let refs: Vec<String> = chain.iter().map(|&a| format!("<{}>", id(a))).collect();
                    headers.push_str(&format!("References: {}\r\n", refs.join(" ")));
                }
            }
            let subject = if i == 0 {
                "Quarterly data".to_string()
            } else {
                "Re: Quarterly data".to_string()
            };
            mail(
                from,
                &subject,
                &id(i),
                &headers,
                &format!("message {i} of the thread"),
            )
        })
        .collect()
}

/// A fixed shuffle (xorshift), so a failure names the order that broke.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut x = seed | 1;
    for i in (1..out.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.swap(i, (x % (i as u64 + 1)) as usize);
    }
    out
}

/// The client's requests that are not closed, through the API.
async fn open_requests(app: &TestApp, client: i64) -> Vec<Value> {
    app.get(
        &format!("/api/v1/requests?client_id={client}&status=new,triaged,in_progress,waiting_on_client,delivered&limit=100"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

both_faked!(
    a_thread_arriving_out_of_order_is_one_request,
    with_fakes,
    |app: TestApp, _f: Fakes| async move {
        let orders: [(&str, Option<u64>); 4] = [
            ("reverse", None),
            ("shuffle-a", Some(7)),
            ("shuffle-b", Some(1234)),
            ("shuffle-c", Some(99)),
        ];
        for full in [true, false] {
            for (name, seed) in orders {
                let tag = format!("{name}-{}", if full { "refs" } else { "irt" });
                let client = app.client(&format!("Client {tag}")).await;
                let from = format!("priya@{tag}.example");
                app.contact(client, &from, None).await;
                let thread = thread_tree(&tag, &from, full);
                let order = match seed {
                    None => thread.iter().rev().cloned().collect(),
                    Some(s) => shuffled(&thread, s),
                };
                for raw in order {
                    let o = ingest(&app, raw).await;
                    assert!(
                        matches!(
                            o,
                            IngestOutcome::NewRequest { .. } | IngestOutcome::Threaded { .. }
                        ),
                        "{tag}: {o:?}"
                    );
                }
                let open = open_requests(&app, client).await;
                assert_eq!(
                    open.len(),
                    1,
                    "{tag}: one request for the thread, got {open:?}"
                );
                let id = open[0]["id"].as_i64().unwrap();
                assert_eq!(
                    thread_len(&app, id).await,
                    thread.len(),
                    "{tag}: every message on it"
                );
            }
        }
    }
);

both_faked!(
    threads_join_only_their_own_thread_and_client,
    with_fakes,
    |app: TestApp, _f: Fakes| async move {
        let north = app.client("Northwind").await;
        let south = app.client("Southwind").await;
        app.contact(north, "priya@northwind.example", None).await;
        app.contact(south, "sam@southwind.example", None).await;

        // Two unrelated threads of one client, interleaved and each in reverse, stay two.
        let a = thread_tree("alpha", "priya@northwind.example", false);
        let b = thread_tree("beta", "priya@northwind.example", true);
        for (x, y) in a.iter().rev().zip(b.iter().rev()) {
            ingest(&app, x.clone()).await;
            ingest(&app, y.clone()).await;
        }
        let open = open_requests(&app, north).await;
        assert_eq!(open.len(), 2, "{open:?}");
        for r in &open {
            assert_eq!(thread_len(&app, r["id"].as_i64().unwrap()).await, a.len());
        }

        // Another client's mail naming an id Northwind's mail named (but nobody sent us) is
        // not joined to Northwind's request, nor refused as forged: it opens its own.
        let other = mail(
            "sam@southwind.example",
            "Re: Quarterly data",
            "s1@southwind.example",
            "In-Reply-To: <gamma.missing@list.example>\r\n",
            "ours",
        );
        let stray = mail(
            "priya@northwind.example",
            "Re: something",
            "n9@northwind.example",
            "In-Reply-To: <gamma.missing@list.example>\r\n",
            "first",
        );
        let northwind_req = created(&ingest(&app, stray).await);
        let southwind_req = created(&ingest(&app, other).await);
        assert_ne!(northwind_req, southwind_req);
        assert_eq!(open_requests(&app, south).await.len(), 1);

        // The merge is Rapport's, audited on both requests.
        let audit = app
            .get("/api/v1/audit?action=request.merge&limit=100", &app.owner)
            .await
            .ok(200);
        let merges = audit["items"].as_array().unwrap();
        assert!(!merges.is_empty(), "the reversed thread needed merges");
        assert!(
            merges.iter().all(
                |e| e["actor"]["kind"] == "system" && e["details"]["why"] == "mail: one thread"
            ),
            "{merges:?}"
        );
    }
);

both_faked!(
    mailbox_connection_test_says_what_it_found,
    with_fakes,
    |app: TestApp, f: Fakes| async move {
        f.folder.lock().unwrap().extend([
            (1, mail("a@x.example", "one", "t1@x", "", "hi").into_bytes()),
            (2, mail("b@x.example", "two", "t2@x", "", "hi").into_bytes()),
        ]);
        let mb = app
            .post(
                "/api/v1/mailboxes",
                &app.owner,
                json!({"name": "Support", "host": "imap.example.com",
                "username": "support", "password": "hunter2-imap"}),
            )
            .await
            .ok(201);
        let id = mb["id"].as_i64().unwrap();
        let polls = *f.imap_polls.lock().unwrap();
        let ok = app
            .post(
                &format!("/api/v1/mailboxes/{id}/test"),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200);
        assert_eq!(ok["ok"], true, "{ok}");
        assert_eq!(ok["messages"], 2, "{ok}");
        assert!(ok["message"].as_str().unwrap().contains("support"), "{ok}");
        // A test reads nothing: no poll ran and nothing was marked.
        assert_eq!(*f.imap_polls.lock().unwrap(), polls);
        assert!(f.marked.lock().unwrap().is_empty());

        *f.imap_fails.lock().unwrap() = Some(MailboxError::Auth(
            "imap.example.com as support: AUTHENTICATIONFAILED".into(),
        ));
        let bad = app
            .post(
                &format!("/api/v1/mailboxes/{id}/test"),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200);
        assert_eq!(bad["ok"], false, "{bad}");
        assert!(bad["messages"].is_null(), "{bad}");
        assert!(
            bad["message"]
                .as_str()
                .unwrap()
                .contains("AUTHENTICATIONFAILED"),
            "{bad}"
        );
        // Both tests are in the audit log; members and other ids get nothing.
        let audit = app
            .get(
                &format!("/api/v1/audit?action=mailbox.test&target_id={id}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
        let agent = app
            .member_token("agent@acme.example", rapport_core::access::Role::Agent)
            .await;
        app.post(&format!("/api/v1/mailboxes/{id}/test"), &agent, json!({}))
            .await
            .problem(403);
        app.post(
            &format!("/api/v1/mailboxes/{}/test", id + 1000),
            &app.owner,
            json!({}),
        )
        .await
        .problem(404);
    }
);

both_faked!(
    without_the_secret_key_mailboxes_and_webhooks_say_what_to_set,
    |s: &mut rapport_app::Settings, f: &Fakes| {
        with_fakes(s, f);
        s.secrets = rapport_app::secrets::SecretBox::default();
    },
    |app: TestApp, _f: Fakes| async move {
        let before = app.snapshot().await;
        for (path, body) in [
            (
                "/api/v1/mailboxes",
                json!({"name": "Support", "host": "imap.example.com",
                    "username": "support", "password": "hunter2-imap"}),
            ),
            (
                "/api/v1/webhooks",
                json!({"url": "https://hooks.example.com/rapport", "events": ["request_created"]}),
            ),
        ] {
            let p = app.post(path, &app.owner, body).await.problem(503);
            assert!(
                p.body["type"].as_str().unwrap().ends_with("not-configured"),
                "{}",
                p.body
            );
            let detail = p.body["detail"].as_str().unwrap();
            assert!(detail.contains("RAPPORT_SECRET_KEY"), "{detail}");
            assert!(detail.contains("rapport secret-key"), "{detail}");
        }
        assert_eq!(app.snapshot().await, before);
    }
);

/// The owner's member id, found by address.
async fn owner_id(app: &TestApp) -> i64 {
    let all = app.get("/api/v1/members", &app.owner).await.ok(200);
    all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "owner@acme.example")
        .expect("the owner is listed")["id"]
        .as_i64()
        .unwrap()
}

both_faked!(
    replies_carry_the_writers_signature_and_it_is_linted,
    with_fakes,
    |app: TestApp, f: Fakes| async move {
        app.start_clock_in_london_office_hours();
        let north = app.client("Northwind").await;
        app.post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": north, "name": "Priya Mehta", "email": "priya@northwind.example",
                   "etiquette": {"preferred_name": "Dr Mehta", "avoid": ["Dear Sir/Madam"]}}),
        )
        .await
        .ok(201);
        let rid = created(
            &ingest(
                &app,
                mail(
                    "priya@northwind.example",
                    "Export fails",
                    "s1@northwind.example",
                    "",
                    "x",
                ),
            )
            .await,
        );
        let me = owner_id(&app).await;
        let path = format!("/api/v1/members/{me}");

        // Too many lines: refused, naming the field, nothing kept.
        let long = (1..=9)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let r = app
            .patch(&path, &app.owner, json!({"signature": long}))
            .await
            .problem(422);
        assert_eq!(r.fields(), ["signature"]);
        let m = app.get(&path, &app.owner).await.ok(200);
        assert_eq!(m["signature"], Value::Null);

        // Set, it is shown on the member and audited.
        let m = app
            .patch(
                &path,
                &app.owner,
                json!({"signature": "  Olu Owner\r\nAcme Ltd, London \n"}),
            )
            .await
            .ok(200);
        assert_eq!(m["signature"], "Olu Owner\nAcme Ltd, London");
        let audit = app
            .get(
                &format!("/api/v1/audit?action=member.update&target_kind=member&target_id={me}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert!(audit.to_string().contains("Acme Ltd, London"), "{audit}");

        // The sent mail carries it under the body, after the signature separator.
        let sent = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "We found the cause."}),
            )
            .await
            .ok(201);
        assert!(
            sent["body"]
                .as_str()
                .unwrap()
                .ends_with("We found the cause.\n\n-- \nOlu Owner\nAcme Ltd, London"),
            "{sent}"
        );
        run_jobs(&app).await;
        let raw = String::from_utf8(f.sent.lock().unwrap()[0].2.clone()).unwrap();
        assert!(
            raw.contains("We found the cause.\r\n\r\n--=20\r\nOlu Owner\r\nAcme Ltd, London"),
            "{raw}"
        );

        // A member without a signature sends none.
        let admin = app
            .member_token("ada@acme.example", rapport_core::access::Role::Admin)
            .await;
        app.post(
            &format!("/api/v1/requests/{rid}/messages"),
            &admin,
            json!({"direction": "outbound", "body": "Fixed now."}),
        )
        .await
        .ok(201);
        run_jobs(&app).await;
        let raw = String::from_utf8(f.sent.lock().unwrap()[1].2.clone()).unwrap();
        assert!(raw.contains("Fixed now."), "{raw}");
        assert!(
            !raw.contains("--=20") && !raw.contains("Olu Owner"),
            "{raw}"
        );

        // A phrase the contact asked us to avoid, in the signature, holds the reply.
        app.patch(
            &path,
            &app.owner,
            json!({"signature": "Dear Sir/Madam, yours truly\nOlu"}),
        )
        .await
        .ok(200);
        let before = f.sent.lock().unwrap().len();
        let r = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "One more thing."}),
            )
            .await
            .problem(409);
        assert_eq!(r.fields(), ["body"]);
        assert!(
            r.body["findings"].to_string().contains("Dear Sir/Madam"),
            "{}",
            r.body
        );
        run_jobs(&app).await;
        assert_eq!(f.sent.lock().unwrap().len(), before);

        // Removed, replies go out without one again.
        let m = app
            .patch(&path, &app.owner, json!({"signature": ""}))
            .await
            .ok(200);
        assert_eq!(m["signature"], Value::Null);
        let sent = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "One more thing."}),
            )
            .await
            .ok(201);
        assert_eq!(sent["body"], "One more thing.");
    }
);
