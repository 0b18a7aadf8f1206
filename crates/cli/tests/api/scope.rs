//! Scope in use through HTTP: verdicts on intake, confirmations and accuracy, budget burn and its
//! alerts, the change-order flow with portal approval, the in_progress block and its override,
//! and the scope report (JSON and CSV).

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Res, TestApp};

fn brief() -> Value {
    json!({
        "text": "Delivery app for a bakery chain's drivers.",
        "items": [
            {"id": "android", "kind": "in", "text": "Android driver app: delivery list, proof of delivery photos, offline mode"},
            {"id": "dispatch", "kind": "in", "text": "Web dashboard for dispatchers with a live map of drivers"},
            {"id": "ios", "kind": "out", "text": "iPhone (iOS) version of the driver app"},
            {"id": "payroll", "kind": "out", "text": "Driver payroll and timesheets"}
        ]
    })
}

async fn engagement(app: &TestApp, client: i64, body: Value) -> Value {
    let mut b = json!({"client_id": client, "name": "Driver app", "currency": "EUR"});
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    app.post("/api/v1/engagements", &app.owner, b).await.ok(201)
}

async fn request(
    app: &TestApp,
    token: &str,
    client: i64,
    engagement: Option<i64>,
    title: &str,
) -> Value {
    app.post(
        "/api/v1/requests",
        token,
        json!({"client_id": client, "engagement_id": engagement, "title": title}),
    )
    .await
    .ok(201)
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/audit?action={action}"), &app.owner)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn member_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", token).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap()
}

both!(verdicts_are_stored_on_intake, |app: TestApp| async move {
    let client = app.client("Kaveri Bakeries").await;
    let e = engagement(&app, client, json!({"brief": brief()})).await;
    let eid = id(&e);
    assert_eq!(e["brief_version"], 1);

    let r = request(
        &app,
        &app.owner,
        client,
        Some(eid),
        "Proof of delivery photos are blurry on Android",
    )
    .await;
    assert_eq!(r["scope"]["verdict"], "in", "{}", r["scope"]);
    assert_eq!(r["scope"]["brief_version"], 1);
    assert!(r["scope"]["confidence"].as_f64().unwrap() > 0.3);
    assert_eq!(r["scope"]["evidence"][0]["item_id"], "android");
    assert!(r["scope"]["confirmed_by"].is_null());
    let out = request(
        &app,
        &app.owner,
        client,
        Some(eid),
        "Build the iPhone version of the driver app",
    )
    .await;
    assert_eq!(out["scope"]["verdict"], "out");
    assert_eq!(out["scope"]["evidence"][0]["item_id"], "ios");
    let unclear = request(
        &app,
        &app.owner,
        client,
        Some(eid),
        "Lunch plans for Friday",
    )
    .await;
    assert_eq!(unclear["scope"]["verdict"], "unclear");
    assert_eq!(unclear["scope"]["confidence"], 0.0);
    // Stored, not only answered.
    let again = app
        .get(&format!("/api/v1/requests/{}", id(&out)), &app.owner)
        .await
        .ok(200);
    assert_eq!(again["scope"], out["scope"]);

    // Other scripts and languages, and a 1 MB body: accepted, checked, stored.
    for title in ["ドライバーアプリの写真", "Приложение для водителей"]
    {
        let r = request(&app, &app.owner, client, Some(eid), title).await;
        assert_eq!(r["scope"]["verdict"], "unclear", "{title}");
    }
    let big = format!(
        "Build the iPhone version of the driver app. {}",
        "filler words ".repeat(76_000)
    );
    assert!(big.len() > 1_000_000 - 20_000 && big.len() < 1_000_000);
    let r = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "engagement_id": eid, "title": "Another platform", "body": big}),
        )
        .await
        .ok(201);
    assert_eq!(
        r["scope"]["verdict"], "out",
        "the start of a long body is read"
    );

    // A changed brief is a new version; the next request is checked against it (no stale index).
    let mut b = brief();
    b["items"][2]["kind"] = json!("in");
    let e2 = app
        .patch(
            &format!("/api/v1/engagements/{eid}"),
            &app.owner,
            json!({"brief": b}),
        )
        .await
        .ok(200);
    assert_eq!(e2["brief_version"], 2);
    let now_in = request(
        &app,
        &app.owner,
        client,
        Some(eid),
        "Build the iPhone version of the driver app",
    )
    .await;
    assert_eq!(now_in["scope"]["verdict"], "in");
    assert_eq!(now_in["scope"]["brief_version"], 2);

    // An empty brief decides nothing: unclear, never in.
    let empty = engagement(&app, client, json!({"name": "Empty"})).await;
    for t in [
        "Proof of delivery photos are blurry on Android",
        "Lunch plans for Friday",
    ] {
        let r = request(&app, &app.owner, client, Some(id(&empty)), t).await;
        assert_eq!(r["scope"]["verdict"], "unclear", "{t}");
        assert_eq!(r["scope"]["brief_version"], 1);
    }
    // A brief with no `out` items: what matches is in, what matches nothing is unclear.
    let mut only_in = brief();
    only_in["items"] = json!([only_in["items"][0], only_in["items"][1]]);
    let oi = engagement(&app, client, json!({"name": "Only in", "brief": only_in})).await;
    let r = request(
        &app,
        &app.owner,
        client,
        Some(id(&oi)),
        "Live map on the dispatcher dashboard freezes",
    )
    .await;
    assert_eq!(r["scope"]["verdict"], "in");
    let r = request(
        &app,
        &app.owner,
        client,
        Some(id(&oi)),
        "Lunch plans for Friday",
    )
    .await;
    assert_eq!(r["scope"]["verdict"], "unclear");

    // No engagement: nothing to check against.
    let r = request(
        &app,
        &app.owner,
        client,
        None,
        "Build the iPhone version of the driver app",
    )
    .await;
    assert!(r["scope"].is_null());
    // The quick lane checks too.
    let q = app
        .post(
            "/api/v1/requests/quick",
            &app.owner,
            json!({"client_id": client, "engagement_id": id(&oi), "title": "Live map on the dispatcher dashboard freezes", "minutes": 15}),
        )
        .await
        .ok(201);
    assert_eq!(q["request"]["scope"]["verdict"], "in");

    // Briefs are validated by the check's rules, naming the field; nothing is written.
    let before = app.snapshot().await;
    let mut dup = brief();
    dup["items"][2]["id"] = json!("android");
    let res = app
        .patch(
            &format!("/api/v1/engagements/{eid}"),
            &app.owner,
            json!({"brief": dup}),
        )
        .await
        .problem(422);
    assert_eq!(res.fields(), ["brief.items[2].id"]);
    let mut bad = brief();
    bad["items"][1]["id"] = json!("has space");
    bad["items"][3]["text"] = json!("  ");
    let res = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Bad", "currency": "EUR", "brief": bad}),
        )
        .await
        .problem(422);
    assert_eq!(res.fields(), ["brief.items[1].id", "brief.items[3].text"]);
    assert_eq!(app.snapshot().await, before);
    let e_now = app
        .get(&format!("/api/v1/engagements/{eid}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(e_now["brief_version"], 2, "a rejected brief bumps nothing");
});

