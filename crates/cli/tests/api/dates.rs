//! Suggested dates and capacity mean what they say (issue 25, item 8): a suggested date is one
//! the member can keep, on a working day and hour of both the member and the client, behind the
//! deliveries the member has already promised; members keep holidays, and capacity over them
//! shrinks.

use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

async fn member(app: &TestApp, email: &str, tz: &str) -> i64 {
    app.post(
        "/api/v1/members",
        &app.owner,
        json!({"email": email, "name": email.split('@').next().unwrap(), "role": "agent", "tz": tz}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn client(app: &TestApp, name: &str, calendar: Value) -> i64 {
    app.post(
        "/api/v1/clients",
        &app.owner,
        json!({"name": name, "calendar": calendar}),
    )
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

async fn suggest(app: &TestApp, body: Value) -> Value {
    app.post("/api/v1/promises/suggest", &app.owner, body)
        .await
        .ok(200)
}

async fn capacity(app: &TestApp, member: i64, from: &str, weeks: u32) -> Vec<i64> {
    app.get(
        &format!("/api/v1/members/{member}/capacity?weeks={weeks}&from={from}"),
        &app.owner,
    )
    .await
    .ok(200)["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["capacity_minutes"].as_i64().unwrap())
        .collect()
}

both!(
    suggested_dates_and_capacity_keep_holidays,
    |app: TestApp| async move {
        app.set_now("2026-12-24T09:00:00Z"); // Thursday, Christmas Eve, London on GMT
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let gb = client(
            &app,
            "Thames Water Analytics",
            json!({"tz": "Europe/London", "hours": ["mon-fri 09:00-17:30"], "countries": ["GB"]}),
        )
        .await;
        let r = request(
            &app,
            json!({"client_id": gb, "title": "Year-end extract", "assignee_id": ada, "estimate_minutes": 600}),
        )
        .await;
        // Ada keeps no holidays yet: done on the 25th at 11:00, but the client is away until
        // the 29th (Christmas, the weekend, Boxing Day observed on the 28th).
        let s = suggest(&app, json!({"request_id": r, "margin_percent": 0})).await;
        assert_eq!(s["earliest"], "2026-12-25T11:00:00Z");
        assert_eq!(s["suggested"], "2026-12-29T09:00:00Z");
        assert_eq!(capacity(&app, ada, "2026-12-21", 2).await, [2400, 2400]);

        // Her holidays: the work itself moves past them, and the weeks hold less capacity.
        let m = app
            .patch(
                &format!("/api/v1/members/{ada}"),
                &app.owner,
                json!({"holiday_countries": ["gb"], "holidays": ["2026-12-31", "2026-12-30", "2026-12-29"]}),
            )
            .await
            .ok(200);
        assert_eq!(m["holiday_countries"], json!(["GB"]));
        assert_eq!(
            m["holidays"],
            json!(["2026-12-29", "2026-12-30", "2026-12-31"])
        );
        let s = suggest(&app, json!({"request_id": r, "margin_percent": 0})).await;
        // Eight hours on the 24th, then nothing until 4 January: two hours into it.
        assert_eq!(s["earliest"], "2027-01-04T11:00:00Z");
        assert_eq!(s["suggested"], "2027-01-04T11:00:00Z");
        // Christmas week loses the 25th; the next loses all five days (the 28th and New
        // Year's Day from GB, the rest her own).
        assert_eq!(capacity(&app, ada, "2026-12-21", 2).await, [1920, 0]);

        // Taking the dates back gives the capacity back.
        app.patch(
            &format!("/api/v1/members/{ada}"),
            &app.owner,
            json!({"holidays": []}),
        )
        .await
        .ok(200);
        assert_eq!(capacity(&app, ada, "2026-12-21", 2).await, [1920, 1440]);

        // Bad holidays are named field by field, and nothing changes.
        let bad = app
            .patch(
                &format!("/api/v1/members/{ada}"),
                &app.owner,
                json!({"holidays": ["2026-02-30"], "holiday_countries": ["XX"]}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["holidays", "holiday_countries"]);
        let m = app
            .get(&format!("/api/v1/members/{ada}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(m["holiday_countries"], json!(["GB"]));
    }
);

both!(
    a_suggested_date_is_a_working_hour_of_the_client,
    |app: TestApp| async move {
        app.set_now("2026-03-02T15:00:00Z"); // Monday, 09:00 in Chicago, 20:30 in Kolkata
        let sam = member(&app, "sam@acme.example", "America/Chicago").await;
        let kaveri = client(
            &app,
            "Kaveri Foods",
            json!({"tz": "Asia/Kolkata", "hours": ["mon-fri 09:30-18:00"], "countries": ["IN"]}),
        )
        .await;
        // Without a client, the date is when Sam is done: 10:40 in Chicago, 22:10 in Kolkata.
        let alone = suggest(
            &app,
            json!({"assignee_id": sam, "estimate_minutes": 100, "margin_percent": 0}),
        )
        .await;
        assert_eq!(alone["suggested"], "2026-03-02T16:40:00Z");
        let r = request(
            &app,
            json!({"client_id": kaveri, "title": "Depot extract", "assignee_id": sam, "estimate_minutes": 100}),
        )
        .await;
        // For Kaveri's request: their next opening after that, 09:30 on Tuesday in Kolkata.
        let s = suggest(&app, json!({"request_id": r, "margin_percent": 0})).await;
        assert_eq!(s["earliest"], "2026-03-02T16:40:00Z");
        assert_eq!(s["suggested"], "2026-03-03T04:00:00Z");
        // A delivery promised for 22:10 Kolkata time is realistic, so made without a warning.
        let p = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": r, "kind": "delivery", "due_at": "2026-03-02T16:40:00Z"}),
            )
            .await
            .ok(201);
        assert_eq!(p["warnings"], json!([]));

        // A client who keeps the evening too gets the date the work is done.
        app.patch(
            &format!("/api/v1/clients/{kaveri}"),
            &app.owner,
            json!({"calendar": {"tz": "Asia/Kolkata", "hours": ["mon-fri 09:30-23:00"], "countries": ["IN"]}}),
        )
        .await
        .ok(200);
        let s = suggest(&app, json!({"request_id": r, "margin_percent": 0})).await;
        assert_eq!(s["suggested"], "2026-03-02T16:40:00Z");
    }
);

both!(
    promised_deliveries_go_ahead_of_new_work,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z"); // Monday, opening time in London
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let c = app.client("Koala Coast Retail").await;
        let low = request(
            &app,
            json!({"client_id": c, "title": "Tidy old banners", "assignee_id": ada,
                   "estimate_minutes": 960, "priority": "low"}),
        )
        .await;
        let new_work = json!({"assignee_id": ada, "estimate_minutes": 240, "margin_percent": 0});
        let s = suggest(&app, new_work.clone()).await;
        assert_eq!(s["work_ahead_minutes"], 0, "low-priority work waits");
        assert_eq!(s["earliest"], "2027-03-01T13:00:00Z");

        // Raises: once its delivery is promised, the low-priority work goes first.
        let p = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": low, "kind": "delivery", "due_at": "2027-03-05T17:00:00Z"}),
            )
            .await
            .ok(201);
        let s = suggest(&app, new_work.clone()).await;
        assert_eq!(
            (s["work_ahead_minutes"].as_i64(), s["items_ahead"].as_i64()),
            (Some(960), Some(1))
        );
        assert_eq!(
            s["earliest"], "2027-03-03T13:00:00Z",
            "1200 minutes of work"
        );
        // An urgent job too: a promise made is not broken for it.
        let mut urgent = new_work.clone();
        urgent["priority"] = json!("urgent");
        assert_eq!(suggest(&app, urgent).await["work_ahead_minutes"], 960);

        // Lowers: a kept promise no longer holds the queue.
        app.post(
            &format!("/api/v1/promises/{}/keep", p["id"]),
            &app.owner,
            json!({}),
        )
        .await
        .ok(200);
        let s = suggest(&app, new_work).await;
        assert_eq!(s["work_ahead_minutes"], 0);
    }
);
