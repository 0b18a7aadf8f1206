//! The job queue shared by organisations: one organisation's backlog of slow jobs must not stall
//! another's work, and a slow job must not hold back the jobs claimed beside it. A real worker
//! (the one `rapport serve` runs) works the queue while the test calls the API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rapport_core::ids::OrgId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::{both, both_with};

/// A webhook receiver on 127.0.0.1 that records the events it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let c = Arc::clone(&calls);
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let c = Arc::clone(&c);
            async move {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                c.lock()
                    .unwrap()
                    .push(v["event"].as_str().unwrap_or("").to_string());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hook"), calls)
}

async fn spawn(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.webhooks.allow_private = true;
        web.api_rate = None;
    })
    .await
}

/// Start the job worker with 4 slots, at most `per_org` of them for one organisation.
fn start_worker(app: &TestApp, per_org: usize) -> tokio::sync::watch::Sender<bool> {
    let mut cfg = rapport_app::jobs::WorkerConfig::new("fairness-test:1");
    cfg.concurrency = 4;
    cfg.per_org = per_org;
    cfg.lease = jiff::SignedDuration::from_secs(600);
    cfg.idle_poll = Duration::from_millis(100);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(Arc::new(app.app.clone()).run_worker(cfg, stopped));
    stop
}

/// Jobs of `kind` of `org` in `status` (read from the queue itself).
async fn jobs_in(app: &TestApp, org: OrgId, kind: &'static str, status: &'static str) -> i64 {
    app.app
        .store()
        .read(move |db| {
            db.scalar::<i64>(
                "SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = $2 AND status = $3",
                rapport_store::params![org, kind, status],
            )
        })
        .await
        .unwrap()
}

async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}

/// A webhook of `token`'s organisation that posts to `url`; returns its id.
async fn webhook(app: &TestApp, token: &str, url: &str) -> i64 {
    app.post(
        "/api/v1/webhooks",
        token,
        json!({"url": url, "events": ["request_created"]}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

both_with!(
    one_orgs_flood_does_not_stall_another_orgs_jobs,
    spawn,
    |app: TestApp| async move {
        let (globex, globex_token) = app.other_firm().await;
        let (url, calls) = receiver().await;
        let hook = webhook(&app, &globex_token, &url).await;
        let _stop = start_worker(&app, 2);

        // Acme floods the queue with 40 jobs of two minutes each (the audit's attack, queued the
        // only way left: the operator's probe tool).
        let flood = app
            .app
            .probe_jobs_as_operator(app.org, 40, 120_000)
            .await
            .unwrap();
        assert_eq!(flood.len(), 40);
        let running = || jobs_in(&app, app.org, "probe", "running");
        wait_until(
            "the worker to start on acme's jobs",
            Duration::from_secs(10),
            || async { running().await >= 2 },
        )
        .await;
        // Let the worker fill whatever slots it would give acme.
        tokio::time::sleep(Duration::from_millis(500)).await;

        // Globex's ping is delivered within seconds, not after acme's two-minute jobs.
        app.call(
            Method::POST,
            &format!("/api/v1/webhooks/{hook}/ping"),
            Some(&globex_token),
            None,
        )
        .await
        .ok(202);
        let took = wait_until(
            "globex's ping to arrive",
            Duration::from_secs(10),
            || async { calls.lock().unwrap().iter().any(|e| e == "ping") },
        )
        .await;
        assert!(took < Duration::from_secs(10), "{took:?}");
        wait_until(
            "the ping job to be done",
            Duration::from_secs(10),
            || async { jobs_in(&app, globex, "webhook.deliver", "done").await >= 1 },
        )
        .await;
        // Acme never held more than its share of the four slots, and its backlog still waits.
        assert_eq!(running().await, 2);
        assert_eq!(jobs_in(&app, app.org, "probe", "queued").await, 38);
    }
);

both_with!(
    a_slow_job_does_not_hold_back_the_jobs_claimed_with_it,
    spawn,
    |app: TestApp| async move {
        let (url, calls) = receiver().await;
        let hook = webhook(&app, &app.owner, &url).await;
        // No per-organisation share here: what is tested is that slots free one by one.
        let _stop = start_worker(&app, 4);
        let slow = app
            .app
            .probe_jobs_as_operator(app.org, 1, 120_000)
            .await
            .unwrap();
        let quick = app.app.probe_jobs_as_operator(app.org, 1, 0).await.unwrap();
        assert_eq!((slow.len(), quick.len()), (1, 1));
        wait_until(
            "the quick probe to finish",
            Duration::from_secs(10),
            || async { jobs_in(&app, app.org, "probe", "done").await == 1 },
        )
        .await;
        assert_eq!(
            jobs_in(&app, app.org, "probe", "running").await,
            1,
            "the slow one runs on"
        );

        // The freed slot takes new work at once, while the slow job is still running.
        app.call(
            Method::POST,
            &format!("/api/v1/webhooks/{hook}/ping"),
            Some(&app.owner),
            None,
        )
        .await
        .ok(202);
        wait_until("the ping to arrive", Duration::from_secs(10), || async {
            calls.lock().unwrap().iter().any(|e| e == "ping")
        })
        .await;
        assert_eq!(jobs_in(&app, app.org, "probe", "running").await, 1);
    }
);

both!(
    probes_are_not_offered_to_organisations,
    |app: TestApp| async move {
        let before = app.count("jobs").await;
        // An owner (who may do everything else with the queue) cannot queue probe jobs.
        let res = app
            .post(
                "/api/v1/jobs/probe",
                &app.owner,
                json!({"count": 40, "sleep_ms": 120000}),
            )
            .await;
        assert!(
            res.status == 404 || res.status == 405,
            "probe jobs are operator-only: {} {}",
            res.status,
            res.body
        );
        assert_eq!(app.count("jobs").await, before);
        let doc = app
            .call(Method::GET, "/api/openapi.json", None, None)
            .await
            .ok(200);
        assert!(doc["paths"].get("/api/v1/jobs/probe").is_none());
    }
);