both!(
    confirmations_are_audited_and_counted,
    |app: TestApp| async move {
        let client = app.client("Kaveri Bakeries").await;
        let eid = id(&engagement(&app, client, json!({"brief": brief()})).await);
        let agent = app.member_token("agent@acme.example", Role::Agent).await;
        let agent_id = member_id(&app, &agent).await;
        let a = request(
            &app,
            &agent,
            client,
            Some(eid),
            "Proof of delivery photos are blurry on Android",
        )
        .await;
        let b = request(
            &app,
            &agent,
            client,
            Some(eid),
            "Build the iPhone version of the driver app",
        )
        .await;
        let c = request(&app, &agent, client, Some(eid), "Lunch plans for Friday").await;

        // Bad input: nothing written.
        let before = app.snapshot().await;
        let res = app
            .post(
                &format!("/api/v1/requests/{}/scope", id(&a)),
                &agent,
                json!({"verdict": "out", "reason": " "}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["reason"]);
        let res = app
            .post(
                &format!("/api/v1/requests/{}/scope", id(&a)),
                &agent,
                json!({"verdict": "maybe", "reason": "x"}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["verdict"]);
        assert_eq!(app.snapshot().await, before);

        // The agent disagrees with the check on `a` (it is really the excluded iOS work) ...
        let r = app
            .post(
                &format!("/api/v1/requests/{}/scope", id(&a)),
                &agent,
                json!({"verdict": "out", "reason": "They mean the iPhone build"}),
            )
            .await
            .ok(200);
        assert_eq!(r["scope"]["verdict"], "in", "the check's verdict is kept");
        assert_eq!(r["scope"]["confirmed_verdict"], "out");
        assert_eq!(
            r["scope"]["confirmed_by"],
            json!({"kind": "member", "id": agent_id})
        );
        assert_eq!(r["scope"]["confirm_reason"], "They mean the iPhone build");
        // ... and agrees on `b`, and turns `c`'s unclear into in.
        app.post(
            &format!("/api/v1/requests/{}/scope", id(&b)),
            &app.owner,
            json!({"verdict": "out", "reason": "iOS is excluded"}),
        )
        .await
        .ok(200);
        app.post(
            &format!("/api/v1/requests/{}/scope", id(&c)),
            &agent,
            json!({"verdict": "in", "reason": "Team lunch is ours to plan"}),
        )
        .await
        .ok(200);
        let acc = app.get("/api/v1/scope/accuracy", &agent).await.ok(200);
        assert_eq!(
            (
                acc["confirmed"].as_i64(),
                acc["agreed"].as_i64(),
                acc["disagreed"].as_i64()
            ),
            (Some(3), Some(1), Some(2))
        );
        assert_eq!(
            acc["by_check_verdict"][0],
            json!({"verdict": "in", "confirmed": 1, "agreed": 0, "agreement_rate": 0.0})
        );
        assert_eq!(
            acc["by_check_verdict"][1],
            json!({"verdict": "out", "confirmed": 1, "agreed": 1, "agreement_rate": 1.0})
        );
        assert_eq!(acc["by_check_verdict"][2]["confirmed"], 1);

        // A second word on `a` replaces the first: each request counts once.
        app.post(
            &format!("/api/v1/requests/{}/scope", id(&a)),
            &app.owner,
            json!({"verdict": "in", "reason": "Checked with the client: Android"}),
        )
        .await
        .ok(200);
        let acc = app.get("/api/v1/scope/accuracy", &agent).await.ok(200);
        assert_eq!(
            (acc["confirmed"].as_i64(), acc["agreed"].as_i64()),
            (Some(3), Some(2))
        );
        let other = app.client("Halvorsen Analytics").await;
        let none = app
            .get(&format!("/api/v1/scope/accuracy?client_id={other}"), &agent)
            .await
            .ok(200);
        assert_eq!(none["confirmed"], 0);
        assert!(none["agreement_rate"].is_null());

        let events = audit(&app, "request.scope_confirm").await;
        assert_eq!(events.len(), 4);
        let first = events.last().unwrap();
        assert_eq!(first["actor"], json!({"kind": "member", "id": agent_id}));
        assert_eq!(first["target_id"], id(&a));
        assert_eq!(first["details"]["agreed"], false);
        assert_eq!(first["details"]["check_verdict"], "in");
        assert_eq!(first["details"]["reason"], "They mean the iPhone build");

        // A request without an engagement has no check to confirm, until one is set and checked.
        let loose = request(
            &app,
            &agent,
            client,
            None,
            "Build the iPhone version of the driver app",
        )
        .await;
        let res = app
            .post(
                &format!("/api/v1/requests/{}/scope", id(&loose)),
                &agent,
                json!({"verdict": "out", "reason": "x"}),
            )
            .await
            .problem(409);
        assert_eq!(res.fields(), ["scope"]);
        app.post(
            &format!("/api/v1/requests/{}/scope/check", id(&loose)),
            &agent,
            json!({}),
        )
        .await
        .problem(409);
        app.patch(
            &format!("/api/v1/requests/{}", id(&loose)),
            &agent,
            json!({"engagement_id": eid}),
        )
        .await
        .ok(200);
        let checked = app
            .post(
                &format!("/api/v1/requests/{}/scope/check", id(&loose)),
                &agent,
                json!({}),
            )
            .await
            .ok(200);
        assert_eq!(checked["scope"]["verdict"], "out");
        assert_eq!(audit(&app, "request.scope_check").await.len(), 1);
    }
);

both!(
    budget_burn_and_alerts_once_each,
    |app: TestApp| async move {
        let client = app.client("Kaveri Bakeries").await;
        let manager = app
            .member_token("manager@acme.example", Role::Manager)
            .await;
        let manager_id = member_id(&app, &manager).await;
        // 10 hours or 1,500.00 EUR at 150.00 EUR an hour.
        let e = engagement(
        &app,
        client,
        json!({"brief": brief(), "budget_minutes": 600, "budget_fee_minor": 150_000, "hourly_rate_minor": 15_000, "manager_id": manager_id}),
    )
    .await;
        let eid = id(&e);
        let r = request(
            &app,
            &app.owner,
            client,
            Some(eid),
            "Proof of delivery photos are blurry on Android",
        )
        .await;
        app.patch(
            &format!("/api/v1/requests/{}", id(&r)),
            &app.owner,
            json!({"estimate_minutes": 120}),
        )
        .await
        .ok(200);
        let _unestimated = request(
            &app,
            &app.owner,
            client,
            Some(eid),
            "Live map on the dispatcher dashboard freezes",
        )
        .await;
        let log = |minutes: i64, billable: bool, request: Option<i64>| {
            let app = &app;
            async move {
                let mut body =
                    json!({"engagement_id": eid, "minutes": minutes, "billable": billable});
                if let Some(r) = request {
                    body["request_id"] = json!(r);
                }
                app.post("/api/v1/time-entries", &app.owner, body)
                    .await
                    .ok(201);
            }
        };
        let alerts = |kind: &'static str| {
            let app = &app;
            async move {
                app.get(
                    &format!("/api/v1/alerts?kind={kind}&subject_kind=engagement&subject_id={eid}"),
                    &app.owner,
                )
                .await
                .ok(200)["items"]
                    .as_array()
                    .unwrap()
                    .clone()
            }
        };

        log(30, true, Some(id(&r))).await;
        log(270, false, None).await;
        let b = app
            .get(&format!("/api/v1/engagements/{eid}/budget"), &app.owner)
            .await
            .ok(200);
        let burn = &b["burn"];
        assert_eq!(b["engagement_id"], eid);
        assert_eq!(
            (
                burn["spent_minutes"].as_i64(),
                burn["billable_minutes"].as_i64()
            ),
            (Some(300), Some(30))
        );
        assert_eq!(
            burn["spent_fee_minor"], 7_500,
            "only billable minutes cost the client"
        );
        // The budget burns on billable work: 270 non-billable minutes are shown, not counted,
        // so hours and fee move together.
        assert_eq!(
            (
                burn["burn_minutes"].as_i64(),
                burn["non_billable_minutes"].as_i64(),
                burn["change_order_minutes"].as_i64()
            ),
            (Some(30), Some(270), Some(0))
        );
        assert_eq!(burn["used_minutes_percent"], 5.0);
        assert_eq!(burn["used_fee_percent"], 5.0);
        // Open work: 120 estimated - 30 spent = 90 to go, and one request without an estimate.
        assert_eq!(burn["remaining_estimate_minutes"], 90);
        assert_eq!(
            (
                burn["open_requests"].as_i64(),
                burn["unestimated_open_requests"].as_i64()
            ),
            (Some(2), Some(1))
        );
        assert_eq!(burn["forecast_minutes"], 120);
        assert_eq!(burn["forecast_fee_minor"], 30_000);
        assert_eq!(burn["reached"], json!([]));
        assert!(alerts("budget.80").await.is_empty());

        log(600, false, None).await; // non-billable: the burn stays at 30 of 600
        assert!(alerts("budget.80").await.is_empty());
        assert!(alerts("budget.100").await.is_empty());
        log(449, true, None).await; // 479 of 600: one minute short of 80 %
        assert!(alerts("budget.80").await.is_empty());
        log(1, true, None).await; // 480: exactly 80 %
        let a80 = alerts("budget.80").await;
        assert_eq!(a80.len(), 1);
        assert_eq!(a80[0]["severity"], "warning");
        assert_eq!(
            a80[0]["recipient_id"], manager_id,
            "the engagement's manager is told"
        );
        assert!(
            a80[0]["message"]
                .as_str()
                .unwrap()
                .contains("80 % of its hours"),
            "{}",
            a80[0]["message"]
        );
        log(60, true, None).await;
        assert_eq!(alerts("budget.80").await.len(), 1, "raised once");
        // Resolving it does not make the same crossing alert again.
        app.post(
            &format!("/api/v1/alerts/{}", id(&a80[0])),
            &app.owner,
            json!({"status": "resolved"}),
        )
        .await
        .ok(200);
        log(10, true, None).await;
        let all80 = app
            .get(
                &format!("/api/v1/alerts?kind=budget.80&status=resolved&subject_id={eid}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(all80["items"].as_array().unwrap().len(), 1);
        assert!(alerts("budget.80").await.is_empty());
        assert!(alerts("budget.100").await.is_empty());
        log(50, true, None).await; // 600: 100 %
        let a100 = alerts("budget.100").await;
        assert_eq!(a100.len(), 1);
        assert_eq!(a100[0]["severity"], "critical");
        log(15, true, None).await;
        assert_eq!(alerts("budget.100").await.len(), 1, "raised once");
        let b = app
            .get(&format!("/api/v1/engagements/{eid}/budget"), &app.owner)
            .await
            .ok(200);
        assert_eq!(b["burn"]["burn_minutes"], 615);
        assert_eq!(b["burn"]["spent_minutes"], 615 + 870);
        assert_eq!(b["burn"]["reached"], json!([80, 100]));
        assert_eq!(b["burn"]["forecast_over"], true);

        // A raised budget can be crossed again: a new alert for the new budget.
        app.patch(
            &format!("/api/v1/engagements/{eid}"),
            &app.owner,
            json!({"budget_minutes": 700, "budget_fee_minor": null}),
        )
        .await
        .ok(200);
        log(5, true, None).await; // 620 of 700 = 88.6 %
        assert_eq!(alerts("budget.80").await.len(), 1);
        assert_eq!(
            alerts("budget.100").await.len(),
            1,
            "the old 100 % alert is still open"
        );
        app.get("/api/v1/engagements/999999/budget", &app.owner)
            .await
            .problem(404);
    }
);

/// A client with a portal contact, an engagement at 150.00 EUR an hour, and requests.
struct Fixture {
    client: i64,
    engagement: i64,
    contact: i64,
    portal: (String, String),
    other_portal: (String, String),
    manager: String,
    agent: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let client = app.client("Kaveri Bakeries").await;
    let other = app.client("Halvorsen Analytics").await;
    let contact = id(&app
        .post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": client, "name": "Priya Mehta", "email": "priya@kaveri.example"}),
        )
        .await
        .ok(201));
    app.give_portal_access(contact, "portal password a").await;
    let other_contact = id(&app
        .post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": other, "name": "Ingrid Halvorsen", "email": "ingrid@halvorsen.example"}),
        )
        .await
        .ok(201));
    app.give_portal_access(other_contact, "portal password b")
        .await;
    let engagement = id(&engagement(
        app,
        client,
        json!({"brief": brief(), "hourly_rate_minor": 15_000}),
    )
    .await);
    Fixture {
        client,
        engagement,
        contact,
        portal: app
            .portal_session("priya@kaveri.example", "portal password a")
            .await,
        other_portal: app
            .portal_session("ingrid@halvorsen.example", "portal password b")
            .await,
        manager: app
            .member_token("manager@acme.example", Role::Manager)
            .await,
        agent: app.member_token("agent@acme.example", Role::Agent).await,
    }
}

async fn portal(
    app: &TestApp,
    who: &(String, String),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    let csrf = (method != Method::GET).then_some(who.1.as_str());
    app.with_cookie(method, path, &who.0, csrf, body).await
}

/// The change-order tests' starting point: the fixture and three requests on the engagement,
/// two of them (the iPhone build, the payroll export) outside the brief and one inside it.
struct Orders {
    f: Fixture,
    ios: i64,
    payroll: i64,
    android: i64,
}

impl Orders {
    async fn new(app: &TestApp) -> Orders {
        let f = fixture(app).await;
        let (client, eid) = (f.client, f.engagement);
        let ios = request(
            app,
            &f.agent,
            client,
            Some(eid),
            "Build the iPhone version of the driver app",
        )
        .await;
        let payroll = request(
            app,
            &f.agent,
            client,
            Some(eid),
            "Add driver timesheets and payroll export",
        )
        .await;
        let android = request(
            app,
            &f.agent,
            client,
            Some(eid),
            "Proof of delivery photos are blurry on Android",
        )
        .await;
        assert_eq!(
            (
                ios["scope"]["verdict"].as_str(),
                payroll["scope"]["verdict"].as_str()
            ),
            (Some("out"), Some("out"))
        );
        Orders {
            f,
            ios: id(&ios),
            payroll: id(&payroll),
            android: id(&android),
        }
    }

    /// A change order's body for `requests`: `estimate` minutes, at `rate` or the engagement's.
    fn body(&self, requests: Vec<i64>, estimate: i64, rate: Option<i64>) -> Value {
        let mut b = json!({"engagement_id": self.f.engagement, "request_ids": requests,
                           "title": "iPhone driver app",
                           "description": "A native iOS build of the driver app, same features as Android.",
                           "estimate_minutes": estimate});
        if let Some(r) = rate {
            b["rate_minor"] = json!(r);
        }
        b
    }

    /// A draft by the manager; its answer.
    async fn draft(
        &self,
        app: &TestApp,
        requests: Vec<i64>,
        estimate: i64,
        rate: Option<i64>,
    ) -> Value {
        app.post(
            "/api/v1/change-orders",
            &self.f.manager,
            self.body(requests, estimate, rate),
        )
        .await
        .ok(201)
    }

    /// The manager sends the order to the client; the send's answer.
    async fn send(&self, app: &TestApp, co: i64) -> Value {
        app.post(
            &format!("/api/v1/change-orders/{co}/send"),
            &self.f.manager,
            json!({}),
        )
        .await
        .ok(200)
    }

    /// The client's contact decides (`approve` or `decline`) in the portal.
    async fn decide(&self, app: &TestApp, co: i64, verb: &str, body: Value) -> Res {
        portal(
            app,
            &self.f.portal,
            Method::POST,
            &format!("/api/v1/change-orders/{co}/{verb}"),
            Some(body),
        )
        .await
    }

    /// The iPhone request's order, drafted at 6 h 30 min and sent; its id.
    async fn sent_ios(&self, app: &TestApp) -> i64 {
        let co = id(&self.draft(app, vec![self.ios], 390, None).await);
        self.send(app, co).await;
        co
    }
}

both!(
    a_change_order_refuses_bad_input_and_the_wrong_people,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let (ios, f) = (o.ios, &o.f);
        let before = app.snapshot().await;
        let cases: Vec<(Value, &str)> = vec![
            (o.body(vec![ios], -60, None), "estimate_minutes"),
            (o.body(vec![ios], 10_000_000, None), "estimate_minutes"),
            (o.body(vec![ios], 60, Some(-15_000)), "rate_minor"),
            (
                o.body(vec![ios], 120_000, Some(9_000_000_000_000)),
                "rate_minor",
            ),
            (o.body(vec![ios, ios], 60, None), "request_ids[1]"),
            (o.body(vec![], 60, None), "request_ids"),
            (o.body(vec![o.android], 60, None), "request_ids[0]"),
            (o.body(vec![999_999], 60, None), "request_ids[0]"),
        ];
        for (body, field) in cases {
            let res = app
                .post("/api/v1/change-orders", &f.manager, body.clone())
                .await
                .problem(422);
            assert_eq!(res.fields(), [field], "{body}");
        }
        let mut wrong_engagement = o.body(vec![ios], 60, None);
        wrong_engagement["engagement_id"] = json!(999_999);
        let res = app
            .post("/api/v1/change-orders", &f.manager, wrong_engagement)
            .await
            .problem(422);
        assert_eq!(res.fields(), ["engagement_id"]);
        app.post(
            "/api/v1/change-orders",
            &f.agent,
            o.body(vec![ios], 60, None),
        )
        .await
        .problem(403);
        portal(
            &app,
            &f.portal,
            Method::POST,
            "/api/v1/change-orders",
            Some(o.body(vec![ios], 60, None)),
        )
        .await
        .problem(403);
        assert_eq!(app.snapshot().await, before);
    }
);

