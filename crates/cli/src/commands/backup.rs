//! `rapport backup FILE` and `rapport restore FILE`: a consistent copy of a live SQLite
//! database (the server may keep writing), and putting one back. PostgreSQL has its own tools:
//! `pg_dump -Fc` and `pg_restore` (see the README's Backups section).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use rapport_store::Location;
use rapport_store::sqlite::backup::{self, BackupError, BackupInfo};

use crate::config::{DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (a new file; replaced only with --force).
    pub file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore (made by `rapport backup`).
    pub file: PathBuf,
    /// Replace a database that holds data (stop the server first: a target in use is refused).
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The SQLite file named by --db (or the configuration); PostgreSQL is pointed elsewhere.
fn sqlite_file(db: &DbArgs, verb: &str) -> Result<PathBuf, Failure> {
    let file = FileConfig::load(db.config.as_deref())?;
    let url = db.resolve(&file, false).url;
    match Location::parse(&url).map_err(|e| Failure::Usage(format!("--db: {e}")))? {
        Location::Sqlite(path) => Ok(path),
        Location::Postgres(_) => Err(Failure::Usage(format!(
            "rapport {verb} copies a SQLite database; for PostgreSQL use pg_dump -Fc and pg_restore \
             (see the README, Backups), or rapport export/import to move an organisation"
        ))),
    }
}

fn failure(e: BackupError) -> Failure {
    match e {
        BackupError::Refused(m) | BackupError::Invalid(m) => Failure::Usage(m),
        BackupError::Failed(m) => Failure::Runtime(anyhow::anyhow!(m)),
    }
}

fn report(verb: &str, info: &BackupInfo, started: Instant, json: bool) -> CmdResult {
    let secs = started.elapsed().as_secs_f64();
    if json {
        let mut v = serde_json::to_value(info).map_err(|e| Failure::Runtime(e.into()))?;
        v["seconds"] = serde_json::json!(secs);
        return print_json(&v);
    }
    println!(
        "{verb} {}: {} bytes, schema version {}, integrity ok, {secs:.2} s",
        info.path.display(),
        info.bytes,
        info.schema_version
    );
    if info.pending_migrations > 0 {
        println!(
            "{} migration(s) pending: `rapport migrate` (or `rapport serve`) applies them",
            info.pending_migrations
        );
    }
    Ok(())
}

pub fn run_backup(args: BackupArgs) -> CmdResult {
    let source = sqlite_file(&args.db, "backup")?;
    let started = Instant::now();
    let info = backup::backup(&source, &args.file, args.force).map_err(failure)?;
    report("backed up to", &info, started, args.json)
}

pub fn run_restore(args: RestoreArgs) -> CmdResult {
    let target = sqlite_file(&args.db, "restore")?;
    let started = Instant::now();
    let info = backup::restore(&args.file, &target, args.force).map_err(failure)?;
    report("restored", &info, started, args.json)
}
