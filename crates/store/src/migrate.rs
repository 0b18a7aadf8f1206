//! Versioned migrations, one folder per engine with the same version numbers. Each migration
//! runs in its own transaction, so a failure leaves the schema at the previous version.
//!
//! Expand, then contract: from version [`BASELINE`] + 1 on, a migration only adds (tables,
//! columns that are nullable or have a default, indexes, triggers) unless it is listed in
//! [`CONTRACTS`], so app servers of the previous release keep working on the migrated schema
//! while they are replaced one by one. Each applied migration records the oldest schema version
//! a binary must know to run on it (`schema_migrations.oldest_reader`); a binary that finds
//! newer migrations it does not know runs if every one of them allows it, and refuses otherwise.

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::params;

#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The last migration written before the expand-then-contract rule: none of those promises
/// anything to older binaries (some dropped indexes that older code relied on).
pub const BASELINE: i64 = 24;

/// Migrations after [`BASELINE`] that remove or change what older binaries use, each with the
/// oldest schema version a binary must know to run after it: every server must be upgraded to
/// at least that release before the migration is applied. Empty so far.
pub const CONTRACTS: &[(i64, i64)] = &[];

/// Whether binaries that knew only the schema before a migration keep working after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compat {
    /// It only adds: the previous release keeps working on the migrated schema.
    Expand,
    /// It removes or changes something: only binaries that know schema `oldest_reader` or
    /// later run on it.
    Contract { oldest_reader: i64 },
}

impl Migration {
    pub fn compat(&self) -> Compat {
        if self.version <= BASELINE {
            return Compat::Contract {
                oldest_reader: self.version,
            };
        }
        match CONTRACTS.iter().find(|(v, _)| *v == self.version) {
            Some((_, oldest_reader)) => Compat::Contract {
                oldest_reader: *oldest_reader,
            },
            None => Compat::Expand,
        }
    }

    /// The value recorded in `schema_migrations.oldest_reader`: 0 when any binary that ran on
    /// the schema before it runs after it too.
    fn oldest_reader(&self) -> i64 {
        match self.compat() {
            Compat::Expand => 0,
            Compat::Contract { oldest_reader } => oldest_reader,
        }
    }

    /// Each statement's first line, for `rapport migrate --dry-run`.
    pub fn statements(&self) -> Vec<String> {
        statements(self.sql)
            .into_iter()
            .filter_map(|st| st.lines().next().map(|l| l.trim().to_string()))
            .collect()
    }
}

