//! The authorization matrix: each endpoint family as each role, for own and foreign org and
//! client. Asserts the status, that nothing leaked, and that refused writes changed nothing.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Res, TestApp};

/// How a caller authenticates in the matrix.
#[derive(Clone)]
enum Who {
    Token(String),
    Portal { cookie: String, csrf: String },
    Anonymous,
}

async fn call(app: &TestApp, who: &Who, method: Method, path: &str, body: Option<Value>) -> Res {
    match who {
        Who::Token(t) => app.call(method, path, Some(t), body).await,
        Who::Portal { cookie, csrf } => {
            app.with_cookie(method, path, cookie, Some(csrf), body)
                .await
        }
        Who::Anonymous => app.call(method, path, None, body).await,
    }
}

both!(authorization_matrix, |app: TestApp| async move {
    // Our firm: two clients, a contact at each, a request and a note at each.
    let a = app.client("Client A").await;
    let b = app.client("Client B").await;
    let pat = app
        .contact(a, "pat@a.example", Some("portal password a"))
        .await;
    app.contact(b, "sam@b.example", Some("portal password b"))
        .await;
    let req_a = app.request(a, "A's request").await["id"].as_i64().unwrap();
    let req_b = app.request(b, "B's request").await["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/requests/{req_a}/messages"),
        &app.owner,
        json!({"body": "internal: client is late paying"}),
    )
    .await
    .ok(201);
    let (cookie, csrf) = app
        .portal_session("pat@a.example", "portal password a")
        .await;

    // Another firm.
    let other = app.app.create_org("globex", "Globex").await.unwrap();
    let m = app
        .app
        .add_member_as_operator(
            other.id,
            crate::support::member("boss@globex.example", "Boss", Role::Owner),
        )
        .await
        .unwrap();
    let ctx = app.app.ctx_for_member(other.id, m.id).await.unwrap();
    let (_, foreign) = app.app.create_token_for(&ctx, m.id, "t").await.unwrap();

    let roles = [
        ("owner", Who::Token(app.owner.clone())),
        (
            "admin",
            Who::Token(app.member_token("admin@acme.example", Role::Admin).await),
        ),
        (
            "manager",
            Who::Token(
                app.member_token("manager@acme.example", Role::Manager)
                    .await,
            ),
        ),
        (
            "agent",
            Who::Token(app.member_token("agent@acme.example", Role::Agent).await),
        ),
        ("contact", Who::Portal { cookie, csrf }),
        ("foreign", Who::Token(foreign)),
        ("anonymous", Who::Anonymous),
    ];

    let owner_id = app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap();

    // (method, path, body, expected status per role in the order above)
    type Case = (Method, String, Option<Value>, [u16; 7]);
    let n = std::sync::atomic::AtomicUsize::new(0);
    let uniq = || n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let cases: Vec<Case> = vec![
        (
            Method::GET,
            "/api/v1/clients".into(),
            None,
            [200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{a}"),
            None,
            [200, 200, 200, 200, 200, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{b}"),
            None,
            [200, 200, 200, 200, 404, 404, 401],
        ),
        (
            Method::PATCH,
            format!("/api/v1/clients/{a}"),
            Some(json!({"notes": "x"})),
            [200, 200, 200, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            "/api/v1/contacts".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/v1/engagements".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/requests/{req_a}"),
            None,
            [200, 200, 200, 200, 200, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/requests/{req_b}"),
            None,
            [200, 200, 200, 200, 404, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/requests/{req_b}/messages"),
            None,
            [200, 200, 200, 200, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{req_b}/messages"),
            Some(json!({"body": "hello"})),
            [201, 201, 201, 201, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{req_a}/transition"),
            Some(json!({"status": "triaged"})),
            [200, 409, 409, 409, 403, 404, 401],
        ),
        (
            Method::PATCH,
            format!("/api/v1/requests/{req_b}"),
            Some(json!({"priority": "high"})),
            [200, 200, 200, 200, 403, 404, 401],
        ),
        (
            Method::GET,
            "/api/v1/members".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            None,
            [200, 200, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/v1/time-entries".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/v1/tokens".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{a}/now"),
            None,
            [200, 200, 200, 200, 200, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{b}/now"),
            None,
            [200, 200, 200, 200, 404, 404, 401],
        ),
        (
            Method::GET,
            "/api/v1/silence".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/v1/capacity".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            format!("/api/v1/members/{owner_id}/capacity"),
            None,
            [200, 200, 200, 200, 403, 404, 401],
        ),
        (
            Method::GET,
            "/api/v1/promises/stats".into(),
            None,
            [200, 200, 200, 200, 403, 200, 401],
        ),
        (
            Method::POST,
            "/api/v1/promises/suggest".into(),
            Some(json!({"assignee_id": owner_id, "estimate_minutes": 60})),
            [200, 200, 200, 200, 403, 422, 401],
        ),
    ];
    for (method, path, body, expected) in cases {
        for ((role, who), want) in roles.iter().zip(expected) {
            let res = call(&app, who, method.clone(), &path, body.clone()).await;
            assert_eq!(res.status, want, "{role} {method} {path}: {}", res.body);
        }
    }

    // Creation: who may create what. Each body is unique so successes do not collide.
    type Create<'a> = (&'a str, Box<dyn Fn() -> Value + 'a>, [u16; 7]);
    let creates: Vec<Create> = vec![
        (
            "/api/v1/clients",
            Box::new(
                || json!({"name": format!("New client {}", uniq()), "calendar": {"tz": "UTC"}}),
            ),
            [201, 201, 201, 403, 403, 201, 401],
        ),
        (
            "/api/v1/contacts",
            Box::new(
                move || json!({"client_id": a, "name": "N", "email": format!("n{}@a.example", uniq())}),
            ),
            [201, 201, 201, 201, 403, 422, 401],
        ),
        (
            "/api/v1/engagements",
            Box::new(move || json!({"client_id": a, "name": "E", "currency": "EUR"})),
            [201, 201, 201, 403, 403, 422, 401],
        ),
        (
            "/api/v1/members",
            Box::new(
                || json!({"email": format!("m{}@acme.example", uniq()), "name": "M", "role": "agent", "tz": "UTC"}),
            ),
            [201, 201, 403, 403, 403, 201, 401],
        ),
        (
            "/api/v1/promises",
            Box::new(
                move || json!({"client_id": a, "kind": "reply", "due_at": "2099-01-01T00:00:00Z"}),
            ),
            [201, 201, 201, 201, 403, 422, 401],
        ),
        (
            "/api/v1/time-entries",
            Box::new(|| json!({"minutes": 5})),
            [201, 201, 201, 201, 403, 201, 401],
        ),
        // Mailboxes may not point into the server's network, whoever asks (issue 15).
        (
            "/api/v1/mailboxes",
            Box::new(|| {
                json!({"name": format!("Metadata {}", uniq()), "host": "169.254.169.254", "port": 80,
                       "tls": "none", "username": "u", "password": "p"})
            }),
            [422, 422, 403, 403, 403, 422, 401],
        ),
        // Probe jobs (which hold worker slots) are the operator's tool, not any role's.
        (
            "/api/v1/jobs/probe",
            Box::new(|| json!({"count": 40, "sleep_ms": 120000})),
            [405, 405, 405, 405, 405, 405, 405],
        ),
    ];
    for (path, body, expected) in creates {
        for ((role, who), want) in roles.iter().zip(expected) {
            let before = app.snapshot().await;
            let res = call(&app, who, Method::POST, path, Some(body())).await;
            assert_eq!(res.status, want, "{role} POST {path}: {}", res.body);
            if res.status >= 400 || *role == "foreign" {
                assert_eq!(
                    app.snapshot().await,
                    before,
                    "{role} POST {path} changed our data"
                );
            }
        }
    }

    // Agents versus contact credentials: the keys to a contact's portal (an invitation, their
    // address, access itself) are a manager's; a contact's password is nobody's but theirs.
    let target = app.contact(a, "kim@a.example", None).await;
    type Keys<'a> = (Method, String, Box<dyn Fn() -> Value + 'a>, [u16; 7]);
    let keys: Vec<Keys> = vec![
        (
            Method::POST,
            format!("/api/v1/contacts/{target}/invite"),
            Box::new(|| json!({})),
            [202, 202, 202, 403, 403, 404, 401],
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{target}"),
            Box::new(|| json!({"email": format!("kim{}@a.example", uniq())})),
            [200, 200, 200, 403, 403, 404, 401],
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{target}"),
            Box::new(|| json!({"portal_password": "chosen by staff 1"})),
            [422, 422, 422, 422, 422, 422, 401],
        ),
        (
            Method::POST,
            "/api/v1/contacts".into(),
            Box::new(move || {
                json!({"client_id": a, "name": "N", "email": format!("p{}@a.example", uniq()),
                               "portal_password": "chosen by staff 1"})
            }),
            [422, 422, 422, 422, 422, 422, 401],
        ),
    ];
    for (method, path, body, expected) in keys {
        for ((role, who), want) in roles.iter().zip(expected) {
            let before = app.snapshot().await;
            let res = call(&app, who, method.clone(), &path, Some(body())).await;
            assert_eq!(res.status, want, "{role} {method} {path}: {}", res.body);
            if res.status >= 400 {
                assert_eq!(
                    app.snapshot().await,
                    before,
                    "{role} {method} {path} changed our data"
                );
            }
        }
    }
    let revoke = json!({"portal_enabled": false});
    for (role, who) in &roles[3..] {
        let res = call(
            &app,
            who,
            Method::PATCH,
            &format!("/api/v1/contacts/{pat}"),
            Some(revoke.clone()),
        )
        .await;
        assert!(
            [401, 403, 404].contains(&res.status),
            "{role} revoked portal access: {}",
            res.body
        );
    }

    // Contacts versus internal fields: their own client, without what the firm keeps about it.
    app.patch(
        &format!("/api/v1/clients/{a}"),
        &app.owner,
        json!({"notes": "internal: slow payer", "etiquette": {"avoid": ["mate"]}}),
    )
    .await
    .ok(200);
    app.patch(
        &format!("/api/v1/contacts/{pat}"),
        &app.owner,
        json!({"etiquette": {"avoid": ["Patty"]}}),
    )
    .await
    .ok(200);
    for path in [
        format!("/api/v1/clients/{a}"),
        "/api/v1/clients".to_string(),
        "/api/v1/me".to_string(),
        format!("/api/v1/contacts/{pat}"),
    ] {
        let seen = call(&app, &roles[4].1, Method::GET, &path, None)
            .await
            .ok(200)
            .to_string();
        for internal in ["slow payer", "\"notes\"", "mate", "Patty"] {
            assert!(!seen.contains(internal), "{path} shows {internal}: {seen}");
        }
    }
    // The firm's view of the relationship is not the contact's to read.
    for path in [
        format!("/api/v1/clients/{a}/health"),
        format!("/api/v1/contacts/{pat}/etiquette"),
    ] {
        call(&app, &roles[4].1, Method::GET, &path, None)
            .await
            .problem(403);
        call(&app, &roles[3].1, Method::GET, &path, None)
            .await
            .ok(200);
    }
    let full = app
        .get(&format!("/api/v1/clients/{a}"), &app.owner)
        .await
        .ok(200);
    assert_eq!(full["notes"], "internal: slow payer");
    assert_eq!(full["etiquette"]["avoid"], json!(["mate"]));

    // What a contact sees is only their own client's work, and never an internal note.
    let Who::Portal { cookie, csrf } = &roles[4].1 else {
        unreachable!()
    };
    let contact = Who::Portal {
        cookie: cookie.clone(),
        csrf: csrf.clone(),
    };
    let list = call(&app, &contact, Method::GET, "/api/v1/requests", None)
        .await
        .ok(200);
    let clients: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["client_id"].as_i64().unwrap())
        .collect();
    assert!(
        !clients.is_empty() && clients.iter().all(|c| *c == a),
        "{clients:?}"
    );
    let list = call(
        &app,
        &contact,
        Method::GET,
        &format!("/api/v1/requests?client_id={b}"),
        None,
    )
    .await
    .ok(200);
    assert!(list["items"].as_array().unwrap().is_empty());
    let thread = call(
        &app,
        &contact,
        Method::GET,
        &format!("/api/v1/requests/{req_a}/messages"),
        None,
    )
    .await
    .ok(200);
    assert!(
        !thread.to_string().contains("late paying"),
        "internal notes leaked: {thread}"
    );
    let posted = call(
        &app,
        &contact,
        Method::POST,
        &format!("/api/v1/requests/{req_a}/messages"),
        Some(json!({"body": "Any news?"})),
    )
    .await
    .ok(201);
    assert_eq!(posted["direction"], "inbound");
    let made = call(
        &app,
        &contact,
        Method::POST,
        "/api/v1/requests",
        Some(json!({"title": "From the portal"})),
    )
    .await
    .ok(201);
    assert_eq!(made["client_id"], a);
    assert_eq!(made["channel"], "portal");
    call(
        &app,
        &contact,
        Method::POST,
        "/api/v1/requests",
        Some(json!({"title": "x", "client_id": b})),
    )
    .await
    .problem(422);
    // The foreign firm sees none of our requests.
    let Who::Token(foreign) = &roles[5].1 else {
        unreachable!()
    };
    let theirs = app.get("/api/v1/requests", foreign).await.ok(200);
    assert!(theirs["items"].as_array().unwrap().is_empty());
});
