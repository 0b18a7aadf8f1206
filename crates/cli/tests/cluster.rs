//! Several `rapport serve` processes on one database: the job queue shares work without running
//! anything twice, a killed worker's job is taken over, and a session works on every instance.

mod common;

use std::time::Duration;

use common::{Server, bootstrap, cli, postgres, wait_for};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, params};
use serde_json::{Value, json};

/// Queue `count` probe jobs for acme through the operator's CLI; returns their ids.
fn probe(db: &str, count: usize, sleep_ms: u64) -> Vec<i64> {
    let out = cli(
        db,
        &[
            "jobs",
            "probe",
            "--org",
            "acme",
            "--count",
            &count.to_string(),
            "--sleep-ms",
            &sleep_ms.to_string(),
        ],
        &[],
    );
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["job_ids"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_run_each_of_1000_jobs_exactly_once() {
    let Some(db) = postgres() else { return };
    let url = db.standalone_url();
    bootstrap(&url);
    let _a = Server::start(&url, &["--job-concurrency", "8"]);
    let _b = Server::start(&url, &["--job-concurrency", "8"]);
    let mut ids: Vec<i64> = Vec::new();
    // Queued in four batches while both servers already work the queue.
    for _ in 0..4 {
        ids.extend(probe(&url, 250, 0));
    }
    assert_eq!(ids.len(), 1000);
    let store = db.store().await.unwrap();
    let s = store.clone();
    wait_for("every job to finish", Duration::from_secs(120), || {
        let s = s.clone();
        async move {
            s.read(|db| {
                db.scalar::<i64>(
                    "SELECT COUNT(*) FROM jobs WHERE kind = 'probe' AND status = 'done'",
                    params![],
                )
            })
            .await
            .unwrap()
                == 1000
        }
    })
    .await;
    // Exactly once: one probe record per job, no more.
    let runs: Vec<(i64, i64, String)> = store
        .read(|db| {
            db.query_map(
                "SELECT target_id, COUNT(*) AS n, MIN(details) AS details FROM audit_events WHERE action = 'job.probe' GROUP BY target_id",
                params![],
                |r| Ok((r.get("target_id")?, r.get("n")?, r.get("details")?)),
            )
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 1000, "every job recorded its run");
    assert!(runs.iter().all(|(_, n, _)| *n == 1), "a job ran twice");
    let mut seen: Vec<i64> = runs.iter().map(|r| r.0).collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    // Both processes took part.
    let workers: std::collections::BTreeSet<String> = runs
        .iter()
        .map(|(_, _, d)| {
            serde_json::from_str::<Value>(d).unwrap()["worker"]
                .as_str()
                .unwrap()
                .split(':')
                .next_back()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(workers.len(), 2, "both servers ran jobs: {workers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_job_is_retried_by_another() {
    let Some(db) = postgres() else { return };
    let url = db.standalone_url();
    let token = bootstrap(&url);
    let mut a = Server::start(&url, &["--job-lease-secs", "2"]);
    let http = reqwest::Client::new();
    let id = probe(&url, 1, 4000)[0];
    let job = |base: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.get(format!("{base}/api/v1/jobs/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let a_pid = a.child.id();
    let base_a = a.base.clone();
    wait_for("A to take the job", Duration::from_secs(30), || {
        let j = job(base_a.clone());
        async move { j.await["status"] == "running" }
    })
    .await;
    let running = job(a.base.clone()).await;
    assert!(
        running["locked_by"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{a_pid}")),
        "{running}"
    );
    a.kill(); // SIGKILL in the middle of the job's sleep.

    let b = Server::start(&url, &["--job-lease-secs", "30"]);
    let base_b = b.base.clone();
    wait_for("B to finish the job", Duration::from_secs(60), || {
        let j = job(base_b.clone());
        async move { j.await["status"] == "done" }
    })
    .await;
    let done = job(b.base.clone()).await;
    assert_eq!(done["attempts"], 2, "{done}");
    let store = db.store().await.unwrap();
    let runs: Vec<String> = store
        .read(move |db| {
            db.query_map(
                "SELECT details FROM audit_events WHERE action = 'job.probe' AND target_id = $1",
                params![id],
                |r| r.get("details"),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        runs.len(),
        1,
        "the killed attempt recorded nothing: {runs:?}"
    );
    let b_pid = b.child.id();
    assert!(runs[0].contains(&format!(":{b_pid}")), "{runs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_from_one_instance_works_on_another() {
    let Some(db) = postgres() else { return };
    let url = db.standalone_url();
    bootstrap(&url);
    let a = Server::start(&url, &[]);
    let b = Server::start(&url, &[]);
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"email": "owner@acme.example", "password": "correct horse battery staple"}))
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
    let csrf = res.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = http
        .get(format!("{}/api/v1/me", b.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    // And a write through B with A's session, then sign out through B ends it on A too.
    let created = http
        .post(format!("{}/api/v1/clients", b.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Made on B", "calendar": {"tz": "UTC"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let out = http
        .post(format!("{}/api/v1/auth/logout", b.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 204);
    let me = http
        .get(format!("{}/api/v1/me", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_runs_jobs_in_process_and_dead_letters_failures() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let url = db.standalone_url();
    let token = bootstrap(&url);
    let server = Server::start(&url, &[]);
    let http = reqwest::Client::new();
    assert_eq!(probe(&url, 50, 0).len(), 50);
    let store = db.store().await.unwrap();
    let s = store.clone();
    wait_for("50 probes", Duration::from_secs(60), || {
        let s = s.clone();
        async move {
            s.read(|db| {
                db.scalar::<i64>(
                    "SELECT COUNT(*) FROM audit_events WHERE action = 'job.probe'",
                    params![],
                )
            })
            .await
            .unwrap()
                == 50
        }
    })
    .await;
    let list: Value = http
        .get(format!("{}/api/v1/jobs?status=done&limit=200", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 50);
}
