//! The store's contract, run against both engines: migrations, transactions, constraints,
//! group commit, and the append-only audit trail.

use jiff::Timestamp;
use rapport_core::access::Actor;
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::NewClient;
use rapport_core::ids::OrgId;
use rapport_core::org::OrgDraft;
use rapport_store::both_engines;
use rapport_store::repo::{audit, clients, orgs};
use rapport_store::testing::TestDb;
use rapport_store::{Engine, Store, StoreError, params};

fn now() -> Timestamp {
    "2026-03-02T10:00:00Z".parse().unwrap()
}

async fn org(store: &Store, slug: &str) -> OrgId {
    let d = OrgDraft::parse(slug, "Northwind Studio").unwrap();
    store
        .write(move |db| orgs::insert(db, &d, now()))
        .await
        .unwrap()
        .id
}

fn client_draft(name: &str) -> rapport_core::client::ClientDraft {
    NewClient {
        name: name.into(),
        calendar: CalendarSpec::office_hours("Asia/Kolkata"),
        locale: None,
        etiquette: None,
        notes: None,
    }
    .validate()
    .unwrap()
}

both_engines!(migrations_are_idempotent, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    let again = store.migrate().await.unwrap();
    assert!(again.applied.is_empty());
    // Versions increase but need not be consecutive (branches take numbers in parallel).
    assert_eq!(
        again.current_version,
        rapport_store::migrate::SQLITE.last().unwrap().version
    );
    store.check_schema().await.unwrap();
});

both_engines!(a_failed_write_leaves_nothing, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    let org = org(&store, "northwind").await;
    let d = client_draft("Kaveri Foods");
    // Insert a client and an audit event, then fail: neither may remain.
    let result: Result<(), StoreError> = store
        .write(move |db| {
            clients::insert(db, org, &d, now())?;
            audit::record(
                db,
                org,
                now(),
                None,
                &AuditEntry::new(Actor::System, "client.create"),
            )?;
            Err(StoreError::Constraint("forced".into()))
        })
        .await;
    assert!(result.is_err());
    let count: i64 = store
        .read(move |db| {
            db.scalar(
                "SELECT COUNT(*) FROM clients WHERE org_id = $1",
                params![org],
            )
        })
        .await
        .unwrap();
    assert_eq!(count, 0);
    let events: i64 = store
        .read(move |db| {
            db.scalar(
                "SELECT COUNT(*) FROM audit_events WHERE org_id = $1",
                params![org],
            )
        })
        .await
        .unwrap();
    assert_eq!(events, 0);
});

both_engines!(unique_keys_are_conflicts, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    let org = org(&store, "northwind").await;
    let d = client_draft("Kaveri Foods");
    let d2 = d.clone();
    store
        .write(move |db| clients::insert(db, org, &d, now()))
        .await
        .unwrap();
    let err = store
        .write(move |db| clients::insert(db, org, &d2, now()))
        .await
        .unwrap_err();
    // The insert names the key it broke, whichever engine reported it.
    assert!(
        matches!(err, StoreError::Conflict { unique: Some(k), .. } if k == clients::UNIQUE_NAME),
        "{err:?}"
    );
    // A key the write did not name stays a conflict of no field.
    let err = store
        .write(move |db| {
            db.execute(
                "INSERT INTO orgs (slug, name, created_at) VALUES ('northwind', 'Again', 0)",
                params![],
            )
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { unique: None, ref key } if !key.is_empty()),
        "{err:?}"
    );
});

