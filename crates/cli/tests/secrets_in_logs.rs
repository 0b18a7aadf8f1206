//! Secrets never reach the logs: a full run at debug level, with every kind of secret in play,
//! and the captured log searched for each of them.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, cli};
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_ever_logged() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    let key = String::from_utf8(Command::new(BIN).arg("secret-key").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    let password = "Sup3r-secret owner passphrase";
    cli(
        &url,
        &[
            "user",
            "add",
            "--org",
            "acme",
            "--email",
            "owner@acme.example",
            "--name",
            "Owner",
            "--role",
            "owner",
        ],
        &[("RAPPORT_PASSWORD", password)],
    );
    let token = cli(
        &url,
        &[
            "token",
            "create",
            "--org",
            "acme",
            "--email",
            "owner@acme.example",
        ],
        &[],
    )
    .trim()
    .to_string();
    let metrics_token = "operator-metrics-token-7f3a9c";
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--db",
            &url,
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--log-level",
            "debug",
        ])
        .env("RAPPORT_SECRET_KEY", &key)
        .env("RAPPORT_METRICS_TOKEN", metrics_token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let base = String::from_utf8(line)
        .unwrap()
        .trim()
        .trim_start_matches("Rapport is serving at ")
        .to_string();
    let http = reqwest::Client::new();

    // Sign in (a password and a session), use the token, enrol TOTP (a sealed seed), ask for a
    // password reset (a one-time link), make a portal contact with a password.
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "owner@acme.example", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let session = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_string();
    let csrf = res.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let totp: Value = http
        .post(format!("{base}/api/v1/me/totp"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seed = totp["secret"].as_str().unwrap().to_string();
    http.post(format!("{base}/api/v1/auth/password-reset"))
        .json(&json!({"email": "owner@acme.example"}))
        .send()
        .await
        .unwrap();
    let client: Value = http
        .post(format!("{base}/api/v1/clients"))
        .bearer_auth(&token)
        .json(&json!({"name": "Kaveri Foods", "calendar": {"tz": "Asia/Kolkata"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let contact: Value = http
        .post(format!("{base}/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&json!({"client_id": client["id"], "name": "Priya", "email": "priya@kaveri.example"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invited = http
        .post(format!("{base}/api/v1/contacts/{}/invite", contact["id"]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status().as_u16(), 202);
    // A failed sign-in with a wrong (but secret) password.
    let wrong = "not-my-password-but-still-secret";
    http.post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "owner@acme.example", "password": wrong}))
        .send()
        .await
        .unwrap();
    http.get(format!("{base}/api/v1/me"))
        .header("cookie", format!("rapport_session={session}"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();

    let store = db.store().await.unwrap();
    let reset_token = token_mailed(&store, "password_reset").await;

    // The contact accepts the invitation, choosing their own portal password.
    let invite_token = token_mailed(&store, "portal_invite").await;
    let portal_password = "contact portal passphrase 9";
    let accepted = http
        .post(format!("{base}/api/v1/portal/invite/accept"))
        .json(&json!({"token": invite_token, "password": portal_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);

    // Credentials that travel in URLs: a calendar feed, the reset link, a portal sign-in link
    // (each requested as a browser or calendar would), and the metrics token in a header.
    let feed: Value = http
        .post(format!("{base}/api/v1/calendar-feeds"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed_path = feed["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{feed}"))
        .split("/api/v1/feeds/")
        .nth(1)
        .unwrap()
        .to_string();
    let feed_token = feed_path.trim_end_matches(".ics").to_string();
    let res = http
        .get(format!("{base}/api/v1/feeds/{feed_path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    http.get(format!("{base}/reset?token={reset_token}"))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/v1/portal/link"))
        .json(&json!({"email": "priya@kaveri.example"}))
        .send()
        .await
        .unwrap();
    let portal_token = token_mailed(&store, "portal_sign_in").await;
    http.get(format!("{base}/portal/link?token={portal_token}"))
        .send()
        .await
        .unwrap();
    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(metrics_token)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status().as_u16(), 200);

    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let _ = child.wait();
    tokio::time::sleep(Duration::from_millis(50)).await;

    assert!(log.lines().count() > 10, "the run logged: {log}");
    for (what, secret) in [
        ("secret key", key.as_str()),
        ("owner password", password),
        ("API token", token.as_str()),
        ("session", session.as_str()),
        ("CSRF token", csrf.as_str()),
        ("TOTP seed", seed.as_str()),
        ("reset token", reset_token.as_str()),
        ("portal password", portal_password),
        ("portal invitation token", invite_token.as_str()),
        ("wrong password", wrong),
        ("calendar feed token", feed_token.as_str()),
        ("portal sign-in token", portal_token.as_str()),
        ("metrics token", metrics_token),
    ] {
        assert!(!log.contains(secret), "the {what} appears in the log");
    }
    // The requests were logged, with their credentials hidden: the test looked in the right
    // place.
    for logged in [
        "/api/v1/feeds/[redacted]",
        "/reset?token=[redacted]",
        "/portal/link?token=[redacted]",
    ] {
        assert!(log.contains(logged), "{logged} is not in the log");
    }
}

/// The token in the link of the system mail of `kind` (a reset, an invitation, a sign-in link).
async fn token_mailed(store: &rapport_store::Store, kind: &'static str) -> String {
    let body: String = store
        .read(move |db| {
            db.scalar(
                "SELECT body FROM outbox WHERE kind = $1",
                rapport_store::params![kind],
            )
        })
        .await
        .unwrap();
    body.split("token=")
        .nth(1)
        .unwrap_or_else(|| panic!("no link in the {kind} mail: {body}"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
