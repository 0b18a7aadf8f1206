//! One path per domain event, whichever channel carries it. The client writing back: a reply
//! in the portal and a reply by mail leave the same status, status history (so the same SLA
//! clocks) and audit trail. A request opened: the quick lane's fires the same rules, audit and
//! care as any other.

use rapport_app::mail::{IngestOutcome, Received};
use rapport_core::inbox::MailSource;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

const CONTACT: &str = "priya@kaveri.example";
const PORTAL_PASSWORD: &str = "portal password p";

/// A London client (GMT in early March) with a contact who uses the portal, and an engagement
/// whose first reply is due within 120 business minutes.
async fn client_with_sla(app: &TestApp) -> (i64, i64, i64) {
    let client = app.client("Kaveri Foods").await;
    let contact = app.contact(client, CONTACT, Some(PORTAL_PASSWORD)).await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Data desk", "currency": "GBP",
                   "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                       "next_response_minutes": 240, "resolution_minutes": 960}}}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    (client, contact, engagement)
}

async fn open(app: &TestApp, client: i64, contact: i64, engagement: i64, title: &str) -> i64 {
    app.post(
        "/api/v1/requests",
        &app.owner,
        json!({"client_id": client, "contact_id": contact, "engagement_id": engagement,
               "title": title}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn transition(app: &TestApp, id: i64, to: &str) {
    app.post(
        &format!("/api/v1/requests/{id}/transition"),
        &app.owner,
        json!({"status": to}),
    )
    .await
    .ok(200);
}

async fn request(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200)
}

async fn portal_reply(app: &TestApp, id: i64, body: &str) {
    let (cookie, csrf) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{id}/messages"),
        &cookie,
        Some(&csrf),
        Some(json!({"body": body})),
    )
    .await
    .ok(201);
}

/// The contact answers by mail, on the thread of request `id` (its reference in the subject).
async fn mail_reply(app: &TestApp, id: i64, body: &str) -> IngestOutcome {
    let raw = format!(
        "From: Priya <{CONTACT}>\r\nTo: support@acme.example\r\nSubject: Re: figures [#{id}]\r\n\
         Message-ID: <reply-{id}@kaveri.example>\r\nDate: Mon, 1 Mar 2027 11:30:00 +0000\r\n\r\n{body}\r\n"
    );
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

/// Audit reasons of the status changes on a request, oldest first.
async fn status_reasons(app: &TestApp, id: i64) -> Vec<Value> {
    let audit = app
        .get(
            &format!("/api/v1/audit?target_kind=request&target_id={id}&limit=100"),
            &app.owner,
        )
        .await
        .ok(200);
    let mut out: Vec<Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "request.status")
        .map(|e| e["details"]["reason"].clone())
        .collect();
    out.reverse();
    out
}

both!(
    portal_and_mail_replies_reopen_and_restart_the_clocks_alike,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z"); // a Monday morning in London
        let (client, contact, engagement) = client_with_sla(&app).await;
        let by_portal = open(&app, client, contact, engagement, "Portal figures").await;
        let by_mail = open(&app, client, contact, engagement, "Mailed figures").await;
        app.advance_minutes(30);
        for id in [by_portal, by_mail] {
            transition(&app, id, "waiting_on_client").await;
            let r = request(&app, id).await;
            assert_eq!(r["sla"]["first_response"]["paused"], true, "{r}");
            assert_eq!(r["sla_due_at"], Value::Null);
        }

        // An hour later the client answers both: one in the portal, one by mail.
        app.advance_minutes(60);
        portal_reply(&app, by_portal, "Here are the figures.").await;
        match mail_reply(&app, by_mail, "Here are the figures.").await {
            IngestOutcome::Threaded {
                request_id,
                reopened_to,
                ..
            } => {
                assert_eq!(request_id.0, by_mail);
                assert_eq!(reopened_to.map(|s| s.as_str()), Some("triaged"));
            }
            other => panic!("expected the reply on request {by_mail}, got {other:?}"),
        }

        let (p, m) = (request(&app, by_portal).await, request(&app, by_mail).await);
        for r in [&p, &m] {
            assert_eq!(r["status"], "triaged", "the ball is back with us: {r}");
            assert_eq!(r["last_inbound_at"], "2027-03-01T11:30:00Z");
            let first = &r["sla"]["first_response"];
            assert_eq!(first["paused"], false, "the clock runs again: {r}");
            assert_eq!(first["running"], true);
            assert_eq!(first["elapsed_business_minutes"], 30);
            // 90 of the 120 minutes were left when it paused.
            assert_eq!(first["due_at"], "2027-03-01T13:00:00Z");
            assert_eq!(r["sla_due_at"], "2027-03-01T13:00:00Z");
        }
        assert_eq!(p["sla"], m["sla"], "the same clocks whichever channel");
        // The queue's stored view agrees with the request's own.
        let queue = app
            .get("/api/v1/requests?sort=sla_due", &app.owner)
            .await
            .ok(200);
        for item in queue["items"].as_array().unwrap() {
            assert_eq!(item["sla_due_at"], "2027-03-01T13:00:00Z", "{item}");
            assert_eq!(item["status"], "triaged");
        }
        assert_eq!(
            status_reasons(&app, by_portal).await,
            vec![Value::Null, json!("the client replied by the portal")]
        );
        assert_eq!(
            status_reasons(&app, by_mail).await,
            vec![Value::Null, json!("the client replied by mail")]
        );
    }
);

