//! The export's table list is the schema: every table of both engines is exported or
//! excluded with a reason, every column is listed, and every column that holds an id is
//! known to the renumbering. A table or column added later cannot be silently forgotten.

use std::collections::BTreeSet;

use rapport_store::both_engines;
use rapport_store::testing::TestDb;
use rapport_store::transfer::spec::{DERIVED, EXCLUDED, NOT_IDS, TABLES};
use rapport_store::{Db, Engine, StoreError, params};

fn strings(db: &mut Db<'_>, sql: &str, arg: &str) -> Result<BTreeSet<String>, StoreError> {
    let rows = if sql.contains("$1") {
        db.query_map(sql, params![arg], |r| r.only::<String>())?
    } else {
        db.query_map(sql, params![], |r| r.only::<String>())?
    };
    Ok(rows.into_iter().collect())
}

fn tables(db: &mut Db<'_>) -> Result<BTreeSet<String>, StoreError> {
    let all = match db.engine() {
        Engine::Sqlite => strings(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            "",
        )?,
        Engine::Postgres => strings(
            db,
            "SELECT table_name FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            "",
        )?,
    };
    // A full-text index and its shadow tables (`requests_fts_data`, ...) are rebuilt from rows.
    Ok(all
        .into_iter()
        .filter(|t| {
            !DERIVED
                .iter()
                .any(|d| t == d || t.starts_with(&format!("{d}_")))
        })
        .collect())
}

/// Stored columns (not PostgreSQL's generated search vectors).
fn columns(db: &mut Db<'_>, table: &str) -> Result<BTreeSet<String>, StoreError> {
    match db.engine() {
        Engine::Sqlite => strings(db, "SELECT name FROM pragma_table_info($1)", table),
        Engine::Postgres => strings(
            db,
            "SELECT column_name FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'",
            table,
        ),
    }
}

fn foreign_key_columns(db: &mut Db<'_>, table: &str) -> Result<BTreeSet<String>, StoreError> {
    match db.engine() {
        Engine::Sqlite => strings(
            db,
            "SELECT \"from\" FROM pragma_foreign_key_list($1)",
            table,
        ),
        Engine::Postgres => strings(
            db,
            "SELECT kcu.column_name FROM information_schema.table_constraints tc
               JOIN information_schema.key_column_usage kcu
                 ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
              WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()
                AND tc.table_name = $1",
            table,
        ),
    }
}

both_engines!(
    every_table_is_exported_or_excluded,
    |db: TestDb| async move {
        let store = db.store().await.unwrap();
        store
            .read(|db| -> Result<(), StoreError> {
                let live = tables(db)?;
                let mut known: BTreeSet<String> =
                    TABLES.iter().map(|t| t.name.to_string()).collect();
                known.extend(EXCLUDED.iter().map(|(t, _)| t.to_string()));
                assert_eq!(
                    live, known,
                    "add new tables to transfer::spec::TABLES (or EXCLUDED, with the reason)"
                );
                Ok(())
            })
            .await
            .unwrap();
    }
);

both_engines!(
    every_column_and_reference_is_described,
    |db: TestDb| async move {
        let store = db.store().await.unwrap();
        store
        .read(|db| -> Result<(), StoreError> {
            for t in TABLES {
                let live = columns(db, t.name)?;
                let spec: BTreeSet<String> = t.columns.iter().map(|c| c.to_string()).collect();
                assert_eq!(live, spec, "columns of {}", t.name);
                let refs: BTreeSet<&str> = t.refs.iter().map(|(c, _)| *c).collect();
                for fk in foreign_key_columns(db, t.name)? {
                    assert!(
                        fk == "org_id" || refs.contains(fk.as_str()),
                        "{}.{fk} is a foreign key the export does not renumber",
                        t.name
                    );
                }
                // Polymorphic and role columns have no foreign key: go by their names.
                for c in t.columns {
                    let names_a_row = (c.ends_with("_id") || c.ends_with("_by"))
                        && *c != "org_id"
                        && !NOT_IDS.contains(&format!("{}.{c}", t.name).as_str());
                    assert!(
                        !names_a_row || refs.contains(c),
                        "{}.{c} looks like a reference the export does not renumber",
                        t.name
                    );
                }
                if db.engine() == Engine::Postgres {
                    let booleans = strings(
                        db,
                        "SELECT column_name FROM information_schema.columns
                          WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'boolean'",
                        t.name,
                    )?;
                    let spec: BTreeSet<String> =
                        t.booleans.iter().map(|c| c.to_string()).collect();
                    assert_eq!(booleans, spec, "booleans of {}", t.name);
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    }
);
