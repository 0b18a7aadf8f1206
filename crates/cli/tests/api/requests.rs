use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

both!(request_life_and_filters, |app: TestApp| async move {
    let kaveri = app.client("Kaveri Foods").await;
    let halvorsen = app.client("Halvorsen Analytics").await;
    let me = app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap();
    let a = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": kaveri, "title": "Brinjal volumes doubled", "kind": "bug", "priority": "high",
                   "tags": ["Dashboards", "data-quality"], "estimate_minutes": 90,
                   "due_at": "2020-01-01T00:00:00Z"}),
        )
        .await
        .ok(201);
    assert_eq!(a["status"], "new");
    assert_eq!(a["ref"], a["id"].to_string());
    assert_eq!(a["tags"], json!(["dashboards", "data-quality"]));
    assert_eq!(a["channel"], "api");
    let a_id = a["id"].as_i64().unwrap();
    let b = app.request(halvorsen, "Q2 dataset export").await;
    let b_id = b["id"].as_i64().unwrap();

    // Filters.
    let by_client = app
        .get(&format!("/api/v1/requests?client_id={kaveri}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&by_client), [a_id]);
    let by_tag = app
        .get("/api/v1/requests?tag=dashboards", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&by_tag), [a_id]);
    let by_kind = app
        .get("/api/v1/requests?kind=bug", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&by_kind), [a_id]);
    let overdue = app
        .get("/api/v1/requests?overdue=true", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&overdue), [a_id]);
    let not_overdue = app
        .get("/api/v1/requests?overdue=false", &app.owner)
        .await
        .ok(200);
    assert_eq!(
        ids(&not_overdue),
        [b_id],
        "undated requests are not overdue"
    );
    let unassigned = app
        .get("/api/v1/requests?assignee=none&sort=created", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&unassigned), [a_id, b_id]);

    // Assignment and the status machine.
    let r = app
        .post(
            &format!("/api/v1/requests/{a_id}/assign"),
            &app.owner,
            json!({"assignee_id": me}),
        )
        .await
        .ok(200);
    assert_eq!(r["assignee_id"], me);
    let mine = app
        .get("/api/v1/requests?assignee=me", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&mine), [a_id]);
    for to in [
        "triaged",
        "in_progress",
        "waiting_on_client",
        "in_progress",
        "delivered",
    ] {
        let r = app
            .post(
                &format!("/api/v1/requests/{a_id}/transition"),
                &app.owner,
                json!({"status": to, "reason": "test"}),
            )
            .await
            .ok(200);
        assert_eq!(r["status"], to);
    }
    let r = app
        .get(&format!("/api/v1/requests/{a_id}"), &app.owner)
        .await
        .ok(200);
    assert!(r["delivered_at"].is_string());
    let overdue = app
        .get("/api/v1/requests?overdue=true", &app.owner)
        .await
        .ok(200);
    assert!(ids(&overdue).is_empty(), "delivered work is not overdue");
    let illegal = app
        .post(
            &format!("/api/v1/requests/{a_id}/transition"),
            &app.owner,
            json!({"status": "waiting_on_client"}),
        )
        .await
        .problem(409);
    assert_eq!(illegal.fields(), ["status"]);
    let multi = app
        .get(
            "/api/v1/requests?status=new,delivered&sort=created",
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(ids(&multi), [a_id, b_id]);
    app.get("/api/v1/requests?status=done", &app.owner)
        .await
        .problem(400);

    // Editing keeps the search index and tags in step.
    let p = app
        .patch(
            &format!("/api/v1/requests/{b_id}"),
            &app.owner,
            json!({"tags": ["extract"], "estimate_minutes": null}),
        )
        .await
        .ok(200);
    assert_eq!(p["tags"], json!(["extract"]));
    let by_tag = app
        .get("/api/v1/requests?tag=extract", &app.owner)
        .await
        .ok(200);
    assert_eq!(ids(&by_tag), [b_id]);
});

both!(quick_lane_finishes_in_one_step, |app: TestApp| async move {
    let client = app.client("Koala Coast Retail").await;
    let contact = app.contact(client, "liam@koalacoast.example", None).await;
    let before_time = app.count("time_entries").await;
    let q = app
        .post(
            "/api/v1/requests/quick",
            &app.owner,
            json!({"client_id": client, "contact_id": contact, "title": "Swap hero image on autumn page",
                   "minutes": 5, "reply": "Done: the new image is live."}),
        )
        .await
        .ok(201);
    assert_eq!(q["request"]["status"], "delivered");
    assert_eq!(q["request"]["quick"], true);
    assert_eq!(q["request"]["spent_minutes"], 5);
    assert!(q["request"]["first_response_at"].is_string());
    assert_eq!(q["time_entry"]["minutes"], 5);
    assert_eq!(q["message"]["direction"], "outbound");
    assert_eq!(q["message"]["send_status"], "queued");
    assert_eq!(app.count("time_entries").await, before_time + 1);
    let quick = app
        .get("/api/v1/requests?quick=true", &app.owner)
        .await
        .ok(200);
    assert_eq!(quick["items"].as_array().unwrap().len(), 1);
    // Half-valid quick requests write nothing.
    let before = app.snapshot().await;
    app.post(
        "/api/v1/requests/quick",
        &app.owner,
        json!({"client_id": client, "title": "x", "minutes": 0}),
    )
    .await
    .problem(422);
    app.post(
        "/api/v1/requests/quick",
        &app.owner,
        json!({"client_id": 999999, "title": "x", "minutes": 3}),
    )
    .await
    .problem(422);
    assert_eq!(app.snapshot().await, before);
});

