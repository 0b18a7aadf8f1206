//! Accounts and abuse limits: what issue 10 asks of sign-in, sessions, links and limits.

use std::io::{Read, Write};
use std::time::Duration;

use rapport_core::access::Role;
use rapport_store::params;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};

async fn login(app: &TestApp, body: Value, cookie: Option<&str>) -> crate::support::Res {
    let mut req = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    crate::support::Res {
        status,
        body,
        headers,
    }
}

fn cookie_of(res: &crate::support::Res) -> String {
    res.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn latest_mail(app: &TestApp, to: &str) -> String {
    let (org, to) = (app.org, to.to_string());
    let mails = app
        .app
        .store()
        .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
        .await
        .unwrap();
    mails.first().map(|m| m.body.clone()).unwrap_or_default()
}

fn token_in(mail: &str, marker: &str) -> String {
    let start = mail
        .find(marker)
        .unwrap_or_else(|| panic!("no link in {mail}"))
        + marker.len();
    mail[start..].split_whitespace().next().unwrap().to_string()
}

both!(
    security_headers_on_every_answer,
    |app: TestApp| async move {
        for path in ["/healthz", "/api/v1/requests", "/nowhere"] {
            let res = app.call(Method::GET, path, None, None).await;
            let csp = res.headers["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{csp}"
            );
            assert!(!csp.contains("unsafe-inline"));
            assert_eq!(res.headers["x-content-type-options"], "nosniff");
            assert_eq!(res.headers["referrer-policy"], "same-origin");
        }
    }
);

both!(
    sign_in_is_rate_limited_per_account,
    |app: TestApp| async move {
        for _ in 0..10 {
            let r = login(
                &app,
                json!({"email": "owner@acme.example", "password": "wrong password"}),
                None,
            )
            .await;
            assert_eq!(r.status, 401);
        }
        let r = login(
            &app,
            json!({"email": "owner@acme.example", "password": "wrong password"}),
            None,
        )
        .await
        .problem(429);
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        // Even the right password waits out the window: the guesser must not learn it is right.
        login(
            &app,
            json!({"email": "owner@acme.example", "password": PASSWORD}),
            None,
        )
        .await
        .problem(429);
        let limited = app
            .get("/api/v1/audit?action=auth.rate_limited", &app.owner)
            .await
            .ok(200);
        assert!(!limited["items"].as_array().unwrap().is_empty());
    }
);

both!(sign_in_rotates_the_session, |app: TestApp| async move {
    let first = login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await;
    let old = cookie_of(&first);
    let second = login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        Some(&old),
    )
    .await;
    let new = cookie_of(&second);
    assert_ne!(old, new);
    app.with_cookie(Method::GET, "/api/v1/me", &old, None, None)
        .await
        .problem(401);
    app.with_cookie(Method::GET, "/api/v1/me", &new, None, None)
        .await
        .ok(200);
});

both!(totp_second_factor, |app: TestApp| async move {
    // A fixed clock: each code works once, so the test picks which step each one is for.
    app.set_now("2030-03-04T10:00:00Z");
    let setup = app
        .call(Method::POST, "/api/v1/me/totp", Some(&app.owner), None)
        .await
        .ok(201);
    let secret = rapport_app::totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    assert!(
        setup["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let code = |offset: i64| {
        let step = app.app.now().as_second().div_euclid(30) + offset;
        format!("{:06}", rapport_app::totp::code_at_step(&secret, step, 6))
    };
    // Not required until confirmed.
    login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await
    .ok(200);
    let r = app
        .post(
            "/api/v1/me/totp/enable",
            &app.owner,
            json!({"code": "000000", "password": PASSWORD}),
        )
        .await;
    if code(0) != "000000" {
        r.problem(422);
    }
    app.post(
        "/api/v1/me/totp/enable",
        &app.owner,
        json!({"code": code(0), "password": PASSWORD}),
    )
    .await
    .ok(204);
    // The code that turned it on is spent; the next step's code (within the drift allowed)
    // signs in.
    app.advance(jiff::SignedDuration::from_secs(30));
    let r = login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await
    .problem(401);
    assert!(
        r.body["type"].as_str().unwrap().ends_with("totp-required"),
        "{}",
        r.body
    );
    let wrong = if code(0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD, "totp": wrong}),
        None,
    )
    .await
    .problem(401);
    login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD, "totp": code(0)}),
        None,
    )
    .await
    .ok(200);
    // The seed is sealed at rest.
    let org = app.org;
    let stored: Option<String> = app
        .app
        .store()
        .read(move |db| {
            db.scalar(
                "SELECT totp_secret FROM members WHERE org_id = $1 AND totp_enabled = TRUE",
                params![org],
            )
        })
        .await
        .unwrap();
    let stored = stored.unwrap();
    assert!(stored.starts_with("sealed1:") && !stored.contains(setup["secret"].as_str().unwrap()));
    app.advance(jiff::SignedDuration::from_secs(30));
    app.post(
        "/api/v1/me/totp/disable",
        &app.owner,
        json!({"code": code(0)}),
    )
    .await
    .ok(204);
    login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await
    .ok(200);
});