/// The SQL's statements without comments, split on semicolons outside quotes and `$$` bodies.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut dollar) = (false, false);
    for line in sql.lines() {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                // A comment runs to the end of the line, unless the dashes are quoted.
                '-' if !quote && !dollar && chars.peek() == Some(&'-') => break,
                '\'' if !dollar => quote = !quote,
                '$' if !quote && chars.peek() == Some(&'$') => {
                    chars.next();
                    dollar = !dollar;
                    cur.push('$');
                }
                // A SQLite trigger's body holds statements of its own, up to its END.
                ';' if !quote && !dollar && !inside_trigger(&cur) => {
                    if !cur.trim().is_empty() {
                        out.push(cur.trim().to_string());
                    }
                    cur.clear();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
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
    25 "0025_kept_aggregates",
    26 "0026_member_absences",
    27 "0027_auto_assign",
    28 "0028_notifications",
    29 "0029_contact_roles",
    31 "0031_member_signatures",
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
    25 "0025_kept_aggregates",
    26 "0026_member_absences",
    27 "0027_auto_assign",
    28 "0028_notifications",
    29 "0029_contact_roles",
    31 "0031_member_signatures",
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
    applied_at BIGINT NOT NULL,
    oldest_reader BIGINT
)";

/// One row of `schema_migrations`.
struct Applied {
    version: i64,
    name: String,
    checksum: String,
    /// `None` for rows written before the column existed: read as the migration's own version.
    oldest_reader: Option<i64>,
}

fn has_column(db: &mut Db<'_>, table: &str, column: &str) -> Result<bool, StoreError> {
    let n = match db.engine() {
        Engine::Sqlite => db.scalar::<i64>(
            "SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2",
            params![table, column],
        )?,
        Engine::Postgres => db.scalar::<i64>(
            "SELECT COUNT(*) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
            params![table, column],
        )?,
    };
    Ok(n > 0)
}

fn applied(db: &mut Db<'_>) -> Result<Vec<Applied>, StoreError> {
    // Read-only, so `/readyz` can call it on a database an older binary made.
    let sql = if has_column(db, "schema_migrations", "oldest_reader")? {
        "SELECT version, name, checksum, oldest_reader FROM schema_migrations ORDER BY version"
    } else {
        "SELECT version, name, checksum, NULL AS oldest_reader FROM schema_migrations ORDER BY version"
    };
    db.query_map(sql, params![], |r| {
        Ok(Applied {
            version: r.get("version")?,
            name: r.get("name")?,
            checksum: r.get("checksum")?,
            oldest_reader: r.get("oldest_reader")?,
        })
    })
}

/// Where the database's schema stands against this binary's migrations.
#[derive(Debug, Default)]
pub struct SchemaStatus {
    /// Migrations this binary has that the database has not.
    pub pending: Vec<&'static Migration>,
    /// Migrations the database has that this binary does not know (a newer release applied
    /// them), each of which lets this binary run: version and name.
    pub ahead: Vec<(i64, String)>,
}

/// Check that every applied migration is one we know and unchanged, or newer than us and
/// compatible with us. Returns the pending migrations.
pub fn check(db: &mut Db<'_>) -> Result<Vec<&'static Migration>, StoreError> {
    status(db).map(|s| s.pending)
}

/// [`check`], also naming the newer migrations this binary runs beside.
pub fn status(db: &mut Db<'_>) -> Result<SchemaStatus, StoreError> {
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
    let mut ahead = Vec::new();
    for a in &done {
        let (version, sum) = (&a.version, &a.checksum);
        match known.iter().find(|m| m.version == *version) {
            None if *version > latest => {
                let needs = a.oldest_reader.unwrap_or(*version);
                if needs > latest {
                    return Err(StoreError::Schema(format!(
                        "the database is at schema version {version}, newer than this rapport binary \
                         (which knows up to {latest}), and its migration {} needs a binary that \
                         knows schema {needs} or later: upgrade rapport",
                        a.name
                    )));
                }
                ahead.push((*version, a.name.clone()));
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
    let pending = known
        .iter()
        .filter(|m| !done.iter().any(|a| a.version == m.version))
        .collect();
    Ok(SchemaStatus { pending, ahead })
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
    if !has_column(db, "schema_migrations", "oldest_reader")? {
        // A database made before the column: its rows stay NULL, read as "this version or later".
        db.batch("ALTER TABLE schema_migrations ADD COLUMN oldest_reader BIGINT")?;
    }
    let pending = check(db)?;
    let mut report = MigrationReport::default();
    for m in pending.into_iter().filter(|m| m.version <= until) {
        let begin = match db.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        db.batch(begin)?;
        let result =
            db.batch(m.sql).and_then(|()| {
                db.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at, oldest_reader)
                 VALUES ($1, $2, $3, $4, $5)",
                params![m.version, m.name, checksum(m.sql), now_ms, m.oldest_reader()],
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
    report.current_version = applied(db)?.last().map_or(0, |a| a.version);
    Ok(report)
}

fn inside_trigger(statement: &str) -> bool {
    let s = statement.trim_start().to_lowercase();
    (s.starts_with("create trigger") || s.starts_with("create temp trigger"))
        && !s.trim_end().ends_with("end")
}

/// Why a statement would break binaries of the previous release, if it would. A check on the
/// text, not a proof: it catches the usual ways (dropping, renaming, tightening), and a
/// migration that must do one of them is listed in [`CONTRACTS`].
pub fn contracting(statement: &str) -> Option<&'static str> {
    let s = statement
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let drops = [
        ("drop table", "drops a table"),
        ("drop view", "drops a view"),
        (
            "drop index",
            "drops an index (older code may rely on a unique one)",
        ),
        ("drop type", "drops a type"),
    ];
    for (prefix, why) in drops {
        if s.starts_with(prefix) {
            return Some(why);
        }
    }
    if s.starts_with("alter table") {
        if s.contains(" drop column ") || s.contains(" drop ") && !s.contains(" drop default") {
            return Some("drops a column or a constraint");
        }
        if s.contains(" rename ") {
            return Some("renames a table or a column");
        }
        if s.contains(" set not null") || s.contains(" type ") && s.contains(" alter column ") {
            return Some("tightens or retypes a column");
        }
        if s.contains(" add constraint ") {
            return Some("adds a constraint older writes may break");
        }
        if s.contains(" add column ") && s.contains(" not null") && !s.contains(" default ") {
            return Some("adds a NOT NULL column without a default (older inserts would fail)");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_after_the_baseline_only_expand_unless_listed_as_contracts() {
        for m in SQLITE.iter().chain(POSTGRES) {
            if m.compat() != Compat::Expand {
                continue;
            }
            for st in statements(m.sql) {
                if let Some(why) = contracting(&st) {
                    panic!(
                        "{} {why}: `{}`. Older app servers run on the migrated schema during a \
                         rolling upgrade; expand now and contract in a later release (listed in \
                         CONTRACTS)",
                        m.name,
                        st.lines().next().unwrap_or("")
                    );
                }
            }
        }
    }

    #[test]
    fn contracting_statements_are_told_from_expanding_ones() {
        for st in [
            "DROP TABLE old_things",
            "drop index jobs_dedupe",
            "ALTER TABLE contacts DROP COLUMN phone",
            "ALTER TABLE contacts RENAME COLUMN phone TO telephone",
            "ALTER TABLE contacts ALTER COLUMN phone SET NOT NULL",
            "ALTER TABLE contacts ADD COLUMN role TEXT NOT NULL",
            "ALTER TABLE contacts ADD CONSTRAINT one_role CHECK (role <> '')",
        ] {
            assert!(contracting(st).is_some(), "{st}");
        }
        for st in [
            "CREATE TABLE kept (org_id BIGINT NOT NULL)",
            "CREATE INDEX kept_org ON kept (org_id)",
            "ALTER TABLE contacts ADD COLUMN role TEXT NOT NULL DEFAULT 'requester'",
            "ALTER TABLE contacts ADD COLUMN note TEXT",
            "ALTER TABLE contacts ALTER COLUMN note DROP DEFAULT",
            "CREATE TRIGGER t AFTER INSERT ON ratings BEGIN SELECT 1; END",
        ] {
            assert_eq!(contracting(st), None, "{st}");
        }
    }

    #[test]
    fn statements_split_outside_quotes_and_function_bodies() {
        let sql = "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT ';--'); -- why\n\
                   CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n\
                   CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; DELETE FROM a; END;\n\
                   CREATE INDEX a_x ON a (x)";
        let st = statements(sql);
        assert_eq!(st.len(), 4, "{st:?}");
        assert_eq!(st[0], "CREATE TABLE a (x TEXT DEFAULT ';--')");
        assert!(st[1].contains("RETURN NEW; END $$"));
        assert!(st[2].ends_with("DELETE FROM a; END"), "{}", st[2]);
        assert_eq!(st[3], "CREATE INDEX a_x ON a (x)");
    }

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
