//! Issue 15's lower-severity findings: sign-in back-off that does not lock the real person out
//! (and a trusted proxy's forwarded address), nothing written for a made-up credential, session
//! and reset-link hygiene, Secure cookies and HSTS on https, and `/metrics` behind a token.

use std::time::Duration;

use rapport_app::Limit;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{METRICS_TOKEN, PASSWORD, Res, TestApp};

/// Sign in as `email` with `password`, from `forwarded` (an X-Forwarded-For value) if given.
async fn login_from(app: &TestApp, email: &str, password: &str, forwarded: Option<&str>) -> Res {
    let mut req = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": password}));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    Res {
        status,
        body,
        headers,
    }
}

fn retry_after(res: &Res) -> u64 {
    res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn session_cookie(res: &Res) -> String {
    res.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

const OWNER: &str = "owner@acme.example";
const WRONG: &str = "not the password at all";

/// A server behind a reverse proxy on 127.0.0.1 (the test client), allowing `per_address`
/// free failures from one address.
async fn behind_proxy(engine: rapport_store::Engine, per_address: i64) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.sign_in.per_address.free = per_address;
        // The old per-address limit, set alike so that the same test shows what it did.
        s.sign_in_per_ip = Limit {
            count: per_address,
            window: jiff::SignedDuration::from_mins(15),
        };
        web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        web.api_rate = None;
    })
    .await
}

macro_rules! behind_proxy {
    ($name:ident, $per_address:expr, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = behind_proxy(rapport_store::Engine::Sqlite, $per_address)
                    .await
                    .unwrap();
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = behind_proxy(rapport_store::Engine::Postgres, $per_address).await
                else {
                    eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

const GUESSER: &str = "203.0.113.66";
const OWNER_AT_HOME: &str = "198.51.100.7";

behind_proxy!(
    a_guesser_elsewhere_does_not_lock_the_owner_out,
    50,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        // Ten free failures for this account from the guesser's address, then it backs off.
        for _ in 0..10 {
            login_from(&app, OWNER, WRONG, Some(GUESSER))
                .await
                .problem(401);
        }
        let r = login_from(&app, OWNER, WRONG, Some(GUESSER))
            .await
            .problem(429);
        assert_eq!(retry_after(&r), 30);
        // The guesser does not learn whether the right password is right.
        login_from(&app, OWNER, PASSWORD, Some(GUESSER))
            .await
            .problem(429);
        // The owner, from their own address, signs in at once.
        login_from(&app, OWNER, PASSWORD, Some(OWNER_AT_HOME))
            .await
            .ok(200);
        // The audit trail names the address the proxy forwarded, not the proxy's.
        let failed = app
            .get("/api/v1/audit?action=auth.sign_in_failed", &app.owner)
            .await
            .ok(200);
        let text = failed.to_string();
        assert!(text.contains(GUESSER), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }
);

behind_proxy!(
    the_back_off_grows_and_then_forgets,
    50,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        for _ in 0..10 {
            login_from(&app, OWNER, WRONG, Some(GUESSER))
                .await
                .problem(401);
        }
        let mut waits = Vec::new();
        for _ in 0..4 {
            let r = login_from(&app, OWNER, WRONG, Some(GUESSER))
                .await
                .problem(429);
            let wait = retry_after(&r);
            waits.push(wait);
            app.advance(jiff::SignedDuration::from_secs(wait as i64));
            // Waited out: one more attempt is heard (and fails).
            login_from(&app, OWNER, WRONG, Some(GUESSER))
                .await
                .problem(401);
        }
        assert_eq!(waits, [30, 60, 120, 240], "each failure doubles the wait");
        // An hour without failures and the counter has cleared: ten free attempts again.
        app.advance_minutes(61);
        for _ in 0..10 {
            login_from(&app, OWNER, WRONG, Some(GUESSER))
                .await
                .problem(401);
        }
        login_from(&app, OWNER, WRONG, Some(GUESSER))
            .await
            .problem(429);
    }
);

behind_proxy!(
    the_per_address_counter_counts_failures_only_and_clears,
    5,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        // Many people behind one office address sign in correctly: none of that counts.
        for _ in 0..8 {
            login_from(&app, OWNER, PASSWORD, Some(GUESSER))
                .await
                .ok(200);
        }
        // Guessing across accounts from one address: five free failures, then back-off, for
        // every account tried from there.
        for i in 0..5 {
            login_from(
                &app,
                &format!("nobody{i}@acme.example"),
                WRONG,
                Some(GUESSER),
            )
            .await
            .problem(401);
        }
        login_from(&app, "someone-else@acme.example", WRONG, Some(GUESSER))
            .await
            .problem(429);
        // Another address is unaffected.
        login_from(
            &app,
            "someone-else@acme.example",
            WRONG,
            Some(OWNER_AT_HOME),
        )
        .await
        .problem(401);
        // After an hour without failures the address's counter has cleared.
        app.advance_minutes(61);
        login_from(&app, OWNER, PASSWORD, Some(GUESSER))
            .await
            .ok(200);
        for i in 0..5 {
            login_from(
                &app,
                &format!("nobody{i}@acme.example"),
                WRONG,
                Some(GUESSER),
            )
            .await
            .problem(401);
        }
    }
);

both!(
    forwarded_addresses_are_ignored_from_untrusted_peers,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        // No proxy is configured: a client cannot dodge its back-off by naming a new address
        // in each request.
        for i in 0..10 {
            login_from(&app, OWNER, WRONG, Some(&format!("192.0.2.{i}")))
                .await
                .problem(401);
        }
        login_from(&app, OWNER, WRONG, Some("192.0.2.200"))
            .await
            .problem(429);
    }
);

