//! Bad input: every case answers 4xx problem+json naming the field, and writes nothing.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::support::TestApp;

both!(
    bad_input_is_named_and_writes_nothing,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let request = app.request(client, "A request").await;
        let rid = request["id"].as_i64().unwrap();
        let before = app.snapshot().await;
        let t = app.owner.clone();

        // Malformed JSON and trailing garbage.
        app.raw(
            Method::POST,
            "/api/v1/clients",
            &t,
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await
        .problem(400);
        app.raw(
            Method::POST,
            "/api/v1/clients",
            &t,
            "application/json",
            b"{} {}".to_vec(),
        )
        .await
        .problem(400);
        // Not JSON at all.
        app.raw(
            Method::POST,
            "/api/v1/clients",
            &t,
            "text/plain",
            b"name=x".to_vec(),
        )
        .await
        .problem(415);
        // Unknown fields, wrong types, missing fields.
        let r = app
            .post(
                "/api/v1/clients",
                &t,
                json!({"name": "X", "calendar": {"tz": "UTC"}, "colour": "red"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["colour"]);
        let r = app
            .post(
                "/api/v1/clients",
                &t,
                json!({"name": "X", "calendar": {"tz": "UTC", "hourz": []}}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["calendar.hourz"]);
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": "seven", "title": "x"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["client_id"]);
        let r = app
            .post("/api/v1/requests", &t, json!({"client_id": client}))
            .await
            .problem(422);
        assert_eq!(r.fields(), ["title"]);
        // Empty and over-long strings.
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": client, "title": "   "}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["title"]);
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": client, "title": "x".repeat(301)}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["title"]);
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("300")
        );
        // Emails, zones, calendars, money, estimates.
        let r = app
            .post(
                "/api/v1/contacts",
                &t,
                json!({"client_id": client, "name": "A", "email": "not-an-email"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["email"]);
        let r = app
            .post(
                "/api/v1/clients",
                &t,
                json!({"name": "Y", "calendar": {"tz": "Europe/Atlantis"}}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["calendar.tz"]);
        let r = app
            .post(
                "/api/v1/clients",
                &t,
                json!({"name": "Y", "calendar": {"tz": "UTC", "hours": ["mon-fri 9-5"]}}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["calendar.hours"]);
        let r = app
        .post("/api/v1/engagements", &t, json!({"client_id": client, "name": "E", "currency": "EUR", "hourly_rate_minor": -100}))
        .await
        .problem(422);
        assert_eq!(r.fields(), ["hourly_rate_minor"]);
        let r = app
            .post(
                "/api/v1/engagements",
                &t,
                json!({"client_id": client, "name": "E", "currency": "DOGE"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["currency"]);
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": client, "title": "x", "estimate_minutes": -5}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["estimate_minutes"]);
        let r = app
            .patch(
                &format!("/api/v1/requests/{rid}"),
                &t,
                json!({"estimate_minutes": -1}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["estimate_minutes"]);
        // References that do not exist.
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": 987654, "title": "x"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["client_id"]);
        let r = app
            .post(
                "/api/v1/requests",
                &t,
                json!({"client_id": client, "title": "x", "assignee_id": 987654}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["assignee_id"]);
        // An illegal transition.
        app.post(
            &format!("/api/v1/requests/{rid}/transition"),
            &t,
            json!({"status": "new"}),
        )
        .await
        .problem(409);
        // Duplicates.
        let r = app
            .post(
                "/api/v1/clients",
                &t,
                json!({"name": "Kaveri Foods", "calendar": {"tz": "UTC"}}),
            )
            .await
            .problem(409);
        assert_eq!(r.fields(), ["name"]);

        assert_eq!(
            app.snapshot().await,
            before,
            "nothing may be written by bad input"
        );
        let r = app
            .get(&format!("/api/v1/requests/{rid}"), &t)
            .await
            .ok(200);
        assert_eq!(r["status"], "new");
    }
);

both!(
    foreign_org_references_are_refused,
    |app: TestApp| async move {
        let ours = app.client("Ours").await;
        // A second firm on the same server.
        let (_, theirs) = app.other_firm().await;
        let their_client = app
            .post(
                "/api/v1/clients",
                &theirs,
                json!({"name": "Theirs", "calendar": {"tz": "UTC"}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let ours_member = app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();
        let before = app.snapshot().await;
        let r = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": their_client, "title": "x"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["client_id"]);
        let r = app
            .post(
                "/api/v1/contacts",
                &app.owner,
                json!({"client_id": their_client, "name": "x", "email": "x@y.example"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["client_id"]);
        let r = app
            .post(
                "/api/v1/requests",
                &theirs,
                json!({"client_id": their_client, "title": "x", "assignee_id": ours_member}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["assignee_id"]);
        app.get(&format!("/api/v1/clients/{ours}"), &theirs)
            .await
            .problem(404);
        app.patch(
            &format!("/api/v1/clients/{ours}"),
            &theirs,
            json!({"notes": "mine now"}),
        )
        .await
        .problem(404);
        assert_eq!(app.snapshot().await, before);
        let listing = app.get("/api/v1/clients", &theirs).await.ok(200);
        assert_eq!(
            listing["items"].as_array().unwrap().len(),
            1,
            "they see only their own client"
        );
    }
);

both!(oversized_bodies_are_refused, |app: TestApp| async move {
    let client = app.client("Big").await;
    let before = app.snapshot().await;
    let huge = format!(
        r#"{{"client_id": {client}, "title": "x", "body": "{}"}}"#,
        "a".repeat(6 * 1024 * 1024)
    );
    app.raw(
        Method::POST,
        "/api/v1/requests",
        &app.owner,
        "application/json",
        huge.into_bytes(),
    )
    .await
    .problem(413);
    // A megabyte body within the limit is accepted (pasted specs happen).
    let big = "b".repeat(900_000);
    app.post(
        "/api/v1/requests",
        &app.owner,
        json!({"client_id": client, "title": "Spec", "body": big}),
    )
    .await
    .ok(201);
    assert_eq!(app.count("requests").await, before[4] + 1);
});
