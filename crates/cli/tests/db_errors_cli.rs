//! A database the binary cannot use makes every verb fail with one clear line and a non-zero
//! exit code, never a panic: a wrong or unreachable URL, a missing file, a wrong password, a
//! refused TLS handshake, a schema newer than the binary, a half-applied migration.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use rapport_store::testing::TestDb;
use rapport_store::{Engine, params};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

/// Verbs that open the database named by `--db`, with the arguments they need.
fn verbs(import_file: &str) -> Vec<Vec<String>> {
    let v = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        v(&["migrate"]),
        v(&["serve", "--listen", "127.0.0.1:0", "--log-level", "off"]),
        v(&["demo"]),
        v(&["search", "okra", "--org", "acme"]),
        v(&["export", "--org", "acme"]),
        v(&["import", import_file]),
        v(&[
            "token",
            "create",
            "--org",
            "acme",
            "--email",
            "o@acme.example",
        ]),
    ]
}

/// Run `rapport ARGS --db DB`; it must fail with exit `code` (or any non-zero code when
/// `None`) and one line on stderr that mentions `mentions`.
#[track_caller]
fn fails(args: &[String], db: &str, mentions: &str) {
    let out = Command::new(BIN)
        .args(args)
        .args(["--db", db])
        .env("RAPPORT_PASSWORD", "correct horse battery staple")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    assert!(
        code.is_some_and(|c| c != 0 && c != 101),
        "rapport {args:?} --db {db}: exit {code:?} (101 is a panic)\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.trim().lines().collect();
    assert_eq!(lines.len(), 1, "rapport {args:?}: one line, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].contains(mentions),
        "rapport {args:?} --db {db}: {mentions:?} not in {stderr}"
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rapport-dberr-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn wrong_or_unreachable_databases() {
    let dir = temp_dir("urls");
    let export = dir.join("empty.jsonl");
    std::fs::write(&export, "").unwrap();
    let not_a_db = dir.join("notes.txt");
    std::fs::write(&not_a_db, "these are notes, not a database").unwrap();
    let cases = [
        (
            "postgres://rapport:secret@127.0.0.1:1/rapport".to_string(),
            "cannot connect to PostgreSQL at postgres://rapport:***@127.0.0.1:1/rapport",
        ),
        (
            "mysql://rapport:secret@127.0.0.1/rapport".to_string(),
            "unsupported database URL",
        ),
        (
            "sqlite:///no/such/directory/rapport.db".to_string(),
            "/no/such/directory",
        ),
        (
            format!("sqlite://{}", not_a_db.display()),
            "not a usable SQLite database",
        ),
        (
            "postgres://u@127.0.0.1:1/db?sslmode=sometimes".to_string(),
            "sslmode=sometimes",
        ),
    ];
    for (db, mentions) in &cases {
        for args in verbs(export.to_str().unwrap()) {
            fails(&args, db, mentions);
        }
    }
    // Verbs that read an existing database do not create a missing one.
    let missing = format!("sqlite://{}", dir.join("missing.db").display());
    for args in [
        vec![
            "search".to_string(),
            "okra".into(),
            "--org".into(),
            "acme".into(),
        ],
        vec!["export".into(), "--org".into(), "acme".into()],
    ] {
        fails(&args, &missing, "does not exist");
    }
    assert!(!dir.join("missing.db").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_server_that_refuses_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut request = [0u8; 8];
            if s.read_exact(&mut request).is_ok() {
                let _ = s.write_all(b"N");
            }
        }
    });
    let db = format!("postgres://rapport:secret@127.0.0.1:{port}/rapport?sslmode=verify-full");
    for args in verbs("-") {
        fails(&args, &db, "server does not support TLS");
    }
}

#[test]
fn a_wrong_password() {
    // Needs a server with password authentication (see crates/store/tests/tls.rs).
    let Ok(url) = std::env::var("RAPPORT_TEST_POSTGRES_TLS_URL") else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_TLS_URL is not set");
        return;
    };
    let wrong = url.replacen("://rapport:", "://rapport:x", 1) + "?sslmode=require";
    for args in verbs("-") {
        fails(&args, &wrong, "password authentication failed");
    }
}

fn databases() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::new(Engine::Sqlite).unwrap()];
    match TestDb::new(Engine::Postgres) {
        Some(db) => dbs.push(db),
        None => eprintln!("PostgreSQL part skipped: RAPPORT_TEST_POSTGRES_URL is not set"),
    }
    dbs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_newer_than_the_binary() {
    for db in databases() {
        let store = db.store().await.unwrap();
        store
            .write(|db| {
                db.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at)
                     VALUES (9999, '9999_future', 'x', 0)",
                    params![],
                )
            })
            .await
            .unwrap();
        drop(store);
        let url = db.standalone_url();
        for args in verbs("-") {
            fails(
                &args,
                &url,
                "schema version 9999, newer than this rapport binary",
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_applied_migration() {
    for db in databases() {
        // The tables of 0003 exist, but its record does not: applied by hand, or in part.
        let store = db.store().await.unwrap();
        store
            .write(|db| db.execute("DELETE FROM schema_migrations WHERE version = 3", params![]))
            .await
            .unwrap();
        drop(store);
        let url = db.standalone_url();
        for args in verbs("-") {
            let mentions = match args[0].as_str() {
                // These migrate, and the migration fails on what is already there.
                "migrate" | "serve" | "demo" => "migration 0003_alerts failed",
                _ => "needs migrating (1 pending: 0003_alerts)",
            };
            fails(&args, &url, mentions);
        }
    }
}

/// A page cache of no size, or of more than 64 GiB, is refused before anything opens.
#[test]
fn a_sqlite_cache_out_of_range_is_refused() {
    let dir = std::env::temp_dir().join(format!("rapport-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("x.db").display());
    for bad in ["0", "65537", "lots"] {
        let out = Command::new(BIN)
            .args(["migrate", "--db", &db, "--sqlite-cache-mib", bad])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--sqlite-cache-mib"), "{stderr}");
    }
    assert!(!dir.join("x.db").exists(), "nothing was created");
    let out = Command::new(BIN)
        .args(["migrate", "--db", &db, "--sqlite-cache-mib", "8"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