both!(
    a_draft_is_priced_at_the_engagement_rate_one_per_request,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        // 6 h 30 min at the engagement's 150.00 EUR = 975.00 EUR.
        let co = o.draft(&app, vec![o.ios], 390, None).await;
        assert_eq!(co["status"], "draft");
        assert_eq!(
            (co["rate_minor"].as_i64(), co["price_minor"].as_i64()),
            (Some(15_000), Some(97_500))
        );
        assert_eq!(co["currency"], "EUR");
        assert_eq!(co["client_id"], o.f.client);
        assert_eq!(co["request_ids"], json!([o.ios]));
        let res = app
            .post(
                "/api/v1/change-orders",
                &o.f.manager,
                o.body(vec![o.ios], 60, None),
            )
            .await
            .problem(409);
        assert_eq!(
            res.fields(),
            ["request_ids[0]"],
            "one live change order per request"
        );
        // At a rate of its own: 4 h at 120.00 = 480.00.
        let co2 = o.draft(&app, vec![o.payroll], 240, Some(12_000)).await;
        assert_eq!(co2["price_minor"], 48_000);
    }
);

both!(
    the_verdict_and_drafts_stay_inside_the_firm,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let f = &o.f;
        let co_id = id(&o.draft(&app, vec![o.ios], 390, None).await);
        // The verdict and the team's reasons are internal: the client's contact does not see them.
        let seen = portal(
            &app,
            &f.portal,
            Method::GET,
            &format!("/api/v1/requests/{}", o.ios),
            None,
        )
        .await
        .ok(200);
        assert!(seen["scope"].is_null(), "{seen}");
        let listed = portal(&app, &f.portal, Method::GET, "/api/v1/requests", None)
            .await
            .ok(200);
        assert_eq!(listed["items"].as_array().unwrap().len(), 3);
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["scope"].is_null())
        );
        let member_view = app
            .get(&format!("/api/v1/requests/{}", o.ios), &app.owner)
            .await
            .ok(200);
        assert_eq!(member_view["scope"]["verdict"], "out");

        // Drafts are invisible to the client.
        let list = portal(&app, &f.portal, Method::GET, "/api/v1/change-orders", None)
            .await
            .ok(200);
        assert_eq!(list["items"], json!([]));
        portal(
            &app,
            &f.portal,
            Method::GET,
            &format!("/api/v1/change-orders/{co_id}"),
            None,
        )
        .await
        .problem(404);
        o.decide(&app, co_id, "approve", json!({}))
            .await
            .problem(404);
    }
);

