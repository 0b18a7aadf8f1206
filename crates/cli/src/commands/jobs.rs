//! `rapport jobs probe`: the operator's check that job workers are alive. Probes can sleep and
//! so hold worker slots, which is why organisations cannot queue them over the API.

use clap::{Args, Subcommand};
use rapport_app::{App, Settings};

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Queue probe jobs that only record that they ran (audit action `job.probe`).
    Probe(ProbeArgs),
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The organisation (slug) the probes are queued for.
    #[arg(long)]
    pub org: String,
    /// 1-10000 jobs.
    #[arg(long, default_value_t = 1)]
    pub count: usize,
    /// How long each job sleeps, 0-600000 ms.
    #[arg(long, default_value_t = 0)]
    pub sleep_ms: u64,
}

pub fn run(cmd: JobsCommand) -> CmdResult {
    let JobsCommand::Probe(args) = cmd;
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let org = app
            .org_by_slug(&args.org)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--org {:?}: no such organisation", args.org)))?;
        let job_ids = app
            .probe_jobs_as_operator(org.id, args.count, args.sleep_ms)
            .await
            .map_err(config::app_failure)?;
        print_json(&serde_json::json!({ "job_ids": job_ids }))
    })
}
