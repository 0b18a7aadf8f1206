//! Mailbox hosts cannot be used to probe the server's network: private, loopback and
//! link-local hosts and non-IMAP ports are refused (unless the operator allows them), the
//! real IMAP reader is held to the same rule at every poll, what the tenant is told does not
//! tell an open port from a closed one, and a stalling server cannot hold a poll for long.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rapport_core::inbox::NewMailbox;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::both;
use crate::support::TestApp;

fn mailbox(host: &str, port: u16) -> Value {
    json!({"name": format!("{host}:{port}"), "host": host, "port": port, "tls": "none",
           "username": "u", "password": "p"})
}

both!(
    mailboxes_refuse_private_hosts_and_other_ports,
    |app: TestApp| async move {
        let jobs = app.count("jobs").await;
        for (host, port, field) in [
            ("127.0.0.1", 5432, "host"),
            ("127.0.0.1", 143, "host"),
            ("169.254.169.254", 80, "host"),
            ("10.0.0.5", 993, "host"),
            ("localhost", 993, "host"),
            ("::1", 993, "host"),
            ("::127.0.0.1", 993, "host"),
            ("fec0::1", 993, "host"),
            ("64:ff9b::a9fe:a9fe", 143, "host"),
            ("imap.example.com", 5432, "port"),
            ("imap.example.com", 80, "port"),
        ] {
            let res = app
                .post("/api/v1/mailboxes", &app.owner, mailbox(host, port))
                .await
                .problem(422);
            assert!(
                res.fields().contains(&field.to_string()),
                "{host}:{port}: {}",
                res.body
            );
        }
        assert_eq!(app.count("mailboxes").await, 0, "nothing was stored");
        assert_eq!(app.count("jobs").await, jobs, "no poll was queued");
        // The IMAP ports on a public name are fine.
        app.post(
            "/api/v1/mailboxes",
            &app.owner,
            mailbox("imap.example.com", 993),
        )
        .await
        .ok(201);
    }
);

/// A mailbox stored without today's checks (made by an earlier version), with its poll queued.
async fn stored_mailbox(app: &TestApp, host: &str, port: u16) -> i64 {
    let input: NewMailbox = serde_json::from_value(mailbox(host, port)).unwrap();
    let draft = input.validate().unwrap();
    let sealed = app
        .app
        .settings
        .secrets
        .seal(&rapport_app::secrets::Secret::new("p"))
        .unwrap();
    let org = app.org;
    let now = app.app.now();
    let id = app
        .app
        .store()
        .write(move |db| {
            rapport_store::repo::mail::insert_imap_mailbox(db, org, &draft, &sealed, now)
        })
        .await
        .unwrap()
        .id;
    app.app
        .enqueue(org, "mail.poll", json!({"mailbox_id": id}), None, None)
        .await
        .unwrap();
    id
}

/// A TCP server on loopback that counts connections and answers each with `reply` (nothing,
/// when empty, holding the connection open).
async fn listener(reply: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&n);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if reply.is_empty() {
                    tokio::time::sleep(Duration::from_secs(300)).await;
                } else {
                    let _ = s.write_all(reply).await;
                    let _ = s.shutdown().await;
                }
            });
        }
    });
    (port, n)
}

async fn status(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/mailboxes/{id}"), &app.owner)
        .await
        .ok(200)
}

both!(
    the_reader_refuses_private_hosts_at_every_poll,
    |app: TestApp| async move {
        // Something listens on loopback (as a database would); a mailbox from before the checks
        // points at it. The poll refuses without connecting.
        let (port, connections) = listener(b"* OK not really IMAP\r\n").await;
        let id = stored_mailbox(&app, "127.0.0.1", port).await;
        app.run_jobs().await;
        assert_eq!(connections.load(Ordering::SeqCst), 0, "never connected");
        let mb = status(&app, id).await;
        assert_eq!(mb["status"], "failing", "{mb}");
        let error = mb["last_error"].as_str().unwrap();
        assert!(error.contains("not a public address"), "{error}");
    }
);

async fn spawn_lax(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.mail.allow_private_hosts = true;
        s.mail.allow_any_port = true;
        s.mail.poll_timeout = Duration::from_secs(2);
        web.api_rate = None;
    })
    .await
}

async fn open_and_closed_ports_read_alike(app: TestApp) {
    // An open port that is not IMAP, and a closed one.
    let (open, connections) = listener(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut errors = Vec::new();
    for port in [open, closed] {
        let id = app
            .post("/api/v1/mailboxes", &app.owner, mailbox("127.0.0.1", port))
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.run_jobs().await;
        let mb = status(&app, id).await;
        assert_eq!(mb["status"], "failing", "{mb}");
        let error = mb["last_error"].as_str().unwrap().to_string();
        errors.push(error.replace(&port.to_string(), "PORT"));
    }
    assert!(
        connections.load(Ordering::SeqCst) >= 1,
        "the open port was tried"
    );
    assert_eq!(errors[0], errors[1], "open and closed ports read alike");
    assert!(
        errors[0].contains("could not reach an IMAP server"),
        "{}",
        errors[0]
    );
    // The alert the organisation sees says no more.
    let alerts = app.get("/api/v1/alerts", &app.owner).await.ok(200);
    let text = alerts.to_string();
    assert!(
        !text.contains("Bad Request") && !text.contains("refused"),
        "{text}"
    );
}

async fn a_stalling_server_cannot_hold_a_poll(app: TestApp) {
    // Accepts, then never says a word: the poll is cut at the configured bound (2 s here).
    let (port, connections) = listener(b"").await;
    let id = app
        .post("/api/v1/mailboxes", &app.owner, mailbox("127.0.0.1", port))
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let start = Instant::now();
    app.run_jobs().await;
    let took = start.elapsed();
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert!(took < Duration::from_secs(15), "the poll took {took:?}");
    let mb = status(&app, id).await;
    assert_eq!(mb["status"], "failing", "{mb}");
    assert!(
        mb["last_error"]
            .as_str()
            .unwrap()
            .contains("longer than 2 s"),
        "{mb}"
    );
}

mod lax {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_and_closed_ports_read_alike_sqlite() {
        let app = spawn_lax(rapport_store::Engine::Sqlite).await.unwrap();
        open_and_closed_ports_read_alike(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_and_closed_ports_read_alike_postgres() {
        let Some(app) = spawn_lax(rapport_store::Engine::Postgres).await else {
            eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
            return;
        };
        open_and_closed_ports_read_alike(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stalling_server_cannot_hold_a_poll_sqlite() {
        let app = spawn_lax(rapport_store::Engine::Sqlite).await.unwrap();
        a_stalling_server_cannot_hold_a_poll(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stalling_server_cannot_hold_a_poll_postgres() {
        let Some(app) = spawn_lax(rapport_store::Engine::Postgres).await else {
            eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
            return;
        };
        a_stalling_server_cannot_hold_a_poll(app).await;
    }
}