both_engines!(
    every_unique_key_is_known_by_its_names,
    |db: TestDb| async move {
        let store = db.store().await.unwrap();
        store
            .read(|db| {
                for k in rapport_store::repo::UNIQUE_KEYS {
                    match db.engine() {
                        // A unique constraint is served by an index of its name.
                        Engine::Postgres => {
                            let n: i64 = db.scalar(
                                "SELECT COUNT(*) FROM pg_index i
                                 JOIN pg_class c ON c.oid = i.indexrelid
                                 JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.relname = $1 AND n.nspname = current_schema() AND i.indisunique",
                                params![k.constraint],
                            )?;
                            assert_eq!(n, 1, "no unique index {}", k.constraint);
                        }
                        // SQLite reports a broken key by its columns: one of the table's
                        // unique indexes must have exactly those.
                        Engine::Sqlite => {
                            let table = k.columns.split('.').next().unwrap_or("");
                            let indexes: Vec<String> = db.query_map(
                                "SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1",
                                params![table],
                                |r| r.get("name"),
                            )?;
                            let mut found = false;
                            for index in indexes {
                                let cols: Vec<String> = db.query_map(
                                    "SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                                    params![index],
                                    |r| r.get("name"),
                                )?;
                                let named: Vec<String> =
                                    cols.iter().map(|c| format!("{table}.{c}")).collect();
                                found |= named.join(", ") == k.columns;
                            }
                            assert!(found, "no unique index on {}", k.columns);
                        }
                    }
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
    }
);

both_engines!(
    foreign_org_references_are_refused,
    |db: TestDb| async move {
        let store = db.store().await.unwrap();
        let a = org(&store, "alpha").await;
        let b = org(&store, "beta").await;
        let d = client_draft("Kaveri Foods");
        let client = store
            .write(move |db| clients::insert(db, a, &d, now()))
            .await
            .unwrap();
        // A contact in org B pointing at org A's client must be impossible.
        let contact = rapport_core::client::NewContact {
            client_id: client.id,
            name: "Priya".into(),
            email: "priya@kaveri.example".into(),
            phone: None,
            etiquette: None,
            role: None,
        }
        .validate()
        .unwrap();
        let err = store
            .write(move |db| clients::insert_contact(db, b, &contact, None, now()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::MissingReference { .. }),
            "{err:?}"
        );
    }
);

both_engines!(concurrent_writes_all_commit, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    let org = org(&store, "northwind").await;
    let mut handles = Vec::new();
    for i in 0..200 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            let d = client_draft(&format!("Client {i}"));
            // Every fifth write fails after inserting: its savepoint must roll back alone.
            s.write(move |db| {
                clients::insert(db, org, &d, now())?;
                if i % 5 == 0 {
                    Err(StoreError::Constraint("forced".into()))
                } else {
                    Ok(())
                }
            })
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        if h.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 160);
    let count: i64 = store
        .read(move |db| {
            db.scalar(
                "SELECT COUNT(*) FROM clients WHERE org_id = $1",
                params![org],
            )
        })
        .await
        .unwrap();
    assert_eq!(count, 160);
});

both_engines!(audit_events_are_append_only, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    let org = org(&store, "northwind").await;
    store
        .write(move |db| {
            audit::record(
                db,
                org,
                now(),
                Some("127.0.0.1"),
                &AuditEntry::new(Actor::System, "test.event"),
            )
        })
        .await
        .unwrap();
    let upd: Result<u64, StoreError> = store
        .write(move |db| {
            db.execute(
                "UPDATE audit_events SET action = 'x' WHERE org_id = $1",
                params![org],
            )
        })
        .await;
    assert!(upd.is_err(), "update must be refused");
    let del: Result<u64, StoreError> = store
        .write(move |db| db.execute("DELETE FROM audit_events WHERE org_id = $1", params![org]))
        .await;
    assert!(del.is_err(), "delete must be refused");
    let page = store
        .read(move |db| {
            audit::list(
                db,
                org,
                &audit::AuditQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].ip.as_deref(), Some("127.0.0.1"));
});

#[tokio::test]
async fn newer_schema_is_refused() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let store = db.store().await.unwrap();
    store
        .raw(|db| {
            db.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', 0)",
                params![],
            )
        })
        .await
        .unwrap();
    let err = store.check_schema().await.unwrap_err().to_string();
    assert!(err.contains("newer than this rapport binary"), "{err}");
}

#[tokio::test]
async fn bad_urls_are_clear() {
    let err = Store::open("sqlite:///no/such/dir/x.db", Default::default())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("does not exist"), "{err}");
    let err = Store::open("postgres://nobody:pw@127.0.0.1:1/none", Default::default())
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Unavailable(_)), "{text}");
    assert!(!text.contains(":pw@"), "password leaked: {text}");
}