both!(
    a_portal_reply_reopens_delivered_work,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let (client, contact, engagement) = client_with_sla(&app).await;
        let id = open(&app, client, contact, engagement, "Quarterly export").await;
        transition(&app, id, "in_progress").await;
        app.advance_minutes(60);
        transition(&app, id, "delivered").await;
        assert_eq!(request(&app, id).await["status"], "delivered");

        app.advance_minutes(30);
        portal_reply(&app, id, "The export is missing March.").await;
        let r = request(&app, id).await;
        assert_eq!(r["status"], "in_progress", "it is not done: {r}");
        assert_eq!(r["delivered_at"], Value::Null);
        assert_eq!(
            r["sla"]["resolution"]["running"], true,
            "the resolution clock runs again: {r}"
        );
    }
);

both!(
    a_quick_lane_request_is_opened_like_any_other,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let rule = app
            .post(
                "/api/v1/rules",
                &app.owner,
                json!({"name": "Every new request", "event": "request_created",
                       "actions": [{"type": "tag", "tag": "seen-by-rules"}]}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let client = app.client("Kaveri Foods").await;
        let quick = app
            .post(
                "/api/v1/requests/quick",
                &app.owner,
                json!({"client_id": client, "title": "Angry about the typo", "kind": "complaint",
                       "minutes": 2}),
            )
            .await
            .ok(201);
        let id = quick["request"]["id"].as_i64().unwrap();
        app.run_jobs().await;
        let r = request(&app, id).await;
        assert_eq!(r["status"], "delivered");
        assert_eq!(r["quick"], true);
        assert_eq!(
            r["tags"],
            json!(["seen-by-rules"]),
            "request_created rules ran: {r}"
        );
        let audit = app
            .get(
                &format!("/api/v1/audit?target_kind=request&target_id={id}&limit=100"),
                &app.owner,
            )
            .await
            .ok(200);
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"request.create"), "{actions:?}");
        assert!(actions.contains(&"request.quick"), "{actions:?}");
        let applied = app
            .get(
                &format!("/api/v1/audit?action=rule.apply&target_kind=rule&target_id={rule}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(applied["items"].as_array().unwrap().len(), 1);
        // A complaint logged in the quick lane is flagged like one filed any other way.
        let complaints = app
            .get(
                &format!("/api/v1/complaints?client_id={client}&include_closed=true"),
                &app.owner,
            )
            .await
            .ok(200);
        let items = complaints["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{complaints}");
    }
);

both!(
    a_contact_writing_through_a_group_alias_is_the_client_speaking,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let (_client, _contact, _engagement) = client_with_sla(&app).await;
        let raw = format!(
            "From: Priya <{CONTACT}>\r\nTo: finance-team@kaveri.example\r\nCc: support@acme.example\r\n\
             Subject: March figures\r\nMessage-ID: <via-alias@kaveri.example>\r\n\
             Date: Mon, 1 Mar 2027 10:00:00 +0000\r\nList-Id: Finance team <finance-team.kaveri.example>\r\n\
             Precedence: list\r\n\r\nCould you send the March figures?\r\n"
        );
        let n = raw.len();
        let outcome = app
            .app
            .ingest_mail(
                app.org,
                raw.into_bytes(),
                Received::whole(MailSource::Pipe, n),
            )
            .await
            .unwrap();
        let IngestOutcome::NewRequest { request_id, .. } = outcome else {
            panic!("a known contact's mail through a list opens a request, got {outcome:?}");
        };
        let r = request(&app, request_id.0).await;
        assert_eq!(r["title"], "March figures");
        assert_eq!(r["last_inbound_at"], "2027-03-01T10:00:00Z");
        // Bulk mail from the same address is still a machine's: kept out of the book of work.
        let bulk = format!(
            "From: Priya <{CONTACT}>\r\nTo: support@acme.example\r\nSubject: Our newsletter\r\n\
             Message-ID: <bulk@kaveri.example>\r\nDate: Mon, 1 Mar 2027 10:05:00 +0000\r\n\
             Precedence: bulk\r\n\r\nNews from Kaveri.\r\n"
        );
        let n = bulk.len();
        let outcome = app
            .app
            .ingest_mail(
                app.org,
                bulk.into_bytes(),
                Received::whole(MailSource::Pipe, n),
            )
            .await
            .unwrap();
        assert!(
            matches!(outcome, IngestOutcome::Triaged { .. }),
            "{outcome:?}"
        );
    }
);
