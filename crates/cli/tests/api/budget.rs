//! Budget burn means what it says (issue 25, item 3): the budget burns on billable base work.
//! Work an approved change order pays for is billed on the change order, once, and never eats
//! the base budget; non-billable minutes are shown beside the burn, never in it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

/// A client with a portal contact and an engagement of 10 hours or 1,500.00 EUR at 150.00 EUR
/// an hour; (client, engagement).
async fn engagement(app: &TestApp) -> (i64, i64) {
    let client = app.client("Kaveri Bakeries").await;
    app.contact(client, "priya@kaveri.example", Some("portal password a"))
        .await;
    let e = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Driver app", "currency": "EUR",
                   "hourly_rate_minor": 15_000, "budget_minutes": 600, "budget_fee_minor": 150_000}),
        )
        .await
        .ok(201);
    (client, e["id"].as_i64().unwrap())
}

async fn request(app: &TestApp, client: i64, engagement: i64, title: &str) -> i64 {
    app.post(
        "/api/v1/requests",
        &app.owner,
        json!({"client_id": client, "engagement_id": engagement, "title": title}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn log(app: &TestApp, request: i64, minutes: i64, billable: bool) {
    app.post(
        "/api/v1/time-entries",
        &app.owner,
        json!({"request_id": request, "minutes": minutes, "billable": billable,
               "started_at": "2026-03-02T10:00:00Z", "note": "work"}),
    )
    .await
    .ok(201);
}

async fn burn(app: &TestApp, engagement: i64) -> Value {
    app.get(
        &format!("/api/v1/engagements/{engagement}/budget"),
        &app.owner,
    )
    .await
    .ok(200)["burn"]
        .clone()
}

async fn budget_alerts(app: &TestApp, engagement: i64) -> Vec<String> {
    app.get(
        &format!("/api/v1/alerts?subject_kind=engagement&subject_id={engagement}"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_string())
        .collect()
}

/// An out-of-scope request with a change order of `estimate` minutes, sent and approved by the
/// client in the portal; the change order's id.
async fn approved_change_order(app: &TestApp, engagement: i64, request: i64, estimate: i64) -> i64 {
    app.post(
        &format!("/api/v1/requests/{request}/scope"),
        &app.owner,
        json!({"verdict": "out", "reason": "iOS is not in the brief"}),
    )
    .await
    .ok(200);
    let co = app
        .post(
            "/api/v1/change-orders",
            &app.owner,
            json!({"engagement_id": engagement, "request_ids": [request], "title": "iPhone app",
                   "description": "Native iOS build", "estimate_minutes": estimate}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/change-orders/{co}/send"),
        &app.owner,
        json!({}),
    )
    .await
    .ok(200);
    let (cookie, csrf) = app
        .portal_session("priya@kaveri.example", "portal password a")
        .await;
    let res = app
        .with_cookie(
            Method::POST,
            &format!("/api/v1/change-orders/{co}/approve"),
            &cookie,
            Some(&csrf),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    co
}

async fn billing_lines(app: &TestApp, engagement: i64) -> Vec<Vec<String>> {
    let text = app
        .http
        .get(format!(
            "{}/api/v1/exports/billing.csv?engagement_id={engagement}",
            app.base
        ))
        .bearer_auth(&app.owner)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Every cell here is plain (no quotes or commas).
    text.split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

both!(
    change_order_work_is_billed_once_and_not_against_the_base_budget,
    |app: TestApp| async move {
        let (client, eid) = engagement(&app).await;
        let android = request(&app, client, eid, "Proof of delivery photos are blurry").await;
        let ios = request(
            &app,
            client,
            eid,
            "Build the iPhone version of the driver app",
        )
        .await;
        log(&app, android, 300, true).await;
        // Two hours on the iOS work while its change order is being agreed: base work so far.
        log(&app, ios, 120, true).await;
        let b = burn(&app, eid).await;
        assert_eq!(b["burn_minutes"], 420);
        assert_eq!(b["used_minutes_percent"], 70.0);

        // Lowers: once the client approves the change order, its request's time is the change
        // order's, and the base burn falls back to the Android work.
        approved_change_order(&app, eid, ios, 600).await;
        let b = burn(&app, eid).await;
        assert_eq!(
            (
                b["burn_minutes"].as_i64(),
                b["change_order_minutes"].as_i64(),
                b["spent_minutes"].as_i64()
            ),
            (Some(300), Some(120), Some(420)),
            "{b}"
        );
        assert_eq!(b["used_minutes_percent"], 50.0);
        assert_eq!(b["spent_fee_minor"], 75_000);

        // Ten more hours on the change order's work: 150 % of the base budget if it counted.
        log(&app, ios, 600, true).await;
        let b = burn(&app, eid).await;
        assert_eq!(b["burn_minutes"], 300, "{b}");
        assert_eq!(b["change_order_minutes"], 720);
        assert_eq!(b["used_minutes_percent"], 50.0);
        assert_eq!(b["used_fee_percent"], 50.0);
        assert_eq!(b["reached"], json!([]));
        assert!(budget_alerts(&app, eid).await.is_empty());

        // Raises: base work still burns the budget, to 80 % and its alert.
        log(&app, android, 180, true).await;
        let b = burn(&app, eid).await;
        assert_eq!(b["burn_minutes"], 480);
        assert_eq!(b["reached"], json!([80]));
        assert_eq!(budget_alerts(&app, eid).await, ["budget.80"]);

        // The export bills the change order once, at its price, and lists its request's time
        // for the record at 0; base time is billed at the rate.
        let lines = billing_lines(&app, eid).await;
        let of =
            |kind: &str| -> Vec<&Vec<String>> { lines.iter().filter(|l| l[0] == kind).collect() };
        let orders = of("change_order");
        assert_eq!(orders.len(), 1, "{lines:?}");
        assert_eq!(orders[0][8], "iPhone app");
        // 600 minutes at 150.00 EUR an hour.
        assert_eq!(
            &orders[0][9..],
            ["600", "true", "EUR", "15000", "150000", "1500.00"]
        );
        let co_time = of("change_order_time");
        assert_eq!(co_time.len(), 2, "{lines:?}");
        for l in &co_time {
            assert_eq!(l[6], ios.to_string());
            assert_eq!((l[10].as_str(), l[13].as_str()), ("false", "0"), "{l:?}");
        }
        let base = of("time");
        assert_eq!(base.len(), 2, "{lines:?}");
        assert!(
            base.iter()
                .all(|l| l[6] == android.to_string() && l[10] == "true")
        );
        let total: i64 = lines.iter().map(|l| l[13].parse::<i64>().unwrap()).sum();
        assert_eq!(
            total,
            150_000 + 120_000,
            "the change order's price and 480 base minutes, nothing twice"
        );
    }
);

both!(
    non_billable_minutes_do_not_burn_the_budget,
    |app: TestApp| async move {
        let (client, eid) = engagement(&app).await;
        let r = request(&app, client, eid, "Proof of delivery photos are blurry").await;
        // Nine hours of non-billable work: shown, but 0 % of the budget and no alert.
        log(&app, r, 540, false).await;
        let b = burn(&app, eid).await;
        assert_eq!(
            (
                b["burn_minutes"].as_i64(),
                b["non_billable_minutes"].as_i64()
            ),
            (Some(0), Some(540))
        );
        assert_eq!(b["used_minutes_percent"], 0.0);
        assert_eq!(b["used_fee_percent"], 0.0);
        assert!(budget_alerts(&app, eid).await.is_empty());
        // Eight billable hours reach 80 % of hours and fee together.
        log(&app, r, 480, true).await;
        let b = burn(&app, eid).await;
        assert_eq!(b["used_minutes_percent"], 80.0);
        assert_eq!(b["used_fee_percent"], 80.0);
        assert_eq!(budget_alerts(&app, eid).await, ["budget.80"]);
    }
);