both!(
    work_waiting_for_a_change_order_starts_once_it_is_approved,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let f = &o.f;
        let co_id = id(&o.draft(&app, vec![o.ios], 390, None).await);
        let transition = format!("/api/v1/requests/{}/transition", o.ios);
        let start = json!({"status": "in_progress"});
        let res = app
            .post(&transition, &f.agent, start.clone())
            .await
            .problem(409);
        assert_eq!(res.fields(), ["status"]);
        let why = res.body["detail"].as_str().unwrap();
        assert!(
            why.contains(&format!("change order {co_id} (draft)"))
                && why.contains("override_reason"),
            "{why}"
        );
        // Only a manager may override.
        app.post(
            &transition,
            &f.agent,
            json!({"status": "in_progress", "override_reason": "Client is in a hurry"}),
        )
        .await
        .problem(403);
        o.send(&app, co_id).await;
        o.decide(&app, co_id, "approve", json!({})).await.ok(200);
        app.post(&transition, &f.agent, start).await.ok(200);
    }
);

both!(
    a_sent_order_is_rendered_on_the_request_once,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let co_id = id(&o.draft(&app, vec![o.ios], 390, None).await);
        let sent = o.send(&app, co_id).await;
        assert_eq!(sent["change_order"]["status"], "sent");
        assert!(sent["change_order"]["sent_at"].is_string());
        assert_eq!(sent["messages"].as_array().unwrap().len(), 1);
        let thread = app
            .get(&format!("/api/v1/requests/{}/messages", o.ios), &app.owner)
            .await
            .ok(200);
        let m = &thread["items"][0];
        assert_eq!(
            (m["direction"].as_str(), m["send_status"].as_str()),
            (Some("outbound"), Some("queued"))
        );
        let body = m["body"].as_str().unwrap();
        for part in [
            "iPhone driver app",
            "A native iOS build",
            "Estimate: 6 h 30 min",
            "Price: 975.00 EUR",
            "client portal",
        ] {
            assert!(body.contains(part), "{part:?} not in {body}");
        }
        assert!(
            m["subject"]
                .as_str()
                .unwrap()
                .contains(&format!("Change order {co_id}"))
        );
        app.post(
            &format!("/api/v1/change-orders/{co_id}/send"),
            &o.f.manager,
            json!({}),
        )
        .await
        .problem(409);
    }
);

