//! Cost that does not grow with history (issue 20 item 6). The same firm at the same pace of
//! work, once with a short history and once with one twenty times longer (the benchmark's
//! workload, `rapport_seed::bench::seed`): each hot operation, called through the API, must cost about the
//! same in both. Cost is counted, not timed (`Store::cost`: SQLite virtual-machine steps,
//! PostgreSQL tuples read), so a busy machine cannot make this test flaky and an idle one cannot
//! hide a query that reads the whole history.

use rapport_seed::bench::SeedOptions;
use serde_json::{Value, json};

use crate::both_with;
use crate::support::TestApp;

/// Requests in the small book, and how much longer the large book's history is.
const SMALL: u64 = 400;
const GROWTH: u64 = 20;
/// The pace of work in both books: requests a day. Four a day gives the small book 100 days,
/// more than the 90-day windows health reads, so a windowed read sees as much in both.
const PER_DAY: u64 = 4;
/// Clients of the firm; the biggest gets a Zipf share of the work at both sizes.
const CLIENTS: usize = 40;
/// An operation is flat when it costs at most this much more on the large book.
const FLAT: f64 = 1.5;
/// The instant both books end at (the app's clock during the test).
const NOW: &str = "2026-06-03T10:00:00Z";
/// A word no workload text uses, planted in one request of each book.
const RARE: &str = "quetzalcoatlite";

/// Operations whose cost still grows with history on an engine, each with the largest
/// large/small ratio this test accepts. Measured on 2026-12-08 (BENCHMARKS.md, "Cost that does
/// not grow"); the counts are deterministic, so the ceilings only leave room for small changes
/// elsewhere. An entry that turns flat fails the test, so the list can only shrink, except an
/// entry marked unsteady (its count varies from run to run; see its comment).
const KNOWN_GROWING: &[(&str, &str, f64, Steady)] = &[
    // Measured x2.82 and x4.09: the client's overdue promises are counted one by one (this
    // workload never settles about one promise in five, so they pile up with the years), and
    // the reasons show their number, so the count cannot stop at the four the score caps.
    ("sqlite", "intake", 3.5, Steady::Yes),
    ("sqlite", "health of the biggest client", 5.0, Steady::Yes),
    // Measured x3.55, 195 -> 693 tuples: PostgreSQL plans the two queue pages differently over
    // the small and the large book (SQLite reads both from the open-work indexes, x1.21).
    ("postgres", "queue", 4.5, Steady::Yes),
    // Not understood yet: measured x1.35 (725 -> 978 tuples) in two runs and x11.82 (751 ->
    // 8,876) in one between them, on the same code. The health queries alone were flat in both (x1.41);
    // suspected: plans of the small, churning tables the intake's jobs touch (jobs, alerts,
    // client_health) flipping with autovacuum's statistics. The ceiling holds the worse run.
    ("postgres", "intake", 14.0, Steady::No),
];

/// Whether a known-growing count is the same in every run (then turning flat must be noticed).
#[derive(PartialEq)]
enum Steady {
    Yes,
    No,
}

/// A seeded book on one engine: the server, the bench owner's token, the biggest client and a
/// request on it with the rare word.
struct Book {
    app: TestApp,
    token: String,
    client: i64,
    request: i64,
}

