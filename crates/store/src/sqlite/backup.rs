//! Online backups of a SQLite database, and restoring one.
//!
//! `VACUUM INTO` copies the database as one read transaction: a consistent snapshot, taken
//! while a server keeps writing (WAL readers never block the writer). The copy is written
//! beside its final name, checked, synced and then renamed, so a failed backup never leaves a
//! file that looks whole. Restoring checks the file first, takes the target for itself (a
//! server holding the target makes it refuse) and copies page by page with SQLite's backup
//! API, through the target's own journal, so a stale WAL can never be mixed in.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::db::Db;
use crate::migrate;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// The operator can fix this (the file exists, the target is in use or not empty).
    #[error("{0}")]
    Refused(String),
    /// The file is not a usable Rapport database.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(String),
}

/// What a backup (or a checked backup file) holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    /// Migrations this binary would still apply (an older backup).
    pub pending_migrations: usize,
}

fn failed(what: &str, path: &Path, e: impl std::fmt::Display) -> BackupError {
    BackupError::Failed(format!("{what} {}: {e}", path.display()))
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection, BackupError> {
    let c = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| BackupError::Invalid(format!("cannot open {}: {e}", path.display())))?;
    c.busy_timeout(Duration::from_secs(10))
        .map_err(|e| failed("cannot configure", path, e))?;
    Ok(c)
}

/// Check that `conn` holds a Rapport database, that (`integrity`) SQLite finds every page
/// intact (worth its cost on a copy, not on the live source), and that (`runnable`) this
/// binary knows its schema. Any Rapport database can be backed up; only one this binary can
/// run is restored.
fn check(
    conn: &Connection,
    path: &Path,
    integrity: bool,
    runnable: bool,
) -> Result<BackupInfo, BackupError> {
    let pragma = if integrity {
        "PRAGMA integrity_check(1)"
    } else {
        "PRAGMA schema_version"
    };
    let verdict: String = conn
        .query_row(pragma, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| match v {
            rusqlite::types::Value::Text(t) => t,
            _ => "ok".to_string(),
        })
        .map_err(|e| {
            BackupError::Invalid(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    if verdict != "ok" {
        return Err(BackupError::Invalid(format!(
            "{} failed SQLite's integrity check: {verdict}",
            path.display()
        )));
    }
    let has_migrations: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| failed("cannot read", path, e))?;
    if has_migrations == 0 {
        return Err(BackupError::Invalid(format!(
            "{} is a SQLite database but not a Rapport one (no schema_migrations table)",
            path.display()
        )));
    }
    let pending = match migrate::check(&mut Db::sqlite(conn)) {
        Ok(p) => p.len(),
        Err(e) if runnable => {
            return Err(BackupError::Invalid(format!("{}: {e}", path.display())));
        }
        Err(_) => 0,
    };
    let version: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|e| failed("cannot read", path, e))?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupInfo {
        path: path.to_path_buf(),
        bytes,
        schema_version: version.unwrap_or(0),
        pending_migrations: pending,
    })
}

/// Check a backup file without changing it.
pub fn inspect(path: &Path) -> Result<BackupInfo, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Refused(format!(
            "{}: no such file",
            path.display()
        )));
    }
    let conn = open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check(&conn, path, true, true)
}

fn partial_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    dest.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Copy the live database at `source` to `dest`. Refuses to replace `dest` unless `overwrite`.
pub fn backup(source: &Path, dest: &Path, overwrite: bool) -> Result<BackupInfo, BackupError> {
    if !source.is_file() {
        return Err(BackupError::Refused(format!(
            "SQLite database {} does not exist",
            source.display()
        )));
    }
    if dest.exists() && !overwrite {
        return Err(BackupError::Refused(format!(
            "{} exists; add --force to replace it",
            dest.display()
        )));
    }
    if dest.is_dir() {
        return Err(BackupError::Refused(format!(
            "{} is a directory; name the backup file",
            dest.display()
        )));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(BackupError::Refused(format!(
            "directory {} does not exist",
            dir.display()
        )));
    }
    let src = open(source, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    check(&src, source, false, false)?;
    let partial = partial_path(dest);
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        src.execute("VACUUM INTO ?1", [partial.to_string_lossy().as_ref()])
            .map_err(|e| failed("cannot write the backup", dest, e))?;
        let copy = open(&partial, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let info = check(&copy, &partial, true, false)?;
        drop(copy);
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|e| failed("cannot sync", &partial, e))?;
        std::fs::rename(&partial, dest)
            .map_err(|e| failed("cannot move the backup to", dest, e))?;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(BackupInfo {
            path: dest.to_path_buf(),
            ..info
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Whether a database file holds any table.
fn has_tables(conn: &Connection, path: &Path) -> Result<bool, BackupError> {
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
    .map_err(|e| BackupError::Invalid(format!("{} is not a SQLite database: {e}", path.display())))
}

/// Replace the database at `target` with the backup at `file`. Refuses when `target` is in use
/// (a running server), and when it holds data unless `overwrite`.
pub fn restore(file: &Path, target: &Path, overwrite: bool) -> Result<BackupInfo, BackupError> {
    let info = inspect(file)?;
    if let (Ok(a), Ok(b)) = (file.canonicalize(), target.canonicalize())
        && a == b
    {
        return Err(BackupError::Refused(
            "the backup and the target are the same file".into(),
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(BackupError::Refused(format!(
            "directory {} does not exist",
            dir.display()
        )));
    }
    let mut dst = open(
        target,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )?;
    dst.busy_timeout(Duration::ZERO)
        .map_err(|e| failed("cannot configure", target, e))?;
    // Exclusive locking keeps the lock after this transaction, until the connection closes:
    // no server can open the target while it is being replaced, and one that holds it now
    // makes this fail.
    let locked = dst
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .map_err(|e| {
            BackupError::Refused(format!(
                "{} is in use (is a rapport server running on it?): {e}; stop it first",
                target.display()
            ))
        });
    if let Err(e) = locked {
        let _ = dst.execute_batch("ROLLBACK");
        return Err(e);
    }
    if has_tables(&dst, target)? && !overwrite {
        return Err(BackupError::Refused(format!(
            "{} already holds a database; add --force to replace it",
            target.display()
        )));
    }
    let src = open(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    {
        let b = rusqlite::backup::Backup::new(&src, &mut dst)
            .map_err(|e| failed("cannot restore into", target, e))?;
        b.run_to_completion(256, Duration::ZERO, None)
            .map_err(|e| failed("cannot restore into", target, e))?;
    }
    let restored = check(&dst, target, true, true)?;
    dst.close()
        .map_err(|(_, e)| failed("cannot close", target, e))?;
    Ok(BackupInfo {
        path: target.to_path_buf(),
        bytes: std::fs::metadata(target)
            .map(|m| m.len())
            .unwrap_or(info.bytes),
        ..restored
    })
}
