use serde_json::json;

use crate::both;
use crate::support::TestApp;

fn in_hours(h: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(h)).to_string()
}

both!(the_promise_ledger, |app: TestApp| async move {
    let client = app.client("Halvorsen Analytics").await;
    let contact = app.contact(client, "ingrid@halvorsen.example", None).await;
    let p = app
        .post(
            "/api/v1/promises",
            &app.owner,
            json!({"client_id": client, "contact_id": contact, "kind": "proposal",
                   "description": "Proposal for the Finnish survey", "due_at": in_hours(24)}),
        )
        .await
        .ok(201);
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["status"], "open");

    let r = app
        .post(
            &format!("/api/v1/promises/{id}/renegotiate"),
            &app.owner,
            json!({"due_at": in_hours(72), "reason": "Waiting for their translator"}),
        )
        .await
        .ok(200);
    assert_eq!(r["status"], "renegotiated");
    assert_eq!(r["renegotiations"], 1);
    assert_eq!(r["history"].as_array().unwrap().len(), 1);
    assert_eq!(r["history"][0]["reason"], "Waiting for their translator");
    app.post(
        &format!("/api/v1/promises/{id}/renegotiate"),
        &app.owner,
        json!({"due_at": in_hours(72), "reason": ""}),
    )
    .await
    .problem(422);

    let kept = app
        .post(
            &format!("/api/v1/promises/{id}/keep"),
            &app.owner,
            json!({}),
        )
        .await
        .ok(200);
    assert_eq!(kept["status"], "kept");
    // The margin is counted in business minutes of the client's calendar, not on the wall clock.
    let calendar = rapport_core::calendar::CalendarSpec::office_hours("Europe/London")
        .compile()
        .unwrap();
    let instant = |v: &serde_json::Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let business =
        calendar.business_minutes_between(instant(&kept["kept_at"]), instant(&kept["due_at"]));
    assert!(business > 0, "72 hours always hold some business time");
    assert_eq!(kept["margin_minutes"], business);
    let again = app
        .post(
            &format!("/api/v1/promises/{id}/break"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
    assert_eq!(again.fields(), ["status"]);

    let late = app
        .post(
            "/api/v1/promises",
            &app.owner,
            json!({"client_id": client, "kind": "call", "due_at": in_hours(1)}),
        )
        .await
        .ok(201);
    let broken = app
        .post(
            &format!("/api/v1/promises/{}/break", late["id"]),
            &app.owner,
            json!({"reason": "Client unreachable"}),
        )
        .await
        .ok(200);
    assert_eq!(broken["status"], "broken");

    let list = app
        .get(
            &format!("/api/v1/promises?client_id={client}&status=kept"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let past = app
        .post(
            "/api/v1/promises",
            &app.owner,
            json!({"client_id": client, "kind": "reply", "due_at": "2020-01-01T00:00:00Z"}),
        )
        .await
        .problem(422);
    assert_eq!(past.fields(), ["due_at"]);
});
