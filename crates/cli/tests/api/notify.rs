//! Notifications (issue 21, item 5): each member's inbox, filled by the events that concern
//! them, whichever channel carried them; read, counted and marked through the API; and mailed
//! by the member's preference (at once, hourly digest, off) only in their working hours,
//! through the real SMTP sink. Both engines, the app's clock set.

use std::sync::Arc;

use rapport_app::mail::Received;
use rapport_core::access::Role;
use rapport_core::ids::OrgId;
use rapport_core::inbox::MailSource;
use rapport_store::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::mail_servers::SmtpSink;
use crate::support::{PASSWORD, TestApp, member};
use crate::ui::{get, post, sign_in};
use crate::{both, both_with};

const CONTACT: &str = "priya@kaveri.example";
const PORTAL_PASSWORD: &str = "portal password p";
/// A Monday (GMT in London), inside working hours.
const MONDAY_10: &str = "2027-03-01T10:05:00Z";

/// A member of `org` with this name; (id, API token).
async fn person(app: &TestApp, org: OrgId, email: &str, name: &str) -> (i64, String) {
    let m = app
        .app
        .add_member_as_operator(org, member(email, name, Role::Agent))
        .await
        .unwrap();
    let ctx = app.app.ctx_for_member(org, m.id).await.unwrap();
    let (_, token) = app.app.create_token_for(&ctx, m.id, "t").await.unwrap();
    (m.id.0, token)
}

/// A client with a portal contact, and a request of theirs.
async fn client_request(app: &TestApp, title: &str) -> (i64, i64) {
    let client = app.client("Kaveri Foods").await;
    let contact = app.contact(client, CONTACT, Some(PORTAL_PASSWORD)).await;
    let id = request(app, client, contact, title).await;
    (client, id)
}

