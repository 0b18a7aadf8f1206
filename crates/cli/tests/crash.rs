//! Nothing acknowledged is lost: writes at full speed while the server is killed with SIGKILL
//! again and again; every write that got a 2xx answer must be there afterwards, and the
//! database must pass its integrity check. Graceful shutdown finishes what is in flight.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Server, bootstrap, postgres};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, Store, params};
use serde_json::{Value, json};

const KILLS: usize = 20;

#[derive(Debug, Clone)]
enum Ack {
    Request { id: i64, title: String },
    Message { id: i64, request: i64, body: String },
    Promise { id: i64, request: i64 },
}

async fn writer(
    base: String,
    token: String,
    client: i64,
    acks: Arc<Mutex<Vec<Ack>>>,
    worker: usize,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut n = 0u64;
    let mut mine: Vec<i64> = Vec::new();
    loop {
        n += 1;
        let tag = format!("w{worker}-{n}-{}", std::process::id());
        let outcome: Result<Ack, ()> = async {
            match (n % 3, mine.last().copied()) {
                (1, Some(request)) => {
                    let body = format!("message {tag}");
                    let res = http
                        .post(format!("{base}/api/v1/requests/{request}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({"body": body}))
                        .send()
                        .await
                        .map_err(|_| ())?;
                    if !res.status().is_success() {
                        return Err(());
                    }
                    let v: Value = res.json().await.map_err(|_| ())?;
                    Ok(Ack::Message { id: v["id"].as_i64().ok_or(())?, request, body })
                }
                (2, Some(request)) => {
                    let res = http
                        .post(format!("{base}/api/v1/promises"))
                        .bearer_auth(&token)
                        .json(&json!({"request_id": request, "kind": "reply", "due_at": "2099-01-01T00:00:00Z"}))
                        .send()
                        .await
                        .map_err(|_| ())?;
                    if !res.status().is_success() {
                        return Err(());
                    }
                    let v: Value = res.json().await.map_err(|_| ())?;
                    Ok(Ack::Promise { id: v["id"].as_i64().ok_or(())?, request })
                }
                _ => {
                    let title = format!("request {tag}");
                    let res = http
                        .post(format!("{base}/api/v1/requests"))
                        .bearer_auth(&token)
                        .json(&json!({"client_id": client, "title": title}))
                        .send()
                        .await
                        .map_err(|_| ())?;
                    if !res.status().is_success() {
                        return Err(());
                    }
                    let v: Value = res.json().await.map_err(|_| ())?;
                    Ok(Ack::Request { id: v["id"].as_i64().ok_or(())?, title })
                }
            }
        }
        .await;
        match outcome {
            Ok(ack) => {
                if let Ack::Request { id, .. } = &ack {
                    mine.push(*id);
                }
                acks.lock().unwrap().push(ack);
            }
            // The server is gone: this write was not acknowledged; stop.
            Err(()) => return,
        }
    }
}

async fn crash_loop(db: &TestDb) {
    let url = db.standalone_url();
    let token = bootstrap(&url);
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let mut client = 0;
    for round in 0..KILLS {
        let mut server = Server::start(&url, &["--api-rate-limit", "0", "--job-concurrency", "0"]);
        if round == 0 {
            let res: Value = reqwest::Client::new()
                .post(format!("{}/api/v1/clients", server.base))
                .bearer_auth(&token)
                .json(&json!({"name": "Crash Test Dummies", "calendar": {"tz": "UTC"}}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            client = res["id"].as_i64().unwrap();
        }
        let writers: Vec<_> = (0..6)
            .map(|w| {
                tokio::spawn(writer(
                    server.base.clone(),
                    token.clone(),
                    client,
                    acks.clone(),
                    w,
                ))
            })
            .collect();
        // Kill once this round has written something (a loaded machine may need seconds for
        // that), at a moment that varies round to round, so writes are in flight at the kill.
        let before = acks.lock().unwrap().len();
        for _ in 0..2000 {
            if acks.lock().unwrap().len() >= before + 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ms = (round as u64 * 7919) % 300;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        server.kill(); // SIGKILL
        for w in writers {
            let _ = w.await;
        }
    }
    let acks = acks.lock().unwrap().clone();
    assert!(
        acks.len() > KILLS * 10,
        "too few writes to prove anything: {}",
        acks.len()
    );
    let store = db.store().await.unwrap();
    verify(&store, &acks).await;
    integrity(&store).await;
    eprintln!(
        "{} kills survived, {} acknowledged writes checked",
        KILLS,
        acks.len()
    );
}

async fn verify(store: &Store, acks: &[Ack]) {
    for ack in acks {
        let ack = ack.clone();
        let found: bool = store
            .read(move |db| -> Result<bool, rapport_store::StoreError> {
                Ok(match &ack {
                    Ack::Request { id, title } => db
                        .query_opt("SELECT 1 FROM requests WHERE id = $1 AND title = $2", params![*id, title.as_str()])?
                        .is_some(),
                    Ack::Message { id, request, body } => db
                        .query_opt(
                            "SELECT 1 FROM messages WHERE id = $1 AND request_id = $2 AND body = $3",
                            params![*id, *request, body.as_str()],
                        )?
                        .is_some(),
                    Ack::Promise { id, request } => db
                        .query_opt("SELECT 1 FROM promises WHERE id = $1 AND request_id = $2", params![*id, *request])?
                        .is_some(),
                })
            })
            .await
            .unwrap();
        assert!(found, "an acknowledged write is missing");
    }
    // Each acknowledged request also has its audit event (written in the same transaction).
    let missing: i64 = store
        .read(|db| {
            db.scalar(
                "SELECT COUNT(*) FROM requests r WHERE NOT EXISTS (
                    SELECT 1 FROM audit_events a WHERE a.org_id = r.org_id AND a.action = 'request.create' AND a.target_id = r.id)",
                params![],
            )
        })
        .await
        .unwrap();
    assert_eq!(
        missing, 0,
        "a request without its audit event: a write was split"
    );
}

async fn integrity(store: &Store) {
    match store.engine() {
        Engine::Sqlite => {
            let result: String = store
                .read(|db| db.scalar("PRAGMA integrity_check", params![]))
                .await
                .unwrap();
            assert_eq!(result, "ok");
            let fk: Vec<rapport_store::value::Row> = store
                .read(|db| db.query("PRAGMA foreign_key_check", params![]))
                .await
                .unwrap();
            assert!(fk.is_empty(), "foreign key violations: {fk:?}");
        }
        Engine::Postgres => {
            // amcheck: every B-tree index of our schema agrees with its table.
            let checked: i64 = store
                .raw(|db| {
                    db.batch("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")?;
                    db.scalar(
                        "SELECT COUNT(*) FROM (
                            SELECT public.bt_index_check(c.oid, true)
                            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                            JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE am.amname = 'btree' AND n.nspname = current_schema()) checks",
                        params![],
                    )
                })
                .await
                .unwrap();
            assert!(checked > 10, "amcheck ran over {checked} indexes");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_write_sqlite() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    crash_loop(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_write_postgres() {
    let Some(db) = postgres() else { return };
    crash_loop(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_and_exits_zero() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    let token = bootstrap(&url);
    let mut server = Server::start(&url, &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let body = json!({"name": "Slow Upload Ltd", "calendar": {"tz": "UTC"}}).to_string();
    let (first, rest) = body.split_at(10);
    // A request in flight: headers and part of the body sent...
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(first.as_bytes()).await.unwrap();
    // Long enough for the server to accept the connection and read the headers, on a loaded
    // machine too: a request it has not begun is not "in flight".
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // ...when the server is told to stop.
    let pid = server.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    // New connections are refused (once the signal is handled: within seconds, even loaded)...
    let mut refused = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "still accepting 10 s after SIGTERM");
    // ...but the request in flight completes.
    conn.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let code = server.terminate(Duration::from_secs(20));
    assert_eq!(code, Some(0), "exit code after SIGTERM");
    let store = db.store().await.unwrap();
    let n: i64 = store
        .read(|db| {
            db.scalar(
                "SELECT COUNT(*) FROM clients WHERE name = 'Slow Upload Ltd'",
                params![],
            )
        })
        .await
        .unwrap();
    assert_eq!(n, 1);
}
