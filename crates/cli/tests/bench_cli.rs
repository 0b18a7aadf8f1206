//! `rapport bench seed` and `rapport bench run` end to end, on both engines: the seeded rows
//! are what the views read (search finds them, the queue lists open work by SLA due), and the
//! load driver reports sane figures against a real server.

mod common;

use std::process::Command;

use common::{BIN, Server, postgres};
use serde_json::Value;

fn rapport(args: &[&str]) -> Value {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rapport {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "rapport {args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn seed_and_drive(db: &str, scenarios: &[&str]) {
    let rep = rapport(&[
        "bench",
        "seed",
        "--requests",
        "500",
        "--clients",
        "20",
        "--seed",
        "7",
        "--batch",
        "200",
        "--db",
        db,
        "--json",
    ]);
    assert_eq!(rep["requests"], 500, "{rep}");
    assert_eq!(rep["clients"], 20, "{rep}");
    assert_eq!(rep["contacts"], 60, "{rep}");
    let messages = rep["messages"].as_u64().unwrap();
    assert!(
        (1_300..=1_800).contains(&messages),
        "about 3 a request: {rep}"
    );
    // One audit event per request and per message, as the live paths write.
    assert_eq!(
        rep["audit_events"].as_u64().unwrap(),
        500 + messages,
        "{rep}"
    );
    assert!(rep["promises"].as_u64().unwrap() > 200, "{rep}");
    assert!(rep["time_entries"].as_u64().unwrap() > 300, "{rep}");
    assert!(rep["ratings"].as_u64().unwrap() > 50, "{rep}");
    let token = rep["token"].as_str().unwrap().to_string();

    // Seeding the same org twice is refused, and writes nothing.
    let out = Command::new(BIN)
        .args([
            "bench",
            "seed",
            "--requests",
            "10",
            "--clients",
            "2",
            "--db",
            db,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let server = Server::start(db, &["--api-rate-limit", "0"]);
    let pid = server.child.id().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let get = |path: &str| {
            http.get(format!("{}{path}", server.base))
                .bearer_auth(&token)
                .send()
        };
        // Search finds the seeded text (a phrase every title is built around).
        let v: Value = get("/api/v1/search?q=%22monthly%20sales%20report%22")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!v["items"].as_array().unwrap().is_empty(), "{v}");
        // The queue lists open work, SLA clocks evaluated (due instants ascending).
        let v: Value = get("/api/v1/requests?status=new,triaged,in_progress&sort=sla_due&limit=50")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = v["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{v}");
        assert!(items.iter().all(|r| r["status"] != "closed"), "{v}");
    });

    for scenario in scenarios {
        let r = rapport(&[
            "bench",
            "run",
            "--target",
            &server.base,
            "--token",
            &token,
            "--scenario",
            scenario,
            "--duration",
            "2s",
            "--concurrency",
            "2",
            "--seed",
            "7",
            "--pid",
            &pid,
            "--json",
        ]);
        assert_eq!(r["errors"], 0, "{scenario}: {r}");
        assert!(r["ok"].as_u64().unwrap() > 0, "{scenario}: {r}");
        assert!(
            r["throughput_per_s"].as_f64().unwrap() > 0.0,
            "{scenario}: {r}"
        );
        let l = &r["latency_ms"];
        let p = |k: &str| l[k].as_f64().unwrap();
        assert!(p("p50") > 0.0, "{scenario}: {r}");
        assert!(
            p("p50") <= p("p95") && p("p95") <= p("p99") && p("p99") <= p("max"),
            "{scenario}: percentiles out of order: {r}"
        );
        assert!(
            r["peak_rss_bytes"].as_u64().unwrap() > 1_000_000,
            "{scenario}: {r}"
        );
    }
}

#[test]
fn bench_seed_and_run_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("rapport-bench-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("bench.db").display());
    seed_and_drive(&db, &["queue", "request", "search", "dashboard", "intake"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_seed_and_run_on_postgres() {
    let Some(db) = postgres() else { return };
    seed_and_drive(&db.standalone_url(), &["queue", "intake"]);
}

#[test]
fn bench_run_refuses_bad_flags() {
    for (args, says) in [
        (vec!["--scenario", "lmtp"], "--lmtp"),
        (vec!["--scenario", "get"], "--path"),
        (vec!["--scenario", "queue", "--duration", "3h"], "unit"),
        (
            vec!["--scenario", "queue", "--concurrency", "0"],
            "concurrency",
        ),
    ] {
        let out = Command::new(BIN)
            .args([
                "bench",
                "run",
                "--target",
                "http://127.0.0.1:9",
                "--token",
                "x",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