both!(password_reset_by_one_time_link, |app: TestApp| async move {
    let before = login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await;
    let old_session = cookie_of(&before);
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(json!({"email": "nobody@acme.example"})),
    )
    .await
    .ok(202);
    assert_eq!(
        latest_mail(&app, "nobody@acme.example").await,
        "",
        "no mail for unknown accounts"
    );
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(json!({"email": "owner@acme.example"})),
    )
    .await
    .ok(202);
    let mail = latest_mail(&app, "owner@acme.example").await;
    let token = token_in(&mail, "/reset?token=");
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": token, "password": "short"})),
    )
    .await
    .problem(422);
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": token, "password": "a brand new passphrase"})),
    )
    .await
    .ok(204);
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": token, "password": "another new passphrase"})),
    )
    .await
    .problem(409);
    app.call(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": "rpr_1_nonsense", "password": "another new passphrase"})),
    )
    .await
    .problem(404);
    app.with_cookie(Method::GET, "/api/v1/me", &old_session, None, None)
        .await
        .problem(401);
    login(
        &app,
        json!({"email": "owner@acme.example", "password": PASSWORD}),
        None,
    )
    .await
    .problem(401);
    login(
        &app,
        json!({"email": "owner@acme.example", "password": "a brand new passphrase"}),
        None,
    )
    .await
    .ok(200);
});

both!(portal_sign_in_by_link, |app: TestApp| async move {
    let client = app.client("Kaveri Foods").await;
    let priya = app.contact(client, "priya@kaveri.example", None).await;
    // Links are for contacts with portal access: an invitation gives it.
    app.invite(priya, &app.owner).await;
    app.call(
        Method::POST,
        "/api/v1/portal/link",
        None,
        Some(json!({"email": "priya@kaveri.example"})),
    )
    .await
    .ok(202);
    let token = token_in(
        &latest_mail(&app, "priya@kaveri.example").await,
        "/portal/link?token=",
    );
    let res = app
        .http
        .post(format!("{}/api/v1/portal/link/consume", app.base))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me = app
        .with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
        .await
        .ok(200);
    assert_eq!(me["contact"]["email"], "priya@kaveri.example");
    app.call(
        Method::POST,
        "/api/v1/portal/link/consume",
        None,
        Some(json!({"token": token})),
    )
    .await
    .problem(409);
});

both!(idempotent_posts_replay, |app: TestApp| async move {
    let client = app.client("Kaveri Foods").await;
    let send = |body: Value, key: &'static str| {
        let (http, url, token) = (
            app.http.clone(),
            format!("{}/api/v1/requests", app.base),
            app.owner.clone(),
        );
        async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = res.headers().get("idempotent-replayed").is_some();
            (
                res.status().as_u16(),
                replayed,
                res.json::<Value>().await.unwrap(),
            )
        }
    };
    let body = json!({"client_id": client, "title": "Nightly import failed"});
    let (s1, r1, first) = send(body.clone(), "retry-me-1").await;
    let (s2, r2, second) = send(body.clone(), "retry-me-1").await;
    assert_eq!((s1, r1), (201, false));
    assert_eq!((s2, r2), (201, true));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(
        app.count("requests").await,
        1,
        "the retry did not create a second request"
    );
    let (s3, _, problem) = send(
        json!({"client_id": client, "title": "Something else"}),
        "retry-me-1",
    )
    .await;
    assert_eq!(s3, 422, "{problem}");
    let (s4, _, _) = send(body, "retry-me-2").await;
    assert_eq!(s4, 201);
    assert_eq!(app.count("requests").await, 2);
});

both!(permission_denials_are_audited, |app: TestApp| async move {
    let agent = app.member_token("agent@acme.example", Role::Agent).await;
    app.post(
        "/api/v1/clients",
        &agent,
        json!({"name": "X", "calendar": {"tz": "UTC"}}),
    )
    .await
    .problem(403);
    let denied = app
        .get("/api/v1/audit?action=auth.denied", &app.owner)
        .await
        .ok(200);
    let e = &denied["items"][0];
    assert_eq!(e["details"]["path"], "/api/v1/clients");
    assert_eq!(e["details"]["method"], "POST");
    assert_eq!(e["actor"]["kind"], "member");
    assert_eq!(e["ip"], "127.0.0.1");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_are_rate_limited_per_token() {
    let app = TestApp::spawn_with(rapport_store::Engine::Sqlite, |_, web| {
        web.api_rate = Some((1.0, 3.0))
    })
    .await
    .unwrap();
    for _ in 0..3 {
        app.get("/api/v1/me", &app.owner).await.ok(200);
    }
    let r = app.get("/api/v1/me", &app.owner).await.problem(429);
    assert!(
        r.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Another credential has its own bucket.
    let agent = app.member_token("agent@acme.example", Role::Agent).await;
    app.get("/api/v1/me", &agent).await.ok(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_connections_are_bounded() {
    let app = TestApp::spawn_with(rapport_store::Engine::Sqlite, |_, web| {
        web.limits.max_connections = 2;
        web.limits.header_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    // Two slow-loris connections take both slots, sending half a request line.
    let mut slow: Vec<std::net::TcpStream> = (0..2)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    // A third client waits for a slot; it gets one once the header deadline cuts a slow one off.
    let started = std::time::Instant::now();
    let res = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(res.status, 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(700),
        "served before a slot was freed: {waited:?}"
    );
    // The slow connections were closed by the server.
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
}