both!(
    only_the_clients_contact_decides_and_only_with_the_csrf_header,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let f = &o.f;
        let client = f.client;
        let co_id = o.sent_ios(&app).await;
        // Another client's contact: the order does not exist for them.
        portal(
            &app,
            &f.other_portal,
            Method::GET,
            &format!("/api/v1/change-orders/{co_id}"),
            None,
        )
        .await
        .problem(404);
        let before = app.snapshot().await;
        portal(
            &app,
            &f.other_portal,
            Method::POST,
            &format!("/api/v1/change-orders/{co_id}/approve"),
            Some(json!({})),
        )
        .await
        .problem(404);
        let theirs = portal(
            &app,
            &f.other_portal,
            Method::GET,
            "/api/v1/change-orders",
            None,
        )
        .await
        .ok(200);
        assert_eq!(theirs["items"], json!([]));
        let sneaky = portal(
            &app,
            &f.other_portal,
            Method::GET,
            &format!("/api/v1/change-orders?client_id={client}"),
            None,
        )
        .await
        .ok(200);
        assert_eq!(sneaky["items"], json!([]));
        // Members may not approve on the client's behalf; a note too long is refused.
        app.post(
            &format!("/api/v1/change-orders/{co_id}/approve"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(403);
        let res = o
            .decide(&app, co_id, "approve", json!({"note": "x".repeat(10_001)}))
            .await
            .problem(422);
        assert_eq!(res.fields(), ["note"]);
        // Without the CSRF header a cookie session cannot approve.
        app.with_cookie(
            Method::POST,
            &format!("/api/v1/change-orders/{co_id}/approve"),
            &f.portal.0,
            None,
            Some(json!({})),
        )
        .await
        .problem(403);
        assert_eq!(app.snapshot().await, before);
        let still = app
            .get(&format!("/api/v1/change-orders/{co_id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(still["status"], "sent");
    }
);

both!(
    the_contacts_approval_is_recorded_and_final,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let f = &o.f;
        let co_id = o.sent_ios(&app).await;
        let list = portal(&app, &f.portal, Method::GET, "/api/v1/change-orders", None)
            .await
            .ok(200);
        assert_eq!(list["items"][0]["id"], co_id);
        let approved = o
            .decide(&app, co_id, "approve", json!({"note": "Go ahead"}))
            .await
            .ok(200);
        assert_eq!(approved["status"], "approved");
        assert_eq!(approved["decided_by"], f.contact);
        assert_eq!(approved["decided_by_name"], "Priya Mehta");
        assert_eq!(approved["decision_note"], "Go ahead");
        let at: jiff::Timestamp = approved["decided_at"].as_str().unwrap().parse().unwrap();
        assert!((jiff::Timestamp::now() - at).as_secs().abs() < 60);
        let events = audit(&app, "change_order.approve").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0]["actor"],
            json!({"kind": "contact", "id": f.contact})
        );
        assert_eq!(events[0]["details"]["contact_name"], "Priya Mehta");
        assert_eq!(events[0]["target_id"], co_id);
        // Decided is final.
        for verb in ["approve", "decline"] {
            let res = o.decide(&app, co_id, verb, json!({})).await.problem(409);
            assert_eq!(res.fields(), ["status"]);
        }
        app.post(
            &format!("/api/v1/change-orders/{co_id}/withdraw"),
            &f.manager,
            json!({}),
        )
        .await
        .problem(409);
    }
);

