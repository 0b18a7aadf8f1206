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
}

pub fn run(args: MigrateArgs) -> CmdResult {
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, true);
    config::runtime()?.block_on(async move {
        let store = config::open_store(&db).await?;
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
