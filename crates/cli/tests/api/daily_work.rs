//! The daily work's API (issue 17, item 3): many requests changed at once, each as it would
//! change alone, and time entries corrected and deleted with the request's minutes following.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

/// The audit actions recorded for a target, newest first.
async fn actions(app: &TestApp, kind: &str, id: i64) -> Vec<String> {
    app.get(
        &format!("/api/v1/audit?target_kind={kind}&target_id={id}&limit=200"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

both!(
    bulk_changes_each_request_as_alone,
    |app: TestApp| async move {
        let kaveri = app.client("Kaveri Foods").await;
        let a = id(&app.request(kaveri, "Brinjal volumes doubled").await);
        let b = id(&app.request(kaveri, "Okra prices missing").await);
        let c = id(&app.request(kaveri, "Q2 export").await);
        let agent = app.member_token("ines@acme.example", Role::Agent).await;
        let ines = app.get("/api/v1/me", &agent).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();

        // Assign three (one named twice) to another member.
        let out = app
        .post(
            "/api/v1/requests/bulk",
            &app.owner,
            json!({"request_ids": [a, b, c, a], "action": {"kind": "assign", "assignee_id": ines}}),
        )
        .await
        .ok(200);
        assert_eq!(out["changed"], json!([a, b, c]), "{out}");
        assert_eq!(out["failed"], json!([]));
        for r in [a, b, c] {
            let got = app
                .get(&format!("/api/v1/requests/{r}"), &app.owner)
                .await
                .ok(200);
            assert_eq!(got["assignee_id"], ines, "{got}");
            assert!(
                actions(&app, "request", r)
                    .await
                    .contains(&"request.assign".to_string())
            );
        }

        // One is already in progress: it is reported, the others still move.
        app.post(
            &format!("/api/v1/requests/{b}/transition"),
            &app.owner,
            json!({"status": "in_progress"}),
        )
        .await
        .ok(200);
        let out = app
        .post(
            "/api/v1/requests/bulk",
            &agent,
            json!({"request_ids": [a, b, c], "action": {"kind": "status", "status": "in_progress", "reason": "started the batch"}}),
        )
        .await
        .ok(200);
        assert_eq!(out["changed"], json!([a, c]), "{out}");
        assert_eq!(out["failed"][0]["request_id"], b, "{out}");
        assert!(
            out["failed"][0]["message"]
                .as_str()
                .unwrap()
                .contains("in_progress"),
            "{out}"
        );
        for r in [a, c] {
            let got = app
                .get(&format!("/api/v1/requests/{r}"), &app.owner)
                .await
                .ok(200);
            assert_eq!(got["status"], "in_progress");
        }

        // A tag is added beside the ones there, once.
        app.patch(
            &format!("/api/v1/requests/{a}"),
            &app.owner,
            json!({"tags": ["dashboards"]}),
        )
        .await
        .ok(200);
        for _ in 0..2 {
            app.post(
                "/api/v1/requests/bulk",
                &agent,
                json!({"request_ids": [a, c], "action": {"kind": "tag", "tag": "Monsoon"}}),
            )
            .await
            .ok(200);
        }
        let got = app
            .get(&format!("/api/v1/requests/{a}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["tags"], json!(["dashboards", "monsoon"]));
        let got = app
            .get(&format!("/api/v1/requests/{c}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["tags"], json!(["monsoon"]));

        // Unknown requests are reported, not hidden; bad input changes nothing.
        let out = app
        .post(
            "/api/v1/requests/bulk",
            &agent,
            json!({"request_ids": [a, 999999], "action": {"kind": "assign", "assignee_id": null}}),
        )
        .await
        .ok(200);
        assert_eq!(out["changed"], json!([a]));
        assert_eq!(out["failed"][0]["request_id"], 999999);
        let none = app
            .post(
                "/api/v1/requests/bulk",
                &agent,
                json!({"request_ids": [], "action": {"kind": "assign", "assignee_id": null}}),
            )
            .await
            .problem(422);
        assert_eq!(none.fields(), ["request_ids"]);
        let many: Vec<i64> = (1..=101).collect();
        app.post(
            "/api/v1/requests/bulk",
            &agent,
            json!({"request_ids": many, "action": {"kind": "assign", "assignee_id": null}}),
        )
        .await
        .problem(422);
        let bad_tag = app
            .post(
                "/api/v1/requests/bulk",
                &agent,
                json!({"request_ids": [b], "action": {"kind": "tag", "tag": "  "}}),
            )
            .await
            .problem(422);
        assert_eq!(bad_tag.fields(), ["action.tag"]);
        let got = app
            .get(&format!("/api/v1/requests/{b}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["tags"], json!([]), "a refused batch changes nothing");
        app.post(
            "/api/v1/requests/bulk",
            &agent,
            json!({"request_ids": [b], "action": {"kind": "close"}}),
        )
        .await
        .problem(422);
    }
);

both!(bulk_stays_inside_the_org, |app: TestApp| async move {
    let kaveri = app.client("Kaveri Foods").await;
    let a = id(&app.request(kaveri, "Brinjal volumes doubled").await);
    let (_, other) = app.other_firm().await;
    let out = app
        .post(
            "/api/v1/requests/bulk",
            &other,
            json!({"request_ids": [a], "action": {"kind": "tag", "tag": "mine"}}),
        )
        .await
        .ok(200);
    assert_eq!(out["changed"], json!([]));
    assert_eq!(out["failed"][0]["message"], "no such request", "{out}");
    let got = app
        .get(&format!("/api/v1/requests/{a}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(got["tags"], json!([]));
});

both!(
    time_entries_are_corrected_and_deleted,
    |app: TestApp| async move {
        let kaveri = app.client("Kaveri Foods").await;
        let r = id(&app.request(kaveri, "Brinjal volumes doubled").await);
        let agent = app.member_token("ines@acme.example", Role::Agent).await;
        let other = app.member_token("omar@acme.example", Role::Agent).await;
        let manager = app.member_token("maya@acme.example", Role::Manager).await;
        let t = app
            .post(
                "/api/v1/time-entries",
                &agent,
                json!({"request_id": r, "minutes": 90, "note": "first pass"}),
            )
            .await
            .ok(201);
        let t = id(&t);
        let spent = |v: Value| v["spent_minutes"].as_i64().unwrap();
        assert_eq!(
            spent(
                app.get(&format!("/api/v1/requests/{r}"), &app.owner)
                    .await
                    .ok(200)
            ),
            90
        );

        // The member who logged it corrects it; the request's minutes follow.
        let fixed = app
            .patch(
                &format!("/api/v1/time-entries/{t}"),
                &agent,
                json!({"minutes": 60, "billable": false}),
            )
            .await
            .ok(200);
        assert_eq!(fixed["minutes"], 60);
        assert_eq!(fixed["billable"], false);
        assert_eq!(fixed["note"], "first pass", "what is not given stays");
        assert_eq!(
            spent(
                app.get(&format!("/api/v1/requests/{r}"), &app.owner)
                    .await
                    .ok(200)
            ),
            60
        );

        // Bad input is refused in the field's name and changes nothing.
        let bad = app
            .patch(
                &format!("/api/v1/time-entries/{t}"),
                &agent,
                json!({"minutes": 0}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["minutes"]);
        let future = app
            .patch(
                &format!("/api/v1/time-entries/{t}"),
                &agent,
                json!({"started_at": "2999-01-01T00:00:00Z"}),
            )
            .await
            .problem(422);
        assert_eq!(future.fields(), ["started_at"]);

        // Another agent may not touch it; a manager may.
        app.patch(
            &format!("/api/v1/time-entries/{t}"),
            &other,
            json!({"minutes": 5}),
        )
        .await
        .problem(403);
        app.call(
            Method::DELETE,
            &format!("/api/v1/time-entries/{t}"),
            Some(&other),
            None,
        )
        .await
        .problem(403);
        app.patch(
            &format!("/api/v1/time-entries/{t}"),
            &manager,
            json!({"minutes": 45}),
        )
        .await
        .ok(200);
        assert_eq!(
            spent(
                app.get(&format!("/api/v1/requests/{r}"), &app.owner)
                    .await
                    .ok(200)
            ),
            45
        );

        // Deleted: gone, the minutes given back, and the audit keeps both changes.
        let res = app
            .call(
                Method::DELETE,
                &format!("/api/v1/time-entries/{t}"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(res.status, 204);
        app.get(&format!("/api/v1/time-entries/{t}"), &agent)
            .await
            .problem(404);
        assert_eq!(
            spent(
                app.get(&format!("/api/v1/requests/{r}"), &app.owner)
                    .await
                    .ok(200)
            ),
            0
        );
        let trail = actions(&app, "time_entry", t).await;
        assert_eq!(
            trail,
            ["time.delete", "time.update", "time.update", "time.log"],
            "{trail:?}"
        );
        app.call(
            Method::DELETE,
            &format!("/api/v1/time-entries/{t}"),
            Some(&agent),
            None,
        )
        .await
        .problem(404);
    }
);