both!(
    a_declined_order_is_final_and_frees_its_request,
    |app: TestApp| async move {
        let o = Orders::new(&app).await;
        let (f, eid) = (&o.f, o.f.engagement);
        let co_id = o.sent_ios(&app).await;
        let co2_id = id(&o.draft(&app, vec![o.payroll], 240, Some(12_000)).await);
        o.send(&app, co2_id).await;
        let declined = o.decide(&app, co2_id, "decline", json!({})).await.ok(200);
        assert_eq!(declined["status"], "declined");
        assert!(declined["decision_note"].is_null());
        let before = app.snapshot().await;
        let res = o
            .decide(&app, co2_id, "approve", json!({}))
            .await
            .problem(409);
        assert!(
            res.body["detail"]
                .as_str()
                .unwrap()
                .contains("already declined"),
            "{}",
            res.body
        );
        assert_eq!(app.snapshot().await, before);
        assert_eq!(
            app.get(&format!("/api/v1/change-orders/{co2_id}"), &app.owner)
                .await
                .ok(200)["status"],
            "declined"
        );
        // A declined order no longer covers the request: a new one may be drafted, then withdrawn.
        let co3 = o.draft(&app, vec![o.payroll], 60, None).await;
        let w = app
            .post(
                &format!("/api/v1/change-orders/{}/withdraw", id(&co3)),
                &f.manager,
                json!({"note": "Folded into phase 2"}),
            )
            .await
            .ok(200);
        assert_eq!(w["status"], "withdrawn");
        let member_list = app
            .get(
                &format!("/api/v1/change-orders?engagement_id={eid}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(member_list["items"].as_array().unwrap().len(), 3);
        let client_list = portal(&app, &f.portal, Method::GET, "/api/v1/change-orders", None)
            .await
            .ok(200);
        let seen: Vec<i64> = client_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect();
        assert_eq!(
            seen,
            [co2_id, co_id],
            "the contact never sees drafts or withdrawn orders"
        );
    }
);

both!(overrides_and_the_scope_report, |app: TestApp| async move {
    let f = fixture(&app).await;
    let (client, eid) = (f.client, f.engagement);
    let manager_id = member_id(&app, &f.manager).await;
    let ios = request(
        &app,
        &f.agent,
        client,
        Some(eid),
        "Build the iPhone version of the driver app",
    )
    .await;
    let payroll = request(
        &app,
        &f.agent,
        client,
        Some(eid),
        "Add driver timesheets and payroll export",
    )
    .await;
    let pending = request(
        &app,
        &f.agent,
        client,
        Some(eid),
        "Payroll timesheets for the drivers in Pune",
    )
    .await;
    let android = request(
        &app,
        &f.agent,
        client,
        Some(eid),
        "Proof of delivery photos are blurry on Android",
    )
    .await;
    assert_eq!(pending["scope"]["verdict"], "out");
    let co = |rid: i64, minutes: i64| json!({"engagement_id": eid, "request_ids": [rid], "title": "Extra work", "description": "Out of scope.", "estimate_minutes": minutes});
    // Billed: the iOS order, approved by the client.
    let billed = id(&app
        .post("/api/v1/change-orders", &f.manager, co(id(&ios), 390))
        .await
        .ok(201));
    app.post(
        &format!("/api/v1/change-orders/{billed}/send"),
        &f.manager,
        json!({}),
    )
    .await
    .ok(200);
    portal(
        &app,
        &f.portal,
        Method::POST,
        &format!("/api/v1/change-orders/{billed}/approve"),
        Some(json!({})),
    )
    .await
    .ok(200);
    // Absorbed: the payroll order is sent, and a manager starts the work anyway as goodwill.
    let absorbed = id(&app
        .post("/api/v1/change-orders", &f.manager, co(id(&payroll), 180))
        .await
        .ok(201));
    app.post(
        &format!("/api/v1/change-orders/{absorbed}/send"),
        &f.manager,
        json!({}),
    )
    .await
    .ok(200);
    let path = format!("/api/v1/requests/{}/transition", id(&payroll));
    let before = app.snapshot().await;
    let res = app
        .post(
            &path,
            &f.manager,
            json!({"status": "in_progress", "override_reason": " "}),
        )
        .await
        .problem(422);
    assert_eq!(res.fields(), ["override_reason"]);
    assert_eq!(app.snapshot().await, before);
    let r = app
        .post(&path, &f.manager, json!({"status": "in_progress", "override_reason": "Goodwill: they are renewing for a year"}))
        .await
        .ok(200);
    assert_eq!(r["status"], "in_progress");
    assert_eq!(app.count("scope_overrides").await, 1);
    let events = audit(&app, "request.scope_override").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["actor"],
        json!({"kind": "member", "id": manager_id})
    );
    assert_eq!(events[0]["details"]["change_order_ids"], json!([absorbed]));
    assert_eq!(
        events[0]["details"]["reason"],
        "Goodwill: they are renewing for a year"
    );

    // Time: 90 min on the billed request, 45 + 30 on the absorbed one (30 of them last month),
    // 20 on the pending one, 60 on in-scope work (not in the report).
    let now = jiff::Timestamp::now();
    let today = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    let last_month = today
        .first_of_month()
        .checked_sub(jiff::Span::new().days(3))
        .unwrap();
    let last_month_at = last_month
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    for (rid, minutes, at) in [
        (id(&ios), 90, None),
        (id(&payroll), 45, None),
        (id(&payroll), 30, Some(last_month_at)),
        (id(&pending), 20, None),
        (id(&android), 60, None),
    ] {
        let mut b = json!({"request_id": rid, "minutes": minutes});
        if let Some(at) = at {
            b["started_at"] = json!(at.to_string());
        }
        app.post("/api/v1/time-entries", &f.agent, b).await.ok(201);
    }

    let rep = app
        .get(
            &format!("/api/v1/scope/report?client_id={client}&from={last_month}&to={today}"),
            &f.agent,
        )
        .await
        .ok(200);
    assert_eq!(rep["interval"], "month");
    let rows = rep["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rep}");
    let (prev, cur) = (&rows[0], &rows[1]);
    assert_eq!(
        prev["period_start"],
        last_month.first_of_month().to_string()
    );
    assert_eq!(cur["period_start"], today.first_of_month().to_string());
    assert_eq!(
        (
            prev["out_minutes"].as_i64(),
            prev["absorbed_minutes"].as_i64(),
            prev["out_requests"].as_i64()
        ),
        (Some(30), Some(30), Some(0))
    );
    assert_eq!(cur["engagement_id"], eid);
    assert_eq!(cur["client_name"], "Kaveri Bakeries");
    assert_eq!(cur["currency"], "EUR");
    assert_eq!(cur["out_requests"], 3);
    assert_eq!(cur["out_minutes"], 90 + 45 + 20);
    assert_eq!(
        (
            cur["billed_orders"].as_i64(),
            cur["billed_estimate_minutes"].as_i64()
        ),
        (Some(1), Some(390))
    );
    assert_eq!(cur["billed_minor"], 97_500);
    assert_eq!(cur["billed_minutes"], 90);
    assert_eq!(
        (
            cur["absorbed_overrides"].as_i64(),
            cur["absorbed_minutes"].as_i64()
        ),
        (Some(1), Some(45))
    );
    assert_eq!(cur["absorbed_minor"], 11_250, "45 min at 150.00 EUR");
    assert_eq!(cur["pending_minutes"], 20);
    let total = &rep["totals"][0];
    assert!(total["period_start"].is_null());
    assert_eq!(
        (
            total["out_minutes"].as_i64(),
            total["absorbed_minutes"].as_i64(),
            total["absorbed_minor"].as_i64()
        ),
        (Some(185), Some(75), Some(18_750))
    );

    // CSV: the same rows, with the documented header.
    let csv_res = app
        .http
        .get(format!(
            "{}/api/v1/scope/report?engagement_id={eid}&from={last_month}&to={today}",
            app.base
        ))
        .bearer_auth(&f.agent)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv_res.status().as_u16(), 200);
    assert!(
        csv_res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv_res.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], rapport_core::scope::report::CSV_HEADER);
    assert_eq!(lines.len(), 3);
    let header: Vec<&str> = lines[0].split(',').collect();
    let cells: Vec<&str> = lines[2].split(',').collect();
    let col = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("period_start"), today.first_of_month().to_string());
    assert_eq!(col("engagement_id"), eid.to_string());
    assert_eq!(col("client_name"), "Kaveri Bakeries");
    for (name, want) in [
        ("out_requests", 3),
        ("out_minutes", 155),
        ("billed_orders", 1),
        ("billed_estimate_minutes", 390),
        ("billed_minor", 97_500),
        ("billed_minutes", 90),
        ("absorbed_overrides", 1),
        ("absorbed_minutes", 45),
        ("absorbed_minor", 11_250),
        ("pending_minutes", 20),
    ] {
        assert_eq!(col(name), want.to_string(), "{name}");
    }
    let by_param = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/scope/report?format=csv&engagement_id={eid}&from={last_month}&to={today}"
            ),
            Some(&f.agent),
            None,
        )
        .await;
    assert_eq!(by_param.status, 200);
    assert!(
        by_param.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );

    // Week buckets, other clients, bad parameters.
    let weeks = app
        .get(
            &format!(
                "/api/v1/scope/report?client_id={client}&from={today}&to={today}&interval=week"
            ),
            &f.agent,
        )
        .await
        .ok(200);
    let wrows = weeks["rows"].as_array().unwrap();
    assert_eq!(wrows.len(), 1);
    assert_eq!(wrows[0]["billed_minor"], 97_500);
    let other = app.client("Nobody Ltd").await;
    let none = app
        .get(&format!("/api/v1/scope/report?client_id={other}"), &f.agent)
        .await
        .ok(200);
    assert_eq!(none["rows"], json!([]));
    app.get("/api/v1/scope/report?interval=fortnight", &f.agent)
        .await
        .problem(400);
    app.get("/api/v1/scope/report?format=xml", &f.agent)
        .await
        .problem(400);
    let res = app
        .get(
            "/api/v1/scope/report?from=2026-02-01&to=2026-01-01",
            &f.agent,
        )
        .await
        .problem(422);
    assert_eq!(res.fields(), ["to"]);
    let res = app
        .get(
            "/api/v1/scope/report?from=1990-01-01&to=2026-01-01",
            &f.agent,
        )
        .await
        .problem(422);
    assert_eq!(res.fields(), ["from"]);
    portal(&app, &f.portal, Method::GET, "/api/v1/scope/report", None)
        .await
        .problem(403);
});

