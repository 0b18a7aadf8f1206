//! The time rules through HTTP: SLA clocks in a client's calendar, pauses, alerts raised once by
//! the jobs, promises broken at their due instant with business-minute margins, suggested dates
//! and warnings from the assignee's queue, capacity and out-of-hours time, silence.
//!
//! Every test fixes the app's clock (`TestApp::set_now`) in March 2027, when London keeps GMT,
//! so London wall-clock times equal UTC.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};

async fn member(app: &TestApp, email: &str, role: &str) -> i64 {
    app.post(
        "/api/v1/members",
        &app.owner,
        json!({"email": email, "name": email.split('@').next().unwrap(), "role": role, "tz": "Europe/London"}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn me(app: &TestApp) -> i64 {
    app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap()
}

async fn request(app: &TestApp, body: Value) -> i64 {
    app.post("/api/v1/requests", &app.owner, body).await.ok(201)["id"]
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

/// Alerts of `kind` in any status.
async fn alerts(app: &TestApp, kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for status in ["open", "acknowledged", "resolved"] {
        let list = app
            .get(
                &format!("/api/v1/alerts?kind={kind}&status={status}"),
                &app.owner,
            )
            .await
            .ok(200);
        out.extend(list["items"].as_array().unwrap().iter().cloned());
    }
    out
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

both!(sla_clocks_pause_and_alert_once, |app: TestApp| async move {
    app.set_now("2027-03-01T16:00:00Z"); // a Monday, one business hour before closing
    let client = app.client("Fjord Freight").await;
    let manager = member(&app, "mina@acme.example", "manager").await;
    let agent = member(&app, "arno@acme.example", "agent").await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Freight desk", "currency": "GBP", "manager_id": manager,
                   "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                       "next_response_minutes": 240, "resolution_minutes": 960}}}}),
        )
        .await
        .ok(201);
    assert_eq!(engagement["sla_policy"]["at_risk_percent"], 75);
    let engagement = engagement["id"].as_i64().unwrap();
    let id = request(
        &app,
        json!({"client_id": client, "engagement_id": engagement, "title": "Customs form for Oslo",
               "assignee_id": agent}),
    )
    .await;

    // 60 business minutes on Monday, 60 on Tuesday morning.
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(
        r["title"], "Customs form for Oslo",
        "the request itself is there"
    );
    let first = &r["sla"]["first_response"];
    assert_eq!(first["state"], "ok");
    assert_eq!(first["target_minutes"], 120);
    assert_eq!(first["due_at"], "2027-03-02T10:00:00Z");
    assert_eq!(first["at_risk_at"], "2027-03-02T09:30:00Z");
    assert_eq!(first["running"], true);
    assert_eq!(r["sla"]["next_response"]["state"], "idle");
    // 960 minutes: 60 Monday, 480 Tuesday, 420 Wednesday.
    assert_eq!(r["sla"]["resolution"]["due_at"], "2027-03-03T16:00:00Z");
    assert_eq!(r["sla_due_at"], "2027-03-02T10:00:00Z");
    assert_eq!(r["sla_state"], "ok");

    // Waiting on the client holds every clock.
    app.advance_minutes(30);
    transition(&app, id, "waiting_on_client").await;
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["sla"]["first_response"]["paused"], true);
    assert_eq!(r["sla"]["first_response"]["elapsed_business_minutes"], 30);
    assert_eq!(r["sla"]["first_response"]["due_at"], Value::Null);
    assert_eq!(r["sla_due_at"], Value::Null);
    let listed = app
        .get("/api/v1/requests?sort=sla_due", &app.owner)
        .await
        .ok(200);
    assert_eq!(listed["items"][0]["sla_due_at"], Value::Null);
    assert_eq!(listed["items"][0]["sla_state"], "ok");

    // Resumed at 11:00 on Tuesday: the 150 business minutes on hold move both deadlines.
    app.set_now("2027-03-02T11:00:00Z");
    transition(&app, id, "in_progress").await;
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["sla"]["first_response"]["due_at"], "2027-03-02T12:30:00Z");
    assert_eq!(
        r["sla"]["first_response"]["at_risk_at"],
        "2027-03-02T12:00:00Z"
    );
    assert_eq!(r["sla"]["resolution"]["due_at"], "2027-03-04T10:30:00Z");
    assert_eq!(r["sla_due_at"], "2027-03-02T12:30:00Z");

    // The job raises each transition once, at risk to the assignee, the breach to the manager.
    app.run_jobs().await;
    assert!(
        alerts(&app, "sla.at_risk").await.is_empty(),
        "not yet at risk"
    );
    app.set_now("2027-03-02T12:05:00Z");
    app.run_jobs().await;
    app.run_jobs().await;
    let at_risk = alerts(&app, "sla.at_risk").await;
    assert_eq!(at_risk.len(), 1, "{at_risk:?}");
    assert_eq!(at_risk[0]["recipient_id"], agent);
    assert_eq!(at_risk[0]["subject_id"], id);
    assert_eq!(at_risk[0]["details"]["clock"], "first_response");
    assert!(alerts(&app, "sla.breached").await.is_empty());
    let listed = app
        .get("/api/v1/requests?sla_state=at_risk", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&listed), [id]);

    app.set_now("2027-03-02T12:31:00Z");
    app.run_jobs().await;
    app.set_now("2027-03-02T13:00:00Z");
    app.run_jobs().await;
    let breached = alerts(&app, "sla.breached").await;
    assert_eq!(breached.len(), 1, "{breached:?}");
    assert_eq!(
        breached[0]["recipient_id"], manager,
        "escalated to the manager"
    );
    assert_eq!(breached[0]["severity"], "critical");
    assert_eq!(breached[0]["details"]["due_at"], "2027-03-02T12:30:00Z");
    let at_risk = alerts(&app, "sla.at_risk").await;
    assert_eq!(at_risk.len(), 1, "still one at-risk alert");
    assert_eq!(at_risk[0]["status"], "resolved", "the breach supersedes it");

    // A late reply leaves the breach on record; the queue now sorts by the resolution clock.
    app.post(
        &format!("/api/v1/requests/{id}/messages"),
        &app.owner,
        json!({"direction": "outbound", "body": "Here is the customs form."}),
    )
    .await
    .ok(201);
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["sla"]["first_response"]["state"], "breached");
    assert_eq!(r["sla"]["first_response"]["met_at"], "2027-03-02T13:00:00Z");
    assert_eq!(r["sla_due_at"], "2027-03-04T10:30:00Z");
    app.run_jobs().await;
    assert_eq!(alerts(&app, "sla.breached").await.len(), 1);

    // Sorting by SLA due: default policy (480 business minutes) due Wednesday 13:00 comes
    // before Thursday 10:30; a request on hold has no due instant and comes last.
    let second = request(&app, json!({"client_id": client, "title": "Pallet count"})).await;
    let held = request(&app, json!({"client_id": client, "title": "Invoice query"})).await;
    transition(&app, held, "waiting_on_client").await;
    let sorted = app
        .get("/api/v1/requests?sort=sla_due", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&sorted), [second, id, held]);
    assert_eq!(sorted["items"][0]["sla_due_at"], "2027-03-03T13:00:00Z");
    let page = app
        .get("/api/v1/requests?sort=sla_due&limit=1", &app.owner)
        .await
        .ok(200);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/requests?sort=sla_due&limit=5&cursor={next}"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(ids(&rest), [id, held], "the cursor continues in SLA order");
    let bad = app
        .get("/api/v1/requests?sla_state=at_risk,breached", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&bad), [id]);

    // A new policy for the engagement: its open requests are evaluated again by the job.
    app.patch(
        &format!("/api/v1/engagements/{engagement}"),
        &app.owner,
        json!({"sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
            "next_response_minutes": 240, "resolution_minutes": 1200}}}}),
    )
    .await
    .ok(200);
    let stored = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["sla_due_at"]
            .clone()
    };
    let listed = app.get("/api/v1/requests", &app.owner).await.ok(200);
    assert_eq!(
        stored(&listed),
        "2027-03-04T10:30:00Z",
        "until the job runs"
    );
    app.run_jobs().await;
    let listed = app.get("/api/v1/requests", &app.owner).await.ok(200);
    assert_eq!(
        stored(&listed),
        "2027-03-04T14:30:00Z",
        "240 business minutes later"
    );
});

