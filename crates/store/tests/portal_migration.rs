//! Migration 0011 on data written under schema 10: contacts who hold a portal password keep
//! portal access, those without get none until invited, and one-time links survive the rebuild
//! of their table; on both engines.

use jiff::Timestamp;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::NewClient;
use rapport_core::ids::ContactId;
use rapport_core::org::OrgDraft;
use rapport_store::repo::{clients, orgs};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, Store, migrate, params};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn portal_access_is_kept(db: TestDb) {
    let store = Store::open(&db.url, db.options.clone()).await.unwrap();
    store
        .raw(|db| migrate::apply_up_to(db, 0, 10))
        .await
        .unwrap();
    let (org, with_password, without) = store
        .write(|db| {
            let now = at("2026-03-01T00:00:00Z");
            let org = orgs::insert(db, &OrgDraft::parse("northwind", "Northwind").unwrap(), now)?.id;
            let draft = NewClient {
                name: "Fjord Freight".into(),
                calendar: CalendarSpec::office_hours("Europe/London"),
                locale: None,
                etiquette: None,
                notes: None,
            }
            .validate()
            .unwrap();
            let client = clients::insert(db, org, &draft, now)?.id;
            let mut ids = Vec::new();
            for (email, hash) in [
                ("priya@fjord.example", Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")),
                ("sam@fjord.example", None),
            ] {
                let id: i64 = db.scalar(
                    "INSERT INTO contacts (org_id, client_id, name, email, phone, etiquette,
                         portal_password_hash, created_at, updated_at)
                     VALUES ($1, $2, 'C', $3, NULL, '{}', $4, $5, $5) RETURNING id",
                    params![org, client, email, hash, now],
                )?;
                ids.push(ContactId(id));
            }
            db.execute(
                "INSERT INTO one_time_links (org_id, purpose, token_hash, contact_id, created_at, expires_at)
                 VALUES ($1, 'portal_sign_in', 'abc', $2, $3, $3)",
                params![org, ids[1], now],
            )?;
            Ok::<_, rapport_store::StoreError>((org, ids[0], ids[1]))
        })
        .await
        .unwrap();

    let report = store.migrate().await.unwrap();
    assert_eq!(
        report.applied.first().map(String::as_str),
        Some("0011_portal_access")
    );
    let (kept, none, links) = store
        .read(move |db| {
            Ok::<_, rapport_store::StoreError>((
                clients::get_contact(db, org, with_password)?.portal_enabled,
                clients::get_contact(db, org, without)?.portal_enabled,
                db.scalar::<i64>(
                    "SELECT COUNT(*) FROM one_time_links WHERE org_id = $1",
                    params![org],
                )?,
            ))
        })
        .await
        .unwrap();
    assert!(kept, "a contact with a portal password keeps access");
    assert!(
        !none,
        "a contact without one gets access only by invitation"
    );
    assert_eq!(links, 1, "links survive the table's rebuild");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_access_is_kept_sqlite() {
    portal_access_is_kept(TestDb::new(Engine::Sqlite).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_access_is_kept_postgres() {
    let Some(db) = TestDb::new(Engine::Postgres) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    portal_access_is_kept(db).await;
}