// Issue 15, item 6: every move that means the work was done waits for the change order, not
// only `in_progress`; once a manager went ahead, delivering needs no second override.
both!(
    delivering_waits_for_the_change_order_too,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let (client, eid) = (f.client, f.engagement);
        let ios = id(&request(
            &app,
            &f.agent,
            client,
            Some(eid),
            "Build the iPhone version of the driver app",
        )
        .await);
        let co = id(&app
            .post(
                "/api/v1/change-orders",
                &f.manager,
                json!({"engagement_id": eid, "request_ids": [ios], "title": "iPhone app",
                       "description": "Out of scope.", "estimate_minutes": 600}),
            )
            .await
            .ok(201));
        let path = format!("/api/v1/requests/{ios}/transition");
        for status in ["delivered", "in_progress"] {
            let before = app.snapshot().await;
            let res = app
                .post(&path, &f.agent, json!({"status": status}))
                .await
                .problem(409);
            let why = res.body["detail"].as_str().unwrap();
            assert!(
                why.contains(&format!("change order {co} (draft)")) && why.contains(status),
                "{why}"
            );
            assert_eq!(app.snapshot().await, before);
            app.post(
                &path,
                &f.agent,
                json!({"status": status, "override_reason": "They asked nicely"}),
            )
            .await
            .problem(403);
        }
        // Sent to the client and still unanswered: the same.
        app.post(
            &format!("/api/v1/change-orders/{co}/send"),
            &f.manager,
            json!({}),
        )
        .await
        .ok(200);
        app.post(&path, &f.agent, json!({"status": "delivered"}))
            .await
            .problem(409);
        let shown = app
            .get(&format!("/api/v1/requests/{ios}"), &app.owner)
            .await
            .ok(200);
        assert_ne!(shown["status"], "delivered");
        // Closing is not doing the work.
        let other = id(&request(
            &app,
            &f.agent,
            client,
            Some(eid),
            "Add driver timesheets and payroll export",
        )
        .await);
        app.post(
            "/api/v1/change-orders",
            &f.manager,
            json!({"engagement_id": eid, "request_ids": [other], "title": "Payroll",
                   "description": "Out of scope.", "estimate_minutes": 60}),
        )
        .await
        .ok(201);
        app.post(
            &format!("/api/v1/requests/{other}/transition"),
            &f.agent,
            json!({"status": "closed"}),
        )
        .await
        .ok(200);
        // A manager goes ahead; the work can then be delivered without a second override.
        app.post(
            &path,
            &f.manager,
            json!({"status": "delivered", "override_reason": "Goodwill"}),
        )
        .await
        .ok(200);
        app.post(&path, &f.agent, json!({"status": "in_progress"}))
            .await
            .ok(200);
        app.post(&path, &f.agent, json!({"status": "delivered"}))
            .await
            .ok(200);
    }
);

