//! Versioned migrations, one folder per engine with the same version numbers. Each migration
//! runs in its own transaction, so a failure leaves the schema at the previous version.

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::params;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($engine:literal: $($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $engine, "/", $name, ".sql")),
        }),*]
    };
}

pub const SQLITE: &[Migration] = migrations!("sqlite":
    1 "0001_init",
    2 "0002_jobs",
    3 "0003_alerts",
    4 "0004_clocks",
    5 "0005_scope",
    6 "0006_care",
    7 "0007_accounts",
    8 "0008_bench",
    9 "0009_mail",
    10 "0010_automation",
    11 "0011_portal_access",
    12 "0012_mail_auth",
    13 "0013_mail_anchors",
    14 "0014_signals_complaints",
    15 "0015_member_holidays",
    16 "0016_member_invites",
    17 "0017_engagement_team",
    18 "0018_scope_precedents",
    19 "0019_search_prefixes",
    20 "0020_import_holds",
    21 "0021_request_presence",
    22 "0022_health_by_client",
    23 "0023_ratings_client",
    24 "0024_request_snoozes",
    28 "0028_notifications",
);

pub const POSTGRES: &[Migration] = migrations!("postgres":
    1 "0001_init",
    2 "0002_jobs",
    3 "0003_alerts",
    4 "0004_clocks",
    5 "0005_scope",
    6 "0006_care",
    7 "0007_accounts",
    8 "0008_bench",
    9 "0009_mail",
    10 "0010_automation",
    11 "0011_portal_access",
    12 "0012_mail_auth",
    13 "0013_mail_anchors",
    14 "0014_signals_complaints",
    15 "0015_member_holidays",
    16 "0016_member_invites",
    17 "0017_engagement_team",
    18 "0018_scope_precedents",
    19 "0019_search_prefixes",
    20 "0020_import_holds",
    21 "0021_request_presence",
    22 "0022_health_by_client",
    23 "0023_ratings_client",
    24 "0024_request_snoozes",
    28 "0028_notifications",
);

pub fn for_engine(engine: Engine) -> &'static [Migration] {
    match engine {
        Engine::Sqlite => SQLITE,
        Engine::Postgres => POSTGRES,
    }
}

/// FNV-1a: enough to notice a migration file edited after it was applied.
fn checksum(sql: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub current_version: i64,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

fn applied(db: &mut Db<'_>) -> Result<Vec<(i64, String)>, StoreError> {
    db.query_map(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
        params![],
        |r| Ok((r.get("version")?, r.get("checksum")?)),
    )
}

/// Check that every applied migration is one we know, unchanged, and not newer than us.
/// Returns the pending migrations.
pub fn check(db: &mut Db<'_>) -> Result<Vec<&'static Migration>, StoreError> {
    let known = for_engine(db.engine());
    let has_table = match db.engine() {
        Engine::Sqlite => db.scalar::<i64>(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            params![],
        )?,
        Engine::Postgres => db.scalar::<i64>(
            "SELECT COUNT(*) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
            params![],
        )?,
    } > 0;
    let done = if has_table { applied(db)? } else { Vec::new() };
    let latest = known.last().map_or(0, |m| m.version);
    for (version, sum) in &done {
        match known.iter().find(|m| m.version == *version) {
            None if *version > latest => {
                return Err(StoreError::Schema(format!(
                    "the database is at schema version {version}, newer than this rapport binary \
                     (which knows up to {latest}); upgrade rapport"
                )));
            }
            None => {
                return Err(StoreError::Schema(format!(
                    "the database has migration {version}, which this binary does not know"
                )));
            }
            Some(m) if checksum(m.sql) != *sum => {
                return Err(StoreError::Schema(format!(
                    "migration {} was changed after it was applied",
                    m.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(known
        .iter()
        .filter(|m| !done.iter().any(|(v, _)| *v == m.version))
        .collect())
}

/// Apply every pending migration, each in its own transaction. `db` must not be inside a
/// transaction.
pub fn apply(db: &mut Db<'_>, now_ms: i64) -> Result<MigrationReport, StoreError> {
    apply_up_to(db, now_ms, i64::MAX)
}

/// [`apply`], stopping after `version`: lets a test put data in an older schema and check what a
/// later migration makes of it.
pub fn apply_up_to(
    db: &mut Db<'_>,
    now_ms: i64,
    version: i64,
) -> Result<MigrationReport, StoreError> {
    if db.engine() == Engine::Postgres {
        // Several app servers may start at once: let one migrate while the others wait.
        db.execute("SELECT pg_advisory_lock(72150001)", params![])?;
    }
    let result = apply_locked(db, now_ms, version);
    if db.engine() == Engine::Postgres {
        let _ = db.execute("SELECT pg_advisory_unlock(72150001)", params![]);
    }
    result
}

fn apply_locked(db: &mut Db<'_>, now_ms: i64, until: i64) -> Result<MigrationReport, StoreError> {
    db.batch(CREATE_TABLE)?;
    let pending = check(db)?;
    let mut report = MigrationReport::default();
    for m in pending.into_iter().filter(|m| m.version <= until) {
        let begin = match db.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        db.batch(begin)?;
        let result = db.batch(m.sql).and_then(|()| {
            db.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
                params![m.version, m.name, checksum(m.sql), now_ms],
            )
        });
        match result {
            Ok(_) => db.batch("COMMIT")?,
            Err(e) => {
                let _ = db.batch("ROLLBACK");
                let e = e.to_string();
                let hint = if e.contains("already exists") {
                    " (the database holds part of it without its record in schema_migrations: \
                     restore a backup, or finish it by hand)"
                } else {
                    ""
                };
                return Err(StoreError::Schema(format!(
                    "migration {} failed: {}{hint}",
                    m.name,
                    e.lines().next().unwrap_or("")
                )));
            }
        }
        report.applied.push(m.name.to_string());
    }
    report.current_version = applied(db)?.last().map_or(0, |(v, _)| *v);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_have_the_same_versions() {
        let s: Vec<_> = SQLITE.iter().map(|m| (m.version, m.name)).collect();
        let p: Vec<_> = POSTGRES.iter().map(|m| (m.version, m.name)).collect();
        assert_eq!(s, p);
        for w in SQLITE.windows(2) {
            assert!(w[0].version < w[1].version, "versions increase");
        }
    }
}
