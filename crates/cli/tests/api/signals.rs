//! Each signal points the right way (issue 25, items 2, 4, 5, 6 and 9): through the HTTP API
//! (mail through intake) on both engines, a change that should raise a signal does, and one that
//! should lower it does.

use rapport_app::mail::Received;
use rapport_app::mail::ingest::IngestOutcome;
use rapport_core::inbox::MailSource;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};

/// Monday 2 March 2037, 10:00 in London (GMT): inside the office hours of the clients below.
/// Ahead of the real clock on purpose: the org's periodic silence check is first queued at the
/// real time the test app was made, so an earlier test clock would never see it come due.
const MONDAY_10: &str = "2037-03-02T10:00:00Z";

const POLITE: &str =
    "Apologies for the delay on our side, unfortunately I was ill last week. Here is the data.";
const VENDORS: &str = "This is the third time the weekly report has been late and wrong. We are considering other vendors. Thank you, kind regards.";

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

/// A London client keeping office hours (weekdays 09:00-17:00).
async fn client(app: &TestApp, name: &str) -> i64 {
    app.post(
        "/api/v1/clients",
        &app.owner,
        json!({"name": name, "calendar": {"tz": "Europe/London", "hours": ["mon-fri 09:00-17:00"]}}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

/// An engagement of `client` with `policy` (its `sla_policy` and `silence_policy`).
async fn engagement(app: &TestApp, client: i64, policy: Value) -> i64 {
    let mut body = json!({"client_id": client, "name": "Support", "currency": "GBP",
                          "hourly_rate_minor": 10000});
    for (k, v) in policy.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post("/api/v1/engagements", &app.owner, body)
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn request(app: &TestApp, body: Value) -> i64 {
    app.post("/api/v1/requests", &app.owner, body).await.ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn reply(app: &TestApp, id: i64, extra: Value) -> Value {
    let mut body = json!({"direction": "outbound", "body": "Thank you, we are looking at it now."});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post(&format!("/api/v1/requests/{id}/messages"), &app.owner, body)
        .await
        .ok(201)
}

async fn health(app: &TestApp, client: i64) -> Value {
    app.get(&format!("/api/v1/clients/{client}/health"), &app.owner)
        .await
        .ok(200)
}

/// The points `factor` costs in a health answer (0 when it is not a reason).
fn points(h: &Value, factor: &str) -> i64 {
    h["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["factor"] == factor)
        .map_or(0, |r| r["points"].as_i64().unwrap())
}

async fn promise(app: &TestApp, request: i64, due_at: &str) -> i64 {
    app.post(
        "/api/v1/promises",
        &app.owner,
        json!({"request_id": request, "kind": "reply", "due_at": due_at}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn promise_status(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/promises/{id}"), &app.owner)
        .await
        .ok(200)
}

async fn first_response(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200)["sla"]["first_response"]
        .clone()
}

/// The app's clock `minutes` after [`MONDAY_10`], as RFC 3339.
fn at(minutes: i64) -> String {
    let t: jiff::Timestamp = MONDAY_10.parse().unwrap();
    (t + jiff::SignedDuration::from_mins(minutes)).to_string()
}

/// A contact with portal access, signed in: (contact id, cookie, csrf).
async fn portal_contact(app: &TestApp, client: i64, email: &str) -> (i64, String, String) {
    let id = app.contact(client, email, Some(PASSWORD)).await;
    let (cookie, csrf) = app.portal_session(email, PASSWORD).await;
    (id, cookie, csrf)
}

async fn as_contact(app: &TestApp, (cookie, csrf): (&str, &str), path: &str, body: Value) -> Value {
    app.with_cookie(Method::POST, path, cookie, Some(csrf), Some(body))
        .await
        .ok(201)
}

// Item 2: the client's words, not their politeness.

both!(politeness_is_not_a_complaint, |app: TestApp| async move {
    app.set_now(MONDAY_10);
    let c = client(&app, "Polite Ltd").await;
    let (_, cookie, csrf) = portal_contact(&app, c, "pat@polite.example").await;
    let who = (cookie.as_str(), csrf.as_str());
    let filed = as_contact(
        &app,
        who,
        "/api/v1/requests",
        json!({"title": "March data", "body": POLITE}),
    )
    .await;
    let id = filed["id"].as_i64().unwrap();
    let m = as_contact(
            &app,
            who,
            &format!("/api/v1/requests/{id}/messages"),
            json!({"body": format!("{POLITE}\n\nOn Mon, 2 Mar 2037, Support wrote:\n> This is terrible, we failed again.")}),
        )
        .await;
    // Scored on what is left: "Here is the data."
    assert!(m["sentiment"].as_f64().unwrap().abs() < 0.05, "{m}");
    let alerts = app
        .get("/api/v1/alerts?kind=complaint.new", &app.owner)
        .await
        .ok(200);
    assert!(items(&alerts).is_empty(), "{alerts}");
    let list = app.get("/api/v1/complaints", &app.owner).await.ok(200);
    assert!(items(&list).is_empty(), "{list}");
    let h = health(&app, c).await;
    assert_eq!(
        (h["score"].as_i64(), points(&h, "complaints")),
        (Some(100), 0)
    );
});

both!(
    a_polite_complaint_is_flagged_and_costs_health,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Vendors Ltd").await;
        let (_, cookie, csrf) = portal_contact(&app, c, "pat@vendors.example").await;
        let who = (cookie.as_str(), csrf.as_str());
        let filed = as_contact(
            &app,
            who,
            "/api/v1/requests",
            json!({"title": "Weekly report", "body": "Could you look at the weekly report?"}),
        )
        .await;
        let id = filed["id"].as_i64().unwrap();
        assert_eq!(health(&app, c).await["score"], 100);
        as_contact(
            &app,
            who,
            &format!("/api/v1/requests/{id}/messages"),
            json!({"body": VENDORS}),
        )
        .await;
        let alerts = app
            .get("/api/v1/alerts?kind=complaint.new", &app.owner)
            .await
            .ok(200);
        assert_eq!(items(&alerts).len(), 1, "{alerts}");
        assert_eq!(items(&alerts)[0]["subject_id"], id);
        let list = app.get("/api/v1/complaints", &app.owner).await.ok(200);
        let flagged = &items(&list)[0];
        assert_eq!(flagged["request_id"], id);
        assert_eq!(flagged["reason"], "sentiment");
        assert_eq!(
            flagged["cues"],
            json!(["repeated_failure", "other_vendors"])
        );
        assert_eq!(flagged["counts_in_health"], true);
        let h = health(&app, c).await;
        assert_eq!(points(&h, "complaints"), 12, "{h}");
        assert_eq!(h["score"], 88);
    }
);

both!(
    a_weak_complaint_weighs_on_health_once_a_person_confirms_it,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Export Ltd").await;
        let (_, cookie, csrf) = portal_contact(&app, c, "pat@export.example").await;
        let filed = as_contact(
            &app,
            (&cookie, &csrf),
            "/api/v1/requests",
            json!({"title": "Export", "body": "This is the second time the export has been late."}),
        )
        .await;
        let id = filed["id"].as_i64().unwrap();
        // One cue: flagged for a person to look at, not yet a cost.
        let list = app.get("/api/v1/complaints", &app.owner).await.ok(200);
        assert_eq!(items(&list)[0]["request_id"], id);
        assert_eq!(items(&list)[0]["cues"], json!(["repeated_failure"]));
        assert_eq!(items(&list)[0]["counts_in_health"], false);
        assert_eq!(points(&health(&app, c).await, "complaints"), 0);
        // A person re-files it as a complaint: confirmed, it counts.
        app.patch(
            &format!("/api/v1/requests/{id}"),
            &app.owner,
            json!({"kind": "complaint"}),
        )
        .await
        .ok(200);
        let list = app.get("/api/v1/complaints", &app.owner).await.ok(200);
        assert_eq!(items(&list)[0]["counts_in_health"], true);
        assert_eq!(items(&list)[0]["reason"], "kind");
        assert_eq!(points(&health(&app, c).await, "complaints"), 12);
        let alerts = app
            .get("/api/v1/alerts?kind=complaint.new", &app.owner)
            .await
            .ok(200);
        assert_eq!(items(&alerts).len(), 1, "alerted once: {alerts}");
    }
);

// Item 4: a request left unanswered counts against response time.

both!(
    a_request_left_unanswered_costs_what_answering_it_late_would,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Waiting Ltd").await;
        let id = request(&app, json!({"client_id": c, "title": "Report"})).await;
        assert_eq!(points(&health(&app, c).await, "response_time"), 0);
        app.advance_minutes(30 * 24 * 60);
        let waiting = health(&app, c).await;
        assert_eq!(points(&waiting, "response_time"), 12, "{waiting}");
        assert_eq!(waiting["score"], 88);
        // Answered now, after the same wait: no better and no worse than waiting.
        reply(&app, id, json!({})).await;
        let answered = health(&app, c).await;
        assert_eq!(answered["score"], 88, "{answered}");
    }
);

both!(
    prompt_answers_lower_the_response_time_cost,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Prompt Ltd").await;
        let slow = request(&app, json!({"client_id": c, "title": "Slow one"})).await;
        app.advance_minutes(6 * 60);
        // Six business hours unanswered: two over the four-hour target, 2 points an hour.
        assert_eq!(points(&health(&app, c).await, "response_time"), 4);
        reply(&app, slow, json!({})).await;
        assert_eq!(points(&health(&app, c).await, "response_time"), 4);
        // The next day a request answered at once: the average falls under the target.
        app.advance_minutes(18 * 60);
        let quick = request(&app, json!({"client_id": c, "title": "Quick one"})).await;
        reply(&app, quick, json!({})).await;
        let h = health(&app, c).await;
        assert_eq!(
            (points(&h, "response_time"), h["score"].as_i64()),
            (0, Some(100)),
            "{h}"
        );
    }
);

// Item 5: a reply counts when it reaches the client; a machine's acknowledgement is no answer.

both!(
    a_rules_canned_reply_keeps_the_reply_promise_but_meets_no_sla,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Acked Ltd").await;
        let contact = app.contact(c, "pat@acked.example", None).await;
        let e = engagement(
            &app,
            c,
            json!({"sla_policy": {"targets": {"normal": {"first_response_minutes": 60}}}}),
        )
        .await;
        let ack = app
            .post(
                "/api/v1/canned-replies",
                &app.owner,
                json!({"name": "Ack", "body": "Thank you, we have your request and will answer within the hour."}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Acknowledge", "event": "request_created",
                   "actions": [{"type": "apply_canned_reply", "canned_reply_id": ack}]}),
        )
        .await
        .ok(201);
        let new = |title: &'static str| {
            let app = &app;
            async move {
                request(
                    app,
                    json!({"client_id": c, "contact_id": contact, "engagement_id": e, "title": title}),
                )
                .await
            }
        };
        let id = new("Invoice copy").await;
        let p = promise(&app, id, &at(120)).await;
        app.run_jobs().await;
        let thread = app
            .get(&format!("/api/v1/requests/{id}/messages"), &app.owner)
            .await
            .ok(200);
        let ack_message = items(&thread)
            .iter()
            .find(|m| m["direction"] == "outbound" && m["author"]["kind"] == "system")
            .unwrap_or_else(|| panic!("the rule replied: {thread}"))["id"]
            .as_i64()
            .unwrap();
        // Marked as a machine's mail, for the client's responders as for our clocks.
        let facts = app
            .get(&format!("/api/v1/messages/{ack_message}/mail"), &app.owner)
            .await
            .ok(200);
        assert_eq!(facts["auto_submitted"], true, "{facts}");
        // The promise to reply is kept by the reply that reached the client...
        let kept = promise_status(&app, p).await;
        assert_eq!(kept["status"], "kept", "{kept}");
        // ... but a machine's acknowledgement is not our first response.
        let fr = first_response(&app, id).await;
        assert_eq!(fr["state"], "ok", "{fr}");
        assert!(fr["met_at"].is_null());
        app.advance_minutes(61);
        app.run_jobs().await;
        assert_eq!(first_response(&app, id).await["state"], "breached");

        // A person's reply within the hour meets it.
        let answered = new("Statement").await;
        app.run_jobs().await;
        app.advance_minutes(10);
        reply(&app, answered, json!({})).await;
        let fr = first_response(&app, answered).await;
        assert_eq!(fr["state"], "met", "{fr}");
    }
);

both!(
    a_scheduled_reply_counts_when_it_reaches_the_client,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Later Ltd").await;
        let contact = app.contact(c, "pat@later.example", None).await;
        let e = engagement(
            &app,
            c,
            json!({"sla_policy": {"targets": {"normal": {"first_response_minutes": 240}}}}),
        )
        .await;
        let body =
            json!({"client_id": c, "contact_id": contact, "engagement_id": e, "title": "Quote"});
        // Held two days: not a reply now.
        let late = request(&app, body.clone()).await;
        let late_promise = promise(&app, late, &at(60)).await;
        let wednesday = at(2 * 24 * 60);
        reply(&app, late, json!({"scheduled_for": wednesday})).await;
        assert_eq!(promise_status(&app, late_promise).await["status"], "open");
        assert_ne!(first_response(&app, late).await["state"], "met");
        app.set_now(&wednesday);
        app.run_jobs().await;
        assert_eq!(
            promise_status(&app, late_promise).await["status"],
            "broken",
            "due before the reply reached the client"
        );
        let fr = first_response(&app, late).await;
        assert_eq!(fr["state"], "breached", "{fr}");
        assert_eq!(
            fr["met_at"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
            wednesday.parse::<jiff::Timestamp>().unwrap()
        );

        // Held half an hour, before the promise falls due: kept when it goes.
        let soon = request(&app, body).await;
        let soon_promise = promise(&app, soon, &at(2 * 24 * 60 + 120)).await;
        let in_half_an_hour = at(2 * 24 * 60 + 30);
        reply(&app, soon, json!({"scheduled_for": in_half_an_hour})).await;
        assert_eq!(promise_status(&app, soon_promise).await["status"], "open");
        app.set_now(&in_half_an_hour);
        app.run_jobs().await;
        let kept = promise_status(&app, soon_promise).await;
        assert_eq!(kept["status"], "kept", "{kept}");
        assert_eq!(
            kept["kept_at"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
            in_half_an_hour.parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(first_response(&app, soon).await["state"], "met");
    }
);

// Item 6: silence runs from the oldest unanswered word, and each request counts once.

both!(
    silence_runs_from_the_oldest_unanswered_message,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Chaser Ltd").await;
        let e = engagement(
            &app,
            c,
            json!({"silence_policy": {"max_business_minutes": 60}}),
        )
        .await;
        let (contact, cookie, csrf) = portal_contact(&app, c, "pat@chaser.example").await;
        let who = (cookie.as_str(), csrf.as_str());
        let id = request(
            &app,
            json!({"client_id": c, "contact_id": contact, "engagement_id": e, "title": "Access"}),
        )
        .await;
        let path = format!("/api/v1/requests/{id}/messages");
        as_contact(
            &app,
            who,
            &path,
            json!({"body": "Could you give me access?"}),
        )
        .await;
        app.advance_minutes(40);
        as_contact(&app, who, &path, json!({"body": "Any news on this?"})).await;
        app.advance_minutes(30);
        // 70 minutes since they first asked, 30 since they chased: past the hour.
        let silent = app.get("/api/v1/silence", &app.owner).await.ok(200);
        let listed: Vec<&Value> = items(&silent)
            .iter()
            .filter(|s| s["request_id"] == id)
            .collect();
        assert_eq!(listed.len(), 1, "{silent}");
        assert_eq!(
            listed[0]["waiting_since"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
            MONDAY_10.parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(listed[0]["business_minutes_waiting"], 70);
        app.run_jobs().await;
        as_contact(&app, who, &path, json!({"body": "Hello? Still waiting."})).await;
        app.advance_minutes(20);
        app.run_jobs().await;
        let open = app
            .get(
                &format!("/api/v1/alerts?kind=silence&subject_id={id}&status=open"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(items(&open).len(), 1, "one request, one alert: {open}");
        assert_eq!(points(&health(&app, c).await, "silence"), 6);

        // We answer: the wait is over.
        reply(&app, id, json!({})).await;
        let silent = app.get("/api/v1/silence", &app.owner).await.ok(200);
        assert!(
            items(&silent).iter().all(|s| s["request_id"] != id),
            "{silent}"
        );
        let open = app
            .get(
                &format!("/api/v1/alerts?kind=silence&subject_id={id}&status=open"),
                &app.owner,
            )
            .await
            .ok(200);
        assert!(items(&open).is_empty(), "{open}");
        assert_eq!(points(&health(&app, c).await, "silence"), 0);
    }
);

// Item 9: breaches are dated at their due instant; machines' mail starts no clock.

both!(
    a_breach_is_dated_when_its_clock_fell_due,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Overdue Ltd").await;
        let e = engagement(
            &app,
            c,
            json!({"sla_policy": {"targets": {"normal": {"first_response_minutes": 60}}}}),
        )
        .await;
        let body = json!({"client_id": c, "engagement_id": e, "title": "Old one"});
        request(&app, body.clone()).await;
        // Nobody's worker ran for six weeks; the breach is noticed now.
        app.advance_minutes(6 * 7 * 24 * 60);
        app.run_jobs().await;
        let breaches = app
            .get("/api/v1/alerts?kind=sla.breached", &app.owner)
            .await
            .ok(200);
        assert_eq!(items(&breaches).len(), 1, "{breaches}");
        // It fell due six weeks ago: past the 30 days health counts, whenever it was noticed.
        assert_eq!(points(&health(&app, c).await, "sla_breaches"), 0);
        let owner = rapport_core::access::Principal::Member {
            org_id: app.org,
            member_id: rapport_core::ids::MemberId(
                app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
                    .as_i64()
                    .unwrap(),
            ),
            role: rapport_core::access::Role::Owner,
        };
        let ctx = rapport_app::Ctx::new(owner, None);
        let weeks = app.app.sla_breaches_by_week(&ctx, 8).await.unwrap();
        let counted: Vec<(String, usize)> = weeks
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| (w.to_string(), *n))
            .collect();
        assert_eq!(counted, [("2037-03-02".to_string(), 1)], "{weeks:?}");

        // A breach due this week counts.
        request(&app, body).await;
        app.advance_minutes(2 * 60);
        app.run_jobs().await;
        assert_eq!(points(&health(&app, c).await, "sla_breaches"), 4);
    }
);

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

async fn next_state(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200)["sla"]["next_response"]["state"]
        .clone()
}

fn mail(id: &str, in_reply_to: &str, extra: &str, body: &str) -> String {
    format!(
        "From: Pat <pat@auto.example>\r\nTo: support@rapport.example\r\nSubject: Re: Report\r\n\
         Message-ID: <{id}>\r\nIn-Reply-To: <{in_reply_to}>\r\n\
         Date: Mon, 02 Mar 2037 10:30:00 +0000\r\n{extra}\r\n{body}\r\n"
    )
}

both!(
    an_auto_reply_starts_no_sla_clock,
    |app: TestApp| async move {
        app.set_now(MONDAY_10);
        let c = client(&app, "Auto Ltd").await;
        let contact = app.contact(c, "pat@auto.example", None).await;
        let e = engagement(
            &app,
            c,
            json!({"sla_policy": {"targets": {"normal": {"first_response_minutes": 60,
                                                          "next_response_minutes": 60}}}}),
        )
        .await;
        let id = request(
            &app,
            json!({"client_id": c, "contact_id": contact, "engagement_id": e, "title": "Report"}),
        )
        .await;
        let ours = reply(&app, id, json!({})).await;
        let ours_id = ours["mail_message_id"].as_str().unwrap().to_string();
        app.advance_minutes(30);
        let out_of_office = ingest(
            &app,
            mail(
                "ooo-1@auto.example",
                &ours_id,
                "Auto-Submitted: auto-replied\r\n",
                "I am out of the office until Friday.",
            ),
        )
        .await;
        assert!(
            matches!(
                out_of_office,
                IngestOutcome::Threaded {
                    auto_submitted: true,
                    ..
                }
            ),
            "{out_of_office:?}"
        );
        app.advance_minutes(120);
        app.run_jobs().await;
        assert_eq!(next_state(&app, id).await, "idle");

        // The client's own reply starts it.
        let theirs = ingest(
            &app,
            mail(
                "pat-1@auto.example",
                &ours_id,
                "",
                "Thanks, one more question.",
            ),
        )
        .await;
        assert!(
            matches!(
                theirs,
                IngestOutcome::Threaded {
                    auto_submitted: false,
                    ..
                }
            ),
            "{theirs:?}"
        );
        assert_eq!(next_state(&app, id).await, "ok");
        app.advance_minutes(61);
        app.run_jobs().await;
        assert_eq!(next_state(&app, id).await, "breached");
    }
);
