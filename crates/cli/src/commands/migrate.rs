//! `rapport migrate`: bring the schema up to this binary's version.

use clap::Args;

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print what would be applied (each migration, whether the running release keeps working
    /// on it, its statements) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: MigrateArgs) -> CmdResult {
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, true);
    config::runtime()?.block_on(async move {
        let store = config::open_store(&db).await?;
        if args.dry_run {
            return dry_run(&store, args.json).await;
        }
        let report = store
            .migrate()
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        if args.json {
            return print_json(&serde_json::json!({
                "applied": report.applied,
                "version": report.current_version,
                "engine": store.engine().name(),
            }));
        }
        if report.applied.is_empty() {
            println!("schema is current (version {})", report.current_version);
        } else {
            println!(
                "applied {} migration(s): {}; schema version {}",
                report.applied.len(),
                report.applied.join(", "),
                report.current_version
            );
        }
        Ok(())
    })
}

/// What `rapport migrate` would do, without doing it.
async fn dry_run(store: &rapport_store::Store, json: bool) -> CmdResult {
    use rapport_store::migrate::{self, Compat};
    let status = store
        .raw(migrate::status)
        .await
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
    let compat = |m: &migrate::Migration| match m.compat() {
        Compat::Expand => ("expand", None),
        Compat::Contract { oldest_reader } => ("contract", Some(oldest_reader)),
    };
    if json {
        let pending: Vec<_> = status
            .pending
            .iter()
            .map(|m| {
                let (kind, oldest_reader) = compat(m);
                serde_json::json!({
                    "version": m.version,
                    "name": m.name,
                    "compat": kind,
                    "oldest_reader": oldest_reader,
                    "statements": m.statements(),
                })
            })
            .collect();
        let ahead: Vec<_> = status
            .ahead
            .iter()
            .map(|(v, n)| serde_json::json!({"version": v, "name": n}))
            .collect();
        return print_json(&serde_json::json!({
            "engine": store.engine().name(),
            "pending": pending,
            "ahead": ahead,
        }));
    }
    for (v, n) in &status.ahead {
        println!(
            "the database has {n} (version {v}) from a newer release; it lets this binary run"
        );
    }
    if status.pending.is_empty() {
        println!("schema is current: nothing to apply");
        return Ok(());
    }
    println!(
        "would apply {} migration(s), each in its own transaction:",
        status.pending.len()
    );
    for m in &status.pending {
        let note = match m.compat() {
            Compat::Expand => "expand: servers of the previous release keep working on it".into(),
            Compat::Contract { oldest_reader } => format!(
                "contract: every server must run a release that knows schema {oldest_reader} or \
                 later first"
            ),
        };
        println!("\n{} (version {}) — {note}", m.name, m.version);
        for st in m.statements() {
            println!("  {st}");
        }
    }
    Ok(())
}
