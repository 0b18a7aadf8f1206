//! Migration 0004 on data written under schema 3: the status history SLA clocks read is rebuilt
//! from the audit trail and the quick lane, on both engines.

use jiff::Timestamp;
use rapport_core::access::Actor;
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::NewClient;
use rapport_core::ids::OrgId;
use rapport_core::org::OrgDraft;
use rapport_core::request::{Request, Status};
use rapport_store::repo::{audit, clients, clocks, orgs, requests};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, Store, migrate};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn request(org: OrgId, client: rapport_core::ids::ClientId, quick: bool) -> Request {
    let created = at("2026-03-02T09:00:00Z");
    Request {
        status: if quick {
            Status::Delivered
        } else {
            Status::WaitingOnClient
        },
        quick,
        delivered_at: quick.then_some(created),
        ..rapport_store::testing::request(org, client, "Old request", created)
    }
}

async fn backfill(db: TestDb) {
    let store = Store::open(&db.url, db.options.clone()).await.unwrap();
    store
        .raw(|db| migrate::apply_up_to(db, 0, 3))
        .await
        .unwrap();
    let (org, slow, quick) = store
        .write(|db| {
            let org = orgs::insert(
                db,
                &OrgDraft::parse("northwind", "Northwind").unwrap(),
                at("2026-03-01T00:00:00Z"),
            )?
            .id;
            let draft = NewClient {
                name: "Fjord Freight".into(),
                calendar: CalendarSpec::office_hours("Europe/London"),
                locale: None,
                etiquette: None,
                notes: None,
            }
            .validate()
            .unwrap();
            let client = clients::insert(db, org, &draft, at("2026-03-01T00:00:00Z"))?.id;
            let slow = requests::insert(db, &request(org, client, false))?.id;
            let quick = requests::insert(db, &request(org, client, true))?.id;
            for (when, action, details) in [
                (
                    "2026-03-02T10:00:00Z",
                    "request.status",
                    r#"{"from":"new","to":"in_progress","reason":null}"#,
                ),
                (
                    "2026-03-02T10:30:00Z",
                    "request.update",
                    r#"{"title":{"from":"a","to":"b"}}"#,
                ),
                (
                    "2026-03-02T11:00:00Z",
                    "request.status",
                    r#"{"from":"in_progress","to":"waiting_on_client"}"#,
                ),
            ] {
                audit::record(
                    db,
                    org,
                    at(when),
                    None,
                    &AuditEntry::new(Actor::System, action)
                        .target("request", slow.0)
                        .details(serde_json::from_str(details).unwrap()),
                )?;
            }
            Ok::<_, rapport_store::StoreError>((org, slow, quick))
        })
        .await
        .unwrap();

    let report = store.migrate().await.unwrap();
    // Later migrations follow it; 0004 is the one that backfills.
    assert_eq!(
        report.applied.first().map(String::as_str),
        Some("0004_clocks")
    );
    let (slow_log, quick_log, columns) = store
        .read(move |db| {
            Ok::<_, rapport_store::StoreError>((
                clocks::status_log(db, org, slow)?,
                clocks::status_log(db, org, quick)?,
                clocks::sla_columns(db, org, slow)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        slow_log,
        [
            (at("2026-03-02T10:00:00Z"), Status::InProgress),
            (at("2026-03-02T11:00:00Z"), Status::WaitingOnClient)
        ]
    );
    assert_eq!(quick_log, [(at("2026-03-02T09:00:00Z"), Status::Delivered)]);
    assert_eq!(columns, (None, None), "evaluated later, by the jobs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_sqlite() {
    backfill(TestDb::new(Engine::Sqlite).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_postgres() {
    let Some(db) = TestDb::new(Engine::Postgres) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    backfill(db).await;
}
