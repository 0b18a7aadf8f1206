//! Snooze: a request snoozed until a time or until the client writes leaves the queue views
//! (`snoozed=false`) and comes back by itself when its time passes, at once when the client
//! writes (portal or mail), or by hand. Through the API on both engines and the pages over HTTP.

use rapport_app::mail::Received;
use rapport_core::access::Role;
use rapport_core::inbox::MailSource;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, post, sign_in};

const CONTACT: &str = "priya@kaveri.example";
const PORTAL_PASSWORD: &str = "portal password p";

/// A client with a portal contact; (client, contact).
async fn client_and_contact(app: &TestApp) -> (i64, i64) {
    let client = app.client("Kaveri Foods").await;
    let contact = app.contact(client, CONTACT, Some(PORTAL_PASSWORD)).await;
    (client, contact)
}

async fn open(app: &TestApp, client: i64, contact: i64, title: &str) -> i64 {
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

async fn snooze(app: &TestApp, id: i64, token: &str, body: Value) -> crate::support::Res {
    app.call(
        Method::PUT,
        &format!("/api/v1/requests/{id}/snooze"),
        Some(token),
        Some(body),
    )
    .await
}

async fn unsnooze(app: &TestApp, id: i64, token: &str) -> crate::support::Res {
    app.call(
        Method::DELETE,
        &format!("/api/v1/requests/{id}/snooze"),
        Some(token),
        None,
    )
    .await
}

/// The ids `GET /requests` lists with `query`.
async fn listed(app: &TestApp, query: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = app
        .get(&format!("/api/v1/requests?{query}"), &app.owner)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// The audit rows of `action`, newest first.
async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/audit?action={action}&limit=200"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
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

/// The contact answers by mail on the thread of request `id` (its reference in the subject).
async fn mail_reply(app: &TestApp, id: i64, body: &str) {
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
        .unwrap();
}

both!(
    a_snoozed_request_leaves_the_views_and_returns_when_its_time_passes,
    |app: TestApp| async move {
        app.start_clock_at("2027-03-01T10:00:00Z");
        let (client, contact) = client_and_contact(&app).await;
        let a = open(&app, client, contact, "Q3 export").await;
        let b = open(&app, client, contact, "Invoice query").await;

        let z = snooze(
            &app,
            a,
            &app.owner,
            json!({"until": "2027-03-01T14:00:00Z"}),
        )
        .await
        .ok(200);
        assert_eq!(z["request_id"], a);
        assert_eq!(z["until"], "2027-03-01T14:00:00Z");
        assert_eq!(z["until_client_writes"], false);
        assert_eq!(listed(&app, "snoozed=false").await, [b]);
        assert_eq!(listed(&app, "snoozed=true").await, [a]);
        assert_eq!(listed(&app, "").await, [a, b], "the API's default: both");
        let got = app
            .get(&format!("/api/v1/requests/{a}/snooze"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["snooze"]["until"], "2027-03-01T14:00:00Z");
        let rows = audited(&app, "request.snoozed").await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["target_id"], a);
        assert_eq!(rows[0]["details"]["until"], "2027-03-01T14:00:00Z");

        // A minute before its time it is still away; at its time it is back by itself.
        app.advance(jiff::SignedDuration::from_mins(239));
        assert_eq!(listed(&app, "snoozed=false").await, [b]);
        app.advance(jiff::SignedDuration::from_mins(1));
        assert_eq!(listed(&app, "snoozed=false").await, [a, b]);
        assert!(listed(&app, "snoozed=true").await.is_empty());
        let got = app
            .get(&format!("/api/v1/requests/{a}/snooze"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["snooze"], Value::Null);
        // Housekeeping forgets the spent snooze and audits the return, at the time it came back.
        assert_eq!(app.count("request_snoozes").await, 1);
        app.app.housekeep().await.unwrap();
        assert_eq!(app.count("request_snoozes").await, 0);
        let rows = audited(&app, "request.unsnoozed").await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["target_id"], a);
        assert_eq!(rows[0]["details"]["why"], "time");

        // Un-snoozed by hand: back at once, audited; a second un-snooze finds nothing.
        snooze(&app, b, &app.owner, json!({"until_client_writes": true}))
            .await
            .ok(200);
        assert_eq!(listed(&app, "snoozed=false").await, [a]);
        let ended = unsnooze(&app, b, &app.owner).await.ok(200);
        assert_eq!(ended["until"], Value::Null);
        assert_eq!(ended["until_client_writes"], true);
        assert_eq!(listed(&app, "snoozed=false").await, [a, b]);
        let rows = audited(&app, "request.unsnoozed").await;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["target_id"], b);
        assert_eq!(rows[0]["details"]["why"], "by_hand");
        unsnooze(&app, b, &app.owner).await.problem(404);
        assert_eq!(audited(&app, "request.unsnoozed").await.len(), 2);
    }
);

both!(
    the_client_writing_wakes_a_snoozed_request_through_the_portal_and_mail,
    |app: TestApp| async move {
        app.start_clock_at("2027-03-01T10:00:00Z");
        let (client, contact) = client_and_contact(&app).await;
        let by_portal = open(&app, client, contact, "Q3 export").await;
        let by_mail = open(&app, client, contact, "Pune figures").await;
        let untouched = open(&app, client, contact, "Logo files").await;
        snooze(
            &app,
            by_portal,
            &app.owner,
            json!({"until": "2027-03-05T09:00:00Z", "until_client_writes": true}),
        )
        .await
        .ok(200);
        snooze(
            &app,
            by_mail,
            &app.owner,
            json!({"until_client_writes": true}),
        )
        .await
        .ok(200);
        snooze(
            &app,
            untouched,
            &app.owner,
            json!({"until_client_writes": true}),
        )
        .await
        .ok(200);
        assert!(listed(&app, "snoozed=false").await.is_empty());

        app.advance(jiff::SignedDuration::from_mins(30));
        portal_reply(&app, by_portal, "Any news?").await;
        assert_eq!(listed(&app, "snoozed=false").await, [by_portal]);
        mail_reply(&app, by_mail, "Here are the Pune figures.").await;
        assert_eq!(listed(&app, "snoozed=false").await, [by_portal, by_mail]);
        assert_eq!(listed(&app, "snoozed=true").await, [untouched]);

        let rows = audited(&app, "request.unsnoozed").await;
        let whys: Vec<(i64, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r["target_id"].as_i64().unwrap(),
                    r["details"]["why"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            whys,
            [(by_mail, "client_wrote"), (by_portal, "client_wrote")]
        );
        // Our own reply or note does not wake it.
        app.post(
            &format!("/api/v1/requests/{untouched}/messages"),
            &app.owner,
            json!({"body": "Waiting for Priya's logo files."}),
        )
        .await
        .ok(201);
        assert_eq!(listed(&app, "snoozed=true").await, [untouched]);
    }
);

both!(
    snooze_refuses_bad_input_contacts_and_other_firms,
    |app: TestApp| async move {
        app.start_clock_at("2027-03-01T10:00:00Z");
        let (client, contact) = client_and_contact(&app).await;
        let id = open(&app, client, contact, "Q3 export").await;

        for (body, field) in [
            (json!({"until": "2027-03-01T09:59:00Z"}), "until"),
            (json!({"until": "2027-03-01T10:00:00Z"}), "until"),
            (json!({"until": "2028-03-03T10:00:00Z"}), "until"),
            (json!({"until_client_writes": false}), "until"),
            (json!({}), "until"),
        ] {
            let res = snooze(&app, id, &app.owner, body.clone())
                .await
                .problem(422);
            assert_eq!(res.fields(), [field], "{body}: {}", res.body);
        }
        let res = snooze(&app, id, &app.owner, json!({"until": "tomorrow"})).await;
        assert!(matches!(res.status, 400 | 422), "{}", res.body);
        let res = snooze(
            &app,
            id,
            &app.owner,
            json!({"until_client_writes": true, "why": "x"}),
        )
        .await;
        assert!(matches!(res.status, 400 | 422), "{}", res.body);

        // A closed request cannot be snoozed.
        let closed = open(&app, client, contact, "Old thing").await;
        app.post(
            &format!("/api/v1/requests/{closed}/transition"),
            &app.owner,
            json!({"status": "closed"}),
        )
        .await
        .ok(200);
        let res = snooze(
            &app,
            closed,
            &app.owner,
            json!({"until_client_writes": true}),
        )
        .await
        .problem(422);
        assert_eq!(res.fields(), ["status"], "{}", res.body);

        // A contact can neither snooze nor see the snooze of their own request.
        let (cookie, csrf) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
        let res = app
            .with_cookie(
                Method::PUT,
                &format!("/api/v1/requests/{id}/snooze"),
                &cookie,
                Some(&csrf),
                Some(json!({"until_client_writes": true})),
            )
            .await;
        assert_eq!(res.status, 403, "{}", res.body);
        let res = app
            .with_cookie(
                Method::GET,
                &format!("/api/v1/requests/{id}/snooze"),
                &cookie,
                None,
                None,
            )
            .await;
        assert_eq!(res.status, 403, "{}", res.body);

        // Another firm's members see no such request.
        let (_, boss) = app.other_firm().await;
        snooze(&app, id, &boss, json!({"until_client_writes": true}))
            .await
            .problem(404);
        app.get(&format!("/api/v1/requests/{id}/snooze"), &boss)
            .await
            .problem(404);
        snooze(
            &app,
            999_999,
            &app.owner,
            json!({"until_client_writes": true}),
        )
        .await
        .problem(404);

        // Nothing was snoozed, nothing audited; the request is in the views.
        assert_eq!(app.count("request_snoozes").await, 0);
        assert!(audited(&app, "request.snoozed").await.is_empty());
        assert!(listed(&app, "snoozed=false").await.contains(&id));

        // Once snoozed, the other firm cannot un-snooze it either.
        snooze(&app, id, &app.owner, json!({"until_client_writes": true}))
            .await
            .ok(200);
        unsnooze(&app, id, &boss).await.problem(404);
        assert_eq!(listed(&app, "snoozed=true").await, [id]);
    }
);

// The pages over HTTP: the request page's snooze form (a preset in the member's zone), what the
// page says while snoozed (in the client's zone too), the Snoozed view saying when it returns,
// and un-snoozing by hand.
both!(
    the_request_page_snoozes_and_the_snoozed_view_lists_it,
    |app: TestApp| async move {
        app.start_clock_at("2027-03-01T10:00:00Z");
        let (client, contact) = client_and_contact(&app).await;
        let id = open(&app, client, contact, "Q3 export").await;
        let olu = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let path = format!("/app/requests/{id}");

        let page = get(&app, &path, &[&olu]).await;
        page.says(200, "id=\"snooze-form\"");
        page.says(200, "until tomorrow morning");
        page.says(200, "until the client writes");
        let csrf = page.csrf();
        get(&app, "/app?view=open", &[&olu])
            .await
            .says(200, "Q3 export");

        // A time in the past is refused on the page, and nothing is snoozed.
        post(
            &app,
            &format!("{path}/snooze"),
            &[&olu],
            &[
                ("csrf", &csrf),
                ("preset", "at"),
                ("at", "2027-02-01T09:00"),
            ],
        )
        .await
        .says(422, "must be in the future");
        assert_eq!(app.count("request_snoozes").await, 0);

        let res = post(
            &app,
            &format!("{path}/snooze"),
            &[&olu],
            &[
                ("csrf", &csrf),
                ("preset", "tomorrow_morning"),
                ("or_client_writes", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let z = app
            .get(&format!("/api/v1/requests/{id}/snooze"), &app.owner)
            .await
            .ok(200);
        let until: jiff::Timestamp = z["snooze"]["until"].as_str().unwrap().parse().unwrap();
        // Tomorrow at 09:00 where the member is: within a day, after midnight.
        let now: jiff::Timestamp = "2027-03-01T10:00:00Z".parse().unwrap();
        assert!(until > now && until.duration_since(now) < jiff::SignedDuration::from_hours(24));
        assert_eq!(z["snooze"]["until_client_writes"], true);

        let page = get(&app, &path, &[&olu]).await;
        page.says(200, "id=\"snoozed-until\"");
        page.says(200, "Snoozed until ");
        page.says(200, "for the client)");
        page.says(200, ", or until the client writes.");
        page.says(200, "Its SLA clocks keep running.");
        page.says(200, "id=\"unsnooze-form\"");
        assert!(!page.body.contains("id=\"snooze-form\""));

        let open_view = get(&app, "/app?view=open", &[&olu]).await;
        assert_eq!(open_view.status, 200);
        assert!(!open_view.body.contains("Q3 export"), "{}", open_view.body);
        let snoozed = get(&app, "/app?view=snoozed", &[&olu]).await;
        snoozed.says(200, "Q3 export");
        snoozed.says(200, "or when the client writes");
        snoozed.says(200, "back Tue 2 Mar 2027");

        let res = post(
            &app,
            &format!("{path}/unsnooze"),
            &[&olu],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        get(&app, &path, &[&olu])
            .await
            .says(200, "id=\"snooze-form\"");
        get(&app, "/app?view=open", &[&olu])
            .await
            .says(200, "Q3 export");
        get(&app, "/app?view=snoozed", &[&olu])
            .await
            .says(200, "Nothing here.");
        let rows = audited(&app, "request.unsnoozed").await;
        assert_eq!(rows[0]["details"]["why"], "by_hand");
    }
);

/// The open alerts of `kind`.
async fn open_alerts(app: &TestApp, kind: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/alerts?kind={kind}&status=open"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Reply to the client on `id` and wait on them.
async fn ask_and_wait(app: &TestApp, id: i64) {
    app.post(
        &format!("/api/v1/requests/{id}/messages"),
        &app.owner,
        json!({"direction": "outbound", "body": "Dear Priya, which plant do you mean?",
               "confirm_findings": true}),
    )
    .await
    .ok(201);
    app.run_jobs().await;
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    if r["status"] != "waiting_on_client" {
        app.post(
            &format!("/api/v1/requests/{id}/transition"),
            &app.owner,
            json!({"status": "waiting_on_client"}),
        )
        .await
        .ok(200);
    }
}

both!(
    a_client_who_does_not_answer_brings_a_follow_up_reminder,
    |app: TestApp| async move {
        // Monday morning in London (GMT in March).
        app.set_now("2027-03-01T09:00:00Z");
        let (client, contact) = client_and_contact(&app).await;
        let ada = app.member_token("ada@acme.example", Role::Agent).await;
        let ada_id = app.get("/api/v1/me", &ada).await.ok(200)["member"]["id"].clone();
        let engagement = |name: &'static str, policy: Value| {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/engagements",
                    &app.owner,
                    json!({"client_id": client, "name": name, "currency": "GBP",
                           "silence_policy": policy}),
                )
                .await
                .ok(201)["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        // Bad settings are refused.
        let res = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Bad", "currency": "GBP",
                       "silence_policy": {"follow_up_after_business_minutes": 0}}),
            )
            .await
            .problem(422);
        assert_eq!(
            res.fields(),
            ["silence_policy.follow_up_after_business_minutes"],
            "{}",
            res.body
        );
        let reminding = engagement(
            "Data desk",
            json!({"follow_up_after_business_minutes": 240}),
        )
        .await;
        let quiet = engagement("Reports", json!({"max_business_minutes": 960})).await;
        let open_in = |engagement: i64, title: &'static str| {
            let app = &app;
            let ada_id = ada_id.clone();
            async move {
                app.post(
                    "/api/v1/requests",
                    &app.owner,
                    json!({"client_id": client, "contact_id": contact, "engagement_id": engagement,
                           "title": title, "assignee_id": ada_id}),
                )
                .await
                .ok(201)["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        let unanswered = open_in(reminding, "Q3 export").await;
        let answered = open_in(reminding, "Pune figures").await;
        let off = open_in(quiet, "Logo files").await;
        for id in [unanswered, answered, off] {
            ask_and_wait(&app, id).await;
        }

        // Three business hours on: not yet. The client answers one of them.
        app.set_now("2027-03-01T12:00:00Z");
        app.run_jobs().await;
        assert!(open_alerts(&app, "follow_up").await.is_empty());
        portal_reply(&app, answered, "The Pune plant.").await;

        // Past four business hours: the assignee is reminded of the one nobody answered, once.
        app.set_now("2027-03-01T13:30:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let raised = open_alerts(&app, "follow_up").await;
        assert_eq!(raised.len(), 1, "{raised:?}");
        assert_eq!(raised[0]["subject_id"], unanswered);
        assert_eq!(raised[0]["recipient_id"], ada_id);
        assert!(
            raised[0]["details"]["business_minutes_waiting"]
                .as_i64()
                .unwrap()
                > 240,
            "{raised:?}"
        );
        app.set_now("2027-03-01T15:00:00Z");
        app.run_jobs().await;
        assert_eq!(
            open_alerts(&app, "follow_up").await.len(),
            1,
            "reminded once"
        );
    }
);
