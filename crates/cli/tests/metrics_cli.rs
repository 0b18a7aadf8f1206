//! `rapport serve --metrics-addr`: `/metrics` on its own address, which shows the main
//! address's traffic, and the main address does not serve it; a metrics token, when also set,
//! is asked for there too. The real binary, on SQLite and PostgreSQL.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{ChildStdout, Command, Stdio};

use common::{BIN, bootstrap, postgres};
use rapport_store::Engine;
use rapport_store::testing::TestDb;

/// A `rapport serve` with its main and metrics addresses (read from its first two lines).
struct Served {
    child: std::process::Child,
    base: String,
    metrics: String,
    /// Kept open: the server's stdout is not closed under it.
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &str, token: Option<&str>) -> Served {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "serve",
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
        "--metrics-addr",
        "127.0.0.1:0",
        "--log-level",
        "warn",
        "--job-concurrency",
        "0",
    ])
    .env_remove("RAPPORT_METRICS_TOKEN")
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    if let Some(t) = token {
        cmd.env("RAPPORT_METRICS_TOKEN", t);
    }
    let mut child = cmd.spawn().expect("start rapport serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = |prefix: &str| {
        let mut l = String::new();
        out.read_line(&mut l).expect("a line from rapport serve");
        l.trim()
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected {prefix:?}, got {l:?}"))
            .to_string()
    };
    let base = line("Rapport is serving at ");
    let metrics = line("Rapport serves metrics at ");
    Served {
        child,
        base,
        metrics,
        _stdout: out,
    }
}

async fn metrics_on_their_own_address(db: &TestDb) {
    let url = db.standalone_url();
    let token = bootstrap(&url);
    let http = reqwest::Client::new();

    let s = serve(&url, None);
    assert!(s.metrics.ends_with("/metrics"), "{}", s.metrics);
    assert_ne!(s.metrics, format!("{}/metrics", s.base));
    let res = http
        .get(format!("{}/api/v1/requests", s.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // The main address does not serve it, with or without a token.
    let main = http
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status().as_u16(), 404);
    // Its own address does, without a token (the address is the protection), and shows the
    // main address's traffic and the job queue.
    let res = http.get(&s.metrics).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"rapport_http_request_duration_seconds_count{method="GET",route="/api/v1/requests"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"rapport_jobs_due{kind="probe"} 0"#),
        "{text}"
    );
    assert!(
        !text.contains(r#"route="/metrics""#),
        "scrapes are not counted: {text}"
    );
    // Only /metrics there: not the API.
    let other = http
        .get(s.metrics.replace("/metrics", "/api/v1/requests"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 404);
    drop(s);

    // With a token as well, the own address asks for it.
    let secret = "metrics-token-for-the-own-address";
    let s = serve(&url, Some(secret));
    let res = http.get(&s.metrics).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = http
        .get(&s.metrics)
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let main = http
        .get(format!("{}/metrics", s.base))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(main.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_addr_sqlite() {
    metrics_on_their_own_address(&TestDb::new(Engine::Sqlite).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_addr_postgres() {
    let Some(db) = postgres() else { return };
    metrics_on_their_own_address(&db).await;
}
