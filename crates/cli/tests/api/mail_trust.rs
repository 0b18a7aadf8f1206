//! Mail the firm cannot vouch for (issue 15, items 9, 14 and 16): a sender's HTML and files are
//! served so that nothing in them runs or loads, wherever they are fetched; and an organisation
//! can hold back mail whose sender the receiving server did not verify.

use rapport_app::mail::{IngestOutcome, Received};
use rapport_core::access::Role;
use rapport_core::inbox::{MailSource, TriageReason};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, Res, TestApp};

async fn ingest(app: &TestApp, raw: String) -> IngestOutcome {
    let n = raw.len();
    app.app
        .ingest_mail(
            app.org,
            raw.into_bytes(),
            Received::whole(MailSource::Pipe, n),
        )
        .await
        .unwrap()
}

fn mail(from: &str, subject: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: support@acme.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n{extra}\r\n{body}\r\n"
    )
}

fn created(o: &IngestOutcome) -> i64 {
    match o {
        IngestOutcome::NewRequest { request_id, .. } => request_id.0,
        other => panic!("expected a new request, got {other:?}"),
    }
}

fn triaged(o: &IngestOutcome) -> (TriageReason, String) {
    match o {
        IngestOutcome::Triaged { reason, detail, .. } => (*reason, detail.clone()),
        other => panic!("expected triage, got {other:?}"),
    }
}

/// The first message of a request.
async fn first_message(app: &TestApp, request: i64) -> i64 {
    app.get(&format!("/api/v1/requests/{request}/messages"), &app.owner)
        .await
        .ok(200)["items"][0]["id"]
        .as_i64()
        .unwrap()
}

fn header(res: &Res, name: &str) -> String {
    res.headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

const HTML_MAIL: &str = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n";

fn html_body() -> String {
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
     <p style=\"background:u\\72l(https://t.example/escaped)\">Escaped</p>\
     <p style=\"color: red; background-image: url(https://t.example/plain)\">Plain</p>\
     <div style=\"position: fixed; top: 0\">Overlay</div>\r\n\
     --b\r\nContent-Type: text/html; name=\"invoice.html\"\r\n\
     Content-Disposition: attachment; filename=\"invoice.html\"\r\n\r\n\
     <script>alert(document.cookie)</script>\r\n--b--"
        .to_string()
}

both!(mail_html_is_safe_on_its_own, |app: TestApp| async move {
    let client = app.client("Northwind").await;
    app.contact(client, "priya@northwind.example", None).await;
    let rid = created(
        &ingest(
            &app,
            mail(
                "priya@northwind.example",
                "Styles",
                "css@northwind.example",
                HTML_MAIL,
                &html_body(),
            ),
        )
        .await,
    );
    let mid = first_message(&app, rid).await;
    for query in ["", "?remote_images=allow"] {
        let res = app
            .call(
                Method::GET,
                &format!("/api/v1/messages/{mid}/html{query}"),
                Some(&app.owner),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let html = res.body["html"].as_str().unwrap();
        assert!(!html.contains("t.example"), "CSS fetches survived: {html}");
        assert!(!html.contains("position"), "{html}");
        assert!(html.contains("style=\"color: red\""), "{html}");
        let csp = header(&res, "content-security-policy");
        assert!(
            csp.contains("sandbox") && csp.contains("default-src 'none'"),
            "{csp}"
        );
    }
});

both!(
    attachments_download_the_same_safe_way_everywhere,
    |app: TestApp| async move {
        let client = app.client("Northwind").await;
        app.contact(client, "priya@northwind.example", Some("priya's own 123"))
            .await;
        let rid = created(
            &ingest(
                &app,
                mail(
                    "priya@northwind.example",
                    "Invoice",
                    "file@northwind.example",
                    HTML_MAIL,
                    &html_body(),
                ),
            )
            .await,
        );
        let mid = first_message(&app, rid).await;
        let aid = app
            .get(&format!("/api/v1/messages/{mid}/attachments"), &app.owner)
            .await
            .ok(200)["items"][0]["id"]
            .as_i64()
            .unwrap();
        let member = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "owner@acme.example", "password": PASSWORD})),
            )
            .await;
        let member_cookie = header(&member, "set-cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let (portal_cookie, _) = app
            .portal_session("priya@northwind.example", "priya's own 123")
            .await;
        let answers = [
            (
                "api",
                app.call(
                    Method::GET,
                    &format!("/api/v1/attachments/{aid}"),
                    Some(&app.owner),
                    None,
                )
                .await,
            ),
            (
                "app",
                app.with_cookie(
                    Method::GET,
                    &format!("/app/attachments/{aid}"),
                    &member_cookie,
                    None,
                    None,
                )
                .await,
            ),
            (
                "portal",
                app.with_cookie(
                    Method::GET,
                    &format!("/portal/attachments/{aid}"),
                    &portal_cookie,
                    None,
                    None,
                )
                .await,
            ),
        ];
        for (side, res) in &answers {
            assert_eq!(res.status, 200, "{side}");
            let csp = header(res, "content-security-policy");
            assert_eq!(csp, "sandbox; default-src 'none'", "{side}");
            assert!(
                header(res, "content-disposition")
                    .starts_with("attachment; filename=\"invoice.html\""),
                "{side}"
            );
            assert_eq!(header(res, "x-content-type-options"), "nosniff", "{side}");
            assert_eq!(header(res, "content-type"), "text/html", "{side}");
        }
    }
);

