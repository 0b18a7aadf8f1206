//! The rule builder over HTTP (issue 18, item 1): a rule is built with the actions "assign to a
//! member" and "call a webhook", listed in words, and edited in the same form — what the form
//! does not show (other conditions, who an alert is for) kept as it was.

use rapport_core::access::Role;
use serde_json::{Value, json};

use crate::both_with;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, post, sign_in};

async fn spawn_allowing_loopback(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.webhooks.allow_private = true;
        web.api_rate = None;
    })
    .await
}

async fn rule_named(app: &TestApp, name: &str) -> Value {
    let list: Value = app.get("/api/v1/rules", &app.owner).await.ok(200);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no rule {name}: {list}"))
        .clone()
}

both_with!(
    rules_assign_call_webhooks_and_are_edited_in_the_form,
    spawn_allowing_loopback,
    |app: TestApp| async move {
        let hook: Value = app
            .post(
                "/api/v1/webhooks",
                &app.owner,
                json!({"url": "http://127.0.0.1:9/hook", "events": ["request_created"]}),
            )
            .await
            .ok(201);
        let hid = hook["id"].as_i64().unwrap().to_string();
        let bea = app.member_token("bea@acme.example", Role::Agent).await;
        let bea: Value = app.get("/api/v1/me", &bea).await.ok(200);
        let bea_id = bea["member"]["id"].as_i64().unwrap().to_string();

        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/admin/rules", &[&session]).await;
        assert!(page.body.contains("id=\"ru-assign\""), "{}", page.body);
        assert!(
            page.body.contains("http://127.0.0.1:9/hook"),
            "{}",
            page.body
        );
        let csrf = page.csrf();
        let res = post(
            &app,
            "/app/admin/rules",
            &[&session],
            &[
                ("csrf", &csrf),
                ("name", "Invoices"),
                ("event", "request_created"),
                ("text_contains", "invoice"),
                ("assignee_id", &bea_id),
                ("add_tag", "billing, finance"),
                ("webhook_id", &hid),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let rule = rule_named(&app, "Invoices").await;
        assert_eq!(
            rule["actions"],
            json!([
                {"type": "assign", "assignee_id": bea["member"]["id"]},
                {"type": "tag", "tag": "billing"},
                {"type": "tag", "tag": "finance"},
                {"type": "call_webhook", "webhook_id": hook["id"]},
            ])
        );
        let page = get(&app, "/app/admin/rules", &[&session]).await;
        assert!(page.body.contains("assign to bea"), "{}", page.body);
        assert!(
            page.body
                .contains("call the webhook http://127.0.0.1:9/hook"),
            "{}",
            page.body
        );

        // A rule made through the API, with what the form does not show.
        let made: Value = app
            .post(
                "/api/v1/rules",
                &app.owner,
                json!({"name": "Unassigned bugs", "event": "request_created",
                       "conditions": {"assigned": false, "text_contains": "bug"},
                       "actions": [{"type": "notify", "member_id": bea["member"]["id"], "message": "A bug"}]}),
            )
            .await
            .ok(201);
        let id = made["id"].as_i64().unwrap();
        let edit = get(&app, &format!("/app/admin/rules/{id}"), &[&session]).await;
        edit.says(200, "value=\"Unassigned bugs\"");
        assert!(edit.body.contains("value=\"A bug\""), "{}", edit.body);

        // No action left: refused in the form's words, what was typed kept.
        let path = format!("/app/admin/rules/{id}");
        let res = post(
            &app,
            &path,
            &[&session],
            &[
                ("csrf", &csrf),
                ("name", "Bugs nobody has"),
                ("event", "request_created"),
                ("text_contains", "bug"),
            ],
        )
        .await;
        res.says(422, "Then:");
        assert!(
            res.body.contains("value=\"Bugs nobody has\""),
            "{}",
            res.body
        );

        let res = post(
            &app,
            &path,
            &[&session],
            &[
                ("csrf", &csrf),
                ("name", "Bugs nobody has"),
                ("event", "request_created"),
                ("text_contains", "bug"),
                ("notify", "A bug nobody has"),
                ("set_priority", "high"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let rule = rule_named(&app, "Bugs nobody has").await;
        assert_eq!(rule["id"], id);
        assert_eq!(rule["conditions"]["assigned"], false, "{rule}");
        assert_eq!(
            rule["actions"],
            json!([
                {"type": "set_priority", "priority": "high"},
                {"type": "notify", "member_id": bea["member"]["id"], "message": "A bug nobody has"},
            ])
        );

        // Members are refused the builder and its edits.
        app.member_token("ada@acme.example", Role::Agent).await;
        let member = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        assert_eq!(get(&app, &path, &[&member]).await.status, 403);
    }
);