/// Two transactions queue the same two deduplicated jobs in opposite orders, each waiting for
/// the other's uncommitted row: PostgreSQL fails one of them as a deadlock. Both writes must
/// still commit, and each job exists once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossed_dedupe_keys_do_not_fail_writes_postgres() {
    use rapport_store::repo::jobs::{self, NewJob};
    use std::sync::{Arc, Barrier};
    let Some(db) = TestDb::new(Engine::Postgres) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let store = db.store().await.unwrap();
    let org = org(&store, "northwind").await;
    let barrier = Arc::new(Barrier::new(2));
    let queue = |first: &'static str, second: &'static str| {
        let (store, barrier) = (store.clone(), barrier.clone());
        async move {
            store
                .write(move |db| -> Result<_, StoreError> {
                    let job = |key: &'static str| NewJob {
                        kind: "probe",
                        payload: &serde_json::Value::Null,
                        run_at: now(),
                        max_attempts: 3,
                        dedupe_key: Some(key),
                    };
                    let a = jobs::enqueue(db, org, &job(first), now())?;
                    barrier.wait();
                    let b = jobs::enqueue(db, org, &job(second), now())?;
                    Ok((a, b))
                })
                .await
        }
    };
    let (one, two) = tokio::join!(queue("k1", "k2"), queue("k2", "k1"));
    let (one, two) = (one.expect("first write"), two.expect("second write"));
    assert!(
        one.0.is_some() && two.0.is_some(),
        "each queued its first key"
    );
    // The deadlock's victim reads its second key as queued by the other; the survivor, once
    // the victim commits, finds that key taken too.
    assert_eq!((one.1, two.1), (None, None), "{one:?} {two:?}");
    let keys: Vec<String> = store
        .read(move |db| {
            db.query_map(
                "SELECT dedupe_key FROM jobs WHERE org_id = $1 ORDER BY dedupe_key",
                params![org],
                |r| r.get("dedupe_key"),
            )
        })
        .await
        .unwrap();
    assert_eq!(keys, ["k1", "k2"]);
}

both_engines!(rows_are_read_by_column_name, |db: TestDb| async move {
    let store = db.store().await.unwrap();
    store
        .read(|db| {
            let r = db.query_one(
                "SELECT 7 AS id, 'Kaveri' AS Name, COUNT(*) AS n FROM orgs",
                params![],
            )?;
            assert_eq!(r.get::<i64>("id")?, 7);
            // PostgreSQL folds an unquoted alias to lower case, SQLite keeps it: both answer
            // to the name as written.
            assert_eq!(r.get::<String>("Name")?, "Kaveri");
            assert_eq!(r.get::<String>("name")?, "Kaveri");
            assert_eq!(r.get::<i64>("n")?, 0);
            // A name the query does not select is an error that names it, not a panic or
            // another column's value.
            let err = r.get::<i64>("estimate_minutes").unwrap_err();
            assert!(
                matches!(&err, StoreError::NoColumn { column, selected }
                    if column == "estimate_minutes" && selected == "id, name, n"),
                "{err:?}"
            );
            assert!(err.to_string().contains("estimate_minutes"), "{err}");
            // Two columns of one name (a join's two ids) are never guessed between.
            let r = db.query_one(
                "SELECT a.id, b.id FROM (SELECT 1 AS id) a, (SELECT 2 AS id) b",
                params![],
            )?;
            assert_eq!(
                r.get::<i64>("id").unwrap_err(),
                StoreError::AmbiguousColumn("id".into())
            );
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
});

both_engines!(
    an_engine_error_keeps_its_code_and_cause,
    |db: TestDb| async move {
        let store = db.store().await.unwrap();
        let engine = store.engine();
        let err = store
            .read(|db| db.query("SELECT * FROM no_such_table", params![]))
            .await
            .unwrap_err();
        // The engine's own code, not text to be read: PostgreSQL's SQLSTATE for an undefined
        // table, SQLite's generic error (it has no more particular one for this).
        let want = match engine {
            Engine::Sqlite => "1",
            Engine::Postgres => "42P01",
        };
        assert_eq!(err.code(), Some(want), "{err:?}");
        assert!(err.to_string().contains("no_such_table"), "{err}");
        // The driver's error is kept as the source, for the log.
        let cause = std::error::Error::source(&err).expect("the driver's error is the source");
        let mut chain = vec![cause.to_string()];
        let mut next = cause.source();
        while let Some(e) = next {
            chain.push(e.to_string());
            next = e.source();
        }
        if engine == Engine::Postgres {
            // The server's own report, down the driver's chain ("db error" wraps it).
            assert!(
                chain.iter().any(|t| t.contains("no_such_table")),
                "{chain:?}"
            );
        }

        // A statement used against its shape is a misuse, named as such.
        let err = store
            .read(|db| db.query_opt("SELECT 1 AS n UNION ALL SELECT 2 AS n", params![]))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Misuse(_)), "{err:?}");
    }
);