both!(
    a_made_up_credential_writes_nothing,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let before = app.snapshot().await;
        let keys_before = app.count("idempotency_keys").await;
        let audit_before = app.count("audit_events").await;
        // Well-formed secrets naming this org, that the server never issued.
        let bearer =
            rapport_app::auth::new_secret(rapport_app::auth::SecretKind::ApiToken, app.org);
        let session =
            rapport_app::auth::new_secret(rapport_app::auth::SecretKind::Session, app.org);
        for i in 0..3 {
            let res = app
                .http
                .post(format!("{}/api/v1/requests", app.base))
                .bearer_auth(&bearer)
                .header("idempotency-key", format!("made-up-{i}"))
                .json(&json!({"client_id": client, "title": "Injected"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 401);
            let res = app
                .http
                .post(format!("{}/api/v1/requests", app.base))
                .header("cookie", format!("rapport_session={session}"))
                .header("x-csrf-token", "whatever")
                .header("idempotency-key", format!("made-up-cookie-{i}"))
                .json(&json!({"client_id": client, "title": "Injected"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 401);
        }
        assert_eq!(app.count("idempotency_keys").await, keys_before);
        assert_eq!(app.count("audit_events").await, audit_before);
        assert_eq!(app.snapshot().await, before);
        // A real token's key is still recorded and replayed.
        for _ in 0..2 {
            app.http
                .post(format!("{}/api/v1/requests", app.base))
                .bearer_auth(&app.owner)
                .header("idempotency-key", "real-1")
                .json(&json!({"client_id": client, "title": "Real"}))
                .send()
                .await
                .unwrap();
        }
        assert_eq!(app.count("idempotency_keys").await, keys_before + 1);
    }
);

async fn sessions(app: &TestApp) -> i64 {
    app.count("sessions").await
}

both!(expired_sessions_are_deleted, |app: TestApp| async move {
    app.set_now("2030-03-04T10:00:00Z");
    let first = session_cookie(&login_from(&app, OWNER, PASSWORD, None).await.ok_res(200));
    let second = session_cookie(&login_from(&app, OWNER, PASSWORD, None).await.ok_res(200));
    assert_eq!(sessions(&app).await, 2);
    // A week and a day later both have expired. Presenting one deletes it.
    app.advance_minutes(8 * 24 * 60);
    app.with_cookie(Method::GET, "/api/v1/me", &first, None, None)
        .await
        .problem(401);
    assert_eq!(sessions(&app).await, 1);
    // The other, never presented again, goes at the worker's housekeeping.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let cfg = rapport_app::jobs::WorkerConfig::new("housekeeping-test:1");
    tokio::spawn(std::sync::Arc::new(app.app.clone()).run_worker(cfg, stopped));
    let start = std::time::Instant::now();
    while sessions(&app).await > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "housekeeping ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    app.with_cookie(Method::GET, "/api/v1/me", &second, None, None)
        .await
        .problem(401);
});

/// The reset tokens mailed to `to`, oldest first.
async fn reset_tokens(app: &TestApp, to: &str) -> Vec<String> {
    let (org, to) = (app.org, to.to_string());
    let mails = app
        .app
        .store()
        .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
        .await
        .unwrap();
    let mut tokens: Vec<(i64, String)> = mails
        .iter()
        .filter_map(|m| {
            let t = m.body.split("token=").nth(1)?.split_whitespace().next()?;
            Some((m.id, t.to_string()))
        })
        .collect();
    tokens.sort();
    tokens.into_iter().map(|(_, t)| t).collect()
}

both!(
    a_password_reset_ends_sessions_and_older_links,
    |app: TestApp| async move {
        let cookie = session_cookie(&login_from(&app, OWNER, PASSWORD, None).await.ok_res(200));
        for _ in 0..2 {
            app.call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({"email": OWNER})),
            )
            .await
            .ok(202);
        }
        let tokens = reset_tokens(&app, OWNER).await;
        assert_eq!(tokens.len(), 2, "two links were mailed");
        let new_password = "a brand new passphrase 2030";
        app.call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": tokens[1], "password": new_password})),
        )
        .await
        .ok(204);
        // The session from before is over, and the older link no longer works.
        app.with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
            .await
            .problem(401);
        app.call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": tokens[0], "password": "someone else's choice 99"})),
        )
        .await
        .problem(409);
        login_from(&app, OWNER, new_password, None).await.ok(200);
        login_from(&app, OWNER, "someone else's choice 99", None)
            .await
            .problem(401);
    }
);