async fn request(app: &TestApp, client: i64, contact: i64, title: &str) -> i64 {
    app.post(
        "/api/v1/requests",
        &app.owner,
        json!({"client_id": client, "contact_id": contact, "title": title}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn inbox(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/notifications{query}"), token)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/notifications/unread-count", token)
        .await
        .ok(200)["unread"]
        .as_i64()
        .unwrap()
}

async fn note(app: &TestApp, id: i64, token: &str, body: &str) {
    app.post(
        &format!("/api/v1/requests/{id}/messages"),
        token,
        json!({"direction": "note", "body": body}),
    )
    .await
    .ok(201);
}

async fn assign(app: &TestApp, id: i64, token: &str, to: i64) {
    app.post(
        &format!("/api/v1/requests/{id}/assign"),
        token,
        json!({"assignee_id": to}),
    )
    .await
    .ok(200);
}

async fn set_email(app: &TestApp, token: &str, email: &str) {
    let res = app
        .call(
            Method::PUT,
            "/api/v1/notifications/settings",
            Some(token),
            Some(json!({"email": email})),
        )
        .await
        .ok(200);
    assert_eq!(res["email"], email);
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

both!(
    an_at_mention_notifies_only_that_member_of_the_same_firm,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let (ada, ada_t) = person(&app, app.org, "ada@acme.example", "Ada Okafor").await;
        let (_, bo_t) = person(&app, app.org, "bo.lee@acme.example", "Bo Lee").await;
        // Another firm has an Ada Okafor too: she is never told of Acme's notes.
        let (globex, boss_t) = app.other_firm().await;
        let (_, globex_ada_t) = person(&app, globex, "ada@globex.example", "Ada Okafor").await;
        let (_, id) = client_request(&app, "Cold chain audit").await;

        note(
            &app,
            id,
            &app.owner,
            "@Ada could you check the freezer logs? (and not @nobody, nor ada@acme.example)",
        )
        .await;

        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(kinds(&got), ["mentioned"], "{got:?}");
        let n = &got[0];
        assert_eq!(n["member_id"], ada);
        assert_eq!(n["request_id"], id);
        assert_eq!(n["subject_kind"], "message");
        assert_eq!(n["read_at"], Value::Null);
        let text = n["message"].as_str().unwrap();
        assert!(
            text.starts_with("Olu Owner mentioned you on #") && text.contains("Cold chain audit"),
            "{text}"
        );
        assert!(text.contains("freezer logs"), "{text}");
        assert_eq!(unread(&app, &ada_t).await, 1);
        // Nobody else: not Bo, not the author, not the other firm's Ada.
        assert!(inbox(&app, &bo_t, "").await.is_empty());
        assert!(inbox(&app, &app.owner, "").await.is_empty());
        assert!(inbox(&app, &globex_ada_t, "").await.is_empty());
        assert_eq!(unread(&app, &globex_ada_t).await, 0);

        // An @mention of oneself notifies nobody; a note without one neither.
        note(&app, id, &ada_t, "@ada note to self").await;
        note(&app, id, &ada_t, "plain note").await;
        assert_eq!(inbox(&app, &ada_t, "").await.len(), 1);

        // Only Ada can read hers: for Bo and the other firm it does not exist.
        let nid = n["id"].as_i64().unwrap();
        let path = format!("/api/v1/notifications/{nid}/read");
        app.post(&path, &bo_t, json!({})).await.problem(404);
        app.post(&path, &boss_t, json!({})).await.problem(404);
        assert_eq!(unread(&app, &ada_t).await, 1);
        let read = app.post(&path, &ada_t, json!({})).await.ok(200);
        assert!(read["read_at"].is_string(), "{read}");
        assert_eq!(unread(&app, &ada_t).await, 0);
        // Again: no change, still read at the same instant.
        let again = app.post(&path, &ada_t, json!({})).await.ok(200);
        assert_eq!(again["read_at"], read["read_at"]);
        let audit = app
            .get("/api/v1/audit?action=notification.read", &app.owner)
            .await
            .ok(200);
        assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
        app.post("/api/v1/notifications/99999/read", &ada_t, json!({}))
            .await
            .problem(404);
    }
);

both!(
    the_clients_reply_notifies_the_assignee_by_every_channel,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let (ada, ada_t) = person(&app, app.org, "ada@acme.example", "Ada Okafor").await;
        let (_, bo_t) = person(&app, app.org, "bo.lee@acme.example", "Bo Lee").await;
        let (_, id) = client_request(&app, "Q3 export").await;

        // Assigned by the owner: Ada hears who did it.
        assign(&app, id, &app.owner, ada).await;
        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(kinds(&got), ["assigned"]);
        assert!(
            got[0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Olu Owner assigned you #"),
            "{}",
            got[0]["message"]
        );

        // The client writes through the portal, then by mail: both reach the assignee.
        app.advance_minutes(5);
        let (cookie, csrf) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
        app.with_cookie(
            Method::POST,
            &format!("/api/v1/requests/{id}/messages"),
            &cookie,
            Some(&csrf),
            Some(json!({"body": "Any news on the export?"})),
        )
        .await
        .ok(201);
        app.advance_minutes(5);
        let raw = format!(
            "From: Priya <{CONTACT}>\r\nTo: support@acme.example\r\nSubject: Re: Q3 export [#{id}]\r\n\
             Message-ID: <reply-{id}@kaveri.example>\r\nDate: Mon, 1 Mar 2027 10:15:00 +0000\r\n\r\nHello?\r\n"
        );
        let n = raw.len();
        app.app
            .ingest_mail(
                app.org,
                raw.into_bytes(),
                Received::whole(MailSource::Pipe, n),
            )
            .await
            .unwrap();
        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(
            kinds(&got),
            ["client_replied", "client_replied", "assigned"],
            "newest first: {got:?}"
        );
        assert_eq!(got[0]["request_id"], id);
        assert_eq!(unread(&app, &ada_t).await, 3);
        // Bo is not the assignee; the owner assigned but is not either.
        assert!(inbox(&app, &bo_t, "").await.is_empty());
        assert!(inbox(&app, &app.owner, "").await.is_empty());

        // Unread first: the newest, once read, goes below the unread ones.
        let newest = got[0]["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/notifications/{newest}/read"),
            &ada_t,
            json!({}),
        )
        .await
        .ok(200);
        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(got[2]["id"], newest, "{got:?}");
        assert!(got[0]["read_at"].is_null() && got[1]["read_at"].is_null());
        let only_unread = inbox(&app, &ada_t, "?unread=true").await;
        assert_eq!(only_unread.len(), 2);
        assert!(only_unread.iter().all(|n| n["id"] != newest));
        // Pages follow the same order, with nothing lost or repeated between them.
        let first = app
            .get("/api/v1/notifications?limit=2", &ada_t)
            .await
            .ok(200);
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let second = app
            .get(
                &format!("/api/v1/notifications?limit=2&cursor={cursor}"),
                &ada_t,
            )
            .await
            .ok(200);
        assert_eq!(second["items"][0]["id"], newest);
        assert_eq!(second["next_cursor"], Value::Null);

        // All read at once.
        let done = app
            .post("/api/v1/notifications/read-all", &ada_t, json!({}))
            .await
            .ok(200);
        assert_eq!(done["marked"], 2);
        assert_eq!(unread(&app, &ada_t).await, 0);

        // Unassigning tells nobody; taking work oneself is no news to oneself.
        app.post(
            &format!("/api/v1/requests/{id}/assign"),
            &app.owner,
            json!({"assignee_id": null}),
        )
        .await
        .ok(200);
        assign(&app, id, &ada_t, ada).await;
        assert_eq!(unread(&app, &ada_t).await, 0);
        assert_eq!(inbox(&app, &ada_t, "").await.len(), 3);
    }
);

both!(
    a_promise_due_soon_and_broken_notifies_who_made_it,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let (_, ada_t) = person(&app, app.org, "ada@acme.example", "Ada Okafor").await;
        let (_, id) = client_request(&app, "Survey weights").await;
        app.post(
            "/api/v1/promises",
            &ada_t,
            json!({"request_id": id, "kind": "delivery", "description": "Weights",
                   "due_at": "2027-03-02T15:00:00Z"}),
        )
        .await
        .ok(201);
        app.run_jobs().await;
        assert!(inbox(&app, &ada_t, "").await.is_empty());

        // Within the due-soon window: warned once.
        app.set_now("2027-03-02T11:30:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(kinds(&got), ["promise_due_soon"], "{got:?}");
        assert!(
            got[0]["message"]
                .as_str()
                .unwrap()
                .contains("Survey weights"),
            "{}",
            got[0]["message"]
        );
        // Past due: broken, and told so.
        app.set_now("2027-03-02T16:00:00Z");
        app.run_jobs().await;
        let got = inbox(&app, &ada_t, "").await;
        assert_eq!(kinds(&got), ["promise_broken", "promise_due_soon"]);
        assert_eq!(got[0]["subject_kind"], "promise");
        // The owner made no promise: nothing for them.
        assert!(inbox(&app, &app.owner, "").await.is_empty());
    }
);

both!(
    notifications_are_for_members_and_settings_are_checked,
    |app: TestApp| async move {
        let (_, ada_t) = person(&app, app.org, "ada@acme.example", "Ada Okafor").await;
        let got = app
            .get("/api/v1/notifications/settings", &ada_t)
            .await
            .ok(200);
        assert_eq!(got["email"], "immediate", "the default is at once");
        let bad = app
            .call(
                Method::PUT,
                "/api/v1/notifications/settings",
                Some(&ada_t),
                Some(json!({"email": "weekly"})),
            )
            .await;
        assert!(bad.status == 422 || bad.status == 400, "{bad:?}");
        assert!(bad.body.to_string().contains("email"), "{}", bad.body);
        assert_eq!(
            app.get("/api/v1/notifications/settings", &ada_t)
                .await
                .ok(200)["email"],
            "immediate"
        );
        set_email(&app, &ada_t, "hourly").await;
        let audit = app
            .get(
                "/api/v1/audit?action=notification_settings.update",
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(audit["items"][0]["details"]["to"], "hourly", "{audit}");
        // The owner's own choice is theirs: still the default.
        assert_eq!(
            app.get("/api/v1/notifications/settings", &app.owner)
                .await
                .ok(200)["email"],
            "immediate"
        );
        // A client's contact has no inbox.
        let client = app.client("Kaveri Foods").await;
        app.contact(client, CONTACT, Some(PORTAL_PASSWORD)).await;
        let (cookie, _) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
        app.with_cookie(Method::GET, "/api/v1/notifications", &cookie, None, None)
            .await
            .problem(403);
    }
);

both!(
    the_inbox_page_counts_and_marks_read,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let (ada, _) = person(&app, app.org, "ada@acme.example", "Ada Okafor").await;
        let (_, id) = client_request(&app, "Freezer logs").await;
        assign(&app, id, &app.owner, ada).await;
        let s = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let page = get(&app, "/app", &[&s]).await;
        page.says(200, "id=\"inbox-count\" aria-label=\"1 unread\"");
        let page = get(&app, "/app/inbox", &[&s]).await;
        page.says(200, "Olu Owner assigned you #");
        page.says(200, "Freezer logs");
        page.says(200, "Mark read");
        let csrf = page.csrf();
        let nid = inbox(&app, &app.owner, "").await.len();
        assert_eq!(nid, 0);
        let res = post(&app, "/app/inbox/read-all", &[&s], &[("csrf", &csrf)]).await;
        assert_eq!(res.status, 303, "{}", res.body);
        get(&app, "/app/inbox?done=all-1", &[&s])
            .await
            .says(200, "id=\"inbox-count\" aria-label=\"0 unread\"");
        let res = post(
            &app,
            "/app/inbox/settings",
            &[&s],
            &[("csrf", &csrf), ("email", "off")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        get(&app, "/app/inbox?done=settings", &[&s])
            .await
            .says(200, "value=\"off\" checked");
        post(
            &app,
            "/app/inbox/settings",
            &[&s],
            &[("csrf", &csrf), ("email", "weekly")],
        )
        .await
        .says(422, "Tell me by mail");
    }
);

/// A server whose mail goes to a real SMTP sink; `None` inside when aiosmtpd is missing
/// outside CI (the test then says so and skips).
async fn with_sink(engine: Engine) -> Option<Option<(TestApp, SmtpSink)>> {
    if !crate::mail_servers::smtp_available() {
        return Some(None);
    }
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = TestApp::spawn_with(engine, move |s, w| {
        w.api_rate = None;
        s.mail = s
            .mail
            .clone()
            .with_from("Acme Support <support@acme.example>")
            .unwrap();
        let config = rapport_mail::smtp::SmtpConfig::parse(&url).unwrap();
        s.mail.transport = Some(Arc::new(
            rapport_mail::smtp::SmtpTransport::new(&config, &s.mail.domain).unwrap(),
        ));
    })
    .await?;
    Some(Some((app, sink)))
}

/// The messages the sink received for `to`: (subject line, whole text).
fn mails_for(sink: &SmtpSink, to: &str) -> Vec<(String, String)> {
    sink.received()
        .into_iter()
        .filter(|(env, _)| {
            env["to"]
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t == to))
        })
        .map(|(_, bytes)| {
            let text = String::from_utf8_lossy(&bytes).replace("=\r\n", "");
            let subject = text
                .lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap_or("")
                .to_string();
            (subject, text)
        })
        .collect()
}

/// What the outbox queued for `to` (mail handed to SMTP or waiting to be).
async fn queued_for(app: &TestApp, to: &str) -> usize {
    let (org, to) = (app.org, to.to_string());
    app.app
        .store()
        .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
        .await
        .unwrap()
        .len()
}

const ADA: &str = "ada@acme.example";

both_with!(
    the_hourly_digest_groups_several_into_one_mail_at_the_hour,
    with_sink,
    |given: Option<(TestApp, SmtpSink)>| async move {
        let Some((app, sink)) = given else { return };
        app.set_now(MONDAY_10);
        let (ada, ada_t) = person(&app, app.org, ADA, "Ada Okafor").await;
        set_email(&app, &ada_t, "hourly").await;
        let client = app.client("Kaveri Foods").await;
        let contact = app.contact(client, CONTACT, None).await;
        let a = request(&app, client, contact, "Freezer logs").await;
        let b = request(&app, client, contact, "Cold room B").await;
        assign(&app, a, &app.owner, ada).await;
        app.advance_minutes(10);
        assign(&app, b, &app.owner, ada).await;
        app.advance_minutes(10);
        note(&app, a, &app.owner, "@ada.okafor the logs are attached").await;
        assert_eq!(inbox(&app, &ada_t, "").await.len(), 3);

        // 10:25 and 10:59: nothing is mailed before the hour.
        app.run_jobs().await;
        app.set_now("2027-03-01T10:59:59Z");
        app.run_jobs().await;
        assert_eq!(queued_for(&app, ADA).await, 0);

        // 11:00: one mail with all three.
        app.set_now("2027-03-01T11:00:00Z");
        app.run_jobs().await;
        sink.wait_for(1, std::time::Duration::from_secs(20));
        let got = mails_for(&sink, ADA);
        assert_eq!(got.len(), 1, "{got:?}");
        let (subject, text) = &got[0];
        assert_eq!(subject, "[Rapport] 3 notifications");
        assert!(
            text.contains("Freezer logs") && text.contains("Cold room B"),
            "{text}"
        );
        assert!(text.contains("mentioned you"), "{text}");
        let items = inbox(&app, &ada_t, "").await;
        assert!(items.iter().all(|n| n["email"] == "sent"), "{items:?}");

        // The next one waits for the next hour, in a mail of its own.
        app.set_now("2027-03-01T11:10:00Z");
        note(&app, b, &app.owner, "@ada one more").await;
        app.run_jobs().await;
        assert_eq!(queued_for(&app, ADA).await, 1);
        app.set_now("2027-03-01T12:00:00Z");
        app.run_jobs().await;
        sink.wait_for(2, std::time::Duration::from_secs(20));
        let got = mails_for(&sink, ADA);
        assert_eq!(got.len(), 2);
        assert!(
            got[1].0.starts_with("[Rapport] Olu Owner mentioned you"),
            "{got:?}"
        );
        // Only Ada was mailed.
        assert_eq!(sink.received().len(), 2);
    }
);

both_with!(
    off_sends_no_mail_and_outside_working_hours_mail_waits,
    with_sink,
    |given: Option<(TestApp, SmtpSink)>| async move {
        let Some((app, sink)) = given else { return };
        // Monday 20:00 in London, after Ada's and Bo's hours (Monday to Friday, 9 to 5).
        app.set_now("2027-03-01T20:00:00Z");
        let (ada, _) = person(&app, app.org, ADA, "Ada Okafor").await;
        let (bo, bo_t) = person(&app, app.org, "bo.lee@acme.example", "Bo Lee").await;
        for id in [ada, bo] {
            app.patch(
                &format!("/api/v1/members/{id}"),
                &app.owner,
                json!({"working_hours": ["mon-fri 09:00-17:00"]}),
            )
            .await
            .ok(200);
        }
        set_email(&app, &bo_t, "off").await;
        let client = app.client("Kaveri Foods").await;
        let contact = app.contact(client, CONTACT, None).await;
        let id = request(&app, client, contact, "Night shift").await;
        assign(&app, id, &app.owner, ada).await;
        note(&app, id, &app.owner, "@bo FYI").await;
        let bo_items = inbox(&app, &bo_t, "").await;
        assert_eq!(kinds(&bo_items), ["mentioned"]);
        assert_eq!(bo_items[0]["email"], "skipped");

        app.run_jobs().await;
        app.set_now("2027-03-02T08:59:00Z");
        app.run_jobs().await;
        assert_eq!(
            queued_for(&app, ADA).await,
            0,
            "held until her working hours"
        );
        assert!(sink.received().is_empty());

        // Tuesday 09:00: Ada's mail goes; Bo's never does.
        app.set_now("2027-03-02T09:00:00Z");
        app.run_jobs().await;
        sink.wait_for(1, std::time::Duration::from_secs(20));
        let got = mails_for(&sink, ADA);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].0.starts_with("[Rapport] Olu Owner assigned you #"),
            "{got:?}"
        );
        assert!(got[0].1.contains("/app/requests/"), "{}", got[0].1);
        app.set_now("2027-03-03T12:00:00Z");
        app.run_jobs().await;
        assert_eq!(queued_for(&app, "bo.lee@acme.example").await, 0);
        assert!(mails_for(&sink, "bo.lee@acme.example").is_empty());
        assert_eq!(sink.received().len(), 1);
    }
);