/// The process's page-cache budget is shared out equally over the writer and the readers, and
/// each connection runs with its share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_page_cache_budget_is_shared_by_every_connection() {
    let mut db = TestDb::new(Engine::Sqlite).unwrap();
    let opts = &db.options.sqlite;
    assert_eq!(opts.readers, 4);
    assert_eq!(opts.cache_per_connection_kib(10), 2048, "10 MiB over five");
    assert_eq!(opts.cache_per_connection_kib(1), 1024, "never under 1 MiB");
    db.options.sqlite.cache_kib = opts.cache_per_connection_kib(10);
    let store = db.store().await.unwrap();
    let cache = |db: &mut rapport_store::Db<'_>| {
        db.query_one("PRAGMA cache_size", params![])?
            .get::<i64>("cache_size")
    };
    // Negative: SQLite's way of saying KiB rather than pages.
    assert_eq!(store.read(cache).await.unwrap(), -2048);
    assert_eq!(store.write(cache).await.unwrap(), -2048);
}

// A running health recompute holds no dedupe key, so a change committed while it reads queues
// the next one; every other kind stays deduplicated while it runs. A rerun already queued
// makes a postponed or failed attempt end instead of queueing a second.
both_engines!(
    a_running_health_recompute_lets_its_rerun_queue,
    |db: TestDb| async move {
        use rapport_store::repo::jobs::{self, NewJob};
        let store = db.store().await.unwrap();
        let org = org(&store, "northwind").await;
        let later: Timestamp = "2026-03-02T10:01:00Z".parse().unwrap();
        let lease: Timestamp = "2026-03-02T10:05:00Z".parse().unwrap();
        let (queued, rerun, probe_again, postponed, status) = store
            .write(move |db| -> Result<_, StoreError> {
                let job = |kind: &'static str, key: &'static str| NewJob {
                    kind,
                    payload: &serde_json::Value::Null,
                    run_at: now(),
                    max_attempts: 3,
                    dedupe_key: Some(key),
                };
                let queued = jobs::enqueue(db, org, &job("health.recompute", "health:7"), now())?
                    .expect("queued");
                jobs::enqueue(db, org, &job("probe", "probe:1"), now())?.expect("queued");
                assert_eq!(
                    jobs::enqueue(db, org, &job("health.recompute", "health:7"), now())?,
                    None,
                    "one queued per client"
                );
                let claimed = jobs::claim(db, "w", now(), lease, 10)?;
                assert_eq!(claimed.len(), 2);
                let rerun = jobs::enqueue(db, org, &job("health.recompute", "health:7"), now())?;
                let probe_again = jobs::enqueue(db, org, &job("probe", "probe:1"), now())?;
                // The running one asks to wait: the queued rerun covers it, so it ends.
                let postponed = jobs::postpone(db, org, queued, "w", later, now())?;
                let status: String = db.scalar(
                    "SELECT status FROM jobs WHERE org_id = $1 AND id = $2",
                    params![org, queued],
                )?;
                Ok((queued, rerun, probe_again, postponed, status))
            })
            .await
            .unwrap();
        assert!(rerun.is_some_and(|r| r != queued), "the rerun is queued");
        assert_eq!(
            probe_again, None,
            "other kinds stay deduplicated while running"
        );
        assert!(postponed, "the lease was held");
        assert_eq!(status, "done");

        // Alone, a postponed recompute goes back to the queue without spending an attempt; a
        // failed one that finds its rerun queued ends too.
        let (back, attempts, failed_status) = store
            .write(move |db| -> Result<_, StoreError> {
                let rerun = rerun.unwrap();
                let claimed = jobs::claim(db, "w", now(), lease, 10)?;
                assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [rerun]);
                jobs::postpone(db, org, rerun, "w", later, now())?;
                let row = db.query_one(
                    "SELECT status, attempts FROM jobs WHERE org_id = $1 AND id = $2",
                    params![org, rerun],
                )?;
                let (back, attempts): (String, i64) = (row.get("status")?, row.get("attempts")?);
                let claimed = jobs::claim(db, "w", later, lease, 10)?;
                assert_eq!(claimed.len(), 1);
                let third = NewJob {
                    kind: "health.recompute",
                    payload: &serde_json::Value::Null,
                    run_at: later,
                    max_attempts: 3,
                    dedupe_key: Some("health:7"),
                };
                jobs::enqueue(db, org, &third, later)?.expect("queued beside the running one");
                jobs::fail(db, org, rerun, "w", "boom", Some(lease), later)?;
                let failed_status: String = db.scalar(
                    "SELECT status FROM jobs WHERE org_id = $1 AND id = $2",
                    params![org, rerun],
                )?;
                Ok((back, attempts, failed_status))
            })
            .await
            .unwrap();
        assert_eq!((back.as_str(), attempts), ("queued", 0));
        assert_eq!(failed_status, "done", "its queued rerun does the work");
    }
);
