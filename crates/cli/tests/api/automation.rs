//! Canned replies, webhooks (with a real receiver on loopback) and rules.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use hmac::{KeyInit, Mac};
use rapport_core::access::Role;
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

async fn audit_items(app: &TestApp, kind: &str, id: i64) -> Vec<Value> {
    app.get(
        &format!("/api/v1/audit?target_kind={kind}&target_id={id}&limit=200"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

both!(
    canned_replies_render_with_etiquette_and_apply_all_or_nothing,
    |app: TestApp| async move {
        // Replies to a London client: in its business hours, or they would be held.
        app.start_clock_in_london_office_hours();
        let client = app
        .post(
            "/api/v1/clients",
            &app.owner,
            json!({"name": "Kaveri Foods", "calendar": {"tz": "Europe/London"},
                   "etiquette": {"tone": "formal", "glossary": [{"ours": "okra", "theirs": "ladies' fingers"}]}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
        let contact = app
            .post(
                "/api/v1/contacts",
                &app.owner,
                json!({"client_id": client, "name": "Priya Mehta", "email": "priya@kaveri.example",
                   "etiquette": {"preferred_name": "Dr Mehta"}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let req = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "contact_id": contact, "title": "Okra prices for March"}),
        )
        .await
        .ok(201);
        let rid = req["id"].as_i64().unwrap();

        // Unknown variables and unclosed braces are refused when saving, naming the variable.
        let bad = app
        .post(
            "/api/v1/canned-replies",
            &app.owner,
            json!({"name": "Typo", "body": "Hello {{contact.preferred_name}},\nre {{ request.nmae }}"}),
        )
        .await
        .problem(422);
        assert_eq!(bad.fields(), ["body"]);
        let msg = bad.body["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.contains("{{request.nmae}}") && msg.contains("line 2, column 4"),
            "{msg}"
        );
        let unclosed = app
            .post(
                "/api/v1/canned-replies",
                &app.owner,
                json!({"name": "Unclosed", "body": "Hello {{contact.name"}),
            )
            .await
            .problem(422);
        assert!(
            unclosed.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("never closed")
        );
        assert_eq!(app.count("canned_replies").await, 0);

        // Agents use canned replies but do not write them.
        let agent = app.member_token("ana@acme.example", Role::Agent).await;
        app.post(
            "/api/v1/canned-replies",
            &agent,
            json!({"name": "Mine", "body": "hi"}),
        )
        .await
        .problem(403);

        let canned = app
        .post(
            "/api/v1/canned-replies",
            &app.owner,
            json!({"name": "Acknowledge",
                   "body": "{{contact.salutation}}\n\nThank you: request #{{request.ref}} about okra is in hand.\n\n{{agent.name}}",
                   "set_status": "in_progress", "set_priority": "high", "add_tags": ["acknowledged"]}),
        )
        .await
        .ok(201);
        let cid = canned["id"].as_i64().unwrap();
        let dup = app
            .post(
                "/api/v1/canned-replies",
                &app.owner,
                json!({"name": "Acknowledge", "body": "again"}),
            )
            .await
            .problem(409);
        assert_eq!(dup.fields(), ["name"]);
        assert_eq!(
            dup.body["errors"][0]["message"],
            "a canned reply named \"Acknowledge\" already exists"
        );

        let preview = app
            .get(
                &format!("/api/v1/canned-replies/{cid}/preview?request_id={rid}"),
                &agent,
            )
            .await
            .ok(200)["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            preview,
            format!(
                "Dear Dr Mehta,\n\nThank you: request #{rid} about ladies' fingers is in hand.\n\nana"
            )
        );

        let applied = app
            .post(
                &format!("/api/v1/canned-replies/{cid}/apply"),
                &agent,
                json!({"request_id": rid}),
            )
            .await
            .ok(200);
        assert_eq!(applied["message"]["direction"], "outbound");
        assert_eq!(applied["message"]["body"], preview.as_str());
        assert_eq!(applied["request"]["status"], "in_progress");
        assert_eq!(applied["request"]["priority"], "high");
        assert_eq!(applied["request"]["tags"], json!(["acknowledged"]));
        let acts = actions(&app, "request", rid).await;
        for a in ["canned_reply.apply", "request.status", "request.update"] {
            assert!(acts.iter().any(|x| x == a), "{a} in {acts:?}");
        }

        // A variable without a value here is a 422 naming it, and nothing is written.
        let due = app
        .post(
            "/api/v1/canned-replies",
            &app.owner,
            json!({"name": "Due", "body": "It will be ready by {{promise.due_local}}.", "set_status": "delivered"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
        let before = app.snapshot().await;
        let res = app
            .post(
                &format!("/api/v1/canned-replies/{due}/apply"),
                &app.owner,
                json!({"request_id": rid}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["promise.due_local"]);
        assert!(
            res.body["detail"]
                .as_str()
                .unwrap()
                .contains("no open promise")
        );
        assert_eq!(app.snapshot().await, before, "nothing half-written");

        // With a promise it renders in the client's zone.
        app.post(
            "/api/v1/promises",
            &app.owner,
            json!({"request_id": rid, "kind": "delivery", "due_at": "2030-03-04T14:00:00Z"}),
        )
        .await
        .ok(201);
        let p = app
            .get(
                &format!("/api/v1/canned-replies/{due}/preview?request_id={rid}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(
            p["body"],
            "It will be ready by Monday 4 March 2030, 14:00 GMT."
        );

        // Edits are checked like new ones; deletes are audited.
        app.call(
            reqwest::Method::PUT,
            &format!("/api/v1/canned-replies/{cid}"),
            Some(&app.owner),
            Some(json!({"name": "Acknowledge", "body": "{{agent.name}} {{agent.title}}"})),
        )
        .await
        .problem(422);
        let res = app
            .call(
                reqwest::Method::DELETE,
                &format!("/api/v1/canned-replies/{cid}"),
                Some(&app.owner),
                None,
            )
            .await;
        assert_eq!(res.status, 204);
        app.get(&format!("/api/v1/canned-replies/{cid}"), &app.owner)
            .await
            .problem(404);
        assert!(
            actions(&app, "canned_reply", cid)
                .await
                .contains(&"canned_reply.delete".to_string())
        );
    }
);

/// A webhook receiver on 127.0.0.1: records every call and answers with `status`.
struct Receiver {
    url: String,
    calls: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    status: Arc<AtomicU16>,
}

async fn receiver() -> Receiver {
    let calls: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (c, s) = (Arc::clone(&calls), Arc::clone(&status));
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (c, s) = (Arc::clone(&c), Arc::clone(&s));
            async move {
                c.lock().unwrap().push((headers, body));
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Receiver {
        url: format!("http://{addr}/hook"),
        calls,
        status,
    }
}

/// Check a `Rapport-Signature` header the way a receiver would.
fn verify(secret: &str, header: &str, body: &str) -> bool {
    let Some((t, v1)) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
    else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap_or_default())
        .is_ok()
}

async fn spawn_allowing_loopback(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.webhooks.allow_private = true;
        web.api_rate = None;
    })
    .await
}

async fn webhooks_deliver_signed_and_retry(app: TestApp) {
    let rx = receiver().await;
    let hook = app
        .post(
            "/api/v1/webhooks",
            &app.owner,
            json!({"url": rx.url, "events": ["request_created", "status_changed"]}),
        )
        .await
        .ok(201);
    let hid = hook["id"].as_i64().unwrap();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    // The secret is shown once and stored sealed.
    let got = app
        .get(&format!("/api/v1/webhooks/{hid}"), &app.owner)
        .await
        .ok(200);
    assert!(got.get("secret").is_none(), "{got}");
    let org = app.org;
    let sealed: String = app
        .app
        .store()
        .read(move |db| {
            db.scalar(
                "SELECT secret_sealed FROM webhooks WHERE org_id = $1",
                rapport_store::params![org],
            )
        })
        .await
        .unwrap();
    assert!(sealed.starts_with("sealed1:") && !sealed.contains(&secret));

    let client = app.client("Nordlys AS").await;
    let r = app.request(client, "Quarterly report").await;
    let rid = r["id"].as_i64().unwrap();
    app.run_jobs().await;
    {
        let calls = rx.calls.lock().unwrap();
        assert_eq!(calls.len(), 1);
        let (headers, body) = &calls[0];
        let sig = headers["rapport-signature"].to_str().unwrap();
        assert!(verify(&secret, sig, body), "signature {sig} verifies");
        assert!(!verify("whsec_wrong", sig, body));
        assert!(!verify(&secret, sig, &body.replace("Quarterly", "Monthly")));
        assert_eq!(headers["rapport-event"], "request_created");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["event"], "request_created");
        assert_eq!(v["data"]["request"]["id"], rid);
        assert_eq!(v["data"]["request"]["title"], "Quarterly report");
    }

    // The receiver fails: the delivery stays pending with the answer logged, and is retried
    // with backoff until it succeeds.
    rx.status.store(503, Ordering::SeqCst);
    app.post(
        &format!("/api/v1/requests/{rid}/transition"),
        &app.owner,
        json!({"status": "triaged"}),
    )
    .await
    .ok(200);
    app.run_jobs().await;
    let log = app
        .get(&format!("/api/v1/webhooks/{hid}/deliveries"), &app.owner)
        .await
        .ok(200);
    let latest = &log["items"][0];
    assert_eq!(latest["event"], "status_changed");
    assert_eq!(latest["status"], "pending");
    assert_eq!(latest["attempts"], 1);
    assert_eq!(latest["last_status_code"], 503);
    assert_eq!(rx.calls.lock().unwrap().len(), 2);
    // Not retried before its backoff.
    app.run_jobs().await;
    assert_eq!(rx.calls.lock().unwrap().len(), 2);
    rx.status.store(204, Ordering::SeqCst);
    app.advance(jiff::SignedDuration::from_secs(120));
    app.run_jobs().await;
    let log = app
        .get(&format!("/api/v1/webhooks/{hid}/deliveries"), &app.owner)
        .await
        .ok(200);
    let latest = &log["items"][0];
    assert_eq!(latest["status"], "delivered", "{latest}");
    assert_eq!(latest["attempts"], 2);
    assert_eq!(latest["last_status_code"], 204);
    assert_eq!(log["items"][1]["status"], "delivered");
    {
        let calls = rx.calls.lock().unwrap();
        assert_eq!(calls.len(), 3);
        let v: Value = serde_json::from_str(&calls[2].1).unwrap();
        assert_eq!(
            (v["data"]["from"].as_str(), v["data"]["to"].as_str()),
            (Some("new"), Some("triaged"))
        );
        // The same delivery id on both attempts: receivers can deduplicate.
        assert_eq!(
            calls[1].0["rapport-delivery"],
            calls[2].0["rapport-delivery"]
        );
    }

    // A paused webhook gets nothing; events it does not subscribe to are not sent.
    app.patch(
        &format!("/api/v1/webhooks/{hid}"),
        &app.owner,
        json!({"enabled": false}),
    )
    .await
    .ok(200);
    app.request(client, "Another").await;
    app.run_jobs().await;
    assert_eq!(rx.calls.lock().unwrap().len(), 3);

    // Only admins manage webhooks.
    let agent = app.member_token("ana@acme.example", Role::Agent).await;
    app.get("/api/v1/webhooks", &agent).await.problem(403);
    app.post(
        "/api/v1/webhooks",
        &agent,
        json!({"url": rx.url, "events": ["message_in"]}),
    )
    .await
    .problem(403);
}

mod webhooks_deliver_signed {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_allowing_loopback(rapport_store::Engine::Sqlite)
            .await
            .unwrap();
        webhooks_deliver_signed_and_retry(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(app) = spawn_allowing_loopback(rapport_store::Engine::Postgres).await else {
            eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
            return;
        };
        webhooks_deliver_signed_and_retry(app).await;
    }
}

both!(
    webhooks_refuse_private_targets_by_default,
    |app: TestApp| async move {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.1.2.3/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/",
            "http://localhost:8080/",
            // IPv6 forms that reach IPv4 or private networks (missed by the first guard).
            "http://[::127.0.0.1]/hook",
            "http://[::169.254.169.254]/latest/meta-data",
            "http://[fec0::1]/hook",
            "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
            "http://[2002:7f00:1::1]/hook",
        ] {
            let res = app
                .post(
                    "/api/v1/webhooks",
                    &app.owner,
                    json!({"url": url, "events": ["request_created"]}),
                )
                .await
                .problem(422);
            assert_eq!(res.fields(), ["url"], "{url}");
        }
        let res = app
            .post(
                "/api/v1/webhooks",
                &app.owner,
                json!({"url": "ftp://hooks.example/", "events": [], "secret": "short"}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["url", "events", "secret"]);
        let res = app
            .post(
                "/api/v1/webhooks",
                &app.owner,
                json!({"url": "https://hooks.example/", "events": ["request_deleted"]}),
            )
            .await;
        assert!(res.status == 400 || res.status == 422, "{}", res.status);
        assert_eq!(app.count("webhooks").await, 0);
    }
);

async fn rules_apply_and_cannot_loop(app: TestApp) {
    let rx = receiver().await;
    let hook = app
        .post(
            "/api/v1/webhooks",
            &app.owner,
            json!({"url": rx.url, "events": ["message_in"]}),
        )
        .await
        .ok(201);
    let hid = hook["id"].as_i64().unwrap();
    let billing = app.member_token("bea@acme.example", Role::Agent).await;
    let bea = app.get("/api/v1/me", &billing).await.ok(200);
    let bea_id = bea["member"]["id"].as_i64().unwrap();

    // A rule naming things that do not exist is refused, naming each.
    let res = app
        .post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Broken", "event": "request_created",
                   "actions": [{"type": "apply_canned_reply", "canned_reply_id": 999},
                               {"type": "assign", "assignee_id": 999}]}),
        )
        .await
        .problem(422);
    assert_eq!(
        res.fields(),
        ["actions[0].canned_reply_id", "actions[1].assignee_id"]
    );

    let rule = app
        .post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Invoices to billing", "event": "request_created",
                   "conditions": {"text_contains": "invoice"},
                   "actions": [{"type": "tag", "tag": "billing"},
                               {"type": "set_priority", "priority": "high"},
                               {"type": "assign", "assignee_id": bea_id},
                               {"type": "call_webhook", "webhook_id": hid}]}),
        )
        .await
        .ok(201);
    let rule_id = rule["id"].as_i64().unwrap();
    let client = app.client("Sato Trading").await;
    let hit = app.request(client, "The INVOICE total is wrong").await["id"]
        .as_i64()
        .unwrap();
    let miss = app.request(client, "New logo please").await["id"]
        .as_i64()
        .unwrap();
    app.run_jobs().await;
    let r = app
        .get(&format!("/api/v1/requests/{hit}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["tags"], json!(["billing"]));
    assert_eq!(r["priority"], "high");
    assert_eq!(r["assignee_id"], bea_id);
    let r = app
        .get(&format!("/api/v1/requests/{miss}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["tags"], json!([]));
    assert_eq!(r["priority"], "normal");
    // Audited once, with what it did; the webhook got the match.
    let applied: Vec<Value> = audit_items(&app, "rule", rule_id)
        .await
        .into_iter()
        .filter(|e| e["action"] == "rule.apply")
        .collect();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0]["details"]["request_id"], hit);
    assert_eq!(
        applied[0]["details"]["actions"].as_array().unwrap().len(),
        4
    );
    {
        let calls = rx.calls.lock().unwrap();
        assert_eq!(calls.len(), 1);
        let v: Value = serde_json::from_str(&calls[0].1).unwrap();
        assert_eq!(v["event"], "rule_matched");
        assert_eq!(v["data"]["rule_id"], rule_id);
        assert_eq!(v["data"]["request"]["id"], hit);
    }

    // Two rules that would undo each other forever: each applies once, then the chain stops.
    let to_progress = app
        .post(
            "/api/v1/canned-replies",
            &app.owner,
            json!({"name": "Starting", "body": "We are on it.", "set_status": "in_progress"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let to_triage = app
        .post(
            "/api/v1/canned-replies",
            &app.owner,
            json!({"name": "Back to triage", "body": "Back in the queue.", "set_status": "triaged"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let ping = app
        .post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Ping", "event": "status_changed", "conditions": {"status": ["triaged"]},
                   "actions": [{"type": "apply_canned_reply", "canned_reply_id": to_progress}]}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let pong = app
        .post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Pong", "event": "status_changed", "conditions": {"status": ["in_progress"]},
                   "actions": [{"type": "apply_canned_reply", "canned_reply_id": to_triage}]}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/requests/{miss}/transition"),
        &app.owner,
        json!({"status": "triaged"}),
    )
    .await
    .ok(200);
    // `run_jobs` panics if jobs keep coming: the loop must end by itself.
    app.run_jobs().await;
    let ping_audit = actions(&app, "rule", ping).await;
    let pong_audit = actions(&app, "rule", pong).await;
    assert_eq!(
        ping_audit.iter().filter(|a| *a == "rule.apply").count(),
        1,
        "{ping_audit:?}"
    );
    assert_eq!(
        pong_audit.iter().filter(|a| *a == "rule.apply").count(),
        1,
        "{pong_audit:?}"
    );
    let skips: Vec<Value> = audit_items(&app, "rule", ping)
        .await
        .into_iter()
        .filter(|e| e["action"] == "rule.skip")
        .collect();
    assert_eq!(skips.len(), 1);
    assert_eq!(skips[0]["details"]["reason"], "loop");
    assert_eq!(skips[0]["details"]["rule_ids"], json!([ping, pong]));
    let r = app
        .get(&format!("/api/v1/requests/{miss}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["status"], "triaged");
    let thread = app
        .get(&format!("/api/v1/requests/{miss}/messages"), &app.owner)
        .await
        .ok(200);
    let bodies: Vec<&str> = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");

    // A disabled rule does nothing; rules are for admins.
    let agent = app.member_token("ana@acme.example", Role::Agent).await;
    app.get("/api/v1/rules", &agent).await.problem(403);
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/rules/{rule_id}"),
        Some(&app.owner),
        Some(json!({"name": "Invoices to billing", "event": "request_created", "enabled": false,
                    "conditions": {"text_contains": "invoice"}, "actions": [{"type": "tag", "tag": "billing"}]})),
    )
    .await
    .ok(200);
    let later = app.request(client, "Invoice again").await["id"]
        .as_i64()
        .unwrap();
    app.run_jobs().await;
    let r = app
        .get(&format!("/api/v1/requests/{later}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(r["tags"], json!([]));
}

mod rules_apply_and_stop {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_allowing_loopback(rapport_store::Engine::Sqlite)
            .await
            .unwrap();
        rules_apply_and_cannot_loop(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(app) = spawn_allowing_loopback(rapport_store::Engine::Postgres).await else {
            eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
            return;
        };
        rules_apply_and_cannot_loop(app).await;
    }
}

both!(
    rules_on_client_ratings_notify_and_use_the_quick_lane,
    |app: TestApp| async move {
        use rapport_app::Ctx;
        use rapport_core::access::Principal;
        use rapport_core::ids::{ClientId, ContactId, RequestId};
        let agent = app.member_token("bea@acme.example", Role::Agent).await;
        let bea = app.get("/api/v1/me", &agent).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();

        // Shape first (an empty message), then references (a member who does not exist).
        for (action, field) in [
            (
                json!({"type": "notify", "message": ""}),
                "actions[0].message",
            ),
            (
                json!({"type": "notify", "member_id": 999, "message": "Rated"}),
                "actions[0].member_id",
            ),
        ] {
            let res = app
                .post(
                    "/api/v1/rules",
                    &app.owner,
                    json!({"name": "Bad", "event": "rating_received", "actions": [action]}),
                )
                .await
                .problem(422);
            assert_eq!(res.fields(), [field]);
        }
        app.post(
            "/api/v1/rules",
            &app.owner,
            json!({"name": "Hear every rating", "event": "rating_received",
                   "actions": [{"type": "notify", "member_id": bea, "message": "The client rated a delivery"},
                               {"type": "add_to_quick_lane"}]}),
        )
        .await
        .ok(201);

        let client = app.client("Sato Trading").await;
        let contact = app
            .post(
                "/api/v1/contacts",
                &app.owner,
                json!({"client_id": client, "name": "Aiko Sato", "email": "aiko@sato.example"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let mut delivered = Vec::new();
        for title in ["Price list export", "Catalogue export"] {
            let id = app.request(client, title).await["id"].as_i64().unwrap();
            for status in ["in_progress", "delivered"] {
                app.post(
                    &format!("/api/v1/requests/{id}/transition"),
                    &app.owner,
                    json!({"status": status}),
                )
                .await
                .ok(200);
            }
            delivered.push(id);
        }
        app.run_jobs().await;
        // The client rates the first; the team rates only the second (not a client's rating).
        let as_contact = Ctx::new(
            Principal::Contact {
                org_id: app.org,
                contact_id: ContactId(contact),
                client_id: ClientId(client),
                role: rapport_core::access::ContactRole::DEFAULT,
            },
            None,
        );
        app.app
            .rate_request(&as_contact, RequestId(delivered[0]), 2, "Late")
            .await
            .unwrap();
        let owner = app
            .app
            .member_by_email(app.org, "owner@acme.example")
            .await
            .unwrap()
            .unwrap();
        let owner_ctx = app.app.ctx_for_member(app.org, owner.id).await.unwrap();
        app.app
            .team_rate_request(&owner_ctx, RequestId(delivered[1]), 5, "Fine")
            .await
            .unwrap();
        app.run_jobs().await;

        let quick = |id: i64| {
            let app = &app;
            async move {
                app.get(&format!("/api/v1/requests/{id}"), &app.owner)
                    .await
                    .ok(200)["quick"]
                    .clone()
            }
        };
        assert_eq!(quick(delivered[0]).await, true);
        assert_eq!(quick(delivered[1]).await, false);
        let alerts = app
            .get("/api/v1/alerts?kind=rule.notify", &app.owner)
            .await
            .ok(200);
        let items = alerts["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{alerts}");
        assert_eq!(items[0]["recipient_id"], bea);
        assert_eq!(items[0]["subject_id"], delivered[0]);
        assert!(
            items[0]["message"]
                .as_str()
                .unwrap()
                .starts_with("The client rated a delivery"),
            "{alerts}"
        );
    }
);

both!(
    rules_on_sla_risk_and_promises_due_soon,
    |app: TestApp| async move {
        app.set_now("2027-03-01T16:00:00Z"); // a Monday, an hour before closing
        for (event, tag) in [
            ("sla_at_risk", "sla-risk"),
            ("promise_due_soon", "promise-soon"),
        ] {
            app.post(
                "/api/v1/rules",
                &app.owner,
                json!({"name": tag, "event": event,
                       "actions": [{"type": "tag", "tag": tag}]}),
            )
            .await
            .ok(201);
        }
        let client = app.client("Fjord Freight").await;
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Freight desk", "currency": "GBP",
                       "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                           "next_response_minutes": 240, "resolution_minutes": 960}}}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let id = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": engagement,
                       "title": "Customs form for Oslo"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.post(
            "/api/v1/promises",
            &app.owner,
            json!({"request_id": id, "kind": "delivery", "due_at": "2027-03-02T12:00:00Z"}),
        )
        .await
        .ok(201);
        app.run_jobs().await;
        assert_eq!(tags_of(&app, id).await, json!([]), "nothing is close yet");

        // Tuesday 09:35: the first response (due 10:00) is at risk, the delivery at 12:00 is
        // due within four hours.
        app.set_now("2027-03-02T09:35:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let mut got: Vec<String> = serde_json::from_value(tags_of(&app, id).await).unwrap();
        got.sort();
        assert_eq!(got, ["promise-soon", "sla-risk"]);
    }
);

async fn tags_of(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/requests/{id}"), &app.owner)
        .await
        .ok(200)["tags"]
        .clone()
}
