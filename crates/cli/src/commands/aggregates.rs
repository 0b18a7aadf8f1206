//! `rapport aggregates rebuild`: recompute the kept aggregates (promise ledger tallies and
//! margins, rating pairs) from the facts, for one organisation or all of them. Triggers keep
//! them as the facts change; the rebuild is the repair after an import by hand or a doubt.

use clap::{Args, Subcommand};
use rapport_app::{App, Settings};
use rapport_core::ids::OrgId;

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum AggregatesCommand {
    /// Recompute the kept aggregates from the facts (idempotent; audited `aggregates.rebuild`).
    Rebuild(RebuildArgs),
}

#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The organisation, by slug or id; without it every organisation.
    #[arg(long)]
    pub org: Option<String>,
}

pub fn run(cmd: AggregatesCommand) -> CmdResult {
    let AggregatesCommand::Rebuild(args) = cmd;
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let org = match args.org.as_deref() {
            None => None,
            Some(given) => Some(find_org(&app, given).await?),
        };
        let rebuilt = app
            .rebuild_aggregates_as_operator(org)
            .await
            .map_err(config::app_failure)?;
        print_json(&serde_json::json!({
            "org_id": org.map(|o| o.0),
            "promise_tallies": rebuilt.tallies,
            "promise_margins": rebuilt.margins,
            "rating_pairs": rebuilt.pairs,
        }))
    })
}

async fn find_org(app: &App, given: &str) -> Result<OrgId, Failure> {
    if let Some(org) = app.org_by_slug(given).await.map_err(config::app_failure)? {
        return Ok(org.id);
    }
    let missing = || Failure::Usage(format!("--org {given:?}: no such organisation"));
    let id: i64 = given.parse().map_err(|_| missing())?;
    app.org(OrgId(id))
        .await
        .map(|o| o.id)
        .map_err(|_| missing())
}
