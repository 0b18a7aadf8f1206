//! Prefix searches (`ka*`) are served by the full-text tables' prefix indexes (migration 0019 on
//! SQLite). Rows written before the migration are found by prefix after it: the tables were
//! rebuilt, not emptied.

use jiff::Timestamp;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::NewClient;
use rapport_core::org::OrgDraft;
use rapport_core::request::{Kind, Request};
use rapport_core::search::SearchQuery;
use rapport_store::both_engines;
use rapport_store::repo::search::{self, SearchFilter};
use rapport_store::repo::{clients, orgs, requests};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, Store, migrate, params};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

both_engines!(
    rows_from_before_the_prefix_indexes_are_found_by_prefix,
    |db: TestDb| async move {
        let store = Store::open(&db.url, db.options.clone()).await.unwrap();
        store
            .raw(|db| migrate::apply_up_to(db, 0, 17))
            .await
            .unwrap();
        let org = store
            .write(|db| {
                let created = at("2026-03-02T09:00:00Z");
                let org = orgs::insert(
                    db,
                    &OrgDraft::parse("northwind", "Northwind").unwrap(),
                    created,
                )?
                .id;
                let draft = NewClient {
                    name: "Kaveri Foods".into(),
                    calendar: CalendarSpec::office_hours("Asia/Kolkata"),
                    locale: None,
                    etiquette: None,
                    notes: None,
                }
                .validate()
                .unwrap();
                let client = clients::insert(db, org, &draft, created)?.id;
                for (title, body) in [
                    ("Kaveri sensor feed", "the cold-store readings"),
                    ("Invoice run", "monthly invoices for the katydid project"),
                    ("Weekly report", "nothing about the other words"),
                ] {
                    requests::insert(
                        db,
                        &Request {
                            body: body.into(),
                            kind: Kind::Data,
                            ..rapport_store::testing::request(org, client, title, created)
                        },
                    )?;
                }
                Ok::<_, rapport_store::StoreError>(org)
            })
            .await
            .unwrap();
        store.migrate().await.unwrap();

        let titles = |q: &str| {
            let q = SearchQuery::parse(q).unwrap();
            let store = store.clone();
            async move {
                let page = store
                    .read(move |db| search::search(db, org, &q, &SearchFilter::default(), 10, 0))
                    .await
                    .unwrap();
                let mut t: Vec<String> = page.hits.into_iter().map(|h| h.title).collect();
                t.sort();
                t
            }
        };
        // Two and three characters: the lengths the prefix indexes hold.
        assert_eq!(titles("ka*").await, ["Invoice run", "Kaveri sensor feed"]);
        assert_eq!(titles("kav*").await, ["Kaveri sensor feed"]);
        // Longer prefixes are merged from the terms as before.
        assert_eq!(titles("katyd*").await, ["Invoice run"]);
        assert!(titles("kz*").await.is_empty());

        if db.engine == Engine::Sqlite {
            let schemas: Vec<String> = store
                .read(|db| {
                    db.query_map(
                        "SELECT sql FROM sqlite_master WHERE name IN ('requests_fts', 'messages_fts')",
                        params![],
                        |r| r.get::<String>("sql"),
                    )
                })
                .await
                .unwrap();
            assert_eq!(schemas.len(), 2);
            for s in schemas {
                assert!(s.contains("prefix = '2 3'"), "{s}");
            }
        }
    }
);
