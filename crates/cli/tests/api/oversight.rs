//! Oversight: the audit log filtered by who, what and when (API and page), and the capacity,
//! at-risk and scope-report pages, readable by the people they are for.

use rapport_core::access::Role;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, sign_in};

fn actions(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

both!(
    the_audit_log_filters_by_who_what_and_when,
    |app: TestApp| async move {
        app.set_now("2026-03-02T10:00:00Z");
        let first = app.client("Alder Ltd").await;
        let agent_token = app.member_token("ada@acme.example", Role::Agent).await;
        let agent = app.get("/api/v1/me", &agent_token).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();
        app.post(
            "/api/v1/requests",
            &agent_token,
            json!({"client_id": first, "title": "Export the March figures"}),
        )
        .await
        .ok(201);
        app.set_now("2026-03-05T10:00:00Z");
        let second = app.client("Birch plc").await;

        // Who: only what the agent did.
        let by_agent = app
            .get(
                &format!("/api/v1/audit?actor_member_id={agent}"),
                &app.owner,
            )
            .await
            .ok(200);
        let items = by_agent["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|e| e["actor"]["id"] == agent),
            "{by_agent}"
        );
        assert!(actions(&by_agent).contains(&"request.create".to_string()));

        // What: an entity with a trailing dot is every action on it.
        let clients = app
            .get("/api/v1/audit?action=client.", &app.owner)
            .await
            .ok(200);
        let acts = actions(&clients);
        assert_eq!(acts.len(), 2, "{clients}");
        assert!(acts.iter().all(|a| a.starts_with("client.")), "{acts:?}");

        // When: since and until split the two client creations.
        let later = app
            .get(
                "/api/v1/audit?action=client.&since=2026-03-04T00:00:00Z",
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(later["items"].as_array().unwrap().len(), 1);
        assert_eq!(later["items"][0]["target_id"], second);
        let earlier = app
            .get(
                "/api/v1/audit?action=client.&until=2026-03-04T00:00:00Z",
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(earlier["items"].as_array().unwrap().len(), 1);
        assert_eq!(earlier["items"][0]["target_id"], first);
        let r = app
            .get(
                "/api/v1/audit?since=2026-03-04T00:00:00Z&until=2026-03-03T00:00:00Z",
                &app.owner,
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["until"]);
        // Agents do not read the audit log.
        app.get("/api/v1/audit", &agent_token).await.problem(403);

        // The page: the same filters in the form's words, dates in the viewer's zone.
        let owner = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/audit?what=client.&from=2026-03-04", &[&owner]).await;
        page.says(200, &format!("href=\"/app/clients/{second}\""));
        assert!(
            !page
                .body
                .contains(&format!("href=\"/app/clients/{first}\"")),
            "the earlier client is outside the dates"
        );
        let page = get(&app, &format!("/app/audit?who={agent}"), &[&owner]).await;
        assert!(page.body.contains("request.create"), "{}", page.body);
        assert!(!page.body.contains("client.create"), "{}", page.body);
        let bad = get(&app, "/app/audit?from=2026-03-05&to=2026-03-01", &[&owner]).await;
        assert!(
            bad.body
                .contains("To: the last day must not be before the first."),
            "{}",
            bad.body
        );
        let home = get(&app, "/app", &[&owner]).await;
        assert!(
            home.body.contains("href=\"/app/audit\""),
            "owners see the link"
        );

        // An agent sees no link, and the page refuses them in words.
        let ada = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let home = get(&app, "/app", &[&ada]).await;
        assert!(!home.body.contains("href=\"/app/audit\""), "{}", home.body);
        let refused = get(&app, "/app/audit", &[&ada]).await;
        assert_eq!(refused.status, 403);
        assert!(
            refused
                .body
                .contains("The audit log is for admins and owners.")
        );
    }
);

both!(
    capacity_at_risk_and_scope_report_pages,
    |app: TestApp| async move {
        app.set_now("2026-03-02T10:00:00Z");
        let owner = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let capacity = get(&app, "/app/capacity?weeks=4", &[&owner]).await;
        capacity.says(200, "Olu Owner");
        // Four week columns, the first the week of "now" (Monday 2 March).
        assert_eq!(
            capacity.body.matches("w/c ").count(),
            4,
            "{}",
            capacity.body
        );
        assert!(capacity.body.contains("w/c 2 Mar"), "{}", capacity.body);

        let at_risk = get(&app, "/app/at-risk", &[&owner]).await;
        assert_eq!(at_risk.status, 200);
        assert!(at_risk.body.contains("Clients at risk</h1>"));
        let scope = get(&app, "/app/scope-report", &[&owner]).await;
        assert_eq!(scope.status, 200);
        assert!(scope.body.contains("No out-of-scope work in this period."));
    }
);
