//! Consumption over time through HTTP: a limit's use counted from the engagement's in-scope
//! requests (and, for an hours cap, the time logged in the period, cut in the client's zone)
//! moves the verdict of the next request both ways.

use serde_json::{Value, json};

use crate::both;
use crate::setup_pages::{get, post, post_owned, sign_in};
use crate::support::{PASSWORD, TestApp};

fn brief() -> Value {
    json!({
        "text": "Strategy work and website upkeep for a bakery chain.",
        "items": [
            {"id": "workshops", "kind": "in", "text": "Three half-day strategy workshops with the leadership team"},
            {"id": "edits", "kind": "in", "text": "Up to 10 hours a month of website content edits"},
            {"id": "ads", "kind": "out", "text": "Paid advertising campaigns"}
        ]
    })
}

async fn engagement(app: &TestApp, client: i64) -> i64 {
    app.engagement_with_brief(client, "Strategy", "EUR", brief())
        .await
}

async fn request(app: &TestApp, client: i64, engagement: i64, title: &str, body: &str) -> Value {
    app.request_in(client, engagement, title, body).await
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn recheck(app: &TestApp, request: i64) -> Value {
    app.post(
        &format!("/api/v1/requests/{request}/scope/check"),
        &app.owner,
        json!({}),
    )
    .await
    .ok(200)["scope"]
        .clone()
}

async fn log(app: &TestApp, request: i64, minutes: i64, started_at: &str) {
    app.post(
        "/api/v1/time-entries",
        &app.owner,
        json!({"request_id": request, "minutes": minutes, "billable": true,
               "started_at": started_at, "note": "edits"}),
    )
    .await
    .ok(201);
}

both!(
    a_fourth_workshop_is_out_once_three_are_held,
    |app: TestApp| async move {
        app.set_now("2027-03-10T10:00:00Z");
        let client = app.client("Kaveri Bakeries").await;
        let e = engagement(&app, client).await;
        let (title, body) = (
            "Strategy workshop",
            "Can we book a strategy workshop with the leadership team?",
        );

        let mut held = Vec::new();
        for n in 0..3 {
            let r = request(&app, client, e, title, body).await;
            let s = &r["scope"];
            assert_eq!(s["verdict"], "in", "workshop {}: {s}", n + 1);
            assert_eq!(s["counts_against"], "workshops");
            assert_eq!(s["usage"]["used"], f64::from(n), "{s}");
            assert_eq!(s["usage"]["included"], 3);
            held.push(id(&r));
        }
        // A person's confirmation counts like the check's verdict.
        app.post(
            &format!("/api/v1/requests/{}/scope", held[0]),
            &app.owner,
            json!({"verdict": "in", "reason": "the kick-off workshop"}),
        )
        .await
        .ok(200);

        // The fourth does not say "fourth": the engagement's use says it.
        let fourth = request(
            &app,
            client,
            e,
            "Strategy workshop in April",
            "Could we have a strategy workshop with the leadership team in April?",
        )
        .await;
        let s = &fourth["scope"];
        assert_eq!(s["verdict"], "out", "{s}");
        assert_eq!(s["excess"]["item_id"], "workshops");
        assert_eq!(s["excess"]["extra"], 1.0);
        let used = format!(
            "3 of 3 half-day strategy workshops used: #{}, #{}, #{}",
            held[0], held[1], held[2]
        );
        let reason = s["reason"].as_str().unwrap();
        assert!(reason.contains(&used), "{reason}");
        assert_eq!(s["usage"]["requests"], json!(held));

        // One of the three was not a workshop after all: a person says so, and the fourth, checked
        // again, fits in the three (only requests before it count).
        app.post(
            &format!("/api/v1/requests/{}/scope", held[2]),
            &app.owner,
            json!({"verdict": "unclear", "reason": "a question about the agenda, not a workshop"}),
        )
        .await
        .ok(200);
        let s = recheck(&app, id(&fourth)).await;
        assert_eq!(s["verdict"], "in", "{s}");
        assert_eq!(s["usage"]["used"], 2.0);
        assert!(s["excess"].is_null());

        // Another engagement of the same client has its own three.
        let other = engagement(&app, client).await;
        let r = request(&app, client, other, title, body).await;
        assert_eq!(r["scope"]["verdict"], "in");
        assert_eq!(r["scope"]["usage"]["used"], 0.0);
    }
);

both!(
    an_hours_cap_counts_the_month_in_the_clients_zone_and_resets,
    |app: TestApp| async move {
        app.set_now("2027-03-10T10:00:00Z");
        // Auckland is 13 hours ahead of UTC in March (daylight time until 4 April).
        let client = app
            .post(
                "/api/v1/clients",
                &app.owner,
                json!({"name": "Kiwi Bakes", "calendar": {"tz": "Pacific/Auckland"}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let e = engagement(&app, client).await;
        let (title, body) = (
            "Website content edits",
            "Please make website content edits on the team page",
        );
        let first = request(&app, client, e, title, body).await;
        assert_eq!(first["scope"]["verdict"], "in", "{}", first["scope"]);
        assert_eq!(first["scope"]["counts_against"], "edits");
        log(&app, id(&first), 450, "2027-03-05T01:00:00Z").await;

        let second = request(
            &app,
            client,
            e,
            title,
            "Please make website content edits on the pricing page",
        )
        .await;
        let s = &second["scope"];
        assert_eq!(s["verdict"], "in", "7.5 of 10 hours used: {s}");
        assert_eq!(s["usage"]["used"], 7.5);
        log(&app, id(&second), 150, "2027-03-09T01:00:00Z").await;

        // The month's ten hours are used: the next edit is extra work.
        let third = request(
            &app,
            client,
            e,
            title,
            "Please make website content edits on the menu page",
        )
        .await;
        let s = &third["scope"];
        assert_eq!(s["verdict"], "out", "{s}");
        let reason = s["reason"].as_str().unwrap();
        assert!(
            reason.contains("10 of 10 hours used this month"),
            "{reason}"
        );
        // Asking for hours beyond what is left says how many are extra.
        let hours = request(
            &app,
            client,
            e,
            "Website content edits",
            "Please do 3 hours of website content edits on the blog",
        )
        .await;
        assert_eq!(hours["scope"]["excess"]["extra"], 3.0, "{}", hours["scope"]);
        // A change order drafted from it proposes the three extra hours, as its estimate too.
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let draft = get(
            &app,
            &format!(
                "/app/engagements/{e}/change-orders/new?request={}",
                id(&hours)
            ),
            &owner,
        )
        .await;
        assert!(
            draft
                .body
                .contains("3 hours over the 10 included per month"),
            "{}",
            draft.body
        );
        let estimate = &draft.body[draft.body.find("id=\"co-estimate\"").unwrap()..];
        let estimate = &estimate[..estimate.find('>').unwrap()];
        assert!(estimate.contains("value=\"3\""), "{estimate}");

        // 1 April 01:00 UTC is already April in Auckland: the cap starts again, and time logged at
        // 31 March 13:00 UTC (2 a.m. on 1 April there) counts in April, not in March.
        app.set_now("2027-04-01T01:00:00Z");
        let s = recheck(&app, id(&third)).await;
        assert_eq!(s["verdict"], "in", "a new month: {s}");
        assert_eq!(s["usage"]["used"], 0.0);
        log(&app, id(&third), 600, "2027-03-31T13:00:00Z").await;
        let fifth = request(
            &app,
            client,
            e,
            title,
            "Please make website content edits on the careers page",
        )
        .await;
        let s = &fifth["scope"];
        assert_eq!(s["verdict"], "out", "{s}");
        assert_eq!(s["usage"]["requests"], json!([id(&third)]));
        let stored = app
            .get(&format!("/api/v1/requests/{}", id(&fifth)), &app.owner)
            .await
            .ok(200);
        assert_eq!(stored["scope"], fifth["scope"], "stored as answered");
    }
);

both!(
    limits_their_use_and_the_extra_quantity_show_on_the_pages,
    |app: TestApp| async move {
        app.set_now("2027-03-10T10:00:00Z");
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let client = app.client("Kaveri Bakeries").await;
        let e = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Strategy", "currency": "EUR",
                   "hourly_rate_minor": 9550, "brief": brief()}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let mut held = Vec::new();
        for _ in 0..2 {
            let r = request(
                &app,
                client,
                e,
                "Strategy workshop",
                "Can we book a strategy workshop with the leadership team?",
            )
            .await;
            held.push(id(&r));
        }
        let page = get(&app, &format!("/app/engagements/{e}"), &owner).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Limits and their use"), "{}", page.body);
        assert!(
            page.body
                .contains("2 of 3 half-day strategy workshops used"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(&format!("href=\"/app/requests/{}\"", held[1]))
        );
        assert!(
            page.body.contains("0 of 10 hours used this month"),
            "{}",
            page.body
        );

        let third = request(
            &app,
            client,
            e,
            "Strategy workshop",
            "Can we book a strategy workshop with the leadership team?",
        )
        .await;
        held.push(id(&third));
        let fourth = request(
            &app,
            client,
            e,
            "Strategy workshop in April",
            "Could we have a strategy workshop with the leadership team in April?",
        )
        .await;
        assert_eq!(fourth["scope"]["verdict"], "out", "{}", fourth["scope"]);
        let page = get(&app, &format!("/app/requests/{}", id(&fourth)), &owner).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let used = format!(
            "3 of 3 half-day strategy workshops used: #{}, #{}, #{}",
            held[0], held[1], held[2]
        );
        assert!(page.body.contains(&used), "{}", page.body);
        assert!(
            page.body
                .contains("1 half-day strategy workshop over the 3 included"),
            "{}",
            page.body
        );
        // The evidence is written out in sentences, not as the stored JSON.
        assert!(
            page.body
                .contains("Included item workshops shares the words"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("\"item_id\""), "{}", page.body);

        // The change order drafted from it proposes the extra workshop, priced estimate x rate.
        let path = format!("/app/engagements/{e}/change-orders/new");
        let draft = get(&app, &format!("{path}?request={}", id(&fourth)), &owner).await;
        assert_eq!(draft.status, 200, "{}", draft.body);
        let line = "Strategy workshop in April: 1 half-day strategy workshop over the 3 included \
                (item workshops: 3 half-day strategy workshops).";
        assert!(draft.body.contains(line), "{}", draft.body);
        let form = |intent: &str| {
            vec![
                ("csrf", draft.csrf()),
                ("intent", intent.to_string()),
                ("requests", id(&fourth).to_string()),
                ("title", "A fourth workshop".to_string()),
                ("description", line.to_string()),
                ("estimate_hours", "4".to_string()),
            ]
        };
        let priced = post_owned(&app, &path, &owner, form("price")).await;
        assert!(
            priced.body.contains("382.00"),
            "4 h x 95.50: {}",
            priced.body
        );
        let saved = post_owned(&app, &path, &owner, form("save")).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let co = app
            .get(
                &format!("/api/v1{}", saved.location.strip_prefix("/app").unwrap()),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(co["description"], line);
        assert_eq!(co["price_minor"], 38200);

        // The engagement form reads the limits from the items as they are typed.
        let preview = post(
            &app,
            "/app/engagements/scope-preview",
            &owner,
            &[
                ("csrf", &draft.csrf()),
                ("name", "Draft"),
                (
                    "in_items",
                    "Two customer interviews a month\nUp to 10 hours a month of edits",
                ),
                ("out_items", ""),
                ("sample", ""),
            ],
        )
        .await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(
            preview.body.contains("2 customer interviews per month"),
            "{}",
            preview.body
        );
        assert!(
            preview.body.contains("10 hours per month"),
            "{}",
            preview.body
        );
    }
);
