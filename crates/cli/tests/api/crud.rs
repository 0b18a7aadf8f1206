use serde_json::json;

use crate::both;
use crate::support::TestApp;

both!(
    clients_contacts_engagements_round_trip,
    |app: TestApp| async move {
        let c = app
        .post(
            "/api/v1/clients",
            &app.owner,
            json!({
                "name": "Kaveri Foods",
                "locale": "en-IN",
                "calendar": {"tz": "Asia/Kolkata", "hours": ["mon-fri 09:30-18:00"], "countries": ["IN"]},
                "etiquette": {"tone": "formal", "avoid": ["Dear Sir/Madam"],
                              "glossary": [{"ours": "okra", "theirs": "ladies' fingers"}]}
            }),
        )
        .await
        .ok(201);
        let id = c["id"].as_i64().unwrap();
        assert_eq!(c["calendar"]["tz"], "Asia/Kolkata");
        assert_eq!(c["etiquette"]["glossary"][0]["theirs"], "ladies' fingers");

        let got = app
            .get(&format!("/api/v1/clients/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got, c);

        let patched = app
            .patch(
                &format!("/api/v1/clients/{id}"),
                &app.owner,
                json!({"notes": "Prefers calls on Tuesdays"}),
            )
            .await
            .ok(200);
        assert_eq!(patched["notes"], "Prefers calls on Tuesdays");
        assert_eq!(patched["name"], "Kaveri Foods");

        // The change is audited with what changed.
        let audit = app
            .get(
                &format!("/api/v1/audit?target_kind=client&target_id={id}"),
                &app.owner,
            )
            .await
            .ok(200);
        let actions: Vec<_> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["client.update", "client.create"]);
        assert_eq!(
            audit["items"][0]["details"]["notes"]["to"],
            "Prefers calls on Tuesdays"
        );

        let contact = app
        .post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": id, "name": "Priya Mehta", "email": "Priya.Mehta@Kaveri.example",
                   "etiquette": {"preferred_name": "Dr Mehta", "avoid": ["ma'am"]}}),
        )
        .await
        .ok(201);
        assert_eq!(contact["email"], "priya.mehta@kaveri.example");
        assert_eq!(contact["portal_enabled"], false);
        let list = app
            .get(&format!("/api/v1/contacts?client_id={id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);

        let e = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": id, "name": "Dashboards 2026", "currency": "INR", "hourly_rate_minor": 650000,
                   "budget_minutes": 19200,
                   "brief": {"text": "Weekly dashboards", "items": [
                       {"id": "dash", "kind": "in", "text": "Weekly supply-chain dashboard"},
                       {"id": "app", "kind": "out", "text": "Mobile app development"}]}}),
        )
        .await
        .ok(201);
        assert_eq!(e["brief_version"], 1);
        let eid = e["id"].as_i64().unwrap();
        let e2 = app
            .patch(
                &format!("/api/v1/engagements/{eid}"),
                &app.owner,
                json!({"brief": {"text": "Weekly dashboards and alerts", "items": []}}),
            )
            .await
            .ok(200);
        assert_eq!(e2["brief_version"], 2, "a changed brief gets a new version");
        let e3 = app
            .patch(
                &format!("/api/v1/engagements/{eid}"),
                &app.owner,
                json!({"name": "Dashboards"}),
            )
            .await
            .ok(200);
        assert_eq!(e3["brief_version"], 2, "other edits keep the brief version");
    }
);

both!(lists_paginate_with_cursors, |app: TestApp| async move {
    for i in 0..7 {
        app.client(&format!("Client {i}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/clients?limit=3&cursor={c}"),
            None => "/api/v1/clients?limit=3".to_string(),
        };
        let page = app.get(&path, &app.owner).await.ok(200);
        for c in page["items"].as_array().unwrap() {
            seen.push(c["name"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("Client {i}")).collect();
    assert_eq!(seen, expected);
    app.get("/api/v1/clients?cursor=bogus", &app.owner)
        .await
        .problem(422);
    app.get("/api/v1/clients?limit=0", &app.owner)
        .await
        .problem(422);
    app.get("/api/v1/clients?limit=1000", &app.owner)
        .await
        .problem(422);
});

both!(members_and_roles, |app: TestApp| async move {
    let m = app
        .post(
            "/api/v1/members",
            &app.owner,
            json!({"email": "lucia@acme.example", "name": "Lucía Fernández", "role": "agent", "tz": "Europe/Madrid",
                   "working_hours": ["mon-thu 08:00-16:00", "fri 08:00-14:00"], "weekly_capacity_minutes": 1920}),
        )
        .await
        .ok(201);
    assert_eq!(m["weekly_capacity_minutes"], 1920);
    let dup = app
        .post(
            "/api/v1/members",
            &app.owner,
            json!({"email": "LUCIA@acme.example", "name": "X", "role": "agent", "tz": "UTC"}),
        )
        .await
        .problem(409);
    assert_eq!(dup.fields(), ["email"]);
    let bad_hours = app
        .post(
            "/api/v1/members",
            &app.owner,
            json!({"email": "sam@acme.example", "name": "Sam", "role": "agent", "tz": "UTC",
                   "working_hours": ["mon-fri 09:00-17:00", "mon 16:00-18:00"]}),
        )
        .await
        .problem(422);
    assert_eq!(bad_hours.fields(), ["working_hours"]);
});

// A unique key is mapped to its field where the row is written, for a new row and for an edit
// alike: the problem document names the field a person can change.
both!(duplicates_name_their_field, |app: TestApp| async move {
    let kaveri = app.client("Kaveri Foods").await;
    let globex = app.client("Globex").await;
    let dup = app
        .patch(
            &format!("/api/v1/clients/{globex}"),
            &app.owner,
            json!({"name": "Kaveri Foods"}),
        )
        .await
        .problem(409);
    assert_eq!(dup.fields(), ["name"], "{}", dup.body);
    assert_eq!(
        dup.body["errors"][0]["message"],
        "a client with this name already exists"
    );

    app.contact(kaveri, "priya@kaveri.example", None).await;
    let dup = app
        .post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": globex, "name": "Priya Again", "email": "priya@kaveri.example"}),
        )
        .await
        .problem(409);
    assert_eq!(dup.fields(), ["email"], "{}", dup.body);
    assert_eq!(
        dup.body["errors"][0]["message"],
        "a contact with this email already exists"
    );
    let other = app.contact(globex, "ops@globex.example", None).await;
    let dup = app
        .patch(
            &format!("/api/v1/contacts/{other}"),
            &app.owner,
            json!({"email": "priya@kaveri.example"}),
        )
        .await
        .problem(409);
    assert_eq!(dup.fields(), ["email"], "{}", dup.body);
    // Nothing changed: the edit was refused whole.
    let c = app
        .get(&format!("/api/v1/contacts/{other}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(c["email"], "ops@globex.example");
});
