//! `rapport backup` against a real `rapport serve` taking writes, and `rapport restore` into
//! a file another server then serves.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rapport_store::sqlite::backup;
use rapport_store::{Store, StoreOptions, params};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .args([
                "--log-level",
                "warn",
                "--job-concurrency",
                "0",
                "--api-rate-limit",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rapport serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the address line");
        let base = line
            .trim()
            .strip_prefix("Rapport is serving at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn rapport(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(r: Run) -> String {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r.stdout
}

#[track_caller]
fn refused(r: Run, mentions: &str) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(mentions),
        "{mentions:?} not in {}",
        r.stderr
    );
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rapport-backup-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn url(p: &Path) -> String {
    format!("sqlite://{}", p.display())
}

/// Open a copy: opening a database for real switches it to WAL mode, and the file under test
/// must stay as the backup wrote it.
async fn open_copy(db: &Path) -> Store {
    let copy = db.with_extension(format!("probe-{}", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(db, &copy).unwrap();
    Store::open(&url(&copy), StoreOptions::default())
        .await
        .unwrap()
}

async fn request_ids(db: &Path) -> Vec<i64> {
    let store = open_copy(db).await;
    store
        .read(|db| {
            db.query_map("SELECT id FROM requests ORDER BY id", params![], |r| {
                r.get("id")
            })
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_then_restore_and_serve() {
    let dir = temp_dir();
    let live = dir.join("live.db");
    let live_url = url(&live);
    ok(rapport(&["demo", "--db", &live_url], &[]));
    ok(rapport(
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
            "--db",
            &live_url,
        ],
        &[("RAPPORT_PASSWORD", "correct horse battery staple")],
    ));
    let token = ok(rapport(
        &[
            "token",
            "create",
            "--org",
            "acme",
            "--email",
            "owner@acme.example",
            "--db",
            &live_url,
        ],
        &[],
    ))
    .trim()
    .to_string();
    let server = Server::start(&live_url);
    let http = reqwest::Client::new();
    let client: Value = http
        .post(format!("{}/api/v1/clients", server.base))
        .bearer_auth(&token)
        .json(&json!({"name": "Busy Client", "calendar": {"tz": "Europe/London"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = client["id"].as_i64().unwrap();

    // Writers: each acknowledged request is recorded once the server answered 201.
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, token, base) = (http.clone(), token.clone(), server.base.clone());
        let (acked, stop) = (acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let res = http
                    .post(format!("{base}/api/v1/requests"))
                    .bearer_auth(&token)
                    .json(
                        &json!({"client_id": client, "title": format!("writer {w} request {i}"),
                                  "body": "x".repeat(2000)}),
                    )
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 201);
                let v: Value = res.json().await.unwrap();
                acked.lock().unwrap().push(v["id"].as_i64().unwrap());
            }
        }));
    }
    let count = || acked.lock().unwrap().len();
    let start = Instant::now();
    while count() < 300 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "writers too slow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut backups = Vec::new();
    for k in 0..3 {
        let before: Vec<i64> = acked.lock().unwrap().clone();
        let file = dir.join(format!("backup-{k}.db"));
        let out = ok(rapport(
            &[
                "backup",
                file.to_str().unwrap(),
                "--json",
                "--db",
                &live_url,
            ],
            &[],
        ));
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            report["schema_version"],
            rapport_store::migrate::SQLITE.last().unwrap().version
        );
        backups.push((file, before));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let during = count();
    assert!(
        during > backups[0].1.len(),
        "the server kept taking writes while the backups ran"
    );
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }

    // Each backup is intact and holds every request acknowledged before it started.
    for (file, before) in &backups {
        let info = backup::inspect(file).unwrap();
        assert_eq!(info.pending_migrations, 0);
        let ids: std::collections::BTreeSet<i64> = request_ids(file).await.into_iter().collect();
        let missing: Vec<_> = before.iter().filter(|id| !ids.contains(id)).collect();
        assert!(
            missing.is_empty(),
            "{}: missing {missing:?}",
            file.display()
        );
    }

    // FILE exists: refused without --force.
    let first = backups[0].0.to_str().unwrap();
    refused(
        rapport(&["backup", first, "--db", &live_url], &[]),
        "--force",
    );
    ok(rapport(
        &["backup", first, "--force", "--db", &live_url],
        &[],
    ));
    // PostgreSQL has pg_dump.
    refused(
        rapport(
            &["backup", "x.db", "--db", "postgres://u@127.0.0.1/db"],
            &[],
        ),
        "pg_dump",
    );
    // The live database is in use: restore refuses to replace it.
    let last = backups[2].0.clone();
    refused(
        rapport(
            &[
                "restore",
                last.to_str().unwrap(),
                "--force",
                "--db",
                &live_url,
            ],
            &[],
        ),
        "in use",
    );
    // Not a Rapport database.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, "not a database at all").unwrap();
    let target = dir.join("restored.db");
    refused(
        rapport(
            &["restore", junk.to_str().unwrap(), "--db", &url(&target)],
            &[],
        ),
        "not a SQLite database",
    );

    // Restore into a new file and serve it: the token and the requests came along.
    let out = ok(rapport(
        &["restore", last.to_str().unwrap(), "--db", &url(&target)],
        &[],
    ));
    assert!(out.contains("restored"), "{out}");
    let expected = request_ids(&last).await;
    drop(server);
    let restored = Server::start(&url(&target));
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut u = format!("{}/api/v1/requests?limit=200", restored.base);
        if let Some(c) = &cursor {
            u.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(u)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    // The token is acme's; the demo org's requests are not listed for it.
    let acme_expected = {
        let store = open_copy(&last).await;
        store
            .read(|db| {
                db.scalar::<i64>(
                    "SELECT COUNT(*) FROM requests r JOIN orgs o ON o.id = r.org_id WHERE o.slug = 'acme'",
                    params![],
                )
            })
            .await
            .unwrap()
    };
    assert!(acme_expected >= 300);
    assert_eq!(seen as i64, acme_expected);
    assert!(
        expected.len() as i64 > acme_expected,
        "the demo came along too"
    );
    // In use now, and not empty once stopped.
    refused(
        rapport(&["restore", first, "--force", "--db", &url(&target)], &[]),
        "in use",
    );
    drop(restored);
    refused(
        rapport(&["restore", first, "--db", &url(&target)], &[]),
        "--force",
    );
    ok(rapport(
        &["restore", first, "--force", "--db", &url(&target)],
        &[],
    ));
    assert_eq!(request_ids(&target).await, request_ids(&backups[0].0).await);
    let _ = std::fs::remove_dir_all(dir);
}
