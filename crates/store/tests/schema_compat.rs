//! Expand, then contract: a binary runs beside migrations newer than it knows when every one of
//! them recorded that it allows it, refuses otherwise, and a database an older binary made (no
//! `oldest_reader` column) reads as before; on both engines.

use rapport_store::migrate::{self, BASELINE, Compat};
use rapport_store::testing::TestDb;
use rapport_store::{Store, StoreError, params};

/// Record a migration this binary does not know, as a newer release would have.
async fn record_newer(store: &Store, version: i64, oldest_reader: Option<i64>) {
    store
        .raw(move |db| {
            db.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at, oldest_reader)
                 VALUES ($1, $2, 'x', 0, $3)",
                params![
                    version,
                    format!("{version:04}_from_the_future"),
                    oldest_reader
                ],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn forget(store: &Store, version: i64) {
    store
        .raw(move |db| {
            db.execute(
                "DELETE FROM schema_migrations WHERE version = $1",
                params![version],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn newer_migrations_are_run_beside_when_they_allow_it(db: TestDb) {
    let store = Store::open(&db.url, db.options.clone()).await.unwrap();
    store.migrate().await.unwrap();
    let latest = migrate::for_engine(store.engine()).last().unwrap().version;

    // An expanding migration of the next release: this binary keeps running.
    record_newer(&store, latest + 1, Some(0)).await;
    let status = store.raw(migrate::status).await.unwrap();
    assert!(status.pending.is_empty());
    assert_eq!(
        status.ahead,
        vec![(latest + 1, format!("{:04}_from_the_future", latest + 1))]
    );
    store.check_schema().await.unwrap();
    // Starting again (every server migrates when it starts) applies nothing and keeps the row.
    let report = store.migrate().await.unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(report.current_version, latest + 1);

    // A contracting one that needs binaries knowing at least itself: refused, and said why.
    record_newer(&store, latest + 2, Some(latest + 2)).await;
    let err = store.check_schema().await.unwrap_err();
    assert!(matches!(err, StoreError::Schema(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("{:04}_from_the_future", latest + 2))
            && text.contains(&format!("knows up to {latest}")),
        "{text}"
    );
    forget(&store, latest + 2).await;

    // A contract this binary is new enough for.
    record_newer(&store, latest + 2, Some(latest)).await;
    store.check_schema().await.unwrap();
    forget(&store, latest + 2).await;

    // A row without the column's value (written before it existed) means "this version or later".
    record_newer(&store, latest + 3, None).await;
    assert!(store.check_schema().await.is_err());
}
rapport_store::both_engines!(
    newer_migrations,
    newer_migrations_are_run_beside_when_they_allow_it
);

/// A database migrated by a binary from before the column (its `schema_migrations` has four
/// columns): checked read-only as it is, then given the column by the next migrate.
async fn a_database_from_before_the_column_is_read_and_upgraded(db: TestDb) {
    let store = Store::open(&db.url, db.options.clone()).await.unwrap();
    store
        .raw(|db| migrate::apply_up_to(db, 0, BASELINE))
        .await
        .unwrap();
    store
        .raw(|db| {
            db.batch("ALTER TABLE schema_migrations DROP COLUMN oldest_reader")?;
            Ok(())
        })
        .await
        .unwrap();
    let status = store.raw(migrate::status).await.unwrap();
    // Every migration after the baseline is pending (the numbers may have gaps).
    let after_baseline = migrate::for_engine(store.engine())
        .iter()
        .filter(|m| m.version > BASELINE)
        .count();
    assert_eq!(status.pending.len(), after_baseline);
    store.migrate().await.unwrap();
    store.check_schema().await.unwrap();
    let recorded: Vec<(i64, Option<i64>)> = store
        .raw(|db| {
            db.query_map(
                "SELECT version, oldest_reader FROM schema_migrations ORDER BY version",
                params![],
                |r| Ok((r.get("version")?, r.get("oldest_reader")?)),
            )
        })
        .await
        .unwrap();
    for (version, oldest_reader) in recorded {
        let m = migrate::for_engine(store.engine())
            .iter()
            .find(|m| m.version == version)
            .unwrap();
        match m.compat() {
            // Applied before the column: unknown, read as the migration's own version.
            _ if version <= BASELINE => assert_eq!(oldest_reader, None, "{version}"),
            Compat::Expand => assert_eq!(oldest_reader, Some(0), "{version}"),
            Compat::Contract { oldest_reader: r } => assert_eq!(oldest_reader, Some(r)),
        }
    }
}
rapport_store::both_engines!(
    before_the_column,
    a_database_from_before_the_column_is_read_and_upgraded
);

#[test]
fn engines_agree_on_what_is_a_contract() {
    let s: Vec<_> = migrate::SQLITE.iter().map(|m| m.compat()).collect();
    let p: Vec<_> = migrate::POSTGRES.iter().map(|m| m.compat()).collect();
    assert_eq!(s, p);
}