fn authenticated(server: &str, results: &str) -> String {
    format!("Authentication-Results: {server}; {results}\r\n")
}

/// A server with a sender address configured, so that our replies carry a Message-ID of ours.
async fn spawn_sending(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, w| {
        w.api_rate = None;
        s.mail = s
            .mail
            .clone()
            .with_from("Acme Support <support@acme.example>")
            .unwrap();
    })
    .await
}

/// One body on both engines, on a server that sends as Acme Support.
macro_rules! both_sending {
    ($name:ident, $body:expr) => {
        $crate::both_with!($name, spawn_sending, $body);
    };
}

both_sending!(
    unverified_senders_wait_in_triage_when_required,
    |app: TestApp| async move {
        let client = app.client("Northwind").await;
        app.contact(client, "priya@northwind.example", None).await;
        let pass = authenticated(
            "mx.acme.example",
            "spf=pass smtp.mailfrom=priya@northwind.example; dkim=pass header.d=northwind.example; \
             dmarc=pass header.from=northwind.example",
        );
        let fail = authenticated(
            "mx.acme.example",
            "spf=softfail smtp.mailfrom=spoof.example; dkim=none; dmarc=fail header.from=northwind.example",
        );

        // Recorded on the message, policy or not.
        let rid = created(
            &ingest(
                &app,
                mail(
                    "priya@northwind.example",
                    "Real",
                    "r1@northwind.example",
                    &pass,
                    "Hello",
                ),
            )
            .await,
        );
        let mid = first_message(&app, rid).await;
        let facts = app
            .get(&format!("/api/v1/messages/{mid}/mail"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            facts["authentication"],
            "mx.acme.example: spf=pass (northwind.example) dkim=pass (northwind.example) \
             dmarc=pass (northwind.example)"
        );
        // Off by default: a failing message still opens a request.
        let spoofed = ingest(
            &app,
            mail(
                "priya@northwind.example",
                "Before",
                "s0@spoof.example",
                &fail,
                "Hi",
            ),
        )
        .await;
        created(&spoofed);

        // Only admins set the policy; every member may read it.
        let agent = app.member_token("agent@acme.example", Role::Agent).await;
        let policy = json!({"require_authentication": true, "authserv_id": "MX.acme.example"});
        app.call(
            Method::PUT,
            "/api/v1/mail-policy",
            Some(&agent),
            Some(policy.clone()),
        )
        .await
        .problem(403);
        let set: Value = app
            .call(
                Method::PUT,
                "/api/v1/mail-policy",
                Some(&app.owner),
                Some(policy),
            )
            .await
            .ok(200);
        assert_eq!(set["authserv_id"], "mx.acme.example");
        assert_eq!(
            app.get("/api/v1/mail-policy", &agent).await.ok(200)["require_authentication"],
            true
        );

        // A failing sender, a header forged by the sender, no header at all, and a guessed
        // subject token: all wait in triage, each with its reason.
        let forged = authenticated(
            "mx.spoof.example",
            "dmarc=pass header.from=northwind.example",
        );
        for (id, extra, subject, why) in [
            (
                "s1@spoof.example",
                fail.clone(),
                "Pay this".to_string(),
                "dmarc=fail",
            ),
            (
                "s2@spoof.example",
                forged,
                "Pay this".to_string(),
                "no Authentication-Results from mx.acme.example",
            ),
            (
                "s3@spoof.example",
                String::new(),
                "Pay this".to_string(),
                "no Authentication-Results",
            ),
            (
                "s4@spoof.example",
                fail.clone(),
                format!("Re: Real [#{rid}]"),
                "dmarc=fail",
            ),
        ] {
            let before = app.count("messages").await;
            let (reason, detail) = triaged(
                &ingest(
                    &app,
                    mail("priya@northwind.example", &subject, id, &extra, "Hi"),
                )
                .await,
            );
            assert_eq!(reason, TriageReason::Unauthenticated, "{id}");
            assert!(
                detail.contains(why) && detail.contains("priya@northwind.example"),
                "{id}: {detail}"
            );
            assert_eq!(app.count("messages").await, before, "{id} reached a thread");
        }
        let queue = app.get("/api/v1/triage", &app.owner).await.ok(200);
        assert!(
            queue["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["reason"] == "unauthenticated"),
            "{queue}"
        );
        // A verified sender gets through, and so does a reply to one of our own messages (its
        // Message-ID is known only to those we wrote to).
        created(
            &ingest(
                &app,
                mail(
                    "priya@northwind.example",
                    "Verified",
                    "r2@northwind.example",
                    &pass,
                    "Hi",
                ),
            )
            .await,
        );
        let ours = app
            .post(
                &format!("/api/v1/requests/{rid}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "We are on it.", "confirm_findings": true}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let our_id = app
            .get(&format!("/api/v1/messages/{ours}/mail"), &app.owner)
            .await
            .ok(200)["mail_message_id"]
            .as_str()
            .unwrap()
            .to_string();
        let reply = ingest(
            &app,
            mail(
                "priya@northwind.example",
                "Re: Real",
                "r3@northwind.example",
                &format!("In-Reply-To: <{our_id}>\r\n{fail}"),
                "Thanks",
            ),
        )
        .await;
        assert!(
            matches!(reply, IngestOutcome::Threaded { request_id, .. } if request_id.0 == rid),
            "{reply:?}"
        );
    }
);