both!(
    threads_and_automatic_promise_keeping,
    |app: TestApp| async move {
        let client = app.client("Brightwater Legal LLP").await;
        let r = app.request(client, "Upload fails for big PDFs").await;
        let id = r["id"].as_i64().unwrap();
        let due = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
        let reply_promise = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": id, "kind": "reply", "due_at": due}),
            )
            .await
            .ok(201);
        let delivery_promise = app
            .post(
                "/api/v1/promises",
                &app.owner,
                json!({"request_id": id, "kind": "delivery", "due_at": due}),
            )
            .await
            .ok(201);
        app.post(
            &format!("/api/v1/requests/{id}/messages"),
            &app.owner,
            json!({"body": "Check the proxy limit"}),
        )
        .await
        .ok(201);
        let still_open = app
            .get(
                &format!("/api/v1/promises/{}", reply_promise["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(still_open["status"], "open", "a note is not a reply");
        let reply = app
            .post(
                &format!("/api/v1/requests/{id}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": "We are on it."}),
            )
            .await
            .ok(201);
        assert_eq!(reply["send_status"], "queued");
        let kept = app
            .get(
                &format!("/api/v1/promises/{}", reply_promise["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(kept["status"], "kept");
        // Kept early by the business minutes of the client's calendar left before the due date.
        let calendar = rapport_core::calendar::CalendarSpec::office_hours("Europe/London")
            .compile()
            .unwrap();
        let instant =
            |v: &serde_json::Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            kept["margin_minutes"],
            calendar.business_minutes_between(instant(&kept["kept_at"]), instant(&kept["due_at"]))
        );
        let open = app
            .get(
                &format!("/api/v1/promises/{}", delivery_promise["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(open["status"], "open", "a reply does not deliver the work");
        app.post(
            &format!("/api/v1/requests/{id}/transition"),
            &app.owner,
            json!({"status": "delivered"}),
        )
        .await
        .ok(200);
        let kept = app
            .get(
                &format!("/api/v1/promises/{}", delivery_promise["id"]),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(kept["status"], "kept");

        let thread = app
            .get(&format!("/api/v1/requests/{id}/messages"), &app.owner)
            .await
            .ok(200);
        let dirs: Vec<_> = thread["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["direction"].as_str().unwrap())
            .collect();
        assert_eq!(dirs, ["note", "outbound"]);
        let r = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert!(r["first_response_at"].is_string());
    }
);

both!(time_entries_feed_the_request, |app: TestApp| async move {
    let client = app.client("Sakura Robotics").await;
    let r = app.request(client, "October utilisation report").await;
    let id = r["id"].as_i64().unwrap();
    let t = app
        .post(
            "/api/v1/time-entries",
            &app.owner,
            json!({"request_id": id, "minutes": 45, "note": "cleaning"}),
        )
        .await
        .ok(201);
    assert_eq!(t["client_id"], client);
    app.post(
        "/api/v1/time-entries",
        &app.owner,
        json!({"request_id": id, "minutes": 30, "billable": false}),
    )
    .await
    .ok(201);
    let r = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["spent_minutes"], 75);
    let list = app
        .get(&format!("/api/v1/time-entries?request_id={id}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let agent = app
        .member_token("agent@acme.example", rapport_core::access::Role::Agent)
        .await;
    let owner_id = app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"].clone();
    app.post(
        "/api/v1/time-entries",
        &agent,
        json!({"minutes": 10, "member_id": owner_id}),
    )
    .await
    .problem(403);
});

both!(bulk_tags_sent_at_once_all_land, |app: TestApp| async move {
    let client = app.client("Kaveri Foods").await;
    let req = app.request(client, "Label the cold-store data").await;
    let id = req["id"].as_i64().unwrap();
    // Eight bulk tag changes on one request at the same moment: each is applied to the tags
    // as they stand inside its own write, so none overwrites another.
    let tags: Vec<String> = (0..8).map(|i| format!("batch-{i}")).collect();
    let mut sends = tokio::task::JoinSet::new();
    for tag in &tags {
        let req = app
            .http
            .post(format!("{}/api/v1/requests/bulk", app.base))
            .bearer_auth(&app.owner)
            .json(&json!({"request_ids": [id], "action": {"kind": "tag", "tag": tag}}));
        sends.spawn(async move {
            let res = req.send().await.expect("sent");
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        });
    }
    while let Some(done) = sends.join_next().await {
        let (status, out) = done.unwrap();
        assert_eq!((status, &out["changed"]), (200, &json!([id])), "{out}");
    }
    let got = app
        .get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200);
    let have: Vec<&str> = got["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(have, tags, "{got}");
});
