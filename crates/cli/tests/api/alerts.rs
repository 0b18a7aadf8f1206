use rapport_core::alert::{NewAlert, Severity};
use serde_json::json;

use crate::both;
use crate::support::TestApp;

fn breach(request: i64) -> NewAlert {
    NewAlert {
        kind: "sla.breached".into(),
        severity: Severity::Critical,
        subject_kind: Some("request"),
        subject_id: Some(request),
        message: "first response breached".into(),
        details: json!({}),
        recipient_id: None,
        dedupe_key: format!("sla:{request}:first_response:1"),
    }
}

both!(
    alerts_are_raised_once_and_worked,
    |app: TestApp| async move {
        let org = app.app.store().clone();
        let org_id = app.org;
        let raise = |key_req: i64| {
            let s = org.clone();
            async move {
                s.write(move |db| {
                    rapport_app::alerts::raise(db, org_id, &breach(key_req), jiff::Timestamp::now())
                })
                .await
                .unwrap()
            }
        };
        assert!(raise(7).await);
        assert!(!raise(7).await, "the same occurrence is raised once");
        let list = app.get("/api/v1/alerts", &app.owner).await.ok(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let id = list["items"][0]["id"].as_i64().unwrap();
        let acked = app
            .post(
                &format!("/api/v1/alerts/{id}"),
                &app.owner,
                json!({"status": "acknowledged"}),
            )
            .await
            .ok(200);
        assert_eq!(acked["status"], "acknowledged");
        assert!(acked["acknowledged_by"].is_i64());
        assert!(!raise(7).await, "still unresolved: not raised again");
        app.post(
            &format!("/api/v1/alerts/{id}"),
            &app.owner,
            json!({"status": "resolved"}),
        )
        .await
        .ok(200);
        app.post(
            &format!("/api/v1/alerts/{id}"),
            &app.owner,
            json!({"status": "resolved"}),
        )
        .await
        .problem(409);
        app.post(
            &format!("/api/v1/alerts/{id}"),
            &app.owner,
            json!({"status": "open"}),
        )
        .await
        .problem(422);
        assert!(
            raise(7).await,
            "a new occurrence after resolution is a new alert"
        );
        let open = app
            .get("/api/v1/alerts?status=open", &app.owner)
            .await
            .ok(200);
        assert_eq!(open["items"].as_array().unwrap().len(), 1);
    }
);