async fn https_server(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.public_url = "https://desk.acme.example".into();
        web.api_rate = None;
    })
    .await
}

async fn cookies_follow_the_public_url(app: TestApp, https: bool) {
    let res = login_from(&app, OWNER, PASSWORD, None).await.ok_res(200);
    let cookie = res.headers["set-cookie"].to_str().unwrap().to_string();
    assert_eq!(cookie.contains("; Secure"), https, "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    for path in ["/healthz", "/api/v1/me", "/app/login"] {
        let res = app.call(Method::GET, path, None, None).await;
        let hsts = res
            .headers
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap().to_string());
        if https {
            assert!(
                hsts.as_deref()
                    .is_some_and(|h| h.contains("max-age=31536000")),
                "{path}: {hsts:?}"
            );
        } else {
            assert_eq!(hsts, None, "{path}: no HSTS over plain http");
        }
    }
}

mod https {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn secure_cookies_and_hsts_when_the_public_url_is_https_sqlite() {
        let app = https_server(rapport_store::Engine::Sqlite).await.unwrap();
        cookies_follow_the_public_url(app, true).await;
        let plain = TestApp::spawn(rapport_store::Engine::Sqlite).await.unwrap();
        cookies_follow_the_public_url(plain, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn secure_cookies_and_hsts_when_the_public_url_is_https_postgres() {
        let Some(app) = https_server(rapport_store::Engine::Postgres).await else {
            eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
            return;
        };
        cookies_follow_the_public_url(app, true).await;
    }
}

both!(
    metrics_need_the_operators_token,
    |app: TestApp| async move {
        app.get("/api/v1/requests", &app.owner).await.ok(200);
        let metrics = |token: Option<&'static str>| {
            let (http, url) = (app.http.clone(), format!("{}/metrics", app.base));
            async move {
                let mut req = http.get(url);
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let res = req.send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        let (status, body) = metrics(None).await;
        assert_eq!(status, 401);
        assert!(!body.contains("rapport_http_requests_total"), "{body}");
        let (status, body) = metrics(Some("a-wrong-metrics-token-000")).await;
        assert_eq!(status, 401);
        assert!(!body.contains("rapport_http_requests_total"));
        // A tenant's own API token is not the operator's.
        let (status, _) = {
            let res = app
                .http
                .get(format!("{}/metrics", app.base))
                .bearer_auth(&app.owner)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), ())
        };
        assert_eq!(status, 401);
        let (status, body) = metrics(Some(METRICS_TOKEN)).await;
        assert_eq!(status, 200);
        assert!(body.contains("rapport_http_requests_total"), "{body}");
    }
);

async fn metrics_are_off_without_a_token(engine: rapport_store::Engine) {
    let Some(app) = TestApp::spawn_with(engine, |_, web| {
        web.metrics_token = None;
        web.api_rate = None;
    })
    .await
    else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let res = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(res.status, 404);
    let res = app
        .http
        .get(format!("{}/metrics", app.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

mod metrics_off {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::metrics_are_off_without_a_token(rapport_store::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::metrics_are_off_without_a_token(rapport_store::Engine::Postgres).await;
    }
}
