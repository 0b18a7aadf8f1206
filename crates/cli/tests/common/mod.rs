//! Helpers for tests that run the real `rapport` binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rapport_store::Engine;
use rapport_store::testing::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_rapport");

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(db: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--db",
                db,
                "--listen",
                "127.0.0.1:0",
                "--log-level",
                "warn",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rapport serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the address line");
        let base = line
            .trim()
            .strip_prefix("Rapport is serving at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, base }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn cli(db: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .args(["--db", db])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rapport {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An org with an owner (password known) and a token, made through the CLI.
pub fn bootstrap(db: &str) -> String {
    cli(
        db,
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
        &[("RAPPORT_PASSWORD", "correct horse battery staple")],
    );
    cli(
        db,
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
    .to_string()
}

pub fn postgres() -> Option<TestDb> {
    let db = TestDb::new(Engine::Postgres);
    if db.is_none() {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
    }
    db
}

pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Server {
    /// Ask the server to stop (SIGTERM) and wait for it; returns its exit code.
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