async fn book(engine: rapport_store::Engine, requests: u64) -> Option<Book> {
    let app = TestApp::spawn(engine).await?;
    app.set_now(NOW);
    let seeded = rapport_seed::bench::seed(
        &app.app,
        &SeedOptions {
            org: "bench".into(),
            requests,
            clients: CLIENTS,
            seed: 20,
            batch: 2_000,
            history_days: Some(i64::try_from(requests / PER_DAY).unwrap()),
        },
        |_| {},
    )
    .await
    .expect("the workload seeds");
    assert_eq!(seeded.requests, requests);
    let token = seeded.token;
    let clients = app
        .get("/api/v1/clients?q=Client%2000000", &token)
        .await
        .ok(200);
    let client = clients["items"][0]["id"].as_i64().expect("client 0");
    let request = app
        .post(
            "/api/v1/requests",
            &token,
            json!({"client_id": client, "title": format!("Sample the {RARE} seam"),
                   "body": "Please test the new samples before Friday."}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    // What the seed and the planted request queued (health recomputes, clocks) runs now, so the
    // operations below pay only for their own work.
    app.run_jobs().await;
    Some(Book {
        app,
        token,
        client,
        request,
    })
}

/// The hot operations, by name, each as the API calls a person's action makes.
const OPERATIONS: &[&str] = &[
    "intake (one complaint and the jobs it queues, its client's health recompute included)",
    "queue (all open, and mine, by SLA)",
    "request page (the request and its thread)",
    "search for a rare word",
    "dashboard: at-risk clients",
    "dashboard: promise ledger",
    "dashboard: perception gap of the biggest client",
    "dashboard: overdue requests",
    "health of the biggest client",
];

async fn ok(b: &Book, path: &str) -> Value {
    b.app.get(path, &b.token).await.ok(200)
}

async fn run(b: &Book, op: usize) {
    match op {
        0 => {
            b.app
                .post(
                    "/api/v1/requests",
                    &b.token,
                    json!({"client_id": b.client, "title": "Recount the cold store",
                           "body": "The counts from Tuesday look off; can you check them?",
                           "kind": "complaint", "priority": "normal"}),
                )
                .await
                .ok(201);
            assert!(b.app.run_jobs().await > 0, "intake queues its consequences");
        }
        1 => {
            ok(
                b,
                "/api/v1/requests?status=new,triaged,in_progress,waiting_on_client&sort=sla_due&limit=50",
            )
            .await;
            ok(
                b,
                "/api/v1/requests?status=new,triaged,in_progress&assignee=me&sort=sla_due&limit=50",
            )
            .await;
        }
        2 => {
            let r = ok(b, &format!("/api/v1/requests/{}", b.request)).await;
            assert_eq!(r["id"], b.request);
            ok(b, &format!("/api/v1/requests/{}/messages", b.request)).await;
        }
        3 => {
            let found = ok(b, &format!("/api/v1/search?q={RARE}")).await;
            assert!(
                found.to_string().contains(RARE),
                "the planted request is found: {found}"
            );
        }
        4 => {
            ok(b, "/api/v1/health/at-risk").await;
        }
        5 => {
            ok(b, "/api/v1/promises/stats").await;
        }
        6 => {
            ok(b, &format!("/api/v1/perception-gap?client_id={}", b.client)).await;
        }
        7 => {
            ok(b, "/api/v1/requests?overdue=true&sort=due&limit=20").await;
        }
        8 => {
            let h = ok(b, &format!("/api/v1/clients/{}/health", b.client)).await;
            assert!(h["score"].as_u64().is_some(), "{h}");
        }
        _ => unreachable!("{op}"),
    }
}

/// The work `op` costs the book's store.
async fn cost(b: &Book, op: usize) -> u64 {
    let store = b.app.app.store();
    store.meter_cost(true);
    let before = store.cost();
    run(b, op).await;
    let spent = store.cost() - before;
    store.meter_cost(false);
    assert!(spent > 0, "{}: nothing was counted", OPERATIONS[op]);
    spent
}

async fn books(engine: rapport_store::Engine) -> Option<(Book, Book)> {
    let small = book(engine, SMALL).await?;
    let large = book(engine, SMALL * GROWTH).await?;
    Some((small, large))
}

both_with!(
    hot_operations_cost_the_same_over_a_history_twenty_times_longer,
    books,
    |(small, large): (Book, Book)| async move {
        let engine = small.app.app.store().engine().name();
        let mut report = Vec::new();
        let mut failures = Vec::new();
        for (op, name) in OPERATIONS.iter().enumerate() {
            let (s, l) = (cost(&small, op).await, cost(&large, op).await);
            let ratio = l as f64 / s as f64;
            report.push(format!("{engine}: {name}: {s} -> {l} (x{ratio:.2})"));
            let known = KNOWN_GROWING
                .iter()
                .find(|(e, n, _, _)| *e == engine && name.starts_with(n));
            match known {
                Some((_, _, _, Steady::Yes)) if ratio <= FLAT => failures.push(format!(
                    "{name} is flat now (x{ratio:.2}): take it off KNOWN_GROWING"
                )),
                Some((_, _, ceiling, _)) if ratio > *ceiling => failures.push(format!(
                    "{name} grows more than it did: x{ratio:.2}, known x{ceiling}"
                )),
                Some(_) => {}
                None if ratio > FLAT => failures.push(format!(
                    "{name} costs x{ratio:.2} over a {GROWTH}x longer history (flat is x{FLAT})"
                )),
                None => {}
            }
        }
        eprintln!("{}", report.join("\n"));
        assert!(
            failures.is_empty(),
            "{}\n{}",
            failures.join("\n"),
            report.join("\n")
        );
    }
);

/// A server whose health recomputes coalesce over a minute, as `rapport serve` does by default.
async fn coalescing(engine: rapport_store::Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, web| {
        s.clocks.health_every = jiff::SignedDuration::from_secs(60);
        web.api_rate = None;
    })
    .await
}

/// The client's score as last saved, when below 100 (the at-risk list reads the saved scores,
/// not a fresh one).
async fn saved_score(app: &TestApp, client: i64) -> Option<u64> {
    let risk = app
        .get("/api/v1/health/at-risk?below=100", &app.owner)
        .await
        .ok(200);
    risk["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["client_id"] == client)
        .map(|i| i["score"].as_u64().unwrap())
}

both_with!(
    health_recomputes_of_a_client_coalesce_and_lose_no_change,
    coalescing,
    |app: TestApp| async move {
        app.set_now("2026-03-02T10:00:00Z");
        let client = app.client("Kaveri Foods").await;
        app.post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "title": "Freezer audit failed", "kind": "complaint"}),
        )
        .await
        .ok(201);
        app.run_jobs().await;
        let first = saved_score(&app, client).await.expect("scored once");

        // Two complaints within the minute: neither is scored at once...
        for title in ["Invoice wrong again", "Still waiting for the fix"] {
            app.post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "title": title, "kind": "complaint"}),
            )
            .await
            .ok(201);
        }
        app.run_jobs().await;
        assert_eq!(
            saved_score(&app, client).await,
            Some(first),
            "not before the minute is up"
        );
        let queued = app
            .get(
                "/api/v1/jobs?kind=health.recompute&status=queued",
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(
            queued["items"].as_array().unwrap().len(),
            1,
            "one recompute waits for the client: {queued}"
        );

        // ...and one recompute at the end of it scores both.
        app.advance_minutes(1);
        app.run_jobs().await;
        let after = saved_score(&app, client).await.expect("scored again");
        assert!(after < first, "the complaints count: {first} -> {after}");
        let fresh = app
            .get(&format!("/api/v1/clients/{client}/health"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            fresh["score"].as_u64(),
            Some(after),
            "nothing was left out: {fresh}"
        );
        let queued = app
            .get(
                "/api/v1/jobs?kind=health.recompute&status=queued",
                &app.owner,
            )
            .await
            .ok(200);
        assert!(queued["items"].as_array().unwrap().is_empty(), "{queued}");
    }
);
