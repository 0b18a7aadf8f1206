//! Intake throughput with the scope check: requests created through the application (no HTTP)
//! on a fresh SQLite file, with and without an engagement whose brief each request is checked
//! against. `cargo run --release -p rapport-app --example intake_bench -- [REQUESTS] [TASKS]`

use std::time::Instant;

use rapport_app::{App, Settings};
use rapport_core::access::Role;
use rapport_core::client::NewClient;
use rapport_core::engagement::NewEngagement;
use rapport_core::member::NewMember;
use rapport_core::request::{Channel, NewRequest};
use rapport_store::{Store, StoreOptions};

const TITLES: [&str; 4] = [
    "Proof of delivery photos are blurry on Android",
    "Build the iPhone version of the driver app",
    "Live map on the dispatcher dashboard freezes",
    "Lunch plans for Friday",
];

fn brief() -> serde_json::Value {
    serde_json::json!({
        "text": "Delivery app for a bakery chain's drivers: an Android app for drivers and a web dashboard for dispatchers.",
        "items": [
            {"id": "android", "kind": "in", "text": "Android driver app: delivery list, proof of delivery photos, offline mode"},
            {"id": "dispatch", "kind": "in", "text": "Web dashboard for dispatchers with a live map of drivers"},
            {"id": "reports", "kind": "in", "text": "Weekly delivery report by e-mail: late deliveries, failed drops"},
            {"id": "ios", "kind": "out", "text": "iPhone (iOS) version of the driver app"},
            {"id": "payroll", "kind": "out", "text": "Driver payroll and timesheets"},
            {"id": "pos", "kind": "out", "text": "Integration with the shops' point-of-sale tills"}
        ]
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let tasks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let dir = std::env::temp_dir().join(format!("intake_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::open(
        &url,
        StoreOptions {
            create: true,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let app = App::new(store, Settings::default());
    let org = app.create_org("bench", "Bench").await.unwrap();
    let owner = app
        .add_member_as_operator(
            org.id,
            NewMember {
                email: "owner@bench.example".into(),
                name: "Owner".into(),
                role: Role::Owner,
                tz: "UTC".into(),
                working_hours: None,
                weekly_capacity_minutes: None,
                password: None,
            },
        )
        .await
        .unwrap();
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let client: NewClient =
        serde_json::from_value(serde_json::json!({"name": "Kaveri", "calendar": {"tz": "UTC"}}))
            .unwrap();
    let client = app.create_client(&ctx, client).await.unwrap();
    let e: NewEngagement = serde_json::from_value(serde_json::json!({
        "client_id": client.id, "name": "Driver app", "currency": "EUR", "brief": brief()
    }))
    .unwrap();
    let e = app.create_engagement(&ctx, e).await.unwrap();

    for (label, engagement) in [
        ("no engagement", None),
        ("checked against the brief", Some(e.id)),
        ("no engagement", None),
        ("checked against the brief", Some(e.id)),
    ] {
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let (app, ctx) = (app.clone(), ctx.clone());
            handles.push(tokio::spawn(async move {
                let mut i = t;
                while i < n {
                    let r = NewRequest {
                        client_id: Some(client.id),
                        engagement_id: engagement,
                        contact_id: None,
                        title: TITLES[i % TITLES.len()].to_string(),
                        body: Some(format!("Request number {i}: please see the title. Thanks!")),
                        kind: None,
                        priority: None,
                        channel: None,
                        tags: None,
                        estimate_minutes: None,
                        due_at: None,
                        assignee_id: None,
                    };
                    let made = app.create_request(&ctx, r, Channel::Api).await.unwrap();
                    assert_eq!(made.scope.is_some(), engagement.is_some());
                    i += tasks;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{label:>26}: {n} requests in {secs:.2} s = {:.0} requests/s ({tasks} tasks)",
            n as f64 / secs
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