both!(
    promises_break_at_due_in_business_minutes,
    |app: TestApp| async move {
        app.set_now("2027-03-05T10:00:00Z"); // a Friday
        let owner = me(&app).await;
        let client = app.client("Halvorsen Analytics").await;
        let call = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"client_id": client, "kind": "call", "due_at": "2027-03-05T16:30:00Z"}),
            )
            .await
            .ok(201);
        assert_eq!(call["warnings"], json!([]));
        let proposal = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"client_id": client, "kind": "proposal", "description": "Survey proposal",
                   "due_at": "2027-03-05T16:00:00Z"}),
            )
            .await
            .ok(201);
        let rid = request(
            &app,
            json!({"client_id": client, "title": "Survey weights"}),
        )
        .await;
        let reply = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": rid, "kind": "reply", "due_at": "2027-03-08T10:00:00Z"}),
            )
            .await
            .ok(201);
        let (call, proposal, reply) = (
            call["id"].as_i64().unwrap(),
            proposal["id"].as_i64().unwrap(),
            reply["id"].as_i64().unwrap(),
        );

        // Four hours ahead of their due instants, a warning for each that is close.
        app.set_now("2027-03-05T13:00:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let soon = alerts(&app, "promise.due_soon").await;
        let mut soon_ids: Vec<i64> = soon
            .iter()
            .map(|a| a["subject_id"].as_i64().unwrap())
            .collect();
        soon_ids.sort();
        assert_eq!(soon_ids, [call, proposal]);

        // The reply kept on Friday at 16:30 for Monday 10:00: 30 + 60 business minutes early.
        app.set_now("2027-03-05T16:30:00Z");
        app.post(
            &format!("/api/v1/requests/{rid}/messages"),
            &app.owner,
            json!({"direction": "outbound", "body": "Here are the weights."}),
        )
        .await
        .ok(201);
        let kept = app
            .get(&format!("/api/v1/promises/{reply}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(kept["status"], "kept");
        assert_eq!(kept["margin_minutes"], 90);

        // Monday 09:30: both are broken; the lateness counts business time only.
        app.set_now("2027-03-08T09:30:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let c = app
            .get(&format!("/api/v1/promises/{call}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(c["status"], "broken");
        assert_eq!(c["broken_at"], "2027-03-08T09:30:00Z");
        assert_eq!(c["margin_minutes"], -60, "30 on Friday and 30 on Monday");
        let p = app
            .get(&format!("/api/v1/promises/{proposal}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(p["status"], "broken");
        assert_eq!(p["margin_minutes"], -90);
        let broken = alerts(&app, "promise.broken").await;
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken.iter().all(|a| a["recipient_id"] == owner));
        let overdue = alerts(&app, "proposal.overdue").await;
        assert_eq!(overdue.len(), 1, "{overdue:?}");
        assert_eq!(overdue[0]["subject_id"], proposal);
        assert_eq!(overdue[0]["severity"], "critical");
        let soon = alerts(&app, "promise.due_soon").await;
        assert!(soon.iter().all(|a| a["status"] == "resolved"), "{soon:?}");

        app.set_now("2027-03-08T11:00:00Z");
        app.run_jobs().await;
        assert_eq!(alerts(&app, "promise.broken").await.len(), 2);
        assert_eq!(alerts(&app, "proposal.overdue").await.len(), 1);
        assert_eq!(alerts(&app, "promise.due_soon").await.len(), 2);

        // The ledger: one kept of three settled, its margin the median.
        let stats = app
            .get("/api/v1/promises/stats?group_by=member", &app.owner)
            .await
            .ok(200);
        assert_eq!(stats["overall"]["made"], 3);
        assert_eq!(stats["overall"]["kept"], 1);
        assert_eq!(stats["overall"]["broken"], 2);
        assert_eq!(stats["overall"]["median_margin_minutes"], 90);
        let percent = stats["overall"]["kept_percent"].as_f64().unwrap();
        assert!((percent - 100.0 / 3.0).abs() < 1e-9, "{percent}");
        assert_eq!(stats["groups"].as_array().unwrap().len(), 1);
        // Without a grouping the database counts the figures: the same as computed in Rust.
        let overall = app.get("/api/v1/promises/stats", &app.owner).await.ok(200);
        assert_eq!(overall["overall"], stats["overall"], "{overall}");
        assert_eq!(overall["groups"], json!([]));
        assert_eq!(stats["groups"][0]["id"], owner);
        assert_eq!(stats["groups"][0]["name"], "Olu Owner");
        let by_client = app
            .get("/api/v1/promises/stats?group_by=client", &app.owner)
            .await
            .ok(200);
        assert_eq!(by_client["groups"][0]["name"], "Halvorsen Analytics");
        assert_eq!(by_client["groups"][0]["broken"], 2);
        let by_engagement = app
            .get("/api/v1/promises/stats?group_by=engagement", &app.owner)
            .await
            .ok(200);
        assert_eq!(
            by_engagement["groups"],
            json!([]),
            "no promise has an engagement"
        );
    }
);

both!(
    suggested_dates_follow_the_queue_and_capacity,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z"); // Monday, opening time
        let client = app.client("Koala Coast Retail").await;
        let ada = member(&app, "ada@acme.example", "agent").await;
        let suggest = |body: Value| {
            let app = &app;
            async move {
                app.post("/api/v1/promises/suggest", &app.owner, body)
                    .await
                    .ok(200)
            }
        };
        let empty =
            suggest(json!({"assignee_id": ada, "estimate_minutes": 240, "margin_percent": 0}))
                .await;
        assert_eq!(empty["earliest"], "2027-03-01T13:00:00Z");
        assert_eq!(empty["suggested"], "2027-03-01T13:00:00Z");
        assert_eq!(empty["work_ahead_minutes"], 0);

        request(
        &app,
        json!({"client_id": client, "title": "Loyalty export", "assignee_id": ada, "estimate_minutes": 480}),
    )
    .await;
        request(
            &app,
            json!({"client_id": client, "title": "Tidy old banners", "assignee_id": ada,
               "estimate_minutes": 600, "priority": "low"}),
        )
        .await;
        // 480 of normal work first (the low-priority work waits), then 240, with 20 % margin.
        let queued = suggest(json!({"assignee_id": ada, "estimate_minutes": 240})).await;
        assert_eq!(queued["work_ahead_minutes"], 480);
        assert_eq!(queued["items_ahead"], 1);
        assert_eq!(queued["safety_margin_percent"], 20);
        assert_eq!(queued["earliest"], "2027-03-02T13:00:00Z");
        assert_eq!(
            queued["suggested"], "2027-03-02T15:24:00Z",
            "864 business minutes"
        );
        let low =
            suggest(json!({"assignee_id": ada, "estimate_minutes": 240, "priority": "low"})).await;
        assert_eq!(low["work_ahead_minutes"], 1080);

        // Half the capacity, half the pace: 720 minutes of work take three working days.
        app.patch(
            &format!("/api/v1/members/{ada}"),
            &app.owner,
            json!({"weekly_capacity_minutes": 1200}),
        )
        .await
        .ok(200);
        let half =
            suggest(json!({"assignee_id": ada, "estimate_minutes": 240, "margin_percent": 0}))
                .await;
        assert_eq!(half["earliest"], "2027-03-03T17:00:00Z");

        // A delivery promise the queue cannot carry is made, with a warning naming the earliest
        // realistic date; one it can carry has none.
        let r2 = request(
        &app,
        json!({"client_id": client, "title": "Autumn price list", "assignee_id": ada, "estimate_minutes": 240}),
    )
    .await;
        let for_r2 = suggest(json!({"request_id": r2})).await;
        assert_eq!(for_r2["assignee_id"], ada);
        assert_eq!(for_r2["estimate_minutes"], 240);
        assert_eq!(for_r2["earliest"], "2027-03-03T17:00:00Z");
        assert_eq!(for_r2["suggested"], "2027-03-04T13:48:00Z");
        let rushed = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": r2, "kind": "delivery", "due_at": "2027-03-02T12:00:00Z"}),
            )
            .await
            .ok(201);
        assert_eq!(rushed["status"], "open", "made all the same");
        let warnings = rushed["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "{rushed}");
        assert_eq!(warnings[0]["earliest_realistic"], "2027-03-03T17:00:00Z");
        assert_eq!(warnings[0]["suggested"], "2027-03-04T13:48:00Z");
        assert!(
            warnings[0]["message"]
                .as_str()
                .unwrap()
                .contains("2027-03-03T17:00:00Z")
        );
        let fine = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": r2, "kind": "delivery", "due_at": "2027-03-04T09:00:00Z"}),
            )
            .await
            .ok(201);
        assert_eq!(fine["warnings"], json!([]));
        let reply = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": r2, "kind": "reply", "due_at": "2027-03-01T10:00:00Z"}),
            )
            .await
            .ok(201);
        assert_eq!(
            reply["warnings"],
            json!([]),
            "a reply is not the request's work"
        );
    }
);

both!(
    capacity_shows_commitment_and_out_of_hours,
    |app: TestApp| async move {
        app.set_now("2027-03-03T12:00:00Z"); // Wednesday
        let client = app.client("Nordlys Media").await;
        let ada = member(&app, "ada@acme.example", "agent").await;
        for (started, minutes) in [
            ("2027-03-01T18:00:00Z", 60), // all after hours
            ("2027-03-02T16:30:00Z", 60), // half after closing
            ("2027-03-03T09:00:00Z", 90), // all within hours
            ("2027-02-26T20:00:00Z", 30), // the week before
        ] {
            app.post(
                "/api/v1/time-entries",
                &app.owner,
                json!({"member_id": ada, "started_at": started, "minutes": minutes}),
            )
            .await
            .ok(201);
        }
        request(
        &app,
        json!({"client_id": client, "title": "Archive migration", "assignee_id": ada, "estimate_minutes": 3000}),
    )
    .await;
        let report = app
            .get(
                &format!("/api/v1/members/{ada}/capacity?weeks=2"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(report["weekly_capacity_minutes"], 2400);
        assert_eq!(report["weekly_working_minutes"], 2400);
        let week = &report["weeks"][0];
        assert_eq!(week["week_start"], "2027-03-01");
        assert_eq!(week["capacity_minutes"], 2400);
        assert_eq!(week["committed_minutes"], 3000, "undated work is owed now");
        assert_eq!(week["overcommitted_minutes"], 600);
        assert_eq!(week["logged_minutes"], 210);
        assert_eq!(week["out_of_hours_minutes"], 90);
        let next = &report["weeks"][1];
        assert_eq!(next["week_start"], "2027-03-08");
        assert_eq!(next["logged_minutes"], 0);
        assert_eq!(next["committed_minutes"], 0);
        let before = app
            .get(
                &format!("/api/v1/members/{ada}/capacity?weeks=1&from=2027-02-24"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(before["weeks"][0]["week_start"], "2027-02-22");
        assert_eq!(before["weeks"][0]["logged_minutes"], 30);
        assert_eq!(before["weeks"][0]["out_of_hours_minutes"], 30);

        let team = app
            .get("/api/v1/capacity?weeks=1", &app.owner)
            .await
            .ok(200);
        let items = team["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "the owner and Ada");
        let ada_row = items.iter().find(|m| m["member_id"] == ada).unwrap();
        assert_eq!(ada_row["weeks"][0]["out_of_hours_minutes"], 90);
        assert_eq!(ada_row["weeks"].as_array().unwrap().len(), 1);
    }
);

both!(silence_is_listed_and_alerted, |app: TestApp| async move {
    // A Monday before the org was made: its first silence check was queued for later, at the
    // real time the test began, and the client's word must bring it forward.
    app.set_now("2025-03-03T09:00:00Z");
    let client = app.client("Vega Outdoor").await;
    app.contact(client, "sol@vega.example", Some(PASSWORD))
        .await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Shop", "currency": "EUR",
                   "silence_policy": {"max_business_minutes": 240}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let (cookie, csrf) = app.portal_session("sol@vega.example", PASSWORD).await;
    let ask = |title: &'static str| {
        let (app, cookie, csrf) = (&app, &cookie, &csrf);
        async move {
            app.with_cookie(
                Method::POST,
                "/api/v1/requests",
                cookie,
                Some(csrf),
                Some(json!({"title": title})),
            )
            .await
            .ok(201)["id"]
                .as_i64()
                .unwrap()
        }
    };
    let a = ask("Where is order 5512?").await;
    let default_policy = ask("Opening hours at Easter?").await;
    app.set_now("2025-03-03T10:00:00Z");
    let b = ask("Return label please").await;
    for id in [a, b] {
        app.patch(
            &format!("/api/v1/requests/{id}"),
            &app.owner,
            json!({"engagement_id": engagement}),
        )
        .await
        .ok(200);
    }

    app.set_now("2025-03-03T13:30:00Z");
    let list = app.get("/api/v1/silence", &app.owner).await.ok(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["request_id"], a);
    assert_eq!(items[0]["waiting_since"], "2025-03-03T09:00:00Z");
    assert_eq!(items[0]["silent_since"], "2025-03-03T13:00:00Z");
    assert_eq!(items[0]["business_minutes_waiting"], 270);
    assert_eq!(items[0]["over_by_minutes"], 30);
    assert_eq!(items[0]["max_business_minutes"], 240);

    // Longest wait first; the request under the default policy (16 h) is not silent yet.
    app.set_now("2025-03-03T15:00:00Z");
    let list = app.get("/api/v1/silence", &app.owner).await.ok(200);
    let order: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["request_id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [a, b]);
    assert!(!order.contains(&default_policy));
    app.run_jobs().await;
    app.run_jobs().await;
    let raised = alerts(&app, "silence").await;
    assert_eq!(raised.len(), 2, "{raised:?}");
    app.set_now("2025-03-03T15:20:00Z");
    app.run_jobs().await;
    assert_eq!(
        alerts(&app, "silence").await.len(),
        2,
        "each silence alerted once"
    );

    // Word from us ends A's silence; waiting on the client ends B's.
    app.post(
        &format!("/api/v1/requests/{a}/messages"),
        &app.owner,
        json!({"direction": "outbound", "body": "It ships tomorrow."}),
    )
    .await
    .ok(201);
    let about_a: Vec<Value> = alerts(&app, "silence")
        .await
        .into_iter()
        .filter(|x| x["subject_id"] == a)
        .collect();
    assert_eq!(about_a[0]["status"], "resolved");
    transition(&app, b, "waiting_on_client").await;
    let list = app.get("/api/v1/silence", &app.owner).await.ok(200);
    assert_eq!(list["items"], json!([]));
    let raised = alerts(&app, "silence").await;
    assert!(
        raised.iter().all(|x| x["status"] == "resolved"),
        "{raised:?}"
    );
});

both!(client_office_hours_now, |app: TestApp| async move {
    let client = app
        .post(
            "/api/v1/clients",
            &app.owner,
            json!({"name": "Hudson Legal", "calendar": {"tz": "America/New_York",
                   "hours": ["mon-fri 09:00-17:00"], "holidays": ["2027-03-02"]}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.set_now("2027-03-01T15:00:00Z"); // 10:00 in New York
    let now = app
        .get(&format!("/api/v1/clients/{client}/now"), &app.owner)
        .await
        .ok(200);
    assert_eq!(now["tz"], "America/New_York");
    assert_eq!(now["local_time"], "2027-03-01T10:00:00");
    assert_eq!(now["weekday"], "monday");
    assert_eq!(now["in_office"], true);
    assert_eq!(now["next_open"], "2027-03-01T15:00:00Z");
    app.set_now("2027-03-02T15:00:00Z"); // their holiday
    let now = app
        .get(&format!("/api/v1/clients/{client}/now"), &app.owner)
        .await
        .ok(200);
    assert_eq!(now["in_office"], false);
    assert_eq!(now["holiday_today"], true);
    assert_eq!(now["next_open"], "2027-03-03T14:00:00Z");

    // An engagement with its own calendar answers in that calendar.
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Tokyo office", "currency": "USD",
                   "calendar": {"tz": "Asia/Tokyo"}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let tokyo = app
        .get(
            &format!("/api/v1/clients/{client}/now?engagement_id={engagement}"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(tokyo["tz"], "Asia/Tokyo");
    assert_eq!(tokyo["local_time"], "2027-03-03T00:00:00");
    assert_eq!(tokyo["in_office"], false);
    assert_eq!(tokyo["next_open"], "2027-03-03T00:00:00Z");
    app.get("/api/v1/clients/999999/now", &app.owner)
        .await
        .problem(404);
});

both!(
    bad_clock_input_is_refused_and_writes_nothing,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let client = app.client("Orbit Labs").await;
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Lab", "currency": "EUR"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let ada = member(&app, "ada@acme.example", "agent").await;
        let before = app.snapshot().await;
        let path = format!("/api/v1/engagements/{engagement}");
        for (body, field) in [
            (
                json!({"sla_policy": {"at_risk_percent": 0}}),
                "sla_policy.at_risk_percent",
            ),
            (
                json!({"sla_policy": {"targets": {"urgent": {"first_response_minutes": 0}}}}),
                "sla_policy.targets.urgent.first_response_minutes",
            ),
            (
                json!({"sla_policy": {"targets": {"hgih": {}}}}),
                "sla_policy.targets.hgih",
            ),
            (
                json!({"sla_policy": {"at_risk_percent": 300}}),
                "sla_policy.at_risk_percent",
            ),
            (
                json!({"silence_policy": {"max_business_minutes": 0}}),
                "silence_policy.max_business_minutes",
            ),
            (
                json!({"silence_policy": {"hours": 3}}),
                "silence_policy.hours",
            ),
            (json!({"calendar": {"tz": "Mars/Olympus"}}), "calendar.tz"),
            (
                json!({"calendar": {"tz": "UTC", "hours": ["mon-fri 9-5"]}}),
                "calendar.hours",
            ),
        ] {
            let res = app
                .patch(&path, &app.owner, body.clone())
                .await
                .problem(422);
            assert_eq!(res.fields(), [field], "{body}");
        }
        let suggest = "/api/v1/promises/suggest";
        for (body, field) in [
            (
                json!({"assignee_id": 999999, "estimate_minutes": 60}),
                "assignee_id",
            ),
            (json!({"estimate_minutes": 60}), "assignee_id"),
            (json!({"assignee_id": ada}), "estimate_minutes"),
            (
                json!({"assignee_id": ada, "estimate_minutes": -1}),
                "estimate_minutes",
            ),
            (
                json!({"assignee_id": ada, "estimate_minutes": 60, "margin_percent": 900}),
                "margin_percent",
            ),
            (
                json!({"assignee_id": ada, "estimate_minutes": 60, "margin_percent": -5}),
                "margin_percent",
            ),
            (json!({"request_id": 999999}), "request_id"),
            (
                json!({"assignee_id": ada, "estimate_minutes": 60, "speed": 2}),
                "speed",
            ),
        ] {
            let res = app
                .post(suggest, &app.owner, body.clone())
                .await
                .problem(422);
            assert_eq!(res.fields(), [field], "{body}");
        }
        for (query, status) in [
            ("weeks=0", 422),
            ("weeks=1000", 422),
            ("weeks=-1", 400),
            ("from=2027-02-30", 400),
        ] {
            let res = app
                .get(
                    &format!("/api/v1/members/{ada}/capacity?{query}"),
                    &app.owner,
                )
                .await
                .problem(status);
            assert_eq!(res.fields(), [query.split('=').next().unwrap()], "{query}");
            let res = app
                .get(&format!("/api/v1/capacity?{query}"), &app.owner)
                .await
                .problem(status);
            assert_eq!(res.fields(), [query.split('=').next().unwrap()], "{query}");
        }
        app.get("/api/v1/members/999999/capacity", &app.owner)
            .await
            .problem(404);
        let res = app
            .get("/api/v1/requests?sla_state=late", &app.owner)
            .await
            .problem(400);
        assert_eq!(res.fields(), ["sla_state"]);
        let res = app
            .get("/api/v1/requests?sort=sla", &app.owner)
            .await
            .problem(422);
        assert_eq!(res.fields(), ["sort"]);
        let res = app
            .get("/api/v1/promises/stats?group_by=team", &app.owner)
            .await
            .problem(422);
        assert_eq!(res.fields(), ["group_by"]);
        assert_eq!(app.snapshot().await, before, "nothing was written");
        let e = app.get(&path, &app.owner).await.ok(200);
        assert_eq!(e["sla_policy"], Value::Null);
        assert_eq!(e["silence_policy"], Value::Null);
        assert_eq!(e["calendar"], Value::Null);

        // A good policy is stored with its defaults filled in, and null returns to the default.
        let e = app
            .patch(
                &path,
                &app.owner,
                json!({"sla_policy": {"at_risk_percent": 80}}),
            )
            .await
            .ok(200);
        assert_eq!(e["sla_policy"]["at_risk_percent"], 80);
        assert_eq!(
            e["sla_policy"]["targets"]["urgent"]["first_response_minutes"],
            60
        );
        let e = app
            .patch(&path, &app.owner, json!({"sla_policy": null}))
            .await
            .ok(200);
        assert_eq!(e["sla_policy"], Value::Null);
    }
);

both!(
    the_clock_endpoints_are_documented,
    |app: TestApp| async move {
        let doc = app
            .call(Method::GET, "/api/openapi.json", None, None)
            .await
            .ok(200);
        for path in [
            "/api/v1/clients/{id}/now",
            "/api/v1/silence",
            "/api/v1/capacity",
            "/api/v1/members/{id}/capacity",
            "/api/v1/promises/suggest",
            "/api/v1/promises/stats",
        ] {
            assert!(doc["paths"][path].is_object(), "missing {path}");
        }
        let schemas = &doc["components"]["schemas"];
        assert!(
            schemas["RequestView"]["properties"]["sla"].is_object()
                || schemas["RequestView"]["allOf"].is_array(),
            "{}",
            schemas["RequestView"]
        );
        assert!(schemas["MadePromise"].is_object());
        assert!(schemas["SlaState"].is_object());
        let params: Vec<&str> = doc["paths"]["/api/v1/requests"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(params.contains(&"sla_state"), "{params:?}");
    }
);