// A rule cannot do what needs a manager's override: its move to `delivered` is refused and
// audited as a failed rule, and nothing of it is left behind.
both!(
    rules_cannot_deliver_work_that_waits_for_a_change_order,
    |app: TestApp| async move {
        // Tuesday 10:00 in London: the canned reply has no quiet-hours finding.
        app.set_now("2030-03-05T10:00:00Z");
        let f = fixture(&app).await;
        let (client, eid) = (f.client, f.engagement);
        let ios = id(&request(
            &app,
            &f.agent,
            client,
            Some(eid),
            "Build the iPhone version of the driver app",
        )
        .await);
        app.post(
            "/api/v1/change-orders",
            &f.manager,
            json!({"engagement_id": eid, "request_ids": [ios], "title": "iPhone app",
                   "description": "Out of scope.", "estimate_minutes": 600}),
        )
        .await
        .ok(201);
        let done = id(&app
            .post(
                "/api/v1/canned-replies",
                &app.owner,
                json!({"name": "Done", "body": "Thank you, this is done.", "set_status": "delivered"}),
            )
            .await
            .ok(201));
        app.post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Deliver on triage", "event": "status_changed",
                   "conditions": {"status": ["triaged"]},
                   "actions": [{"type": "apply_canned_reply", "canned_reply_id": done}]}),
        )
        .await
        .ok(201);
        let messages = app.count("messages").await;
        app.post(
            &format!("/api/v1/requests/{ios}/transition"),
            &f.agent,
            json!({"status": "triaged"}),
        )
        .await
        .ok(200);
        app.run_jobs().await;
        let r = app
            .get(&format!("/api/v1/requests/{ios}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(r["status"], "triaged");
        assert_eq!(
            app.count("messages").await,
            messages,
            "the reply was rolled back"
        );
        let failed = audit(&app, "rule.fail").await;
        assert_eq!(failed.len(), 1, "{failed:?}");
        let why = failed[0]["details"]["error"].as_str().unwrap();
        assert!(
            why.contains("change order") && why.contains("delivered"),
            "{why}"
        );
    }
);
